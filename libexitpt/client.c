/*
 * Phase engine client: speaks exitd's control protocol (libexitpt/protocol.h)
 * over its UNIX socket, one request and one reply at a time.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitpt-int.h"
#include "protocol.h"


struct exitpt_client {
	int		 fd;
	uint32_t	 seq;
	int32_t		 flags;		/* PROTO_DRIVE_* for drive requests */
	char		 driver[PROTO_DRIVER_NAME_MAX];
};

struct exitpt_answer {
	struct proto_answer	 a;
};

struct exitpt_report {
	struct proto_report	 r;
	struct exitpt_answer	*answers;
};

static int	 client_send(struct exitpt_client *, uint32_t, const void *,
		     size_t);
static int	 client_recv(struct exitpt_client *, uint32_t,
		     struct proto_hdr *, unsigned char **);
static int	 client_read(int, void *, size_t);
static int	 client_report(const unsigned char *, size_t,
		     struct exitpt_report **);
static int	 client_request(struct exitpt_client *, uint32_t, const void *,
		     size_t, struct exitpt_report **);
static int	 client_drive(struct exitpt_client *, struct proto_drive *,
		     struct exitpt_report **);

/* Connect to exitd's control socket. */
int
exitpt_client_open(struct exitpt_client **clientp, const char *path)
{
	struct exitpt_client	*c;
	struct sockaddr_un	 sun;
	int			 fd, error;

	*clientp = NULL;
	if (path == NULL && (path = getenv(EXITPT_SOCKET_ENV)) != NULL &&
	    *path == '\0')
		path = NULL;
	if (path == NULL)
		path = EXITPT_SOCKET_DEFAULT;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return (-ENAMETOOLONG);
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-errno);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		error = -errno;
		close(fd);
		return (error);
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return (-ENOMEM);
	}
	c->fd = fd;
	exitpt_client_set_driver(c, NULL);
	*clientp = c;
	return (0);
}

/*
 * Name the driver for exitd's log, journal and busy replies; NULL means
 * the program's own name.  Anything but printable ASCII, or a name too
 * long, is refused.
 */
int
exitpt_client_set_driver(struct exitpt_client *client, const char *name)
{
	size_t	i, len;

	if (name == NULL) {
		snprintf(client->driver, sizeof(client->driver), "%s",
		    program_invocation_short_name);
		return (0);
	}
	len = strlen(name);
	if (len == 0 || len >= sizeof(client->driver))
		return (EXITPT_E_VALUE);
	for (i = 0; i < len; i++) {
		if (name[i] < 0x20 || name[i] >= 0x7f)
			return (EXITPT_E_VALUE);
	}
	memcpy(client->driver, name, len + 1);
	return (0);
}

/* Ask for the driver's force option in the drive requests that follow. */
void
exitpt_client_set_force(struct exitpt_client *client, int force)
{
	if (force)
		client->flags |= PROTO_DRIVE_FORCE;
	else
		client->flags &= ~PROTO_DRIVE_FORCE;
}


/* Let the Checks that follow supersede this driver's waiting operation. */
void
exitpt_client_set_supersede(struct exitpt_client *client, int supersede)
{
	if (supersede)
		client->flags |= PROTO_DRIVE_SUPERSEDE;
	else
		client->flags &= ~PROTO_DRIVE_SUPERSEDE;
}

/* Close the connection and free the client. */
void
exitpt_client_close(struct exitpt_client *client)
{
	if (client == NULL)
		return;
	close(client->fd);
	free(client);
}

/*
 * Send one request; MSG_NOSIGNAL so that a vanished exitd is an error,
 * not a SIGPIPE in the caller.
 */
static int
client_send(struct exitpt_client *c, uint32_t type, const void *payload,
    size_t len)
{
	unsigned char	 buf[PROTO_REQUEST_MAX];
	struct proto_hdr h;
	size_t		 off = 0, total = sizeof(h) + len;
	ssize_t		 n;

	if (total > sizeof(buf))
		return (-EMSGSIZE);
	h.version = PROTO_VERSION;
	h.type = type;
	h.length = (uint32_t)len;
	h.seq = ++c->seq;
	memcpy(buf, &h, sizeof(h));
	if (len > 0)
		memcpy(buf + sizeof(h), payload, len);
	while (off < total) {
		n = send(c->fd, buf + off, total - off, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return (-errno);
		}
		off += (size_t)n;
	}
	return (0);
}

