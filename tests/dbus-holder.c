/*
 * dbus-holder ADDRESS NAME: connect to the bus at ADDRESS, own NAME, print
 * "owned NAME" once it does, and keep it until SIGTERM.  Tests use it to
 * stand in another owner's way.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dbus/dbus.h>

static volatile sig_atomic_t	holder_stop;

static void	holder_term(int);

/* SIGTERM: leave the loop. */
static void
holder_term(int sig)
{
	holder_stop = 1;
}

/* Own the name, say so, wait. */
int
main(int argc, char **argv)
{
	DBusConnection	*conn;
	DBusError	 err;
	struct sigaction sa;
	int		 r;

	if (argc != 3) {
		fprintf(stderr, "usage: dbus-holder ADDRESS NAME\n");
		return (64);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = holder_term;
	sigaction(SIGTERM, &sa, NULL);
	dbus_error_init(&err);
	if ((conn = dbus_connection_open_private(argv[1], &err)) == NULL ||
	    !dbus_bus_register(conn, &err)) {
		fprintf(stderr, "dbus-holder: %s\n", err.message);
		return (1);
	}
	r = dbus_bus_request_name(conn, argv[2],
	    DBUS_NAME_FLAG_DO_NOT_QUEUE, &err);
	if (r != DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
		fprintf(stderr, "dbus-holder: cannot own %s: %s\n", argv[2],
		    dbus_error_is_set(&err) ? err.message : "taken");
		return (1);
	}
	printf("owned %s\n", argv[2]);
	fflush(stdout);
	while (!holder_stop && dbus_connection_read_write_dispatch(conn, 100))
		;
	dbus_connection_close(conn);
	dbus_connection_unref(conn);
	return (0);
}
