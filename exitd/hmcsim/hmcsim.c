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
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"

/* Exit statuses (see hmcsim(8)); the first four match exitctl's. */
#define HMC_EXIT_OK		0	/* completed, allowed, validated */
#define HMC_EXIT_VETOED		1
#define HMC_EXIT_CANCELLED	2
#define HMC_EXIT_BUSY		3
#define HMC_EXIT_ABANDONED	4	/* --disappear-after: left open */
#define HMC_EXIT_USAGE		64
#define HMC_EXIT_UNAVAILABLE	69	/* exitd not reachable */
#define HMC_EXIT_SOFTWARE	70	/* any other failure */
#define HMC_EXIT_NOPERM		77	/* not allowed to drive phases */

#define HMC_SOCKET_DEFAULT	EXITPT_RUNSTATEDIR "/exitd.sock"
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
	int		 window;	/* prepare window granted by Check */
	const char	*exitd_command;
	struct timespec	 t0;		/* monotonic start */
	struct timespec	 wall0;		/* wall clock at start */
};

static int	hmc_drive(struct hmc *, struct exitpt_client **, int,
		    uint64_t, struct exitpt_report **);

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
	    "[--action migration|hibernation]\n"
	    "       hmcsim [--socket PATH] migrate "
	    "[--cancel-after check|prepare]\n"
	    "              [--suspend-seconds N] [--restricted] "
	    "[fault options]\n"
	    "       hmcsim [--socket PATH] hibernate [--resume-after N]\n"
	    "              [--cancel-after check|prepare] [--restricted] "
	    "[fault options]\n"
	    "fault options: --kill-exitd-during check|prepare|complete "
	    "--exitd-command CMD\n"
	    "               --disappear-after check|prepare\n");
	return (HMC_EXIT_USAGE);
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

