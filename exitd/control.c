/*
 * The control socket: a UNIX stream socket speaking libexitpt/protocol.h, one
 * bufferevent-backed peer per connection.  Every message is checked here,
 * at the edge, before the phase engine sees it; a peer that sends garbage
 * gets an error reply and is closed, and a peer that stalls only ever
 * holds its own connection.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "exitd.h"
#include "protocol.h"

#define CONTROL_PEERS_MAX	256	/* connections in all */
#define CONTROL_PEERS_PER_UID	16	/* connections of one user */
#define CONTROL_STALL_SEC	10	/* to end a message, to read a reply */
#define CONTROL_OUTPUT_MAX	(4 * PROTO_JOURNAL_CHUNK)
#define CONTROL_REFUSED_BURST	5	/* refusals logged per window */
#define CONTROL_REFUSED_WINDOW	10	/* seconds */

struct control_peer {
	TAILQ_ENTRY(control_peer) entry;
	struct bufferevent	*bev;
	uid_t			 uid;
	gid_t			 gid;
	pid_t			 pid;
	int			 pending;	/* a drive or wait is open */
	int			 waiting;	/* the open one is a wait */
	int			 closing;	/* close once output is sent */
	uint32_t		 seq;		/* of the open request */
	uint64_t		 generation;	/* wait: the client's */
	struct event		*wait_ev;	/* status wait: time limit */
};
TAILQ_HEAD(control_peers, control_peer);

static struct event_base	*control_base;
static struct config		*control_cfg;
static struct event		*control_ev;
static int			 control_fd = -1;
static char			*control_path;
static struct control_peers	 control_peers =
				    TAILQ_HEAD_INITIALIZER(control_peers);
static size_t			 control_npeers;
static struct engine_observer	*control_observer;

/*
 * Refusals (too many connections, not allowed to drive, malformed or
 * stalled peers) are logged at most CONTROL_REFUSED_BURST times per
 * window; the rest are counted and summed up in one line at the window's
 * end, so that one user cannot flood the log.
 */
static struct {
	struct timespec	 start;		/* of the window */
	unsigned int	 logged;
	unsigned int	 dropped;	/* not logged in this window */
	char		 last[256];	/* the last one not logged */
	struct event	*ev;		/* summary at the window's end */
} control_refused_log;

static void	 control_accept_cb(evutil_socket_t, short, void *);
static void	 control_read_cb(struct bufferevent *, void *);
static void	 control_write_cb(struct bufferevent *, void *);
static void	 control_event_cb(struct bufferevent *, short, void *);
static void	 control_wait_cb(evutil_socket_t, short, void *);
static void	 control_drive_cb(int, int, void *);
static void	 control_close(struct control_peer *);
static void	 control_process(struct control_peer *);
static void	 control_dispatch(struct control_peer *,
		     const struct proto_hdr *, const unsigned char *);
static void	 control_send(struct control_peer *, uint32_t, uint32_t,
		     const void *, size_t, const void *, size_t);
static void	 control_report(struct control_peer *, uint32_t, int, int);
static void	 control_report_snapshot(struct control_peer *, uint32_t, int,
		     int, const struct engine_snapshot *);
static void	 control_engine_cb(const struct engine_event *, void *);
static void	 control_driver(const struct control_peer *, const char *,
		     char *, size_t);
static void	 control_fail(struct control_peer *, uint32_t, int);
static void	 control_dr_adopt(struct control_peer *, uint32_t,
		     const struct proto_dr_register *);
static void	 control_journal(struct control_peer *, uint32_t,
		     const struct proto_journal *);
static void	 control_resume(struct control_peer *);
static void	 control_participants(struct control_peer *, uint32_t);
static void	 control_participant_cb(void *, int, const char *, pid_t,
		     json_t *);
static void	 control_refused(const struct control_peer *, const char *,
		     ...) __attribute__((format(printf, 2, 3)));
static void	 control_vrefused(uid_t, pid_t, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));
static void	 control_refused_cb(evutil_socket_t, short, void *);

