/*
 * Exit program runner: starts one exit program as SPEC section 4 says
 * (argv, fd 3, environment, run-as user, process group), reads its output
 * through libevent, enforces its timeout, and reports once, when the
 * program has exited and nothing it started is left running.
 *
 * The program is opened once and checked through that descriptor
 * (progcheck.c), and that very file is executed (spawn.c), so a path
 * swapped between the check and the start cannot run something else.
 * What the program starts stays contained (contain.c): a process it left
 * behind gets SIGTERM when the program exits, then SIGKILL after the
 * grace period, and the call ends only once none is left.
 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "exitd.h"

#define RUNNER_PATH	\
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define RUNNER_LINE_MAX	1024	/* longer lines: logged in pieces */
#define RUNNER_DRAIN_MAX (1024 * 1024)	/* bytes read after the exit */
#define RUNNER_NENV	16
#define RUNNER_KILL_WAIT 5	/* seconds for SIGKILL to take effect */
#define RUNNER_NHASH	256	/* running programs by pid */
#define RUNNER_USERS	8	/* run-as users remembered in a batch */
#define RUNNER_SWEEP_MS	5	/* a sweep's rounds, per event loop turn */
#define RUNNER_SWEEP_EVERY_MS 10 /* between turns of a SIGKILL sweep */

enum runner_state {
	RUNNER_NEW,		/* not started (refused or failed) */
	RUNNER_RUNNING,		/* the program runs */
	RUNNER_ENDING,		/* it exited; what it left is being ended */
};

struct runner_stream {
	struct runner_job	*job;
	int			 fd;	/* in runner_epfd while open */
	int			 is_stdout;
	char			*line;	/* RUNNER_LINE_MAX, on output */
	size_t			 len;
};

struct runner_job {
	TAILQ_ENTRY(runner_job)	 entry;
	LIST_ENTRY(runner_job)	 hash;		/* while RUNNING */
	runner_done_cb		 cb;
	void			*arg;
	char			*program;
	enum runner_state	 state;
	pid_t			 pid;		/* also its process group */
	pid_t			 sid;		/* its session (no cgroup) */
	uint64_t		 pstart;	/* its start time (no cgroup): */
	uint64_t		 pstart_max;	/* between these ticks */
	struct contain_cg	*cg;		/* its cgroup, or NULL */
	int			 infofd;	/* Check: answers, read back */
	int			 child_stage;	/* SPAWN_STAGE_* */
	int			 child_errno;
	struct runner_stream	 out;
	struct runner_stream	 err;
	struct event		*timer;	/* timeout, grace, refusal; stored
					   after the job (event_assign) */
	int			 stopping;	/* timed out or stopped */
	int			 killed;	/* SIGKILL sent to the program */
	int			 leftovers;	/* it exited leaving processes */
	int			 leftovers_killed;
	int			 sweeping;	/* its SIGKILL sweep goes on */
	unsigned int		 pass;		/* last re-evaluation */
	int			 check;		/* BMGF0100: answers read back */
	struct timespec		 start;
	struct runner_result	 result;
	/* stdout keys, applied over fd 3 when the program ends */
	int			 have_status;
	int32_t			 status;
	int			 have_wait;
	int32_t			 wait_time;
	int			 have_reason;
};

TAILQ_HEAD(runner_jobs, runner_job);
LIST_HEAD(runner_bucket, runner_job);

/* A run-as user, looked up once per batch of starts. */
struct runner_user {
	char		*name;
	uid_t		 uid;
	gid_t		 gid;
	gid_t		*groups;
	int		 ngroups;
};

static struct event_base	*runner_base;
static uid_t			 runner_euid;	/* exitd's, fixed */
static gid_t			 runner_egid;
static struct event		*runner_sigchld;
static struct event		*runner_sweep_ev;	/* runner_sweep_cb */
static int			 runner_reaped;	/* a sweep reaped */
/*
 * The programs' output pipes wait in an epoll set of the runner's own,
 * which libevent watches as one descriptor: libevent keeps a record for
 * every descriptor number it ever watched, and a thousand pipes left
 * those scattered over the heap for good.  A pipe leaves the set when it
 * is closed.
 */
static int			 runner_epfd = -1;
static struct event		*runner_epev;
static struct runner_jobs	 runner_jobs =
    TAILQ_HEAD_INITIALIZER(runner_jobs);
static struct runner_bucket	 runner_hash[RUNNER_NHASH];
static size_t			 runner_nmains;	/* RUNNING jobs */
static unsigned int		 runner_passes;
static int			 runner_mode = CONTAIN_AUTO;
static pid_t			 runner_sid;	/* exitd's: its programs' */
static long			 runner_hz;	/* clock ticks per second */
static char			*runner_instance;
static struct runner_user	 runner_users[RUNNER_USERS];
static int			 runner_nusers;
static struct progcheck_cache	*runner_dirs;	/* directories of a batch */
/*
 * CONTAIN_CGROUP: the one cgroup every program runs in.  Runs are told
 * apart by process group; what left its group is ended, with cgroup.kill
 * if need be, when no program runs any more.  One cgroup for all runs
 * costs nothing measurable, a cgroup per run (CONTAIN_CGROUP_RUN) costs
 * about a fifth more per program started.
 */
static struct contain_cg	*runner_cg;
/* The read-only exit information of a batch (Complete: all alike). */
static int			 runner_rofd = -1;
static unsigned char		 runner_roinfo[16];
static size_t			 runner_rolen;

static void	runner_sigchld_cb(evutil_socket_t, short, void *);
static void	runner_sweep_cb(evutil_socket_t, short, void *);
static struct runner_job *runner_find(pid_t);
static void	runner_timer_cb(evutil_socket_t, short, void *);
static void	runner_epoll_cb(evutil_socket_t, short, void *);
static void	runner_cg_cb(void *);
static void	runner_recheck_cb(void *);
static void	runner_recheck(void);
static void	runner_finish(struct runner_job *);
static void	runner_ending(struct runner_job *);

