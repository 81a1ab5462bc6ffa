/*
 * Exit program runner: starts one exit program as SPEC section 4 says
 * (argv, fd 3, environment, run-as user, process group), reads its output
 * through libevent, enforces its timeout, reaps it and reports once.
 */
#include <sys/types.h>
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

/* How far the vfork child got when it failed before execve. */
#define RUNNER_STAGE_CRED	1	/* setgroups/setgid/setuid failed */
#define RUNNER_STAGE_EXEC	2	/* execve failed */
#define RUNNER_STAGE_SETUP	3	/* fd or directory setup failed */

struct runner_stream {
	struct runner_job	*job;
	int			 fd;
	int			 is_stdout;
	struct event		*ev;
	char			*line;	/* RUNNER_LINE_MAX, on output */
	size_t			 len;
};

struct runner_job {
	TAILQ_ENTRY(runner_job)	 entry;
	runner_done_cb		 cb;
	void			*arg;
	char			*program;
	pid_t			 pid;
	int			 infofd;	/* memfd: exit information */
	/* Written by the vfork child when it fails before execve. */
	volatile int		 child_stage;
	volatile int		 child_errno;
	struct runner_stream	 out;
	struct runner_stream	 err;
	struct event		*timer;	/* timeout, grace, refusal */
	int			 stopping;	/* SIGTERM sent */
	int			 killed;	/* SIGKILL sent */
	int			 writable;
	int			 check;		/* BMGF0100 */
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

static struct event_base	*runner_base;
static uid_t			 runner_euid;	/* exitd's, fixed */
static gid_t			 runner_egid;
static struct event		*runner_sigchld;
static struct runner_jobs	 runner_jobs =
    TAILQ_HEAD_INITIALIZER(runner_jobs);

static void	runner_sigchld_cb(evutil_socket_t, short, void *);
static void	runner_timer_cb(evutil_socket_t, short, void *);
static void	runner_read_cb(evutil_socket_t, short, void *);
static void	runner_finish(struct runner_job *);
static void	runner_signal(struct runner_job *, int);

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
 * Install the SIGCHLD event on base and raise the open-file limit: a phase
 * starts every program at once and each holds a few descriptors while it
 * runs.
 */
void
runner_init(struct event_base *base)
{
	struct rlimit	rl;

	runner_base = base;
	runner_euid = geteuid();
	runner_egid = getegid();
	runner_sigchld = evsignal_new(base, SIGCHLD, runner_sigchld_cb, NULL);
	if (runner_sigchld == NULL || evsignal_add(runner_sigchld, NULL) == -1)
		fatalx("runner: cannot install the SIGCHLD event");
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("runner: setrlimit RLIMIT_NOFILE");
	}
}

/* Free a job that is no longer on the list. */
static void
runner_free(struct runner_job *job)
{
	if (job->out.ev != NULL)
		event_free(job->out.ev);
	if (job->err.ev != NULL)
		event_free(job->err.ev);
	if (job->out.fd != -1)
		close(job->out.fd);
	if (job->err.fd != -1)
		close(job->err.fd);
	if (job->infofd != -1)
		close(job->infofd);
	if (job->timer != NULL)
		event_free(job->timer);
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
	event_del(s->ev);
	close(s->fd);
	s->fd = -1;
	return (1);
}

/* Output is readable: consume a bounded amount per wake-up. */
static void
runner_read_cb(evutil_socket_t fd, short events, void *arg)
{
	struct runner_stream	*s = arg;

	runner_drain(s, 65536);
}

/* Send a signal to the program's whole process group. */
static void
runner_signal(struct runner_job *job, int sig)
{
	if (job->pid <= 0)
		return;
	if (kill(-job->pid, sig) == -1 && errno != ESRCH)
		log_warn("program %d: kill %d", job->result.number, sig);
}

/*
 * Timer: refusal delivery (no process), timeout (SIGTERM, then arm the
 * grace period) or end of the grace period (SIGKILL).
 */
