/*
 * exitpt's CRIU action script, installed as $(libexecdir)/exitpt/criu-action
 * for `criu dump|restore --action-script PATH`.  CRIU runs it once per
 * action with CRTOOLS_SCRIPT_ACTION (and CRTOOLS_IMAGE_DIR,
 * CRTOOLS_INIT_PID) added to its own environment, standard input closed,
 * output into CRIU's log, and waits for it forever.  The mapping:
 *
 *	pre-dump	Check, then Prepare; a veto exits 1, which makes CRIU
 *			fail the dump
 *	post-resume	Complete of the operation the dump prepared here, or,
 *			with none open (a restore on another host), of a
 *			resume-only operation
 *	anything else	nothing (CRIU may add actions)
 *
 * A dump that fails after Prepare runs no further action: exitd's
 * recovery timeout then cancels the operation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter.h"

#define CRIU_PROG	"exitpt criu-action"	/* starts every line */
#define CRIU_DRIVER	"criu"			/* exitd's name for us */

enum criu_action {
	CRIU_PRE_DUMP,
	CRIU_POST_RESUME,
	CRIU_OTHER,
};

/* CRIU's environment, parsed. */
struct criu_env {
	enum criu_action action;
};

static int	 criu_env_parse(struct adapter *, struct criu_env *);
static void	 criu_report_cb(const struct exitpt_report *,
		     const struct exitpt_report *, void *);
static int	 criu_pre_dump(struct adapter *);
static int	 criu_post_resume(struct adapter *);

/* Read CRTOOLS_SCRIPT_ACTION; without it CRIU did not run us. */
static int
criu_env_parse(struct adapter *a, struct criu_env *env)
{
	const char	*p;

	if ((p = getenv("CRTOOLS_SCRIPT_ACTION")) == NULL || *p == '\0') {
		adapter_say(a, "CRTOOLS_SCRIPT_ACTION is not set: this is an "
		    "action script, run by criu dump|restore --action-script; "
		    "nothing was done");
		return (-1);
	}
	if (strcmp(p, "pre-dump") == 0)
		env->action = CRIU_PRE_DUMP;
	else if (strcmp(p, "post-resume") == 0)
		env->action = CRIU_POST_RESUME;
	else
		env->action = CRIU_OTHER;
	return (0);
}

/* A phase of pre-dump's sequence ended: a vetoed Check names who, why. */
static void
criu_report_cb(const struct exitpt_report *r,
    const struct exitpt_report *cancel, void *arg)
{
	struct adapter	*a = arg;

	if (exitpt_report_phase(r) == EXITPT_OP_CHECK &&
	    exitpt_report_outcome(r) == EXITPT_OUTCOME_VETOED)
		adapter_vetoes(a, r);
}

/*
 * pre-dump: Check, then Prepare, leaving the operation prepared for the
 * restore.  A veto, a busy exitd or a Cancel during Prepare fail the dump,
 * saying who and why (CRIU itself would only log that a script failed).
 * exitd not running lets the dump go on.
 */
static int
criu_pre_dump(struct adapter *a)
{
	struct driver_run	 run = { .action = EXITPT_ACTION_MIGRATION,
	    .stop_after = EXITPT_OP_PREPARE, .drive_cb = adapter_run_cb,
	    .report_cb = criu_report_cb, .arg = a };
	struct driver_result	 res;
	struct exitpt_client	*c;
	const char		*what = "the check before the dump";
	int			 rv = DRIVER_EXIT_OK;

	run.socket = a->socket;
	if (adapter_open(a, what, &c) != 0)
		return (DRIVER_EXIT_OK);
	adapter_begin(a, what);
	driver_run(&c, &run, &res);
	adapter_end(a);
	if (res.error != 0) {
		adapter_refused(a, res.phase == EXITPT_OP_PREPARE ?
		    "Prepare before the dump" : what, res.error, res.report);
		if (res.error == EXITPT_E_BUSY)
			rv = DRIVER_EXIT_BUSY;
	} else if (res.status == DRIVER_EXIT_VETOED) {
		adapter_say(a, "the dump is refused");
		rv = DRIVER_EXIT_VETOED;
	} else if (res.status == DRIVER_EXIT_CANCELLED) {
		adapter_say(a, "operation %016" PRIx64 " was cancelled during "
		    "Prepare (see exitctl journal); the dump is refused",
		    res.operation);
		rv = DRIVER_EXIT_CANCELLED;
	}
	driver_result_clear(&res);
	exitpt_client_close(c);
	return (rv);
}

/*
 * post-resume: the restored tasks run again.  Complete the operation a
 * dump on this machine prepared; with no operation open (a restore on
 * another host, or the recovery timeout ended it), Complete the resume
 * programs alone, as a resume-only operation.  Someone else's operation
 * is left alone, saying so.
 */
static int
criu_post_resume(struct adapter *a)
{
	struct driver_request	 req = { .phase = EXITPT_OP_COMPLETE,
	    .action = EXITPT_ACTION_MIGRATION,
	    .system_state = EXITPT_SYSTEM_NORMAL };
	const char		*what = "Complete after the restore";
	struct exitpt_client	*c;
	struct exitpt_report	*r = NULL;
	int			 error;

	if (adapter_open(a, what, &c) != 0)
		return (DRIVER_EXIT_OK);
	if (adapter_status(a, c, &r) != 0)
		goto out;
	if (exitpt_report_phase(r) == EXITPT_OP_PREPARE &&
	    exitpt_report_outcome(r) == EXITPT_OUTCOME_PREPARED &&
	    adapter_own(a, r))
		req.operation = exitpt_report_operation(r);
	else
		req.resume_only = 1;
	exitpt_report_free(r);
	r = NULL;
	if ((error = adapter_drive(a, c, &req, what, &r)) != 0)
		adapter_refused(a, what, error, r);
out:
	exitpt_report_free(r);
	exitpt_client_close(c);
	return (DRIVER_EXIT_OK);
}

/* The action script: parse CRIU's environment, run the action. */
int
main(int argc, char **argv)
{
	struct adapter	*a;
	struct criu_env	 env;
	int		 rv = DRIVER_EXIT_OK;

	a = adapter_init(CRIU_PROG, CRIU_DRIVER, stderr);
	if (criu_env_parse(a, &env) != 0)
		rv = DRIVER_EXIT_USAGE;
	else if (env.action == CRIU_PRE_DUMP)
		rv = criu_pre_dump(a);
	else if (env.action == CRIU_POST_RESUME)
		rv = criu_post_resume(a);
	adapter_finish(a);
	return (rv);
}
