/*
 * Inhibitor locks (SPEC section 7), a participant kind: logind's model,
 * with what its users miss added.
 *
 * A lock is one end of a pipe: the holder gets the write end (through
 * Manager.Inhibit; libdbus delivers it close-on-exec), exitd keeps the
 * read end and learns from its end of file that every copy is closed,
 * whether by close(), by the holder's death, or by the last child the
 * holder handed a copy to on purpose.  exitd never keeps a copy of the
 * write end, so nothing of its own holds a lock.
 *
 *   block  takes part in Check and vetoes it, naming who, why, the
 *          holder's pid and uid, since when, and the processes that
 *          still hold a copy (a leaked descriptor is named, not guessed);
 *   delay  takes part in Check, allowing with its own wait time (not one
 *          global cap: the window is the maximum of all wait times, as
 *          for programs), and in Prepare, which waits until every copy
 *          is closed or the window ends.  A delay lock still held at the
 *          end of the window is reported with its holders.
 *
 * Locks live as long as the pipe, not as long as exitd: after a restart
 * the read ends are gone, so the journal records inhibitors' answers but
 * none is restored (and no inhibitor ever gets Cancel or Complete).
 */
#include <sys/queue.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitd.h"

#define INHIBITORS_MAX		4096	/* in all */
#define INHIBITORS_PER_UID	64	/* root: up to INHIBITORS_MAX */
#define INHIBITOR_TEXT_MAX	256	/* who, why: bytes */
#define INHIBITOR_HOLDERS_MAX	512	/* text naming holders, bytes */
#define INHIBITOR_WHY_SHOWN	96	/* of why, in a veto's reason */
#define INHIBITOR_SCAN_MS	1000	/* holders looked up at most this often */
#define INHIBITOR_SCAN_BUDGET_MS 25	/* walking /proc, in any one second */
#define INHIBITOR_SCAN_STEP	256	/* descriptors between clock reads */

struct inhibitor {
	TAILQ_ENTRY(inhibitor)	 entry;
	uint64_t		 id;
	int			 refs;		/* the list, parts */
	int			 held;		/* a copy is still open */
	int			 mode;		/* INHIBIT_* */
	int			 wait_time;	/* delay: seconds */
	char			*who;
	char			*why;
	uid_t			 uid;
	pid_t			 pid;		/* who called Inhibit */
	time_t			 since;
	ino_t			 ino;		/* of the pipe */
	int			 fd;		/* exitd's end */
	struct event		*ev;
	uint64_t		 prepare_call;	/* waiting for release */
	char			 holders[INHIBITOR_HOLDERS_MAX]; /* scanned */
	long			 holders_last;	/* pid named last, in a scan */
	int			 holders_cut;	/* the scan stopped short */
};
TAILQ_HEAD(inhibitors, inhibitor);

static struct inhibitors	inhibitors = TAILQ_HEAD_INITIALIZER(inhibitors);
static size_t			ninhibitors;
static uint64_t			inhibitor_next = 1;
static struct event_base	*inhibitor_base;
static struct config		*inhibitor_cfg;	/* exitd's, reloaded in place */
static int64_t			inhibitor_scanned_us = -1; /* -1: stale */
static int64_t			inhibitor_second_us = -1; /* budget's second */
static int64_t			inhibitor_spent_us;	/* walking, in it */

static void	 inhibitor_init(struct event_base *, const char *,
		     struct config *);
static int	 inhibitor_collect(struct engine_op *, int);
static int	 inhibitor_takes_part(const struct engine_op *,
		     const struct part *, int);
static void	 inhibitor_start(struct call *);
static void	 inhibitor_stop(struct call *);
static json_t	*inhibitor_identity(const struct part *);
static int	 inhibitor_restore(struct part *, json_t *);
static void	 inhibitor_free(struct part *);
static void	 inhibitor_list(part_list_cb, void *);
static void	 inhibitor_shutdown(void);
static void	 inhibitor_read_cb(evutil_socket_t, short, void *);
static void	 inhibitor_release(struct inhibitor *);
static void	 inhibitor_unref(struct inhibitor *);
static void	 inhibitor_scan(int);
static int	 inhibitor_scan_fds(long, int64_t, unsigned int *);
static void	 inhibitor_scan_pid(long, char *);
static int64_t	 inhibitor_now_us(void);
static void	 inhibitor_holders(const struct inhibitor *, char *, size_t);
static void	 inhibitor_since(const struct inhibitor *, char *,
		     size_t);
