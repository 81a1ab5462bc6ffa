/*
 * aix-dlpar: a DLPAR-aware AIX program, as vendors wrote them, ported to
 * Linux without a changed line: it includes <sys/dr.h>, installs a
 * SIGRECONFIG handler with signal(), queries the event in a loop that
 * retries EINTR, treats ENXIO as "nothing in progress", prints the
 * event's members in each phase, and vetoes a migration in the check
 * phase while it is busy.
 *
 * Build (as any ported program):
 *	cc $(pkg-config --cflags exitpt-dr) aix-dlpar.c \
 *	    $(pkg-config --libs exitpt-dr)
 *
 * usage: aix-dlpar [-b busy-file] [-s seconds]
 *	-b	busy (veto in check) while this file exists
 *	-s	run this long, then exit 0 (default: until SIGTERM)
 */
#include <sys/types.h>
#include <sys/dr.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char		*busy_file;
static volatile sig_atomic_t	 done;

static void	 say(const char *, ...);
static void	 dr_handler(int);
static void	 term_handler(int);

/*
 * Write the strings given (NULL ends the list), unsigned numbers marked
 * by a "%u" string followed by the value: write(2) only, since this runs
 * in a signal handler.
 */
static void
say(const char *s, ...)
{
	char		 buf[512], num[16];
	const char	*p;
	size_t		 n = 0, len;
	unsigned	 v;
	int		 i;
	va_list		 ap;

	va_start(ap, s);
	for (p = s; p != NULL; p = va_arg(ap, const char *)) {
		if (strcmp(p, "%u") == 0) {
			v = va_arg(ap, unsigned);
			i = sizeof(num);
			do {
				num[--i] = (char)('0' + v % 10);
				v /= 10;
			} while (v > 0);
			p = num + i;
			len = sizeof(num) - (size_t)i;
		} else
			len = strlen(p);
		if (n + len >= sizeof(buf))
			break;
		memcpy(buf + n, p, len);
		n += len;
	}
	va_end(ap);
	buf[n++] = '\n';
	(void)write(STDOUT_FILENO, buf, n);
}

/* The SIGRECONFIG handler, in the shape of AIX's documentation. */
static void
dr_handler(int sig)
{
	dr_info_t	 dri;
	const char	*phase;
	int		 rc, saved = errno;

	/* Old SysV habit: re-arm.  Harmless where signal() persists. */
	signal(SIGRECONFIG, dr_handler);

	do {
		rc = dr_reconfig(DR_QUERY, &dri);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0) {
		if (errno == ENXIO)
			say("info: no DLPAR event in progress", NULL);
		else
			say("error: dr_reconfig(DR_QUERY) failed", NULL);
		errno = saved;
		return;
	}

	phase = dri.check ? "check" : dri.pre ? "pre" : dri.post ? "post" :
	    dri.posterror ? "posterror" : "unknown";
	say("event: phase ", phase, " migrate ", "%u", dri.migrate,
	    " hibernate ", "%u", dri.hibernate, " force ", "%u", dri.force,
	    " partition ", "%u", dri.partition, " cpu ", "%u", dri.cpu,
	    " mem ", "%u", dri.mem, " phase_gen ", "%u", dri.phase_gen, NULL);

	if (dri.check && busy_file != NULL && access(busy_file, F_OK) == 0) {
		say("check: busy, failing the event", NULL);
		if (dr_reconfig(DR_EVENT_FAIL, &dri) < 0)
			say("check: DR_EVENT_FAIL refused, errno ", "%u",
			    (unsigned)errno, NULL);
		errno = saved;
		return;
	}
	if (dri.pre)
		say("pre: quiescing", NULL);
	if (dri.post)
		say("post: resuming on the new system", NULL);
	if (dri.posterror)
		say("posterror: resuming, nothing moved", NULL);

	if (dr_reconfig(DR_RECONFIG_DONE, &dri) < 0)
		say("warning: DR_RECONFIG_DONE failed, errno ", "%u",
		    (unsigned)errno, NULL);
	else
		say(phase, ": acknowledged", NULL);
	errno = saved;
}

/* SIGTERM or SIGINT: leave the main loop. */
static void
term_handler(int sig)
{
	done = 1;
}

int
main(int argc, char **argv)
{
	int	ch, seconds = -1;

	while ((ch = getopt(argc, argv, "b:s:")) != -1) {
		switch (ch) {
		case 'b':
			busy_file = optarg;
			break;
		case 's':
			seconds = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: aix-dlpar [-b busy-file] "
			    "[-s seconds]\n");
			return (64);
		}
	}
	signal(SIGRECONFIG, dr_handler);
	signal(SIGTERM, term_handler);
	signal(SIGINT, term_handler);
	signal(SIGALRM, term_handler);
	say("ready: pid ", "%u", (unsigned)getpid(), NULL);
	if (seconds >= 0)
		alarm((unsigned)seconds);
	while (!done)
		pause();
	say("exiting", NULL);
	return (0);
}
