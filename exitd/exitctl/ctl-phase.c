/*
 * exitctl's phase commands: check, prepare, cancel, complete, and the
 * whole sequences migrate and hibernate, over the client API.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
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
	uint64_t	 operation;
};

static int	 ctl_phase_parse(const char *, int, char **,
		     struct ctl_phase_args *);
static int	 ctl_phase_result(const char *, int, struct exitpt_report *);
static int	 ctl_phase_open(const char *, struct exitpt_client **);
static int	 ctl_phase_sequence(int, char **, int);
static int	 ctl_phase_one(int, char **, int);
static json_t	*ctl_phase_string(const char *);

/* Map an outcome to exitctl's exit status. */
int
ctl_phase_exit(int outcome)
{
	switch (outcome) {
	case EXITPT_OUTCOME_VETOED:
		return (CTL_EXIT_VETOED);
	case EXITPT_OUTCOME_CANCELLED:
		return (CTL_EXIT_CANCELLED);
	}
	return (CTL_EXIT_OK);
}

/* Name of an action for display. */
static const char *
ctl_phase_action_name(int action)
{
	switch (action) {
	case EXITPT_ACTION_MIGRATION:
		return ("migration");
	case EXITPT_ACTION_HIBERNATION:
		return ("hibernation");
	}
	return ("none");
}

/* A JSON string; bytes that are not UTF-8 are shown as '?'. */
static json_t *
ctl_phase_string(const char *s)
{
	json_t	*v;
	char	*copy, *p;

	if ((v = json_string(s)) != NULL || (copy = strdup(s)) == NULL)
		return (v);
	for (p = copy; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	}
	v = json_string(copy);
	free(copy);
	return (v);
}

/* A report as a JSON object (for --json). */
void *
ctl_phase_json(const struct exitpt_report *r)
{
	const struct exitpt_answer	*a;
	json_t				*o, *arr;
	char				 id[32];
	size_t				 i;

	snprintf(id, sizeof(id), "%016" PRIx64, exitpt_report_operation(r));
	arr = json_array();
	for (i = 0; (a = exitpt_report_answer(r, i)) != NULL; i++)
		json_array_append_new(arr, json_pack("{s:s, s:i, s:o, s:i, "
		    "s:i, s:s, s:s, s:i, s:o, s:I}",
		    "kind", exitpt_participant_name(exitpt_answer_kind(a)),
		    "number", (int)exitpt_answer_number(a),
		    "who", ctl_phase_string(exitpt_answer_who(a)),
		    "status", (int)exitpt_answer_status(a),
		    "wait", (int)exitpt_answer_wait(a),
		    "effective", exitpt_answer_effective(a) ? "allow" : "veto",
		    "end", exitpt_end_name(exitpt_answer_end(a)),
		    "code", exitpt_answer_code(a),
		    "reason", ctl_phase_string(exitpt_answer_reason(a)),
		    "duration_ms", (json_int_t)exitpt_answer_duration_ms(a)));
	o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:i, s:o}",
	    "operation", id,
	    "action", ctl_phase_action_name(exitpt_report_action(r)),
	    "phase", exitpt_phase_name(exitpt_report_phase(r)),
	    "outcome", exitpt_outcome_name(exitpt_report_outcome(r)),
	    "window", exitpt_report_window(r),
	    "window_left_ms", (json_int_t)exitpt_report_window_left_ms(r),
	    "system_state", exitpt_report_system_state(r),
	    "answers", arr);
	return (o);
}

/*
 * Print a report as plain lines: the phase and its outcome, then one line
 * per participant, and for a veto who vetoed and why.
 */
