/*
 * Benchmark: critical section enter+leave against a raw POSIX semaphore
 * sem_wait+sem_post pair, both uncontended, measured in the same run.
 * Prints nanoseconds per pair for each and their ratio (target: within 2x).
 */
#include <sys/mman.h>

#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"
#include "benchdir.h"

#define ROUNDS		5

static double	 now(void);
static double	 bench_critical(long);
static double	 bench_sem(sem_t *, long);

/* Monotonic time in seconds. */
static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Nanoseconds per critical enter+leave pair. */
static double
bench_critical(long n)
{
	struct exitpt_critical	*c;
	double			 t0;
	long			 i;

	t0 = now();
	for (i = 0; i < n; i++) {
		if (exitpt_critical_enter("bench", 0, 0, &c) != 0) {
			fprintf(stderr, "critical-bench: enter failed\n");
			exit(1);
		}
		exitpt_critical_leave(c);
	}
	return ((now() - t0) * 1e9 / (double)n);
}

/* Nanoseconds per sem_wait+sem_post pair. */
static double
bench_sem(sem_t *s, long n)
{
	double	t0;
	long	i;

	t0 = now();
	for (i = 0; i < n; i++) {
		sem_wait(s);
		sem_post(s);
	}
	return ((now() - t0) * 1e9 / (double)n);
}

int
main(int argc, char **argv)
{
	sem_t	*s;
	double	 crit = 1e30, sem = 1e30, v;
	long	 n = argc > 1 ? atol(argv[1]) : 2000000;
	int	 r;

	if (n <= 0)
		n = 2000000;
	if (benchdir_setup("critical-bench") != 0)
		return (1);
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED || sem_init(s, 1, 1) == -1) {
		perror("critical-bench: semaphore");
		return (1);
	}
	bench_critical(1000);	/* create the table and flag first */
	for (r = 0; r < ROUNDS; r++) {
		if ((v = bench_critical(n)) < crit)
			crit = v;
		if ((v = bench_sem(s, n)) < sem)
			sem = v;
	}
	printf("critical enter+leave: %.1f ns/pair (best of %d x %ld)\n",
	    crit, ROUNDS, n);
	printf("sem_wait+sem_post:    %.1f ns/pair (baseline)\n", sem);
	printf("ratio:                %.2fx (target <= 2x)\n", crit / sem);
	return (0);
}
