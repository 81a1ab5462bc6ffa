/*
 * What the benchmarks share: the clock and the median of their samples.
 */
#include <stdlib.h>
#include <time.h>

#include "bench.h"

static int	bench_cmp(const void *, const void *);

/* Milliseconds on the monotonic clock. */
double
bench_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6);
}

/* Sort helper for medians. */
static int
bench_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* Median of n samples (sorts them). */
double
bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp);
	return (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}