/* Milliseconds elapsed since a monotonic start time. */
static uint64_t
runner_elapsed_ms(const struct timespec *start)
{
	struct timespec	now;
	int64_t		ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (int64_t)(now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000;
	return (ms < 0 ? 0 : (uint64_t)ms);
}

/*
 * Choose the containment (CONTAIN_*) and the name of exitd's cgroup
 * directory, before runner_init.  By default: a cgroup where one was
 * delegated, named after exitd's pid.
 */
void
runner_contain(int mode, const char *instance)
{
	runner_mode = mode;
	free(runner_instance);
	runner_instance = xstrdup(instance);
}

/*
 * Set up containment and process creation, install the SIGCHLD event on
 * base, and raise the open-file limit: a phase starts every program at
 * once and each holds a few descriptors while it runs.
 */
void
runner_init(struct event_base *base)
{
	struct contain_cg	*cg;
	struct rlimit		 rl;
	int			 i, mode;

	runner_base = base;
	runner_euid = geteuid();
	runner_egid = getegid();
	runner_sid = getsid(0);
	if ((runner_hz = sysconf(_SC_CLK_TCK)) <= 0)
		runner_hz = 100;
	for (i = 0; i < RUNNER_NHASH; i++)
		LIST_INIT(&runner_hash[i]);
	if (runner_instance == NULL)
		xasprintf(&runner_instance, "exitd-%ld", (long)getpid());
	spawn_init();
	mode = contain_init(base, runner_mode, runner_instance);
	if ((mode == CONTAIN_CGROUP || mode == CONTAIN_CGROUP_RUN) &&
	    (cg = contain_cg_get()) != NULL) {
		spawn_probe(cg);
		if (mode == CONTAIN_CGROUP)
			runner_cg = cg;
		else
			contain_cg_put(cg);
	}
	if ((runner_epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("runner: epoll_create1");
	runner_epev = event_new(base, runner_epfd, EV_READ | EV_PERSIST,
	    runner_epoll_cb, NULL);
	if (runner_epev == NULL || event_add(runner_epev, NULL) == -1)
		fatalx("runner: cannot watch the output pipes");
	if ((runner_sweep_ev = evtimer_new(base, runner_sweep_cb, NULL)) ==
	    NULL)
		fatalx("runner: cannot set up the sweep timer");
	runner_sigchld = evsignal_new(base, SIGCHLD, runner_sigchld_cb, NULL);
	if (runner_sigchld == NULL || evsignal_add(runner_sigchld, NULL) == -1)
		fatalx("runner: cannot install the SIGCHLD event");
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("runner: setrlimit RLIMIT_NOFILE");
	}
}

/*
 * Now in the clock ticks since boot of /proc/PID/stat's starttime (the
 * kernel counts both on the boot-time clock).
 */
static uint64_t
runner_ticks(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ((uint64_t)ts.tv_sec * (uint64_t)runner_hz +
	    (uint64_t)ts.tv_nsec / (uint64_t)(1000000000L / runner_hz));
}

/* Forget the run-as users looked up in the last batch. */
static void
runner_users_clear(void)
{
	int	i;

	for (i = 0; i < runner_nusers; i++) {
		free(runner_users[i].name);
		free(runner_users[i].groups);
	}
	runner_nusers = 0;
}

/*
 * Look a run-as user up (name, ids, supplementary groups), once per batch
 * of starts: a phase starting a thousand programs as root reads the user
 * database once, not a thousand times.  NULL when the user is unknown.
 */
static const struct runner_user *
runner_user(const char *name)
{
	struct runner_user	*u;
	struct passwd		*pw;
	int			 i, n;

	for (i = 0; i < runner_nusers; i++) {
		if (strcmp(runner_users[i].name, name) == 0)
			return (&runner_users[i]);
	}
	if ((pw = getpwnam(name)) == NULL)
		return (NULL);
	if (runner_nusers == RUNNER_USERS)
		runner_users_clear();
	u = &runner_users[runner_nusers];
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	u->ngroups = 0;
	u->groups = NULL;
	if (pw->pw_uid != runner_euid || pw->pw_gid != runner_egid) {
		n = 16;
		for (;;) {
			u->groups = xreallocarray(u->groups, (size_t)n,
			    sizeof(*u->groups));
			u->ngroups = n;
			if (getgrouplist(pw->pw_name, pw->pw_gid, u->groups,
			    &u->ngroups) != -1)
				break;
			if (u->ngroups <= n) {
				free(u->groups);
				return (NULL);
			}
			n = u->ngroups;
		}
	}
	u->name = xstrdup(name);
	runner_nusers++;
	return (u);
}

/*
 * The last job is done: give back what a batch of starts holds (slots,
 * the shared read-only exit information, the user and directory caches,
 * spare cgroups beyond what it needed) and, as a phase may have run a
 * thousand programs at once, their buffers, so that an idle exitd stays
 * small.
 */
static void
runner_idle(void)
{
	spawn_idle();
	runner_users_clear();
	progcheck_cache_free(runner_dirs);
	runner_dirs = NULL;
	if (runner_rofd != -1)
		close(runner_rofd);
	runner_rofd = -1;
	if (contain_mode() == CONTAIN_CGROUP_RUN)
		contain_trim();
	if (runner_cg != NULL)
		contain_cg_unwatch(runner_cg);
	/*
	 * After a cgroup.kill, children can no longer be cloned into the
	 * programs' cgroup (contain.c): a fresh one for the next batch.
	 */
	if (runner_cg != NULL && contain_cg_killed(runner_cg)) {
		if (contain_cg_populated(runner_cg) != 0)
			contain_cg_drop(runner_cg);
		else
			contain_cg_put(runner_cg);
		if ((runner_cg = contain_cg_get()) == NULL)
			log_warnx("runner: no cgroup for the programs any "
			    "more; exitd is their subreaper only");
	}
	malloc_trim(0);
}

/* Free a job that is no longer on the list. */
static void
runner_free(struct runner_job *job)
{
	if (job->out.fd != -1)
		close(job->out.fd);
	if (job->err.fd != -1)
		close(job->err.fd);
	if (job->infofd != -1)
		close(job->infofd);
	event_del(job->timer);
	free(job->out.line);
	free(job->err.line);
	free(job->program);
	free(job);
}

/* Put a stdout key's value into the job, or note why it was ignored. */
static void
runner_key(struct runner_job *job, const char *key, const char *value)
{
	long long	 v;
	char		*p;

	if (strcmp(key, "EXITPT_REASON") == 0) {
		snprintf(job->result.reason, sizeof(job->result.reason), "%s",
		    value);
		/* The reason reaches terminals and the journal: no controls. */
		for (p = job->result.reason; *p != '\0'; p++) {
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = ' ';
		}
		job->have_reason = 1;
		return;
	}
	if (text_parse_int(value, INT32_MIN, INT32_MAX, &v) != 0) {
		log_warnx("program %d (%s): malformed %s value '%.64s' ignored",
		    job->result.number, job->program, key, value);
		if (!job->have_reason)
			snprintf(job->result.reason,
			    sizeof(job->result.reason),
			    "malformed %s '%.64s' ignored", key, value);
		return;
	}
	if (strcmp(key, "EXITPT_STATUS") == 0) {
		job->have_status = 1;
		job->status = (int32_t)v;
	} else {
		job->have_wait = 1;
		job->wait_time = (int32_t)v;
	}
}

/* Handle one complete line of output: a stdout key, or a log line. */
static void
runner_line(struct runner_stream *s, char *line, size_t len)
{
	struct runner_job	*job = s->job;
	char			*eq;

	line[len] = '\0';
	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	if (s->is_stdout && strncmp(line, "EXITPT_", 7) == 0 &&
	    (eq = strchr(line, '=')) != NULL) {
		*eq = '\0';
		if (strcmp(line, "EXITPT_REASON") == 0 ||
		    strcmp(line, "EXITPT_STATUS") == 0 ||
		    strcmp(line, "EXITPT_WAIT_TIME") == 0) {
			runner_key(job, line, eq + 1);
			return;
		}
		*eq = '=';
	}
	/* A line that would cross the limit is dropped whole. */
	if (job->result.output_kept + len + 1 > EXITD_OUTPUT_MAX) {
		job->result.output_dropped += len + 1;
		return;
	}
	job->result.output_kept += len + 1;
	log_info("program %d (%s)%s: %s", job->result.number, job->program,
	    s->is_stdout ? "" : " stderr", line);
}

/*
 * Split freshly read bytes into lines.  Only one line buffer per stream
 * is kept, so memory stays bounded whatever the program prints; it is
 * allocated on the first output, as most exit programs print nothing.
 */
static void
runner_consume(struct runner_stream *s, const char *buf, size_t n)
{
	size_t	i;

	if (s->line == NULL)
		s->line = xmalloc(RUNNER_LINE_MAX);
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			runner_line(s, s->line, s->len);
			s->len = 0;
			continue;
		}
		if (s->len == RUNNER_LINE_MAX - 1) {
			runner_line(s, s->line, s->len);
			s->len = 0;
		}
		s->line[s->len++] = buf[i];
	}
}

