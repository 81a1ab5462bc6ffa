/*
 * Job interrupt: a round trip into another process, each error the caller
 * can get, and recovery after kill -9 of a target mid-handler and of a
 * caller mid-call.  Targets are real processes (tests/jobitp-target).
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"
#include "ipctest.h"
#include "tap.h"

#define CALLERS		4
#define CALLS_EACH	50

/* A running tests/jobitp-target, driven through its stdin and stdout. */
struct target {
	pid_t	 pid;
	FILE	*in;
	FILE	*out;
};

static char	target_path[4096];
static char	prefix[64];		/* private EXITPT_IPC_PREFIX */

/* Read one line from the target, without the newline. */
static int
target_line(struct target *t, char *buf, size_t len)
{
	if (fgets(buf, (int)len, t->out) == NULL)
		return (-1);
	buf[strcspn(buf, "\n")] = '\0';
	return (0);
}

/*
 * Start a target (as uid when uid is not -1) and wait for its "ready"
 * line.
 */
static void
target_start(struct target *t, const char *arg, uid_t uid, gid_t gid)
{
	int	in[2], out[2];
	char	line[64];

	if (pipe(in) == -1 || pipe(out) == -1)
		tap_bail("pipe");
	if ((t->pid = fork()) == -1)
		tap_bail("fork");
	if (t->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		if (uid != (uid_t)-1 && (setgid(gid) == -1 ||
		    setuid(uid) == -1))
			_exit(126);
		execl(target_path, target_path, arg, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	t->in = fdopen(in[1], "w");
	t->out = fdopen(out[0], "r");
	if (t->in == NULL || t->out == NULL)
		tap_bail("fdopen");
	if (target_line(t, line, sizeof(line)) != 0 ||
	    strncmp(line, "ready ", 6) != 0)
		tap_bail("target did not start");
}

/* Send a command line to the target and return its answer. */
static const char *
target_cmd(struct target *t, const char *cmd)
{
	static char	line[128];

	fprintf(t->in, "%s\n", cmd);
	fflush(t->in);
	if (target_line(t, line, sizeof(line)) != 0)
		return ("(no answer)");
	return (line);
}

/* Stop the target cleanly (EOF on stdin) and return its wait status. */
static int
target_stop(struct target *t)
{
	int	status;

	fclose(t->in);
	fclose(t->out);
	while (waitpid(t->pid, &status, 0) == -1 && errno == EINTR)
		;
	return (status);
}

/* Kill the target with SIGKILL and reap it. */
static void
target_kill(struct target *t)
{
	kill(t->pid, SIGKILL);
	target_stop(t);
}

/* The path of pid's mailbox, if pid runs as the caller's user. */
static void
mailbox_path(pid_t pid, char *buf, size_t len)
{
	char	dir[PATH_MAX];

	if (ipcdir_path(dir, sizeof(dir)) != 0)
		tap_bail("runtime directory");
	snprintf(buf, len, "%s/u/%lu/jobitp.%ld", dir,
	    (unsigned long)geteuid(), (long)pid);
}

/* Whether pid's mailbox exists. */
static int
mailbox_exists(pid_t pid)
{
	char		path[PATH_MAX + 64];
	struct stat	st;

	mailbox_path(pid, path, sizeof(path));
	return (stat(path, &st) == 0);
}

/* Call a handler that takes and returns text. */
static int
call_text(pid_t pid, const char *name, const char *data, double wait,
    char *reply, size_t replysize, int *status)
{
	size_t	len = 0;
	int	rv;

	rv = exitpt_jobitp_call(pid, name, data, strlen(data), wait, reply,
	    replysize - 1, &len, status);
	reply[rv == 0 ? (len < replysize ? len : replysize - 1) : 0] = '\0';
	return (rv);
}

/* A caller gets the handler's reply and status back from another process. */
static void
test_round_trip(void)
{
	struct target	t;
	char		reply[EXITPT_JOBITP_REPLY_MAX + 1];
	size_t		len;
	int		status = -1, rv;

	target_start(&t, NULL, (uid_t)-1, 0);
	rv = call_text(t.pid, "echo", "hello, target", 5, reply,
	    sizeof(reply), &status);
	is_int(rv, 0, "round_trip: echo succeeds");
	is_str(reply, "hello, target", "round_trip: reply is the data");
	is_int(status, 0, "round_trip: status 0");
	rv = call_text(t.pid, "status", "42", 5, reply, sizeof(reply), &status);
	ok(rv == 0 && status == 42, "handler_status_reaches_caller (42)");
	rv = call_text(t.pid, "where", "", 5, reply, sizeof(reply), &status);
	is_str(reply, "thread", "handler_runs_on_a_thread_not_main_or_signal");
	rv = exitpt_jobitp_call(t.pid, "echo", NULL, 0, 5, NULL, 0, NULL,
	    NULL);
	is_int(rv, 0, "round_trip: empty data, no reply buffer wanted");

	/* A reply longer than the caller's buffer is cut, its length kept. */
	memset(reply, 0, sizeof(reply));
	len = 0;
	rv = exitpt_jobitp_call(t.pid, "big", "", 0, 5, reply, 10, &len,
	    NULL);
	ok(rv == 0 && len == EXITPT_JOBITP_REPLY_MAX && strlen(reply) == 10,
	    "reply_truncated_to_buffer_with_full_length (%zu)", len);

	/* Mailboxes live in the runtime directory: another sees none. */
	setenv(EXITPT_IPC_PREFIX_ENV, "jobitp-elsewhere", 1);
	rv = call_text(t.pid, "echo", "x", 5, reply, sizeof(reply), &status);
	ipctest_cleanup();
	setenv(EXITPT_IPC_PREFIX_ENV, prefix, 1);
	is_int(rv, EXITPT_E_NOT_ENABLED, "another_ipc_prefix_sees_no_mailbox");

	rv = call_text(t.pid, "nosuch", "", 5, reply, sizeof(reply), &status);
	is_int(rv, EXITPT_E_NO_HANDLER, "unknown_handler_is_no_handler");
	rv = call_text(t.pid, "echo", "still fine", 5, reply, sizeof(reply),
	    &status);
	is_str(reply, "still fine", "target still answers after an error");
	ok(WIFEXITED(target_stop(&t)), "target exits cleanly on EOF");
	ok(!mailbox_exists(t.pid), "clean exit after disable leaves no "
	    "mailbox");
}

/* Bad arguments are refused before anything is touched. */
static void
test_bad_input(void)
{
	char	big[EXITPT_JOBITP_DATA_MAX + 1], name[40];
	pid_t	me = getpid();

	memset(big, 'a', sizeof(big));
	memset(name, 'n', sizeof(name));
	name[EXITPT_JOBITP_NAME_MAX + 1] = '\0';
	is_int(exitpt_jobitp_call(me, "bad name", "", 0, 1, NULL, 0, NULL,
	    NULL), EXITPT_E_NAME, "bad_name: a space");
	is_int(exitpt_jobitp_call(me, "../x", "", 0, 1, NULL, 0, NULL, NULL),
	    EXITPT_E_NAME, "bad_name: a path trick");
	is_int(exitpt_jobitp_call(me, "", "", 0, 1, NULL, 0, NULL, NULL),
	    EXITPT_E_NAME, "bad_name: empty");
	is_int(exitpt_jobitp_call(me, name, "", 0, 1, NULL, 0, NULL, NULL),
	    EXITPT_E_NAME, "bad_name: 33 characters");
	name[EXITPT_JOBITP_NAME_MAX] = '\0';
	is_int(exitpt_jobitp_register(name, (exitpt_jobitp_handler *)NULL,
	    NULL), -EINVAL, "register: a 32-character name is valid, NULL "
	    "handler is not");
	is_int(exitpt_jobitp_call(me, "echo", big, sizeof(big), 1, NULL, 0,
	    NULL, NULL), EXITPT_E_TOO_LONG, "oversized_data_is_too_long");
	is_int(exitpt_jobitp_call(me, "echo", "", 0, 0, NULL, 0, NULL, NULL),
	    EXITPT_E_VALUE, "wait 0 is refused");
	is_int(exitpt_jobitp_call(me, "echo", "", 0, NAN, NULL, 0, NULL,
	    NULL), EXITPT_E_VALUE, "wait NaN is refused");
	is_int(exitpt_jobitp_call(me, "echo", "", 0, 1e9, NULL, 0, NULL,
	    NULL), EXITPT_E_VALUE, "wait beyond EXITPT_IPC_WAIT_MAX is "
	    "refused");
	is_int(exitpt_jobitp_call(0, "echo", "", 0, 1, NULL, 0, NULL, NULL),
	    EXITPT_E_VALUE, "pid 0 is refused (never a process group)");
	is_int(exitpt_jobitp_call(-1, "echo", "", 0, 1, NULL, 0, NULL, NULL),
	    EXITPT_E_VALUE, "pid -1 is refused");
	is_int(exitpt_jobitp_register("a/b", (exitpt_jobitp_handler *)NULL,
	    NULL), EXITPT_E_NAME, "register: bad name");
	is_int(exitpt_jobitp_unregister("nosuch"), EXITPT_E_NO_HANDLER,
	    "unregister: unknown name");
	is_int(exitpt_jobitp_disable(), EXITPT_E_NOT_ENABLED,
	    "disable when not enabled");
}

/* A live process that has not opted in, and one that has gone. */
static void
test_not_enabled_and_dead(void)
{
	struct target	t;
	char		reply[64];
	pid_t		pid;
	int		status;

	target_start(&t, "--no-enable", (uid_t)-1, 0);
	is_int(call_text(t.pid, "echo", "x", 5, reply, sizeof(reply),
	    &status), EXITPT_E_NOT_ENABLED, "not_opted_in_is_not_enabled");
	is_str(target_cmd(&t, "enable"), "success", "target opts in later");
	is_int(call_text(t.pid, "echo", "x", 5, reply, sizeof(reply),
	    &status), 0, "and is then reachable");
	is_str(target_cmd(&t, "disable"), "success", "target opts out");
	is_int(call_text(t.pid, "echo", "x", 5, reply, sizeof(reply),
	    &status), EXITPT_E_NOT_ENABLED, "opted_out_is_not_enabled");
	ok(!mailbox_exists(t.pid), "opting out removes the mailbox");
	is_str(target_cmd(&t, "disable"), exitpt_strerror(
	    EXITPT_E_NOT_ENABLED), "disable twice says not enabled");
	is_str(target_cmd(&t, "enable"), "success", "re-enable");
	is_str(target_cmd(&t, "enable"), exitpt_strerror(-EALREADY),
	    "enable twice says already");
	target_stop(&t);

	if ((pid = fork()) == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	is_int(call_text(pid, "echo", "x", 5, reply, sizeof(reply), &status),
	    EXITPT_E_DEAD, "exited_target_is_dead");
}

/* A call that is not answered in time times out; the mailbox recovers. */
static void
test_timeout(void)
{
	struct target	t;
	char		reply[64], line[64];
	double		t0, el;
	int		status = 0, rv;

	target_start(&t, NULL, (uid_t)-1, 0);
	t0 = ipctest_now();
	rv = call_text(t.pid, "slow", "1500", 0.2, reply, sizeof(reply),
	    &status);
	el = ipctest_now() - t0;
	is_int(rv, EXITPT_E_TIMEOUT, "slow_handler_times_out");
	ok(el >= 0.19 && el < 1.0, "timeout_honours_the_wait (%.3f s)", el);
	ok(target_line(&t, line, sizeof(line)) == 0 && strcmp(line, "slow")
	    == 0, "the slow handler did start");

	/* While slow runs, a count request is never accepted... */
	rv = call_text(t.pid, "count", "", 0.1, reply, sizeof(reply),
	    &status);
	is_int(rv, EXITPT_E_TIMEOUT, "busy_target_times_out");
	/* ...and, abandoned before it was taken, it never runs. */
	rv = call_text(t.pid, "count", "", 5, reply, sizeof(reply), &status);
	ok(rv == 0 && status == 1, "abandoned_request_never_runs (count %d)",
	    status);
	rv = call_text(t.pid, "echo", "after", 5, reply, sizeof(reply),
	    &status);
	is_str(reply, "after", "no_stuck_mailbox_after_timeouts");
	target_stop(&t);
}

/* kill -9 of the target in the middle of a handler. */
static void
test_target_killed(void)
{
	struct target	t;
	char		reply[64];
	double		t0, el;
	int		status, rv;

	target_start(&t, NULL, (uid_t)-1, 0);
	t0 = ipctest_now();
	rv = call_text(t.pid, "crash", "", 10, reply, sizeof(reply),
	    &status);
	el = ipctest_now() - t0;
	is_int(rv, EXITPT_E_DEAD, "target_killed_mid_handler_is_dead");
	ok(el < 2.0, "the caller learns it at once (%.3f s), not at the "
	    "timeout", el);
	ok(!mailbox_exists(t.pid), "the caller removed the dead mailbox");
	target_stop(&t);

	/* An idle target killed leaves a stale mailbox; a caller cleans it. */
	target_start(&t, NULL, (uid_t)-1, 0);
	target_kill(&t);
	ok(mailbox_exists(t.pid), "kill -9 leaves a mailbox behind");
	rv = call_text(t.pid, "echo", "", 5, reply, sizeof(reply), &status);
	is_int(rv, EXITPT_E_DEAD, "stale_mailbox_of_dead_pid_is_dead");
	ok(!mailbox_exists(t.pid), "stale_mailbox_is_removed");
}

/*
 * A mailbox left under a pid by an earlier process (same pid, another
 * start time) is not mistaken for the current process's.  Forged by
 * copying a dead target's mailbox to a live target's name.
 */
static void
test_stale_reused_pid(void)
{
	struct target	dead, live;
	char		from[PATH_MAX + 64], to[PATH_MAX + 64], reply[64];
	char		buf[65536];
	uint64_t	stale_start = 1;
	ssize_t		n;
	int		in, out, status, rv;

	target_start(&dead, NULL, (uid_t)-1, 0);
	target_kill(&dead);
	target_start(&live, "--no-enable", (uid_t)-1, 0);
	mailbox_path(dead.pid, from, sizeof(from));
	mailbox_path(live.pid, to, sizeof(to));
	if ((in = open(from, O_RDONLY)) == -1 || (out = open(to,
	    O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1)
		tap_bail("cannot forge a stale mailbox");
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			tap_bail("write");
	/*
	 * It names the live pid, as a reused pid's would, with the start
	 * time of an earlier process (the two targets may have started in
	 * the same clock tick).
	 */
	snprintf(reply, sizeof(reply), "jobitp.%ld", (long)live.pid);
	if (pwrite(out, reply, strlen(reply) + 1, 32) == -1 ||
	    pwrite(out, &live.pid, sizeof(live.pid), 128) == -1 ||
	    pwrite(out, &stale_start, sizeof(stale_start), 136) == -1)
		tap_bail("cannot forge a stale mailbox");
	close(in);
	close(out);
	unlink(from);
	rv = call_text(live.pid, "echo", "", 5, reply, sizeof(reply), &status);
	is_int(rv, EXITPT_E_NOT_ENABLED, "stale_mailbox_of_reused_pid_is_"
	    "not_enabled");
	ok(!mailbox_exists(live.pid), "and is removed");

	/* The target's own enable replaces a stale mailbox too. */
	if ((out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1 ||
	    write(out, buf, 16) != 16)
		tap_bail("cannot leave a stale mailbox");
	close(out);
	is_str(target_cmd(&live, "enable"), "success",
	    "enable_replaces_a_stale_mailbox");
	rv = call_text(live.pid, "echo", "new", 5, reply, sizeof(reply),
	    &status);
	is_str(reply, "new", "the new mailbox works");
	target_stop(&live);
}

/* kill -9 of a caller while it waits: the next caller is not blocked. */
static void
test_caller_killed(void)
{
	struct target	t;
	char		reply[64], line[64];
	pid_t		caller;
	int		status, rv, ws;

	target_start(&t, NULL, (uid_t)-1, 0);
	if ((caller = fork()) == 0) {
		rv = exitpt_jobitp_call(t.pid, "slow", "300", 3, -1, NULL, 0,
		    NULL, NULL);
		_exit(rv == 0 ? 0 : 1);
	}
	/* The handler says "slow" once it runs: the caller is waiting. */
	ok(target_line(&t, line, sizeof(line)) == 0 && strcmp(line, "slow")
	    == 0, "caller_killed: the call is in progress");
	kill(caller, SIGKILL);
	waitpid(caller, &ws, 0);
	ok(WIFSIGNALED(ws), "caller_killed: the caller died of SIGKILL");
	rv = call_text(t.pid, "echo", "next", 5, reply, sizeof(reply),
	    &status);
	is_int(rv, 0, "caller_killed_mid_call_leaves_no_stuck_mailbox");
	is_str(reply, "next", "caller_killed: the next caller gets its own "
	    "reply, not the dead caller's");
	target_stop(&t);
}

/* Several caller processes at once each get their own replies. */
static void
test_concurrent_callers(void)
{
	struct target	t;
	char		reply[64], data[64];
	pid_t		pids[CALLERS];
	int		i, j, ws, failed = 0, status, rv;

	target_start(&t, NULL, (uid_t)-1, 0);
	for (i = 0; i < CALLERS; i++) {
		if ((pids[i] = fork()) == 0) {
			for (j = 0; j < CALLS_EACH; j++) {
				snprintf(data, sizeof(data), "caller %d call "
				    "%d", i, j);
				if (call_text(t.pid, "echo", data, 10, reply,
				    sizeof(reply), &status) != 0 ||
				    strcmp(reply, data) != 0)
					_exit(1);
				if (call_text(t.pid, "count", "", 10, reply,
				    sizeof(reply), &status) != 0)
					_exit(1);
			}
			_exit(0);
		}
	}
	for (i = 0; i < CALLERS; i++) {
		waitpid(pids[i], &ws, 0);
		if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
			failed++;
	}
	is_int(failed, 0, "concurrent_callers_each_get_their_own_reply");
	rv = call_text(t.pid, "count", "", 5, reply, sizeof(reply), &status);
	ok(rv == 0 && status == CALLERS * CALLS_EACH + 1,
	    "concurrent_callers: every call ran exactly once (%d)", status);
	target_stop(&t);
}

/* Only the target's user or root may interrupt it. */
static void
test_authority(void)
{
	struct target	 t;
	struct passwd	*pw;
	char		 reply[64];
	pid_t		 pid;
	int		 ws, status, rv;

	if (geteuid() != 0 || (pw = getpwnam("nobody")) == NULL) {
		ok(1, "# SKIP authority tests need root and user nobody");
		return;
	}
	target_start(&t, NULL, (uid_t)-1, 0);
	if ((pid = fork()) == 0) {
		if (setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1)
			_exit(2);
		rv = exitpt_jobitp_call(t.pid, "echo", "", 0, 5, NULL, 0,
		    NULL, NULL);
		_exit(rv == EXITPT_E_AUTH ? 0 : 1);
	}
	waitpid(pid, &ws, 0);
	ok(WIFEXITED(ws) && WEXITSTATUS(ws) == 0,
	    "other_user_may_not_interrupt (EXITPT_E_AUTH)");
	rv = call_text(t.pid, "echo", "ok", 5, reply, sizeof(reply), &status);
	is_str(reply, "ok", "target unharmed by the refused call");
	target_stop(&t);

	target_start(&t, NULL, pw->pw_uid, pw->pw_gid);
	rv = call_text(t.pid, "uid", "", 5, reply, sizeof(reply), &status);
	ok(rv == 0 && atol(reply) == (long)pw->pw_uid,
	    "root_may_interrupt_another_users_process");
	if ((pid = fork()) == 0) {
		if (setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1)
			_exit(2);
		rv = exitpt_jobitp_call(t.pid, "echo", "", 0, 5, NULL, 0,
		    NULL, NULL);
		_exit(rv == 0 ? 0 : 1);
	}
	waitpid(pid, &ws, 0);
	ok(WIFEXITED(ws) && WEXITSTATUS(ws) == 0,
	    "same_user_may_interrupt");
	target_stop(&t);
}

/* In-process handler used by test_self. */
static int
self_echo(const char *data, size_t len, char *reply, size_t *rlen,
    void *arg)
{
	memcpy(reply, data, len);
	*rlen = len;
	return (*(int *)arg);
}

/* A process may interrupt itself; a forked child is not enabled. */
static void
test_self_and_fork(void)
{
	char	reply[64];
	int	arg = 7, status = 0, rv, ws;
	pid_t	pid;

	is_int(exitpt_jobitp_register("self", self_echo, &arg), 0,
	    "register self");
	is_int(exitpt_jobitp_enable(), 0, "enable self");
	rv = call_text(getpid(), "self", "me", 5, reply, sizeof(reply),
	    &status);
	ok(rv == 0 && status == 7 && strcmp(reply, "me") == 0,
	    "a_process_may_interrupt_itself");
	if ((pid = fork()) == 0) {
		if (call_text(getpid(), "self", "", 5, reply, sizeof(reply),
		    &status) != EXITPT_E_NOT_ENABLED)
			_exit(1);
		if (exitpt_jobitp_enable() != 0)
			_exit(2);
		if (call_text(getpid(), "self", "child", 5, reply,
		    sizeof(reply), &status) != 0 || strcmp(reply, "child"))
			_exit(3);
		exitpt_jobitp_disable();
		_exit(0);
	}
	waitpid(pid, &ws, 0);
	ok(WIFEXITED(ws) && WEXITSTATUS(ws) == 0,
	    "forked_child_is_not_enabled_until_it_enables (%d)",
	    WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
	is_int(exitpt_jobitp_unregister("self"), 0, "unregister");
	is_int(call_text(getpid(), "self", "", 5, reply, sizeof(reply),
	    &status), EXITPT_E_NO_HANDLER, "unregistered_handler_is_gone");
	is_int(exitpt_jobitp_disable(), 0, "disable self");
	ok(!mailbox_exists(getpid()), "disable removes the mailbox");
}

/* Run every job interrupt test against real target processes. */
int
main(void)
{
	const char	*top = getenv("top_builddir");

	snprintf(target_path, sizeof(target_path), "%s/tests/jobitp-target",
	    top != NULL ? top : ".");
	/* The targets inherit it, so their mailboxes are private too. */
	snprintf(prefix, sizeof(prefix), "jobitp-test-%ld", (long)getpid());
	setenv(EXITPT_IPC_PREFIX_ENV, prefix, 1);
	ipctest_atexit();
	signal(SIGPIPE, SIG_IGN);
	alarm(60);	/* a hung test fails instead of hanging the suite */
	test_bad_input();
	test_round_trip();
	test_not_enabled_and_dead();
	test_timeout();
	test_target_killed();
	test_stale_reused_pid();
	test_caller_killed();
	test_concurrent_callers();
	test_authority();
	test_self_and_fork();
	return (tap_done());
}
