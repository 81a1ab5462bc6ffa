/*
 * What the benchmarks share: the clock and the median of their samples.
 */
#ifndef EXITPT_BENCH_H
#define EXITPT_BENCH_H

/* bench.c */
double	bench_now_ms(void);
double	bench_median(double *, int);

#endif /* EXITPT_BENCH_H */