/*
 * Read what is available on a stream without blocking; returns 1 at end
 * of file or error (the stream is then closed), 0 otherwise.  limit
 * bounds the bytes read in this call.
 */
static int
runner_drain(struct runner_stream *s, size_t limit)
{
	char	buf[16384];
	ssize_t	n;
	size_t	total = 0;

	if (s->fd == -1)
		return (1);
	while (total < limit) {
		n = read(s->fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return (0);
		if (n <= 0)
			break;
		runner_consume(s, buf, (size_t)n);
		total += (size_t)n;
	}
	if (total >= limit)
		return (0);
	if (s->len > 0) {
		runner_line(s, s->line, s->len);
		s->len = 0;
	}
	close(s->fd);		/* which takes it out of runner_epfd */
	s->fd = -1;
	return (1);
}

/*
 * Output is readable on some pipes: consume a bounded amount of each per
 * wake-up.  Reading never ends a job, so every stream of the batch stays
 * valid while the batch is handled.
 */
static void
runner_epoll_cb(evutil_socket_t fd, short events, void *arg)
{
	struct epoll_event	evs[64];
	int			n, i;

	do {
		if ((n = epoll_wait(runner_epfd, evs, (int)nitems(evs), 0)) ==
		    -1) {
			if (errno != EINTR)
				log_warn("runner: epoll_wait");
			return;
		}
		for (i = 0; i < n; i++)
			runner_drain(evs[i].data.ptr, 65536);
	} while (n == (int)nitems(evs));
}

/*
 * Send a signal to a running program and everything it started: its
 * cgroup, or (subreaper) its process group, which the living program
 * holds, so the group id cannot have been reused.  A program that left
 * its group (setpgid into another group of exitd's session, exitd's own
 * among them) gets the signal by its pid too: exitd has not reaped it,
 * so the pid is still its own.
 */
static void
runner_signal(struct runner_job *job, int sig)
{
	int	n;

	if (job->cg != NULL) {
		if ((n = contain_cg_signal(job->cg, sig)) < 0)
			log_warnx("program %d: signal %d to its cgroup: %s",
			    job->result.number, sig, strerror(-n));
		return;
	}
	if (kill(-job->pid, sig) == -1 && errno != ESRCH)
		log_warn("program %d: kill %d", job->result.number, sig);
	if (job->state == RUNNER_RUNNING && getpgid(job->pid) != job->pid &&
	    kill(job->pid, sig) == -1 && errno != ESRCH)
		log_warn("program %d: kill %d", job->result.number, sig);
}

/* Whether pid is a running program (a sweep leaves it and its own). */
static int
runner_running(pid_t pid)
{
	return (runner_find(pid) != NULL);
}

/*
 * Subreaper, where the kernel lists no children: send sig to what a scan
 * of /proc finds below exitd, in process group pgid (any if -1).
 */
static void
runner_scan_signal(int sig, pid_t pgid)
{
	struct runner_job	*job;
	struct procstat	*procs;
	pid_t			*mains;
	size_t			 nmains = 0, nprocs, i;
	int			 error;

	mains = xcalloc(runner_nmains + 1, sizeof(*mains));
	TAILQ_FOREACH(job, &runner_jobs, entry) {
		if (job->state == RUNNER_RUNNING && nmains < runner_nmains)
			mains[nmains++] = job->pid;
	}
	error = contain_scan(mains, nmains, &procs, &nprocs);
	free(mains);
	if (error != 0) {
		log_warnx("runner: cannot look for left processes: %s",
		    strerror(-error));
		return;
	}
	for (i = 0; i < nprocs; i++) {
		if (pgid == -1 || procs[i].pgid == pgid)
			contain_proc_signal(&procs[i], sig);
	}
	free(procs);
}

/*
 * Subreaper: send sig to what programs left behind, re-parented to exitd
 * (contain.c): those in process group pgid, or all of them when pgid is
 * -1, each as soon as it is found, round after round until one finds
 * nothing (SIGKILL: nothing alive; another signal: nothing not signalled
 * yet), for at most ms milliseconds (a process that keeps forking while
 * it ignores SIGTERM would keep the rounds going: SIGKILL after the
 * grace ends it).  Zombies reaped on the way make every exited program
 * look again (runner_sweep_ev).  Returns 1 when a round found nothing, 0
 * when time ran out first.
 */
static int
runner_sweep(int sig, pid_t pgid, int ms)
{
	static int		 scan_only;
	struct contain_sweep	 sw;
	struct timespec		 t0;
	int			 n, rounds = 0;

	if (scan_only) {
		runner_scan_signal(sig, pgid);
		return (1);
	}
	memset(&sw, 0, sizeof(sw));
	sw.sig = sig;
	sw.pgid = pgid;
	sw.running = runner_running;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		n = contain_sweep_round(&sw);
		rounds++;
	} while (n > 0 && runner_elapsed_ms(&t0) < (uint64_t)ms);
	contain_sweep_clear(&sw);
	if (n == -ENOTSUP) {
		log_warnx("runner: the kernel lists no children "
		    "(/proc/PID/task/TID/children, CONFIG_PROC_CHILDREN): "
		    "left processes are looked for in all of /proc, which a "
		    "process that keeps forking can outrun");
		scan_only = 1;
		runner_scan_signal(sig, pgid);
		return (1);
	}
	if (n < 0) {
		log_warnx("runner: cannot look for left processes: %s",
		    strerror(-n));
		return (1);
	}
	if (sw.signalled > 0 || sw.reaped > 0)
		log_debug("runner: signal %d to %zu left process%s, %zu "
		    "reaped, in %d round%s", sig, sw.signalled,
		    sw.signalled == 1 ? "" : "es", sw.reaped, rounds,
		    rounds == 1 ? "" : "s");
	if (sw.reaped > 0 && runner_sweep_ev != NULL) {
		runner_reaped = 1;
		event_active(runner_sweep_ev, EV_TIMEOUT, 1);
	}
	return (n == 0);
}

