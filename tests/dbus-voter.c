/*
 * dbus-voter: a voter whose behaviour a test scripts (SPEC section 7).
 *
 *   dbus-voter [options]
 *     --path PATH        object path (default /test/Voter)
 *     --name NAME        voter name given to RegisterVoter (default "voter")
 *     --desc TEXT        its description (default "scripted test voter")
 *     --answer S,W,WHY   Check answer: status, wait time, reason
 *                        (default 1,1,)
 *     --delay PHASE=MS   answer PHASE after MS milliseconds
 *     --hang PHASE       never answer PHASE
 *     --error PHASE      answer PHASE with an error
 *     --die PHASE        exit at once (status 3) when PHASE is called
 *     --opt KEY=N        a RegisterVoter option (u)
 *     --log FILE         append "PHASE OPERATION [DETAIL]" for every call
 *     --follow           register again whenever org.exitpt.Exitd1 gets
 *                        a new owner
 *     --own NAME         own NAME, and only that (no voter): stands in
 *                        another owner's way
 *     --inhibit WHO,WHY,MODE[,WAIT]
 *                        take an inhibitor lock instead (no voter), print
 *                        "inhibited", hold it until SIGTERM
 *     --pass             with --inhibit: start "sleep 1000" with a copy of
 *                        the lock on its fd 3 and print "child PID"
 *
 * PHASE is check, prepare, cancel or complete.  The bus is
 * $DBUS_SYSTEM_BUS_ADDRESS.  Once registered it prints "registered
 * UNIQUE PATH" on stdout, so a test can wait for that line.  SIGTERM ends
 * it.
 */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dbus/dbus.h>

#define EXITD_NAME	"org.exitpt.Exitd1"
#define VOTER_IFACE	"org.exitpt.Exitd1.Voter"
#define NPHASES		4
#define MAXOPTS		8
#define MAXHELD		64

enum { CHECK, PREPARE, CANCEL, COMPLETE };
static const char *const phase_names[NPHASES] = {
	"check", "prepare", "cancel", "complete"
};

struct held {
	DBusMessage	*reply;		/* sent at due */
	long long	 due;		/* CLOCK_MONOTONIC, ms */
};

static const char	*path = "/test/Voter";
static const char	*name = "voter";
static const char	*desc = "scripted test voter";
static dbus_int32_t	 a_status = 1;
static dbus_uint32_t	 a_wait = 1;
static const char	*a_reason = "";
static int		 delay_ms[NPHASES];
static int		 hang[NPHASES], fail[NPHASES], die[NPHASES];
static const char	*opt_key[MAXOPTS];
static dbus_uint32_t	 opt_val[MAXOPTS];
static int		 nopts;
static const char	*logpath;
static int		 follow;
static struct held	 held[MAXHELD];
static int		 nheld;
static volatile sig_atomic_t stop;
static char		*inhibit;
static int		 pass;

static void		 usage(void) __attribute__((noreturn));
static void		 term(int);
static int		 phase_parse(const char *);
static long long	 now_ms(void);
static void		 vlog(const char *, ...)
			    __attribute__((format(printf, 1, 2)));
static int		 voter_register(DBusConnection *);
static DBusHandlerResult voter_cb(DBusConnection *, DBusMessage *, void *);
static DBusHandlerResult filter_cb(DBusConnection *, DBusMessage *, void *);
static int		 take_lock(DBusConnection *);
static void		 append_option(DBusMessageIter *, const char *,
			    dbus_uint32_t);

/* Print the usage and exit. */
static void
usage(void)
{
	fprintf(stderr, "usage: dbus-voter [--path P] [--name N] [--desc T] "
	    "[--answer S,W,WHY] [--delay PHASE=MS] [--hang PHASE] "
	    "[--error PHASE] [--die PHASE] [--opt KEY=N] [--log FILE] "
	    "[--follow] [--own NAME]\n");
	exit(64);
}

/* SIGTERM: leave the loop. */
static void
term(int sig)
{
	stop = 1;
}

