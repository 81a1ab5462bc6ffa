/*
 * The benchmarks' private runtime directory, on tmpfs like the real one.
 */
#ifndef BENCHDIR_H
#define BENCHDIR_H

int	 benchdir_setup(const char *);

#endif /* BENCHDIR_H */
