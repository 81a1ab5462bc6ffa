/*
 * libdbus-1 inside exitd's libevent loop, and exitd's place on the bus.
 *
 * The glue follows libdbus's main-loop contract literally: one event per
 * DBusWatch (created when libdbus adds it, only enabled or disabled when
 * it is toggled), timeouts in milliseconds that repeat until removed,
 * and dispatching from a deferred event that the dispatch-status and
 * wake-up callbacks only activate, never from inside them.  No libdbus
 * call is made from a watch or timeout callback that libdbus invokes
 * with the connection locked.
 *
 * The connection is private, never exits the process when the bus goes
 * away, and is set up without a blocking call: Hello and RequestName are
 * pending calls, so a bus that accepts the socket but never answers
 * cannot stall the loop.  The bus is optional: without one, exitd logs
 * that once and waits for it; the bus socket's directory is watched with
 * inotify (nothing wakes exitd while it waits), other addresses are
 * retried with a backoff.  When the bus goes away and comes back, exitd
 * connects again, lets its service register its objects and takes its
 * name again.
 */
#include <sys/inotify.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dbus/dbus.h>

#include "exitd.h"

#define DBUS_SYSTEM_DEFAULT	"unix:path=/var/run/dbus/system_bus_socket"
#define DBUS_DISPATCH_BATCH	64	/* messages before other events run */
#define DBUS_NOMEM_MS		100	/* retry after running out of memory */
#define DBUS_RETRY_FIRST_MS	50	/* a socket that just appeared */
#define DBUS_RETRY_QUICK	7	/* doubling tries after it appeared */
#define DBUS_BACKOFF_MAX_MS	60000	/* addresses that cannot be watched */
#define DBUS_SETUP_TIMEOUT_MS	25000	/* Hello, RequestName */

/* One libevent event per DBusWatch. */
struct dbus_io {
	DBusWatch	*watch;
	struct event	*ev;
};

/* One libevent timer per DBusTimeout. */
struct dbus_timer {
	DBusTimeout	*timeout;
	struct event	*ev;
};

/* A path whose appearance may mean the bus is back. */
struct dbus_wanted {
	char		*dir;		/* deepest directory that exists */
	char		*name;		/* entry of dir we wait for */
	int		 wd;
};

static struct event_base *dbus_base;
static char		*dbus_address;
static const char	*dbus_busname;	/* "system", "session" */
static DBusConnection	*dbus_connection;
static uint64_t		 dbus_gen;	/* connection attempts, for replies */
static int		 dbus_ready;	/* Hello answered, service up */
static int		 dbus_owner;	/* primary owner of the name */
static int		 dbus_absent_logged;
static int		 dbus_failed;	/* Hello failed: drop after dispatch */
static char		 dbus_fail_why[256];
static dbus_up_cb	 dbus_up;
static dbus_down_cb	 dbus_down;

static struct event	*dbus_dispatch_ev;
static struct event	*dbus_retry_ev;
static int		 dbus_retry_ms;
static int		 dbus_retry_quick;	/* tries left after inotify */
static int		 dbus_inotify_fd = -1;
static struct event	*dbus_inotify_ev;
static struct dbus_wanted *dbus_wanted;
static size_t		 dbus_nwanted;

static dbus_bool_t dbus_add_watch_cb(DBusWatch *, void *);
static void	 dbus_toggle_watch_cb(DBusWatch *, void *);
static void	 dbus_remove_watch_cb(DBusWatch *, void *);
static void	 dbus_io_cb(evutil_socket_t, short, void *);
static dbus_bool_t dbus_add_timeout_cb(DBusTimeout *, void *);
static void	 dbus_toggle_timeout_cb(DBusTimeout *, void *);
static void	 dbus_remove_timeout_cb(DBusTimeout *, void *);
static void	 dbus_timer_cb(evutil_socket_t, short, void *);
static void	 dbus_status_cb(DBusConnection *, DBusDispatchStatus, void *);
static void	 dbus_wakeup_cb(void *);
static void	 dbus_dispatch_cb(evutil_socket_t, short, void *);
static DBusHandlerResult dbus_filter_cb(DBusConnection *, DBusMessage *,
		    void *);
