/*
 * Participant kind "dr": processes that linked the dr_reconfig() shim
 * (libexitpt-dr), AIX's SIGRECONFIG way of taking part (SPEC section 5;
 * protocol.h describes registration, page and acknowledgement).
 *
 * A process registers over the control socket; control.c hands the
 * connection over here (dr_adopt).  At Check every registered process
 * that catches SIGRECONFIG or blocks it for sigwait() becomes a suspend
 * participant, and at Complete those that were called in Check become
 * resume participants.  A call writes the phase into the process's page,
 * checks once more that the process still wants the signal, and sends
 * it; the process's acknowledgement on its connection is the answer.
 * Phases map as AIX's: Check -> check, Prepare -> pre, Complete -> post,
 * Cancel after Prepare -> posterror; a Cancel after Check alone sends
 * nothing (AIX never sends pre then).
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitd.h"
#include "protocol.h"

#define DR_PROCS_MAX		4096	/* registrations in all */
#define DR_PROCS_PER_UID	2048	/* of one user other than root */
#define DR_FD_RESERVE		128	/* descriptors left for the rest */
#define DR_FDS_PER_PROC		3	/* connection, /proc dir, status */
#define DR_COMM_MAX		64
#define DR_VETO_REASON		"DR_EVENT_FAIL in check"
#define DR_HASH			1024	/* buckets of registrations by pid */

/* One registered process: its connection, its page, its running call. */
struct dr_proc {
	TAILQ_ENTRY(dr_proc)	 entry;
	TAILQ_ENTRY(dr_proc)	 hentry;	/* in dr_hash[pid % DR_HASH] */
	uint64_t		 id;		/* registration number */
	pid_t			 pid;
	uid_t			 uid;
	gid_t			 gid;
	uint64_t		 start;		/* /proc start time, ticks */
	int			 signo;
	int			 fd;		/* the registration connection */
	int			 procfd;	/* its /proc/PID directory */
	int			 statusfd;	/* its /proc/PID/status, read
						   again from offset 0 */
	uint64_t		 pass;		/* dr_pass of its interest */
	int			 may_veto;	/* as of this operation's Check */
	struct event		*ev;
	TAILQ_ENTRY(dr_proc)	 sentry;	/* in dr_sendq */
	int			 queued;	/* in dr_sendq */
	int			 look;		/* read its status at sending */
	uint32_t		 send_phase;	/* PROTO_DR_* to send */
	uint32_t		 send_flags;
	uint64_t		 send_op;	/* the operation's id */
	unsigned char		 in[sizeof(struct proto_hdr) +
				    sizeof(struct proto_dr_ack)];
	size_t			 inlen;
	struct proto_dr_page	*page;		/* exitd's writable mapping */
	uint32_t		 token;		/* of the last phase sent */
	uint64_t		 call;		/* running call id, 0: none */
	int			 phase;		/* its EXITPT_OP_* */
	uint64_t		 checked_op;	/* operation whose Check called
						   it: it gets Complete */
	time_t			 since;
	char			 comm[DR_COMM_MAX];
	char			 exe[PATH_MAX];
};
TAILQ_HEAD(dr_procs, dr_proc);

/*
 * A signal to send, as fanout_run hands it to a thread: copies of what
 * sending needs, and the result (DR_SENT, DR_UNCAUGHT, or the errno of
 * the signal).
 */
struct dr_send {
	struct dr_proc		*d;		/* for exitd's thread only */
	uint64_t		 call;
	int			 look;		/* read the status first */
	int			 statusfd;
	int			 procfd;
	int			 signo;
	struct proto_dr_page	*page;
	uint32_t		 token;
	uint32_t		 phase;
	uint32_t		 flags;
	uint64_t		 operation;
	int			 result;
};
#define DR_SENT		0
#define DR_UNCAUGHT	-1	/* not seen catching it: look closer */

/* A status to read at Check, as fanout_run hands it to a thread. */
struct dr_look {
	int			 statusfd;
	int			 signo;
	int			 caught;	/* dr_caught() */
};

/* What a participant of an operation keeps: who, not the registration. */
struct dr_part {
	pid_t			 pid;
	uint64_t		 start;
	uid_t			 uid;
};

/*
 * A participant restored from the journal.  Restore runs before init, so
 * the time limits of the configuration are set on part at init; the
 * suspend ones were called in the open Check.
 */
struct dr_restored {
	pid_t			 pid;
	uint64_t		 start;
	int			 suspend;
	struct part		*part;		/* until init only */
};

static struct event_base	*dr_base;
static struct config		*dr_cfg;
static struct dr_procs		 dr_procs = TAILQ_HEAD_INITIALIZER(dr_procs);
static struct dr_procs		 dr_hash[DR_HASH];
/* Processes whose signal this turn of the loop is to send. */
static struct dr_procs		 dr_sendq = TAILQ_HEAD_INITIALIZER(dr_sendq);
static size_t			 dr_nqueued;
static struct event		*dr_send_ev;
static int			 dr_send_armed;
static uid_t			 dr_euid;
static size_t			 dr_nprocs;
static size_t			 dr_max = DR_PROCS_MAX;
static uint64_t			 dr_next_id = 1;
static size_t			 dr_pagesize;
static struct engine_observer	*dr_observer;
static uint32_t			 dr_lpar_flags;	/* PROTO_DR_SPLPAR_* */
static struct dr_restored	*dr_restored;
static size_t			 dr_nrestored;
static uint64_t			 dr_recovered_op;
static uint64_t			 dr_pass;	/* Check collections */
static int			 dr_fresh;	/* still their loop turn */
static pid_t			 dr_self;

static void	 dr_init(struct event_base *, const char *, struct config *);
static int	 dr_collect(struct engine_op *, int);
static int	 dr_takes_part(const struct engine_op *, const struct part *,
		     int);
