/*
 * The adapters' shared part: a clean start from whatever the platform
 * left (closed standard streams, blocked signals, no environment), exitd's
 * settings, bounded requests, and one-line messages an operator can act
 * on.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adapter.h"

static void	 adapter_fds(void);
static void	 adapter_signals(void);
static void	*adapter_watchdog(void *);
static void	 adapter_abs_time(int64_t, struct timespec *);
static const char *adapter_action_name(int);

/* Milliseconds on the monotonic clock. */
int64_t
adapter_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * CRIU starts its scripts with standard input closed: give every closed
 * standard descriptor /dev/null, so that the control socket can never
 * land on descriptor 1 or 2 and receive our messages.
 */
static void
adapter_fds(void)
{
	int	fd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		if (open("/dev/null", O_RDWR) != fd)
			_exit(ADAPTER_EXIT_OK);
	}
}

/*
 * drmgr blocks nearly every signal before it runs hooks, and the mask
 * survives exec.  Let an operator stop the adapter (TERM, INT, HUP), and
 * let a platform that stopped reading our output cost a write error
 * rather than a SIGPIPE that drmgr would count as a failed check.
 */
static void
adapter_signals(void)
{
	sigset_t	set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

/*
 * Start an adapter: standard streams, signals, exitd's settings (the
 * built-in ones, after saying why, when exitd.conf is unusable), the
 * socket, and the watchdog.  Failing to start the watchdog is giving up.
 */
void
adapter_init(struct adapter *a, const char *prog, FILE *out)
{
	pthread_condattr_t	 ca;
	const char		*p;
	char			 err[512];

	memset(a, 0, sizeof(*a));
	adapter_fds();
	adapter_signals();
	a->prog = prog;
	a->out = out;
	a->start_ms = adapter_now_ms();
	if (config_load(NULL, &a->cfg, err, sizeof(err)) != 0) {
		adapter_say(a, "%s: fix exitd's configuration; using the "
		    "built-in settings meanwhile", err);
		if (config_defaults(&a->cfg) != 0) {
			adapter_say(a, "out of memory; nothing was done");
			exit(ADAPTER_EXIT_OK);
		}
	}
	adapter_set_cap(a, a->cfg.drmgr_timeout, "drmgr-timeout");
	if ((p = getenv(EXITPT_SOCKET_ENV)) != NULL && *p != '\0')
		a->socket = p;
	else
		a->socket = EXITPT_RUNSTATEDIR "/exitd.sock";
	pthread_mutex_init(&a->mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&a->watchdog, NULL, adapter_watchdog, a) != 0) {
		adapter_say(a, "cannot start a thread to bound its time; "
		    "nothing was done");
		exit(ADAPTER_EXIT_OK);
	}
}

/* Never wait past seconds after the start; name says where that is set. */
void
adapter_set_cap(struct adapter *a, int seconds, const char *name)
{
	a->cap_ms = (int64_t)seconds * 1000;
	a->cap_name = name;
}

/*
 * Print "prog: message" as one line: control characters that came from
 * elsewhere (a program's reason, a path) become spaces.
 */
void
adapter_say(struct adapter *a, const char *fmt, ...)
{
	va_list	 ap;
	char	 line[1024], *p;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (p = line; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	}
	flockfile(a->out);
	fprintf(a->out, "%s: %s\n", a->prog, line);
	fflush(a->out);
	funlockfile(a->out);
}

/* Absolute CLOCK_MONOTONIC time of a millisecond deadline. */
static void
adapter_abs_time(int64_t ms, struct timespec *ts)
{
	ts->tv_sec = ms / 1000;
	ts->tv_nsec = (ms % 1000) * 1000000;
}

/*
 * Give up for the adapter when exitd has not done what was asked by the
 * deadline: one line, then exit 0, so that the platform goes on.
 */