static void	 inhibitor_comm_clean(char *);

const struct part_ops part_inhibitor_ops = {
	.kind = EXITPT_PARTICIPANT_INHIBITOR,
	.name = "inhibitor",
	.durable = 0,		/* held by processes */
	.init = inhibitor_init,
	.collect = inhibitor_collect,
	.takes_part = inhibitor_takes_part,
	.start = inhibitor_start,
	.stop = inhibitor_stop,
	.identity = inhibitor_identity,
	.restore = inhibitor_restore,
	.free = inhibitor_free,
	.list = inhibitor_list,
	.shutdown = inhibitor_shutdown,
};

/* Where the locks' events run. */
static void
inhibitor_init(struct event_base *base, const char *state_dir,
    struct config *cfg)
{
	inhibitor_base = base;
	inhibitor_cfg = cfg;
}

/*
 * Take a lock for a caller already identified (uid, pid) and whose
 * arguments are checked: mode INHIBIT_BLOCK or _DELAY, wait_time 1..900
 * for a delay lock.  Returns the descriptor to hand to the holder (the
 * caller closes it once sent), or -errno / EXITPT_E_LIMIT.
 */
int
part_inhibitor_take(const char *who, const char *why, int mode,
    int wait_time, uid_t uid, pid_t pid)
{
	struct inhibitor	*in, *it;
	struct stat		 st;
	size_t			 mine = 0;
	int			 fds[2];

	TAILQ_FOREACH(it, &inhibitors, entry) {
		if (it->uid == uid)
			mine++;
	}
	if (ninhibitors >= INHIBITORS_MAX || (uid != 0 &&
	    mine >= INHIBITORS_PER_UID))
		return (EXITPT_E_LIMIT);
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == -1)
		return (-errno);
	if (fstat(fds[0], &st) == -1) {
		close(fds[0]);
		close(fds[1]);
		return (-EIO);
	}
	in = xcalloc(1, sizeof(*in));
	in->id = inhibitor_next++;
	in->refs = 1;
	in->held = 1;
	in->mode = mode;
	in->wait_time = wait_time;
	in->who = xstrdup(who);
	in->why = xstrdup(why);
	in->uid = uid;
	in->pid = pid;
	in->since = time(NULL);
	in->ino = st.st_ino;
	in->fd = fds[0];
	in->ev = event_new(inhibitor_base, in->fd, EV_READ | EV_PERSIST,
	    inhibitor_read_cb, in);
	if (in->ev == NULL || event_add(in->ev, NULL) == -1)
		fatalx("inhibitor: cannot watch the lock");
	TAILQ_INSERT_TAIL(&inhibitors, in, entry);
	ninhibitors++;
	inhibitor_scanned_us = -1;
	log_info("inhibitor %llu: %s lock taken by %s (pid %ld, uid %ld): %s",
	    (unsigned long long)in->id, mode == INHIBIT_BLOCK ? "block" :
	    "delay", who, (long)pid, (long)uid, why);
	return (fds[1]);
}

/*
 * exitd's end is readable: data a holder wrote (drained, ignored) or end
 * of file, when the last copy of the holder's end is closed.
 */
static void
inhibitor_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct inhibitor	*in = arg;
	char			 buf[256];
	ssize_t			 n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	inhibitor_release(in);
}