/* A phase name's index; exits on a bad one. */
static int
phase_parse(const char *s)
{
	int	i;

	for (i = 0; i < NPHASES; i++) {
		if (strncmp(s, phase_names[i], strlen(phase_names[i])) == 0)
			return (i);
	}
	fprintf(stderr, "dbus-voter: no phase '%s'\n", s);
	exit(64);
}

/* Milliseconds on the monotonic clock. */
static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Append one line to the log file, if any. */
static void
vlog(const char *fmt, ...)
{
	FILE	*f;
	va_list	 ap;

	if (logpath == NULL || (f = fopen(logpath, "a")) == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

/* Append one option KEY of type u to an a{sv} being built. */
static void
append_option(DBusMessageIter *dict, const char *key, dbus_uint32_t val)
{
	DBusMessageIter	ent, var;

	dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL,
	    &ent);
	dbus_message_iter_append_basic(&ent, DBUS_TYPE_STRING, &key);
	dbus_message_iter_open_container(&ent, DBUS_TYPE_VARIANT, "u", &var);
	dbus_message_iter_append_basic(&var, DBUS_TYPE_UINT32, &val);
	dbus_message_iter_close_container(&ent, &var);
	dbus_message_iter_close_container(dict, &ent);
}

/* RegisterVoter with the scripted options; 0 or -1. */
static int
voter_register(DBusConnection *conn)
{
	DBusMessage	*msg, *reply;
	DBusMessageIter	 it, dict;
	DBusError	 err;
	int		 i;

	msg = dbus_message_new_method_call(EXITD_NAME, "/org/exitpt/Exitd1",
	    "org.exitpt.Exitd1.Manager", "RegisterVoter");
	dbus_message_iter_init_append(msg, &it);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_OBJECT_PATH, &path);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &name);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &desc);
	dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &dict);
	for (i = 0; i < nopts; i++)
		append_option(&dict, opt_key[i], opt_val[i]);
	dbus_message_iter_close_container(&it, &dict);
	dbus_error_init(&err);
	reply = dbus_connection_send_with_reply_and_block(conn, msg, 5000,
	    &err);
	dbus_message_unref(msg);
	if (reply == NULL) {
		fprintf(stderr, "dbus-voter: RegisterVoter: %s: %s\n",
		    err.name, err.message);
		dbus_error_free(&err);
		return (-1);
	}
	dbus_message_unref(reply);
	printf("registered %s %s\n", dbus_bus_get_unique_name(conn), path);
	fflush(stdout);
	return (0);
}

/* A call on the voter: log it, then answer as scripted. */
static DBusHandlerResult
voter_cb(DBusConnection *conn, DBusMessage *msg, void *arg)
{
	DBusMessage	*reply;
	dbus_uint64_t	 op = 0;
	dbus_uint32_t	 u = 0;
	const char	*action = "";
	int		 ph;

	if (dbus_message_get_type(msg) != DBUS_MESSAGE_TYPE_METHOD_CALL ||
	    !dbus_message_has_interface(msg, VOTER_IFACE))
		return (DBUS_HANDLER_RESULT_NOT_YET_HANDLED);
	for (ph = 0; ph < NPHASES; ph++) {
		if (strcasecmp(dbus_message_get_member(msg),
		    phase_names[ph]) == 0)
			break;
	}
	if (ph == NPHASES)
		return (DBUS_HANDLER_RESULT_NOT_YET_HANDLED);
	if (ph == PREPARE || ph == COMPLETE)
		dbus_message_get_args(msg, NULL, DBUS_TYPE_UINT64, &op,
		    DBUS_TYPE_STRING, &action, DBUS_TYPE_UINT32, &u,
		    DBUS_TYPE_INVALID);
	else
		dbus_message_get_args(msg, NULL, DBUS_TYPE_UINT64, &op,
		    DBUS_TYPE_STRING, &action, DBUS_TYPE_INVALID);
	vlog("%s %016llx %s %u", phase_names[ph], (unsigned long long)op,
	    action, (unsigned int)u);
	if (die[ph])
		_exit(3);
	if (hang[ph])
		return (DBUS_HANDLER_RESULT_HANDLED);
	if (fail[ph])
		reply = dbus_message_new_error(msg, "org.example.Failed",
		    "scripted failure");
	else {
		reply = dbus_message_new_method_return(msg);
		if (ph == CHECK)
			dbus_message_append_args(reply, DBUS_TYPE_INT32,
			    &a_status, DBUS_TYPE_UINT32, &a_wait,
			    DBUS_TYPE_STRING, &a_reason, DBUS_TYPE_INVALID);
	}
	if (delay_ms[ph] > 0 && nheld < MAXHELD) {
		held[nheld].reply = reply;
		held[nheld].due = now_ms() + delay_ms[ph];
		nheld++;
	} else {
		dbus_connection_send(conn, reply, NULL);
		dbus_message_unref(reply);
	}
	return (DBUS_HANDLER_RESULT_HANDLED);
}

