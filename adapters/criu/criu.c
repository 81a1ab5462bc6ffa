/*
 * exitpt's CRIU action script, installed as $(libexecdir)/exitpt/criu-action
 * for `criu dump|restore --action-script PATH`.  CRIU runs it once per
 * action with CRTOOLS_SCRIPT_ACTION (and CRTOOLS_IMAGE_DIR,
 * CRTOOLS_INIT_PID) added to its own environment, standard input closed,
 * output into CRIU's log, and waits for it forever.  The mapping:
 *
 *	pre-dump	Check, then Prepare; a veto exits 1, which makes CRIU
 *			fail the dump
 *	post-resume	Complete of the operation the dump prepared
 *	anything else	nothing (CRIU may add actions)
 *
 * A dump that fails after Prepare runs no further action: exitd's
 * recovery timeout then cancels the operation.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter.h"

#define CRIU_PROG	"exitpt criu-action"

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

/*
 * pre-dump: Check, then Prepare.  A veto, a busy exitd or a Cancel during
 * Prepare fail the dump, saying who and why (CRIU itself would only log
 * that a script failed).  exitd not running lets the dump go on.
 */
static int
criu_pre_dump(struct adapter *a)
{
	struct adapter_call	 call = { EXITPT_OP_CHECK, 0,
	    EXITPT_ACTION_MIGRATION, 0, "the check before the dump" };
	struct exitpt_client	*c;
	struct exitpt_report	*r = NULL;
	int			 error, rv = ADAPTER_EXIT_OK;

	if (adapter_open(a, call.what, &c) != 0)
		return (ADAPTER_EXIT_OK);
	if (adapter_status(a, c, &r) != 0)
		goto out;
	exitpt_report_free(r);
	r = NULL;
	error = adapter_drive(a, c, &call, &r);
	if (error != 0) {
		adapter_refused(a, call.what, error, r);
		if (error == EXITPT_E_BUSY)
			rv = ADAPTER_EXIT_REFUSED;
		goto out;
	}
	if (exitpt_report_outcome(r) == EXITPT_OUTCOME_VETOED) {
		adapter_vetoes(a, r);
		adapter_say(a, "the dump is refused");
		rv = ADAPTER_EXIT_REFUSED;
		goto out;
	}
	call.phase = EXITPT_OP_PREPARE;
	call.operation = exitpt_report_operation(r);
	call.what = "Prepare before the dump";
	exitpt_report_free(r);
	r = NULL;
	error = adapter_drive(a, c, &call, &r);
	if (error != 0)
		adapter_refused(a, call.what, error, r);
	else if (exitpt_report_outcome(r) == EXITPT_OUTCOME_CANCELLED) {
		adapter_say(a, "operation %016" PRIx64 " was cancelled during "
		    "Prepare (see exitctl journal); the dump is refused",
		    call.operation);
		rv = ADAPTER_EXIT_REFUSED;
	}
out:
	exitpt_report_free(r);
	exitpt_client_close(c);
	return (rv);
}

/*
 * post-resume: the restored tasks run again.  Complete the operation that
 * the dump prepared, when exitd still waits for it here.
 */
static int
criu_post_resume(struct adapter *a)
{
	struct adapter_call	 call = { EXITPT_OP_COMPLETE, 0, 0,
	    EXITPT_SYSTEM_NORMAL, "Complete after the restore" };
	struct exitpt_client	*c;
	struct exitpt_report	*r = NULL;
	int			 error;

	if (adapter_open(a, call.what, &c) != 0)
		return (ADAPTER_EXIT_OK);
	if (adapter_status(a, c, &r) != 0)
		goto out;
	if (exitpt_report_phase(r) != EXITPT_OP_PREPARE ||
	    exitpt_report_outcome(r) != EXITPT_OUTCOME_PREPARED)
		goto out;
	call.operation = exitpt_report_operation(r);
	exitpt_report_free(r);
	r = NULL;
	if ((error = adapter_drive(a, c, &call, &r)) != 0)
		adapter_refused(a, call.what, error, r);
out:
	exitpt_report_free(r);
	exitpt_client_close(c);
	return (ADAPTER_EXIT_OK);
}

/* The action script: parse CRIU's environment, run the action. */
int
main(int argc, char **argv)
{
	struct adapter	 a;
	struct criu_env	 env;
	int		 rv = ADAPTER_EXIT_OK;

	adapter_init(&a, CRIU_PROG, stderr);
	if (criu_env_parse(&a, &env) != 0)
		rv = ADAPTER_EXIT_USAGE;
	else if (env.action == CRIU_PRE_DUMP)
		rv = criu_pre_dump(&a);
	else if (env.action == CRIU_POST_RESUME)
		rv = criu_post_resume(&a);
	adapter_finish(&a);
	return (rv);
}