/* Every copy is closed: the lock ends; a Prepare waiting for it goes on. */
static void
inhibitor_release(struct inhibitor *in)
{
	struct part_answer	a;
	uint64_t		call;

	log_info("inhibitor %llu (%s) released", (unsigned long long)in->id,
	    in->who);
	in->held = 0;
	event_free(in->ev);
	in->ev = NULL;
	close(in->fd);
	in->fd = -1;
	TAILQ_REMOVE(&inhibitors, in, entry);
	ninhibitors--;
	inhibitor_scanned_us = -1;
	if ((call = in->prepare_call) != 0) {
		in->prepare_call = 0;
		memset(&a, 0, sizeof(a));
		a.status = EXITPT_STATUS_NONE;	/* none given */
		a.end = EXITPT_END_ANSWERED;
		a.reason = "released";
		phase_answer(call, &a);
	}
	inhibitor_unref(in);
}

/* Drop one reference; the last frees the lock. */
static void
inhibitor_unref(struct inhibitor *in)
{
	if (--in->refs > 0)
		return;
	free(in->who);
	free(in->why);
	free(in);
}

/* Check: every lock held now takes part (block vetoes, delay allows). */
static int
inhibitor_collect(struct engine_op *op, int phase)
{
	struct inhibitor	*in;
	struct part		*p;
	char			 key[64];

	if (phase != EXITPT_OP_CHECK)
		return (0);
	TAILQ_FOREACH(in, &inhibitors, entry) {
		snprintf(key, sizeof(key), "inhibitor %llu",
		    (unsigned long long)in->id);
		if ((p = phase_add_part(op, &part_inhibitor_ops,
		    REGISTRY_SUSPEND, key, in->who)) == NULL)
			continue;
		part_set_pid(p, in->pid);
		in->refs++;
		part_set_data(p, in);
	}
	return (0);
}

/* Check for both modes; Prepare for delay locks; nothing else. */
static int
inhibitor_takes_part(const struct engine_op *op, const struct part *p,
    int phase)
{
	struct inhibitor	*in = part_data(p);

	if (phase == EXITPT_OP_CHECK)
		return (1);
	return (phase == EXITPT_OP_PREPARE && in != NULL &&
	    in->mode == INHIBIT_DELAY);
}

/* Answer at once, except a Prepare that waits for the release. */
static void
inhibitor_start(struct call *c)
{
	struct inhibitor	*in = part_data(call_part(c));
	struct part_answer	 a;
	char			 reason[EXITD_REASON_MAX];
	char			 since[32], why[INHIBITOR_WHY_SHOWN + 4];
	size_t			 n;

	memset(&a, 0, sizeof(a));
	a.status = EXITPT_STATUS_NONE;	/* none given */
	a.end = EXITPT_END_ANSWERED;
	if (in == NULL) {
		a.end = EXITPT_END_GONE;
		a.reason = "lock unknown after a restart";
		phase_answer(call_id(c), &a);
		return;
	}
	if (call_phase(c) == EXITPT_OP_PREPARE) {
		if (!in->held) {
			a.reason = "released";
			phase_answer(call_id(c), &a);
		} else
			in->prepare_call = call_id(c);
		return;
	}
	/* Check. */
	if (in->mode == INHIBIT_DELAY || !in->held) {
		a.status = EXITPT_STATUS_ALLOW;
		a.wait = in->mode == INHIBIT_DELAY ? config_voter_cap(
		    inhibitor_cfg, in->uid, in->wait_time) : 1;
		a.reason = in->held ? NULL : "released before Check";
		phase_answer(call_id(c), &a);
		return;
	}
	inhibitor_since(in, since, sizeof(since));
	inhibitor_scan(1);
	/* A long why leaves room for whose lock it is. */
	snprintf(why, sizeof(why), "%s", in->why);
	if (strlen(in->why) > INHIBITOR_WHY_SHOWN) {
		why[INHIBITOR_WHY_SHOWN] = '\0';
		n = utf8_trim(why);
		snprintf(why + n, sizeof(why) - n, "...");
	}
	n = (size_t)snprintf(reason, sizeof(reason), "%s (block lock of pid "
	    "%ld, uid %ld, since %s", why, (long)in->pid, (long)in->uid, since);
	/* The holders take what room is left, less the closing ")". */
	if ((*in->holders != '\0' || in->holders_cut) &&
	    n + sizeof("; held by ...)") < sizeof(reason)) {
		n += (size_t)snprintf(reason + n, sizeof(reason) - n,
		    "; held by ");
		inhibitor_holders(in, reason + n, sizeof(reason) - n - 1);
		n += strlen(reason + n);
	}
	if (n + 1 < sizeof(reason))
		snprintf(reason + n, sizeof(reason) - n, ")");
	a.status = EXITPT_STATUS_VETO;
	a.wait = 0;
	a.reason = reason;
	phase_answer(call_id(c), &a);
}