static void	 dr_start(struct call *);
static void	 dr_stop(struct call *);
static json_t	*dr_identity(const struct part *);
static int	 dr_restore(struct part *, json_t *);
static void	 dr_free(struct part *);
static void	 dr_list(part_list_cb, void *);
static void	 dr_shutdown(void);
static void	 dr_event_cb(const struct engine_event *, void *);
static void	 dr_read_cb(evutil_socket_t, short, void *);
static void	 dr_close(struct dr_proc *, const char *);
static struct dr_proc *dr_find(pid_t, uint64_t);
static void	 dr_who(const struct dr_proc *, char *, size_t);
static void	 dr_page_write(struct proto_dr_page *, int, uint32_t,
		     uint32_t, uint32_t, uint64_t);
static void	 dr_page_idle(struct dr_proc *);
static void	 dr_answer(struct dr_proc *, int, int32_t, int32_t,
		     const char *);
static void	 dr_ack(struct dr_proc *, const struct proto_dr_ack *);
static void	 dr_reply(int, int, int);
static void	 dr_limits(struct part *);
static int	 dr_read_at(int, const char *, char *, size_t);
static int	 dr_caught(int, int, char *, size_t);
static void	 dr_look_cb(void *);
static void	 dr_queue(struct dr_proc *);
static void	 dr_dequeue(struct dr_proc *);
static void	 dr_send_cb(void *);
static void	 dr_sent(struct dr_send *);
static void	 dr_flush_cb(evutil_socket_t, short, void *);
static int	 dr_interested(const struct dr_proc *, char *, size_t);
static void	 dr_fresh_cb(evutil_socket_t, short, void *);
static int	 dr_mask_has(const char *, const char *, int);
static int	 dr_thread_waits(const struct dr_proc *, int, const char *,
		     int *);
static int	 dr_page_new(struct proto_dr_page **);
static int	 dr_uid_may(int, uid_t);
static int	 dr_over_limit(uid_t);

const struct part_ops part_dr_ops = {
	.kind = EXITPT_PARTICIPANT_DR,
	.name = "dr",
	.durable = 0,		/* processes */
	.init = dr_init,
	.collect = dr_collect,
	.takes_part = dr_takes_part,
	.start = dr_start,
	.stop = dr_stop,
	.identity = dr_identity,
	.restore = dr_restore,
	.free = dr_free,
	.list = dr_list,
	.shutdown = dr_shutdown,
};

/*
 * Start-up: each registration holds a descriptor, so take the soft limit
 * up to the hard one and keep the registrations below it.  Remember the
 * operation recovered open, so that its processes, once registered
 * again, get its Cancel or Complete.
 */
static void
dr_init(struct event_base *base, const char *state_dir, struct config *cfg)
{
	struct engine_snapshot	*s;
	struct rlimit		 rl;
	long			 pagesize;
	size_t			 i;

	dr_base = base;
	dr_cfg = cfg;
	dr_self = getpid();
	dr_euid = geteuid();
	if ((dr_send_ev = event_new(base, -1, 0, dr_flush_cb, NULL)) == NULL)
		fatalx("dr: cannot create the send event");
	for (i = 0; i < DR_HASH; i++)
		TAILQ_INIT(&dr_hash[i]);
	for (i = 0; i < dr_nrestored; i++) {
		dr_limits(dr_restored[i].part);
		dr_restored[i].part = NULL;
	}
	pagesize = sysconf(_SC_PAGESIZE);
	dr_pagesize = pagesize > (long)sizeof(struct proto_dr_page) ?
	    (size_t)pagesize : 4096;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur <
		    DR_PROCS_MAX * DR_FDS_PER_PROC + DR_FD_RESERVE)
			dr_max = rl.rlim_cur > 2 * DR_FD_RESERVE ?
			    ((size_t)rl.rlim_cur - DR_FD_RESERVE) /
			    DR_FDS_PER_PROC : (size_t)rl.rlim_cur / 2 /
			    DR_FDS_PER_PROC;
	}
	s = phase_snapshot(-1);
	if (s->open)
		dr_recovered_op = s->operation;
	phase_snapshot_free(s);
	dr_observer = phase_observe(dr_event_cb, NULL);
}

/*
 * The engine's events: at the start of a phase, read the partition's
 * shared-processor state once for every page of the phase; at its end,
 * the phase is no longer in effect for anyone (DR_QUERY says ENXIO).
 */
static void
dr_event_cb(const struct engine_event *ev, void *arg)
{
	struct lparcfg	 lpar;
	struct dr_proc	*d;

	switch (ev->type) {
	case ENGINE_PHASE_STARTED:
		dr_lpar_flags = 0;
		if (lparcfg_read(&lpar) != 0)
			break;
		if (lpar.v[LPARCFG_CAPACITY_WEIGHT] >= 0)
			dr_lpar_flags |= PROTO_DR_SPLPAR_CAPABLE;
		if (lpar.v[LPARCFG_SHARED] == 1)
			dr_lpar_flags |= PROTO_DR_SPLPAR_SHARED;
		if (lpar.v[LPARCFG_CAPPED] == 1)
			dr_lpar_flags |= PROTO_DR_SPLPAR_CAPPED;
		break;
	case ENGINE_PHASE_ENDED:
	case ENGINE_OPERATION_INTERRUPTED:
		TAILQ_FOREACH(d, &dr_procs, entry)
			dr_page_idle(d);
		break;
	default:
		break;
	}
}

/* "pid 123 comm (/path/to/exe)": how answers and vetoes name a process. */
static void
dr_who(const struct dr_proc *d, char *buf, size_t len)
{
	snprintf(buf, len, "pid %ld %s (%s)", (long)d->pid, d->comm, d->exe);
}

/* The registration of the process with this identity, or NULL. */
static struct dr_proc *
dr_find(pid_t pid, uint64_t start)
{
	struct dr_proc	*d;

	TAILQ_FOREACH(d, &dr_hash[(unsigned)pid % DR_HASH], hentry) {
		if (d->pid == pid && d->start == start)
			return (d);
	}
	return (NULL);
}

/*
 * Whether signo is in a hexadecimal mask of a /proc status text: key
 * ("SigCgt:") at the start of a line, never within the Name line, which
 * is the process's own choice (prctl PR_SET_NAME, its file's name).
 */
