/*
 * Sample C resume program for QIBM_QWC_RESUME (Complete, AMGF0100), the
 * partner of app-exit: after the system resumed, the application takes new
 * work again, so DIR/quiesced (DIR is the program data) is removed.  A
 * resume after a restricted-state resume is logged as such: an operator
 * may want to look before the application runs at full speed.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <exitpt/exitpt.h>

/* The resume program proper, called with the read-only AMGF0100. */
static int
app_resume(void *info, const char *format, char phase, void *arg)
{
	const struct exitpt_amgf0100	*a = info;
	const char			*dir = exitpt_exitprog_data();
	char				 marker[PATH_MAX];
	int				 n;

	if (*dir == '\0')
		dir = "/run/exitpt-sample";
	n = snprintf(marker, sizeof(marker), "%s/quiesced", dir);
	if (n < 0 || (size_t)n >= sizeof(marker)) {
		fprintf(stderr, "program data too long\n");
		return (1);
	}
	if (unlink(marker) == -1 && errno != ENOENT) {
		fprintf(stderr, "%s: %s\n", marker, strerror(errno));
		return (1);
	}
	printf("resumed after %s in %s state: application takes new work\n",
	    a->action == EXITPT_ACTION_HIBERNATION ? "hibernation" :
	    "migration", a->system_state == EXITPT_SYSTEM_RESTRICTED ?
	    "restricted" : "normal");
	return (0);
}

int
main(int argc, char **argv)
{
	int	rc;

	rc = exitpt_exitprog_run(argc, argv, app_resume, NULL);
	fflush(stdout);
	if (rc < 0) {
		fprintf(stderr, "app-resume: %s (run by exitd as "
		    "'app-resume AMGF0100 4' with fd 3)\n",
		    exitpt_strerror(rc));
		return (2);
	}
	return (rc);
}