/* Read exactly len bytes; end of file before that is -ECONNRESET. */
static int
client_read(int fd, void *buf, size_t len)
{
	unsigned char	*p = buf;
	size_t		 off = 0;
	ssize_t		 n;

	while (off < len) {
		n = read(fd, p + off, len - off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return (-errno);
		}
		if (n == 0)
			return (-ECONNRESET);
		off += (size_t)n;
	}
	return (0);
}

/*
 * Read one reply of the expected type into a fresh buffer (freed by the
 * caller).  A PROTO_REPORT may always come instead: exitd's error replies
 * use it, so it is returned for the caller to decode.
 */
static int
client_recv(struct exitpt_client *c, uint32_t type, struct proto_hdr *h,
    unsigned char **payloadp)
{
	unsigned char	*p;
	int		 error;

	*payloadp = NULL;
	if ((error = client_read(c->fd, h, sizeof(*h))) != 0)
		return (error);
	if (h->version != PROTO_VERSION)
		return (EXITPT_E_VERSION);
	if (h->type != type && h->type != PROTO_REPORT)
		return (EXITPT_E_PROTOCOL);
	if (h->length > PROTO_REPLY_MAX - sizeof(*h))
		return (EXITPT_E_PROTOCOL);
	if ((p = malloc(h->length + 1)) == NULL)
		return (-ENOMEM);
	if ((error = client_read(c->fd, p, h->length)) != 0) {
		free(p);
		return (error);
	}
	p[h->length] = '\0';
	*payloadp = p;
	return (0);
}

/* Decode a PROTO_REPORT payload; returns the error exitd reported. */
static int
client_report(const unsigned char *p, size_t len, struct exitpt_report **rp)
{
	struct exitpt_report	*r;
	size_t			 i;

	*rp = NULL;
	if (len < sizeof(r->r))
		return (EXITPT_E_PROTOCOL);
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (-ENOMEM);
	memcpy(&r->r, p, sizeof(r->r));
	r->r.driver[PROTO_DRIVER_MAX - 1] = '\0';
	r->r.detail[PROTO_REASON_MAX - 1] = '\0';
	if (r->r.count > (len - sizeof(r->r)) / sizeof(struct proto_answer) ||
	    len != sizeof(r->r) + r->r.count * sizeof(struct proto_answer)) {
		free(r);
		return (EXITPT_E_PROTOCOL);
	}
	if (r->r.count > 0 &&
	    (r->answers = calloc(r->r.count, sizeof(*r->answers))) == NULL) {
		free(r);
		return (-ENOMEM);
	}
	for (i = 0; i < r->r.count; i++) {
		memcpy(&r->answers[i].a, p + sizeof(r->r) + i *
		    sizeof(struct proto_answer), sizeof(struct proto_answer));
		r->answers[i].a.who[PROTO_WHO_MAX - 1] = '\0';
		r->answers[i].a.reason[PROTO_REASON_MAX - 1] = '\0';
	}
	*rp = r;
	return (r->r.error);
}

/*
 * Send a request answered by a PROTO_REPORT.  The report is handed over
 * whenever exitd answered, also with an error (a busy reply describes the
 * running operation), so that the caller can show it.
 */
static int
client_request(struct exitpt_client *c, uint32_t type, const void *payload,
    size_t len, struct exitpt_report **reportp)
{
	struct exitpt_report	*r;
	struct proto_hdr	 h;
	unsigned char		*p;
	int			 error;

	if (reportp != NULL)
		*reportp = NULL;
	if ((error = client_send(c, type, payload, len)) != 0)
		return (error);
	if ((error = client_recv(c, PROTO_REPORT, &h, &p)) != 0)
		return (error);
	error = client_report(p, h.length, &r);
	free(p);
	if (reportp != NULL)
		*reportp = r;
	else
		exitpt_report_free(r);
	return (error);
}

/* Send a drive request, with the client's name and flags. */
static int
client_drive(struct exitpt_client *c, struct proto_drive *d,
    struct exitpt_report **reportp)
{
	d->flags |= c->flags;
	memcpy(d->driver, c->driver, sizeof(d->driver));
	return (client_request(c, PROTO_DRIVE, d, sizeof(*d), reportp));
}