static int
dr_mask_has(const char *text, const char *key, int signo)
{
	unsigned long long	 mask;
	const char		*p;
	char			*end;
	size_t			 klen = strlen(key);

	for (p = text; (p = strstr(p, key)) != NULL; p += klen) {
		if (p == text || p[-1] == '\n')
			break;
	}
	if (p == NULL)
		return (-1);
	p += klen;
	errno = 0;
	mask = strtoull(p, &end, 16);
	if (errno != 0 || end == p)
		return (-1);
	return ((mask >> (signo - 1)) & 1);
}

/*
 * Read a small /proc file relative to dirfd into buf (NUL-terminated) in
 * one read.  Returns 0, -ESRCH when the process or thread has ended, or
 * another -errno.
 */
static int
dr_read_at(int dirfd, const char *name, char *buf, size_t len)
{
	ssize_t	n;
	int	fd, error;

	if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC)) == -1)
		return (errno == ENOENT ? -ESRCH : -errno);
	n = read(fd, buf, len - 1);
	error = n == -1 ? (errno == ESRCH ? -ESRCH : -errno) : 0;
	close(fd);
	if (n == 0)
		error = -ESRCH;
	buf[n > 0 ? n : 0] = '\0';
	return (error);
}

/*
 * Whether a thread (its /proc/PID/task/TID/syscall under taskfd) sits in
 * sigtimedwait(), which sigwait(3) and sigwaitinfo(2) use, for a set that
 * holds d's signal.  The kernel unblocks the awaited signals for the
 * wait, so such a thread shows them unblocked, whatever it waits for: a
 * thread that waits for SIGTERM only, its SIGRECONFIG neither blocked nor
 * caught, would die of it.  The set is therefore read where the call's
 * first argument points, in the process's memory (*memfd: its
 * /proc/PID/mem, opened on first need and closed by the caller); what
 * cannot be read counts as not waiting.
 */
static int
dr_thread_waits(const struct dr_proc *d, int taskfd, const char *tid,
    int *memfd)
{
	unsigned long		set[64 / (CHAR_BIT * sizeof(unsigned long))];
	unsigned long long	addr;
	char			path[48], buf[256];
	unsigned int		bit = (unsigned int)d->signo - 1;
	long			nr;

	snprintf(path, sizeof(path), "%.20s/syscall", tid);
	if (dr_read_at(taskfd, path, buf, sizeof(buf)) != 0 ||
	    sscanf(buf, "%ld 0x%llx", &nr, &addr) != 2)
		return (0);
#ifdef SYS_rt_sigtimedwait_time64
	if (nr != SYS_rt_sigtimedwait && nr != SYS_rt_sigtimedwait_time64)
		return (0);
#else
	if (nr != SYS_rt_sigtimedwait)
		return (0);
#endif
	if (bit >= 64 || addr > (unsigned long long)INT64_MAX)
		return (0);
	if (*memfd == -1 && (*memfd = openat(d->procfd, "mem", O_RDONLY |
	    O_CLOEXEC)) == -1)
		return (0);
	if (pread(*memfd, set, sizeof(set), (off_t)addr) != sizeof(set))
		return (0);
	return ((set[bit / (CHAR_BIT * sizeof(set[0]))] >>
	    (bit % (CHAR_BIT * sizeof(set[0])))) & 1);
}

/*
 * Read a process's status (statusfd, from offset 0: a /proc file is
 * rendered afresh) into buf and say whether it catches signo: 1, 0 (it
 * does not, or the status has no masks), or -errno when it cannot be read
 * (-ESRCH: the process has ended).  Safe on any thread.
 */
static int
dr_caught(int statusfd, int signo, char *buf, size_t len)
{
	ssize_t	n;

	if ((n = pread(statusfd, buf, len - 1, 0)) <= 0)
		return (n == 0 || errno == ESRCH ? -ESRCH : -errno);
	buf[n] = '\0';
	return (dr_mask_has(buf, "SigCgt:", signo) == 1);
}

/*
 * Whether sending its signal to d now is safe and useful: the process
 * catches it, or each of its threads blocks it or waits for it in
 * sigwait() (HTX's pattern), so that no thread takes the default action.
 * On Linux an uncaught real-time signal ends a process, and exec resets
 * caught signals, so this is asked at the moment of sending.  A thread in
 * sigwait() counts only if the set it awaits holds SIGRECONFIG (see
 * dr_thread_waits).  Returns 1, 0 with why saying what was found, or
 * -ESRCH when the process has ended.  Everything is read through the
 * process's own /proc directory, which a reused pid cannot take over.
 */
