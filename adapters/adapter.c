/*
 * The adapters' shared part: a clean start from whatever the platform
 * left (closed standard streams, blocked signals, no environment), exitd's
 * settings, requests bounded by what exitd announces, and one-line
 * messages an operator can act on.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adapter.h"

/*
 * One adapter per process, in static storage: the watchdog and watcher
 * threads use it until the process ends, which may be in the middle of
 * their waits.
 */
static struct adapter	 adapter_one;

static int64_t	 adapter_now_ms(void);
static void	 adapter_fds(void);
static void	 adapter_signals(void);
static void	 adapter_arm(struct adapter *, enum adapter_limit, int64_t);
static void	*adapter_watchdog(void *);
static void	*adapter_watcher(void *);
static void	 adapter_prefix_cb(FILE *, int, void *);

/* Milliseconds on the monotonic clock. */
static int64_t
adapter_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * CRIU starts its scripts with standard input closed: give every closed
 * standard descriptor /dev/null, so that a control socket can never land
 * on descriptor 1 or 2 and receive our messages.
 */
static void
adapter_fds(void)
{
	int	fd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		if (open("/dev/null", O_RDWR) != fd)
			_exit(DRIVER_EXIT_OK);
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
 * Start the adapter prog, which drives exitd as name: standard streams,
 * signals, exitd's settings (the built-in ones, after saying why, when
 * exitd.conf is unusable), the socket, the watchdog.  What cannot start
 * is said, and the adapter gives up.
 */
struct adapter *
adapter_init(const char *prog, const char *name, FILE *out)
{
	struct adapter		*a = &adapter_one;
	pthread_condattr_t	 ca;
	char			 err[512];

	adapter_fds();
	adapter_signals();
	a->prog = prog;
	a->name = name;
	a->out = out;
	a->start_ms = adapter_now_ms();
	snprintf(a->what, sizeof(a->what), "its start");
	if (config_load(NULL, &a->cfg, err, sizeof(err)) != 0) {
		adapter_say(a, "%s: fix exitd's configuration; using the "
		    "built-in settings meanwhile", err);
		if (config_defaults(&a->cfg) != 0) {
			adapter_say(a, "out of memory; nothing was done");
			exit(DRIVER_EXIT_OK);
		}
	}
	a->cap_ms = (int64_t)a->cfg.drmgr_timeout * 1000;
	a->socket = driver_socket(NULL);
	pthread_mutex_init(&a->mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&a->watchdog, NULL, adapter_watchdog, a) != 0) {
		adapter_say(a, "cannot start a thread to bound its time; "
		    "nothing was done");
		exit(DRIVER_EXIT_OK);
	}
	return (a);
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

/*
 * Set the deadline (mtx held) to ms from now for limit, or to the cap
 * when that is sooner or limit is the cap; wake the watchdog.
 */
static void
adapter_arm(struct adapter *a, enum adapter_limit limit, int64_t ms)
{
	int64_t	cap = a->start_ms + a->cap_ms, dl;

	dl = limit == ADAPTER_LIMIT_CAP ? cap : adapter_now_ms() + ms;
	if (dl >= cap) {
		dl = cap;
		limit = ADAPTER_LIMIT_CAP;
	}
	a->deadline_ms = dl > 0 ? dl : 1;
	a->limit = limit;
	pthread_cond_signal(&a->cond);
}

/*
 * Give up for the adapter when exitd has not done what was asked by the
 * deadline, or the adapter is still at work at the cap: one line saying
 * which limit passed, then exit 0, so that the platform goes on.
 */