/* Start an operation with Check. */
int
exitpt_client_check(struct exitpt_client *client, int action,
    int validate_only, struct exitpt_report **reportp)
{
	struct proto_drive	d;

	if (reportp != NULL)
		*reportp = NULL;
	if (action != EXITPT_ACTION_MIGRATION &&
	    action != EXITPT_ACTION_HIBERNATION)
		return (EXITPT_E_VALUE);
	memset(&d, 0, sizeof(d));
	d.op = EXITPT_OP_CHECK;
	d.action = action;
	d.validate_only = validate_only != 0;
	return (client_drive(client, &d, reportp));
}

/* Run Prepare. */
int
exitpt_client_prepare(struct exitpt_client *client, uint64_t operation,
    struct exitpt_report **reportp)
{
	struct proto_drive	d;

	memset(&d, 0, sizeof(d));
	d.op = EXITPT_OP_PREPARE;
	d.operation = operation;
	return (client_drive(client, &d, reportp));
}

/* Cancel an operation. */
int
exitpt_client_cancel(struct exitpt_client *client, uint64_t operation,
    struct exitpt_report **reportp)
{
	struct proto_drive	d;

	memset(&d, 0, sizeof(d));
	d.op = EXITPT_OP_CANCEL;
	d.operation = operation;
	return (client_drive(client, &d, reportp));
}

/* Run Complete. */
int
exitpt_client_complete(struct exitpt_client *client, uint64_t operation,
    int system_state, struct exitpt_report **reportp)
{
	struct proto_drive	d;

	if (reportp != NULL)
		*reportp = NULL;
	if (system_state != EXITPT_SYSTEM_NORMAL &&
	    system_state != EXITPT_SYSTEM_RESTRICTED)
		return (EXITPT_E_VALUE);
	memset(&d, 0, sizeof(d));
	d.op = EXITPT_OP_COMPLETE;
	d.operation = operation;
	d.system_state = system_state;
	return (client_drive(client, &d, reportp));
}

/* Run Complete alone, as a resume-only operation. */
int
exitpt_client_resume_only(struct exitpt_client *client, int action,
    int system_state, struct exitpt_report **reportp)
{
	struct proto_drive	d;

	if (reportp != NULL)
		*reportp = NULL;
	if ((action != EXITPT_ACTION_MIGRATION &&
	    action != EXITPT_ACTION_HIBERNATION) ||
	    (system_state != EXITPT_SYSTEM_NORMAL &&
	    system_state != EXITPT_SYSTEM_RESTRICTED))
		return (EXITPT_E_VALUE);
	memset(&d, 0, sizeof(d));
	d.op = EXITPT_OP_COMPLETE;
	d.action = action;
	d.system_state = system_state;
	d.flags = PROTO_DRIVE_RESUME_ONLY;
	return (client_drive(client, &d, reportp));
}

/* Snapshot of the current or last operation. */
int
exitpt_client_status(struct exitpt_client *client,
    struct exitpt_report **reportp)
{
	struct proto_status	s;

	memset(&s, 0, sizeof(s));
	return (client_request(client, PROTO_STATUS, &s, sizeof(s), reportp));
}

/* Wait for a change of the snapshot. */
int
exitpt_client_wait(struct exitpt_client *client, uint64_t generation,
    int timeout_ms, struct exitpt_report **reportp)
{
	struct proto_status	 s;
	struct exitpt_report	*r;
	int			 error;

	*reportp = NULL;
	memset(&s, 0, sizeof(s));
	s.generation = generation;
	s.wait = 1;
	s.timeout_ms = timeout_ms < 0 ? -1 : timeout_ms;
	if ((error = client_request(client, PROTO_STATUS, &s, sizeof(s),
	    &r)) != 0) {
		exitpt_report_free(r);
		return (error);
	}
	if (r->r.generation == generation) {
		exitpt_report_free(r);
		return (-ETIMEDOUT);
	}
	*reportp = r;
	return (0);
}