void
ctl_phase_print(FILE *fp, const struct exitpt_report *r)
{
	const struct exitpt_answer	*a;
	size_t				 i;
	int				 phase = exitpt_report_phase(r);

	if (exitpt_report_operation(r) == 0) {
		fprintf(fp, "no operation\n");
		return;
	}
	fprintf(fp, "operation %016" PRIx64 " (%s): %s %s, window %d s",
	    exitpt_report_operation(r),
	    ctl_phase_action_name(exitpt_report_action(r)),
	    exitpt_phase_name(phase),
	    exitpt_outcome_name(exitpt_report_outcome(r)),
	    exitpt_report_window(r));
	if (exitpt_report_window_left_ms(r) > 0)
		fprintf(fp, ", %.1f s left",
		    (double)exitpt_report_window_left_ms(r) / 1000);
	if (phase == EXITPT_OP_COMPLETE)
		fprintf(fp, ", system state %d",
		    exitpt_report_system_state(r));
	fputc('\n', fp);
	for (i = 0; (a = exitpt_report_answer(r, i)) != NULL; i++) {
		if (exitpt_answer_kind(a) == EXITPT_PARTICIPANT_PROGRAM)
			fprintf(fp, "  %10d %s: ", (int)exitpt_answer_number(a),
			    exitpt_answer_who(a));
		else
			fprintf(fp, "  %10s %s: ", "", exitpt_answer_who(a));
		if (phase == EXITPT_OP_CHECK &&
		    exitpt_answer_end(a) != EXITPT_END_RUNNING)
			fprintf(fp, "%s (status %d, wait %d), ",
			    exitpt_answer_effective(a) ? "allow" : "veto",
			    (int)exitpt_answer_status(a),
			    (int)exitpt_answer_wait(a));
		fprintf(fp, "%s", exitpt_end_name(exitpt_answer_end(a)));
		if (exitpt_answer_end(a) == EXITPT_END_EXITED ||
		    exitpt_answer_end(a) == EXITPT_END_SIGNALED)
			fprintf(fp, " %d", exitpt_answer_code(a));
		fprintf(fp, " in %" PRIu64 " ms",
		    exitpt_answer_duration_ms(a));
		if (exitpt_answer_reason(a)[0] != '\0')
			fprintf(fp, ": %s", exitpt_answer_reason(a));
		fputc('\n', fp);
	}
	if (phase != EXITPT_OP_CHECK ||
	    exitpt_report_outcome(r) != EXITPT_OUTCOME_VETOED)
		return;
	for (i = 0; (a = exitpt_report_answer(r, i)) != NULL; i++) {
		if (exitpt_answer_effective(a))
			continue;
		if (exitpt_answer_kind(a) != EXITPT_PARTICIPANT_PROGRAM) {
			fprintf(fp, "vetoed by %s: %s\n", exitpt_answer_who(a),
			    exitpt_answer_reason(a));
			continue;
		}
		fprintf(fp, "vetoed by program %d (%s): %s\n",
		    (int)exitpt_answer_number(a), exitpt_answer_who(a),
		    exitpt_answer_reason(a)[0] != '\0' ?
		    exitpt_answer_reason(a) : exitpt_answer_end(a) ==
		    EXITPT_END_EXITED ? "no reason given" :
		    exitpt_end_name(exitpt_answer_end(a)));
	}
}

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
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	long long	 v;
	char		*end;
	int		 ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			if (strcmp(optarg, "migration") == 0)
				a->action = EXITPT_ACTION_MIGRATION;
			else if (strcmp(optarg, "hibernation") == 0)
				a->action = EXITPT_ACTION_HIBERNATION;
			else
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
		case 'w':
			if (text_parse_int(optarg, 0, 86400, &v) != 0)
				return (ctl_usage_error(cmd,
				    "--suspend-seconds must be 0..86400, "
				    "not '%s'", optarg));
			a->suspend_seconds = (int)v;
			break;
		case 'o':
			errno = 0;
			a->operation = strtoull(optarg, &end, 16);
			if (errno != 0 || *optarg == '\0' || *end != '\0' ||
			    a->operation == 0)
				return (ctl_usage_error(cmd, "--operation must "
				    "be a hexadecimal operation id, not '%s'",
				    optarg));
			break;
		case 'j':
			ctl_opts.json = 1;
			break;
		case 'S':
			ctl_opts.socket_path = optarg;
			break;
		default:
			return (ctl_usage_error(cmd, "unknown option"));
		}
	}
	if (optind != argc)
		return (ctl_usage_error(cmd, "unexpected argument '%s'",
		    argv[optind]));
	return (0);
}

/* Connect to exitd, with a clear message when it is not running. */
static int
ctl_phase_open(const char *cmd, struct exitpt_client **cp)
{
	const char	*path = ctl_opts.socket_path;
	int		 error;

	if ((error = exitpt_client_open(cp, path)) != 0)
		return (ctl_fail(cmd, error, "cannot reach exitd at %s",
		    path != NULL ? path : getenv(EXITPT_SOCKET_ENV) != NULL ?
		    getenv(EXITPT_SOCKET_ENV) : "the default socket"));
	return (0);
}

/*
 * Print the result of one drive call and return the exit status: the
 * report (plain or JSON), or the error with what exitd said about it.
 */
