/*
 * Sample D-Bus voter on libdbus-1: an application that takes part in
 * migrations and hibernations without shipping an exit program.
 *
 *   dbus-voter [--session] [--path PATH] [--wait SECONDS] FLAGFILE
 *
 * It exports org.exitpt.Exitd1.Voter at PATH and registers it with exitd:
 *
 *   Check    vetoes while FLAGFILE exists (the application's "busy"
 *            marker), otherwise allows and asks for SECONDS (default 10)
 *            to prepare;
 *   Prepare, Cancel, Complete
 *            print a line and answer at once.
 *
 * When exitd restarts (or appears after the voter), the bus announces
 * the new owner of org.exitpt.Exitd1 with NameOwnerChanged and the voter
 * registers again, so exitd can honour its Cancel or Complete after a
 * restart (SPEC section 7).  Once registered it prints
 * "registered UNIQUE-NAME PATH".  It uses the system bus
 * ($DBUS_SYSTEM_BUS_ADDRESS), or the session bus with --session.
 *
 * One thread, libdbus's own blocking loop: a voter answers each call as
 * soon as it can, and nothing else happens in this program meanwhile.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dbus/dbus.h>

#define EXITD_NAME	"org.exitpt.Exitd1"
#define EXITD_PATH	"/org/exitpt/Exitd1"
#define EXITD_MANAGER	"org.exitpt.Exitd1.Manager"
#define VOTER_IFACE	"org.exitpt.Exitd1.Voter"
#define CALL_TIMEOUT	5000	/* milliseconds for RegisterVoter */

static const char	*voter_flag;
static const char	*voter_path = "/org/exitpt/samples/Voter";
static dbus_uint32_t	 voter_wait = 10;

static void		 voter_usage(void) __attribute__((noreturn));
static int		 voter_register(DBusConnection *);
static DBusHandlerResult voter_message_cb(DBusConnection *, DBusMessage *,
			    void *);
static DBusHandlerResult voter_filter_cb(DBusConnection *, DBusMessage *,
			    void *);
static void		 voter_reply(DBusConnection *, DBusMessage *, int,
			    ...);

/* Print the usage and exit. */
static void
voter_usage(void)
{
	fprintf(stderr, "usage: dbus-voter [--session] [--path PATH] "
	    "[--wait SECONDS] FLAGFILE\n");
	exit(64);
}

/*
 * Register PATH with exitd (blocking: this program has nothing else to
 * do).  Returns 0, or -1 with the reason printed.
 */
static int
voter_register(DBusConnection *conn)
{
	DBusMessage	*msg, *reply;
	DBusMessageIter	 it, dict;
	DBusError	 err;
	const char	*name = "sample-voter";
	const char	*desc = "vetoes while its flag file exists";

	msg = dbus_message_new_method_call(EXITD_NAME, EXITD_PATH,
	    EXITD_MANAGER, "RegisterVoter");
	if (msg == NULL)
		return (-1);
	dbus_message_iter_init_append(msg, &it);
	/* No options: exitd's default timeouts suit this voter. */
	if (!dbus_message_iter_append_basic(&it, DBUS_TYPE_OBJECT_PATH,
	    &voter_path) ||
	    !dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &name) ||
	    !dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &desc) ||
	    !dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}",
	    &dict) || !dbus_message_iter_close_container(&it, &dict)) {
		dbus_message_unref(msg);
		return (-1);
	}
	dbus_error_init(&err);
	reply = dbus_connection_send_with_reply_and_block(conn, msg,
	    CALL_TIMEOUT, &err);
	dbus_message_unref(msg);
	if (reply == NULL) {
		fprintf(stderr, "dbus-voter: RegisterVoter: %s\n",
		    err.message);
		dbus_error_free(&err);
		return (-1);
	}
	dbus_message_unref(reply);
	printf("registered %s %s\n", dbus_bus_get_unique_name(conn),
	    voter_path);
	fflush(stdout);
	return (0);
}

/*
 * Reply to call with the arguments given as libdbus's (type, pointer)
 * pairs ending in DBUS_TYPE_INVALID.
 */
static void
voter_reply(DBusConnection *conn, DBusMessage *call, int first, ...)
{
	DBusMessage	*reply;
	va_list		 ap;

	if ((reply = dbus_message_new_method_return(call)) == NULL)
		return;
	va_start(ap, first);
	if (dbus_message_append_args_valist(reply, first, ap))
		dbus_connection_send(conn, reply, NULL);
	va_end(ap);
	dbus_message_unref(reply);
}