/*
 * Send sig to what a program that has exited left running.  Returns 1
 * when done, 0 when a sweep ran out of time (runner_sweep).
 */
static int
runner_signal_leftovers(struct runner_job *job, int sig)
{
	int	done;

	if (job->cg != NULL) {
		runner_signal(job, sig);
		return (1);
	}
	done = runner_sweep(sig, job->pid, RUNNER_SWEEP_MS);
	if (runner_nmains > 0)
		return (done);
	if (runner_cg != NULL) {
		contain_cg_signal(runner_cg, sig);
		return (done);
	}
	return (runner_sweep(sig, -1, RUNNER_SWEEP_MS) && done);
}

/*
 * Send SIGKILL to what a program left, and if a sweep ran out of time,
 * go on from the event loop (runner_sweep_cb) until it is done.
 */
static void
runner_kill_leftovers(struct runner_job *job)
{
	struct timeval	tv = { 0, RUNNER_SWEEP_EVERY_MS * 1000 };

	job->sweeping = !runner_signal_leftovers(job, SIGKILL);
	if (job->sweeping && !evtimer_pending(runner_sweep_ev, NULL))
		evtimer_add(runner_sweep_ev, &tv);
}

/*
 * Go on with SIGKILL sweeps that ran out of time, and, once a sweep
 * reaped what programs left, look at every exited program again.
 */
static void
runner_sweep_cb(evutil_socket_t fd, short events, void *arg)
{
	struct runner_job	*job;

	TAILQ_FOREACH(job, &runner_jobs, entry) {
		if (job->state == RUNNER_ENDING && job->sweeping)
			runner_kill_leftovers(job);
	}
	if (runner_reaped) {
		runner_reaped = 0;
		runner_recheck();
	}
}

/*
 * Whether anything a program that has exited started is still alive: its
 * cgroup is populated; or (subreaper) its process group still has a
 * member, or, once no program runs any more, exitd still has a child (a
 * process that left its group and its parent; with programs running,
 * such a process cannot be told apart and waits for the last of them).
 */
static int
runner_left(struct runner_job *job)
{
	siginfo_t	si;
	int		n;

	if (job->cg != NULL) {
		if ((n = contain_cg_populated(job->cg)) < 0) {
			log_warnx("program %d: cgroup.events: %s",
			    job->result.number, strerror(-n));
			return (0);
		}
		return (n);
	}
	if (kill(-job->pid, 0) == 0)
		return (1);
	if (runner_nmains > 0)
		return (0);
	if (runner_cg != NULL)
		return (contain_cg_populated(runner_cg) != 0);
	memset(&si, 0, sizeof(si));
	return (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == 0);
}

/*
 * Timer: refusal delivery (no process); for a running program, its
 * timeout (SIGTERM, then arm the grace period) or the end of the grace
 * (SIGKILL); for an exited one, the end of its leftovers' grace (SIGKILL)
 * or of the wait for SIGKILL to take effect.
 */
static void
runner_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct runner_job	*job = arg;
	struct timeval		 tv = { EXITD_GRACE, 0 };

	switch (job->state) {
	case RUNNER_NEW:
		runner_finish(job);
		return;
	case RUNNER_RUNNING:
		if (!job->stopping) {
			log_info("program %d (%s): timed out, sending SIGTERM",
			    job->result.number, job->program);
			job->stopping = 1;
			runner_signal(job, SIGTERM);
			evtimer_add(job->timer, &tv);
			return;
		}
		log_info("program %d (%s): still running %d s after SIGTERM, "
		    "sending SIGKILL", job->result.number, job->program,
		    EXITD_GRACE);
		job->killed = 1;
		runner_signal(job, SIGKILL);
		return;
	case RUNNER_ENDING:
		break;
	}
	/* A change may have gone unnoticed: look before killing. */
	if (!runner_left(job)) {
		runner_finish(job);
		return;
	}
	if (!job->leftovers_killed) {
		log_info("program %d (%s): what it left running is still "
		    "there %d s after SIGTERM, sending SIGKILL",
		    job->result.number, job->program, EXITD_GRACE);
		job->leftovers_killed = 1;
		runner_kill_leftovers(job);
		tv.tv_sec = RUNNER_KILL_WAIT;
		evtimer_add(job->timer, &tv);
		return;
	}
	log_warnx("program %d (%s): what it left running survives SIGKILL; "
	    "reporting the program anyway", job->result.number, job->program);
	runner_finish(job);
}

/*
 * A program that has exited: report it if nothing it started is left,
 * else send SIGTERM to what is left (once) and wait, within the grace,
 * for it to go.  Called again whenever something may have changed.
 */