static int
ctl_phase_result(const char *cmd, int error, struct exitpt_report *r)
{
	int	rv;

	if (error == EXITPT_E_BUSY && r != NULL) {
		fprintf(stderr, "exitctl: %s: busy: operation %016" PRIx64
		    " is in phase %s (%s)\n", cmd, exitpt_report_operation(r),
		    exitpt_phase_name(exitpt_report_phase(r)),
		    exitpt_outcome_name(exitpt_report_outcome(r)));
		return (CTL_EXIT_BUSY);
	}
	if (error == EXITPT_E_PHASE && r != NULL && exitpt_report_operation(r))
		return (ctl_fail(cmd, error, "operation %016" PRIx64 " is in "
		    "phase %s (%s)", exitpt_report_operation(r),
		    exitpt_phase_name(exitpt_report_phase(r)),
		    exitpt_outcome_name(exitpt_report_outcome(r))));
	if (error != 0 && r == NULL)
		return (ctl_fail(cmd, error, "lost the connection to exitd"));
	if (error != 0 && *exitpt_report_detail(r) != '\0')
		return (ctl_fail(cmd, error, "exitd refused: %s",
		    exitpt_report_detail(r)));
	if (error != 0)
		return (ctl_fail(cmd, error, "exitd refused"));
	rv = ctl_phase_exit(exitpt_report_outcome(r));
	if (ctl_opts.json) {
		if (ctl_json_print(ctl_phase_json(r)) != CTL_EXIT_OK)
			return (CTL_EXIT_IO);
	} else
		ctl_phase_print(stdout, r);
	if (rv == CTL_EXIT_VETOED && ctl_opts.json)
		ctl_phase_print(stderr, r);
	/* The phase ran, but its journal lost records: say so, and fail. */
	if (*exitpt_report_detail(r) != '\0') {
		fprintf(stderr, "exitctl: %s: warning: %s\n", cmd,
		    exitpt_report_detail(r));
		if (rv == CTL_EXIT_OK)
			rv = CTL_EXIT_IO;
	}
	return (rv);
}

/* exitctl check|prepare|cancel|complete. */
static int
ctl_phase_one(int argc, char **argv, int phase)
{
	struct ctl_phase_args	 a = { EXITPT_ACTION_MIGRATION, 0, 0, 0, 0 };
	struct exitpt_client	*c;
	struct exitpt_report	*r = NULL;
	const char		*cmd = argv[0];
	int			 error, rv;

	if ((rv = ctl_phase_parse(cmd, argc, argv, &a)) != 0)
		return (rv);
	if ((rv = ctl_phase_open(cmd, &c)) != 0)
		return (rv);
	switch (phase) {
	case EXITPT_OP_CHECK:
		error = exitpt_client_check(c, a.action, a.validate, &r);
		break;
	case EXITPT_OP_PREPARE:
		error = exitpt_client_prepare(c, a.operation, &r);
		break;
	case EXITPT_OP_CANCEL:
		error = exitpt_client_cancel(c, a.operation, &r);
		break;
	default:
		error = exitpt_client_complete(c, a.operation, a.system_state,
		    &r);
		break;
	}
	rv = ctl_phase_result(cmd, error, r);
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

/*
 * A whole sequence: Check, Prepare, the suspension (simulated by a
 * pause of --suspend-seconds), then Complete.  Stops at the first phase
 * that does not let the operation go on, with that phase's exit status.
 */
static int
ctl_phase_sequence(int argc, char **argv, int action)
{
	struct ctl_phase_args	 a = { action, 0, 0, 0, 0 };
	struct exitpt_client	*c;
	struct exitpt_report	*r = NULL;
	struct timespec		 ts;
	const char		*cmd = argv[0];
	uint64_t		 op;
	int			 error, rv;

	if ((rv = ctl_phase_parse(cmd, argc, argv, &a)) != 0)
		return (rv);
	if ((rv = ctl_phase_open(cmd, &c)) != 0)
		return (rv);
	error = exitpt_client_check(c, a.action, 0, &r);
	rv = ctl_phase_result(cmd, error, r);
	if (error != 0 || rv != CTL_EXIT_OK)
		goto out;
	op = exitpt_report_operation(r);
	exitpt_report_free(r);
	error = exitpt_client_prepare(c, op, &r);
	rv = ctl_phase_result(cmd, error, r);
	if (error != 0 || rv != CTL_EXIT_OK)
		goto out;
	exitpt_report_free(r);
	r = NULL;
	if (a.suspend_seconds > 0) {
		ts.tv_sec = a.suspend_seconds;
		ts.tv_nsec = 0;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
	error = exitpt_client_complete(c, op, a.system_state, &r);
	rv = ctl_phase_result(cmd, error, r);
out:
	exitpt_report_free(r);
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
