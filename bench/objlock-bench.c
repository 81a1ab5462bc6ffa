/*
 * Benchmark: object lock acquire+release (*EXCL) against an fcntl OFD
 * write lock and unlock, both uncontended, measured in the same run.
 * Prints nanoseconds per pair for each and their ratio (target: within 2x).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"
#include "benchdir.h"

#define ROUNDS		5

static double	 now(void);
static double	 bench_objlock(long);
static double	 bench_ofd(int, long);

/* Monotonic time in seconds. */
static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Nanoseconds per object lock+unlock pair. */
static double
bench_objlock(long n)
{
	double	t0;
	long	i;

	t0 = now();
	for (i = 0; i < n; i++) {
		if (exitpt_objlock_lock("BENCH", EXITPT_LOCK_EXCL, 0) != 0) {
			fprintf(stderr, "objlock-bench: lock failed\n");
			exit(1);
		}
		exitpt_objlock_unlock("BENCH", EXITPT_LOCK_EXCL);
	}
	return ((now() - t0) * 1e9 / (double)n);
}

/* Nanoseconds per OFD lock+unlock pair. */
static double
bench_ofd(int fd, long n)
{
	struct flock	fl;
	double		t0;
	long		i;

	memset(&fl, 0, sizeof(fl));
	fl.l_whence = SEEK_SET;
	t0 = now();
	for (i = 0; i < n; i++) {
		fl.l_type = F_WRLCK;
		if (fcntl(fd, F_OFD_SETLK, &fl) == -1) {
			perror("objlock-bench: F_OFD_SETLK");
			exit(1);
		}
		fl.l_type = F_UNLCK;
		fcntl(fd, F_OFD_SETLK, &fl);
	}
	return ((now() - t0) * 1e9 / (double)n);
}

int
main(int argc, char **argv)
{
	char	 path[] = "/tmp/exitpt-objlock-bench.XXXXXX";
	double	 ol = 1e30, ofd = 1e30, v;
	long	 n = argc > 1 ? atol(argv[1]) : 500000;
	int	 fd, r;

	if (n <= 0)
		n = 500000;
	if (benchdir_setup("objlock-bench") != 0)
		return (1);
	if ((fd = mkstemp(path)) == -1) {
		perror("objlock-bench: mkstemp");
		return (1);
	}
	unlink(path);
	bench_objlock(1000);	/* create the table first */
	for (r = 0; r < ROUNDS; r++) {
		if ((v = bench_objlock(n)) < ol)
			ol = v;
		if ((v = bench_ofd(fd, n)) < ofd)
			ofd = v;
	}
	printf("objlock lock+unlock: %.1f ns/pair (best of %d x %ld)\n",
	    ol, ROUNDS, n);
	printf("fcntl OFD lock pair: %.1f ns/pair (baseline)\n", ofd);
	printf("ratio:               %.2fx (target <= 2x)\n", ol / ofd);
	close(fd);
	return (0);
}
