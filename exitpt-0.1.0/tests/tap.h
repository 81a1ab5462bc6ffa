/*
 * Minimal TAP producer for exitpt's C tests: each check prints one
 * "ok N - name" or "not ok N - name" line; tap_done() prints the plan.
 */
#ifndef EXITPT_TAP_H
#define EXITPT_TAP_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int	tap_count;
static int	tap_failures;

/* Record one check; print a diagnostic with the location on failure. */
static inline int __attribute__((format(printf, 4, 5)))
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list	ap;

	tap_count++;
	printf("%sok %d - ", pass ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		tap_failures++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return (pass);
}

/* Print the plan and return the process exit status. */
static inline int
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return (tap_failures == 0 ? 0 : 1);
}

/* Stop the whole test with a reason (TAP "Bail out!"). */
static inline void __attribute__((noreturn))
tap_bail(const char *why)
{
	printf("Bail out! %s\n", why);
	fflush(stdout);
	exit(1);
}

#define ok(cond, ...)	tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...) do {					\
	long long tap_g_ = (long long)(got), tap_w_ = (long long)(want); \
	if (!ok(tap_g_ == tap_w_, __VA_ARGS__))				\
		printf("#   got %lld, want %lld\n", tap_g_, tap_w_);	\
} while (0)

#define is_str(got, want, ...) do {					\
	const char *tap_g_ = (got), *tap_w_ = (want);			\
	if (!ok(tap_g_ != NULL && strcmp(tap_g_, tap_w_) == 0, __VA_ARGS__)) \
		printf("#   got '%s', want '%s'\n",			\
		    tap_g_ ? tap_g_ : "(null)", tap_w_);		\
} while (0)

#endif /* EXITPT_TAP_H */