/* exitd got a new owner: register again (--follow). */
static DBusHandlerResult
filter_cb(DBusConnection *conn, DBusMessage *msg, void *arg)
{
	const char	*n, *o, *w;

	if (follow && dbus_message_is_signal(msg, DBUS_INTERFACE_DBUS,
	    "NameOwnerChanged") && dbus_message_get_args(msg, NULL,
	    DBUS_TYPE_STRING, &n, DBUS_TYPE_STRING, &o, DBUS_TYPE_STRING, &w,
	    DBUS_TYPE_INVALID) && strcmp(n, EXITD_NAME) == 0 && *w != '\0')
		voter_register(conn);
	return (DBUS_HANDLER_RESULT_NOT_YET_HANDLED);
}

/*
 * Inhibit as --inhibit says; hand a copy to a child with --pass.  Returns
 * the lock's descriptor, or -1.
 */
static int
take_lock(DBusConnection *conn)
{
	DBusMessage	*msg, *reply;
	DBusMessageIter	 it, dict;
	DBusError	 err;
	const char	*who, *why, *mode;
	char		*p;
	dbus_uint32_t	 wait = 0;
	pid_t		 pid;
	int		 fd;

	who = strtok(inhibit, ",");
	why = strtok(NULL, ",");
	mode = strtok(NULL, ",");
	if (who == NULL || why == NULL || mode == NULL)
		usage();
	if ((p = strtok(NULL, ",")) != NULL)
		wait = (dbus_uint32_t)strtoul(p, NULL, 10);
	msg = dbus_message_new_method_call(EXITD_NAME, "/org/exitpt/Exitd1",
	    "org.exitpt.Exitd1.Manager", "Inhibit");
	dbus_message_iter_init_append(msg, &it);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &who);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &why);
	dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &mode);
	dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &dict);
	if (p != NULL)
		append_option(&dict, "wait_time", wait);
	dbus_message_iter_close_container(&it, &dict);
	dbus_error_init(&err);
	reply = dbus_connection_send_with_reply_and_block(conn, msg, 5000,
	    &err);
	dbus_message_unref(msg);
	if (reply == NULL || !dbus_message_get_args(reply, &err,
	    DBUS_TYPE_UNIX_FD, &fd, DBUS_TYPE_INVALID)) {
		fprintf(stderr, "dbus-voter: Inhibit: %s: %s\n", err.name,
		    err.message);
		return (-1);
	}
	dbus_message_unref(reply);
	if (pass) {
		if ((pid = fork()) == 0) {
			/* A copy on fd 3 that survives exec. */
			if (fd == 3)
				fcntl(3, F_SETFD, 0);
			else
				dup2(fd, 3);
			execlp("sleep", "sleep", "1000", (char *)NULL);
			_exit(127);
		}
		printf("child %ld\n", (long)pid);
	}
	printf("inhibited\n");
	fflush(stdout);
	return (fd);
}