/* Sum up the refusals a window did not log, and start a new window. */
static void
control_refused_cb(evutil_socket_t fd, short events, void *arg)
{
	if (control_refused_log.dropped > 0)
		log_warnx("control: %u more refusals in the last %d s were not "
		    "logged (the last: %s)", control_refused_log.dropped,
		    CONTROL_REFUSED_WINDOW, control_refused_log.last);
	control_refused_log.dropped = 0;
	control_refused_log.logged = 0;
	clock_gettime(CLOCK_MONOTONIC, &control_refused_log.start);
}

/* Log that a peer was refused or dropped, within the rate limit. */
static void
control_refused(const struct control_peer *p, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	control_vrefused(p->uid, p->pid, fmt, ap);
	va_end(ap);
}

/*
 * Log that a client that did not come over the control socket (a
 * dr_reconfig() registration, a D-Bus caller) was refused or dropped:
 * within the same rate limit, which is exitd's, not one per front end.
 */
void
control_refused_by(uid_t uid, pid_t pid, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	control_vrefused(uid, pid, fmt, ap);
	va_end(ap);
}

/* The rate limit of refusals (above), for the client uid, pid. */
static void
control_vrefused(uid_t uid, pid_t pid, const char *fmt, va_list ap)
{
	struct timespec	 now;
	struct timeval	 tv;
	char		 why[200];

	vsnprintf(why, sizeof(why), fmt, ap);
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - control_refused_log.start.tv_sec >=
	    CONTROL_REFUSED_WINDOW && control_refused_log.dropped == 0) {
		control_refused_log.start = now;
		control_refused_log.logged = 0;
	}
	if (control_refused_log.logged < CONTROL_REFUSED_BURST) {
		control_refused_log.logged++;
		log_warnx("control: uid %ld (pid %ld) %s", (long)uid,
		    (long)pid, why);
		return;
	}
	snprintf(control_refused_log.last, sizeof(control_refused_log.last),
	    "uid %ld (pid %ld) %s", (long)uid, (long)pid, why);
	if (control_refused_log.dropped++ > 0)
		return;
	/* The first one not logged: sum them up when the window ends. */
	if (control_refused_log.ev == NULL &&
	    (control_refused_log.ev = evtimer_new(control_base,
	    control_refused_cb, NULL)) == NULL)
		fatalx("control: evtimer_new");
	tv.tv_sec = control_refused_log.start.tv_sec + CONTROL_REFUSED_WINDOW -
	    now.tv_sec;
	if (tv.tv_sec < 1)
		tv.tv_sec = 1;
	tv.tv_usec = 0;
	evtimer_add(control_refused_log.ev, &tv);
}

/*
 * Listen on path.  Fails with -EADDRINUSE when another exitd answers
 * there; a stale socket (nobody listening) is removed first.
 */
int
control_listen(struct event_base *base, const char *path, struct config *cfg)
{
	struct sockaddr_un	sun;
	struct stat		st;
	int			fd, error;

	control_base = base;
	control_cfg = cfg;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return (-ENAMETOOLONG);
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-errno);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(fd);
		return (-EADDRINUSE);
	}
	error = errno;
	close(fd);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return (-EEXIST);
		if (error != ECONNREFUSED)
			return (-error);
		log_info("removing stale socket %s", path);
		if (unlink(path) == -1)
			return (-errno);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		return (-errno);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, 0666) == -1 || listen(fd, 64) == -1) {
		error = -errno;
		close(fd);
		return (error);
	}
	control_fd = fd;
	control_path = xstrdup(path);
	control_ev = event_new(base, fd, EV_READ | EV_PERSIST,
	    control_accept_cb, NULL);
	if (control_ev == NULL || event_add(control_ev, NULL) == -1)
		fatalx("control: cannot add the listening socket");
	control_observer = phase_observe(control_engine_cb, NULL);
	return (0);
}

