/*
 * exitctl's phase commands: check, prepare, cancel, complete, and the
 * whole sequences migrate and hibernate, over the driver helper.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exitctl.h"

struct ctl_phase_args {
	int		 action;
	int		 system_state;
	int		 validate;
	int		 suspend_seconds;
	int		 resume_only;
	uint64_t	 operation;
	int		 force;		/* --force: the HMC's force option */
};

/* What a sequence has shown so far (--json: the reports, as an array). */
struct ctl_phase_seq {
	json_t		*all;
	int		 suspend_seconds;
	int		 error;		/* -ENOMEM while building all */
};

static int	 ctl_phase_parse(const char *, int, char **,
		     struct ctl_phase_args *);
static json_t	*ctl_phase_json(const struct exitpt_report *,
		     const struct exitpt_report *);
static void	 ctl_phase_print(const struct exitpt_report *,
		     const struct exitpt_report *);
static int	 ctl_phase_refused(const char *, int, struct exitpt_report *);
static int	 ctl_phase_one(int, char **, int);
static void	 ctl_phase_report_cb(const struct exitpt_report *,
		     const struct exitpt_report *, void *);
static int	 ctl_phase_suspend_cb(void *);
static int	 ctl_phase_sequence(int, char **, int);

/* Parse the phase commands' options. */
static int
ctl_phase_parse(const char *cmd, int argc, char **argv,
    struct ctl_phase_args *a)
{
	static const struct option	 longopts[] = {
		{ "action", required_argument, NULL, 'a' },
		{ "system-state", required_argument, NULL, 'y' },
		{ "validate", no_argument, NULL, 'V' },
		{ "suspend-seconds", required_argument, NULL, 'w' },
		{ "operation", required_argument, NULL, 'o' },
		{ "resume-only", no_argument, NULL, 'R' },
		{ "force", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	long long	 v;
	int		 ch;

	while ((ch = ctl_getopt(argc, argv, longopts)) != -1) {
		switch (ch) {
		case 'a':
			if ((a->action = driver_action_parse(optarg)) == -1)
				return (ctl_usage_error(cmd, "--action must be "
				    "migration or hibernation, not '%s'",
				    optarg));
			break;
		case 'y':
			if (text_parse_int(optarg, 0, 1, &v) != 0)
				return (ctl_usage_error(cmd, "--system-state "
				    "must be 0 or 1, not '%s'", optarg));
			a->system_state = (int)v;
			break;
		case 'V':
			a->validate = 1;
			break;
		case 'F':
			a->force = 1;
			break;
		case 'w':
			if (text_parse_int(optarg, 0, 86400, &v) != 0)
				return (ctl_usage_error(cmd,
				    "--suspend-seconds must be 0..86400, "
				    "not '%s'", optarg));
			a->suspend_seconds = (int)v;
			break;
		case 'o':
			if (driver_operation_parse(optarg, &a->operation) != 0)
				return (ctl_usage_error(cmd, "--operation must "
				    "be a hexadecimal operation id, not '%s'",
				    optarg));
			break;
		case 'R':
			if (strcmp(cmd, "complete") != 0)
				return (ctl_usage_error(cmd, "--resume-only "
				    "is an option of complete"));
			a->resume_only = 1;
			break;
		default:
			return (ctl_usage_error(cmd, "unknown option"));
		}
	}
	if (optind != argc)
		return (ctl_usage_error(cmd, "unexpected argument '%s'",
		    argv[optind]));
	if (a->resume_only && a->operation != 0)
		return (ctl_usage_error(cmd, "--resume-only starts an "
		    "operation of its own: no --operation"));
	return (0);
}

/* A report as JSON, with the Cancel that followed a veto under "cancel". */
static json_t *
ctl_phase_json(const struct exitpt_report *r,
    const struct exitpt_report *cancel)
{
	json_t	*o, *c;

	if ((o = driver_report_json(r)) == NULL || cancel == NULL)
		return (o);
	if ((c = driver_report_json(cancel)) == NULL ||
	    json_object_set_new(o, "cancel", c) != 0) {
		json_decref(o);
		return (NULL);
	}
	return (o);
}

/* Print a report, and the Cancel that followed a veto, as text. */
static void
ctl_phase_print(const struct exitpt_report *r,
    const struct exitpt_report *cancel)
{
	FILE	*fp = ctl_opts.json ? stderr : stdout;

	/* The phase ran, but its journal lost records: say so. */
	if (*exitpt_report_detail(r) != '\0') {
		fputs("exitctl: warning: ", stderr);
		driver_put_text(stderr, exitpt_report_detail(r));
		fputc('\n', stderr);
	}
	/* With --json a veto is also explained in words, on stderr. */
	if (ctl_opts.json && exitpt_report_outcome(r) != EXITPT_OUTCOME_VETOED)
		return;
	driver_report_print(fp, r, NULL, NULL);
	if (cancel != NULL)
		driver_report_print(fp, cancel, NULL, NULL);
}

/*
 * Explain a drive call that exitd refused or that failed, and return the
 * exit status: busy names the running operation, a phase not allowed
 * names the phase the operation is in.
 */
static int
ctl_phase_refused(const char *cmd, int error, struct exitpt_report *r)
{
	char	id[DRIVER_OP_LEN];

	if (error == EXITPT_E_BUSY && r != NULL) {
		fprintf(stderr, "exitctl: %s: busy: operation %s is in phase "
		    "%s (%s), started by %s\n", cmd, driver_operation_text(
		    exitpt_report_operation(r), id),
		    exitpt_phase_name(exitpt_report_phase(r)),
		    exitpt_outcome_name(exitpt_report_outcome(r)),
		    exitpt_report_driver(r));
		return (DRIVER_EXIT_BUSY);
	}
	if (error == EXITPT_E_PHASE && r != NULL && exitpt_report_operation(r))
		return (ctl_fail(cmd, error, "operation %s is in phase %s (%s)",
		    driver_operation_text(exitpt_report_operation(r), id),
		    exitpt_phase_name(exitpt_report_phase(r)),
		    exitpt_outcome_name(exitpt_report_outcome(r))));
	if (r == NULL)
		return (ctl_fail(cmd, error, "lost the connection to exitd"));
	if (*exitpt_report_detail(r) != '\0')
		return (ctl_fail(cmd, error, "exitd refused: %s",
		    exitpt_report_detail(r)));
	return (ctl_fail(cmd, error, "exitd refused"));
}

/*
 * exitctl check|prepare|cancel|complete: drive one phase and print its
 * report; a vetoed Check also shows the Cancel that followed it.
 */
static int
ctl_phase_one(int argc, char **argv, int phase)
{
	struct ctl_phase_args	 a = { .action = EXITPT_ACTION_MIGRATION };
	struct driver_request	 req;
	struct exitpt_client	*c;
	struct exitpt_report	*r = NULL, *cancel = NULL;
	const char		*cmd = argv[0];
	int			 error, rv;

	if ((rv = ctl_phase_parse(cmd, argc, argv, &a)) != 0)
		return (rv);
	if ((rv = ctl_open(cmd, &c)) != 0)
		return (rv);
	memset(&req, 0, sizeof(req));
	req.phase = phase;
	req.operation = a.operation;
	req.action = a.action;
	req.validate_only = a.validate;
	req.force = a.force;
	req.system_state = a.system_state;
	req.resume_only = a.resume_only;
	if ((error = driver_drive(c, &req, &r)) != 0)
		rv = ctl_phase_refused(cmd, error, r);
	else {
		driver_veto_cancel(c, r, &cancel);
		rv = driver_exit_result(0, r);
		if (ctl_opts.json &&
		    ctl_json_print(ctl_phase_json(r, cancel)) != 0)
			rv = DRIVER_EXIT_IO;
		ctl_phase_print(r, cancel);
	}
	exitpt_report_free(cancel);
	exitpt_report_free(r);
	exitpt_client_close(c);
	return (rv);
}

/* exitctl check. */
int
ctl_phase_check(int argc, char **argv)
{
	return (ctl_phase_one(argc, argv, EXITPT_OP_CHECK));
}

/* exitctl prepare. */
int
ctl_phase_prepare(int argc, char **argv)
{
	return (ctl_phase_one(argc, argv, EXITPT_OP_PREPARE));
}

/* exitctl cancel. */
int
ctl_phase_cancel(int argc, char **argv)
{
	return (ctl_phase_one(argc, argv, EXITPT_OP_CANCEL));
}

/* exitctl complete. */
int
ctl_phase_complete(int argc, char **argv)
{
	return (ctl_phase_one(argc, argv, EXITPT_OP_COMPLETE));
}

/* A sequence's phase ended: print it, or keep it for the JSON array. */
static void
ctl_phase_report_cb(const struct exitpt_report *r,
    const struct exitpt_report *cancel, void *arg)
{
	struct ctl_phase_seq	*s = arg;
	json_t			*o;

	if (s->all != NULL && ((o = ctl_phase_json(r, cancel)) == NULL ||
	    json_array_append_new(s->all, o) != 0))
		s->error = -ENOMEM;
	ctl_phase_print(r, cancel);
	fflush(stdout);
}

/* The suspension of a sequence: a pause of --suspend-seconds. */
static int
ctl_phase_suspend_cb(void *arg)
{
	struct ctl_phase_seq	*s = arg;
	struct timespec		 ts;

	ts.tv_sec = s->suspend_seconds;
	ts.tv_nsec = 0;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	return (0);
}

/*
 * A whole sequence: Check, Prepare, the suspension (a pause of
 * --suspend-seconds), then Complete; Cancel when Prepare loses exitd.
 * Stops at the first phase that does not let the operation go on, with
 * that phase's exit status.  --json prints the phases' reports as one
 * array.
 */
static int
ctl_phase_sequence(int argc, char **argv, int action)
{
	struct ctl_phase_args	 a = { .action = action };
	struct ctl_phase_seq	 s;
	struct driver_run	 run;
	struct driver_result	 res;
	struct exitpt_client	*c;
	const char		*cmd = argv[0];
	int			 rv;

	if ((rv = ctl_phase_parse(cmd, argc, argv, &a)) != 0)
		return (rv);
	if ((rv = ctl_open(cmd, &c)) != 0)
		return (rv);
	memset(&s, 0, sizeof(s));
	s.suspend_seconds = a.suspend_seconds;
	if (ctl_opts.json && (s.all = json_array()) == NULL) {
		exitpt_client_close(c);
		return (ctl_fail(cmd, -ENOMEM, "output"));
	}
	memset(&run, 0, sizeof(run));
	run.socket = ctl_opts.socket_path;
	run.action = a.action;
	run.force = a.force;
	run.system_state = a.system_state;
	run.report_cb = ctl_phase_report_cb;
	run.suspend_cb = ctl_phase_suspend_cb;
	run.arg = &s;
	rv = driver_run(&c, &run, &res);
	if (s.all != NULL && json_array_size(s.all) > 0) {
		if (s.error != 0)
			rv = ctl_fail(cmd, s.error, "output");
		else if (ctl_json_print(json_incref(s.all)) != 0)
			rv = DRIVER_EXIT_IO;
	}
	json_decref(s.all);
	if (res.cancelled_on_failure)
		ctl_fail(cmd, res.error, "%s failed; the operation was "
		    "cancelled", exitpt_phase_name(res.phase));
	else if (res.error != 0)
		rv = ctl_phase_refused(cmd, res.error, res.report);
	driver_result_clear(&res);
	exitpt_client_close(c);
	return (rv);
}

/* exitctl migrate. */
int
ctl_phase_migrate(int argc, char **argv)
{
	return (ctl_phase_sequence(argc, argv, EXITPT_ACTION_MIGRATION));
}

/* exitctl hibernate. */
int
ctl_phase_hibernate(int argc, char **argv)
{
	return (ctl_phase_sequence(argc, argv, EXITPT_ACTION_HIBERNATION));
}
