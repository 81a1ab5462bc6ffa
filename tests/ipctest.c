/*
 * Helpers shared by the C tests of the IPC objects.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"
#include "ipctest.h"

static pid_t	 ipctest_main_pid;

static void	 ipctest_exit(void);

/* Monotonic time in seconds. */
double
ipctest_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Remove every object of every type under the current prefix. */
void
ipctest_cleanup(void)
{
	char	**names;
	size_t	  n, i;
	int	  t;

	for (t = IPCOBJ_CRITICAL; t <= IPCOBJ_JOBITP; t++) {
		if (ipcobj_list(t, &names, &n) != 0)
			continue;
		for (i = 0; i < n; i++)
			ipcobj_unlink(t, names[i]);
		ipcobj_list_free(names, n);
	}
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