/* Count the peers of a user. */
static size_t
control_count_uid(uid_t uid)
{
	struct control_peer	*p;
	size_t			 n = 0;

	TAILQ_FOREACH(p, &control_peers, entry) {
		if (p->uid == uid)
			n++;
	}
	return (n);
}

/* Accept a connection and wrap it in a peer, within the limits. */
static void
control_accept_cb(evutil_socket_t lfd, short events, void *arg)
{
	struct control_peer	*p;
	struct ucred		 cred;
	socklen_t		 len = sizeof(cred);
	int			 fd, over;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("control: accept");
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warn("control: SO_PEERCRED");
		close(fd);
		return;
	}
	p = xcalloc(1, sizeof(*p));
	p->uid = cred.uid;
	p->gid = cred.gid;
	p->pid = cred.pid;
	over = control_npeers >= CONTROL_PEERS_MAX ||
	    control_count_uid(cred.uid) >= CONTROL_PEERS_PER_UID;
	p->bev = bufferevent_socket_new(control_base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (p->bev == NULL)
		fatalx("control: cannot create a bufferevent");
	bufferevent_setcb(p->bev, control_read_cb, control_write_cb,
	    control_event_cb, p);
	TAILQ_INSERT_TAIL(&control_peers, p, entry);
	control_npeers++;
	if (over) {
		control_refused(p, "refused: too many connections");
		control_fail(p, 0, EXITPT_E_LIMIT);
		return;
	}
	bufferevent_enable(p->bev, EV_READ | EV_WRITE);
	log_debug("control: uid %ld pid %ld connected", (long)cred.uid,
	    (long)cred.pid);
}

/* Free a peer; a driver waiting on a phase is forgotten, not the phase. */
static void
control_close(struct control_peer *p)
{
	phase_forget(p);
	if (p->wait_ev != NULL)
		event_free(p->wait_ev);
	bufferevent_free(p->bev);
	TAILQ_REMOVE(&control_peers, p, entry);
	control_npeers--;
	free(p);
}

/* Queue one message: a header, then up to two pieces of payload. */
static void
control_send(struct control_peer *p, uint32_t type, uint32_t seq,
    const void *a, size_t alen, const void *b, size_t blen)
{
	struct evbuffer		*out = bufferevent_get_output(p->bev);
	struct proto_hdr	 h;

	h.version = PROTO_VERSION;
	h.type = type;
	h.length = (uint32_t)(alen + blen);
	h.seq = seq;
	if (evbuffer_add(out, &h, sizeof(h)) == -1 ||
	    (alen > 0 && evbuffer_add(out, a, alen) == -1) ||
	    (blen > 0 && evbuffer_add(out, b, blen) == -1))
		fatalx("control: out of memory");
}

/*
 * Send a PROTO_REPORT built from snapshot s of phase kind (-1: the
 * current one), with every participant's answer so far.
 */
static void
control_report_snapshot(struct control_peer *p, uint32_t seq, int error,
    int kind, const struct engine_snapshot *s)
{
	const struct engine_call_view	*c;
	struct proto_report		 r;
	struct proto_answer		*a = NULL;
	size_t				 i;

	memset(&r, 0, sizeof(r));
	/* A status of a finished operation tells how it ended. */
	if (kind < 0 && !s->open && s->operation != 0)
		r.outcome = s->op_outcome;
	else
		r.outcome = s->outcome;
	r.error = error;
	r.phase = s->phase;
	r.action = s->action;
	r.operation = s->operation;
	r.generation = s->generation;
	r.window = s->window;
	r.system_state = s->system_state;
	r.window_left_ms = s->window_left_ms;
	r.bound_ms = s->bound_ms;
	snprintf(r.driver, sizeof(r.driver), "%s", s->driver);
	if (error == EXITPT_E_JOURNAL && journal_problem() != NULL)
		snprintf(r.detail, sizeof(r.detail), "%s", journal_problem());
	else if (error == 0 && journal_warning() != NULL)
		snprintf(r.detail, sizeof(r.detail), "%s", journal_warning());
	r.count = (uint32_t)s->ncalls;
	if (s->ncalls > 0)
		a = xcalloc(s->ncalls, sizeof(*a));
	for (i = 0; i < s->ncalls; i++) {
		c = &s->calls[i];
		a[i].kind = c->kind;
		a[i].number = c->number;
		a[i].status = c->status;
		a[i].wait = c->wait;
		a[i].effective = c->effective;
		a[i].end = c->end;
		a[i].code = c->code;
		a[i].pid = (int32_t)c->pid;
		a[i].duration_ms = c->duration_ms;
		snprintf(a[i].who, sizeof(a[i].who), "%s", c->who);
		if (c->end == EXITPT_END_RUNNING && !c->started)
			snprintf(a[i].reason, sizeof(a[i].reason),
			    "waiting for its turn");
		else
			snprintf(a[i].reason, sizeof(a[i].reason), "%s",
			    c->reason);
	}
	control_send(p, PROTO_REPORT, seq, &r, sizeof(r), a,
	    s->ncalls * sizeof(*a));
	free(a);
}