static int
dr_interested(const struct dr_proc *d, char *why, size_t len)
{
	DIR		*dir;
	struct dirent	*de;
	char		 buf[4096], path[48];
	size_t		 n = 0;
	int		 taskfd, memfd = -1, caught, ignored, blocked, error;

	if ((error = dr_caught(d->statusfd, d->signo, buf, sizeof(buf))) < 0) {
		snprintf(why, len, "its /proc status cannot be read: %s",
		    strerror(-error));
		return (error == -ESRCH ? -ESRCH : 0);
	}
	if (error == 1)
		return (1);
	caught = dr_mask_has(buf, "SigCgt:", d->signo);
	ignored = dr_mask_has(buf, "SigIgn:", d->signo);
	if (caught == -1 || ignored == -1) {
		snprintf(why, len, "its /proc status has no signal masks");
		return (0);
	}
	if (ignored) {
		snprintf(why, len, "it ignores SIGRECONFIG");
		return (0);
	}
	if ((taskfd = openat(d->procfd, "task", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || (dir = fdopendir(taskfd)) == NULL) {
		if (taskfd != -1)
			close(taskfd);
		snprintf(why, len, "its threads cannot be read");
		return (errno == ENOENT || errno == ESRCH ? -ESRCH : 0);
	}
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%.20s/status", de->d_name);
		/* A thread that ended meanwhile takes nothing. */
		if (dr_read_at(taskfd, path, buf, sizeof(buf)) != 0)
			continue;
		blocked = dr_mask_has(buf, "SigBlk:", d->signo);
		if (blocked != 1 && !dr_thread_waits(d, taskfd, de->d_name,
		    &memfd)) {
			/* de lives in dir: say why before closing it. */
			snprintf(why, len, "it does not catch SIGRECONFIG, and "
			    "thread %.20s neither blocks nor awaits it",
			    de->d_name);
			closedir(dir);
			if (memfd != -1)
				close(memfd);
			return (0);
		}
		n++;
	}
	closedir(dir);
	if (memfd != -1)
		close(memfd);
	if (n == 0) {
		snprintf(why, len, "it has no threads left");
		return (-ESRCH);
	}
	return (1);
}

/*
 * The interest found by dr_collect stays valid for the calls started in
 * the same turn of the event loop (Check starts its calls right after
 * collecting them); a serial exit point starts its calls later, and those
 * look again.
 */
static void
dr_fresh_cb(evutil_socket_t fd, short events, void *arg)
{
	dr_fresh = 0;
}

/* Read one process's status at Check (fanout_run's callback). */
static void
dr_look_cb(void *arg)
{
	struct dr_look	*l = arg;
	char		 buf[4096];

	l->caught = dr_caught(l->statusfd, l->signo, buf, sizeof(buf));
}

/*
 * Add the registered processes that want SIGRECONFIG: at Check all of
 * them, as suspend participants; at Complete those that Check called in
 * this operation, as resume participants.  Time limits: dr-timeout for
 * check, posterror and post; pre is bounded by the prepare window.  At
 * Check the statuses are read on two threads; a process not seen
 * catching the signal is looked at closer on this one.
 */
static int
dr_collect(struct engine_op *op, int phase)
{
	struct timeval	 now = { 0, 0 };
	struct dr_look	*looks = NULL;
	struct dr_proc	*d;
	struct dr_part	*dp;
	struct part	*p;
	char		 key[64], who[PROTO_WHO_MAX], why[128];
	size_t		 i = 0;
	int		 point;

	point = phase == EXITPT_OP_COMPLETE ? REGISTRY_RESUME :
	    REGISTRY_SUSPEND;
	if (phase == EXITPT_OP_CHECK) {
		dr_pass++;
		dr_fresh = 1;
		if (event_base_once(dr_base, -1, EV_TIMEOUT, dr_fresh_cb, NULL,
		    &now) == -1)
			dr_fresh = 0;
		looks = xcalloc(dr_nprocs + 1, sizeof(*looks));
		TAILQ_FOREACH(d, &dr_procs, entry) {
			looks[i].statusfd = d->statusfd;
			looks[i++].signo = d->signo;
		}
		fanout_run(looks, i, sizeof(*looks), dr_look_cb);
		i = 0;
	}
	TAILQ_FOREACH(d, &dr_procs, entry) {
		if (phase == EXITPT_OP_COMPLETE &&
		    d->checked_op != engine_op_id(op))
			continue;
		if (phase == EXITPT_OP_CHECK) {
			if (looks[i++].caught != 1 &&
			    dr_interested(d, why, sizeof(why)) != 1) {
				log_debug("dr: pid %ld left out: %s",
				    (long)d->pid, why);
				continue;
			}
			d->pass = dr_pass;
			/* Name lookups are slow: once per operation. */
			d->may_veto = config_dr_may_veto(dr_cfg, d->uid,
			    d->gid);
		}
		snprintf(key, sizeof(key), "%ld %" PRIu64, (long)d->pid,
		    d->start);
		dr_who(d, who, sizeof(who));
		if ((p = phase_add_part(op, &part_dr_ops, point, key, who)) ==
		    NULL)
			continue;
		dp = xcalloc(1, sizeof(*dp));
		dp->pid = d->pid;
		dp->start = d->start;
		dp->uid = d->uid;
		part_set_data(p, dp);
		part_set_pid(p, d->pid);
		dr_limits(p);
	}
	free(looks);
	return (0);
}

/* dr-timeout bounds check, posterror and post; the window bounds pre. */
static void
dr_limits(struct part *p)
{
	part_set_timeout(p, EXITPT_OP_CHECK, dr_cfg->dr_timeout);
	part_set_timeout(p, EXITPT_OP_CANCEL, dr_cfg->dr_timeout);
	part_set_timeout(p, EXITPT_OP_COMPLETE, dr_cfg->dr_timeout);
}

/* Cancel is posterror, sent only once Prepare ran (pre was sent). */
static int
dr_takes_part(const struct engine_op *op, const struct part *p, int phase)
{
	return (phase != EXITPT_OP_CANCEL || engine_op_prepared(op));
}

/*
 * Write the page under its sequence lock (odd while writing), so that a
 * DR_QUERY running meanwhile retries instead of reading half of it.
 */
static void
dr_page_write(struct proto_dr_page *pg, int active, uint32_t token,
    uint32_t phase, uint32_t flags, uint64_t operation)
{
	uint32_t	seq;

	seq = __atomic_load_n(&pg->seq, __ATOMIC_RELAXED);
	__atomic_store_n(&pg->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&pg->active, (uint32_t)active, __ATOMIC_RELAXED);
	__atomic_store_n(&pg->token, token, __ATOMIC_RELAXED);
	__atomic_store_n(&pg->phase, phase, __ATOMIC_RELAXED);
	__atomic_store_n(&pg->flags, flags, __ATOMIC_RELAXED);
	__atomic_store_n(&pg->operation, operation, __ATOMIC_RELAXED);
	__atomic_store_n(&pg->seq, seq + 2, __ATOMIC_RELEASE);
}

/* No event in effect for this process any more. */
static void
dr_page_idle(struct dr_proc *d)
{
	if (__atomic_load_n(&d->page->active, __ATOMIC_RELAXED))
		dr_page_write(d->page, 0, d->token, 0, 0, 0);
}

/* Hand the running call's answer to the engine; the call is over. */
static void
dr_answer(struct dr_proc *d, int end, int32_t status, int32_t wait,
    const char *reason)
{
	struct part_answer	a;
	uint64_t		call = d->call;

	d->call = 0;
	memset(&a, 0, sizeof(a));
	a.end = end;
	a.status = status;
	a.wait = wait;
	a.reason = reason;
	phase_answer(call, &a);
}

/*
 * Call a process: write the phase into its page, then signal it, if it
 * is still there, still the same process, and still wants the signal.
 * The token changes with every phase sent and is never 0.  The signal
 * goes when the loop's turn ends, with the others of the fan-out.
 */
static void
dr_start(struct call *c)
{
	const struct engine_op	*op = call_op(c);
	struct dr_part		*dp = part_data(call_part(c));
	struct dr_proc		*d;
	struct part_answer	 a;
	uint64_t		 start;

	if ((d = dr_find(dp->pid, dp->start)) == NULL) {
		memset(&a, 0, sizeof(a));
		a.status = EXITPT_STATUS_ALLOW;
		a.wait = EXITPT_WAIT_NONE;
		a.end = EXITPT_END_GONE;
		a.reason = procstat_start(dp->pid, &start) == 0 &&
		    start == dp->start ? "not registered with this exitd "
		    "(yet)" : "the process has ended";
		phase_answer(call_id(c), &a);
		return;
	}
	switch (call_phase(c)) {
	case EXITPT_OP_CHECK:
		d->send_phase = PROTO_DR_CHECK;
		break;
	case EXITPT_OP_PREPARE:
		d->send_phase = PROTO_DR_PRE;
		break;
	case EXITPT_OP_CANCEL:
		d->send_phase = PROTO_DR_POSTERROR;
		break;
	default:
		d->send_phase = PROTO_DR_POST;
		break;
	}
	d->send_flags = dr_lpar_flags;
	d->send_flags |= engine_op_action(op) == EXITPT_ACTION_HIBERNATION ?
	    PROTO_DR_HIBERNATE : PROTO_DR_MIGRATE;
	if (engine_op_force(op))
		d->send_flags |= PROTO_DR_FORCE;
	if (d->may_veto)
		d->send_flags |= PROTO_DR_MAY_VETO;
	if (++d->token == 0)
		d->token = 1;
	d->send_op = engine_op_id(op);
	d->call = call_id(c);
	d->phase = call_phase(c);
	/*
	 * A status read at collection time is still the moment of sending
	 * only if no journal sync comes in between: an operation with exit
	 * programs syncs before its calls start, so read it again then.
	 */
	d->look = !dr_fresh || d->pass != dr_pass ||
	    call_phase(c) != EXITPT_OP_CHECK || engine_op_durable(op);
	call_set_pid(c, d->pid);
	dr_queue(d);
}

/* Queue d's signal for the end of the loop's turn. */
static void
dr_queue(struct dr_proc *d)
{
	if (!d->queued) {
		TAILQ_INSERT_TAIL(&dr_sendq, d, sentry);
		d->queued = 1;
		dr_nqueued++;
	}
	if (!dr_send_armed) {
		/* Active events run in order: this one ends the turn. */
		event_active(dr_send_ev, EV_TIMEOUT, 1);
		dr_send_armed = 1;
	}
}

/* Take d's signal out of the queue (its call ended, it went away). */
static void
dr_dequeue(struct dr_proc *d)
{
	if (!d->queued)
		return;
	TAILQ_REMOVE(&dr_sendq, d, sentry);
	d->queued = 0;
	dr_nqueued--;
}

/*
 * Send one signal (fanout_run's callback, on either thread): when asked,
 * make sure first that the process still catches it (anything else is
 * looked at closer on exitd's thread), then write the phase into its
 * page and signal it, as sigqueue() would, through its own descriptor.
 */
static void
dr_send_cb(void *arg)
{
	struct dr_send	*s = arg;
	siginfo_t	 si;
	char		 buf[4096];

	if (s->look && dr_caught(s->statusfd, s->signo, buf, sizeof(buf)) !=
	    1) {
		s->result = DR_UNCAUGHT;
		return;
	}
	dr_page_write(s->page, 1, s->token, s->phase, s->flags, s->operation);
	memset(&si, 0, sizeof(si));
	si.si_signo = s->signo;
	si.si_code = SI_QUEUE;
	si.si_pid = dr_self;
	si.si_uid = dr_euid;
	si.si_value.sival_int = (int)s->token;
	s->result = pidfd_send_signal(s->procfd, s->signo, &si, 0) == -1 ?
	    errno : DR_SENT;
}

/*
 * After the fan-out, on exitd's thread: a process not seen catching the
 * signal is looked at closer (it may wait for it in sigwait()) and
 * signalled from here, or its call answered "not signalled"; a signal
 * that failed answers the call.
 */
static void
dr_sent(struct dr_send *s)
{
	struct dr_proc	*d = s->d;
	char		 why[128], reason[EXITD_REASON_MAX];
	int		 interest;

	/* An answer handed on before this one may have ended its call. */
	if (d->call != s->call)
		return;
	if (s->result == DR_UNCAUGHT) {
		if ((interest = dr_interested(d, why, sizeof(why))) == -ESRCH) {
			dr_answer(d, EXITPT_END_GONE, EXITPT_STATUS_ALLOW,
			    EXITPT_WAIT_NONE, "the process has ended");
			return;
		}
		if (interest != 1) {
			/* No participant now: it may not veto nor hold on. */
			snprintf(reason, sizeof(reason), "not signalled: %s",
			    why);
			dr_answer(d, EXITPT_END_ANSWERED, EXITPT_STATUS_ALLOW,
			    EXITPT_WAIT_NONE, reason);
			return;
		}
		s->look = 0;
		dr_send_cb(s);
	}
	if (d->phase == EXITPT_OP_CHECK)
		d->checked_op = s->operation;
	if (s->result == DR_SENT)
		return;
	snprintf(reason, sizeof(reason), "cannot signal it: %s",
	    strerror(s->result));
	dr_page_idle(d);
	dr_answer(d, s->result == ESRCH ? EXITPT_END_GONE : EXITPT_END_FAILED,
	    EXITPT_STATUS_ALLOW, EXITPT_WAIT_NONE, reason);
}

/*
 * The loop's turn ends: send the signals its calls queued, a fan-out on
 * two threads (reading a process's status and signalling it cost most of
 * a call), then hand on what did not go as planned.  The queue is taken
 * whole first: an answer handed on may start a phase that queues again.
 */
static void
dr_flush_cb(evutil_socket_t fd, short events, void *arg)
{
	struct dr_send	*s;
	struct dr_proc	*d;
	size_t		 n = 0, i;

	dr_send_armed = 0;
	if (dr_nqueued == 0)
		return;
	s = xcalloc(dr_nqueued, sizeof(*s));
	while ((d = TAILQ_FIRST(&dr_sendq)) != NULL) {
		dr_dequeue(d);
		s[n].d = d;
		s[n].call = d->call;
		s[n].look = d->look;
		s[n].statusfd = d->statusfd;
		s[n].procfd = d->procfd;
		s[n].signo = d->signo;
		s[n].page = d->page;
		s[n].token = d->token;
		s[n].phase = d->send_phase;
		s[n].flags = d->send_flags;
		s[n].operation = d->send_op;
		n++;
	}
	fanout_run(s, n, sizeof(*s), dr_send_cb);
	for (i = 0; i < n; i++)
		dr_sent(&s[i]);
	free(s);
}

/*
 * Stop a call (its time limit, the prepare window, a cancel): the phase
 * is over for this process, and a late acknowledgement finds nothing.
 */
static void
dr_stop(struct call *c)
{
	struct dr_part	*dp = part_data(call_part(c));
	struct dr_proc	*d;
	char		 reason[EXITD_REASON_MAX];

	if ((d = dr_find(dp->pid, dp->start)) == NULL ||
	    d->call != call_id(c))
		return;
	dr_dequeue(d);
	dr_page_idle(d);
	snprintf(reason, sizeof(reason), "did not acknowledge %s in time",
	    d->phase == EXITPT_OP_CHECK ? "check" : d->phase ==
	    EXITPT_OP_PREPARE ? "pre" : d->phase == EXITPT_OP_CANCEL ?
	    "posterror" : "post");
	dr_answer(d, EXITPT_END_TIMEDOUT, EXITPT_STATUS_ALLOW,
	    EXITPT_WAIT_NONE, reason);
}

/*
 * An acknowledgement: DR_RECONFIG_DONE allows (in check with a wait of
 * dr-timeout, so that pre has room), DR_EVENT_FAIL in check vetoes if the
 * page told the process it may (else it allows, the process having had
 * EPERM), and is a plain acknowledgement elsewhere.  Only the first for
 * a token counts; later ones (a DONE after EVENT_FAIL) are dropped.
 */
static void
dr_ack(struct dr_proc *d, const struct proto_dr_ack *ack)
{
	char		reason[EXITD_REASON_MAX], who[PROTO_WHO_MAX];
	uint32_t	flags;
	int		fail;

	if (d->call == 0 || ack->token != d->token) {
		log_debug("dr: pid %ld: acknowledgement of token %u dropped "
		    "(no phase of its in effect)", (long)d->pid, ack->token);
		return;
	}
	fail = (ack->flags & PROTO_DR_ACK_FAIL) != 0;
	flags = __atomic_load_n(&d->page->flags, __ATOMIC_RELAXED);
	reason[0] = '\0';
	if (d->phase != EXITPT_OP_CHECK) {
		if (fail)
			snprintf(reason, sizeof(reason), "DR_EVENT_FAIL "
			    "outside check: an acknowledgement");
		dr_answer(d, EXITPT_END_ANSWERED, EXITPT_STATUS_ALLOW,
		    EXITPT_WAIT_NONE, reason);
		return;
	}
	if (fail && (flags & PROTO_DR_MAY_VETO)) {
		dr_who(d, who, sizeof(who));
		log_info("dr: %s vetoes: %s", who, DR_VETO_REASON);
		dr_answer(d, EXITPT_END_ANSWERED, EXITPT_STATUS_VETO,
		    EXITPT_WAIT_NONE, DR_VETO_REASON);
		return;
	}
	if (fail)
		snprintf(reason, sizeof(reason), "DR_EVENT_FAIL refused "
		    "(EPERM): uid %ld may not veto", (long)d->uid);
	dr_answer(d, EXITPT_END_ANSWERED, EXITPT_STATUS_ALLOW,
	    dr_cfg->dr_timeout, reason);
}

/*
 * Read acknowledgements from a registration connection: fixed-size
 * messages, possibly split across reads.  Anything else, or the end of
 * the connection, ends the registration.
 */
static void
dr_read_cb(evutil_socket_t fd, short events, void *arg)
{
	struct dr_proc		*d = arg;
	struct proto_hdr	 h;
	struct proto_dr_ack	 ack;
	ssize_t			 n;

	/* One read per call: the event is level-triggered. */
	n = recv(fd, d->in + d->inlen, sizeof(d->in) - d->inlen,
	    MSG_DONTWAIT);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		dr_close(d, n == 0 ? "the process ended or executed another "
		    "program" : strerror(errno));
		return;
	}
	d->inlen += (size_t)n;
	if (d->inlen < sizeof(d->in))
		return;
	d->inlen = 0;
	memcpy(&h, d->in, sizeof(h));
	memcpy(&ack, d->in + sizeof(h), sizeof(ack));
	if (h.version != PROTO_VERSION || h.type != PROTO_DR_ACK ||
	    h.length != sizeof(ack)) {
		control_refused_by(d->uid, d->pid, "sent an unexpected dr "
		    "message (version %u, type %u, %u bytes); dropping its "
		    "registration", h.version, h.type, h.length);
		dr_close(d, "it sent an unexpected message");
		return;
	}
	dr_ack(d, &ack);
}

