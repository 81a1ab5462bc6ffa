/*
 * exitd's control socket against bad clients: wrong version, oversized,
 * truncated, malformed and unknown messages, garbage, a silent client,
 * too many connections.  Each gets an error reply or a closed connection,
 * and exitd keeps serving everyone else.  Also: a second exitd refuses to
 * start on a socket that answers, and the client API's basics.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitpt-int.h"
#include "protocol.h"
#include "tap.h"

#define PEERS_PER_UID	16	/* exitd's limit, see control.c */

static char	tmpdir[] = "/tmp/exitpt-control.XXXXXX";
static char	sockpath[PATH_MAX];
static pid_t	exitd_pid = -1;

static void	cleanup(void);
static void	test_driver(void);
static int	last_start_cb(const char *, void *);
static void	test_running(void);
static pid_t	start_exitd(int *);
static int	conn(void);
static int	reply(int, struct proto_hdr *, struct proto_report *);
static int	closed(int);
static void	sendall(int, const void *, size_t);

/*
 * Kill exitd and remove the temporary directory and the shared memory
 * objects exitd made under this test's own IPC prefix.
 */
static void
cleanup(void)
{
	char	cmd[PATH_MAX + 64];

	if (exitd_pid > 0) {
		kill(exitd_pid, SIGKILL);
		waitpid(exitd_pid, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s /dev/shm/%s.*", tmpdir,
	    getenv(EXITPT_IPC_PREFIX_ENV));
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

/*
 * Start exitd on the private socket and wait for its readiness line;
 * *status gets its exit status instead when it exits first.
 */
static pid_t
start_exitd(int *status)
{
	char		 exe[PATH_MAX], buf[16];
	const char	*top = getenv("top_builddir");
	int		 p[2];
	ssize_t		 n;
	pid_t		 pid;

	snprintf(exe, sizeof(exe), "%s/exitd/exitd", top != NULL ? top : ".");
	if (pipe(p) == -1)
		tap_bail("pipe");
	if ((pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		close(p[0]);
		if (dup2(p[1], 3) == -1)
			_exit(127);
		execl(exe, exe, "-f", "--ready-fd", "3", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	if (n > 0 && strncmp(buf, "READY=1\n", 8) == 0) {
		*status = -1;
		return (pid);
	}
	waitpid(pid, status, 0);
	return (-1);
}

/* Connect to exitd's socket. */
static int
conn(void)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		tap_bail("cannot connect to exitd");
	return (fd);
}

/* Write all bytes (the peer may have closed: no SIGPIPE). */
static void
sendall(int fd, const void *buf, size_t len)
{
	if (send(fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		printf("# send: %s\n", strerror(errno));
}

/* Read exactly len bytes within 5 s; 0 or -1. */
static int
readn(int fd, void *buf, size_t len)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	unsigned char	*p = buf;
	size_t		 off = 0;
	ssize_t		 n;

	while (off < len) {
		if (poll(&pfd, 1, 5000) != 1)
			return (-1);
		if ((n = read(fd, p + off, len - off)) <= 0)
			return (-1);
		off += (size_t)n;
	}
	return (0);
}

/* Read one PROTO_REPORT (answers skipped); 0 or -1. */
static int
reply(int fd, struct proto_hdr *h, struct proto_report *r)
{
	char	skip[4096];
	size_t	left;

	if (readn(fd, h, sizeof(*h)) == -1 || h->type != PROTO_REPORT ||
	    h->length < sizeof(*r) || readn(fd, r, sizeof(*r)) == -1)
		return (-1);
	for (left = h->length - sizeof(*r); left > 0; ) {
		size_t	n = left < sizeof(skip) ? left : sizeof(skip);

		if (readn(fd, skip, n) == -1)
			return (-1);
		left -= n;
	}
	return (0);
}

/* Tell whether exitd closed the connection (EOF within 5 s). */
static int
closed(int fd)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	char		c;

	if (poll(&pfd, 1, 5000) != 1)
		return (0);
	return (read(fd, &c, 1) == 0);
}

/* A framed message with a payload. */
static void
msg(int fd, uint32_t version, uint32_t type, const void *p, uint32_t len,
    uint32_t claimed)
{
	unsigned char		buf[PROTO_REQUEST_MAX * 2];
	struct proto_hdr	h = { version, type, claimed, 7 };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), p, len);
	sendall(fd, buf, sizeof(h) + len);
}

/* One status round trip on a fresh connection: exitd still serves. */
static int
serves(void)
{
	struct proto_status	s;
	struct proto_hdr	h;
	struct proto_report	r;
	int			fd = conn(), rv;

	memset(&s, 0, sizeof(s));
	msg(fd, PROTO_VERSION, PROTO_STATUS, &s, sizeof(s), sizeof(s));
	rv = reply(fd, &h, &r) == 0 && r.error == 0 && h.seq == 7;
	close(fd);
	return (rv);
}

/* Keep the journal's last operation-start record. */
static int
last_start_cb(const char *line, void *arg)
{
	char	*last = arg;

	if (strstr(line, "\"event\":\"operation-start\"") != NULL)
		snprintf(last, 1024, "%s", line);
	return (0);
}

/*
 * Who drives: the uid and pid exitd takes from the socket, then the name
 * the client chose, cut and cleaned; a name cannot pass for another
 * caller.  Driving needs root (or the admin group).
 */
static void
test_driver(void)
{
	struct exitpt_client	*c;
	struct exitpt_report	*rep;
	struct proto_drive	 d;
	struct proto_hdr	 h;
	struct proto_report	 r;
	char			 want[PROTO_DRIVER_MAX], name[100];
	char			 last[1024];
	int			 fd;

	is_int(exitpt_client_open(&c, NULL), 0, "client_open");
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	is_int(exitpt_client_set_driver(c, name), EXITPT_E_VALUE,
	    "set_driver refuses a name of %zu bytes", strlen(name));
	is_int(exitpt_client_set_driver(c, ""), EXITPT_E_VALUE,
	    "set_driver refuses an empty name");
	is_int(exitpt_client_set_driver(c, "hmc\nsim"), EXITPT_E_VALUE,
	    "set_driver refuses a control character");
	if (geteuid() != 0) {
		printf("ok %d # SKIP driving needs root\n", ++tap_count);
		exitpt_client_close(c);
		return;
	}
	is_int(exitpt_client_check(c, EXITPT_ACTION_MIGRATION, 1, &rep), 0,
	    "a validation with the default driver name");
	snprintf(want, sizeof(want), "uid %ld pid %ld (%s)", (long)getuid(),
	    (long)getpid(), program_invocation_short_name);
	is_str(exitpt_report_driver(rep), want, "the report names the driver: "
	    "uid and pid from the socket, then the program's name");
	exitpt_report_free(rep);
	is_int(exitpt_client_set_driver(c, "uid 0 pid 1"), 0,
	    "set_driver takes printable ASCII");
	exitpt_client_check(c, EXITPT_ACTION_MIGRATION, 1, &rep);
	snprintf(want, sizeof(want), "uid %ld pid %ld (uid 0 pid 1)",
	    (long)getuid(), (long)getpid());
	is_str(exitpt_report_driver(rep), want,
	    "driver_name_cannot_pass_for_another_caller");
	exitpt_report_free(rep);
	exitpt_client_set_force(c, 1);
	exitpt_client_check(c, EXITPT_ACTION_MIGRATION, 1, NULL);
	exitpt_client_journal(c, last_start_cb, last);
	ok(strstr(last, "\"force\":true") != NULL, "the force option reaches "
	    "the operation and its journal record");
	exitpt_client_set_force(c, 0);
	exitpt_client_check(c, EXITPT_ACTION_MIGRATION, 1, NULL);
	exitpt_client_journal(c, last_start_cb, last);
	ok(strstr(last, "force") == NULL, "and is off again once unset");
	exitpt_client_close(c);

	fd = conn();
	memset(&d, 0, sizeof(d));
	d.op = EXITPT_OP_CHECK;
	d.action = EXITPT_ACTION_HIBERNATION;
	d.validate_only = 1;
	memset(d.driver, 'y', sizeof(d.driver));
	d.driver[3] = '\033';
	msg(fd, PROTO_VERSION, PROTO_DRIVE, &d, sizeof(d), sizeof(d));
	ok(reply(fd, &h, &r) == 0 && r.error == 0, "a drive whose name has "
	    "no NUL is served");
	snprintf(want, sizeof(want), "uid %ld pid %ld (yyy?%.*s)",
	    (long)getuid(), (long)getpid(), PROTO_DRIVER_NAME_MAX - 5,
	    "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");
	r.driver[PROTO_DRIVER_MAX - 1] = '\0';
	is_str(r.driver, want, "and its name is cut at %d bytes and cleaned",
	    PROTO_DRIVER_NAME_MAX - 1);
	close(fd);
}

/*
 * While Check runs, a status report bounds what is left of it by the
 * program's time limit plus the grace, and names the program's pid.
 */
static void
test_running(void)
{
	struct exitpt_client	*c;
	struct exitpt_report	*rep, *n;
	const struct exitpt_answer *a;
	struct registry_entry	 e;
	char			 prog[PATH_MAX], state[PATH_MAX];
	int64_t			 bound;
	pid_t			 pid;
	FILE			*fp;
	int			 st, i, error;

	if (geteuid() != 0) {
		printf("ok %d # SKIP driving needs root\n", ++tap_count);
		return;
	}
	snprintf(prog, sizeof(prog), "%s/slow", tmpdir);
	if ((fp = fopen(prog, "w")) == NULL)
		tap_bail("cannot write the exit program");
	fprintf(fp, "#!/bin/sh\nsleep 1\n");
	fclose(fp);
	chmod(prog, 0755);
	snprintf(state, sizeof(state), "%s/state", tmpdir);
	memset(&e, 0, sizeof(e));
	e.point = REGISTRY_SUSPEND;
	e.number = 1;
	e.program = prog;
	e.user = (char *)"root";
	e.data = (char *)"";
	e.text = (char *)"";
	e.check_timeout = 3;
	e.complete_timeout = REGISTRY_COMPLETE_TIMEOUT;
	if ((error = registry_add(state, &e, REGISTRY_REPLACE)) != 0)
		tap_bail("cannot register the exit program");

	if ((pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		if (exitpt_client_open(&c, NULL) != 0 ||
		    exitpt_client_check(c, EXITPT_ACTION_MIGRATION, 1,
		    NULL) != 0)
			_exit(1);
		_exit(0);
	}
	is_int(exitpt_client_open(&c, NULL), 0, "a second client watches");
	exitpt_client_status(c, &rep);
	for (i = 0; i < 50 && (exitpt_report_outcome(rep) !=
	    EXITPT_OUTCOME_RUNNING || exitpt_report_count(rep) == 0 ||
	    exitpt_answer_pid(exitpt_report_answer(rep, 0)) == 0); i++) {
		if (exitpt_client_wait(c, exitpt_report_generation(rep), 5000,
		    &n) != 0)
			break;
		exitpt_report_free(rep);
		rep = n;
	}
	bound = exitpt_report_bound_ms(rep);
	ok(exitpt_report_outcome(rep) == EXITPT_OUTCOME_RUNNING &&
	    bound > 5000 && bound <= 8000, "while Check runs, bound_ms is the "
	    "program's 3 s limit plus the 5 s grace, less what has passed "
	    "(%lld)", (long long)bound);
	a = exitpt_report_answer(rep, 0);
	ok(a != NULL && exitpt_answer_pid(a) > 0 &&
	    exitpt_answer_pid(a) != pid, "the running program's pid is "
	    "reported (%ld)", a != NULL ? (long)exitpt_answer_pid(a) : 0L);
	exitpt_report_free(rep);
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the validation ends");
	exitpt_client_status(c, &rep);
	is_int(exitpt_report_bound_ms(rep), 0, "bound_ms is 0 once no phase "
	    "runs");
	a = exitpt_report_answer(rep, 0);
	ok(a != NULL && exitpt_answer_pid(a) > 0, "the answer keeps its pid");
	exitpt_report_free(rep);
	exitpt_client_close(c);
	registry_remove(state, REGISTRY_SUSPEND, 1);
}

/* Start exitd, send it every kind of bad message, check it survives. */
int
main(void)
{
	struct exitpt_client	*c;
	struct exitpt_report	*rep, *rep2;
	struct proto_status	 s;
	struct proto_drive	 d;
	struct proto_hdr	 h;
	struct proto_report	 r;
	char			 path[PATH_MAX], garbage[256];
	int			 fd, fds[PEERS_PER_UID + 1], i, st, n;

	if (mkdtemp(tmpdir) == NULL)
		tap_bail("mkdtemp");
	atexit(cleanup);
	snprintf(sockpath, sizeof(sockpath), "%s/exitd.sock", tmpdir);
	snprintf(path, sizeof(path), "%s/state", tmpdir);
	setenv("EXITPT_STATE_DIR", path, 1);
	snprintf(path, sizeof(path), "%s/exitd.conf", tmpdir);
	close(open(path, O_WRONLY | O_CREAT, 0644));
	setenv("EXITPT_CONFIG", path, 1);
	setenv("EXITPT_SOCKET", sockpath, 1);
	snprintf(path, sizeof(path), "t-ctlproto%ld", (long)getpid());
	setenv(EXITPT_IPC_PREFIX_ENV, path, 1);
	signal(SIGPIPE, SIG_IGN);

	is_int(exitpt_client_open(&c, NULL), -ENOENT,
	    "client_open without exitd: -ENOENT");
	if ((exitd_pid = start_exitd(&st)) == -1)
		tap_bail("exitd did not start");
	ok(serves(), "a well-formed status request is answered");

	fd = conn();
	memset(&s, 0, sizeof(s));
	msg(fd, PROTO_VERSION + 1, PROTO_STATUS, &s, sizeof(s), sizeof(s));
	ok(reply(fd, &h, &r) == 0 && r.error == EXITPT_E_VERSION,
	    "wrong_version_gets_an_error_reply (EXITPT_E_VERSION)");
	ok(closed(fd), "and the connection is closed");
	close(fd);

	fd = conn();
	msg(fd, PROTO_VERSION, PROTO_STATUS, &s, sizeof(s), 1U << 30);
	ok(reply(fd, &h, &r) == 0 && r.error == EXITPT_E_PROTOCOL,
	    "oversized_message_gets_an_error_reply (1 GiB claimed)");
	ok(closed(fd), "and the connection is closed");
	close(fd);

	fd = conn();
	memset(&d, 0, sizeof(d));
	msg(fd, PROTO_VERSION, PROTO_DRIVE, &d, 10, 10);
	ok(reply(fd, &h, &r) == 0 && r.error == EXITPT_E_PROTOCOL,
	    "malformed_drive (payload of 10 bytes, not %zu) gets an error",
	    sizeof(d));
	ok(closed(fd), "and the connection is closed");
	close(fd);

	fd = conn();
	msg(fd, PROTO_VERSION, 999, &s, sizeof(s), sizeof(s));
	ok(reply(fd, &h, &r) == 0 && r.error == EXITPT_E_PROTOCOL,
	    "unknown message type gets an error");
	close(fd);

	fd = conn();
	d.op = 77;
	msg(fd, PROTO_VERSION, PROTO_DRIVE, &d, sizeof(d), sizeof(d));
	ok(reply(fd, &h, &r) == 0 && r.error == EXITPT_E_VALUE,
	    "a drive of an unknown phase is refused with EXITPT_E_VALUE");
	d.op = EXITPT_OP_CHECK;
	d.action = 9;
	msg(fd, PROTO_VERSION, PROTO_DRIVE, &d, sizeof(d), sizeof(d));
	ok(reply(fd, &h, &r) == 0 && r.error == EXITPT_E_VALUE,
	    "a check with action 9 is refused, on the same connection");
	close(fd);

	fd = conn();
	msg(fd, PROTO_VERSION, PROTO_DRIVE, &d, 5, sizeof(d));
	close(fd);
	ok(serves(), "truncated_message then close: exitd still serves");

	fd = conn();
	for (i = 0; i < (int)sizeof(garbage); i++)
		garbage[i] = (char)(i * 37 + 11);
	sendall(fd, garbage, sizeof(garbage));
	ok(reply(fd, &h, &r) == 0 && r.error == EXITPT_E_VERSION &&
	    closed(fd), "garbage: an error reply, then the connection is "
	    "closed");
	close(fd);

	/* A client stalled mid-message holds nobody else up. */
	fd = conn();
	sendall(fd, "\001\000", 2);
	ok(serves(), "silent_client_does_not_block_others");

	for (i = 0; i < PEERS_PER_UID - 1; i++)
		fds[i] = conn();
	fds[i] = conn();
	ok(reply(fds[i], &h, &r) == 0 && r.error == EXITPT_E_LIMIT,
	    "connection_limit_per_uid: connection %d is refused with "
	    "EXITPT_E_LIMIT", PEERS_PER_UID + 1);
	ok(closed(fds[i]), "and closed");
	close(fds[i]);
	for (i = 0; i < PEERS_PER_UID - 1; i++)
		close(fds[i]);
	close(fd);

	n = 0;
	for (i = 0; i < 50 && n == 0; i++) {
		n = serves();
		if (n == 0)
			usleep(20000);
	}
	ok(n, "connections are counted down when clients leave");

	is_int(exitpt_client_open(&c, NULL), 0, "client_open via "
	    "$EXITPT_SOCKET");
	is_int(exitpt_client_status(c, &rep), 0, "client_status");
	is_int(exitpt_report_operation(rep), 0, "no operation yet");
	is_int(exitpt_client_wait(c, exitpt_report_generation(rep), 100,
	    &rep2), -ETIMEDOUT,
	    "client_wait with nothing happening times out");
	exitpt_report_free(rep);
	exitpt_client_close(c);

	test_driver();
	test_running();

	ok(start_exitd(&st) == -1 && WIFEXITED(st) && WEXITSTATUS(st) != 0,
	    "another_exitd_refuses_to_start on a socket that answers");
	ok(waitpid(exitd_pid, &st, WNOHANG) == 0, "the first exitd lives on");

	kill(exitd_pid, SIGTERM);
	waitpid(exitd_pid, &st, 0);
	exitd_pid = -1;
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "exitd exits 0 on SIGTERM");
	ok(access(sockpath, F_OK) == -1, "and removes its socket");
	return (tap_done());
}