static void	 dbus_hello_cb(DBusPendingCall *, void *);
static void	 dbus_name_cb(DBusPendingCall *, void *);
static void	 dbus_owned(void);
static void	 dbus_retry_cb(evutil_socket_t, short, void *);
static void	 dbus_inotify_cb(evutil_socket_t, short, void *);
static char	*dbus_default_address(int);
static int	 dbus_connect(void);
static void	 dbus_drop(const char *);
static void	 dbus_wait(void);
static int	 dbus_watch_all(void);
static void	 dbus_refused(const char *);
static void	 dbus_backoff(int);
static void	 dbus_unwatch(void);
static int	 dbus_watch_path(const char *);
static void	 dbus_kick(void);
static void	 dbus_call(DBusMessage *, DBusPendingCallNotifyFunction);
static void	 dbus_absent(const char *);

/* libdbus added a watch: make its event, enabled only if the watch is. */
static dbus_bool_t
dbus_add_watch_cb(DBusWatch *watch, void *arg)
{
	struct dbus_io	*io;
	unsigned int	 flags = dbus_watch_get_flags(watch);
	short		 what = EV_PERSIST;

	/* Errors and hangups arrive as readability; libdbus sees the EOF. */
	if (flags & DBUS_WATCH_READABLE)
		what |= EV_READ;
	if (flags & DBUS_WATCH_WRITABLE)
		what |= EV_WRITE;
	io = xcalloc(1, sizeof(*io));
	io->watch = watch;
	io->ev = event_new(dbus_base, dbus_watch_get_unix_fd(watch), what,
	    dbus_io_cb, io);
	if (io->ev == NULL) {
		free(io);
		return (FALSE);
	}
	dbus_watch_set_data(watch, io, NULL);
	if (dbus_watch_get_enabled(watch) && event_add(io->ev, NULL) == -1) {
		dbus_watch_set_data(watch, NULL, NULL);
		event_free(io->ev);
		free(io);
		return (FALSE);
	}
	return (TRUE);
}

/* libdbus enabled or disabled a watch: only add or delete its event. */
static void
dbus_toggle_watch_cb(DBusWatch *watch, void *arg)
{
	struct dbus_io	*io = dbus_watch_get_data(watch);

	if (io == NULL)
		return;
	if (dbus_watch_get_enabled(watch)) {
		if (event_add(io->ev, NULL) == -1)
			log_warnx("D-Bus: cannot enable a watch");
	} else
		event_del(io->ev);
}

/* libdbus removed a watch: it must not be touched afterwards. */
static void
dbus_remove_watch_cb(DBusWatch *watch, void *arg)
{
	struct dbus_io	*io = dbus_watch_get_data(watch);

	if (io == NULL)
		return;
	dbus_watch_set_data(watch, NULL, NULL);
	event_free(io->ev);
	free(io);
}

/*
 * A watched socket is ready.  The watch is copied out first: handling it
 * may remove it, and with it io.
 */
static void
dbus_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dbus_io	*io = arg;
	DBusWatch	*watch = io->watch;
	unsigned int	 flags = 0;

	if (what & EV_READ)
		flags |= DBUS_WATCH_READABLE;
	if (what & EV_WRITE)
		flags |= DBUS_WATCH_WRITABLE;
	if (!dbus_watch_handle(watch, flags))
		log_warnx("D-Bus: out of memory handling a watch");
	dbus_kick();
}

/* libdbus added a timeout: a repeating timer of its interval. */
static dbus_bool_t
dbus_add_timeout_cb(DBusTimeout *timeout, void *arg)
{
	struct dbus_timer	*t;

	t = xcalloc(1, sizeof(*t));
	t->timeout = timeout;
	if ((t->ev = event_new(dbus_base, -1, EV_PERSIST, dbus_timer_cb,
	    t)) == NULL) {
		free(t);
		return (FALSE);
	}
	dbus_timeout_set_data(timeout, t, NULL);
	dbus_toggle_timeout_cb(timeout, NULL);
	return (TRUE);
}