/*
 * Whether a client of uid may act for the process whose /proc status
 * statusfd reads: root, or the process's real, effective or saved user
 * id.  SO_PEERCRED's pid names the process that connected; once that
 * process has ended, its pid may be another's, whom the connection must
 * not register nor answer for.
 */
static int
dr_uid_may(int statusfd, uid_t uid)
{
	unsigned long	 ruid, euid, suid;
	const char	*p;
	char		 buf[4096];
	ssize_t		 n;

	if (uid == 0)
		return (1);
	if ((n = pread(statusfd, buf, sizeof(buf) - 1, 0)) <= 0)
		return (0);
	buf[n] = '\0';
	if ((p = strstr(buf, "\nUid:")) == NULL ||
	    sscanf(p + 5, "%lu %lu %lu", &ruid, &euid, &suid) != 3)
		return (0);
	return (uid == ruid || uid == euid || uid == suid);
}

/*
 * An acknowledgement that came on a connection of its own (the process
 * closed its registration descriptor): the kernel's pid names it, the
 * pid must still be the registered process, and the connection its
 * user's.
 */
void
dr_ack_peer(pid_t pid, uid_t uid, const struct proto_dr_ack *ack)
{
	struct dr_proc	*d;
	uint64_t	 start;

	if (procstat_start(pid, &start) != 0 || (d = dr_find(pid, start)) ==
	    NULL) {
		log_debug("dr: acknowledgement from unregistered pid %ld "
		    "dropped", (long)pid);
		return;
	}
	if (uid != d->uid && !dr_uid_may(d->statusfd, uid)) {
		log_debug("dr: acknowledgement for pid %ld from uid %ld, not "
		    "its user, dropped", (long)pid, (long)uid);
		return;
	}
	dr_ack(d, ack);
}

