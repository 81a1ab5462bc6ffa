/*
 * Helpers shared by the C tests of the IPC objects.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"
#include "ipctest.h"
#include "tap.h"

static pid_t	 ipctest_main_pid;

static void	 ipctest_exit(void);
static int	 ipctest_rm(const char *, const struct stat *, int,
		     struct FTW *);

/* Monotonic time in seconds. */
double
ipctest_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Remove one entry of the runtime directory (nftw callback). */
static int
ipctest_rm(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	remove(path);
	return (0);
}

/* Remove the test's runtime directory, with every object in it. */
void
ipctest_cleanup(void)
{
	char	path[PATH_MAX];

	if (ipcdir_path(path, sizeof(path)) == 0)
		nftw(path, ipctest_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* At exit of the test itself (a bail too), not of a forked child. */
static void
ipctest_exit(void)
{
	if (getpid() == ipctest_main_pid)
		ipctest_cleanup();
}

/*
 * Remove the test's objects when it exits; call once the private prefix
 * is in the environment.
 */
void
ipctest_atexit(void)
{
	ipctest_main_pid = getpid();
	atexit(ipctest_exit);
}

/* Kill and reap a child. */
void
ipctest_reap(pid_t pid)
{
	int	status;

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

/* Wait for a child and return its exit status (-1 if killed). */
int
ipctest_child_status(pid_t pid)
{
	int	status;

	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status))
		return (-1);
	return (WEXITSTATUS(status));
}

/*
 * Run fn in a child as user nobody and return its int result (through a
 * pipe: an exit status could not carry a negative error code).
 */
int
ipctest_as_nobody(int (*fn)(void *), void *arg)
{
	pid_t	pid;
	int	p[2], rv = -EIO, status;

	if (pipe(p) == -1 || (pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		close(p[0]);
		if (setgroups(0, NULL) == -1 || setgid(IPCTEST_NOBODY) == -1 ||
		    setuid(IPCTEST_NOBODY) == -1)
			_exit(255);
		rv = fn(arg);
		if (write(p[1], &rv, sizeof(rv)) != sizeof(rv))
			_exit(254);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &rv, sizeof(rv)) != sizeof(rv))
		tap_bail("child as nobody failed");
	close(p[0]);
	waitpid(pid, &status, 0);
	return (rv);
}

/* The path of rel (e.g. "obj/q") in the test's runtime directory. */
void
ipctest_path(char *buf, size_t len, const char *rel)
{
	char	dir[PATH_MAX];

	if (ipcdir_path(dir, sizeof(dir)) != 0)
		tap_bail("runtime directory path");
	snprintf(buf, len, "%s/%s", dir, rel);
}

/*
 * Fork a child (as nobody if asked) that runs take and then, if take
 * succeeded, keeps what it took until it is killed.  Returns its pid once
 * take has returned; a take that fails stops the test.
 */
pid_t
ipctest_spawn(int (*take)(void *), void *arg, int nobody)
{
	pid_t	pid;
	int	p[2], rv = -EIO;

	if (pipe(p) == -1 || (pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		close(p[0]);
		if (nobody && (setgroups(0, NULL) == -1 ||
		    setgid(IPCTEST_NOBODY) == -1 ||
		    setuid(IPCTEST_NOBODY) == -1))
			_exit(1);
		rv = take(arg);
		if (write(p[1], &rv, sizeof(rv)) != sizeof(rv) || rv != 0)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], &rv, sizeof(rv)) != sizeof(rv) || rv != 0) {
		printf("# the child's take failed: %d\n", rv);
		tap_bail("a child could not take what it should hold");
	}
	close(p[0]);
	return (pid);
}