/* Enable (with the interval as it is now) or disable a timeout. */
static void
dbus_toggle_timeout_cb(DBusTimeout *timeout, void *arg)
{
	struct dbus_timer	*t = dbus_timeout_get_data(timeout);
	struct timeval		 tv;
	int			 ms;

	if (t == NULL)
		return;
	if (!dbus_timeout_get_enabled(timeout)) {
		event_del(t->ev);
		return;
	}
	ms = dbus_timeout_get_interval(timeout);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (event_add(t->ev, &tv) == -1)
		log_warnx("D-Bus: cannot arm a timeout");
}

/* libdbus removed a timeout. */
static void
dbus_remove_timeout_cb(DBusTimeout *timeout, void *arg)
{
	struct dbus_timer	*t = dbus_timeout_get_data(timeout);

	if (t == NULL)
		return;
	dbus_timeout_set_data(timeout, NULL, NULL);
	event_free(t->ev);
	free(t);
}

/*
 * A timeout's interval elapsed.  EV_PERSIST has already re-armed it for
 * the next interval, as libdbus wants until it removes or disables it;
 * handling may remove it, so t is not used afterwards.
 */
static void
dbus_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dbus_timer	*t = arg;

	if (!dbus_timeout_handle(t->timeout))
		log_warnx("D-Bus: out of memory handling a timeout");
	dbus_kick();
}

/* The dispatch status changed: only note that a dispatch is due. */
static void
dbus_status_cb(DBusConnection *conn, DBusDispatchStatus status, void *arg)
{
	if (status != DBUS_DISPATCH_COMPLETE)
		dbus_kick();
}

/* libdbus wants the loop to run again (something was queued). */
static void
dbus_wakeup_cb(void *arg)
{
	dbus_kick();
}

/* Make the deferred dispatch run at the next turn of the loop. */
static void
dbus_kick(void)
{
	if (dbus_dispatch_ev != NULL)
		event_active(dbus_dispatch_ev, EV_TIMEOUT, 0);
}

/*
 * The deferred dispatch: a bounded batch of messages, then yield to the
 * other events and come back if more remain.  A connection found closed
 * afterwards is dropped and the wait for the bus starts.
 */
static void
dbus_dispatch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval		tv = { 0, DBUS_NOMEM_MS * 1000 };
	DBusDispatchStatus	st = DBUS_DISPATCH_COMPLETE;
	int			n, connected;

	if (dbus_connection == NULL)
		return;
	dbus_connection_ref(dbus_connection);
	for (n = 0; n < DBUS_DISPATCH_BATCH; n++) {
		if ((st = dbus_connection_dispatch(dbus_connection)) !=
		    DBUS_DISPATCH_DATA_REMAINS)
			break;
	}
	connected = dbus_connection_get_is_connected(dbus_connection);
	dbus_connection_unref(dbus_connection);
	/*
	 * A connection is dropped here, after dispatching, never from a
	 * callback that dispatching runs: that would dispatch again inside
	 * dispatch and deadlock on libdbus's lock.
	 */
	if (dbus_failed) {
		dbus_failed = 0;
		dbus_refused(dbus_fail_why);
		return;
	}
	if (connected) {
		if (st == DBUS_DISPATCH_DATA_REMAINS)
			dbus_kick();
		else if (st == DBUS_DISPATCH_NEED_MEMORY) {
			log_warnx("D-Bus: out of memory dispatching; retrying");
			event_add(dbus_dispatch_ev, &tv);
		}
		return;
	}
	/* Let messages queued before the disconnection be handled first. */
	if (st == DBUS_DISPATCH_DATA_REMAINS) {
		dbus_kick();
		return;
	}
	if (dbus_ready) {
		dbus_drop("the bus closed the connection");
		/* That was the one message for this absence. */
		dbus_absent_logged = 1;
		dbus_retry_ms = 0;
		dbus_wait();
	} else
		dbus_refused("the bus closed the connection before Hello");
}