static void
runner_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct runner_job	*job = arg;
	struct timeval		 tv = { EXITD_GRACE, 0 };

	if (job->pid <= 0) {
		runner_finish(job);
		return;
	}
	if (!job->stopping) {
		log_info("program %d (%s): timed out, sending SIGTERM",
		    job->result.number, job->program);
		job->stopping = 1;
		runner_signal(job, SIGTERM);
		evtimer_add(job->timer, &tv);
		return;
	}
	log_info("program %d (%s): still running after %d s, sending SIGKILL",
	    job->result.number, job->program, EXITD_GRACE);
	job->killed = 1;
	runner_signal(job, SIGKILL);
}

/* Stop a program now: SIGTERM to its group, SIGKILL after the grace. */
void
runner_stop(struct runner_job *job)
{
	if (job == NULL || job->pid <= 0 || job->stopping)
		return;
	evtimer_del(job->timer);
	runner_timer_cb(-1, 0, job);
}

/* Process id of a running program, or -1 if it was never started. */
pid_t
runner_pid(const struct runner_job *job)
{
	return (job->pid > 0 ? job->pid : -1);
}

/* Build the result from fd 3 and the stdout keys, then report once. */
static void
runner_finish(struct runner_job *job)
{
	struct runner_result	*r = &job->result;
	struct exitpt_bmgf0100	 b;
	ssize_t			 n;

	TAILQ_REMOVE(&runner_jobs, job, entry);
	evtimer_del(job->timer);
	if (job->pid > 0 && job->infofd != -1 && job->writable) {
		n = pread(job->infofd, r->info, r->infolen, 0);
		if (n != (ssize_t)r->infolen)
			log_warnx("program %d: short read of its exit "
			    "information", r->number);
	}
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
	r->duration_ms = runner_elapsed_ms(&job->start);
	job->cb(r, job->arg);
	runner_free(job);
	/*
	 * A phase may have run a thousand programs at once; give their
	 * buffers back to the system when the last one is done, so that an
	 * idle exitd stays small.
	 */
	if (TAILQ_EMPTY(&runner_jobs))
		malloc_trim(0);
}

/* Turn the child's report of a failure before execve into the result. */
static int
runner_exec_error(struct runner_job *job)
{
	int	stage = job->child_stage, error = job->child_errno;

	if (stage == 0)
		return (0);
	if (stage == RUNNER_STAGE_EXEC) {
		job->result.end = RUNNER_REFUSED;
		snprintf(job->result.reason, sizeof(job->result.reason),
		    "cannot execute %s: %s", job->program, strerror(error));
	} else {
		job->result.end = RUNNER_FAILED;
		snprintf(job->result.reason, sizeof(job->result.reason),
		    "cannot %s for %s: %s", stage == RUNNER_STAGE_CRED ?
		    "switch to the run-as user" : "set up the process",
		    job->program, strerror(error));
	}
	job->result.code = 0;
	return (1);
}

/*
 * A program has exited (still a zombie): kill what is left of its process
 * group while the group id cannot be reused, reap it, drain its output and
 * report.  A grandchild holding the pipe open cannot delay the report.
 */
static void
runner_exited(struct runner_job *job)
{
	int	status;

	runner_signal(job, SIGKILL);
	while (waitpid(job->pid, &status, 0) == -1) {
		if (errno != EINTR) {
			log_warn("waitpid %ld", (long)job->pid);
			status = 0;
			break;
		}
	}
	runner_drain(&job->out, RUNNER_DRAIN_MAX);
	runner_drain(&job->err, RUNNER_DRAIN_MAX);
	if (WIFSIGNALED(status)) {
		job->result.end = RUNNER_SIGNALED;
		job->result.code = WTERMSIG(status);
		if (!job->have_reason)
			snprintf(job->result.reason,
			    sizeof(job->result.reason), "killed by signal %d "
			    "(%s)", WTERMSIG(status),
			    strsignal(WTERMSIG(status)));
	} else {
		job->result.end = RUNNER_EXITED;
		job->result.code = WEXITSTATUS(status);
	}
	if (job->stopping) {
		job->result.end = RUNNER_TIMEDOUT;
		if (!job->have_reason)
			snprintf(job->result.reason,
			    sizeof(job->result.reason), "timed out%s",
			    job->killed ? "; killed after the grace period" :
			    "; ended on SIGTERM");
	}
	runner_exec_error(job);
	runner_finish(job);
}

