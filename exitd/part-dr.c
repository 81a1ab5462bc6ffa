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
#define DR_PROCS_PER_UID	2048	/* registrations of one user */
#define DR_FD_RESERVE		128	/* descriptors left for the rest */
#define DR_COMM_MAX		64
#define DR_VETO_REASON		"DR_EVENT_FAIL in check"

/* One registered process: its connection, its page, its running call. */
struct dr_proc {
	TAILQ_ENTRY(dr_proc)	 entry;
	uint64_t		 id;		/* registration number */
	pid_t			 pid;
	uid_t			 uid;
	gid_t			 gid;
	uint64_t		 start;		/* /proc start time, ticks */
	int			 signo;
	int			 fd;		/* the registration connection */
	struct event		*ev;
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
static size_t			 dr_nprocs;
static size_t			 dr_max = DR_PROCS_MAX;
static uint64_t			 dr_next_id = 1;
static size_t			 dr_pagesize;
static struct engine_observer	*dr_observer;
static uint32_t			 dr_lpar_flags;	/* PROTO_DR_SPLPAR_* */
static struct dr_restored	*dr_restored;
static size_t			 dr_nrestored;
static uint64_t			 dr_recovered_op;
static char			 dr_path_buf[96];	/* /proc paths */

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
static int	 dr_interested(pid_t, int, char *, size_t);
static void	 dr_page_write(struct dr_proc *, int, uint32_t, uint32_t,
		     uint64_t);
static void	 dr_page_idle(struct dr_proc *);
static void	 dr_answer(struct dr_proc *, int, int32_t, int32_t,
		     const char *);
static void	 dr_ack(struct dr_proc *, const struct proto_dr_ack *);
static void	 dr_reply(int, int, int);
static void	 dr_limits(struct part *);

const struct part_ops part_dr_ops = {
	.kind = EXITPT_PARTICIPANT_DR,
	.name = "dr",
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
		if (rl.rlim_cur != RLIM_INFINITY &&
		    rl.rlim_cur < DR_PROCS_MAX + DR_FD_RESERVE)
			dr_max = rl.rlim_cur > 2 * DR_FD_RESERVE ?
			    (size_t)rl.rlim_cur - DR_FD_RESERVE :
			    (size_t)rl.rlim_cur / 2;
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

	TAILQ_FOREACH(d, &dr_procs, entry) {
		if (d->pid == pid && d->start == start)
			return (d);
	}
	return (NULL);
}

/* Parse one hexadecimal signal mask of /proc/PID/status. */
static int
dr_mask_has(const char *hex, int signo)
{
	unsigned long long	mask;
	char			*end;

	errno = 0;
	mask = strtoull(hex, &end, 16);
	if (errno != 0 || end == hex)
		return (0);
	return ((mask >> (signo - 1)) & 1);
}

/* Read a Sig*: line of a status file (caught, blocked, ignored). */
static int
dr_status_masks(const char *path, int signo, int *caught, int *blocked,
    int *ignored)
{
	FILE	*fp;
	char	 line[256];
	int	 seen = 0;

	if ((fp = fopen(path, "re")) == NULL)
		return (-errno);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "SigCgt:", 7) == 0 && ++seen)
			*caught = dr_mask_has(line + 7, signo);
		else if (strncmp(line, "SigBlk:", 7) == 0 && ++seen)
			*blocked = dr_mask_has(line + 7, signo);
		else if (strncmp(line, "SigIgn:", 7) == 0 && ++seen)
			*ignored = dr_mask_has(line + 7, signo);
	}
	fclose(fp);
	return (seen == 3 ? 0 : EXITPT_E_MALFORMED);
}

/*
 * Whether thread tid of pid sits in sigtimedwait() (sigwait(3) and
 * sigwaitinfo(2) too): the kernel unblocks the awaited signals for the
 * wait, so such a thread shows them unblocked.
 */