/*
 * Messages from the bus itself that exitd's place on it depends on; the
 * same signals from anyone else (every user may send exitd a signal) are
 * not the bus's word.
 */
static DBusHandlerResult
dbus_filter_cb(DBusConnection *conn, DBusMessage *msg, void *arg)
{
	const char	*name = NULL, *from = dbus_message_get_sender(msg);

	if (from == NULL || strcmp(from, DBUS_SERVICE_DBUS) != 0)
		return (DBUS_HANDLER_RESULT_NOT_YET_HANDLED);
	if (dbus_message_is_signal(msg, DBUS_INTERFACE_DBUS, "NameLost") &&
	    dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &name,
	    DBUS_TYPE_INVALID) && strcmp(name, EXITD_DBUS_NAME) == 0) {
		dbus_owner = 0;
		log_warnx("D-Bus: lost the name %s", EXITD_DBUS_NAME);
	}
	else if (dbus_message_is_signal(msg, DBUS_INTERFACE_DBUS,
	    "NameAcquired") && dbus_message_get_args(msg, NULL,
	    DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID) &&
	    strcmp(name, EXITD_DBUS_NAME) == 0)
		dbus_owned();
	return (DBUS_HANDLER_RESULT_NOT_YET_HANDLED);
}

/*
 * Send a call to the bus driver; notify runs with this connection's
 * generation, so that a reply for a connection already dropped is
 * recognised and ignored.
 */
static void
dbus_call(DBusMessage *msg, DBusPendingCallNotifyFunction notify)
{
	DBusPendingCall	*pc = NULL;

	if (!dbus_connection_send_with_reply(dbus_connection, msg, &pc,
	    DBUS_SETUP_TIMEOUT_MS) || pc == NULL)
		fatalx("D-Bus: out of memory sending to the bus");
	if (!dbus_pending_call_set_notify(pc, notify,
	    (void *)(uintptr_t)dbus_gen, NULL))
		fatalx("D-Bus: out of memory");
	dbus_pending_call_unref(pc);
	dbus_message_unref(msg);
}

/*
 * The bus answered Hello: the connection has its unique name.  The
 * service registers its objects before the name is requested, so that a
 * client that waits for the name finds them.
 */
static void
dbus_hello_cb(DBusPendingCall *pc, void *arg)
{
	DBusMessage	*reply, *msg;
	DBusError	 err;
	const char	*unique = NULL, *name = EXITD_DBUS_NAME;
	dbus_uint32_t	 flags = 0;

	reply = dbus_pending_call_steal_reply(pc);
	if ((uint64_t)(uintptr_t)arg != dbus_gen || reply == NULL) {
		if (reply != NULL)
			dbus_message_unref(reply);
		return;
	}
	dbus_error_init(&err);
	if (dbus_set_error_from_message(&err, reply) ||
	    !dbus_message_get_args(reply, &err, DBUS_TYPE_STRING, &unique,
	    DBUS_TYPE_INVALID) ||
	    !dbus_bus_set_unique_name(dbus_connection, unique)) {
		dbus_message_unref(reply);
		snprintf(dbus_fail_why, sizeof(dbus_fail_why), "Hello: %s",
		    dbus_error_is_set(&err) ? err.message : "out of memory");
		dbus_error_free(&err);
		dbus_failed = 1;
		dbus_kick();
		return;
	}
	log_debug("D-Bus: connected to the %s bus as %s", dbus_busname,
	    unique);
	dbus_message_unref(reply);
	dbus_ready = 1;
	dbus_absent_logged = 0;
	dbus_retry_ms = 0;
	if (dbus_up != NULL)
		dbus_up(dbus_connection);

	/*
	 * Queue for the name rather than give up: if another connection
	 * holds it, NameAcquired arrives when it lets go.
	 */
	if ((msg = dbus_message_new_method_call(DBUS_SERVICE_DBUS,
	    DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS, "RequestName")) == NULL ||
	    !dbus_message_append_args(msg, DBUS_TYPE_STRING, &name,
	    DBUS_TYPE_UINT32, &flags, DBUS_TYPE_INVALID))
		fatalx("D-Bus: out of memory");
	dbus_call(msg, dbus_name_cb);
}