/* A call on the voter's object: answer it. */
static DBusHandlerResult
voter_message_cb(DBusConnection *conn, DBusMessage *msg, void *arg)
{
	const char	*action = "", *reason = "";
	char		 why[512];
	dbus_uint64_t	 op = 0;
	dbus_uint32_t	 u = 0, wait;
	dbus_int32_t	 status;

	if (dbus_message_is_method_call(msg, VOTER_IFACE, "Check") &&
	    dbus_message_get_args(msg, NULL, DBUS_TYPE_UINT64, &op,
	    DBUS_TYPE_STRING, &action, DBUS_TYPE_INVALID)) {
		if (access(voter_flag, F_OK) == 0) {
			status = 0;
			wait = 0;
			snprintf(why, sizeof(why), "busy: %s exists",
			    voter_flag);
			reason = why;
		} else {
			status = 1;
			wait = voter_wait;
		}
		printf("check %016llx %s: %s\n", (unsigned long long)op,
		    action, status ? "allow" : "veto");
		voter_reply(conn, msg, DBUS_TYPE_INT32, &status,
		    DBUS_TYPE_UINT32, &wait, DBUS_TYPE_STRING, &reason,
		    DBUS_TYPE_INVALID);
	} else if (dbus_message_is_method_call(msg, VOTER_IFACE, "Prepare") &&
	    dbus_message_get_args(msg, NULL, DBUS_TYPE_UINT64, &op,
	    DBUS_TYPE_STRING, &action, DBUS_TYPE_UINT32, &u,
	    DBUS_TYPE_INVALID)) {
		printf("prepare %016llx %s: window %u s\n",
		    (unsigned long long)op, action, (unsigned int)u);
		voter_reply(conn, msg, DBUS_TYPE_INVALID);
	} else if (dbus_message_is_method_call(msg, VOTER_IFACE, "Cancel") &&
	    dbus_message_get_args(msg, NULL, DBUS_TYPE_UINT64, &op,
	    DBUS_TYPE_STRING, &action, DBUS_TYPE_INVALID)) {
		printf("cancel %016llx %s\n", (unsigned long long)op, action);
		voter_reply(conn, msg, DBUS_TYPE_INVALID);
	} else if (dbus_message_is_method_call(msg, VOTER_IFACE, "Complete") &&
	    dbus_message_get_args(msg, NULL, DBUS_TYPE_UINT64, &op,
	    DBUS_TYPE_STRING, &action, DBUS_TYPE_UINT32, &u,
	    DBUS_TYPE_INVALID)) {
		printf("complete %016llx %s: system state %u\n",
		    (unsigned long long)op, action, (unsigned int)u);
		voter_reply(conn, msg, DBUS_TYPE_INVALID);
	} else
		return (DBUS_HANDLER_RESULT_NOT_YET_HANDLED);
	fflush(stdout);
	return (DBUS_HANDLER_RESULT_HANDLED);
}

/* exitd (re)appeared on the bus: register again. */
static DBusHandlerResult
voter_filter_cb(DBusConnection *conn, DBusMessage *msg, void *arg)
{
	const char	*name, *old, *new;

	if (dbus_message_is_signal(msg, DBUS_INTERFACE_DBUS,
	    "NameOwnerChanged") && dbus_message_get_args(msg, NULL,
	    DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &old,
	    DBUS_TYPE_STRING, &new, DBUS_TYPE_INVALID) &&
	    strcmp(name, EXITD_NAME) == 0 && *new != '\0')
		voter_register(conn);
	return (DBUS_HANDLER_RESULT_NOT_YET_HANDLED);
}

/* Connect, export the voter, register it, and answer calls forever. */
int
main(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "session", no_argument, NULL, 's' },
		{ "path", required_argument, NULL, 'p' },
		{ "wait", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	static const DBusObjectPathVTable vtable = {
		.message_function = voter_message_cb
	};
	DBusConnection	*conn;
	DBusError	 err;
	DBusBusType	 bus = DBUS_BUS_SYSTEM;
	char		*end;
	long		 v;
	int		 ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			bus = DBUS_BUS_SESSION;
			break;
		case 'p':
			if (!dbus_validate_path(optarg, NULL)) {
				fprintf(stderr, "dbus-voter: --path: not an "
				    "object path: '%s'\n", optarg);
				exit(64);
			}
			voter_path = optarg;
			break;
		case 'w':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || v < 1 || v > 900) {
				fprintf(stderr, "dbus-voter: --wait: 1..900 "
				    "seconds, not '%s'\n", optarg);
				exit(64);
			}
			voter_wait = (dbus_uint32_t)v;
			break;
		default:
			voter_usage();
		}
	}
	if (argc - optind != 1)
		voter_usage();
	voter_flag = argv[optind];

	dbus_error_init(&err);
	if ((conn = dbus_bus_get_private(bus, &err)) == NULL) {
		fprintf(stderr, "dbus-voter: %s\n", err.message);
		return (69);
	}
	/* A voter that loses its bus has nothing left to do: exit. */
	dbus_connection_set_exit_on_disconnect(conn, TRUE);
	dbus_bus_add_match(conn, "type='signal',sender='" DBUS_SERVICE_DBUS
	    "',interface='" DBUS_INTERFACE_DBUS "',member='NameOwnerChanged',"
	    "arg0='" EXITD_NAME "'", &err);
	if (dbus_error_is_set(&err) ||
	    !dbus_connection_add_filter(conn, voter_filter_cb, NULL, NULL) ||
	    !dbus_connection_register_object_path(conn, voter_path, &vtable,
	    NULL)) {
		fprintf(stderr, "dbus-voter: cannot set up: %s\n",
		    dbus_error_is_set(&err) ? err.message : "out of memory");
		return (69);
	}
	/* exitd may not be there yet: NameOwnerChanged will say when. */
	if (dbus_bus_name_has_owner(conn, EXITD_NAME, NULL))
		voter_register(conn);
	while (dbus_connection_read_write_dispatch(conn, -1))
		;
	return (0);
}
