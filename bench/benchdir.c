/*
 * A private runtime directory for a benchmark: made in /dev/shm (tmpfs,
 * as $(runstatedir) is), named by EXITPT_RUNTIME_DIR, removed at exit.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "exitpt-int.h"
#include "benchdir.h"

static char	 benchdir_path[64];
static pid_t	 benchdir_pid;

static int	 benchdir_rm(const char *, const struct stat *, int,
		     struct FTW *);
static void	 benchdir_cleanup(void);

/* Remove one entry of the tree (nftw callback). */
static int
benchdir_rm(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	remove(path);
	return (0);
}

/* Remove the directory at the exit of the benchmark (not of its children). */
static void
benchdir_cleanup(void)
{
	if (getpid() == benchdir_pid)
		nftw(benchdir_path, benchdir_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* Make the directory, point EXITPT_RUNTIME_DIR at it.  0 or -1. */
int
benchdir_setup(const char *name)
{
	snprintf(benchdir_path, sizeof(benchdir_path),
	    "/dev/shm/exitpt-%s.XXXXXX", name);
	if (mkdtemp(benchdir_path) == NULL) {
		perror(benchdir_path);
		return (-1);
	}
	chmod(benchdir_path, 0755);
	setenv(EXITPT_RUNTIME_DIR_ENV, benchdir_path, 1);
	benchdir_pid = getpid();
	atexit(benchdir_cleanup);
	return (0);
}