/*
 * exitd owns its name (the RequestName reply or NameAcquired, whichever
 * comes first, tells): say it once per connection.
 */
static void
dbus_owned(void)
{
	if (dbus_owner)
		return;
	dbus_owner = 1;
	log_info("D-Bus: own %s on the %s bus", EXITD_DBUS_NAME,
	    dbus_busname);
}

/* The bus answered RequestName. */
static void
dbus_name_cb(DBusPendingCall *pc, void *arg)
{
	DBusMessage	*reply;
	DBusError	 err;
	dbus_uint32_t	 result = 0;

	reply = dbus_pending_call_steal_reply(pc);
	if ((uint64_t)(uintptr_t)arg != dbus_gen || reply == NULL) {
		if (reply != NULL)
			dbus_message_unref(reply);
		return;
	}
	dbus_error_init(&err);
	if (dbus_set_error_from_message(&err, reply) ||
	    !dbus_message_get_args(reply, &err, DBUS_TYPE_UINT32, &result,
	    DBUS_TYPE_INVALID)) {
		/* The bus policy decides who may own it: say so plainly. */
		log_warnx("D-Bus: cannot own %s on the %s bus: %s",
		    EXITD_DBUS_NAME, dbus_busname, err.message);
		dbus_error_free(&err);
	} else if (result == DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER ||
	    result == DBUS_REQUEST_NAME_REPLY_ALREADY_OWNER)
		dbus_owned();
	else
		log_warnx("D-Bus: another connection owns %s on the %s bus; "
		    "exitd waits in the queue for it", EXITD_DBUS_NAME,
		    dbus_busname);
	dbus_message_unref(reply);
}

/*
 * Open a private connection and start Hello.  Returns 0 once the attempt
 * is under way (it may still fail later), -1 if the bus cannot be
 * reached now.
 */
static int
dbus_connect(void)
{
	DBusConnection	*conn;
	DBusMessage	*msg;
	DBusError	 err;

	dbus_error_init(&err);
	if ((conn = dbus_connection_open_private(dbus_address, &err)) ==
	    NULL) {
		dbus_absent(err.message);
		dbus_error_free(&err);
		return (-1);
	}
	dbus_gen++;
	dbus_connection = conn;
	dbus_ready = 0;
	dbus_failed = 0;
	dbus_connection_set_exit_on_disconnect(conn, FALSE);
	if (!dbus_connection_set_watch_functions(conn, dbus_add_watch_cb,
	    dbus_remove_watch_cb, dbus_toggle_watch_cb, NULL, NULL) ||
	    !dbus_connection_set_timeout_functions(conn, dbus_add_timeout_cb,
	    dbus_remove_timeout_cb, dbus_toggle_timeout_cb, NULL, NULL) ||
	    !dbus_connection_add_filter(conn, dbus_filter_cb, NULL, NULL))
		fatalx("D-Bus: out of memory setting up the connection");
	dbus_connection_set_dispatch_status_function(conn, dbus_status_cb,
	    NULL, NULL);
	dbus_connection_set_wakeup_main_function(conn, dbus_wakeup_cb, NULL,
	    NULL);

	if ((msg = dbus_message_new_method_call(DBUS_SERVICE_DBUS,
	    DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS, "Hello")) == NULL)
		fatalx("D-Bus: out of memory");
	dbus_call(msg, dbus_hello_cb);
	/* Messages may be queued already: look at once. */
	dbus_kick();
	dbus_unwatch();
	if (dbus_retry_ev != NULL)
		event_del(dbus_retry_ev);
	return (0);
}

