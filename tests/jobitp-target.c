/*
 * A job interrupt target for the tests: enables interrupts (unless
 * --no-enable), registers a few handlers, prints "ready PID" and then obeys
 * lines on stdin ("enable", "disable", each answered by a line) until EOF.
 *
 * Handlers: echo (reply = data), status (returns the number in data),
 * where (replies "thread" when run off the main thread), count (returns
 * how many times it ran), slow (prints "slow" on stdout, sleeps data ms,
 * replies "done"), crash (SIGKILLs its own process), big (a reply of
 * EXITPT_JOBITP_REPLY_MAX bytes), uid (replies the effective uid).
 */
#include <sys/syscall.h>

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <exitpt/exitpt.h>

static pid_t		target_main_tid;
static _Atomic int	target_count;

/* Reply with the request data. */
static int
target_echo(const char *data, size_t len, char *reply, size_t *rlen,
    void *arg)
{
	memcpy(reply, data, len);
	*rlen = len;
	return (0);
}

/* Return the number in the request data as the status. */
static int
target_status(const char *data, size_t len, char *reply, size_t *rlen,
    void *arg)
{
	*rlen = 0;
	return (atoi(data));
}

/* Say whether the handler runs on a thread other than the main one. */
static int
target_where(const char *data, size_t len, char *reply, size_t *rlen,
    void *arg)
{
	pid_t	tid = (pid_t)syscall(SYS_gettid);

	*rlen = (size_t)snprintf(reply, *rlen, "%s",
	    tid != target_main_tid ? "thread" : "main");
	return (0);
}

/* Count the calls that ran. */
static int
target_count_fn(const char *data, size_t len, char *reply, size_t *rlen,
    void *arg)
{
	*rlen = 0;
	return (atomic_fetch_add(&target_count, 1) + 1);
}

/* Announce the start on stdout, then sleep for the given milliseconds. */
static int
target_slow(const char *data, size_t len, char *reply, size_t *rlen,
    void *arg)
{
	struct timespec	ts;
	long		ms = atol(data);

	printf("slow\n");
	fflush(stdout);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	*rlen = (size_t)snprintf(reply, *rlen, "done");
	return (0);
}

/* Die in the middle of a handler. */
static int
target_crash(const char *data, size_t len, char *reply, size_t *rlen,
    void *arg)
{
	kill(getpid(), SIGKILL);
	/* SIGKILL cannot be blocked: the process is gone before this. */
	return (pause());
}

/* Fill the whole reply buffer. */
static int
target_big(const char *data, size_t len, char *reply, size_t *rlen,
    void *arg)
{
	memset(reply, 'x', EXITPT_JOBITP_REPLY_MAX);
	*rlen = EXITPT_JOBITP_REPLY_MAX;
	return (0);
}

/* Reply with the effective uid. */
static int
target_uid(const char *data, size_t len, char *reply, size_t *rlen,
    void *arg)
{
	*rlen = (size_t)snprintf(reply, *rlen, "%ld", (long)geteuid());
	return (0);
}

/* Register the handlers, opt in, announce readiness and obey stdin. */
int
main(int argc, char **argv)
{
	char	line[64];
	int	rv, enable = 1;

	if (argc > 1 && strcmp(argv[1], "--no-enable") == 0)
		enable = 0;
	target_main_tid = (pid_t)syscall(SYS_gettid);
	if (exitpt_jobitp_register("echo", target_echo, NULL) != 0 ||
	    exitpt_jobitp_register("status", target_status, NULL) != 0 ||
	    exitpt_jobitp_register("where", target_where, NULL) != 0 ||
	    exitpt_jobitp_register("count", target_count_fn, NULL) != 0 ||
	    exitpt_jobitp_register("slow", target_slow, NULL) != 0 ||
	    exitpt_jobitp_register("crash", target_crash, NULL) != 0 ||
	    exitpt_jobitp_register("big", target_big, NULL) != 0 ||
	    exitpt_jobitp_register("uid", target_uid, NULL) != 0) {
		fprintf(stderr, "jobitp-target: register failed\n");
		return (1);
	}
	if (enable && (rv = exitpt_jobitp_enable()) != 0) {
		fprintf(stderr, "jobitp-target: enable: %s\n",
		    exitpt_strerror(rv));
		return (1);
	}
	printf("ready %ld\n", (long)getpid());
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (strcmp(line, "enable\n") == 0)
			rv = exitpt_jobitp_enable();
		else if (strcmp(line, "disable\n") == 0)
			rv = exitpt_jobitp_disable();
		else
			rv = -EINVAL;
		printf("%s\n", exitpt_strerror(rv));
		fflush(stdout);
	}
	/* Not enabled at this point is fine: a clean exit either way. */
	(void)exitpt_jobitp_disable();
	return (0);
}