static void *
adapter_watchdog(void *arg)
{
	struct adapter	*a = arg;
	struct timespec	 ts;
	char		 what[sizeof(a->what)];
	int64_t		 waited;
	int		 capped;

	pthread_mutex_lock(&a->mtx);
	for (;;) {
		if (a->quit) {
			pthread_mutex_unlock(&a->mtx);
			return (NULL);
		}
		if (a->deadline_ms == 0) {
			pthread_cond_wait(&a->cond, &a->mtx);
			continue;
		}
		if (adapter_now_ms() >= a->deadline_ms)
			break;
		adapter_abs_time(a->deadline_ms, &ts);
		pthread_cond_timedwait(&a->cond, &a->mtx, &ts);
	}
	memcpy(what, a->what, sizeof(what));
	capped = a->capped;
	waited = (adapter_now_ms() - a->start_ms + 500) / 1000;
	pthread_mutex_unlock(&a->mtx);
	if (capped)
		adapter_say(a, "gave up on %s after %" PRId64 " s, the most "
		    "%s allows (exitd may still finish it): see exitd's log, "
		    "or raise %s", what, waited, a->cap_name, a->cap_name);
	else
		adapter_say(a, "exitd (%s) did not answer %s within %d s; "
		    "gave up: check that exitd is running and not stuck "
		    "(see its log)", a->socket, what, ADAPTER_ANSWER_MS / 1000);
	_exit(ADAPTER_EXIT_OK);
}

/*
 * Expect exitd to do what within ms (negative: as long as the cap allows);
 * the deadline never goes past the cap.
 */
void
adapter_expect(struct adapter *a, int64_t ms, const char *what)
{
	int64_t	 cap = a->start_ms + a->cap_ms, dl;

	dl = ms < 0 ? cap : adapter_now_ms() + ms;
	pthread_mutex_lock(&a->mtx);
	a->capped = dl >= cap;
	a->deadline_ms = a->capped ? cap : dl;
	if (a->deadline_ms == 0)
		a->deadline_ms = 1;
	snprintf(a->what, sizeof(a->what), "%s", what);
	pthread_cond_signal(&a->cond);
	pthread_mutex_unlock(&a->mtx);
}

/* exitd did what it was asked: no deadline until the next request. */
void
adapter_disarm(struct adapter *a)
{
	pthread_mutex_lock(&a->mtx);
	a->deadline_ms = 0;
	pthread_cond_signal(&a->cond);
	pthread_mutex_unlock(&a->mtx);
}

/*
 * Connect to exitd.  When it is not running, or cannot be reached, say so
 * with what was therefore not done, and return the error.
 */
int
adapter_open(struct adapter *a, const char *doing,
    struct exitpt_client **cp)
{
	int	error;

	adapter_expect(a, ADAPTER_ANSWER_MS, "the connection");
	error = exitpt_client_open(cp, a->socket);
	adapter_disarm(a);
	if (error == -ENOENT || error == -ECONNREFUSED)
		adapter_say(a, "exitd is not running (nothing listens on %s); "
		    "%s was not done: start exitd so that applications take "
		    "part", a->socket, doing);
	else if (error != 0)
		adapter_say(a, "cannot reach exitd at %s: %s; %s was not done",
		    a->socket, exitpt_strerror(error), doing);
	return (error);
}

/* A snapshot of exitd's current or last operation, answered in time. */
int
adapter_status(struct adapter *a, struct exitpt_client *c,
    struct exitpt_report **rp)
{
	int	error;

	adapter_expect(a, ADAPTER_ANSWER_MS, "a status request");
	error = exitpt_client_status(c, rp);
	adapter_disarm(a);
	if (error != 0)
		adapter_say(a, "exitd (%s) failed a status request: %s; "
		    "nothing was done: see exitd's log", a->socket,
		    exitpt_strerror(error));
	return (error);
}

/*
 * Drive one phase and wait for its end, no longer than the cap.  Errors
 * are returned, not printed: the caller knows what they mean for it.
 */