/*
 * Forget the connection: the service first (its objects go with it),
 * then the glue.  Draining the closed connection completes the pending
 * calls still open with an error (their notifications see a generation
 * that is no longer current), so nothing keeps the connection alive.
 * why, if not NULL, is logged.
 */
static void
dbus_drop(const char *why)
{
	DBusConnection	*conn = dbus_connection;

	if (conn == NULL)
		return;
	if (why != NULL)
		log_warnx("D-Bus: lost the %s bus (%s); exitd waits for it "
		    "to return", dbus_busname, why);
	dbus_gen++;
	if (dbus_ready && dbus_down != NULL)
		dbus_down();
	dbus_ready = 0;
	dbus_owner = 0;
	dbus_connection = NULL;
	dbus_connection_remove_filter(conn, dbus_filter_cb, NULL);
	dbus_connection_set_dispatch_status_function(conn, NULL, NULL, NULL);
	dbus_connection_set_wakeup_main_function(conn, NULL, NULL, NULL);
	dbus_connection_close(conn);
	while (dbus_connection_dispatch(conn) == DBUS_DISPATCH_DATA_REMAINS)
		;
	dbus_connection_set_watch_functions(conn, NULL, NULL, NULL, NULL,
	    NULL);
	dbus_connection_set_timeout_functions(conn, NULL, NULL, NULL, NULL,
	    NULL);
	dbus_connection_unref(conn);
}

/*
 * Setting up the connection failed after the socket connected (the bus
 * refused authentication or Hello): wait for the bus to be replaced, and
 * retry on a backoff meanwhile, so that a bus that always refuses is
 * not hammered.
 */
static void
dbus_refused(const char *why)
{
	dbus_drop(NULL);
	dbus_absent(why);
	dbus_watch_all();
	dbus_backoff(1000);
}

/* Arm the retry timer: first_ms, doubling on each try, at most a minute. */
static void
dbus_backoff(int first_ms)
{
	struct timeval	tv;

	dbus_retry_ms = dbus_retry_ms == 0 ? first_ms : dbus_retry_ms * 2;
	if (dbus_retry_ms > DBUS_BACKOFF_MAX_MS)
		dbus_retry_ms = DBUS_BACKOFF_MAX_MS;
	tv.tv_sec = dbus_retry_ms / 1000;
	tv.tv_usec = (dbus_retry_ms % 1000) * 1000;
	event_add(dbus_retry_ev, &tv);
}

/* The bus cannot be reached: say it once per absence. */
static void
dbus_absent(const char *why)
{
	if (dbus_absent_logged) {
		log_debug("D-Bus: %s bus still absent: %s", dbus_busname, why);
		return;
	}
	dbus_absent_logged = 1;
	log_info("D-Bus: no %s bus at %s (%s): exitd runs without its D-Bus "
	    "API and connects when the bus appears", dbus_busname,
	    dbus_address, why);
}

/*
 * Watch for the bus: inotify on every unix:path socket's directory.
 * Returns 1 when every address of the bus can be watched so, 0 when some
 * can only be retried on a timer.
 */
static int
dbus_watch_all(void)
{
	DBusAddressEntry	**entries;
	DBusError		  err;
	const char		 *path;
	int			  i, n, all = 1;

	dbus_unwatch();
	dbus_error_init(&err);
	if (!dbus_parse_address(dbus_address, &entries, &n, &err)) {
		dbus_error_free(&err);
		return (0);
	}
	for (i = 0; i < n; i++) {
		path = NULL;
		if (strcmp(dbus_address_entry_get_method(entries[i]),
		    "unix") == 0)
			path = dbus_address_entry_get_value(entries[i],
			    "path");
		if (path == NULL || dbus_watch_path(path) != 0)
			all = 0;
	}
	dbus_address_entries_free(entries);
	return (all);
}

/*
 * Try the bus now, and if it is not there, wait for it: the watches are
 * set before the try, so that a socket created in between is not missed;
 * addresses that cannot be watched are retried on a backoff timer.
 */