static void
runner_ending(struct runner_job *job)
{
	struct timeval	tv = { EXITD_GRACE, 0 };

	if (!runner_left(job)) {
		runner_finish(job);
		return;
	}
	if (job->leftovers)
		return;
	job->leftovers = 1;
	log_info("program %d (%s) exited, leaving processes running: "
	    "sending them SIGTERM", job->result.number, job->program);
	if (job->cg != NULL &&
	    contain_cg_watch(job->cg, runner_cg_cb, job) != 0)
		log_warn("program %d: cannot watch its cgroup",
		    job->result.number);
	else if (job->cg == NULL && runner_cg != NULL &&
	    runner_nmains == 0 &&
	    contain_cg_watch(runner_cg, runner_recheck_cb, NULL) != 0)
		log_warn("runner: cannot watch the programs' cgroup");
	/* Subreaper: its group had SIGTERM while it was a zombie. */
	if (job->cg != NULL || runner_nmains == 0)
		runner_signal_leftovers(job, SIGTERM);
	/* A stopped program's grace may run already: it covers these. */
	if (!evtimer_pending(job->timer, NULL))
		evtimer_add(job->timer, &tv);
	/* They may have gone before the watch was in place. */
	if (!runner_left(job))
		runner_finish(job);
}

/* The cgroup of an exited program changed: maybe it is empty now. */
static void
runner_cg_cb(void *arg)
{
	runner_ending(arg);
}

/* The programs' shared cgroup changed: maybe nothing is left in it. */
static void
runner_recheck_cb(void *arg)
{
	runner_recheck();
}

/*
 * Subreaper: a child of exitd went away, so what an exited program left
 * may be gone: look at every such program again.  A report may start
 * or stop other jobs, hence one at a time from the top of the list.
 */
static void
runner_recheck(void)
{
	struct runner_job	*job;
	unsigned int		 pass = ++runner_passes;

	for (;;) {
		TAILQ_FOREACH(job, &runner_jobs, entry) {
			if (job->state == RUNNER_ENDING && job->pass != pass)
				break;
		}
		if (job == NULL)
			return;
		job->pass = pass;
		runner_ending(job);
	}
}

/* Build the result from fd 3 and the stdout keys, then report once. */
static void
runner_finish(struct runner_job *job)
{
	struct runner_result	*r = &job->result;

	TAILQ_REMOVE(&runner_jobs, job, entry);
	evtimer_del(job->timer);
	if (job->cg != NULL && job->state == RUNNER_ENDING &&
	    job->leftovers_killed && contain_cg_populated(job->cg) != 0)
		contain_cg_drop(job->cg);
	else if (job->cg != NULL)
		contain_cg_put(job->cg);
	job->cg = NULL;
	r->duration_ms = runner_elapsed_ms(&job->start);
	job->cb(r, job->arg);
	runner_free(job);
	if (TAILQ_EMPTY(&runner_jobs))
		runner_idle();
}

/* Turn the child's report of a failure before exec into the result. */
static int
runner_exec_error(struct runner_job *job)
{
	int		 stage = job->child_stage, error = job->child_errno;
	const char	*what;

	if (stage == 0)
		return (0);
	if (stage == SPAWN_STAGE_EXEC) {
		job->result.end = RUNNER_REFUSED;
		snprintf(job->result.reason, sizeof(job->result.reason),
		    "cannot execute %s: %s", job->program, strerror(error));
	} else {
		what = stage == SPAWN_STAGE_CRED ? "switch to the run-as user" :
		    stage == SPAWN_STAGE_CGROUP ? "join its cgroup" :
		    "set up the process";
		job->result.end = RUNNER_FAILED;
		snprintf(job->result.reason, sizeof(job->result.reason),
		    "cannot %s for %s: %s", what, job->program,
		    strerror(error));
	}
	job->result.code = 0;
	return (1);
}

/*
 * A program has exited and was reaped: read its answers, drain its
 * output, note how it ended, then see to what it left running.  A
 * grandchild holding the pipes open cannot delay the report beyond that.
 */
static void
runner_exited(struct runner_job *job, int status)
{
	struct runner_result	*r = &job->result;
	struct exitpt_bmgf0100	 b;

	LIST_REMOVE(job, hash);
	runner_nmains--;
	job->state = RUNNER_ENDING;
	/* Its timeout is over; a grace period already running goes on. */
	if (!job->stopping)
		evtimer_del(job->timer);
	/* The answer is what fd 3 holds when the program itself ends. */
	if (job->check && pread(job->infofd, r->info, r->infolen, 0) !=
	    (ssize_t)r->infolen)
		log_warnx("program %d: short read of its exit information",
		    r->number);
	if (job->infofd != -1)
		close(job->infofd);
	job->infofd = -1;
	runner_drain(&job->out, RUNNER_DRAIN_MAX);
	runner_drain(&job->err, RUNNER_DRAIN_MAX);
	/*
	 * stdout wins over fd 3.  Only Check (BMGF0100) has answer fields:
	 * in other formats those offsets hold exitd's own values.
	 */
	if (job->check && (job->have_status || job->have_wait)) {
		memcpy(&b, r->info, sizeof(b));
		if (job->have_status)
			b.status = job->status;
		if (job->have_wait)
			b.wait_time = job->wait_time;
		memcpy(r->info, &b, sizeof(b));
	} else if (job->have_status || job->have_wait)
		log_debug("program %d: EXITPT_STATUS and EXITPT_WAIT_TIME "
		    "are ignored outside Check", r->number);
	if (WIFSIGNALED(status)) {
		r->end = RUNNER_SIGNALED;
		r->code = WTERMSIG(status);
		if (!job->have_reason)
			snprintf(r->reason, sizeof(r->reason), "killed by "
			    "signal %d (%s)", WTERMSIG(status),
			    strsignal(WTERMSIG(status)));
	} else {
		r->end = RUNNER_EXITED;
		r->code = WEXITSTATUS(status);
	}
	if (job->stopping) {
		r->end = RUNNER_TIMEDOUT;
		if (!job->have_reason)
			snprintf(r->reason, sizeof(r->reason), "timed out%s",
			    job->killed ? "; killed after the grace period" :
			    "; ended on SIGTERM");
	}
	runner_exec_error(job);
	runner_ending(job);
}

/* The running job whose program has this pid, or NULL. */
static struct runner_job *
runner_find(pid_t pid)
{
	struct runner_job	*job;

	LIST_FOREACH(job, &runner_hash[(unsigned int)pid % RUNNER_NHASH],
	    hash) {
		if (job->pid == pid)
			return (job);
	}
	return (NULL);
}

/*
 * SIGCHLD: reap each exited child.  As subreaper, a program's process
 * group first gets SIGTERM while its zombie still holds the group id, so
 * the program is found without reaping it (WNOWAIT) and reaped after;
 * with cgroups, what it left is in its cgroup and it is reaped at once.
 * Any other child is a process a program left, re-parented to exitd, or
 * a stray: reaped.
 */