/* Send a PROTO_REPORT about phase kind (-1: the current one) now. */
static void
control_report(struct control_peer *p, uint32_t seq, int error, int kind)
{
	struct engine_snapshot	*s;

	s = phase_snapshot(kind);
	control_report_snapshot(p, seq, error, kind, s);
	phase_snapshot_free(s);
}

/*
 * Reply with an error that ends the conversation (malformed, wrong
 * version, over a limit) and close once the reply is out.
 */
static void
control_fail(struct control_peer *p, uint32_t seq, int error)
{
	struct timeval	tv = { CONTROL_STALL_SEC, 0 };

	control_report(p, seq, error, -1);
	p->closing = 1;
	bufferevent_disable(p->bev, EV_READ);
	bufferevent_enable(p->bev, EV_WRITE);
	bufferevent_set_timeouts(p->bev, NULL, &tv);
}

/* Send a chunk of the journal from the offset asked for. */
static void
control_journal(struct control_peer *p, uint32_t seq,
    const struct proto_journal *j)
{
	struct proto_journal_data	 d;
	char				*buf;
	ssize_t				 n = 0;
	int				 fd;

	memset(&d, 0, sizeof(d));
	buf = xmalloc(PROTO_JOURNAL_CHUNK);
	/* Records gathered in this turn of the loop are read too. */
	journal_flush();
	if ((fd = open(journal_path(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) ==
	    -1)
		d.error = -errno;
	else {
		if (j->offset > INT64_MAX ||
		    (n = pread(fd, buf, PROTO_JOURNAL_CHUNK,
		    (off_t)j->offset)) == -1) {
			d.error = j->offset > INT64_MAX ? EXITPT_E_VALUE :
			    -errno;
			n = 0;
		}
		close(fd);
	}
	d.eof = n < PROTO_JOURNAL_CHUNK;
	d.next_offset = j->offset + (uint64_t)n;
	control_send(p, PROTO_JOURNAL_DATA, seq, &d, sizeof(d), buf,
	    (size_t)n);
	free(buf);
}

/* One participant into the JSON array being built. */
static void
control_participant_cb(void *arg, int kind, const char *who, pid_t pid,
    json_t *details)
{
	json_t	*arr = arg, *o;

	o = json_pack("{s:s, s:o, s:I, s:o}", "kind",
	    exitpt_participant_name(kind), "who", journal_string(who), "pid",
	    (json_int_t)pid, "details", details != NULL ? details :
	    json_object());
	if (o == NULL || json_array_append_new(arr, o) == -1)
		fatalx("control: out of memory");
}

/* Every participant that exists now, as JSON text. */
static void
control_participants(struct control_peer *p, uint32_t seq)
{
	struct proto_participants_data	 d;
	json_t				*arr;
	char				*text;
	size_t				 len;

	if ((arr = json_array()) == NULL)
		fatalx("control: out of memory");
	phase_list(control_participant_cb, arr);
	memset(&d, 0, sizeof(d));
	d.count = (uint32_t)json_array_size(arr);
	if ((text = json_dumps(arr, JSON_COMPACT)) == NULL)
		fatalx("control: out of memory");
	json_decref(arr);
	len = strlen(text);
	if (len > PROTO_REPLY_MAX - sizeof(struct proto_hdr) - sizeof(d)) {
		d.error = EXITPT_E_TOO_LONG;
		d.count = 0;
		len = 0;
	}
	control_send(p, PROTO_PARTICIPANTS_DATA, seq, &d, sizeof(d), text,
	    len);
	free(text);
}

/* A phase this peer drove has ended (or it asked for the wrong one). */
static void
control_drive_cb(int error, int kind, void *arg)
{
	struct control_peer	*p = arg;

	p->pending = 0;
	control_report(p, p->seq, error, kind);
	control_resume(p);
}

/*
 * Go on with the peer's next request from the event loop, not from inside
 * the phase engine's callback that ended the last one.
 */
static void
control_resume(struct control_peer *p)
{
	bufferevent_trigger(p->bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS |
	    BEV_TRIG_DEFER_CALLBACKS);
}

/* A status wait reached its time limit: reply with the same snapshot. */
static void
control_wait_cb(evutil_socket_t fd, short events, void *arg)
{
	struct control_peer	*p = arg;

	if (!p->waiting)
		return;
	p->waiting = 0;
	p->pending = 0;
	control_report(p, p->seq, 0, -1);
	control_resume(p);
}

/*
 * The engine's state changed: answer the peers waiting for that, all
 * from one snapshot.
 */
static void
control_engine_cb(const struct engine_event *ev, void *arg)
{
	struct control_peer	*p;
	struct engine_snapshot	*s = NULL;

	TAILQ_FOREACH(p, &control_peers, entry) {
		if (!p->waiting || p->generation == phase_generation())
			continue;
		p->waiting = 0;
		p->pending = 0;
		if (p->wait_ev != NULL)
			evtimer_del(p->wait_ev);
		if (s == NULL)
			s = phase_snapshot(-1);
		control_report_snapshot(p, p->seq, 0, -1, s);
		control_resume(p);
	}
	phase_snapshot_free(s);
}

/*
 * Who drives, for the log, the journal and busy replies: the uid and pid
 * the kernel gave for the socket, then the name the client chose, with
 * anything but printable ASCII replaced.
 */
static void
control_driver(const struct control_peer *p, const char *name, char *buf,
    size_t len)
{
	char	clean[PROTO_DRIVER_NAME_MAX];
	size_t	i;

	for (i = 0; i < sizeof(clean) - 1 && name[i] != '\0'; i++)
		clean[i] = name[i] >= 0x20 && name[i] < 0x7f ? name[i] : '?';
	clean[i] = '\0';
	snprintf(buf, len, "uid %ld pid %ld (%s)", (long)p->uid, (long)p->pid,
	    i > 0 ? clean : "unnamed");
}

/*
 * PROTO_DR_REGISTER: the connection becomes a dr_reconfig() process's
 * registration, which part-dr.c keeps (and which no longer counts against
 * the control socket's limits).  The shim sends nothing before its reply,
 * so anything else buffered on the connection is a protocol error.
 */
static void
control_dr_adopt(struct control_peer *p, uint32_t seq,
    const struct proto_dr_register *m)
{
	int	fd;

	if (evbuffer_get_length(bufferevent_get_input(p->bev)) > 0 ||
	    evbuffer_get_length(bufferevent_get_output(p->bev)) > 0) {
		log_warnx("control: uid %ld (pid %ld): dr registration amid "
		    "other messages; closing", (long)p->uid, (long)p->pid);
		control_fail(p, seq, EXITPT_E_PROTOCOL);
		return;
	}
	if ((fd = fcntl(bufferevent_getfd(p->bev), F_DUPFD_CLOEXEC, 0)) ==
	    -1) {
		log_warn("control: dr registration of pid %ld", (long)p->pid);
		control_fail(p, seq, -errno);
		return;
	}
	bufferevent_disable(p->bev, EV_READ);
	dr_adopt(fd, p->uid, p->gid, p->pid, m);
	/* Free the peer from the loop, not from inside its read callback. */
	p->closing = 1;
	bufferevent_trigger(p->bev, EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS |
	    BEV_TRIG_DEFER_CALLBACKS);
}

/* Act on one complete, well-framed request. */
static void
control_dispatch(struct control_peer *p, const struct proto_hdr *h,
    const unsigned char *payload)
{
	struct proto_drive	d;
	struct proto_status	s;
	struct proto_journal	j;
	struct proto_dr_register dr;
	struct proto_dr_ack	ack;
	struct engine_request	req;
	struct timeval		tv;
	char			driver[PROTO_DRIVER_MAX];
	int			error;

	switch (h->type) {
	case PROTO_DRIVE:
		if (h->length != sizeof(d))
			break;
		memcpy(&d, payload, sizeof(d));
		if (!config_is_admin(control_cfg, p->uid, p->gid)) {
			control_refused(p, "may not drive phases");
			control_report(p, h->seq, EXITPT_E_AUTH, -1);
			return;
		}
		if ((d.flags & ~PROTO_DRIVE_FLAGS) != 0) {
			control_report(p, h->seq, EXITPT_E_VALUE, -1);
			return;
		}
		control_driver(p, d.driver, driver, sizeof(driver));
		log_info("control: %s drives %s", driver,
		    exitpt_phase_name(d.op));
		memset(&req, 0, sizeof(req));
		req.phase = d.op;
		req.action = d.action;
		req.validate_only = d.validate_only != 0;
		req.force = (d.flags & PROTO_DRIVE_FORCE) != 0;
		req.supersede = (d.flags & PROTO_DRIVE_SUPERSEDE) != 0;
		req.resume_only = (d.flags & PROTO_DRIVE_RESUME_ONLY) != 0;
		req.system_state = d.system_state;
		req.operation = d.operation;
		req.driver = driver;
		p->pending = 1;
		p->seq = h->seq;
		if ((error = phase_drive(&req, control_drive_cb, p)) != 0) {
			p->pending = 0;
			control_report(p, h->seq, error, -1);
		}
		return;
	case PROTO_STATUS:
		if (h->length != sizeof(s))
			break;
		memcpy(&s, payload, sizeof(s));
		if (!s.wait || s.generation != phase_generation() ||
		    s.timeout_ms == 0) {
			control_report(p, h->seq, 0, -1);
			return;
		}
		p->pending = 1;
		p->waiting = 1;
		p->seq = h->seq;
		p->generation = s.generation;
		if (s.timeout_ms > 0) {
			if (p->wait_ev == NULL)
				p->wait_ev = evtimer_new(control_base,
				    control_wait_cb, p);
			tv.tv_sec = s.timeout_ms / 1000;
			tv.tv_usec = (s.timeout_ms % 1000) * 1000;
			if (p->wait_ev == NULL ||
			    evtimer_add(p->wait_ev, &tv) == -1)
				fatalx("control: cannot arm a status wait");
		}
		return;
	case PROTO_JOURNAL:
		if (h->length != sizeof(j))
			break;
		memcpy(&j, payload, sizeof(j));
		control_journal(p, h->seq, &j);
		return;
	case PROTO_PARTICIPANTS:
		if (h->length != 0)
			break;
		control_participants(p, h->seq);
		return;
	case PROTO_DR_REGISTER:
		if (h->length != sizeof(dr))
			break;
		memcpy(&dr, payload, sizeof(dr));
		control_dr_adopt(p, h->seq, &dr);
		return;
	case PROTO_DR_ACK:
		/* No reply: the shim sends and goes on (protocol.h). */
		if (h->length != sizeof(ack))
			break;
		memcpy(&ack, payload, sizeof(ack));
		dr_ack_peer(p->pid, p->uid, &ack);
		return;
	}
	control_refused(p, "sent a malformed message (type %u, %u bytes); "
	    "closing", h->type, h->length);
	control_fail(p, h->seq, EXITPT_E_PROTOCOL);
}

/*
 * Take complete requests off the input, one at a time: the next waits
 * while one is open (a drive runs for a whole phase) or while the peer
 * leaves its replies unread.
 */
static void
control_process(struct control_peer *p)
{
	struct evbuffer		*in = bufferevent_get_input(p->bev);
	struct evbuffer		*out = bufferevent_get_output(p->bev);
	unsigned char		 payload[PROTO_REQUEST_MAX];
	struct proto_hdr	 h;
	struct timeval		 tv = { CONTROL_STALL_SEC, 0 };
	size_t			 len;

	while (!p->pending && !p->closing &&
	    evbuffer_get_length(out) < CONTROL_OUTPUT_MAX) {
		len = evbuffer_get_length(in);
		if (len < sizeof(h))
			break;
		evbuffer_copyout(in, &h, sizeof(h));
		if (h.version != PROTO_VERSION) {
			control_refused(p, "speaks protocol version %u, not "
			    "%u; closing", h.version, PROTO_VERSION);
			control_fail(p, h.seq, EXITPT_E_VERSION);
			return;
		}
		if (h.length > PROTO_REQUEST_MAX - sizeof(h)) {
			control_refused(p, "sent a message of %u bytes, too "
			    "large; closing", h.length);
			control_fail(p, h.seq, EXITPT_E_PROTOCOL);
			return;
		}
		if (len < sizeof(h) + h.length)
			break;
		evbuffer_drain(in, sizeof(h));
		evbuffer_remove(in, payload, h.length);
		control_dispatch(p, &h, payload);
	}
	if (p->closing)
		return;
	/*
	 * Only a half-sent message is given a time limit, so that an idle
	 * connection costs no timer and a stalled one is dropped.
	 */
	if (!p->pending && evbuffer_get_length(in) > 0)
		bufferevent_set_timeouts(p->bev, &tv, &tv);
	else
		bufferevent_set_timeouts(p->bev, NULL, &tv);
	/* Stop reading from a peer that piles up requests meanwhile. */
	if (evbuffer_get_length(in) > PROTO_REQUEST_MAX)
		bufferevent_disable(p->bev, EV_READ);
	else
		bufferevent_enable(p->bev, EV_READ);
}

/* Input arrived (or the peer's last request ended). */
static void
control_read_cb(struct bufferevent *bev, void *arg)
{
	control_process(arg);
}

/* Output drained: close a failed peer, or go on reading. */
static void
control_write_cb(struct bufferevent *bev, void *arg)
{
	struct control_peer	*p = arg;

	if (p->closing) {
		control_close(p);
		return;
	}
	control_process(p);
}

/* End of file, error, or a stall past the time limit. */
static void
control_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct control_peer	*p = arg;

	if (what & BEV_EVENT_TIMEOUT)
		control_refused(p, "stalled; closing");
	else if (what & BEV_EVENT_ERROR)
		log_debug("control: uid %ld: %s", (long)p->uid,
		    strerror(errno));
	control_close(p);
}

/* Close every connection and remove the socket. */
void
control_shutdown(void)
{
	struct control_peer	*p;

	phase_unobserve(control_observer);
	control_observer = NULL;
	while ((p = TAILQ_FIRST(&control_peers)) != NULL)
		control_close(p);
	if (control_ev != NULL)
		event_free(control_ev);
	control_ev = NULL;
	if (control_fd != -1) {
		close(control_fd);
		unlink(control_path);
	}
	control_fd = -1;
	free(control_path);
	control_path = NULL;
	if (control_refused_log.ev != NULL) {
		if (control_refused_log.dropped > 0)
			control_refused_cb(-1, 0, NULL);
		event_free(control_refused_log.ev);
	}
	control_refused_log.ev = NULL;
}