static void
dbus_wait(void)
{
	int	all;

	all = dbus_watch_all();
	if (dbus_connect() == 0)
		return;
	if (!all)
		dbus_backoff(1000);
	else if (dbus_retry_quick > 0) {
		/*
		 * The socket appeared but refused us: the bus may have bound
		 * it and not be listening yet.  A few quick doubling tries,
		 * then only inotify again.
		 */
		dbus_retry_quick--;
		dbus_backoff(DBUS_RETRY_FIRST_MS);
	} else
		dbus_retry_ms = 0;
}

/* The retry timer: try again. */
static void
dbus_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	if (dbus_connection == NULL)
		dbus_wait();
}

/*
 * Watch for path to appear: inotify on its deepest existing ancestor
 * directory, for the next component down.  Returns 0, or -1 when inotify
 * cannot be used.
 */
static int
dbus_watch_path(const char *path)
{
	struct dbus_wanted	*w;
	struct stat		 st;
	char			*dir, *slash;
	size_t			 len;
	int			 wd;

	if (*path != '/')
		return (-1);
	if (dbus_inotify_fd == -1) {
		if ((dbus_inotify_fd = inotify_init1(IN_NONBLOCK |
		    IN_CLOEXEC)) == -1) {
			log_warn("D-Bus: inotify");
			return (-1);
		}
		dbus_inotify_ev = event_new(dbus_base, dbus_inotify_fd,
		    EV_READ | EV_PERSIST, dbus_inotify_cb, NULL);
		if (dbus_inotify_ev == NULL ||
		    event_add(dbus_inotify_ev, NULL) == -1)
			fatalx("D-Bus: cannot watch for the bus");
	}
	dir = xstrdup(path);
	for (;;) {
		if ((slash = strrchr(dir, '/')) == NULL)
			break;
		len = (size_t)(slash - dir);
		if (len == 0) {
			dir[1] = '\0';
			break;
		}
		*slash = '\0';
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			break;
	}
	if ((wd = inotify_add_watch(dbus_inotify_fd, dir, IN_CREATE |
	    IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF |
	    IN_ONLYDIR)) == -1) {
		log_warn("D-Bus: cannot watch %s for the bus", dir);
		free(dir);
		return (-1);
	}
	dbus_wanted = xreallocarray(dbus_wanted, dbus_nwanted + 1,
	    sizeof(*dbus_wanted));
	w = &dbus_wanted[dbus_nwanted++];
	w->wd = wd;
	w->dir = dir;
	/* The component of path just below dir. */
	path += strlen(dir) == 1 ? 1 : strlen(dir) + 1;
	len = strcspn(path, "/");
	w->name = xmalloc(len + 1);
	memcpy(w->name, path, len);
	w->name[len] = '\0';
	log_debug("D-Bus: watching %s for %s", w->dir, w->name);
	return (0);
}

/* Stop watching for the bus. */
static void
dbus_unwatch(void)
{
	size_t	i;

	for (i = 0; i < dbus_nwanted; i++) {
		free(dbus_wanted[i].dir);
		free(dbus_wanted[i].name);
	}
	free(dbus_wanted);
	dbus_wanted = NULL;
	dbus_nwanted = 0;
	if (dbus_inotify_ev != NULL)
		event_free(dbus_inotify_ev);
	dbus_inotify_ev = NULL;
	if (dbus_inotify_fd != -1)
		close(dbus_inotify_fd);
	dbus_inotify_fd = -1;
}

/*
 * Something changed in a watched directory.  Only the entry waited for
 * (or the directory itself going) matters; then try the bus again, with
 * a few quick retries in case it is not listening yet.
 */
