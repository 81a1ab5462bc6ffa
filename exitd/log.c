/*
 * exitd logging: stderr in the foreground, syslog otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "exitd.h"

static int	log_foreground = 1;
static int	log_verbose;

static void	log_vlog(int, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

/* Choose the destination (foreground: stderr) and the verbosity. */
void
log_init(int foreground, int verbose)
{
	log_foreground = foreground;
	log_verbose = verbose;
	if (!foreground)
		openlog("exitd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* Change the verbosity (SIGHUP reload, -v). */
void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

/* Write one message at a priority; errnum > 0 appends its description. */
static void
log_vlog(int pri, int errnum, const char *fmt, va_list ap)
{
	char	buf[2048];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_foreground) {
		if (errnum > 0)
			fprintf(stderr, "exitd: %s: %s\n", buf,
			    strerror(errnum));
		else
			fprintf(stderr, "exitd: %s\n", buf);
		fflush(stderr);
	} else if (errnum > 0)
		syslog(pri, "%s: %s", buf, strerror(errnum));
	else
		syslog(pri, "%s", buf);
}

/* Log a warning with the description of errno. */
void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vlog(LOG_WARNING, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* Log a warning. */
void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_WARNING, 0, fmt, ap);
	va_end(ap);
}

/* Log an informational message. */
void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

/* Log a debugging message, only when verbose. */
void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vlog(LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
}

/* Log a fatal error with errno's description and exit. */
void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vlog(LOG_CRIT, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Log a fatal error and exit. */
void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

/*
 * Format ms milliseconds since the epoch as ISO 8601 local time with
 * milliseconds and the zone ("2026-11-29T15:10:38.123+01:00"), the form
 * of every time exitd shows (exitctl(8), OUTPUT CONVENTIONS).
 */
void
log_time_iso(int64_t ms, char *buf, size_t len)
{
	if (text_time_iso(ms, buf, len) != 0)
		snprintf(buf, len, "%lld", (long long)ms);
}