/*
 * The window ended with the lock still held: Prepare goes on, and the
 * answer names who still holds a copy.
 */
static void
inhibitor_stop(struct call *c)
{
	struct inhibitor	*in = part_data(call_part(c));
	struct part_answer	 a;
	char			 reason[EXITD_REASON_MAX];
	size_t			 n;

	memset(&a, 0, sizeof(a));
	a.status = EXITPT_STATUS_NONE;	/* none given */
	a.end = EXITPT_END_TIMEDOUT;
	if (in != NULL && in->prepare_call == call_id(c)) {
		in->prepare_call = 0;
		inhibitor_scan(1);
		n = (size_t)snprintf(reason, sizeof(reason),
		    "delay lock still held");
		if (*in->holders != '\0' || in->holders_cut) {
			n += (size_t)snprintf(reason + n, sizeof(reason) - n,
			    " by ");
			inhibitor_holders(in, reason + n, sizeof(reason) - n);
		}
		a.reason = reason;
	}
	phase_answer(call_id(c), &a);
}

/* The journal's record of a lock: enough to name it, not to restore it. */
static json_t *
inhibitor_identity(const struct part *p)
{
	struct inhibitor	*in = part_data(p);

	if (in == NULL)
		return (json_object());
	return (json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:I}",
	    "id", (json_int_t)in->id, "who", in->who, "why", in->why,
	    "mode", in->mode == INHIBIT_BLOCK ? "block" : "delay",
	    "uid", (json_int_t)in->uid, "pid", (json_int_t)in->pid,
	    "since", (json_int_t)in->since));
}

/* A lock from before a restart is gone with exitd's end of its pipe. */
static int
inhibitor_restore(struct part *p, json_t *identity)
{
	return (-1);
}

/* The part lets go of its lock. */
static void
inhibitor_free(struct part *p)
{
	struct inhibitor	*in = part_data(p);

	if (in == NULL)
		return;
	part_set_data(p, NULL);
	if (in->prepare_call != 0)
		in->prepare_call = 0;
	inhibitor_unref(in);
}

/* Every lock held now. */
static void
inhibitor_list(part_list_cb cb, void *arg)
{
	struct inhibitor	*in;
	json_t			*d;
	char			 since[32], holders[INHIBITOR_HOLDERS_MAX + 64];

	inhibitor_scan(0);
	TAILQ_FOREACH(in, &inhibitors, entry) {
		inhibitor_since(in, since, sizeof(since));
		inhibitor_holders(in, holders, sizeof(holders));
		d = json_pack("{s:s, s:s, s:I, s:s, s:s}",
		    "why", in->why,
		    "mode", in->mode == INHIBIT_BLOCK ? "block" : "delay",
		    "uid", (json_int_t)in->uid, "since", since,
		    "holders", holders);
		if (d != NULL && in->mode == INHIBIT_DELAY)
			json_object_set_new(d, "wait_time_ms",
			    json_integer((json_int_t)config_voter_cap(
			    inhibitor_cfg, in->uid, in->wait_time) * 1000));
		cb(arg, EXITPT_PARTICIPANT_INHIBITOR, in->who, in->pid, d);
	}
}

/* When the lock was taken, as exitd shows times (log_time_iso). */
static void
inhibitor_since(const struct inhibitor *in, char *buf, size_t len)
{
	log_time_iso((int64_t)in->since * 1000, buf, len);
}