/* End a registration: its running call, if any, answers "gone". */
static void
dr_close(struct dr_proc *d, const char *why)
{
	char	reason[EXITD_REASON_MAX];

	log_debug("dr: pid %ld (%s) unregistered: %s", (long)d->pid, d->comm,
	    why);
	TAILQ_REMOVE(&dr_procs, d, entry);
	TAILQ_REMOVE(&dr_hash[(unsigned)d->pid % DR_HASH], d, hentry);
	dr_nprocs--;
	dr_dequeue(d);
	if (d->call != 0) {
		snprintf(reason, sizeof(reason), "gone before acknowledging: "
		    "%s", why);
		dr_answer(d, EXITPT_END_GONE, EXITPT_STATUS_ALLOW,
		    EXITPT_WAIT_NONE, reason);
	}
	event_free(d->ev);
	close(d->fd);
	close(d->procfd);
	close(d->statusfd);
	munmap(d->page, dr_pagesize);
	free(d);
}

/* Reply to PROTO_DR_REGISTER, with the page descriptor on success. */
static void
dr_reply(int fd, int error, int pagefd)
{
	union {
		char		buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	align;
	} cm;
	struct {
		struct proto_hdr		hdr;
		struct proto_dr_registered	reg;
	} m;
	struct msghdr	 mh;
	struct iovec	 iov;
	struct cmsghdr	*c;

	memset(&m, 0, sizeof(m));
	m.hdr.version = PROTO_VERSION;
	m.hdr.type = PROTO_DR_REGISTERED;
	m.hdr.length = sizeof(m.reg);
	m.hdr.seq = 1;
	m.reg.error = error;
	m.reg.page_size = (uint32_t)dr_pagesize;
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = &m;
	iov.iov_len = sizeof(m);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (pagefd != -1) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pagefd, sizeof(int));
	}
	if (sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) !=
	    (ssize_t)sizeof(m))
		log_debug("dr: cannot reply to a registration: %s",
		    strerror(errno));
}

