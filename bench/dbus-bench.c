/*
 * D-Bus voter benchmark: Manager.Check (a validation) through a real exitd
 * with N registered voters, each a separate samples/dbus-voter process,
 * beside a baseline measured in the same run on the same bus: N
 * sequential libdbus method calls (Voter.Check) from this program to one
 * of those voters.  exitd calls its voters at once with pending calls, so
 * its fan-out should cost at most what N calls one after another cost
 * (target: ratio <= 1.0).  It prints both medians, the ratio and the
 * cost per voter.
 *
 *	bench/dbus-bench [-e EXITD] [-v VOTER] [-n N] [-r REPEATS]
 *
 * It starts its own dbus-daemon with the system bus's default limits (256
 * connections per user, 128 pending replies per connection), so N is at
 * most 250.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dbus/dbus.h>

#define BENCH_MAXN	250
#define BENCH_WAIT_MS	60000	/* for the bus, exitd, the voters */

struct bench {
	const char	*exitd;
	const char	*voter;
	int		 n;
	int		 repeats;
	char		 dir[PATH_MAX];
	char		 addr[PATH_MAX + 16];
	pid_t		 bus;
	pid_t		 exitd_pid;
	pid_t		 voters[BENCH_MAXN];
	DBusConnection	*conn;
	char		 peer[256];	/* one voter: unique name */
	char		 peer_path[256];
};

static void	 bench_fail(struct bench *, const char *, ...)
		    __attribute__((format(printf, 2, 3), noreturn));
static double	 bench_now_ms(void);
static pid_t	 bench_spawn(const char *const *, int, const char *);
static void	 bench_start_bus(struct bench *);
static void	 bench_start_exitd(struct bench *);
static int	 bench_count_voters(struct bench *);
static double	 bench_baseline(struct bench *);
static double	 bench_fanout(struct bench *);
static void	 bench_cleanup(struct bench *);
static int	 bench_cmp(const void *, const void *);

/* Milliseconds on the monotonic clock. */
static double
bench_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6);
}

/* Print why, stop everything started, exit 1. */
static void
bench_fail(struct bench *b, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "dbus-bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	bench_cleanup(b);
	exit(1);
}