static void
runner_sigchld_cb(evutil_socket_t sig, short events, void *arg)
{
	struct runner_job	*job;
	siginfo_t		 si;
	int			 status, others = 0, pin;

	pin = contain_mode() != CONTAIN_CGROUP_RUN;
	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | (pin ? WNOWAIT :
		    0)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (si.si_pid == 0)
			break;
		job = runner_find(si.si_pid);
		if (job != NULL && job->cg == NULL && kill(-job->pid,
		    SIGTERM) == -1 && errno != ESRCH)
			log_warn("program %d: kill", job->result.number);
		if (!pin)
			status = si.si_code == CLD_EXITED ?
			    W_EXITCODE(si.si_status & 0xff, 0) :
			    W_EXITCODE(0, si.si_status & 0x7f);
		else {
			while (waitpid(si.si_pid, &status, 0) == -1) {
				if (errno != EINTR) {
					log_warn("waitpid %ld",
					    (long)si.si_pid);
					status = 0;
					break;
				}
			}
		}
		if (job != NULL)
			runner_exited(job, status);
		else {
			log_debug("reaped child %ld", (long)si.si_pid);
			others = 1;
		}
	}
	if (others && pin)
		runner_recheck();
}

/* Allocate a job with every descriptor closed. */
static struct runner_job *
runner_job_new(const struct runner_spec *spec, runner_done_cb cb, void *arg)
{
	struct runner_job	*job;

	job = xcalloc(1, sizeof(*job) + event_get_struct_event_size());
	job->timer = (struct event *)(job + 1);
	job->cb = cb;
	job->arg = arg;
	job->program = xstrdup(spec->entry->program);
	job->pid = -1;
	job->infofd = job->out.fd = job->err.fd = -1;
	job->out.job = job->err.job = job;
	job->out.is_stdout = 1;
	job->check = spec->writable && spec->infolen ==
	    sizeof(struct exitpt_bmgf0100) &&
	    strcmp(spec->format, EXITPT_FORMAT_BMGF0100) == 0;
	job->result.number = spec->entry->number;
	job->result.infolen = spec->infolen < sizeof(job->result.info) ?
	    spec->infolen : sizeof(job->result.info);
	memcpy(job->result.info, spec->info, job->result.infolen);
	if (evtimer_assign(job->timer, runner_base, runner_timer_cb, job) == -1)
		fatalx("runner: evtimer_assign");
	clock_gettime(CLOCK_MONOTONIC, &job->start);
	/* The first start of a batch: exitd's signal handlers as now. */
	if (TAILQ_EMPTY(&runner_jobs))
		spawn_burst();
	TAILQ_INSERT_TAIL(&runner_jobs, job, entry);
	return (job);
}

/* Report a job that never started, from the loop, not from the caller. */
static struct runner_job *
runner_not_started(struct runner_job *job, enum runner_end end)
{
	struct timeval	tv = { 0, 0 };

	job->result.end = end;
	if (end == RUNNER_FAILED)
		log_warnx("program %d: %s", job->result.number,
		    job->result.reason);
	else
		log_info("program %d refused: %s", job->result.number,
		    job->result.reason);
	evtimer_add(job->timer, &tv);
	return (job);
}

/*
 * Create the exit information file: a memfd of exactly the format's
 * length, read-write (its size sealed) for the suspend exit point.  A
 * read-only one is sealed against every change and handed out through a
 * read-only descriptor, so the program cannot alter it; as it cannot
 * change, the programs of a batch given the same one share it.  Returns
 * the descriptor for fd 3 (the caller's to close when writable), or -1
 * with errno set.
 */
static int
runner_infofd(const struct runner_spec *spec)
{
	char	path[64];
	int	fd, ro;

	if (!spec->writable && runner_rofd != -1 &&
	    spec->infolen == runner_rolen &&
	    memcmp(spec->info, runner_roinfo, runner_rolen) == 0)
		return (runner_rofd);
	if ((fd = memfd_create("exitpt-info", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) == -1)
		return (-1);
	if (pwrite(fd, spec->info, spec->infolen, 0) !=
	    (ssize_t)spec->infolen) {
		if (errno == 0)
			errno = EIO;
		close(fd);
		return (-1);
	}
	/* Even a writable file keeps the format's length. */
	if (spec->writable) {
		if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
		    F_SEAL_SEAL) == -1) {
			close(fd);
			return (-1);
		}
		return (fd);
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK |
	    F_SEAL_GROW | F_SEAL_SEAL) == -1) {
		close(fd);
		return (-1);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	close(fd);
	if (ro == -1)
		return (-1);
	if (runner_rofd != -1)
		close(runner_rofd);
	runner_rofd = ro;
	runner_rolen = spec->infolen < sizeof(runner_roinfo) ? spec->infolen :
	    sizeof(runner_roinfo);
	memcpy(runner_roinfo, spec->info, runner_rolen);
	return (ro);
}

/*
 * Build the environment SPEC section 4 gives an exit program, and the
 * IPC runtime directory exitd itself was told to use, so that exit
 * programs reach the same objects (libexitpt(3)); in one allocation (a
 * phase builds a thousand of them): the pointers, then the strings.
 */
static char **
runner_env(const struct runner_spec *spec)
{
	const char	 *rt = getenv(EXITPT_RUNTIME_DIR_ENV);
	const char	 *pf = getenv(EXITPT_IPC_PREFIX_ENV);
	char		**env, *p, *end;
	size_t		  size = 8192, n = 0;

	/* Fixed values and program data (EXITPT_DATA_MAX) fit in 8 KiB. */
	if (rt != NULL)
		size += strlen(EXITPT_RUNTIME_DIR_ENV) + strlen(rt) + 2;
	if (pf != NULL)
		size += strlen(EXITPT_IPC_PREFIX_ENV) + strlen(pf) + 2;
	env = xmalloc(size);
	p = (char *)(env + RUNNER_NENV);
	end = (char *)env + size;
#define RUNNER_PUT(...) do {						\
	env[n++] = p;							\
	p += snprintf(p, (size_t)(end - p), __VA_ARGS__) + 1;		\
} while (0)
	RUNNER_PUT("EXITPT_EXIT_POINT=%s",
	    registry_point_name(spec->entry->point));
	RUNNER_PUT("EXITPT_FORMAT=%s", spec->format);
	RUNNER_PUT("EXITPT_PHASE=%c", spec->phase);
	RUNNER_PUT("EXITPT_ACTION=%s",
	    spec->action == EXITPT_ACTION_HIBERNATION ? "hibernation" :
	    "migration");
	if (spec->phase == EXITPT_PHASE_PREPARE) {
		RUNNER_PUT("EXITPT_REQUEST=%s",
		    spec->request == EXITPT_REQUEST_CANCEL ? "cancel" :
		    "prepare");
		RUNNER_PUT("EXITPT_WAIT_TIME=%d", spec->window);
	}
	if (spec->phase == EXITPT_PHASE_COMPLETE)
		RUNNER_PUT("EXITPT_SYSTEM_STATE=%d", spec->system_state);
	RUNNER_PUT("EXITPT_OPERATION_ID=%016" PRIx64, spec->operation_id);
	RUNNER_PUT("EXITPT_PROGRAM_NUMBER=%" PRId32, spec->entry->number);
	/* Program data is at most EXITPT_DATA_MAX bytes: it fits. */
	RUNNER_PUT("EXITPT_PROGRAM_DATA=%s",
	    spec->entry->data != NULL ? spec->entry->data : "");
	RUNNER_PUT("PATH=%s", RUNNER_PATH);
	if (rt != NULL)
		RUNNER_PUT("%s=%s", EXITPT_RUNTIME_DIR_ENV, rt);
	if (pf != NULL)
		RUNNER_PUT("%s=%s", EXITPT_IPC_PREFIX_ENV, pf);