static void *
adapter_watchdog(void *arg)
{
	struct adapter		*a = arg;
	struct timespec		 ts;
	enum adapter_limit	 limit;
	char			 what[sizeof(a->what)];
	int64_t			 waited, bound, dl;

	pthread_mutex_lock(&a->mtx);
	for (;;) {
		if (a->quit) {
			pthread_mutex_unlock(&a->mtx);
			return (NULL);
		}
		dl = a->deadline_ms != 0 ? a->deadline_ms : a->start_ms +
		    a->cap_ms;
		if (adapter_now_ms() >= dl)
			break;
		ts.tv_sec = dl / 1000;
		ts.tv_nsec = (dl % 1000) * 1000000;
		pthread_cond_timedwait(&a->cond, &a->mtx, &ts);
	}
	memcpy(what, a->what, sizeof(what));
	limit = a->deadline_ms != 0 ? a->limit : ADAPTER_LIMIT_WORK;
	bound = a->bound_ms;
	waited = (adapter_now_ms() - a->start_ms + 500) / 1000;
	pthread_mutex_unlock(&a->mtx);
	switch (limit) {
	case ADAPTER_LIMIT_ANSWER:
		adapter_say(a, "exitd (%s) did not answer %s within %d s; "
		    "gave up: check that exitd is running and not stuck (see "
		    "its log)", a->socket, what, ADAPTER_ANSWER_MS / 1000);
		break;
	case ADAPTER_LIMIT_BOUND:
		adapter_say(a, "exitd did not end %s within the %" PRId64
		    " s it announced; gave up: check that exitd is not stuck "
		    "(see its log)", what, (bound + ADAPTER_MARGIN_MS + 999) /
		    1000);
		break;
	case ADAPTER_LIMIT_CAP:
		adapter_say(a, "gave up on %s after %" PRId64 " s, the most "
		    "drmgr-timeout allows (exitd may still finish it): see "
		    "exitd's log, or raise drmgr-timeout in exitd.conf", what,
		    waited);
		break;
	case ADAPTER_LIMIT_WORK:
		adapter_say(a, "gave up on %s after %" PRId64 " s, the most "
		    "drmgr-timeout allows: check that it does not block, or "
		    "raise drmgr-timeout in exitd.conf", what, waited);
		break;
	}
	_exit(DRIVER_EXIT_OK);
}

/*
 * Follow exitd's snapshots on a connection of its own and move the
 * deadline while something is awaited: a running phase may take the
 * bound exitd announces for it (plus a margin; no bound: the cap); with
 * no phase running, exitd must answer within ADAPTER_ANSWER_MS.
 */
static void *
adapter_watcher(void *arg)
{
	struct adapter		*a = arg;
	struct exitpt_client	*c;
	struct exitpt_report	*r = NULL;
	uint64_t		 gen = 0;
	int64_t			 bound;
	int			 error;

	if (exitpt_client_open(&c, a->socket) != 0)
		return (NULL);
	for (;;) {
		if (gen == 0)
			error = exitpt_client_status(c, &r);
		else
			error = exitpt_client_wait(c, gen, -1, &r);
		if (error != 0 && error != -ETIMEDOUT)
			break;
		if (r == NULL)
			continue;
		gen = exitpt_report_generation(r);
		bound = exitpt_report_bound_ms(r);
		exitpt_report_free(r);
		r = NULL;
		pthread_mutex_lock(&a->mtx);
		if (a->deadline_ms != 0 && !a->quit) {
			a->bound_ms = bound;
			if (bound > 0)
				adapter_arm(a, ADAPTER_LIMIT_BOUND, bound +
				    ADAPTER_MARGIN_MS);
			else if (bound < 0)
				adapter_arm(a, ADAPTER_LIMIT_CAP, 0);
			else
				adapter_arm(a, ADAPTER_LIMIT_ANSWER,
				    ADAPTER_ANSWER_MS);
		}
		pthread_mutex_unlock(&a->mtx);
	}
	exitpt_report_free(r);
	exitpt_client_close(c);
	return (NULL);
}

/*
 * Await exitd for what: it must answer within ADAPTER_ANSWER_MS, or show
 * a phase running (see adapter_watcher).
 */
void
adapter_begin(struct adapter *a, const char *what)
{
	pthread_mutex_lock(&a->mtx);
	snprintf(a->what, sizeof(a->what), "%s", what);
	adapter_arm(a, ADAPTER_LIMIT_ANSWER, ADAPTER_ANSWER_MS);
	if (!a->watching && pthread_create(&a->watcher, NULL,
	    adapter_watcher, a) == 0)
		a->watching = 1;
	pthread_mutex_unlock(&a->mtx);
}

/*
 * exitd did what it was asked, or the adapter's own work is done: nothing
 * is awaited now, and only the cap bounds what the adapter does next.
 */
void
adapter_end(struct adapter *a)
{
	pthread_mutex_lock(&a->mtx);
	a->deadline_ms = 0;
	snprintf(a->what, sizeof(a->what), "its own work");
	pthread_cond_signal(&a->cond);
	pthread_mutex_unlock(&a->mtx);
}

/*
 * The adapter does some work of its own (fmt: "reading FILE"), which
 * only the cap bounds; adapter_end when it is done.
 */
void
adapter_work(struct adapter *a, const char *fmt, ...)
{
	va_list	ap;

	pthread_mutex_lock(&a->mtx);
	a->deadline_ms = 0;
	va_start(ap, fmt);
	vsnprintf(a->what, sizeof(a->what), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&a->mtx);
}

