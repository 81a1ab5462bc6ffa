/*
 * Data area benchmark: retrieve and change operations per second on a
 * 64-byte *CHAR and on a *DEC (change and add), in one process and with
 * two processes changing at once, each printed beside the baseline
 * measured in the same run: a memcpy under a process-shared pthread mutex
 * in shared memory, which is the least a safe shared value can cost.
 * Usage: dtaara-bench [SECONDS_PER_FIGURE] (default 1).
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"
#include "benchdir.h"

#define BENCH_LEN	64

/* The baseline: a value under a process-shared mutex in shared memory. */
struct bench_base {
	pthread_mutex_t	mutex;
	char		value[BENCH_LEN];
};

/* Seconds on the monotonic clock. */
static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* Print one figure beside its baseline and their ratio. */
static void
report(const char *what, double ops, const char *base, double bops)
{
	printf("%-28s %12.0f ops/s   %-22s %12.0f ops/s   ratio %.2fx\n",
	    what, ops, base, bops, bops / ops);
}

/* Baseline reads or writes per second for secs seconds. */
static double
bench_base(struct bench_base *b, int write, double secs)
{
	char		buf[BENCH_LEN];
	double		t0 = now(), el;
	unsigned long	n = 0;
	int		i;

	memset(buf, 'x', sizeof(buf));
	do {
		for (i = 0; i < 1000; i++) {
			pthread_mutex_lock(&b->mutex);
			if (write)
				memcpy(b->value, buf, sizeof(buf));
			else
				memcpy(buf, b->value, sizeof(buf));
			pthread_mutex_unlock(&b->mutex);
		}
		n += 1000;
	} while ((el = now() - t0) < secs);
	return ((double)n / el);
}

/* Data area operations per second for secs seconds. */
static double
bench_dtaara(struct exitpt_dtaara *d, int op, double secs)
{
	char		buf[BENCH_LEN + 1];
	double		t0 = now(), el;
	unsigned long	n = 0;
	int		i, rv = 0;

	memset(buf, 'y', BENCH_LEN);
	do {
		for (i = 0; i < 1000 && rv == 0; i++) {
			switch (op) {
			case 0:
				rv = exitpt_dtaara_retrieve(d, 0, 0, buf,
				    sizeof(buf), NULL);
				break;
			case 1:
				rv = exitpt_dtaara_change(d, 0, 0, buf,
				    BENCH_LEN, EXITPT_WAIT_NOWAIT);
				break;
			case 2:
				rv = exitpt_dtaara_change(d, 0, 0, "12345.67",
				    8, EXITPT_WAIT_NOWAIT);
				break;
			case 3:
				rv = exitpt_dtaara_add(d, "1",
				    EXITPT_WAIT_NOWAIT, NULL, 0);
				break;
			}
		}
		if (rv != 0) {
			fprintf(stderr, "dtaara-bench: %s\n",
			    exitpt_strerror(rv));
			exit(1);
		}
		n += 1000;
	} while ((el = now() - t0) < secs);
	return ((double)n / el);
}

/*
 * Two processes at once, each running the data area operation op (or the
 * baseline write when d is NULL) for secs seconds: their total ops/s.
 */
static double
bench_pair(struct bench_base *b, struct exitpt_dtaara *d, int op,
    double secs)
{
	double	mine, theirs = 0;
	pid_t	pid;
	int	p[2], ws;

	if (pipe(p) == -1) {
		perror("dtaara-bench: pipe");
		exit(1);
	}
	if ((pid = fork()) == -1) {
		perror("dtaara-bench: fork");
		exit(1);
	}
	if (pid == 0) {
		close(p[0]);
		mine = d != NULL ? bench_dtaara(d, op, secs) :
		    bench_base(b, 1, secs);
		_exit(write(p[1], &mine, sizeof(mine)) == sizeof(mine) ? 0 :
		    1);
	}
	close(p[1]);
	mine = d != NULL ? bench_dtaara(d, op, secs) : bench_base(b, 1, secs);
	if (read(p[0], &theirs, sizeof(theirs)) != sizeof(theirs))
		theirs = 0;
	close(p[0]);
	waitpid(pid, &ws, 0);
	return (mine + theirs);
}

/* Measure each figure and its baseline, then clean up. */
int
main(int argc, char **argv)
{
	struct exitpt_dtaara	*c, *n;
	struct bench_base	*b;
	pthread_mutexattr_t	 ma;
	double			 secs = 1.0, rd, wr;
	int			 rv;

	if (argc > 1 && (secs = atof(argv[1])) <= 0) {
		fprintf(stderr, "usage: dtaara-bench [SECONDS_PER_FIGURE]\n");
		return (2);
	}
	if (benchdir_setup("dtaara-bench") != 0)
		return (1);
	b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED) {
		perror("dtaara-bench: mmap");
		return (1);
	}
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&b->mutex, &ma);
	pthread_mutexattr_destroy(&ma);
	if ((rv = exitpt_dtaara_create("c", EXITPT_DTAARA_CHAR, BENCH_LEN, 0,
	    NULL, 0, 0600)) != 0 || (rv = exitpt_dtaara_create("n",
	    EXITPT_DTAARA_DEC, 24, 2, NULL, 0, 0600)) != 0 ||
	    (rv = exitpt_dtaara_open("c", &c)) != 0 ||
	    (rv = exitpt_dtaara_open("n", &n)) != 0) {
		fprintf(stderr, "dtaara-bench: %s\n", exitpt_strerror(rv));
		exitpt_dtaara_delete("c");
		return (1);
	}
	printf("data area operations per second, %.1f s per figure, one "
	    "process unless said; ratio = baseline / data area\n", secs);
	rd = bench_base(b, 0, secs);
	wr = bench_base(b, 1, secs);
	report("retrieve *CHAR 64", bench_dtaara(c, 0, secs),
	    "memcpy under mutex", rd);
	report("change *CHAR 64", bench_dtaara(c, 1, secs),
	    "memcpy under mutex", wr);
	report("retrieve *DEC (24 2)", bench_dtaara(n, 0, secs),
	    "memcpy under mutex", rd);
	report("change *DEC (24 2)", bench_dtaara(n, 2, secs),
	    "memcpy under mutex", wr);
	report("add *DEC (24 2)", bench_dtaara(n, 3, secs),
	    "memcpy under mutex", wr);
	/* Contended: two processes changing one value. */
	wr = bench_pair(b, NULL, 1, secs);
	report("change *CHAR 64, 2 procs", bench_pair(b, c, 1, secs),
	    "same, 2 procs", wr);
	report("add *DEC (24 2), 2 procs", bench_pair(b, n, 3, secs),
	    "same, 2 procs", wr);
	exitpt_dtaara_close(c);
	exitpt_dtaara_close(n);
	exitpt_dtaara_delete("c");
	exitpt_dtaara_delete("n");
	munmap(b, sizeof(*b));
	return (0);
}