int
adapter_drive(struct adapter *a, struct exitpt_client *c,
    const struct adapter_call *call, struct exitpt_report **rp)
{
	int	error;

	adapter_expect(a, -1, call->what);
	switch (call->phase) {
	case EXITPT_OP_CHECK:
		error = exitpt_client_check(c, call->action, 0, rp);
		break;
	case EXITPT_OP_PREPARE:
		error = exitpt_client_prepare(c, call->operation, rp);
		break;
	case EXITPT_OP_CANCEL:
		error = exitpt_client_cancel(c, call->operation, rp);
		break;
	default:
		error = exitpt_client_complete(c, call->operation,
		    call->system_state, rp);
		break;
	}
	adapter_disarm(a);
	return (error);
}

/* Name of an action for messages. */
static const char *
adapter_action_name(int action)
{
	return (action == EXITPT_ACTION_HIBERNATION ? "hibernation" :
	    "migration");
}

/* Say why exitd did not do what: busy (naming the operation) or else. */
void
adapter_refused(struct adapter *a, const char *what, int error,
    const struct exitpt_report *r)
{
	switch (error) {
	case EXITPT_E_BUSY:
		if (r == NULL)
			break;
		adapter_say(a, "exitd is busy with %s operation %016" PRIx64
		    " (phase %s, %s); %s was refused: retry when it has "
		    "ended (exitctl status)",
		    adapter_action_name(exitpt_report_action(r)),
		    exitpt_report_operation(r),
		    exitpt_phase_name(exitpt_report_phase(r)),
		    exitpt_outcome_name(exitpt_report_outcome(r)), what);
		return;
	case EXITPT_E_AUTH:
		adapter_say(a, "exitd refused %s: not authorized (run as "
		    "root or as a member of exitd's admin group)", what);
		return;
	case EXITPT_E_VERSION:
	case EXITPT_E_PROTOCOL:
		adapter_say(a, "exitd speaks another protocol version; %s was "
		    "not done: install matching exitpt packages", what);
		return;
	case -ECONNRESET:
	case -EPIPE:
		adapter_say(a, "exitd closed the connection during %s: see "
		    "exitd's log", what);
		return;
	}
	adapter_say(a, "exitd refused %s: %s", what, exitpt_strerror(error));
}

/*
 * One line per participant whose Check vetoed, with its reason; returns
 * how many there were.
 */
size_t
adapter_vetoes(struct adapter *a, const struct exitpt_report *r)
{
	const struct exitpt_answer	*ans;
	const char			*why;
	size_t				 i, n = 0;

	for (i = 0; (ans = exitpt_report_answer(r, i)) != NULL; i++) {
		if (exitpt_answer_effective(ans))
			continue;
		n++;
		why = exitpt_answer_reason(ans);
		if (*why == '\0')
			why = exitpt_answer_end(ans) == EXITPT_END_EXITED ?
			    "no reason given" :
			    exitpt_end_name(exitpt_answer_end(ans));
		if (exitpt_answer_kind(ans) == EXITPT_PARTICIPANT_PROGRAM)
			adapter_say(a, "%s vetoed by program %d (%s): %s",
			    adapter_action_name(exitpt_report_action(r)),
			    (int)exitpt_answer_number(ans),
			    exitpt_answer_who(ans), why);
		else
			adapter_say(a, "%s vetoed by %s %s: %s",
			    adapter_action_name(exitpt_report_action(r)),
			    exitpt_participant_name(exitpt_answer_kind(ans)),
			    exitpt_answer_who(ans), why);
	}
	return (n);
}

/*
 * Stop the watchdog and release what adapter_init took: the watchdog
 * must be gone before a, which it uses, goes out of scope.
 */
void
adapter_finish(struct adapter *a)
{
	pthread_mutex_lock(&a->mtx);
	a->quit = 1;
	pthread_cond_signal(&a->cond);
	pthread_mutex_unlock(&a->mtx);
	pthread_join(a->watchdog, NULL);
	pthread_cond_destroy(&a->cond);
	pthread_mutex_destroy(&a->mtx);
	config_clear(&a->cfg);
}