/*
 * A page the process may read but never write: a sealed memfd that
 * exitd maps writable first, then seals against any later write or
 * writable mapping.  Returns the descriptor to pass, or -errno.
 */
static int
dr_page_new(struct proto_dr_page **pagep)
{
	struct proto_dr_page	*pg;
	uint32_t		 seq;
	int			 fd, error;

	if ((fd = memfd_create("exitpt-dr", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) == -1)
		return (-errno);
	if (ftruncate(fd, (off_t)dr_pagesize) == -1 ||
	    (pg = mmap(NULL, dr_pagesize, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0)) == MAP_FAILED) {
		error = -errno;
		close(fd);
		return (error);
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_FUTURE_WRITE | F_SEAL_SEAL) == -1) {
		error = -errno;
		munmap(pg, dr_pagesize);
		close(fd);
		return (error);
	}
	/*
	 * Start the sequence somewhere else than the previous page's, so
	 * that a reader who raced the switch never takes a mix of both.
	 */
	arc4random_buf(&seq, sizeof(seq));
	pg->seq = seq & ~1u;
	pg->abi = PROTO_DR_ABI;
	*pagep = pg;
	return (fd);
}

/*
 * 1 if uid may not have one more registration.  A
 * user other than root holds at most half of them (DR_PROCS_PER_UID at
 * most), and users other than root together three quarters: no user can
 * take every place and leave root's processes unregistered, never asked
 * in a Check and unable to veto.
 */
static int
dr_over_limit(uid_t uid)
{
	struct dr_proc	*d;
	size_t		 peruid = 0, others = 0;

	if (dr_nprocs >= dr_max)
		return (1);
	if (uid == 0)
		return (0);
	TAILQ_FOREACH(d, &dr_procs, entry) {
		if (d->uid == uid)
			peruid++;
		if (d->uid != 0)
			others++;
	}
	return (peruid >= DR_PROCS_PER_UID || peruid >= dr_max / 2 ||
	    others >= dr_max - dr_max / 4);
}

/*
 * control.c hands over a connection that sent PROTO_DR_REGISTER: fd (ours
 * now), the peer's credentials from SO_PEERCRED, and the message.  The
 * process must be the one that connected (the start time it read of
 * itself is /proc's for that pid), within the limits; a process that
 * registers again (it executed another program that uses the shim)
 * replaces its old registration.
 */