#undef RUNNER_PUT
	env[n] = NULL;
	return (env);
}

/* Add an output pipe to the runner's epoll set. */
static void
runner_watch(struct runner_stream *s)
{
	struct epoll_event	ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = s;
	if (epoll_ctl(runner_epfd, EPOLL_CTL_ADD, s->fd, &ev) == -1)
		fatal("runner: epoll_ctl");
}

/* Set up a non-blocking, close-on-exec output pipe. */
static int
runner_stream_open(struct runner_stream *s, int *childfd)
{
	int	p[2];

	if (pipe2(p, O_CLOEXEC) == -1)
		return (-1);
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) == -1) {
		close(p[0]);
		close(p[1]);
		return (-1);
	}
	s->fd = p[0];
	*childfd = p[1];
	return (0);
}

/*
 * Start one exit program.  Returns a job that reports exactly once through
 * cb, from the event loop: when the program has ended, its output is
 * drained and nothing it started is left running, or (still
 * asynchronously) when it was refused or could not be started.  The job
 * is freed after cb returns.
 */
struct runner_job *
runner_start(const struct runner_spec *spec, runner_done_cb cb, void *arg)
{
	struct runner_job		*job;
	const struct runner_user	*u;
	struct progcheck		 pc;
	struct spawn_req		 req;
	struct timeval			 tv;
	char				*argv[4], **env;
	int				 info, outw = -1, errw = -1, error;
	pid_t				 pid;

	job = runner_job_new(spec, cb, arg);
	if ((u = runner_user(spec->entry->user)) == NULL) {
		snprintf(job->result.reason, sizeof(job->result.reason),
		    "run-as user '%s' no longer exists", spec->entry->user);
		return (runner_not_started(job, RUNNER_REFUSED));
	}
	if (runner_dirs == NULL)
		runner_dirs = progcheck_cache_new();
	if (progcheck_open(job->program, u->uid, runner_dirs, &pc,
	    job->result.reason, sizeof(job->result.reason)) != 0)
		return (runner_not_started(job, RUNNER_REFUSED));

	if ((info = runner_infofd(spec)) == -1) {
		snprintf(job->result.reason, sizeof(job->result.reason),
		    "exit information file: %s", strerror(errno));
		close(pc.fd);
		return (runner_not_started(job, RUNNER_FAILED));
	}
	if (spec->writable)
		job->infofd = info;
	if (runner_stream_open(&job->out, &outw) == -1 ||
	    runner_stream_open(&job->err, &errw) == -1) {
		snprintf(job->result.reason, sizeof(job->result.reason),
		    "pipe: %s", strerror(errno));
		if (outw != -1)
			close(outw);
		close(pc.fd);
		return (runner_not_started(job, RUNNER_FAILED));
	}
	if (contain_mode() == CONTAIN_CGROUP_RUN &&
	    (job->cg = contain_cg_get()) == NULL)
		log_warnx("program %d: no cgroup of its own; contained by "
		    "its process group only", job->result.number);

	argv[0] = job->program;
	argv[1] = (char *)spec->format;
	argv[2] = (char[]){ spec->phase, '\0' };
	argv[3] = NULL;
	env = runner_env(spec);
	memset(&req, 0, sizeof(req));
	req.argv = argv;
	req.env = env;
	req.fd_out = outw;
	req.fd_err = errw;
	req.fd_info = info;
	req.fd_prog = pc.fd;
	req.script = pc.script;
	req.setcred = u->uid != runner_euid || u->gid != runner_egid;
	req.uid = u->uid;
	req.gid = u->gid;
	req.groups = u->groups;
	req.ngroups = u->ngroups;
	/*
	 * Without a cgroup, a restarted exitd finds what is left of the
	 * program by its process group, session and start time.  The
	 * kernel gives the start time during the clone, which returns only
	 * once the child has exec'd (that can take long: a busy machine, a
	 * cold disk), so it lies between the ticks before and after; no
	 * need to read /proc.
	 */
	job->pstart = runner_ticks();
	pid = spawn_start(&req, job->cg != NULL ? job->cg : runner_cg);
	job->pstart_max = runner_ticks();
	error = errno;
	free(env);
	close(outw);
	close(errw);
	close(pc.fd);
	if (!job->check && job->infofd != -1) {
		/* Only Check's answers are read back. */
		close(job->infofd);
		job->infofd = -1;
	}
	if (pid == -1) {
		snprintf(job->result.reason, sizeof(job->result.reason),
		    "cannot start a process: %s", strerror(error));
		return (runner_not_started(job, RUNNER_FAILED));
	}
	/*
	 * The clone returned once the child had exec'd or failed, so its
	 * process group exists before any kill(-pid).
	 */
	job->pid = pid;
	job->child_stage = req.stage;
	job->child_errno = req.error;
	job->state = RUNNER_RUNNING;
	if (job->cg == NULL)
		job->sid = runner_sid;
	LIST_INSERT_HEAD(&runner_hash[(unsigned int)pid % RUNNER_NHASH], job,
	    hash);
	runner_nmains++;
	runner_watch(&job->out);
	runner_watch(&job->err);
	if (spec->timeout > 0) {
		tv.tv_sec = spec->timeout;
		tv.tv_usec = 0;
		evtimer_add(job->timer, &tv);
	}
	log_debug("program %d (%s) started as pid %ld", job->result.number,
	    job->program, (long)pid);
	return (job);
}