/* Read the journal chunk by chunk and hand each line to line_cb. */
int
exitpt_client_journal(struct exitpt_client *client,
    int (*line_cb)(const char *, void *), void *arg)
{
	struct proto_journal		 j;
	struct proto_journal_data	 d;
	struct proto_hdr		 h;
	struct exitpt_report		*r;
	unsigned char			*p;
	char				*pend = NULL, *nl, *line, *tmp;
	size_t				 plen = 0, len, off;
	int				 error = 0;

	memset(&j, 0, sizeof(j));
	for (;;) {
		if ((error = client_send(client, PROTO_JOURNAL, &j,
		    sizeof(j))) != 0)
			break;
		if ((error = client_recv(client, PROTO_JOURNAL_DATA, &h,
		    &p)) != 0)
			break;
		if (h.type == PROTO_REPORT) {
			error = client_report(p, h.length, &r);
			exitpt_report_free(r);
			free(p);
			if (error == 0)
				error = EXITPT_E_PROTOCOL;
			break;
		}
		if (h.length < sizeof(d)) {
			free(p);
			error = EXITPT_E_PROTOCOL;
			break;
		}
		memcpy(&d, p, sizeof(d));
		if (d.error != 0) {
			free(p);
			error = d.error;
			break;
		}
		len = h.length - sizeof(d);
		/* Join the chunk to the partial line the last one left. */
		if ((tmp = realloc(pend, plen + len + 1)) == NULL) {
			free(p);
			error = -ENOMEM;
			break;
		}
		pend = tmp;
		memcpy(pend + plen, p + sizeof(d), len);
		plen += len;
		pend[plen] = '\0';
		free(p);
		off = 0;
		while ((nl = memchr(pend + off, '\n', plen - off)) != NULL) {
			*nl = '\0';
			line = pend + off;
			off = (size_t)(nl - pend) + 1;
			if (*line != '\0' && (error = line_cb(line, arg)) != 0)
				break;
		}
		if (error != 0)
			break;
		memmove(pend, pend + off, plen - off);
		plen -= off;
		j.offset = d.next_offset;
		if (d.eof) {
			/* A torn last record is still handed over. */
			if (plen > 0) {
				pend[plen] = '\0';
				error = line_cb(pend, arg);
			}
			break;
		}
	}
	free(pend);
	return (error);
}

/* Release a report. */
void
exitpt_report_free(struct exitpt_report *report)
{
	if (report == NULL)
		return;
	free(report->answers);
	free(report);
}

/* Operation id. */
uint64_t
exitpt_report_operation(const struct exitpt_report *report)
{
	return (report->r.operation);
}

/* Action of the operation. */
int
exitpt_report_action(const struct exitpt_report *report)
{
	return (report->r.action);
}

/* Phase the report is about. */
int
exitpt_report_phase(const struct exitpt_report *report)
{
	return (report->r.phase);
}

/* Outcome of the phase. */
int
exitpt_report_outcome(const struct exitpt_report *report)
{
	return (report->r.outcome);
}

/* Prepare window in seconds. */
int
exitpt_report_window(const struct exitpt_report *report)
{
	return (report->r.window);
}

/* Milliseconds left of the prepare window. */
int64_t
exitpt_report_window_left_ms(const struct exitpt_report *report)
{
	return (report->r.window_left_ms);
}

/* System state given to Complete. */
int
exitpt_report_system_state(const struct exitpt_report *report)
{
	return (report->r.system_state);
}

/* Longest the running phase can still take. */
int64_t
exitpt_report_bound_ms(const struct exitpt_report *report)
{
	return (report->r.bound_ms);
}

/* Who started the operation. */
const char *
exitpt_report_driver(const struct exitpt_report *report)
{
	return (report->r.driver);
}

/*
 * What exitd adds in words: why it refused a request, or a warning about
 * one it carried out (its journal lost records); "" when nothing.
 */
const char *
exitpt_report_detail(const struct exitpt_report *report)
{
	return (report->r.detail);
}

/* Change counter of exitd's state. */
uint64_t
exitpt_report_generation(const struct exitpt_report *report)
{
	return (report->r.generation);
}

/* Number of answers. */
size_t
exitpt_report_count(const struct exitpt_report *report)
{
	return (report->r.count);
}

/* The i-th answer. */
const struct exitpt_answer *
exitpt_report_answer(const struct exitpt_report *report, size_t i)
{
	if (i >= report->r.count)
		return (NULL);
	return (&report->answers[i]);
}

/* Kind of participant. */
int
exitpt_answer_kind(const struct exitpt_answer *answer)
{
	return (answer->a.kind);
}

