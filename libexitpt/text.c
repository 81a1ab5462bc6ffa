/*
 * Text helpers for the line-oriented files exitpt writes: escaping of
 * free text so that one value always fits on one line, strict parsing
 * of decimal integers, and times as exitpt shows them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exitpt-int.h"

static const char text_hex[] = "0123456789abcdef";

/*
 * Escape src into dst (size dstlen, always terminated): backslash, control
 * characters and DEL become backslash escapes (\\, \n, \t, \xHH).
 * Returns the length the full result needs, like snprintf.
 */
size_t
text_escape(char *dst, size_t dstlen, const char *src)
{
	const unsigned char	*s = (const unsigned char *)src;
	char			 buf[5];
	size_t			 n = 0, i;

	for (; *s != '\0'; s++) {
		if (*s == '\\')
			strcpy(buf, "\\\\");
		else if (*s == '\n')
			strcpy(buf, "\\n");
		else if (*s == '\t')
			strcpy(buf, "\\t");
		else if (*s < 0x20 || *s == 0x7f) {
			buf[0] = '\\';
			buf[1] = 'x';
			buf[2] = text_hex[*s >> 4];
			buf[3] = text_hex[*s & 0xf];
			buf[4] = '\0';
		} else {
			buf[0] = (char)*s;
			buf[1] = '\0';
		}
		for (i = 0; buf[i] != '\0'; i++, n++) {
			if (dstlen > 0 && n < dstlen - 1)
				dst[n] = buf[i];
		}
	}
	if (dstlen > 0)
		dst[n < dstlen ? n : dstlen - 1] = '\0';
	return (n);
}

/* Value of one hexadecimal digit, or -1. */
static int
text_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/*
 * Undo text_escape.  Fails with -EINVAL on a bad or NUL escape and with
 * -ENAMETOOLONG if the result does not fit dst.  *outlen gets the length.
 */
int
text_unescape(char *dst, size_t dstlen, const char *src, size_t *outlen)
{
	size_t	n = 0;
	int	c, hi, lo;

	while ((c = (unsigned char)*src++) != '\0') {
		if (c == '\\') {
			c = (unsigned char)*src++;
			if (c == '\\')
				;
			else if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
			else if (c == 'x') {
				if ((hi = text_hexval(src[0])) < 0 ||
				    (lo = text_hexval(src[1])) < 0)
					return (-EINVAL);
				src += 2;
				c = hi << 4 | lo;
				if (c == 0)
					return (-EINVAL);
			} else
				return (-EINVAL);
		} else if (c < 0x20 || c == 0x7f)
			return (-EINVAL);
		if (n + 1 >= dstlen)
			return (-ENAMETOOLONG);
		dst[n++] = (char)c;
	}
	dst[n] = '\0';
	if (outlen != NULL)
		*outlen = n;
	return (0);
}

/*
 * Parse a whole string as a decimal integer within [min, max].  No sign
 * other than a leading '-', no spaces, no trailing characters.
 */
int
text_parse_int(const char *s, long long min, long long max, long long *out)
{
	long long	 v;
	char		*end;

	if (s == NULL || *s == '\0' || (*s != '-' && (*s < '0' || *s > '9')))
		return (-EINVAL);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return (-EINVAL);
	if (errno == ERANGE || v < min || v > max)
		return (-ERANGE);
	*out = v;
	return (0);
}

/*
 * Whether s holds a control character (below 0x20, or DEL): such text
 * cannot be one line of a listing, the journal or the log.
 */
int
text_has_control(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return (1);
	}
	return (0);
}

/*
 * Make text another user chose (a process's command name or executable
 * path) one line, in place: control characters become spaces.
 */
void
text_unctrl(char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
	}
}

/*
 * A time in seconds since the epoch read from a shared object that its
 * owner (maybe another user) writes as it likes: sec if it lies in
 * 0..9999-12-31T23:59:59Z, else 0, so that it can be shown and turned
 * into milliseconds without overflow.
 */
int64_t
text_epoch(int64_t sec)
{
	return (sec >= 0 && sec <= 253402300799LL ? sec : 0);
}

/*
 * Format ms milliseconds since the epoch as ISO 8601 local time with
 * milliseconds and the zone offset ("2026-11-29T15:10:38.123+01:00"), the
 * form of every time exitpt shows (exitctl(8), OUTPUT CONVENTIONS).
 * Returns 0, or -EINVAL when the time cannot be shown or len is short.
 */
int
text_time_iso(int64_t ms, char *buf, size_t len)
{
	struct tm	 tm;
	time_t		 sec;
	long		 off, frac;
	size_t		 n;

	frac = (long)(ms % 1000);
	sec = (time_t)(ms / 1000);
	if (frac < 0) {
		frac += 1000;
		sec--;
	}
	if (localtime_r(&sec, &tm) == NULL ||
	    (n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm)) == 0)
		return (-EINVAL);
	off = tm.tm_gmtoff / 60;
	if ((size_t)snprintf(buf + n, len - n, ".%03ld%c%02ld:%02ld", frac,
	    off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60) >= len - n)
		return (-EINVAL);
	return (0);
}