/*
 * Name, for every lock held, the processes that hold a copy of it ("pid
 * 42 (backup), pid 43 (sleep)" in its holders): whoever has the pipe
 * open, exitd excepted.  This is what a leaked descriptor looks like, so
 * it is said rather than left to guess.  Processes exitd may not look
 * into are left out.  One walk of /proc serves every lock; it reads a
 * link per descriptor of every process, so any user can make it long,
 * and any user can list, and take and release locks, to ask for walk
 * after walk.  A walk is reused for INHIBITOR_SCAN_MS unless a lock was
 * taken or released meanwhile, and stops after INHIBITOR_SCAN_BUDGET_MS,
 * the holders then saying the listing was cut short.  The walks that
 * listings ask for share INHIBITOR_SCAN_BUDGET_MS a second (with it
 * spent, the last walk's holders stand), so that any user, as often as
 * they like, holds up exitd's loop for at most that long a second; a
 * phase (operation), which only root and the admin group drive, gets a
 * walk of its own.  The processes that took the locks are looked at
 * first, as the likeliest holders.
 */
static void
inhibitor_scan(int operation)
{
	struct inhibitor	*in, *first;
	DIR			*proc;
	struct dirent		*pe;
	int64_t			 now, deadline;
	unsigned int		 step = 0;
	pid_t			 self = getpid();
	long			 pid;
	int			 cut = 0;

	now = inhibitor_now_us();
	if (inhibitor_scanned_us >= 0 &&
	    now - inhibitor_scanned_us < INHIBITOR_SCAN_MS * 1000LL)
		return;
	if (inhibitor_second_us < 0 || now - inhibitor_second_us >= 1000000) {
		inhibitor_second_us = now;
		inhibitor_spent_us = 0;
	}
	if (!operation &&
	    inhibitor_spent_us >= INHIBITOR_SCAN_BUDGET_MS * 1000LL) {
		/* The last walk's holders stand; a lock newer than it: none. */
		TAILQ_FOREACH(in, &inhibitors, entry) {
			if (in->held && *in->holders == '\0')
				in->holders_cut = 1;
		}
		return;
	}
	deadline = now + INHIBITOR_SCAN_BUDGET_MS * 1000LL -
	    (operation ? 0 : inhibitor_spent_us);
	TAILQ_FOREACH(in, &inhibitors, entry) {
		in->holders[0] = '\0';
		in->holders_last = 0;
		in->holders_cut = 0;
	}
	if (TAILQ_EMPTY(&inhibitors))
		return;
	TAILQ_FOREACH(first, &inhibitors, entry) {
		if (!first->held || first->pid == self)
			continue;
		/* Each taker once: a pid with two locks is not looked at twice. */
		TAILQ_FOREACH(in, &inhibitors, entry) {
			if (in == first || (in->held && in->pid == first->pid))
				break;
		}
		if (in == first &&
		    (cut = inhibitor_scan_fds(first->pid, deadline, &step)))
			break;
	}
	if (!cut && (proc = opendir("/proc")) != NULL) {
		while (!cut && (pe = readdir(proc)) != NULL) {
			if ((pid = strtol(pe->d_name, NULL, 10)) <= 0 ||
			    pid == self)
				continue;
			TAILQ_FOREACH(in, &inhibitors, entry) {
				if (in->held && in->pid == pid)
					break;
			}
			if (in == NULL)
				cut = inhibitor_scan_fds(pid, deadline, &step);
		}
		closedir(proc);
	}
	if (cut) {
		log_debug("inhibitor: listing of holders cut short after %d ms",
		    INHIBITOR_SCAN_BUDGET_MS);
		TAILQ_FOREACH(in, &inhibitors, entry)
			in->holders_cut = in->held;
	}
	inhibitor_scanned_us = inhibitor_now_us();
	inhibitor_spent_us += inhibitor_scanned_us - now;
}

/*
 * A lock's holders as text that fits len bytes: when they do not all
 * fit, the list is cut after a holder (", ..."), and a listing that was
 * cut short says so at the end whatever the room.
 */