/* Print one timeline line: wall clock, offset, phase column, text. */
static void __attribute__((format(printf, 4, 5)))
hmc_line(const struct hmc *h, double at, const char *what, const char *fmt,
    ...)
{
	struct tm	 tm;
	time_t		 sec;
	long		 ms;
	char		 clock[16];
	va_list		 ap;

	if (at < 0)
		at = hmc_elapsed(h);
	ms = h->wall0.tv_nsec / 1000000 + (long)(at * 1000.0);
	sec = h->wall0.tv_sec + ms / 1000;
	localtime_r(&sec, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	printf("%s.%03ld [+%7.3fs] %-9s ", clock, ms % 1000, at, what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Parse a phase name given to --cancel-after and friends. */
static int
hmc_phase_arg(const char *s, int allow_complete)
{
	if (strcmp(s, "check") == 0)
		return (EXITPT_OP_CHECK);
	if (strcmp(s, "prepare") == 0)
		return (EXITPT_OP_PREPARE);
	if (allow_complete && strcmp(s, "complete") == 0)
		return (EXITPT_OP_COMPLETE);
	return (0);
}

/*
 * Describe one participant's answer as a timeline line.  Answers come with
 * the phase's reply, so the line carries the time the call took.
 */
static void
hmc_answer(const struct hmc *h, int phase, const struct exitpt_answer *a)
{
	char		 how[96], what[EXITPT_DATA_MAX];
	const char	*reason = exitpt_answer_reason(a);
	int		 end = exitpt_answer_end(a);
	int32_t		 status = exitpt_answer_status(a);
	int32_t		 wait = exitpt_answer_wait(a);
	uint64_t	 ms = exitpt_answer_duration_ms(a);

	if (end == EXITPT_END_EXITED || end == EXITPT_END_SIGNALED)
		snprintf(how, sizeof(how), "%s %d, %" PRIu64 " ms",
		    exitpt_end_name(end), exitpt_answer_code(a), ms);
	else
		snprintf(how, sizeof(how), "%s, %" PRIu64 " ms",
		    exitpt_end_name(end), ms);

	if (phase != EXITPT_OP_CHECK)
		snprintf(what, sizeof(what), "done");
	else if (!exitpt_answer_effective(a))
		snprintf(what, sizeof(what), "VETO");
	else if (status == EXITPT_STATUS_ALLOW &&
	    exitpt_check_wait_valid(wait))
		snprintf(what, sizeof(what), "allow, wait %d s", wait);
	else
		snprintf(what, sizeof(what), "allow, wait %d s (answered "
		    "status %d, wait %d)", exitpt_check_wait(wait), status,
		    wait);
	if (exitpt_answer_kind(a) == EXITPT_PARTICIPANT_PROGRAM)
		hmc_line(h, -1, exitpt_phase_name(phase),
		    "  #%d %s: %s (%s)%s%s", exitpt_answer_number(a),
		    exitpt_answer_who(a), what, how,
		    reason[0] != '\0' ? ": " : "", reason);
	else
		hmc_line(h, -1, exitpt_phase_name(phase), "  %s: %s (%s)%s%s",
		    exitpt_answer_who(a), what, how,
		    reason[0] != '\0' ? ": " : "", reason);
}

/* Print every answer of a phase report, then the phase's outcome. */
static void
hmc_report(const struct hmc *h, const struct exitpt_report *r)
{
	size_t	i, n = exitpt_report_count(r);
	int	phase = exitpt_report_phase(r);

	for (i = 0; i < n; i++)
		hmc_answer(h, phase, exitpt_report_answer(r, i));
	if (phase == EXITPT_OP_CHECK &&
	    (exitpt_report_outcome(r) == EXITPT_OUTCOME_ALLOWED ||
	    exitpt_report_outcome(r) == EXITPT_OUTCOME_VALIDATED))
		hmc_line(h, -1, exitpt_phase_name(phase), "%s by %zu, "
		    "prepare window %d s",
		    exitpt_outcome_name(exitpt_report_outcome(r)), n,
		    exitpt_report_window(r));
	else if (phase == EXITPT_OP_CANCEL &&
	    exitpt_report_outcome(r) == EXITPT_OUTCOME_VETOED)
		hmc_line(h, -1, exitpt_phase_name(phase), "done (%zu %s)", n,
		    n == 1 ? "participant" : "participants");
	else
		hmc_line(h, -1, exitpt_phase_name(phase), "%s (%zu %s)",
		    exitpt_outcome_name(exitpt_report_outcome(r)), n,
		    n == 1 ? "participant" : "participants");
}

/* After a vetoed Check: show the Cancel that went to those that allowed. */
static void
hmc_show_veto_cancel(const struct hmc *h, struct exitpt_client *c,
    uint64_t op)
{
	struct exitpt_report	*r = NULL;

	if (exitpt_client_status(c, &r) != 0 || r == NULL)
		return;
	if (exitpt_report_operation(r) == op &&
	    exitpt_report_phase(r) == EXITPT_OP_CANCEL) {
		hmc_line(h, -1, "cancel", "sent to those whose Check allowed");
		hmc_report(h, r);
	}
	exitpt_report_free(r);
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
static void __attribute__((noreturn))
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
	if ((path = h->socket) == NULL &&
	    ((path = getenv(EXITPT_SOCKET_ENV)) == NULL || *path == '\0'))
		path = HMC_SOCKET_DEFAULT;
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
		hmc_line(h, -1, "fault", "%s ended before exitd could be "
		    "killed; no fault injected",
		    exitpt_phase_name(h->kill_during));
		return (1);
	}
	fprintf(stderr, "hmcsim: fault injection failed (exitd not killed, "
	    "or not back within %d s after '%s')\n",
	    HMC_RESTART_WAIT_MS / 1000, h->exitd_command);
	return (-1);
}

/* Send one drive request for a phase (op: operation, for all but Check). */
static int
hmc_request(struct hmc *h, struct exitpt_client *c, int phase, uint64_t op,
    struct exitpt_report **rp)
{
	switch (phase) {
	case EXITPT_OP_CHECK:
		return (exitpt_client_check(c, h->action,
		    h->cmd == HMC_VALIDATE, rp));
	case EXITPT_OP_PREPARE:
		return (exitpt_client_prepare(c, op, rp));
	case EXITPT_OP_CANCEL:
		return (exitpt_client_cancel(c, op, rp));
	default:
		return (exitpt_client_complete(c, op, h->system_state, rp));
	}
}

/*
 * Drive one phase and print it.  When exitd is killed during the phase (by
 * the fault injector), reconnect to the restarted exitd and do what an HMC
 * does after losing its partition mid-operation: cancel an operation lost
 * in Check or Prepare, repeat Complete for one lost in Complete.
 */
static int
hmc_drive(struct hmc *h, struct exitpt_client **cp, int phase, uint64_t op,
    struct exitpt_report **rp)
{
	struct exitpt_report	*st = NULL;
	double			 start;
	pid_t			 inj;
	int			 error, faulted;

	if ((inj = hmc_injector_start(h, phase)) == -1) {
		error = errno;
		fprintf(stderr, "hmcsim: cannot start the fault injector: "
		    "%s\n", strerror(error));
		return (-error);
	}
	start = hmc_elapsed(h);
	if (phase == EXITPT_OP_PREPARE)
		hmc_line(h, start, exitpt_phase_name(phase), "started "
		    "(operation %016" PRIx64 ", window %d s)", op, h->window);
	else if (phase == EXITPT_OP_COMPLETE)
		hmc_line(h, start, exitpt_phase_name(phase), "started (system "
		    "state %s)", h->system_state == EXITPT_SYSTEM_RESTRICTED ?
		    "restricted" : "normal");
	else
		hmc_line(h, start, exitpt_phase_name(phase), "started");
	*rp = NULL;
	error = hmc_request(h, *cp, phase, op, rp);
	/* Why exitd refused, or what went wrong with its journal. */
	if (*rp != NULL && *exitpt_report_detail(*rp) != '\0')
		hmc_line(h, -1, "exitd", "%s", exitpt_report_detail(*rp));
	faulted = inj > 0 ? hmc_injector_wait(h, inj) : 1;
	if (faulted == -1)
		return (error != 0 ? error : -EIO);
	if (faulted == 1 || error == EXITPT_E_BUSY || error == EXITPT_E_AUTH ||
	    error == EXITPT_E_PHASE || error == EXITPT_E_NO_OPERATION) {
		if (error == 0)
			hmc_report(h, *rp);
		return (error);
	}

	/* exitd was killed during the phase and is back. */
	exitpt_report_free(*rp);
	*rp = NULL;
	hmc_line(h, -1, "fault", "exitd killed during %s (request ended: "
	    "%s); restarted", exitpt_phase_name(phase),
	    error != 0 ? exitpt_strerror(error) : "answered first");
	exitpt_client_close(*cp);
	*cp = NULL;
	if ((error = exitpt_client_open(cp, h->socket)) != 0)
		return (error);
	if ((error = exitpt_client_status(*cp, &st)) != 0)
		return (error);
	hmc_line(h, -1, "recovered", "operation %016" PRIx64 " in %s, %s",
	    exitpt_report_operation(st),
	    exitpt_phase_name(exitpt_report_phase(st)),
	    exitpt_outcome_name(exitpt_report_outcome(st)));
	if (op == 0)
		op = exitpt_report_operation(st);
	exitpt_report_free(st);
	h->kill_during = 0;
	return (hmc_drive(h, cp, phase == EXITPT_OP_COMPLETE ?
	    EXITPT_OP_COMPLETE : EXITPT_OP_CANCEL, op, rp));
}

/* Map a drive error to a message and an exit status. */
static int
hmc_fail(int error)
{
	if (error == -ENOENT || error == -ECONNREFUSED) {
		fprintf(stderr, "hmcsim: exitd is not running (%s)\n",
		    exitpt_strerror(error));
		return (HMC_EXIT_UNAVAILABLE);
	}
	if (error == EXITPT_E_AUTH) {
		fprintf(stderr, "hmcsim: %s: driving phases needs root or "
		    "exitd's admin group\n", exitpt_strerror(error));
		return (HMC_EXIT_NOPERM);
	}
	fprintf(stderr, "hmcsim: %s\n", exitpt_strerror(error));
	return (HMC_EXIT_SOFTWARE);
}

/* Exit status for the outcome of the last phase driven. */
static int
hmc_outcome(const struct hmc *h, const struct exitpt_report *r)
{
	int	outcome = exitpt_report_outcome(r), rc;

	switch (outcome) {
	case EXITPT_OUTCOME_VETOED:
		rc = HMC_EXIT_VETOED;
		break;
	case EXITPT_OUTCOME_CANCELLED:
		rc = HMC_EXIT_CANCELLED;
		break;
	case EXITPT_OUTCOME_ALLOWED:
	case EXITPT_OUTCOME_VALIDATED:
	case EXITPT_OUTCOME_COMPLETED:
		rc = HMC_EXIT_OK;
		break;
	default:
		rc = HMC_EXIT_SOFTWARE;
		break;
	}
	hmc_line(h, -1, "outcome", "%s (exit %d)", exitpt_outcome_name(outcome),
	    rc);
	return (rc);
}

/* Report a busy exitd: the running operation and where it is. */
static int
hmc_busy(const struct hmc *h, const struct exitpt_report *r)
{
	if (r != NULL)
		hmc_line(h, -1, "busy", "operation %016" PRIx64 " is in %s "
		    "(%s); try again later", exitpt_report_operation(r),
		    exitpt_phase_name(exitpt_report_phase(r)),
		    exitpt_outcome_name(exitpt_report_outcome(r)));
	else
		hmc_line(h, -1, "busy", "another operation is running");
	return (HMC_EXIT_BUSY);
}

/* Leave the operation open, as a driver that crashed would. */
static int
hmc_disappear(const struct hmc *h, uint64_t op)
{
	hmc_line(h, -1, "driver", "disappears without cancelling; operation "
	    "%016" PRIx64 " left to exitd's recovery", op);
	return (HMC_EXIT_ABANDONED);
}

/* Sleep while the partition is suspended (or hibernated). */
static void
hmc_suspend(const struct hmc *h)
{
	struct timespec	ts;

	hmc_line(h, -1, "suspend", "partition %s for %d s",
	    h->action == EXITPT_ACTION_HIBERNATION ? "hibernated" :
	    "suspended and moved", h->suspend_seconds);
	ts.tv_sec = h->suspend_seconds;
	ts.tv_nsec = 0;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	hmc_line(h, -1, "resume", "partition %s in %s state",
	    h->action == EXITPT_ACTION_HIBERNATION ? "resumed" :
	    "resumed on the destination",
	    h->system_state == EXITPT_SYSTEM_RESTRICTED ? "restricted" :
	    "normal");
}

/* Run the whole sequence and return the exit status. */
static int
hmc_run(struct hmc *h)
{
	struct exitpt_client	*c = NULL;
	struct exitpt_report	*r = NULL;
	uint64_t		 op;
	int			 error, rc, next;

	if ((error = exitpt_client_open(&c, h->socket)) != 0)
		return (hmc_fail(error));
	printf("hmcsim: %s (%s)\n", h->cmd == HMC_VALIDATE ? "validate" :
	    h->cmd == HMC_MIGRATE ? "migrate" : "hibernate",
	    h->action == EXITPT_ACTION_HIBERNATION ? "hibernation" :
	    "migration");

	error = hmc_drive(h, &c, EXITPT_OP_CHECK, 0, &r);
	if (error == EXITPT_E_BUSY) {
		rc = hmc_busy(h, r);
		goto out;
	}
	if (error != 0) {
		rc = hmc_fail(error);
		goto out;
	}
	op = exitpt_report_operation(r);
	h->window = exitpt_report_window(r);
	if (exitpt_report_phase(r) == EXITPT_OP_CHECK &&
	    exitpt_report_outcome(r) == EXITPT_OUTCOME_VETOED)
		hmc_show_veto_cancel(h, c, op);
	if (exitpt_report_phase(r) != EXITPT_OP_CHECK ||
	    exitpt_report_outcome(r) != EXITPT_OUTCOME_ALLOWED ||
	    h->cmd == HMC_VALIDATE) {
		rc = hmc_outcome(h, r);
		goto out;
	}
	if (h->disappear_after == EXITPT_OP_CHECK) {
		rc = hmc_disappear(h, op);
		goto out;
	}
	next = h->cancel_after == EXITPT_OP_CHECK ? EXITPT_OP_CANCEL :
	    EXITPT_OP_PREPARE;
	exitpt_report_free(r);
	if ((error = hmc_drive(h, &c, next, op, &r)) != 0) {
		rc = hmc_fail(error);
		goto out;
	}
	if (next == EXITPT_OP_CANCEL ||
	    exitpt_report_outcome(r) != EXITPT_OUTCOME_PREPARED) {
		rc = hmc_outcome(h, r);
		goto out;
	}
	if (h->disappear_after == EXITPT_OP_PREPARE) {
		rc = hmc_disappear(h, op);
		goto out;
	}
	exitpt_report_free(r);
	if (h->cancel_after == EXITPT_OP_PREPARE)
		next = EXITPT_OP_CANCEL;
	else {
		hmc_suspend(h);
		next = EXITPT_OP_COMPLETE;
	}
	if ((error = hmc_drive(h, &c, next, op, &r)) != 0) {
		rc = hmc_fail(error);
		goto out;
	}
	rc = hmc_outcome(h, r);
out:
	exitpt_report_free(r);
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
			if (strcmp(optarg, "migration") == 0)
				h.action = EXITPT_ACTION_MIGRATION;
			else if (strcmp(optarg, "hibernation") == 0)
				h.action = EXITPT_ACTION_HIBERNATION;
			else
				return (hmc_usage("--action: '%s' is neither "
				    "migration nor hibernation", optarg));
			break;
		case 'c':
			if ((h.cancel_after = hmc_phase_arg(optarg, 0)) == 0)
				return (hmc_usage("--cancel-after: '%s' is "
				    "neither check nor prepare", optarg));
			break;
		case 'd':
			if ((h.disappear_after = hmc_phase_arg(optarg, 0)) == 0)
				return (hmc_usage("--disappear-after: '%s' is "
				    "neither check nor prepare", optarg));
			break;
		case 'k':
			if ((h.kill_during = hmc_phase_arg(optarg, 1)) == 0)
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
		case 'h':
			hmc_usage(NULL);
			return (HMC_EXIT_OK);
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