static void
dbus_inotify_cb(evutil_socket_t fd, short what, void *arg)
{
	char				 buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event	*ie;
	ssize_t				 n;
	size_t				 i, off;
	int				 hit = 0;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off + sizeof(*ie) <= (size_t)n;
		    off += sizeof(*ie) + ie->len) {
			ie = (const struct inotify_event *)(buf + off);
			if (ie->mask & (IN_DELETE_SELF | IN_MOVE_SELF |
			    IN_IGNORED | IN_Q_OVERFLOW)) {
				hit = 1;
				continue;
			}
			for (i = 0; i < dbus_nwanted; i++) {
				if (ie->wd == dbus_wanted[i].wd && ie->len > 0 &&
				    strcmp(ie->name, dbus_wanted[i].name) == 0)
					hit = 1;
			}
		}
	}
	if (!hit || dbus_connection != NULL)
		return;
	dbus_retry_quick = DBUS_RETRY_QUICK;
	dbus_retry_ms = 0;
	dbus_wait();
}

/*
 * The address of a bus as libdbus would find it: the environment
 * variable, else the well-known system socket, or for the session bus the
 * user's runtime directory.  Returns NULL when there is none.
 */
static char *
dbus_default_address(int which)
{
	const char	*v, *env;
	char		*esc, *addr;

	env = which == EXITD_BUS_SYSTEM ? "DBUS_SYSTEM_BUS_ADDRESS" :
	    "DBUS_SESSION_BUS_ADDRESS";
	if ((v = getenv(env)) != NULL && *v != '\0')
		return (xstrdup(v));
	if (which == EXITD_BUS_SYSTEM)
		return (xstrdup(DBUS_SYSTEM_DEFAULT));
	if ((v = getenv("XDG_RUNTIME_DIR")) == NULL || *v != '/')
		return (NULL);
	if ((esc = dbus_address_escape_value(v)) == NULL)
		fatalx("D-Bus: out of memory");
	xasprintf(&addr, "unix:path=%s/bus", esc);
	dbus_free(esc);
	return (addr);
}

/*
 * Start exitd's D-Bus side on bus (EXITD_BUS_*): connect now or wait for
 * the bus.  up runs each time a connection is established (register the
 * objects there), down each time it is lost.
 */
void
dbus_start(struct event_base *base, int which, dbus_up_cb up,
    dbus_down_cb down)
{
	dbus_base = base;
	dbus_up = up;
	dbus_down = down;
	if (which == EXITD_BUS_NONE) {
		log_info("D-Bus: disabled (--no-dbus)");
		return;
	}
	dbus_busname = which == EXITD_BUS_SYSTEM ? "system" : "session";
	if ((dbus_address = dbus_default_address(which)) == NULL) {
		log_info("D-Bus: no session bus address (DBUS_SESSION_BUS_"
		    "ADDRESS and XDG_RUNTIME_DIR are unset): exitd runs "
		    "without its D-Bus API");
		return;
	}
	if ((dbus_dispatch_ev = event_new(base, -1, 0, dbus_dispatch_cb,
	    NULL)) == NULL || (dbus_retry_ev = evtimer_new(base,
	    dbus_retry_cb, NULL)) == NULL)
		fatalx("D-Bus: cannot create events");
	dbus_wait();
}

/* The connection, once the bus answered Hello; NULL otherwise. */
DBusConnection *
dbus_conn(void)
{
	return (dbus_ready ? dbus_connection : NULL);
}

/* Leave the bus and free the glue (exitd is stopping). */
void
dbus_stop(void)
{
	int	i;

	/*
	 * Replies and signals already queued still go out, for a second
	 * at most: a bus that stopped reading cannot hold exitd up.
	 */
	for (i = 0; dbus_connection != NULL && i < 10 &&
	    dbus_connection_has_messages_to_send(dbus_connection); i++)
		dbus_connection_read_write(dbus_connection, 100);
	dbus_drop(NULL);
	dbus_unwatch();
	if (dbus_dispatch_ev != NULL)
		event_free(dbus_dispatch_ev);
	if (dbus_retry_ev != NULL)
		event_free(dbus_retry_ev);
	dbus_dispatch_ev = dbus_retry_ev = NULL;
	free(dbus_address);
	dbus_address = NULL;
	dbus_shutdown();
}
