/*
 * exitctl inhibit: hold an exitd inhibitor lock (SPEC section 7) while a
 * command runs, as systemd-inhibit does for logind.  The lock is a file
 * descriptor that exitd handed out; it lasts while any copy is open.
 * exitctl keeps the only copy (libdbus receives it close-on-exec, so the
 * command does not inherit it) and closes it when the command ends: a
 * killed exitctl releases the lock even if the command lives on.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dbus/dbus.h>

#include "exitctl.h"

#define INHIBIT_TIMEOUT_MS	10000	/* for exitd's answer */

static int	ctl_inhibit_take(DBusBusType, const char *, const char *,
		    const char *, long, int *);

/*
 * Ask exitd for a lock.  Returns 0 with *fdp set, or an exitctl exit
 * status with the reason printed.
 */
static int
ctl_inhibit_take(DBusBusType bus, const char *who, const char *why,
    const char *mode, long wait, int *fdp)
{
	DBusConnection	*conn;
	DBusMessage	*msg, *reply;
	DBusMessageIter	 it, dict, ent, var;
	DBusError	 err;
	const char	*key = "wait_time";
	dbus_uint32_t	 u = (dbus_uint32_t)wait;
	int		 fd = -1, rv = DRIVER_EXIT_OK;

	dbus_error_init(&err);
	if ((conn = dbus_bus_get_private(bus, &err)) == NULL) {
		fprintf(stderr, "exitctl: inhibit: no D-Bus %s bus: %s\n",
		    bus == DBUS_BUS_SYSTEM ? "system" : "session",
		    err.message);
		dbus_error_free(&err);
		return (DRIVER_EXIT_UNAVAILABLE);
	}
	dbus_connection_set_exit_on_disconnect(conn, FALSE);
	if ((msg = dbus_message_new_method_call("org.exitpt.Exitd1",
	    "/org/exitpt/Exitd1", "org.exitpt.Exitd1.Manager", "Inhibit")) ==
	    NULL)
		goto nomem;
	dbus_message_iter_init_append(msg, &it);
	if (!dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &who) ||
	    !dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &why) ||
	    !dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &mode) ||
	    !dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}",
	    &dict))
		goto nomem;
	if (wait > 0 && (!dbus_message_iter_open_container(&dict,
	    DBUS_TYPE_DICT_ENTRY, NULL, &ent) ||
	    !dbus_message_iter_append_basic(&ent, DBUS_TYPE_STRING, &key) ||
	    !dbus_message_iter_open_container(&ent, DBUS_TYPE_VARIANT, "u",
	    &var) ||
	    !dbus_message_iter_append_basic(&var, DBUS_TYPE_UINT32, &u) ||
	    !dbus_message_iter_close_container(&ent, &var) ||
	    !dbus_message_iter_close_container(&dict, &ent)))
		goto nomem;
	if (!dbus_message_iter_close_container(&it, &dict))
		goto nomem;
	reply = dbus_connection_send_with_reply_and_block(conn, msg,
	    INHIBIT_TIMEOUT_MS, &err);
	dbus_message_unref(msg);
	if (reply == NULL) {
		fprintf(stderr, "exitctl: inhibit: %s (%s)\n", err.message,
		    err.name);
		rv = strcmp(err.name, DBUS_ERROR_ACCESS_DENIED) == 0 ?
		    DRIVER_EXIT_NOPERM : strcmp(err.name,
		    DBUS_ERROR_INVALID_ARGS) == 0 ? DRIVER_EXIT_USAGE :
		    DRIVER_EXIT_UNAVAILABLE;
		dbus_error_free(&err);
	} else {
		if (!dbus_message_get_args(reply, &err, DBUS_TYPE_UNIX_FD,
		    &fd, DBUS_TYPE_INVALID)) {
			fprintf(stderr, "exitctl: inhibit: exitd's answer: "
			    "%s\n", err.message);
			dbus_error_free(&err);
			rv = DRIVER_EXIT_SOFTWARE;
		} else
			/* Only COMMAND's wait ends the lock, not its children. */
			(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		dbus_message_unref(reply);
	}
	/* The lock is the descriptor, not the connection. */
	dbus_connection_close(conn);
	dbus_connection_unref(conn);
	*fdp = fd;
	return (rv);

nomem:
	fprintf(stderr, "exitctl: inhibit: out of memory\n");
	dbus_connection_close(conn);
	dbus_connection_unref(conn);
	return (DRIVER_EXIT_SOFTWARE);
}

/*
 * exitctl inhibit --who X --why Y [--mode block|delay] [--wait-time S]
 * [--session-bus] -- COMMAND...: run COMMAND while holding the lock; exit
 * with COMMAND's status.
 */
int
ctl_inhibit(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "who", required_argument, NULL, 'w' },
		{ "why", required_argument, NULL, 'y' },
		{ "mode", required_argument, NULL, 'm' },
		{ "wait-time", required_argument, NULL, 't' },
		{ "session-bus", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	DBusBusType	 bus = DBUS_BUS_SYSTEM;
	const char	*who = NULL, *why = NULL, *mode = "block";
	long long	 v;
	long		 wait = 0;
	int		 ch, fd, rv, took;

	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (ch) {
		case 'w':
			who = optarg;
			break;
		case 'y':
			why = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "block") != 0 &&
			    strcmp(optarg, "delay") != 0)
				return (ctl_usage_error("inhibit", "--mode: "
				    "block or delay, not '%s'", optarg));
			mode = optarg;
			break;
		case 't':
			if (text_parse_int(optarg, 1, 900, &v) != 0)
				return (ctl_usage_error("inhibit",
				    "--wait-time: 1..900 seconds, not '%s'",
				    optarg));
			wait = (long)v;
			break;
		case 's':
			bus = DBUS_BUS_SESSION;
			break;
		default:
			return (ctl_usage_error("inhibit", "bad option"));
		}
	}
	if (who == NULL || why == NULL)
		return (ctl_usage_error("inhibit", "--who and --why are "
		    "required"));
	if (wait > 0 && strcmp(mode, "delay") != 0)
		return (ctl_usage_error("inhibit", "--wait-time is for "
		    "--mode delay"));
	if (optind >= argc)
		return (ctl_usage_error("inhibit", "missing COMMAND"));
	if ((rv = ctl_inhibit_take(bus, who, why, mode, wait, &fd)) != 0)
		return (rv);
	rv = ctl_critical_run("inhibit", argv + optind, NULL, NULL, &took);
	close(fd);
	return (rv);
}