/* Parse the script, connect, register, serve until SIGTERM. */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "path", required_argument, NULL, 'p' },
		{ "name", required_argument, NULL, 'n' },
		{ "desc", required_argument, NULL, 'T' },
		{ "answer", required_argument, NULL, 'a' },
		{ "delay", required_argument, NULL, 'd' },
		{ "hang", required_argument, NULL, 'H' },
		{ "error", required_argument, NULL, 'e' },
		{ "die", required_argument, NULL, 'D' },
		{ "opt", required_argument, NULL, 'o' },
		{ "log", required_argument, NULL, 'l' },
		{ "follow", no_argument, NULL, 'f' },
		{ "own", required_argument, NULL, 'O' },
		{ "inhibit", required_argument, NULL, 'I' },
		{ "pass", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	static const DBusObjectPathVTable vtable = {
		.message_function = voter_cb
	};
	DBusConnection	*conn;
	DBusError	 err;
	struct sigaction sa;
	const char	*own = NULL, *addr;
	char		*p, *q;
	long long	 t, next;
	int		 ch, i, timeout;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			path = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'T':
			desc = optarg;
			break;
		case 'a':
			a_status = (dbus_int32_t)strtol(optarg, &p, 10);
			if (*p != ',')
				usage();
			a_wait = (dbus_uint32_t)strtoul(p + 1, &q, 10);
			if (*q != ',')
				usage();
			a_reason = q + 1;
			break;
		case 'd':
			if ((p = strchr(optarg, '=')) == NULL)
				usage();
			delay_ms[phase_parse(optarg)] = atoi(p + 1);
			break;
		case 'H':
			hang[phase_parse(optarg)] = 1;
			break;
		case 'e':
			fail[phase_parse(optarg)] = 1;
			break;
		case 'D':
			die[phase_parse(optarg)] = 1;
			break;
		case 'o':
			if ((p = strchr(optarg, '=')) == NULL ||
			    nopts == MAXOPTS)
				usage();
			*p = '\0';
			opt_key[nopts] = optarg;
			opt_val[nopts++] = (dbus_uint32_t)strtoul(p + 1, NULL,
			    10);
			break;
		case 'l':
			logpath = optarg;
			break;
		case 'f':
			follow = 1;
			break;
		case 'O':
			own = optarg;
			break;
		case 'I':
			inhibit = optarg;
			break;
		case 'P':
			pass = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = term;
	sigaction(SIGTERM, &sa, NULL);

	if ((addr = getenv("DBUS_SYSTEM_BUS_ADDRESS")) == NULL) {
		fprintf(stderr, "dbus-voter: DBUS_SYSTEM_BUS_ADDRESS unset\n");
		return (64);
	}
	dbus_error_init(&err);
	if ((conn = dbus_connection_open_private(addr, &err)) == NULL ||
	    !dbus_bus_register(conn, &err)) {
		fprintf(stderr, "dbus-voter: %s\n", err.message);
		return (1);
	}
	if (inhibit != NULL) {
		if (take_lock(conn) == -1)
			return (1);
	} else if (own != NULL) {
		if (dbus_bus_request_name(conn, own,
		    DBUS_NAME_FLAG_DO_NOT_QUEUE, &err) !=
		    DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
			fprintf(stderr, "dbus-voter: cannot own %s\n", own);
			return (1);
		}
		printf("owned %s\n", own);
		fflush(stdout);
	} else {
		dbus_bus_add_match(conn, "type='signal',interface='"
		    DBUS_INTERFACE_DBUS "',member='NameOwnerChanged',arg0='"
		    EXITD_NAME "'", NULL);
		dbus_connection_add_filter(conn, filter_cb, NULL, NULL);
		dbus_connection_register_object_path(conn, path, &vtable,
		    NULL);
		if (voter_register(conn) == -1 && !follow)
			return (1);
	}

	while (!stop) {
		/* Send what is due; wait until the next is. */
		t = now_ms();
		next = -1;
		for (i = 0; i < nheld; ) {
			if (held[i].due <= t) {
				dbus_connection_send(conn, held[i].reply,
				    NULL);
				dbus_message_unref(held[i].reply);
				held[i] = held[--nheld];
				continue;
			}
			if (next == -1 || held[i].due < next)
				next = held[i].due;
			i++;
		}
		timeout = next == -1 ? 200 : (int)(next - t);
		if (timeout > 200)
			timeout = 200;	/* SIGTERM is noticed within this */
		if (!dbus_connection_read_write_dispatch(conn, timeout))
			break;
	}
	dbus_connection_close(conn);
	dbus_connection_unref(conn);
	return (0);
}