static void
inhibitor_holders(const struct inhibitor *in, char *buf, size_t len)
{
	char	note[64];
	size_t	n, room;

	if (len == 0)
		return;
	note[0] = '\0';
	if (in->holders_cut)
		snprintf(note, sizeof(note), "%s(listing cut short after %d ms)",
		    in->holders[0] != '\0' ? ", maybe others " :
		    "processes not known ", INHIBITOR_SCAN_BUDGET_MS);
	n = strlen(in->holders);
	room = len > strlen(note) + 1 ? len - strlen(note) - 1 : 0;
	if (n <= room) {
		snprintf(buf, len, "%s%s", in->holders, note);
		return;
	}
	/* Keep whole holders and room for ", ...". */
	n = room > 5 ? room - 5 : 0;
	while (n > 0 && strncmp(in->holders + n, ", ", 2) != 0)
		n--;
	snprintf(buf, len, "%.*s%s%s", (int)n, in->holders, n > 0 ? ", ..." :
	    "...", note);
}

/*
 * Look through one process's descriptors for the pipes of the locks held,
 * naming it in each lock it holds.  1 once deadline (monotonic us) has
 * passed, read every INHIBITOR_SCAN_STEP descriptors (step counts them
 * across calls), 0 otherwise.
 */
static int
inhibitor_scan_fds(long pid, int64_t deadline, unsigned int *step)
{
	struct inhibitor	*in;
	DIR			*fds;
	struct dirent		*fe;
	char			 path[PATH_MAX], link[64], *end;
	unsigned long long	 ino;
	ssize_t			 n;
	int			 cut = 0;

	snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
	if ((fds = opendir(path)) == NULL)
		return (0);
	while ((fe = readdir(fds)) != NULL) {
		if (++*step % INHIBITOR_SCAN_STEP == 0 &&
		    inhibitor_now_us() >= deadline) {
			cut = 1;
			break;
		}
		snprintf(path, sizeof(path), "/proc/%ld/fd/%s", pid,
		    fe->d_name);
		if ((n = readlink(path, link, sizeof(link) - 1)) <= 0)
			continue;
		link[n] = '\0';
		if (strncmp(link, "pipe:[", 6) != 0)
			continue;
		ino = strtoull(link + 6, &end, 10);
		if (*end != ']')
			continue;
		TAILQ_FOREACH(in, &inhibitors, entry) {
			if (in->held && (unsigned long long)in->ino == ino &&
			    in->holders_last != pid)
				break;
		}
		if (in != NULL) {
			in->holders_last = pid;
			inhibitor_scan_pid(pid, in->holders);
		}
	}
	closedir(fds);
	return (cut);
}

/* The monotonic clock, in microseconds. */
static int64_t
inhibitor_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/* Add "pid N (comm)" to a lock's holders, while there is room. */
static void
inhibitor_scan_pid(long pid, char *holders)
{
	char	 path[64], comm[64];
	size_t	 used = strlen(holders);
	FILE	*f;
	int	 w;

	if (used + 1 >= INHIBITOR_HOLDERS_MAX)
		return;
	snprintf(comm, sizeof(comm), "?");
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(comm, sizeof(comm), f) != NULL)
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	inhibitor_comm_clean(comm);
	w = snprintf(holders + used, INHIBITOR_HOLDERS_MAX - used,
	    "%spid %ld (%s)", used > 0 ? ", " : "", pid, comm);
	if (w < 0 || (size_t)w >= INHIBITOR_HOLDERS_MAX - used)
		holders[used] = '\0';
}

/*
 * A process names itself (prctl, or the name it was run by) with any
 * bytes: what is not printable ASCII shows as '?', so that the name
 * neither runs on an operator's terminal nor makes the listing's JSON
 * fail.
 */
static void
inhibitor_comm_clean(char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
	}
}

/* exitd is stopping: let go of every lock (the holders' ends stay open). */
static void
inhibitor_shutdown(void)
{
	struct inhibitor	*in;

	while ((in = TAILQ_FIRST(&inhibitors)) != NULL) {
		in->prepare_call = 0;
		TAILQ_REMOVE(&inhibitors, in, entry);
		ninhibitors--;
		if (in->ev != NULL)
			event_free(in->ev);
		if (in->fd != -1)
			close(in->fd);
		in->held = 0;
		in->ev = NULL;
		in->fd = -1;
		inhibitor_unref(in);
	}
}
