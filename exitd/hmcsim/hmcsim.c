/*
 * hmcsim: a simulated HMC.  It drives a running exitd through libexitpt's
 * client API the way an HMC drives a partition through a migration or a
 * hibernation (validate, check, prepare, suspend, complete, or cancel),
 * injects faults (exitd killed mid-phase and restarted, a driver that
 * disappears), prints a timestamped timeline and exits with the outcome.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"

#define HMC_RESTART_WAIT_MS	10000	/* new exitd to listen */
#define HMC_DEATH_WAIT_MS	5000	/* for a killed exitd to go away */
#define HMC_POLL_MS		20

enum hmc_cmd {
	HMC_VALIDATE,
	HMC_MIGRATE,
	HMC_HIBERNATE,
};

struct hmc {
	enum hmc_cmd	 cmd;
	int		 action;
	const char	*socket;	/* NULL: $EXITPT_SOCKET or default */
	int		 cancel_after;	/* EXITPT_OP_* or 0 */
	int		 disappear_after; /* EXITPT_OP_CHECK/_PREPARE or 0 */
	int		 suspend_seconds;
	int		 system_state;
	int		 kill_during;	/* EXITPT_OP_* or 0 */
	int		 force;		/* --force: the HMC's force option */
	const char	*exitd_command;
	struct timespec	 t0;		/* monotonic start */
	struct timespec	 wall0;		/* wall clock at start */
};

