/*
 * Sample C exit program for QIBM_QWC_SUSPEND, built on libexitpt's exit
 * program helper.  It speaks for an application whose run directory is the
 * program data (registered with `exitctl add ... --data DIR`):
 *
 *   Check    vetoes while DIR/busy exists, otherwise allows and asks for
 *            120 s to prepare;
 *   Prepare  creates DIR/quiesced (the application stops taking new work
 *            while it exists) and logs a line;
 *   Cancel   removes DIR/quiesced again and logs a line.
 *
 * "Busy" is a file because that is the one signal every application can
 * give without linking anything: a batch job or a shell wrapper creates it
 * before a run that must not be interrupted and removes it afterwards, and
 * the exit program reads it without talking to the application at all.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <exitpt/exitpt.h>

#define APP_WAIT	120	/* seconds the application needs */

/* Build DIR/name from the program data; returns -1 if it does not fit. */
static int
app_path(char *buf, size_t len, const char *name)
{
	const char	*dir = exitpt_exitprog_data();
	int		 n;

	if (*dir == '\0')
		dir = "/run/exitpt-sample";
	n = snprintf(buf, len, "%s/%s", dir, name);
	return (n < 0 || (size_t)n >= len ? -1 : 0);
}

/* Check: veto while the application is busy, otherwise ask for time. */
static int
app_check(struct exitpt_bmgf0100 *info)
{
	char	busy[PATH_MAX], why[PATH_MAX + 64];

	if (app_path(busy, sizeof(busy), "busy") == -1) {
		fprintf(stderr, "program data too long\n");
		return (1);
	}
	if (access(busy, F_OK) == 0) {
		info->status = EXITPT_STATUS_VETO;
		snprintf(why, sizeof(why), "application busy (%s exists)",
		    busy);
		exitpt_exitprog_reason(why);
		return (0);
	}
	info->status = EXITPT_STATUS_ALLOW;
	info->wait_time = APP_WAIT;
	return (0);
}

/* Prepare: mark the application quiesced; Cancel: undo that. */
static int
app_prepare(const struct exitpt_bmgf0200 *info)
{
	char	marker[PATH_MAX];
	int	fd;

	if (app_path(marker, sizeof(marker), "quiesced") == -1) {
		fprintf(stderr, "program data too long\n");
		return (1);
	}
	if (info->request == EXITPT_REQUEST_CANCEL) {
		if (unlink(marker) == -1 && errno != ENOENT) {
			fprintf(stderr, "%s: %s\n", marker, strerror(errno));
			return (1);
		}
		printf("cancelled: application takes new work again\n");
		return (0);
	}
	if ((fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1) {
		fprintf(stderr, "%s: %s\n", marker, strerror(errno));
		return (1);
	}
	dprintf(fd, "%016llx\n",
	    (unsigned long long)exitpt_exitprog_operation());
	close(fd);
	printf("prepared: application quiesced within a %d s window\n",
	    info->window);
	return (0);
}

/* The exit program proper, called by the helper with fd 3 mapped. */
static int
app_exit(void *info, const char *format, char phase, void *arg)
{
	switch (phase) {
	case EXITPT_PHASE_CHECK:
		return (app_check(info));
	case EXITPT_PHASE_PREPARE:
		return (app_prepare(info));
	default:
		fprintf(stderr, "phase %c is not for a suspend program\n",
		    phase);
		return (1);
	}
}

int
main(int argc, char **argv)
{
	int	rc;

	rc = exitpt_exitprog_run(argc, argv, app_exit, NULL);
	fflush(stdout);
	if (rc < 0) {
		fprintf(stderr, "app-exit: %s (run by exitd as "
		    "'app-exit FORMAT PHASE' with fd 3)\n",
		    exitpt_strerror(rc));
		return (2);
	}
	return (rc);
}
