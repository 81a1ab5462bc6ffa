/*
 * tests/driver-harness: run driver_run() against a running exitd with the
 * failures that exitctl and hmcsim cannot produce on demand, so that
 * tests/driver-run.sh can check the driver helper's Cancel on failure:
 *
 *	driver-harness suspend-fails	the suspension fails (-EIO)
 *	driver-harness prepare-lost	Prepare ran, but its reply was "lost"
 *					(-EPIPE) and the connection with it
 *	driver-harness stop-after-check	stop_after = Check: left open
 *
 * It prints each report (driver_report_print) and then one line
 * "result status=S error=E phase=P cancelled_on_failure=C left_open=L
 * outcome=O", and exits with the result's status.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "driver.h"

static int	harness_lost_cb(struct exitpt_client **,
		    const struct driver_request *, struct exitpt_report **,
		    void *);
static void	harness_report_cb(const struct exitpt_report *,
		    const struct exitpt_report *, void *);
static int	harness_suspend_cb(void *);

/* Drive a phase; Prepare then behaves as if its connection was lost. */
static int
harness_lost_cb(struct exitpt_client **cp, const struct driver_request *req,
    struct exitpt_report **rp, void *arg)
{
	int	error;

	if ((error = driver_drive(*cp, req, rp)) != 0 ||
	    req->phase != EXITPT_OP_PREPARE)
		return (error);
	exitpt_report_free(*rp);
	*rp = NULL;
	exitpt_client_close(*cp);
	*cp = NULL;
	return (-EPIPE);
}

/* Print every report, and the Cancel that followed a veto. */
static void
harness_report_cb(const struct exitpt_report *r,
    const struct exitpt_report *cancel, void *arg)
{
	driver_report_print(stdout, r, NULL, NULL);
	if (cancel != NULL)
		driver_report_print(stdout, cancel, NULL, NULL);
}

/* A suspension that did not happen. */
static int
harness_suspend_cb(void *arg)
{
	printf("suspend fails\n");
	return (-EIO);
}

int
main(int argc, char **argv)
{
	struct driver_run	 run;
	struct driver_result	 res;
	struct exitpt_client	*c;
	int			 error, rv;

	if (argc != 2) {
		fprintf(stderr, "usage: driver-harness suspend-fails|"
		    "prepare-lost|stop-after-check\n");
		return (DRIVER_EXIT_USAGE);
	}
	memset(&run, 0, sizeof(run));
	run.action = EXITPT_ACTION_MIGRATION;
	run.report_cb = harness_report_cb;
	if (strcmp(argv[1], "suspend-fails") == 0)
		run.suspend_cb = harness_suspend_cb;
	else if (strcmp(argv[1], "prepare-lost") == 0)
		run.drive_cb = harness_lost_cb;
	else if (strcmp(argv[1], "stop-after-check") == 0)
		run.stop_after = EXITPT_OP_CHECK;
	else
		return (DRIVER_EXIT_USAGE);
	if ((error = driver_open(NULL, &c)) != 0) {
		fprintf(stderr, "driver-harness: %s: %s\n", driver_socket(NULL),
		    exitpt_strerror(error));
		return (driver_exit_error(error));
	}
	driver_run(&c, &run, &res);
	printf("result status=%d error=%d phase=%s cancelled_on_failure=%d "
	    "left_open=%d outcome=%s\n", res.status, res.error,
	    exitpt_phase_name(res.phase), res.cancelled_on_failure,
	    res.left_open, res.report != NULL ?
	    exitpt_outcome_name(exitpt_report_outcome(res.report)) : "-");
	rv = res.status;
	driver_result_clear(&res);
	exitpt_client_close(c);
	return (rv);
}