/*
 * Stop a running program early (its phase's window elapsed, or the
 * operation was cancelled): SIGTERM to it and what it started, SIGKILL
 * after the grace period.  It is reported as timed out.
 */
void
runner_stop(struct runner_job *job)
{
	struct timeval	tv = { EXITD_GRACE, 0 };

	if (job == NULL || job->state != RUNNER_RUNNING || job->stopping)
		return;
	log_info("program %d (%s): stopped, sending SIGTERM",
	    job->result.number, job->program);
	job->stopping = 1;
	runner_signal(job, SIGTERM);
	evtimer_del(job->timer);
	evtimer_add(job->timer, &tv);
}

/* The pid of a running job, or -1 if it never started. */
pid_t
runner_pid(const struct runner_job *job)
{
	return (job != NULL ? job->pid : -1);
}

/*
 * What a restarted exitd would need to end what is left of a running
 * program (for the journal; the strings live as long as the job).
 * Returns 0, or -1 when the program is not running.
 */
int
runner_proc(const struct runner_job *job, struct runner_proc *rp)
{
	memset(rp, 0, sizeof(*rp));
	if (job == NULL || job->state != RUNNER_RUNNING)
		return (-1);
	rp->pid = job->pid;
	rp->sid = job->sid;
	rp->start = job->cg == NULL ? job->pstart : 0;
	rp->start_max = job->cg == NULL ? job->pstart_max : 0;
	rp->cgroup = job->cg != NULL ? contain_cg_name(job->cg) :
	    runner_cg != NULL ? contain_cg_name(runner_cg) : NULL;
	return (0);
}

/* Whether a process found by contain_group is still the same one. */
static int
runner_alive(const struct procstat *p)
{
	struct procstat	now;

	return (contain_stat(p->pid, &now) == 0 && now.start == p->start);
}

/*
 * After a restart, before any phase runs: end what is left of a program
 * a previous exitd started (rp as runner_proc gave it then).  Its cgroup
 * was ended when exitd started (contain.c).  Without one: if a process
 * holds the program's pid now, its start time must lie between the
 * ticks recorded around the program's clone, or the pid was reused and
 * nothing is touched; with the program alive, or its pid free while
 * members of its process group remain (which keeps the group's id from
 * being reused), the group's members in its session get SIGTERM, then
 * SIGKILL after the grace, each through a pidfd after its start time is
 * checked again.  (Processes that had left the group cannot be told
 * apart any more.)  how receives what was done.
 */
void
runner_end_stale(const struct runner_proc *rp, char *how, size_t len)
{
	struct procstat	*procs, main;
	struct timespec		 ts = { 0, 20 * 1000 * 1000 };
	const char		*h;
	size_t			 n, i, left;
	int			 tries;

	if (rp->cgroup != NULL && contain_mode() != CONTAIN_CGROUP &&
	    contain_mode() != CONTAIN_CGROUP_RUN) {
		snprintf(how, len, "not ended: it ran in cgroup %s, and exitd "
		    "now runs without cgroups", rp->cgroup);
		return;
	}
	if (rp->cgroup != NULL) {
		h = contain_stale_how(rp->cgroup);
		snprintf(how, len, "%s (cgroup %s)", h != NULL ? h :
		    "it had already ended", rp->cgroup);
		return;
	}
	if (rp->pid <= 0 || rp->start == 0) {
		snprintf(how, len, "not known (pid %ld)", (long)rp->pid);
		return;
	}
	if (contain_stat(rp->pid, &main) == 0 && (main.start < rp->start ||
	    main.start > rp->start_max)) {
		snprintf(how, len, "it had already ended (pid %ld now names "
		    "another process)", (long)rp->pid);
		return;
	}
	if (contain_group(rp->pid, rp->sid, rp->start, &procs, &n) != 0 ||
	    n == 0) {
		snprintf(how, len, "it had already ended (pid %ld)",
		    (long)rp->pid);
		free(procs);
		return;
	}
	for (i = 0; i < n; i++)
		contain_proc_signal(&procs[i], SIGTERM);
	snprintf(how, len, "ended by SIGTERM (process group %ld, %zu "
	    "process%s)", (long)rp->pid, n, n == 1 ? "" : "es");
	for (tries = 0; tries <= EXITD_GRACE * 50; tries++) {
		for (i = left = 0; i < n; i++)
			left += runner_alive(&procs[i]);
		if (left == 0 || tries == EXITD_GRACE * 50)
			break;
		nanosleep(&ts, NULL);
	}
	if (left > 0) {
		for (i = 0; i < n; i++)
			contain_proc_signal(&procs[i], SIGKILL);
		snprintf(how, len, "killed (SIGKILL) after the grace period "
		    "(process group %ld, %zu process%s)", (long)rp->pid, n,
		    n == 1 ? "" : "es");
	}
	free(procs);
}

/*
 * Kill every running program and whatever any program left, and forget
 * every job without calling its callback: exitd is going away.
 */
void
runner_shutdown(void)
{
	struct runner_job	*job;
	struct timespec		 ts = { 0, 10 * 1000 * 1000 };
	pid_t			 pid;
	int			 i;

	while ((job = TAILQ_FIRST(&runner_jobs)) != NULL) {
		TAILQ_REMOVE(&runner_jobs, job, entry);
		if (job->state == RUNNER_RUNNING) {
			LIST_REMOVE(job, hash);
			runner_nmains--;
			runner_signal(job, SIGKILL);
			while (waitpid(job->pid, NULL, 0) == -1 &&
			    errno == EINTR)
				;
		}
		/* contain_shutdown() ends and removes its cgroup. */
		runner_free(job);
	}
	if (contain_mode() != CONTAIN_CGROUP_RUN) {
		/* exitd goes away: a second at most, and no event loop. */
		for (i = 0; i < 100 && !runner_sweep(SIGKILL, -1, 10); i++)
			nanosleep(&ts, NULL);
		/* Reap them, waiting a second at most. */
		for (i = 0; i < 100; i++) {
			while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
				;
			if (pid == -1 && errno != EINTR)
				break;
			nanosleep(&ts, NULL);
		}
	}
	contain_shutdown();
	runner_cg = NULL;
	runner_idle();
	if (runner_sigchld != NULL) {
		event_free(runner_sigchld);
		runner_sigchld = NULL;
	}
	if (runner_sweep_ev != NULL)
		event_free(runner_sweep_ev);
	runner_sweep_ev = NULL;
	if (runner_epev != NULL)
		event_free(runner_epev);
	runner_epev = NULL;
	if (runner_epfd != -1)
		close(runner_epfd);
	runner_epfd = -1;
}