/* Start argv with stdout on out_fd (-1: /dev/null), stderr to errpath. */
static pid_t
bench_spawn(const char *const *argv, int out_fd, const char *errpath)
{
	pid_t	pid;
	int	fd;

	if ((pid = fork()) != 0)
		return (pid);
	if (out_fd == -1)
		out_fd = open("/dev/null", O_WRONLY);
	dup2(out_fd, 1);
	if ((fd = open(errpath, O_WRONLY | O_CREAT | O_APPEND, 0600)) != -1)
		dup2(fd, 2);
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

/* A private bus with the system bus's default limits. */
static void
bench_start_bus(struct bench *b)
{
	const char	*argv[6];
	char		 conf[PATH_MAX + 16], arg[PATH_MAX + 32], log[PATH_MAX];
	FILE		*f;
	ssize_t		 n;
	int		 p[2];

	snprintf(conf, sizeof(conf), "%s/bus.conf", b->dir);
	snprintf(b->addr, sizeof(b->addr), "unix:path=%s/bus", b->dir);
	if ((f = fopen(conf, "w")) == NULL)
		bench_fail(b, "%s: %s", conf, strerror(errno));
	fprintf(f, "<busconfig>\n  <type>system</type>\n"
	    "  <listen>%s</listen>\n  <auth>EXTERNAL</auth>\n"
	    "  <policy context=\"default\">\n    <allow user=\"*\"/>\n"
	    "    <allow own=\"*\"/>\n    <allow send_destination=\"*\"/>\n"
	    "    <allow receive_sender=\"*\"/>\n"
	    "  </policy>\n</busconfig>\n", b->addr);
	fclose(f);
	if (pipe(p) == -1)
		bench_fail(b, "pipe: %s", strerror(errno));
	snprintf(arg, sizeof(arg), "--config-file=%s", conf);
	snprintf(log, sizeof(log), "%s/bus.log", b->dir);
	argv[0] = "/usr/bin/dbus-daemon";
	argv[1] = "--nofork";
	argv[2] = "--nopidfile";
	argv[3] = arg;
	argv[4] = "--print-address=1";
	argv[5] = NULL;
	if (access(argv[0], X_OK) == -1 &&
	    access(argv[0] = "/bin/dbus-daemon", X_OK) == -1)
		bench_fail(b, "dbus-daemon is not installed");
	b->bus = bench_spawn(argv, p[1], log);
	close(p[1]);
	/* The address line says it listens. */
	n = read(p[0], arg, sizeof(arg) - 1);
	close(p[0]);
	if (n <= 0)
		bench_fail(b, "dbus-daemon did not start (see %s)", log);
}

/* exitd on the private bus; returns once it owns its name. */
static void
bench_start_exitd(struct bench *b)
{
	const char	*argv[8];
	char		 sock[PATH_MAX + 16], state[PATH_MAX + 16];
	char		 log[PATH_MAX + 16];
	DBusError	 err;
	double		 t0;

	snprintf(sock, sizeof(sock), "%s/exitd.sock", b->dir);
	snprintf(state, sizeof(state), "%s/state", b->dir);
	snprintf(log, sizeof(log), "%s/exitd.log", b->dir);
	argv[0] = b->exitd;
	argv[1] = "-f";
	argv[2] = "--socket";
	argv[3] = sock;
	argv[4] = "--state-dir";
	argv[5] = state;
	argv[6] = NULL;
	setenv("DBUS_SYSTEM_BUS_ADDRESS", b->addr, 1);
	setenv("EXITPT_CONFIG", "/dev/null", 1);
	b->exitd_pid = bench_spawn(argv, -1, log);

	dbus_error_init(&err);
	if ((b->conn = dbus_connection_open_private(b->addr, &err)) == NULL ||
	    !dbus_bus_register(b->conn, &err))
		bench_fail(b, "cannot connect to the bus: %s", err.message);
	t0 = bench_now_ms();
	while (!dbus_bus_name_has_owner(b->conn, "org.exitpt.Exitd1", NULL)) {
		if (bench_now_ms() - t0 > BENCH_WAIT_MS)
			bench_fail(b, "exitd did not take its name (see %s)",
			    log);
		usleep(10000);
	}
}

/*
 * How many voters exitd lists; the first one's name and path become the
 * baseline's peer.
 */
static int
bench_count_voters(struct bench *b)
{
	DBusMessage	*msg, *reply;
	DBusMessageIter	 it, arr, st, dict, ent, var;
	DBusError	 err;
	const char	*kind, *key, *val;
	int		 n = 0;

	msg = dbus_message_new_method_call("org.exitpt.Exitd1",
	    "/org/exitpt/Exitd1", "org.exitpt.Exitd1.Manager",
	    "ListParticipants");
	dbus_error_init(&err);
	reply = dbus_connection_send_with_reply_and_block(b->conn, msg, 10000,
	    &err);
	dbus_message_unref(msg);
	if (reply == NULL)
		bench_fail(b, "ListParticipants: %s", err.message);
	dbus_message_iter_init(reply, &it);
	dbus_message_iter_recurse(&it, &arr);
	for (; dbus_message_iter_get_arg_type(&arr) == DBUS_TYPE_STRUCT;
	    dbus_message_iter_next(&arr)) {
		dbus_message_iter_recurse(&arr, &st);
		dbus_message_iter_get_basic(&st, &kind);
		if (strcmp(kind, "voter") != 0)
			continue;
		if (n++ > 0)
			continue;
		dbus_message_iter_next(&st);
		dbus_message_iter_next(&st);
		dbus_message_iter_next(&st);
		dbus_message_iter_recurse(&st, &dict);
		for (; dbus_message_iter_get_arg_type(&dict) ==
		    DBUS_TYPE_DICT_ENTRY; dbus_message_iter_next(&dict)) {
			dbus_message_iter_recurse(&dict, &ent);
			dbus_message_iter_get_basic(&ent, &key);
			dbus_message_iter_next(&ent);
			dbus_message_iter_recurse(&ent, &var);
			if (dbus_message_iter_get_arg_type(&var) !=
			    DBUS_TYPE_STRING)
				continue;
			dbus_message_iter_get_basic(&var, &val);
			if (strcmp(key, "unique") == 0)
				snprintf(b->peer, sizeof(b->peer), "%s", val);
			else if (strcmp(key, "path") == 0)
				snprintf(b->peer_path, sizeof(b->peer_path),
				    "%s", val);
		}
	}
	dbus_message_unref(reply);
	return (n);
}

/* N sequential Voter.Check calls to one voter: milliseconds. */
static double
bench_baseline(struct bench *b)
{
	DBusMessage	*msg, *reply;
	DBusError	 err;
	dbus_uint64_t	 op = 1;
	const char	*action = "migration";
	double		 t0;
	int		 i;

	dbus_error_init(&err);
	t0 = bench_now_ms();
	for (i = 0; i < b->n; i++) {
		msg = dbus_message_new_method_call(b->peer, b->peer_path,
		    "org.exitpt.Exitd1.Voter", "Check");
		dbus_message_append_args(msg, DBUS_TYPE_UINT64, &op,
		    DBUS_TYPE_STRING, &action, DBUS_TYPE_INVALID);
		reply = dbus_connection_send_with_reply_and_block(b->conn,
		    msg, 10000, &err);
		dbus_message_unref(msg);
		if (reply == NULL)
			bench_fail(b, "Voter.Check: %s", err.message);
		dbus_message_unref(reply);
	}
	return (bench_now_ms() - t0);
}

/* One Manager.Check (a validation) with every voter: milliseconds. */
static double
bench_fanout(struct bench *b)
{
	DBusMessage	*msg, *reply;
	DBusError	 err;
	const char	*action = "migration", *outcome = "";
	dbus_bool_t	 validate = TRUE;
	dbus_uint64_t	 op;
	dbus_uint32_t	 window;
	double		 t0, t;

	msg = dbus_message_new_method_call("org.exitpt.Exitd1",
	    "/org/exitpt/Exitd1", "org.exitpt.Exitd1.Manager", "Check");
	dbus_message_append_args(msg, DBUS_TYPE_STRING, &action,
	    DBUS_TYPE_BOOLEAN, &validate, DBUS_TYPE_INVALID);
	dbus_error_init(&err);
	t0 = bench_now_ms();
	reply = dbus_connection_send_with_reply_and_block(b->conn, msg, 60000,
	    &err);
	t = bench_now_ms() - t0;
	dbus_message_unref(msg);
	if (reply == NULL)
		bench_fail(b, "Manager.Check: %s", err.message);
	if (!dbus_message_get_args(reply, &err, DBUS_TYPE_UINT64, &op,
	    DBUS_TYPE_STRING, &outcome, DBUS_TYPE_UINT32, &window,
	    DBUS_TYPE_INVALID) || strcmp(outcome, "validated") != 0)
		bench_fail(b, "Manager.Check: outcome '%s', not validated",
		    outcome);
	dbus_message_unref(reply);
	return (t);
}

/* Stop the voters, exitd and the bus; remove the directory. */
static void
bench_cleanup(struct bench *b)
{
	char	cmd[PATH_MAX + 16];
	int	i;

	if (b->conn != NULL) {
		dbus_connection_close(b->conn);
		dbus_connection_unref(b->conn);
		b->conn = NULL;
	}
	for (i = 0; i < BENCH_MAXN; i++) {
		if (b->voters[i] > 0)
			kill(b->voters[i], SIGTERM);
	}
	if (b->exitd_pid > 0)
		kill(b->exitd_pid, SIGTERM);
	if (b->bus > 0)
		kill(b->bus, SIGTERM);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	if (b->dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "dbus-bench: cannot remove %s\n",
			    b->dir);
	}
}