static int
dr_thread_waits(pid_t pid, const char *tid)
{
	FILE	*fp;
	long	 nr;
	int	 n;

	snprintf(dr_path_buf, sizeof(dr_path_buf), "/proc/%ld/task/%.20s/"
	    "syscall", (long)pid, tid);
	if ((fp = fopen(dr_path_buf, "re")) == NULL)
		return (0);
	n = fscanf(fp, "%ld", &nr);
	fclose(fp);
	if (n != 1)
		return (0);
#ifdef SYS_rt_sigtimedwait_time64
	if (nr == SYS_rt_sigtimedwait_time64)
		return (1);
#endif
	return (nr == SYS_rt_sigtimedwait);
}

/*
 * Whether sending signo to pid now is safe and useful: the process
 * catches it, or each of its threads blocks it or waits for it in
 * sigwait() (HTX's pattern), so that no thread takes the default action.
 * On Linux an uncaught real-time signal ends a process, and exec resets
 * caught signals, so this is asked at the moment of sending.  A thread in
 * sigwait() is taken to wait for SIGRECONFIG: /proc does not say which
 * signals it awaits.  why says what was found when the answer is no.
 */
static int
dr_interested(pid_t pid, int signo, char *why, size_t len)
{
	DIR		*dir;
	struct dirent	*de;
	int		 caught = 0, blocked = 0, ignored = 0, n = 0, error;

	snprintf(dr_path_buf, sizeof(dr_path_buf), "/proc/%ld/status",
	    (long)pid);
	if (dr_status_masks(dr_path_buf, signo, &caught, &blocked,
	    &ignored) != 0) {
		snprintf(why, len, "its /proc status cannot be read");
		return (0);
	}
	if (caught)
		return (1);
	if (ignored) {
		snprintf(why, len, "it ignores SIGRECONFIG");
		return (0);
	}
	snprintf(dr_path_buf, sizeof(dr_path_buf), "/proc/%ld/task",
	    (long)pid);
	if ((dir = opendir(dr_path_buf)) == NULL) {
		snprintf(why, len, "its threads cannot be read");
		return (0);
	}
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(dr_path_buf, sizeof(dr_path_buf), "/proc/%ld/task/"
		    "%.20s/status", (long)pid, de->d_name);
		blocked = 0;
		/* A thread that ended meanwhile takes nothing. */
		if ((error = dr_status_masks(dr_path_buf, signo, &caught,
		    &blocked, &ignored)) == -ENOENT || error == -ESRCH)
			continue;
		if (!blocked && !dr_thread_waits(pid, de->d_name)) {
			closedir(dir);
			snprintf(why, len, "it does not catch SIGRECONFIG, and "
			    "thread %.20s neither blocks nor awaits it",
			    de->d_name);
			return (0);
		}
		n++;
	}
	closedir(dir);
	if (n == 0)
		snprintf(why, len, "it has no threads left");
	return (n > 0);
}

/*
 * Add the registered processes that want SIGRECONFIG: at Check all of
 * them, as suspend participants; at Complete those that Check called in
 * this operation, as resume participants.  Time limits: dr-timeout for
 * check, posterror and post; pre is bounded by the prepare window.
 */