static int	hmc_usage(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
static double	hmc_elapsed(const struct hmc *);
static void	hmc_stamp(FILE *, const struct hmc *, const char *);
static void	hmc_prefix_cb(FILE *, int, void *);
static void	hmc_line(const struct hmc *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static pid_t	hmc_exitd_pid(const char *);
static void	hmc_nap(void);
static void	hmc_injector(struct hmc *, const char *, int)
		    __attribute__((noreturn));
static pid_t	hmc_injector_start(struct hmc *, int);
static int	hmc_injector_wait(const struct hmc *, pid_t);
static void	hmc_phase_cb(const struct driver_request *,
		    const struct exitpt_report *, void *);
static void	hmc_report_cb(const struct exitpt_report *,
		    const struct exitpt_report *, void *);
static int	hmc_drive_cb(struct exitpt_client **,
		    const struct driver_request *, struct exitpt_report **,
		    void *);
static void	hmc_fail(int);
static int	hmc_suspend_cb(void *);
static int	hmc_run(struct hmc *);
static int	hmc_seconds(const char *, const char *, int *);

/* Print usage to stderr and return the usage exit status. */
static int
hmc_usage(const char *fmt, ...)
{
	va_list	ap;

	if (fmt != NULL) {
		fprintf(stderr, "hmcsim: ");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fprintf(stderr, "\n");
	}
	fprintf(stderr, "usage: hmcsim [--socket PATH] validate "
	    "[--action migration|hibernation] [--force]\n"
	    "       hmcsim [--socket PATH] migrate "
	    "[--cancel-after check|prepare] [--force]\n"
	    "              [--suspend-seconds N] [--restricted] "
	    "[fault options]\n"
	    "       hmcsim [--socket PATH] hibernate [--resume-after N] "
	    "[--force]\n"
	    "              [--cancel-after check|prepare] [--restricted] "
	    "[fault options]\n"
	    "fault options: --kill-exitd-during check|prepare|complete "
	    "--exitd-command CMD\n"
	    "               --disappear-after check|prepare\n");
	return (DRIVER_EXIT_USAGE);
}

/* Seconds since hmcsim started, for the timeline. */
static double
hmc_elapsed(const struct hmc *h)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ((double)(now.tv_sec - h->t0.tv_sec) +
	    (double)(now.tv_nsec - h->t0.tv_nsec) / 1e9);
}

/* Print a timeline line's start: wall clock, offset and phase column. */
static void
hmc_stamp(FILE *fp, const struct hmc *h, const char *what)
{
	struct tm	 tm;
	time_t		 sec;
	double		 at = hmc_elapsed(h);
	long		 ms;
	char		 clock[16];

	ms = h->wall0.tv_nsec / 1000000 + (long)(at * 1000.0);
	sec = h->wall0.tv_sec + ms / 1000;
	localtime_r(&sec, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	fprintf(fp, "%s.%03ld [+%7.3fs] %-9s ", clock, ms % 1000, at, what);
}

/* The driver helper's line prefix: a timeline stamp in the phase column. */
static void
hmc_prefix_cb(FILE *fp, int phase, void *arg)
{
	hmc_stamp(fp, arg, exitpt_phase_name(phase));
}

/* Print one timeline line: stamp, section column, text. */
static void
hmc_line(const struct hmc *h, const char *what, const char *fmt, ...)
{
	va_list		 ap;

	hmc_stamp(stdout, h, what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* The pid of the process listening on the control socket, or -1. */
static pid_t
hmc_exitd_pid(const char *path)
{
	struct sockaddr_un	 sun;
	struct ucred		 cred;
	socklen_t		 len = sizeof(cred);
	int			 fd;
	pid_t			 pid = -1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return (-1);
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 &&
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		pid = cred.pid;
	close(fd);
	return (pid);
}

/* Sleep for a few milliseconds between two looks at exitd. */
static void
hmc_nap(void)
{
	struct timespec	ts = { 0, HMC_POLL_MS * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Fault injector, in a child process with its own connection: wait until
 * the phase is running, SIGKILL exitd, wait until its socket is dead, run
 * the restart command and wait until the new exitd listens.  A restarted
 * exitd is not polled for: it is a separate program, and the only sign of
 * it being ready that hmcsim can see without cooperation is its socket.
 * Exits 0 when the fault was injected, 1 when the phase ended first, 2 on
 * failure.
 */
static void
hmc_injector(struct hmc *h, const char *path, int ready)
{
	struct exitpt_client	*c;
	struct exitpt_report	*r = NULL;
	uint64_t		 gen;
	pid_t			 pid, child;
	int			 waited, phase, outcome, fd;

	if (exitpt_client_open(&c, h->socket) != 0 ||
	    exitpt_client_status(c, &r) != 0)
		_exit(2);
	gen = exitpt_report_generation(r);
	exitpt_report_free(r);
	(void)!write(ready, "r", 1);
	close(ready);
	for (;;) {
		r = NULL;
		if (exitpt_client_wait(c, gen, -1, &r) != 0)
			_exit(2);
		gen = exitpt_report_generation(r);
		phase = exitpt_report_phase(r);
		outcome = exitpt_report_outcome(r);
		exitpt_report_free(r);
		if (phase == h->kill_during &&
		    outcome == EXITPT_OUTCOME_RUNNING)
			break;
		if (phase >= h->kill_during && phase != EXITPT_OP_CANCEL)
			_exit(1);
	}
	exitpt_client_close(c);

	if ((pid = hmc_exitd_pid(path)) == -1 || kill(pid, SIGKILL) == -1)
		_exit(2);
	for (waited = 0; hmc_exitd_pid(path) != -1; waited += HMC_POLL_MS) {
		if (waited >= HMC_DEATH_WAIT_MS)
			_exit(2);
		hmc_nap();
	}
	printf("hmcsim: fault: exitd (pid %ld) killed with SIGKILL during "
	    "%s; restarting it\n", (long)pid,
	    exitpt_phase_name(h->kill_during));
	fflush(stdout);
	if ((child = fork()) == -1)
		_exit(2);
	if (child == 0) {
		/*
		 * A restarted exitd must not hold hmcsim's output open: a
		 * caller reading it to the end would wait for exitd to exit.
		 */
		setsid();
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
		execl("/bin/sh", "sh", "-c", h->exitd_command, (char *)NULL);
		_exit(127);
	}
	for (waited = 0; hmc_exitd_pid(path) == -1; waited += HMC_POLL_MS) {
		if (waited >= HMC_RESTART_WAIT_MS)
			_exit(2);
		hmc_nap();
	}
	_exit(0);
}

/*
 * Start the fault injector if the next phase is the one to fault; returns
 * its pid, 0 if there is none, or -1.
 */
static pid_t
hmc_injector_start(struct hmc *h, int phase)
{
	const char	*path;
	pid_t		 pid;
	int		 p[2];
	char		 c;

	if (h->kill_during != phase)
		return (0);
	path = driver_socket(h->socket);
	if (pipe(p) == -1)
		return (-1);
	fflush(stdout);
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return (-1);
	}
	if (pid == 0) {
		close(p[0]);
		hmc_injector(h, path, p[1]);
	}
	close(p[1]);
	/* The injector's baseline must predate the phase. */
	if (read(p[0], &c, 1) != 1) {
		close(p[0]);
		waitpid(pid, NULL, 0);
		return (-1);
	}
	close(p[0]);
	return (pid);
}

/* Wait for the injector; 0 when it killed and restarted exitd. */
static int
hmc_injector_wait(const struct hmc *h, pid_t pid)
{
	int	status;

	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			return (-1);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return (0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 1) {
		hmc_line(h, "fault", "%s ended before exitd could be "
		    "killed; no fault injected",
		    exitpt_phase_name(h->kill_during));
		return (1);
	}
	fprintf(stderr, "hmcsim: fault injection failed (exitd not killed, "
	    "or not back within %d s after '%s')\n",
	    HMC_RESTART_WAIT_MS / 1000, h->exitd_command);
	return (-1);
}

/* The driver helper is about to send a request: say so on the timeline. */
static void
hmc_phase_cb(const struct driver_request *req,
    const struct exitpt_report *last, void *arg)
{
	const struct hmc	*h = arg;
	const char		*what = exitpt_phase_name(req->phase);

	if (req->phase == EXITPT_OP_PREPARE && last != NULL)
		hmc_line(h, what, "started (operation " DRIVER_OP_FMT ", "
		    "window %d s)", req->operation, exitpt_report_window(last));
	else if (req->phase == EXITPT_OP_COMPLETE)
		hmc_line(h, what, "started (system state %s)",
		    req->system_state == EXITPT_SYSTEM_RESTRICTED ?
		    "restricted" : "normal");
	else
		hmc_line(h, what, "started");
}

/* A phase ended: its report on the timeline, and a veto's Cancel. */
static void
hmc_report_cb(const struct exitpt_report *r,
    const struct exitpt_report *cancel, void *arg)
{
	driver_report_print(stdout, r, hmc_prefix_cb, arg);
	if (cancel != NULL)
		driver_report_print(stdout, cancel, hmc_prefix_cb, arg);
}

/*
 * Drive one phase for the driver helper.  When exitd is killed during the
 * phase (by the fault injector), reconnect to the restarted exitd and do
 * what an HMC does after losing its partition mid-operation: cancel an
 * operation lost in Check or Prepare, repeat Complete for one lost in
 * Complete; the report is then that phase's.
 */
static int
hmc_drive_cb(struct exitpt_client **cp, const struct driver_request *req,
    struct exitpt_report **rp, void *arg)
{
	struct hmc		*h = arg;
	struct driver_request	 again;
	struct exitpt_report	*st = NULL;
	pid_t			 inj;
	int			 error, faulted;

	if ((inj = hmc_injector_start(h, req->phase)) == -1) {
		error = errno;
		fprintf(stderr, "hmcsim: cannot start the fault injector: "
		    "%s\n", strerror(error));
		return (-error);
	}
	error = driver_drive(*cp, req, rp);
	/* Why exitd refused, or what went wrong with its journal. */
	if (*rp != NULL && *exitpt_report_detail(*rp) != '\0')
		hmc_line(h, "exitd", "%s", exitpt_report_detail(*rp));
	faulted = inj > 0 ? hmc_injector_wait(h, inj) : 1;
	if (faulted == -1)
		return (error != 0 ? error : -EIO);
	if (faulted == 1 || error == EXITPT_E_BUSY || error == EXITPT_E_AUTH ||
	    error == EXITPT_E_PHASE || error == EXITPT_E_NO_OPERATION)
		return (error);

	/* exitd was killed during the phase and is back. */
	exitpt_report_free(*rp);
	*rp = NULL;
	hmc_line(h, "fault", "exitd killed during %s (request ended: %s); "
	    "restarted", exitpt_phase_name(req->phase),
	    error != 0 ? exitpt_strerror(error) : "answered first");
	exitpt_client_close(*cp);
	*cp = NULL;
	if ((error = driver_open(h->socket, cp)) != 0)
		return (error);
	if ((error = exitpt_client_status(*cp, &st)) != 0)
		return (error);
	hmc_line(h, "recovered", "operation " DRIVER_OP_FMT " in %s, %s",
	    exitpt_report_operation(st),
	    exitpt_phase_name(exitpt_report_phase(st)),
	    exitpt_outcome_name(exitpt_report_outcome(st)));
	again = *req;
	if (again.operation == 0)
		again.operation = exitpt_report_operation(st);
	exitpt_report_free(st);
	h->kill_during = 0;
	again.phase = req->phase == EXITPT_OP_COMPLETE ? EXITPT_OP_COMPLETE :
	    EXITPT_OP_CANCEL;
	hmc_phase_cb(&again, NULL, h);
	return (hmc_drive_cb(cp, &again, rp, h));
}

/* Say why the sequence failed; the status comes from the driver helper. */
static void
hmc_fail(int error)
{
	if (error == -ENOENT || error == -ECONNREFUSED)
		fprintf(stderr, "hmcsim: exitd is not running (%s)\n",
		    exitpt_strerror(error));
	else if (error == EXITPT_E_AUTH)
		fprintf(stderr, "hmcsim: %s: driving phases needs root or "
		    "exitd's admin group\n", exitpt_strerror(error));
	else
		fprintf(stderr, "hmcsim: %s\n", exitpt_strerror(error));
}

/* Sleep while the partition is suspended (or hibernated). */
static int
hmc_suspend_cb(void *arg)
{
	const struct hmc	*h = arg;
	struct timespec		 ts;

	hmc_line(h, "suspend", "partition %s for %d s",
	    h->action == EXITPT_ACTION_HIBERNATION ? "hibernated" :
	    "suspended and moved", h->suspend_seconds);
	ts.tv_sec = h->suspend_seconds;
	ts.tv_nsec = 0;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	hmc_line(h, "resume", "partition %s in %s state",
	    h->action == EXITPT_ACTION_HIBERNATION ? "resumed" :
	    "resumed on the destination",
	    h->system_state == EXITPT_SYSTEM_RESTRICTED ? "restricted" :
	    "normal");
	return (0);
}

/*
 * Run the whole sequence through the driver helper, print how it ended
 * and return the exit status.
 */
static int
hmc_run(struct hmc *h)
{
	struct driver_run	 run;
	struct driver_result	 res;
	struct exitpt_client	*c = NULL;
	struct exitpt_report	*r;
	int			 error, rc;

	if ((error = driver_open(h->socket, &c)) != 0) {
		hmc_fail(error);
		return (driver_exit_error(error));
	}
	printf("hmcsim: %s (%s)\n", h->cmd == HMC_VALIDATE ? "validate" :
	    h->cmd == HMC_MIGRATE ? "migrate" : "hibernate",
	    driver_action_name(h->action));
	memset(&run, 0, sizeof(run));
	run.socket = h->socket;
	run.action = h->action;
	run.validate_only = h->cmd == HMC_VALIDATE;
	run.force = h->force;
	run.system_state = h->system_state;
	run.cancel_after = h->cancel_after;
	run.stop_after = h->disappear_after;
	run.drive_cb = hmc_drive_cb;
	run.phase_cb = hmc_phase_cb;
	run.report_cb = hmc_report_cb;
	run.suspend_cb = hmc_suspend_cb;
	run.arg = h;
	driver_run(&c, &run, &res);
	r = res.report;
	if (res.error == EXITPT_E_BUSY && r != NULL)
		hmc_line(h, "busy", "operation " DRIVER_OP_FMT " is in %s (%s); "
		    "try again later", exitpt_report_operation(r),
		    exitpt_phase_name(exitpt_report_phase(r)),
		    exitpt_outcome_name(exitpt_report_outcome(r)));
	else if (res.error == EXITPT_E_BUSY)
		hmc_line(h, "busy", "another operation is running");
	else if (res.error != 0)
		hmc_fail(res.error);
	if (res.left_open)
		hmc_line(h, "driver", "disappears without cancelling; "
		    "operation " DRIVER_OP_FMT " left to exitd's recovery",
		    res.operation);
	else if ((res.error == 0 || res.cancelled_on_failure) && r != NULL)
		hmc_line(h, "outcome", "%s (exit %d)",
		    exitpt_outcome_name(exitpt_report_outcome(r)), res.status);
	rc = res.status;
	driver_result_clear(&res);
	exitpt_client_close(c);
	return (rc);
}

/* Parse a non-negative number of seconds for an option. */
static int
hmc_seconds(const char *opt, const char *s, int *v)
{
	long long	n;

	if (text_parse_int(s, 0, 86400, &n) != 0)
		return (hmc_usage("%s: '%s' is not a number of seconds "
		    "(0..86400)", opt, s));
	*v = (int)n;
	return (0);
}

int
main(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "action", required_argument, NULL, 'a' },
		{ "cancel-after", required_argument, NULL, 'c' },
		{ "suspend-seconds", required_argument, NULL, 's' },
		{ "resume-after", required_argument, NULL, 'R' },
		{ "restricted", no_argument, NULL, 'r' },
		{ "kill-exitd-during", required_argument, NULL, 'k' },
		{ "exitd-command", required_argument, NULL, 'e' },
		{ "disappear-after", required_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct hmc	 h;
	const char	*cmd;
	int		 ch, rc;

	memset(&h, 0, sizeof(h));
	h.action = EXITPT_ACTION_MIGRATION;
	h.system_state = EXITPT_SYSTEM_NORMAL;
	clock_gettime(CLOCK_MONOTONIC, &h.t0);
	clock_gettime(CLOCK_REALTIME, &h.wall0);
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Options may come before or after the command. */
	cmd = NULL;
	while (optind < argc) {
		if ((ch = getopt_long(argc, argv, "-h", longopts, NULL)) == -1)
			break;
		switch (ch) {
		case 1:
			if (cmd != NULL)
				return (hmc_usage("unexpected argument '%s'",
				    optarg));
			cmd = optarg;
			break;
		case 'S':
			h.socket = optarg;
			break;
		case 'a':
			if ((h.action = driver_action_parse(optarg)) == -1)
				return (hmc_usage("--action: '%s' is neither "
				    "migration nor hibernation", optarg));
			break;
		case 'c':
			if ((h.cancel_after = driver_phase_parse(optarg)) !=
			    EXITPT_OP_CHECK &&
			    h.cancel_after != EXITPT_OP_PREPARE)
				return (hmc_usage("--cancel-after: '%s' is "
				    "neither check nor prepare", optarg));
			break;
		case 'd':
			if ((h.disappear_after = driver_phase_parse(optarg)) !=
			    EXITPT_OP_CHECK &&
			    h.disappear_after != EXITPT_OP_PREPARE)
				return (hmc_usage("--disappear-after: '%s' is "
				    "neither check nor prepare", optarg));
			break;
		case 'k':
			if ((h.kill_during = driver_phase_parse(optarg)) == 0 ||
			    h.kill_during == EXITPT_OP_CANCEL)
				return (hmc_usage("--kill-exitd-during: '%s' "
				    "is not check, prepare or complete",
				    optarg));
			break;
		case 'e':
			h.exitd_command = optarg;
			break;
		case 's':
		case 'R':
			if ((rc = hmc_seconds(ch == 's' ? "--suspend-seconds" :
			    "--resume-after", optarg, &h.suspend_seconds)) != 0)
				return (rc);
			break;
		case 'r':
			h.system_state = EXITPT_SYSTEM_RESTRICTED;
			break;
		case 'f':
			h.force = 1;
			break;
		case 'h':
			hmc_usage(NULL);
			return (DRIVER_EXIT_OK);
		default:
			return (hmc_usage(NULL));
		}
	}
	if (cmd == NULL)
		return (hmc_usage("no command given"));
	if (strcmp(cmd, "validate") == 0)
		h.cmd = HMC_VALIDATE;
	else if (strcmp(cmd, "migrate") == 0)
		h.cmd = HMC_MIGRATE;
	else if (strcmp(cmd, "hibernate") == 0) {
		h.cmd = HMC_HIBERNATE;
		h.action = EXITPT_ACTION_HIBERNATION;
	} else
		return (hmc_usage("unknown command '%s'", cmd));

	if (h.cmd == HMC_VALIDATE && (h.cancel_after || h.disappear_after ||
	    h.suspend_seconds || h.system_state || (h.kill_during &&
	    h.kill_during != EXITPT_OP_CHECK)))
		return (hmc_usage("validate runs Check only; it takes no "
		    "cancel, suspend, restricted or later-phase fault option"));
	if (h.kill_during && h.exitd_command == NULL)
		return (hmc_usage("--kill-exitd-during needs --exitd-command "
		    "to restart exitd"));
	if (!h.kill_during && h.exitd_command != NULL)
		return (hmc_usage("--exitd-command is only used with "
		    "--kill-exitd-during"));
	if (h.cancel_after && h.disappear_after)
		return (hmc_usage("--cancel-after and --disappear-after "
		    "exclude each other"));
	if (h.kill_during == EXITPT_OP_COMPLETE && h.cancel_after)
		return (hmc_usage("--kill-exitd-during complete: the operation "
		    "is cancelled before Complete"));
	return (hmc_run(&h));
}