/*
 * Connect to exitd as the adapter's driver.  When exitd is not running,
 * or cannot be reached, say so with what was therefore not done, and
 * return the error.
 */
int
adapter_open(struct adapter *a, const char *doing,
    struct exitpt_client **cp)
{
	int	error;

	adapter_begin(a, "the connection");
	error = exitpt_client_open(cp, a->socket);
	adapter_end(a);
	if (error == 0)
		error = exitpt_client_set_driver(*cp, a->name);
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

	adapter_begin(a, "a status request");
	error = exitpt_client_status(c, rp);
	adapter_end(a);
	if (error != 0)
		adapter_say(a, "exitd (%s) failed a status request: %s; "
		    "nothing was done: see exitd's log", a->socket,
		    exitpt_strerror(error));
	return (error);
}

/*
 * Drive one phase (what, for messages) and wait for its end as long as
 * exitd says it may take.  Errors are returned, not printed: the caller
 * knows what they mean for it.
 */
int
adapter_drive(struct adapter *a, struct exitpt_client *c,
    const struct driver_request *req, const char *what,
    struct exitpt_report **rp)
{
	int	error;

	adapter_begin(a, what);
	error = driver_drive(c, req, rp);
	adapter_end(a);
	return (error);
}

/*
 * driver_run()'s drive callback for a sequence run between adapter_begin
 * and adapter_end: each phase names what is awaited.
 */
int
adapter_run_cb(struct exitpt_client **cp, const struct driver_request *req,
    struct exitpt_report **rp, void *arg)
{
	struct adapter	*a = arg;

	pthread_mutex_lock(&a->mtx);
	snprintf(a->what, sizeof(a->what), "%s", exitpt_phase_name(
	    req->phase));
	pthread_mutex_unlock(&a->mtx);
	return (driver_drive(*cp, req, rp));
}

/*
 * Whether the report's operation was started by this adapter's driver
 * name under this process's uid ("uid U pid P (name)"), by this run or an
 * earlier one.
 */
int
adapter_own(const struct adapter *a, const struct exitpt_report *r)
{
	const char	*d = exitpt_report_driver(r);
	size_t		 n = strlen(a->name);
	unsigned int	 uid;
	int		 pid, off = -1;

	/*
	 * exitd writes "uid U pid P (NAME)" with U and P from the kernel;
	 * NAME is the client's own text, which may hold '(' too, so the
	 * whole string is matched, and the uid must be this process's.
	 */
	if (sscanf(d, "uid %u pid %d (%n", &uid, &pid, &off) != 2 ||
	    off < 0 || uid != (unsigned int)getuid())
		return (0);
	return (strncmp(d + off, a->name, n) == 0 && strcmp(d + off + n, ")") ==
	    0);
}

/* Say why exitd did not do what: busy (naming the operation) or else. */
void
adapter_refused(struct adapter *a, const char *what, int error,
    const struct exitpt_report *r)
{
	char	id[DRIVER_OP_LEN];

	switch (error) {
	case EXITPT_E_BUSY:
		if (r == NULL)
			break;
		adapter_say(a, "exitd is busy with %s operation %s (phase %s, "
		    "%s) started by %s; %s was refused: retry when it has "
		    "ended (exitctl status)",
		    driver_action_name(exitpt_report_action(r)),
		    driver_operation_text(exitpt_report_operation(r), id),
		    exitpt_phase_name(exitpt_report_phase(r)),
		    exitpt_outcome_name(exitpt_report_outcome(r)),
		    exitpt_report_driver(r), what);
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

/* Start a veto line with the adapter's name and the action. */
static void
adapter_prefix_cb(FILE *fp, int phase, void *arg)
{
	struct adapter	*a = arg;

	fprintf(fp, "%s: migration ", a->prog);
}

/* One line per participant whose Check vetoed, with its reason. */
void
adapter_vetoes(struct adapter *a, const struct exitpt_report *r)
{
	flockfile(a->out);
	driver_vetoes_print(a->out, r, adapter_prefix_cb, a);
	fflush(a->out);
	funlockfile(a->out);
}

/*
 * The adapter is done with exitd: nothing awaited, no deadline will be
 * set again, exitd's settings released.  The threads end with the
 * process.
 */
void
adapter_finish(struct adapter *a)
{
	pthread_mutex_lock(&a->mtx);
	a->quit = 1;
	a->deadline_ms = 0;
	pthread_cond_signal(&a->cond);
	pthread_mutex_unlock(&a->mtx);
	config_clear(&a->cfg);
}