/*
 * SIGCHLD: find each exited child without reaping it (WNOWAIT), so that
 * its process group is killed while the zombie still holds the group id.
 * exitd has no children other than exit programs; any other is reaped.
 */
static void
runner_sigchld_cb(evutil_socket_t sig, short events, void *arg)
{
	struct runner_job	*job;
	siginfo_t		 si;

	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (si.si_pid == 0)
			break;
		TAILQ_FOREACH(job, &runner_jobs, entry) {
			if (job->pid == si.si_pid)
				break;
		}
		if (job != NULL) {
			runner_exited(job);
			continue;
		}
		log_debug("reaped unknown child %ld", (long)si.si_pid);
		while (waitpid(si.si_pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
}

/* Allocate a job with every descriptor closed. */
static struct runner_job *
runner_job_new(const struct runner_spec *spec, runner_done_cb cb, void *arg)
{
	struct runner_job	*job;

	job = xcalloc(1, sizeof(*job));
	job->cb = cb;
	job->arg = arg;
	job->program = xstrdup(spec->entry->program);
	job->pid = -1;
	job->infofd = job->out.fd = job->err.fd = -1;
	job->out.job = job->err.job = job;
	job->out.is_stdout = 1;
	job->writable = spec->writable;
	job->check = spec->writable && spec->infolen ==
	    sizeof(struct exitpt_bmgf0100) &&
	    strcmp(spec->format, EXITPT_FORMAT_BMGF0100) == 0;
	job->result.number = spec->entry->number;
	job->result.infolen = spec->infolen < sizeof(job->result.info) ?
	    spec->infolen : sizeof(job->result.info);
	memcpy(job->result.info, spec->info, job->result.infolen);
	job->timer = evtimer_new(runner_base, runner_timer_cb, job);
	if (job->timer == NULL)
		fatalx("runner: evtimer_new");
	clock_gettime(CLOCK_MONOTONIC, &job->start);
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
 * length.  A read-only one is sealed against every change and handed out
 * through a read-only descriptor, so the program cannot alter it.
 * Returns the descriptor for fd 3, or -1 with errno set.
 */
static int
runner_infofd(const struct runner_spec *spec, int *keep)
{
	char	path[64];
	int	fd, ro;

	*keep = -1;
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
		*keep = fd;
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
	*keep = ro;
	return (ro);
}

/*
 * Build the environment SPEC section 4 gives an exit program, and the
 * IPC runtime directory exitd itself was told to use, so that exit
 * programs reach the same objects (libexitpt(3)).
 */
static char **
runner_env(const struct runner_spec *spec)
{
	const char	 *v;
	char		**env;
	size_t		  n = 0;

	env = xcalloc(RUNNER_NENV, sizeof(*env));
	xasprintf(&env[n++], "EXITPT_EXIT_POINT=%s",
	    registry_point_name(spec->entry->point));
	xasprintf(&env[n++], "EXITPT_FORMAT=%s", spec->format);
	xasprintf(&env[n++], "EXITPT_PHASE=%c", spec->phase);
	xasprintf(&env[n++], "EXITPT_ACTION=%s",
	    spec->action == EXITPT_ACTION_HIBERNATION ? "hibernation" :
	    "migration");
	if (spec->phase == EXITPT_PHASE_PREPARE) {
		xasprintf(&env[n++], "EXITPT_REQUEST=%s",
		    spec->request == EXITPT_REQUEST_CANCEL ? "cancel" :
		    "prepare");
		xasprintf(&env[n++], "EXITPT_WAIT_TIME=%d", spec->window);
	}
	if (spec->phase == EXITPT_PHASE_COMPLETE)
		xasprintf(&env[n++], "EXITPT_SYSTEM_STATE=%d",
		    spec->system_state);
	xasprintf(&env[n++], "EXITPT_OPERATION_ID=%016" PRIx64,
	    spec->operation_id);
	xasprintf(&env[n++], "EXITPT_PROGRAM_NUMBER=%" PRId32,
	    spec->entry->number);
	xasprintf(&env[n++], "EXITPT_PROGRAM_DATA=%s",
	    spec->entry->data != NULL ? spec->entry->data : "");
	xasprintf(&env[n++], "PATH=%s", RUNNER_PATH);
	if ((v = getenv(EXITPT_RUNTIME_DIR_ENV)) != NULL)
		xasprintf(&env[n++], "%s=%s", EXITPT_RUNTIME_DIR_ENV, v);
	if ((v = getenv(EXITPT_IPC_PREFIX_ENV)) != NULL)
		xasprintf(&env[n++], "%s=%s", EXITPT_IPC_PREFIX_ENV, v);
	env[n] = NULL;
	return (env);
}

/* Free an environment built by runner_env. */
static void
runner_env_free(char **env)
{
	size_t	i;

	for (i = 0; env[i] != NULL; i++)
		free(env[i]);
	free(env);
}

/*
 * Report a failure before execve and exit (vfork child only): the parent
 * shares this memory and reads the report once the child is gone, as
 * glibc's posix_spawn does.
 */
static void __attribute__((noreturn))
runner_child_fail(struct runner_job *job, int stage)
{
	job->child_errno = errno;
	job->child_stage = stage;
	_exit(127);
}

/*
 * In the vfork child, which shares exitd's memory: only system calls on
 * data prepared by the parent from here to execve.  Reset the signals,
 * set up fds 0-3, the process group, the credentials and cwd, then exec.
 */
static void __attribute__((noreturn))
runner_child(struct runner_job *job, char **argv, char **env, int infofd,
    int outfd, int errfd, int setcred, uid_t uid, gid_t gid,
    const gid_t *groups, int ngroups)
{
	struct sigaction	sa;
	sigset_t		set;
	int			fd, sig;

	setpgid(0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);

	/* Move every fd above 3 first so the dup2s cannot clobber them. */
	if ((outfd = fcntl(outfd, F_DUPFD, 10)) == -1 ||
	    (errfd = fcntl(errfd, F_DUPFD, 10)) == -1 ||
	    (infofd = fcntl(infofd, F_DUPFD, 10)) == -1 ||
	    (fd = open("/dev/null", O_RDONLY)) == -1)
		runner_child_fail(job, RUNNER_STAGE_SETUP);
	if (dup2(fd, 0) == -1 || dup2(outfd, 1) == -1 || dup2(errfd, 2) == -1 ||
	    dup2(infofd, 3) == -1)
		runner_child_fail(job, RUNNER_STAGE_SETUP);
	if (close_range(4, ~0U, 0) == -1)
		runner_child_fail(job, RUNNER_STAGE_SETUP);
	if (setcred) {
		if (setgroups((size_t)ngroups, groups) == -1 ||
		    setgid(gid) == -1 || setuid(uid) == -1)
			runner_child_fail(job, RUNNER_STAGE_CRED);
	}
	if (chdir("/") == -1)
		runner_child_fail(job, RUNNER_STAGE_SETUP);
	execve(job->program, argv, env);
	runner_child_fail(job, RUNNER_STAGE_EXEC);
}

/*
 * Start the child with vfork, not fork: a phase starts every program at
 * once, and fork would copy exitd's page tables and then copy-on-write its
 * pages for each one (twice the cost of posix_spawn at 200 programs).  The
 * child only makes system calls on prepared data until execve.  Signals
 * stay blocked until it has reset every handler, so none of exitd's
 * handlers runs in it.  Returns the pid, or -1 with errno set.
 */
static pid_t
runner_vfork(struct runner_job *job, char **argv, char **env, int infofd,
    int outfd, int errfd, int setcred, uid_t uid, gid_t gid,
    const gid_t *groups, int ngroups)
{
	sigset_t	all, old;
	pid_t		pid;
	int		error;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = vfork();
	if (pid == 0)
		runner_child(job, argv, env, infofd, outfd, errfd, setcred,
		    uid, gid, groups, ngroups);
	error = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = error;
	return (pid);
}

/* Set up a non-blocking, close-on-exec output pipe and its read event. */
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
	s->ev = event_new(runner_base, s->fd, EV_READ | EV_PERSIST,
	    runner_read_cb, s);
	if (s->ev == NULL)
		fatalx("runner: event_new");
	return (0);
}

/*
 * Start one exit program.  Returns a job that reports exactly once through
 * cb, from the event loop: when the program has ended and its output is
 * drained, or (still asynchronously) when it was refused or could not be
 * started.  The job is freed after cb returns.
 */
struct runner_job *
runner_start(const struct runner_spec *spec, runner_done_cb cb, void *arg)
{
	struct runner_job	*job;
	struct passwd		*pw;
	struct timeval		 tv;
	char			*argv[4], **env;
	gid_t			 groups[NGROUPS_MAX];
	int			 ngroups = NGROUPS_MAX, setcred, error;
	int			 info = -1, outw = -1, errw = -1;
	uid_t			 uid;
	gid_t			 gid;
	pid_t			 pid;

	job = runner_job_new(spec, cb, arg);
	errno = 0;
	if ((pw = getpwnam(spec->entry->user)) == NULL) {
		snprintf(job->result.reason, sizeof(job->result.reason),
		    "run-as user '%s' no longer exists", spec->entry->user);
		return (runner_not_started(job, RUNNER_REFUSED));
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	setcred = runner_euid != uid || runner_egid != gid;
	if (setcred && getgrouplist(pw->pw_name, gid, groups, &ngroups) == -1) {
		snprintf(job->result.reason, sizeof(job->result.reason),
		    "run-as user '%s' is in too many groups",
		    spec->entry->user);
		return (runner_not_started(job, RUNNER_REFUSED));
	}
	if ((error = progcheck_path(job->program, uid, job->result.reason,
	    sizeof(job->result.reason))) != 0)
		return (runner_not_started(job, RUNNER_REFUSED));

	if ((info = runner_infofd(spec, &job->infofd)) == -1) {
		snprintf(job->result.reason, sizeof(job->result.reason),
		    "exit information file: %s", strerror(errno));
		return (runner_not_started(job, RUNNER_FAILED));
	}
	if (runner_stream_open(&job->out, &outw) == -1 ||
	    runner_stream_open(&job->err, &errw) == -1) {
		snprintf(job->result.reason, sizeof(job->result.reason),
		    "pipe: %s", strerror(errno));
		if (outw != -1)
			close(outw);
		if (errw != -1)
			close(errw);
		return (runner_not_started(job, RUNNER_FAILED));
	}

	argv[0] = job->program;
	argv[1] = (char *)spec->format;
	argv[2] = (char[]){ spec->phase, '\0' };
	argv[3] = NULL;
	env = runner_env(spec);
	pid = runner_vfork(job, argv, env, info, outw, errw, setcred, uid,
	    gid, groups, ngroups);
	error = errno;
	runner_env_free(env);
	close(outw);
	close(errw);
	if (pid == -1) {
		snprintf(job->result.reason, sizeof(job->result.reason),
		    "fork: %s", strerror(error));
		return (runner_not_started(job, RUNNER_FAILED));
	}
	/*
	 * vfork returned, so the child has called setpgid (or has already
	 * failed): its group exists before any kill(-pid).
	 */
	job->pid = pid;
	if (!spec->writable) {
		close(job->infofd);
		job->infofd = -1;
	}
	event_add(job->out.ev, NULL);
	event_add(job->err.ev, NULL);
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
 * Kill every running program's process group and forget every job
 * without calling its callback: exitd is going away.
 */
void
runner_shutdown(void)
{
	struct runner_job	*job;

	while ((job = TAILQ_FIRST(&runner_jobs)) != NULL) {
		TAILQ_REMOVE(&runner_jobs, job, entry);
		if (job->pid > 0) {
			runner_signal(job, SIGKILL);
			while (waitpid(job->pid, NULL, 0) == -1 &&
			    errno == EINTR)
				;
		}
		runner_free(job);
	}
	if (runner_sigchld != NULL) {
		event_free(runner_sigchld);
		runner_sigchld = NULL;
	}
}