/* Who answered. */
const char *
exitpt_answer_who(const struct exitpt_answer *answer)
{
	return (answer->a.who);
}

/* Program number. */
int32_t
exitpt_answer_number(const struct exitpt_answer *answer)
{
	return (answer->a.number);
}

/* Status as answered. */
int32_t
exitpt_answer_status(const struct exitpt_answer *answer)
{
	return (answer->a.status);
}

/* Wait time as answered. */
int32_t
exitpt_answer_wait(const struct exitpt_answer *answer)
{
	return (answer->a.wait);
}

/* Effective Check answer. */
int
exitpt_answer_effective(const struct exitpt_answer *answer)
{
	return (answer->a.effective);
}

/* How the call ended. */
int
exitpt_answer_end(const struct exitpt_answer *answer)
{
	return (answer->a.end);
}

/* Exit status or signal. */
int
exitpt_answer_code(const struct exitpt_answer *answer)
{
	return (answer->a.code);
}

/* Reason given or found. */
const char *
exitpt_answer_reason(const struct exitpt_answer *answer)
{
	return (answer->a.reason);
}

/* The process that answered. */
pid_t
exitpt_answer_pid(const struct exitpt_answer *answer)
{
	return (answer->a.pid > 0 ? (pid_t)answer->a.pid : 0);
}

/* Duration of the call. */
uint64_t
exitpt_answer_duration_ms(const struct exitpt_answer *answer)
{
	return (answer->a.duration_ms);
}

/* Name of a phase. */
const char *
exitpt_phase_name(int phase)
{
	static const char *const names[] = {
		"none", "check", "prepare", "cancel", "complete"
	};

	if (phase < 0 || (size_t)phase >= nitems(names))
		return ("unknown");
	return (names[phase]);
}

/* Name of an outcome. */
const char *
exitpt_outcome_name(int outcome)
{
	static const char *const names[] = {
		"running", "allowed", "vetoed", "validated", "prepared",
		"cancelled", "completed", "recovered"
	};

	if (outcome < 0 || (size_t)outcome >= nitems(names))
		return ("unknown");
	return (names[outcome]);
}

/* Name of a participant kind. */
const char *
exitpt_participant_name(int kind)
{
	switch (kind) {
	case EXITPT_PARTICIPANT_PROGRAM:
		return ("program");
	case EXITPT_PARTICIPANT_CRITICAL:
		return ("critical");
	case EXITPT_PARTICIPANT_VOTER:
		return ("voter");
	case EXITPT_PARTICIPANT_INHIBITOR:
		return ("inhibitor");
	case EXITPT_PARTICIPANT_DR:
		return ("dr");
	}
	return ("unknown");
}

/*
 * Every participant that exists now, as a JSON array (see
 * exitpt_client_participants(3)); *jsonp is freed with free().
 */
int
exitpt_client_participants(struct exitpt_client *client, char **jsonp)
{
	struct proto_participants_data	 d;
	struct proto_hdr		 h;
	struct exitpt_report		*r;
	unsigned char			*p;
	int				 error;

	*jsonp = NULL;
	if ((error = client_send(client, PROTO_PARTICIPANTS, NULL, 0)) != 0)
		return (error);
	if ((error = client_recv(client, PROTO_PARTICIPANTS_DATA, &h,
	    &p)) != 0)
		return (error);
	if (h.type == PROTO_REPORT) {
		error = client_report(p, h.length, &r);
		exitpt_report_free(r);
		free(p);
		return (error != 0 ? error : EXITPT_E_PROTOCOL);
	}
	if (h.length < sizeof(d)) {
		free(p);
		return (EXITPT_E_PROTOCOL);
	}
	memcpy(&d, p, sizeof(d));
	if (d.error != 0) {
		free(p);
		return (d.error);
	}
	/* client_recv ended the payload with a NUL. */
	memmove(p, p + sizeof(d), h.length - sizeof(d) + 1);
	*jsonp = (char *)p;
	return (0);
}

/* Name of how a call ended. */
const char *
exitpt_end_name(int end)
{
	static const char *const names[] = {
		"running", "exited", "signaled", "timed-out", "refused",
		"failed", "skipped", "answered", "error", "gone"
	};

	if (end < 0 || (size_t)end >= nitems(names))
		return ("unknown");
	return (names[end]);
}