static int
dr_collect(struct engine_op *op, int phase)
{
	struct dr_proc	*d;
	struct dr_part	*dp;
	struct part	*p;
	char		 key[64], who[PROTO_WHO_MAX], why[128];
	int		 point;

	point = phase == EXITPT_OP_COMPLETE ? REGISTRY_RESUME :
	    REGISTRY_SUSPEND;
	TAILQ_FOREACH(d, &dr_procs, entry) {
		if (phase == EXITPT_OP_COMPLETE &&
		    d->checked_op != engine_op_id(op))
			continue;
		if (phase == EXITPT_OP_CHECK &&
		    !dr_interested(d->pid, d->signo, why, sizeof(why))) {
			log_debug("dr: pid %ld left out: %s", (long)d->pid,
			    why);
			continue;
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
dr_page_write(struct dr_proc *d, int active, uint32_t phase, uint32_t flags,
    uint64_t operation)
{
	struct proto_dr_page	*pg = d->page;
	uint32_t		 seq;

	seq = __atomic_load_n(&pg->seq, __ATOMIC_RELAXED);
	__atomic_store_n(&pg->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&pg->active, (uint32_t)active, __ATOMIC_RELAXED);
	__atomic_store_n(&pg->token, d->token, __ATOMIC_RELAXED);
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
		dr_page_write(d, 0, 0, 0, 0);
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
 * The token changes with every phase sent and is never 0.
 */
static void
dr_start(struct call *c)
{
	const struct engine_op	*op = call_op(c);
	struct dr_part		*dp = part_data(call_part(c));
	struct dr_proc		*d;
	struct part_answer	 a;
	union sigval		 val;
	uint32_t		 phase, flags;
	uint64_t		 start;
	char			 why[128], reason[EXITD_REASON_MAX];

	memset(&a, 0, sizeof(a));
	a.status = EXITPT_STATUS_ALLOW;
	a.wait = EXITPT_WAIT_NONE;
	if ((d = dr_find(dp->pid, dp->start)) == NULL) {
		a.end = EXITPT_END_GONE;
		a.reason = procstat_start(dp->pid, &start) == 0 &&
		    start == dp->start ? "not registered with this exitd "
		    "(yet)" : "the process has ended";
		phase_answer(call_id(c), &a);
		return;
	}
	if (procstat_start(d->pid, &start) != 0 || start != d->start) {
		a.end = EXITPT_END_GONE;
		a.reason = "the process has ended";
		phase_answer(call_id(c), &a);
		return;
	}
	if (!dr_interested(d->pid, d->signo, why, sizeof(why))) {
		/* Not a participant any more: it may not veto, nor hold on. */
		snprintf(reason, sizeof(reason), "not signalled: %s", why);
		a.end = EXITPT_END_ANSWERED;
		a.reason = reason;
		phase_answer(call_id(c), &a);
		return;
	}
	switch (call_phase(c)) {
	case EXITPT_OP_CHECK:
		phase = PROTO_DR_CHECK;
		d->checked_op = engine_op_id(op);
		break;
	case EXITPT_OP_PREPARE:
		phase = PROTO_DR_PRE;
		break;
	case EXITPT_OP_CANCEL:
		phase = PROTO_DR_POSTERROR;
		break;
	default:
		phase = PROTO_DR_POST;
		break;
	}
	flags = dr_lpar_flags;
	flags |= engine_op_action(op) == EXITPT_ACTION_HIBERNATION ?
	    PROTO_DR_HIBERNATE : PROTO_DR_MIGRATE;
	if (engine_op_force(op))
		flags |= PROTO_DR_FORCE;
	if (config_dr_may_veto(dr_cfg, d->uid, d->gid))
		flags |= PROTO_DR_MAY_VETO;
	if (++d->token == 0)
		d->token = 1;
	d->call = call_id(c);
	d->phase = call_phase(c);
	call_set_pid(c, d->pid);
	dr_page_write(d, 1, phase, flags, engine_op_id(op));
	val.sival_int = (int)d->token;
	if (sigqueue(d->pid, d->signo, val) == -1) {
		snprintf(reason, sizeof(reason), "cannot signal it: %s",
		    strerror(errno));
		dr_page_idle(d);
		dr_answer(d, errno == ESRCH ? EXITPT_END_GONE :
		    EXITPT_END_FAILED, EXITPT_STATUS_ALLOW, EXITPT_WAIT_NONE,
		    reason);
	}
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

	for (;;) {
		n = recv(fd, d->in + d->inlen, sizeof(d->in) - d->inlen,
		    MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0) {
			dr_close(d, n == 0 ? "the process ended or executed "
			    "another program" : strerror(errno));
			return;
		}
		d->inlen += (size_t)n;
		if (d->inlen < sizeof(d->in))
			continue;
		d->inlen = 0;
		memcpy(&h, d->in, sizeof(h));
		memcpy(&ack, d->in + sizeof(h), sizeof(ack));
		if (h.version != PROTO_VERSION || h.type != PROTO_DR_ACK ||
		    h.length != sizeof(ack)) {
			log_warnx("dr: pid %ld: unexpected message (version "
			    "%u, type %u, %u bytes); dropping its "
			    "registration", (long)d->pid, h.version, h.type,
			    h.length);
			dr_close(d, "it sent an unexpected message");
			return;
		}
		dr_ack(d, &ack);
	}
}

/*
 * An acknowledgement that came on a connection of its own (the process
 * closed its registration descriptor): the kernel's pid names it, and the
 * pid must still be the registered process.
 */
void
dr_ack_peer(pid_t pid, const struct proto_dr_ack *ack)
{
	struct dr_proc	*d;
	uint64_t	 start;

	if (procstat_start(pid, &start) != 0 || (d = dr_find(pid, start)) ==
	    NULL) {
		log_debug("dr: acknowledgement from unregistered pid %ld "
		    "dropped", (long)pid);
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
	dr_nprocs--;
	if (d->call != 0) {
		snprintf(reason, sizeof(reason), "gone before acknowledging: "
		    "%s", why);
		dr_answer(d, EXITPT_END_GONE, EXITPT_STATUS_ALLOW,
		    EXITPT_WAIT_NONE, reason);
	}
	event_free(d->ev);
	close(d->fd);
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
	size_t			 i, peruid = 0;
	int			 pagefd, cfd, error = 0;
	char			 path[64];

	if (m->abi != PROTO_DR_ABI)
		error = EXITPT_E_VERSION;
	else if (m->signo < SIGRTMIN || m->signo > SIGRTMAX)
		error = EXITPT_E_VALUE;
	else if (procstat_start(pid, &start) != 0 || start != m->start_time)
		error = -ESRCH;
	if (error == 0) {
		TAILQ_FOREACH(d, &dr_procs, entry) {
			if (d->uid == uid)
				peruid++;
		}
		if (dr_nprocs >= dr_max || peruid >= DR_PROCS_PER_UID)
			error = EXITPT_E_LIMIT;
	}
	if (error != 0) {
		log_warnx("dr: registration of pid %ld (uid %ld) refused: %s",
		    (long)pid, (long)uid, exitpt_strerror(error));
		dr_reply(fd, error, -1);
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
	d->since = time(NULL);
	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	if ((cfd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		n = read(cfd, d->comm, sizeof(d->comm) - 1);
		close(cfd);
		d->comm[n > 0 ? n : 0] = '\0';
		d->comm[strcspn(d->comm, "\n")] = '\0';
	}
	snprintf(path, sizeof(path), "/proc/%ld/exe", (long)pid);
	if ((n = readlink(path, d->exe, sizeof(d->exe) - 1)) <= 0)
		n = snprintf(d->exe, sizeof(d->exe), "?");
	d->exe[n] = '\0';
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

/* Free a participant's identity. */
static void
dr_free(struct part *p)
{
	free(part_data(p));
}

/* Every registered process. */
static void
dr_list(part_list_cb cb, void *arg)
{
	struct dr_proc	*d;
	char		 who[PROTO_WHO_MAX], why[128];
	int		 signalled;

	TAILQ_FOREACH(d, &dr_procs, entry) {
		dr_who(d, who, sizeof(who));
		signalled = dr_interested(d->pid, d->signo, why, sizeof(why));
		cb(arg, EXITPT_PARTICIPANT_DR, who, d->pid,
		    json_pack("{s:I, s:I, s:i, s:b, s:o}",
		    "uid", (json_int_t)d->uid, "since", (json_int_t)d->since,
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
	free(dr_restored);
	dr_restored = NULL;
	dr_nrestored = 0;
}