void
dr_adopt(int fd, uid_t uid, gid_t gid, pid_t pid,
    const struct proto_dr_register *m)
{
	struct dr_proc		*d, *old;
	struct dr_restored	*r;
	uint64_t		 start;
	ssize_t			 n;
	size_t			 i;
	int			 pagefd, procfd = -1, statusfd = -1, error = 0;
	char			 path[32];

	/*
	 * Open the process's /proc directory first and read the start time
	 * through it: the descriptor then stays with that process, so a pid
	 * reused later is never read nor signalled in its place.  A pid
	 * reused before, by another user's process, is refused by its user.
	 */
	snprintf(path, sizeof(path), "/proc/%ld", (long)pid);
	if (m->abi != PROTO_DR_ABI)
		error = EXITPT_E_VERSION;
	else if (m->signo < SIGRTMIN || m->signo > SIGRTMAX)
		error = EXITPT_E_VALUE;
	else if ((procfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1 || procstat_start_at(procfd, &start) != 0 ||
	    start != m->start_time || (statusfd = openat(procfd, "status",
	    O_RDONLY | O_CLOEXEC)) == -1)
		error = -ESRCH;
	else if (!dr_uid_may(statusfd, uid))
		error = EXITPT_E_AUTH;
	if (error == 0 && dr_over_limit(uid))
		error = EXITPT_E_LIMIT;
	if (error != 0) {
		control_refused_by(uid, pid, "dr registration of pid %ld "
		    "refused: %s", (long)pid, exitpt_strerror(error));
		dr_reply(fd, error, -1);
		if (statusfd != -1)
			close(statusfd);
		if (procfd != -1)
			close(procfd);
		close(fd);
		return;
	}
	if ((old = dr_find(pid, start)) != NULL)
		dr_close(old, "registered again");
	d = xcalloc(1, sizeof(*d));
	if ((pagefd = dr_page_new(&d->page)) < 0) {
		log_warnx("dr: no page for pid %ld: %s", (long)pid,
		    strerror(-pagefd));
		dr_reply(fd, pagefd, -1);
		close(statusfd);
		close(procfd);
		close(fd);
		free(d);
		return;
	}
	d->id = dr_next_id++;
	d->pid = pid;
	d->uid = uid;
	d->gid = gid;
	d->start = start;
	d->signo = m->signo;
	d->fd = fd;
	d->procfd = procfd;
	d->statusfd = statusfd;
	d->since = time(NULL);
	if (dr_read_at(procfd, "comm", d->comm, sizeof(d->comm)) == 0)
		d->comm[strcspn(d->comm, "\n")] = '\0';
	if ((n = readlinkat(procfd, "exe", d->exe, sizeof(d->exe) - 1)) <= 0)
		n = snprintf(d->exe, sizeof(d->exe), "?");
	d->exe[n] = '\0';
	/* Both are the process's choice, and reach logs and listings. */
	text_unctrl(d->comm);
	text_unctrl(d->exe);
	for (i = 0; i < dr_nrestored; i++) {
		r = &dr_restored[i];
		if (r->suspend && r->pid == pid && r->start == start)
			d->checked_op = dr_recovered_op;
	}
	dr_reply(fd, 0, pagefd);
	close(pagefd);
	d->ev = event_new(dr_base, fd, EV_READ | EV_PERSIST, dr_read_cb, d);
	if (d->ev == NULL || event_add(d->ev, NULL) == -1)
		fatalx("dr: cannot watch a registration");
	TAILQ_INSERT_TAIL(&dr_procs, d, entry);
	TAILQ_INSERT_TAIL(&dr_hash[(unsigned)pid % DR_HASH], d, hentry);
	dr_nprocs++;
	log_debug("dr: pid %ld (%s) uid %ld registered as %" PRIu64,
	    (long)pid, d->comm, (long)uid, d->id);
}

/* What the journal keeps: enough to find the process again. */
static json_t *
dr_identity(const struct part *p)
{
	const struct dr_part	*dp = part_data(p);

	return (json_pack("{s:I, s:I, s:I}", "pid", (json_int_t)dp->pid,
	    "start", (json_int_t)dp->start, "uid", (json_int_t)dp->uid));
}

/*
 * Rebuild a participant from the journal.  A suspend participant was
 * called in the open operation's Check: once registered again it gets
 * that operation's Complete.
 */
static int
dr_restore(struct part *p, json_t *id)
{
	struct dr_part	*dp;
	json_int_t	 pid, start, uid;

	pid = json_integer_value(json_object_get(id, "pid"));
	start = json_integer_value(json_object_get(id, "start"));
	uid = json_integer_value(json_object_get(id, "uid"));
	if (pid <= 0 || pid > INT_MAX || start <= 0 || uid < 0)
		return (-1);
	dp = xcalloc(1, sizeof(*dp));
	dp->pid = (pid_t)pid;
	dp->start = (uint64_t)start;
	dp->uid = (uid_t)uid;
	part_set_data(p, dp);
	part_set_pid(p, dp->pid);
	dr_restored = xreallocarray(dr_restored, dr_nrestored + 1,
	    sizeof(*dr_restored));
	dr_restored[dr_nrestored].pid = dp->pid;
	dr_restored[dr_nrestored].start = dp->start;
	dr_restored[dr_nrestored].suspend = part_point(p) == REGISTRY_SUSPEND;
	dr_restored[dr_nrestored].part = p;
	dr_nrestored++;
	return (0);
}

/*
 * Free a participant's identity.  The engine frees what it replayed of an
 * operation that turned out closed before init: forget it as restored.
 */
static void
dr_free(struct part *p)
{
	size_t	i;

	for (i = 0; i < dr_nrestored; i++) {
		if (dr_restored[i].part != p)
			continue;
		dr_restored[i] = dr_restored[--dr_nrestored];
		break;
	}
	free(part_data(p));
}

/* Every registered process. */
static void
dr_list(part_list_cb cb, void *arg)
{
	struct dr_proc	*d;
	char		 who[PROTO_WHO_MAX], why[128], since[40];
	int		 signalled;

	TAILQ_FOREACH(d, &dr_procs, entry) {
		dr_who(d, who, sizeof(who));
		signalled = dr_interested(d, why, sizeof(why)) == 1;
		log_time_iso((int64_t)d->since * 1000, since, sizeof(since));
		cb(arg, EXITPT_PARTICIPANT_DR, who, d->pid,
		    json_pack("{s:I, s:s, s:i, s:b, s:o}",
		    "uid", (json_int_t)d->uid, "since", since,
		    "signal", d->signo, "signalled", signalled,
		    "why", journal_string(signalled ? "" : why)));
	}
}

/* exitd is stopping: the processes register again with the next one. */
static void
dr_shutdown(void)
{
	struct dr_proc	*d;

	phase_unobserve(dr_observer);
	dr_observer = NULL;
	while ((d = TAILQ_FIRST(&dr_procs)) != NULL) {
		d->call = 0;
		dr_close(d, "exitd stops");
	}
	if (dr_send_ev != NULL)
		event_free(dr_send_ev);
	dr_send_ev = NULL;
	dr_send_armed = 0;
	free(dr_restored);
	dr_restored = NULL;
	dr_nrestored = 0;
}