/* qsort order of doubles. */
static int
bench_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* Parse the options, set up, measure, print. */
int
main(int argc, char **argv)
{
	static struct bench	 b;
	const char		*vargv[6];
	char			 self[PATH_MAX], *dir, flag[PATH_MAX + 16];
	char			 path[BENCH_MAXN][32], log[PATH_MAX + 16];
	double			 base[64], fan[64], mb, mf;
	double			 t0;
	int			 ch, i, r, n;

	snprintf(self, sizeof(self), "%s", argv[0]);
	dir = dirname(self);
	b.n = 200;
	b.repeats = 5;
	while ((ch = getopt(argc, argv, "e:v:n:r:")) != -1) {
		switch (ch) {
		case 'e':
			b.exitd = optarg;
			break;
		case 'v':
			b.voter = optarg;
			break;
		case 'n':
			b.n = atoi(optarg);
			break;
		case 'r':
			b.repeats = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: dbus-bench [-e EXITD] "
			    "[-v VOTER] [-n N] [-r REPEATS]\n");
			return (64);
		}
	}
	if (b.n < 1 || b.n > BENCH_MAXN || b.repeats < 1 || b.repeats > 64) {
		fprintf(stderr, "dbus-bench: -n 1..%d, -r 1..64\n",
		    BENCH_MAXN);
		return (64);
	}
	if (b.exitd == NULL) {
		static char	p[PATH_MAX + 32];

		snprintf(p, sizeof(p), "%s/../exitd/exitd", dir);
		b.exitd = p;
	}
	if (b.voter == NULL) {
		static char	p[PATH_MAX + 32];

		snprintf(p, sizeof(p), "%s/../samples/dbus-voter", dir);
		b.voter = p;
	}
	snprintf(b.dir, sizeof(b.dir), "%s/exitpt-dbus-bench.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(b.dir) == NULL) {
		fprintf(stderr, "dbus-bench: mkdtemp: %s\n", strerror(errno));
		return (1);
	}
	signal(SIGPIPE, SIG_IGN);
	bench_start_bus(&b);
	bench_start_exitd(&b);

	/* N voters that allow: their flag file never exists. */
	snprintf(flag, sizeof(flag), "%s/busy", b.dir);
	snprintf(log, sizeof(log), "%s/voters.log", b.dir);
	for (i = 0; i < b.n; i++) {
		snprintf(path[i], sizeof(path[i]), "/bench/v%d", i);
		vargv[0] = b.voter;
		vargv[1] = "--path";
		vargv[2] = path[i];
		vargv[3] = flag;
		vargv[4] = NULL;
		b.voters[i] = bench_spawn(vargv, -1, log);
	}
	t0 = bench_now_ms();
	while ((n = bench_count_voters(&b)) < b.n) {
		if (bench_now_ms() - t0 > BENCH_WAIT_MS)
			bench_fail(&b, "only %d of %d voters registered (see "
			    "%s)", n, b.n, log);
		usleep(20000);
	}

	/* Warm up both paths once, then alternate. */
	bench_baseline(&b);
	bench_fanout(&b);
	for (r = 0; r < b.repeats; r++) {
		base[r] = bench_baseline(&b);
		fan[r] = bench_fanout(&b);
	}
	qsort(base, (size_t)b.repeats, sizeof(double), bench_cmp);
	qsort(fan, (size_t)b.repeats, sizeof(double), bench_cmp);
	mb = base[b.repeats / 2];
	mf = fan[b.repeats / 2];
	printf("dbus-bench: %d voters (separate processes), %d runs, "
	    "medians:\n", b.n, b.repeats);
	printf("  baseline: %d sequential libdbus calls to one voter  "
	    "%8.2f ms  (%6.1f us per call)\n", b.n, mb, mb * 1000.0 / b.n);
	printf("  exitd:    Manager.Check with %d voters             "
	    "%8.2f ms  (%6.1f us per voter)\n", b.n, mf, mf * 1000.0 / b.n);
	printf("  ratio exitd / baseline: %.2fx (target <= 1.0x: %s)\n",
	    mf / mb, mf <= mb ? "met" : "missed");
	bench_cleanup(&b);
	return (0);
}
