/*
 * The driver helper shared by exitctl, hmcsim and the platform adapters:
 * socket, exit statuses, the reading of Check answers, the report printer
 * and its JSON, and the whole migrate/hibernate sequence.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driver.h"


typedef void	(*driver_prefix_cb)(FILE *, int, void *);

static int	 driver_normal_end(int, int);
static size_t	 driver_how(int, int, char *, size_t);
static size_t	 driver_wait_text(int32_t, char *, size_t);
static void	 driver_answer_print(FILE *, int, const struct exitpt_answer *,
		     driver_prefix_cb, void *);
static json_t	*driver_answer_json(int, const struct exitpt_answer *);
static int	 driver_run_phase(struct exitpt_client **,
		     const struct driver_run *, const struct driver_request *,
		     const struct exitpt_report *, struct exitpt_report **);
static int	 driver_run_cancel(struct exitpt_client **,
		     const struct driver_run *, struct driver_request *, int,
		     struct driver_result *, struct exitpt_report **);
static int	 driver_run_end(struct driver_result *, int, int,
		     struct exitpt_report *);

/*
 * The control socket a driver talks to: path when given, else
 * $EXITPT_SOCKET when set and not empty, else the compiled-in
 * EXITPT_SOCKET_DEFAULT.  Never NULL.
 */
const char *
driver_socket(const char *path)
{
	const char	*env;

	if (path != NULL && *path != '\0')
		return (path);
	if ((env = getenv(EXITPT_SOCKET_ENV)) != NULL && *env != '\0')
		return (env);
	return (EXITPT_SOCKET_DEFAULT);
}

/*
 * Connect to exitd at driver_socket(path).  Returns 0, -ENOENT or
 * -ECONNREFUSED when exitd is not running, or another -errno.
 */
int
driver_open(const char *path, struct exitpt_client **cp)
{
	return (exitpt_client_open(cp, driver_socket(path)));
}

/* Exit status (DRIVER_EXIT_*) for a library error; 0 for 0. */
int
driver_exit_error(int error)
{
	switch (error) {
	case 0:
		return (DRIVER_EXIT_OK);
	case EXITPT_E_BUSY:
	case EXITPT_E_TIMEOUT:		/* an IPC wait elapsed */
	case EXITPT_E_PENDING:		/* a suspend is pending */
		return (DRIVER_EXIT_BUSY);
	case EXITPT_E_AUTH:
	case -EACCES:
	case -EPERM:
		return (DRIVER_EXIT_NOPERM);
	case -ENOMEM:
		return (DRIVER_EXIT_SOFTWARE);
	case -ECONNREFUSED:
	case -ENOENT:
		return (DRIVER_EXIT_UNAVAILABLE);
	case EXITPT_E_JOURNAL:
		return (DRIVER_EXIT_IO);
	}
	if (error <= -1000)
		return (DRIVER_EXIT_DATA);
	return (DRIVER_EXIT_IO);
}

/*
 * Exit status for how a phase ended (EXITPT_OUTCOME_*): vetoed 1,
 * cancelled 2, the others that let an operation go on or end well 0, and
 * DRIVER_EXIT_SOFTWARE for one a finished phase cannot have.
 */
int
driver_exit_outcome(int outcome)
{
	switch (outcome) {
	case EXITPT_OUTCOME_VETOED:
		return (DRIVER_EXIT_VETOED);
	case EXITPT_OUTCOME_CANCELLED:
		return (DRIVER_EXIT_CANCELLED);
	case EXITPT_OUTCOME_ALLOWED:
	case EXITPT_OUTCOME_VALIDATED:
	case EXITPT_OUTCOME_PREPARED:
	case EXITPT_OUTCOME_COMPLETED:
		return (DRIVER_EXIT_OK);
	}
	return (DRIVER_EXIT_SOFTWARE);
}

/* Exit status of a drive call: its error, else its report's outcome. */
int
driver_exit_result(int error, const struct exitpt_report *r)
{
	int	rv;

	if (error != 0 || r == NULL)
		return (error != 0 ? driver_exit_error(error) :
		    DRIVER_EXIT_SOFTWARE);
	rv = driver_exit_outcome(exitpt_report_outcome(r));
	/* The phase ran, but its journal lost records (the detail says). */
	if (rv == DRIVER_EXIT_OK && *exitpt_report_detail(r) != '\0')
		rv = DRIVER_EXIT_IO;
	return (rv);
}

/* "migration", "hibernation", or "none" for anything else. */
const char *
driver_action_name(int action)
{
	switch (action) {
	case EXITPT_ACTION_MIGRATION:
		return ("migration");
	case EXITPT_ACTION_HIBERNATION:
		return ("hibernation");
	}
	return ("none");
}

/* EXITPT_ACTION_* for "migration" or "hibernation", else -1. */
int
driver_action_parse(const char *s)
{
	if (strcmp(s, "migration") == 0)
		return (EXITPT_ACTION_MIGRATION);
	if (strcmp(s, "hibernation") == 0)
		return (EXITPT_ACTION_HIBERNATION);
	return (-1);
}

/* EXITPT_OP_* for "check", "prepare", "cancel" or "complete", else 0. */
int
driver_phase_parse(const char *s)
{
	int	phase;

	for (phase = EXITPT_OP_CHECK; phase <= EXITPT_OP_COMPLETE; phase++) {
		if (strcmp(s, exitpt_phase_name(phase)) == 0)
			return (phase);
	}
	return (0);
}

/*
 * Parse an operation id as outputs show it: 1 to 16 hex digits, not all
 * zero.  Returns 0 or -EINVAL.
 */
int
driver_operation_parse(const char *s, uint64_t *op)
{
	uint64_t	v = 0;
	size_t		i, n = strlen(s);
	int		d;

	if (n == 0 || n > 16)
		return (-EINVAL);
	for (i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (s[i] >= 'a' && s[i] <= 'f')
			d = s[i] - 'a' + 10;
		else if (s[i] >= 'A' && s[i] <= 'F')
			d = s[i] - 'A' + 10;
		else
			return (-EINVAL);
		v = v << 4 | (uint64_t)d;
	}
	if (v == 0)
		return (-EINVAL);
	*op = v;
	return (0);
}

/* Write op as 16 hex digits into buf (DRIVER_OP_LEN bytes); returns buf. */
char *
driver_operation_text(uint64_t op, char *buf)
{
	snprintf(buf, DRIVER_OP_LEN, DRIVER_OP_FMT, op);
	return (buf);
}

/*
 * Send one drive request and wait for its phase to end; returns what the
 * exitpt_client_* call returns, with the report in *rp (see
 * exitpt_client(3)).
 */
int
driver_drive(struct exitpt_client *c, const struct driver_request *req,
    struct exitpt_report **rp)
{
	*rp = NULL;
	switch (req->phase) {
	case EXITPT_OP_CHECK:
		exitpt_client_set_force(c, req->force);
		return (exitpt_client_check(c, req->action, req->validate_only,
		    rp));
	case EXITPT_OP_PREPARE:
		return (exitpt_client_prepare(c, req->operation, rp));
	case EXITPT_OP_CANCEL:
		return (exitpt_client_cancel(c, req->operation, rp));
	case EXITPT_OP_COMPLETE:
		if (req->resume_only)
			return (exitpt_client_resume_only(c, req->action,
			    req->system_state, rp));
		return (exitpt_client_complete(c, req->operation,
		    req->system_state, rp));
	}
	return (-EINVAL);
}

/*
 * After a vetoed Check, fetch the report of the Cancel that exitd sent to
 * those that allowed (rule 3): exitd answers the Check once that Cancel
 * has ended, so its status describes it.  Returns 0 with *cancelp, or
 * -ENOENT when check is no vetoed Check or the status has moved on to
 * another operation.
 */
int
driver_veto_cancel(struct exitpt_client *c, const struct exitpt_report *check,
    struct exitpt_report **cancelp)
{
	struct exitpt_report	*r = NULL;
	int			 error;

	*cancelp = NULL;
	if (check == NULL || exitpt_report_phase(check) != EXITPT_OP_CHECK ||
	    exitpt_report_outcome(check) != EXITPT_OUTCOME_VETOED)
		return (-ENOENT);
	if ((error = exitpt_client_status(c, &r)) != 0)
		return (error);
	if (exitpt_report_operation(r) != exitpt_report_operation(check) ||
	    exitpt_report_phase(r) != EXITPT_OP_CANCEL) {
		exitpt_report_free(r);
		return (-ENOENT);
	}
	*cancelp = r;
	return (0);
}

/* Tell whether a call ended normally: exit status 0, or an answer. */
static int
driver_normal_end(int end, int code)
{
	return ((end == EXITPT_END_EXITED && code == 0) ||
	    end == EXITPT_END_ANSWERED);
}

/*
 * Read a Check answer as rule 1 counted it.  Returns 0, or -EAGAIN while
 * the call still runs.
 */
int
driver_check_judge(const struct exitpt_answer *a, struct driver_check *k)
{
	memset(k, 0, sizeof(*k));
	k->end = exitpt_answer_end(a);
	k->code = exitpt_answer_code(a);
	k->status = exitpt_answer_status(a);
	k->wait = exitpt_answer_wait(a);
	k->allow = exitpt_answer_effective(a) != 0;
	if (k->end == EXITPT_END_RUNNING)
		return (-EAGAIN);
	k->abnormal = !driver_normal_end(k->end, k->code);
	if (k->abnormal) {
		k->failure_veto = !k->allow;
		k->veto_ignored = k->allow && k->status == EXITPT_STATUS_VETO;
	} else {
		k->no_answer = k->status == EXITPT_STATUS_NONE;
		k->status_invalid = !k->no_answer &&
		    !exitpt_check_status_valid(k->status);
	}
	if (k->allow) {
		k->wait_counted = exitpt_check_wait(k->wait);
		/* Writing no wait at all is no invalid wait. */
		k->wait_invalid = !exitpt_check_wait_valid(k->wait) &&
		    !(k->wait == 0 && (k->no_answer || k->abnormal));
	}
	return (0);
}

/* How a call ended, as "exit 1", "signal 11", "timed out"... */
static size_t
driver_how(int end, int code, char *buf, size_t len)
{
	switch (end) {
	case EXITPT_END_EXITED:
		return ((size_t)snprintf(buf, len, "exit %d", code));
	case EXITPT_END_SIGNALED:
		return ((size_t)snprintf(buf, len, "signal %d", code));
	case EXITPT_END_TIMEDOUT:
		return ((size_t)snprintf(buf, len, "timed out"));
	case EXITPT_END_FAILED:
	case EXITPT_END_SKIPPED:
		return ((size_t)snprintf(buf, len, "not started"));
	}
	return ((size_t)snprintf(buf, len, "%s", exitpt_end_name(end)));
}

/* "wait 120 s", or "wait 901 (out of range: 1 s)". */
static size_t
driver_wait_text(int32_t wait, char *buf, size_t len)
{
	if (exitpt_check_wait_valid(wait))
		return ((size_t)snprintf(buf, len, "wait %d s", (int)wait));
	return ((size_t)snprintf(buf, len, "wait %d (out of range: %d s)",
	    (int)wait, (int)exitpt_check_wait(wait)));
}

/*
 * The verdict on a Check answer in words, saying what rule 1 overrode:
 * "allow, wait 120 s", "allow, wait 901 (out of range: 1 s)",
 * "allow: status 7 is not 0 or 1, counted as allow, wait 3 s",
 * "allow: abnormal end (exit 1); its veto was not counted (check-failure
 * allow)", "veto: abnormal end (signal 11) (check-failure veto)", "veto".
 * Returns the length it needed, as snprintf.
 */
size_t
driver_check_text(const struct driver_check *k, char *buf, size_t len)
{
	char	how[64], wait[64];
	int	n;

	driver_how(k->end, k->code, how, sizeof(how));
	driver_wait_text(k->wait, wait, sizeof(wait));
	if (!k->allow && !k->abnormal)
		n = snprintf(buf, len, "veto");
	else if (!k->allow)
		n = snprintf(buf, len, "veto: abnormal end (%s) "
		    "(check-failure veto)", how);
	else if (k->abnormal)
		n = snprintf(buf, len, "allow: abnormal end (%s)%s%s%s", how,
		    k->veto_ignored ? "; its veto was not counted "
		    "(check-failure allow)" : " (check-failure allow)",
		    k->wait != 0 ? ", " : "", k->wait != 0 ? wait : "");
	else if (k->no_answer && k->wait == 0)
		n = snprintf(buf, len, "allow: no answer, wait %d s",
		    (int)k->wait_counted);
	else if (k->no_answer)
		n = snprintf(buf, len, "allow: no status answered, %s", wait);
	else if (k->status_invalid)
		n = snprintf(buf, len, "allow: status %d is not 0 or 1, "
		    "counted as allow, %s", (int)k->status, wait);
	else
		n = snprintf(buf, len, "allow, %s", wait);
	return (n < 0 ? 0 : (size_t)n);
}

/*
 * Print text that came from elsewhere (a participant's name, its reason)
 * inside a line: control characters become spaces, so that it can neither
 * end the line nor drive a terminal (the HMC shows what the drmgr hook
 * prints).
 */
void
driver_put_text(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++)
		putc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, fp);
}

/*
 * One participant's line: "  #10 /path: VERDICT (exited 0, 12 ms):
 * reason".  The verdict is the Check answer in Check, else "done" or
 * "abnormal end".
 */
static void
driver_answer_print(FILE *fp, int phase, const struct exitpt_answer *a,
    driver_prefix_cb prefix, void *arg)
{
	struct driver_check	 k;
	char			 verdict[256];
	const char		*reason = exitpt_answer_reason(a);
	int			 end = exitpt_answer_end(a);

	if (prefix != NULL)
		prefix(fp, phase, arg);
	if (exitpt_answer_kind(a) == EXITPT_PARTICIPANT_PROGRAM)
		fprintf(fp, "  #%d ", (int)exitpt_answer_number(a));
	else
		fputs("  ", fp);
	driver_put_text(fp, exitpt_answer_who(a));
	fputs(": ", fp);
	if (end == EXITPT_END_RUNNING) {
		fprintf(fp, "running (%" PRIu64 " ms so far)\n",
		    exitpt_answer_duration_ms(a));
		return;
	}
	if (phase == EXITPT_OP_CHECK && driver_check_judge(a, &k) == 0)
		driver_check_text(&k, verdict, sizeof(verdict));
	else
		snprintf(verdict, sizeof(verdict), "%s",
		    driver_normal_end(end, exitpt_answer_code(a)) ? "done" :
		    "abnormal end");
	fprintf(fp, "%s (%s", verdict, exitpt_end_name(end));
	if (end == EXITPT_END_EXITED || end == EXITPT_END_SIGNALED)
		fprintf(fp, " %d", exitpt_answer_code(a));
	fprintf(fp, ", %" PRIu64 " ms)%s", exitpt_answer_duration_ms(a),
	    reason[0] != '\0' ? ": " : "");
	driver_put_text(fp, reason);
	putc('\n', fp);
}

/*
 * After a vetoed Check: one line per participant whose veto counted,
 * each started by prefix (when not NULL); names and reasons cannot break
 * the line (driver_put_text).
 */
void
driver_vetoes_print(FILE *fp, const struct exitpt_report *r,
    driver_prefix_cb prefix, void *arg)
{
	const struct exitpt_answer	*a;
	const char			*reason;
	size_t				 i;

	for (i = 0; (a = exitpt_report_answer(r, i)) != NULL; i++) {
		if (exitpt_answer_effective(a) ||
		    exitpt_answer_end(a) == EXITPT_END_RUNNING)
			continue;
		reason = exitpt_answer_reason(a);
		if (prefix != NULL)
			prefix(fp, EXITPT_OP_CHECK, arg);
		if (exitpt_answer_kind(a) != EXITPT_PARTICIPANT_PROGRAM) {
			fputs("vetoed by ", fp);
			driver_put_text(fp, exitpt_answer_who(a));
		} else {
			fprintf(fp, "vetoed by program %d (",
			    (int)exitpt_answer_number(a));
			driver_put_text(fp, exitpt_answer_who(a));
			putc(')', fp);
			if (reason[0] == '\0')
				reason = exitpt_answer_end(a) ==
				    EXITPT_END_EXITED ? "no reason given" :
				    exitpt_end_name(exitpt_answer_end(a));
		}
		fputs(": ", fp);
		driver_put_text(fp, reason);
		putc('\n', fp);
	}
}

/*
 * Print a phase report as lines: a header (operation, action, phase,
 * outcome, participants, window), one line per participant, and after a
 * vetoed Check who vetoed and why.  prefix, when not NULL, starts every
 * line (hmcsim's timeline column) and is given the report's phase.
 */
void
driver_report_print(FILE *fp, const struct exitpt_report *r,
    void (*prefix)(FILE *, int, void *), void *arg)
{
	const struct exitpt_answer	*a;
	char				 id[DRIVER_OP_LEN];
	size_t				 i, n = exitpt_report_count(r);
	int				 phase = exitpt_report_phase(r);
	int				 outcome = exitpt_report_outcome(r);

	if (prefix != NULL)
		prefix(fp, phase, arg);
	if (exitpt_report_operation(r) == 0) {
		fprintf(fp, "no operation\n");
		return;
	}
	fprintf(fp, "operation %s (%s): ", driver_operation_text(
	    exitpt_report_operation(r), id),
	    driver_action_name(exitpt_report_action(r)));
	if (phase == EXITPT_OP_CANCEL && outcome == EXITPT_OUTCOME_VETOED)
		fprintf(fp, "check vetoed, cancel sent to the %zu %s that "
		    "allowed", n, n == 1 ? "participant" : "participants");
	else if (phase == EXITPT_OP_NONE)
		fprintf(fp, "starting, no phase yet");
	else
		fprintf(fp, "%s %s, %zu %s", exitpt_phase_name(phase),
		    exitpt_outcome_name(outcome), n, n == 1 ? "participant" :
		    "participants");
	if (exitpt_report_window(r) > 0)
		fprintf(fp, ", window %d s", exitpt_report_window(r));
	if (exitpt_report_window_left_ms(r) > 0)
		fprintf(fp, ", %.1f s left",
		    (double)exitpt_report_window_left_ms(r) / 1000);
	if (phase == EXITPT_OP_COMPLETE)
		fprintf(fp, ", system state %d",
		    exitpt_report_system_state(r));
	fputc('\n', fp);
	for (i = 0; (a = exitpt_report_answer(r, i)) != NULL; i++)
		driver_answer_print(fp, phase, a, prefix, arg);
	if (phase == EXITPT_OP_CHECK && outcome == EXITPT_OUTCOME_VETOED)
		driver_vetoes_print(fp, r, prefix, arg);
}

/* A JSON string; bytes that are not UTF-8 are shown as '?'. */
json_t *
driver_json_string(const char *s)
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

/* One answer as a JSON object; Check answers say what rule 1 overrode. */
static json_t *
driver_answer_json(int phase, const struct exitpt_answer *a)
{
	struct driver_check	 k;
	json_t			*o, *over;
	char			 verdict[256];

	o = json_pack("{s:s, s:i, s:o, s:s, s:i, s:o, s:I}",
	    "kind", exitpt_participant_name(exitpt_answer_kind(a)),
	    "number", (int)exitpt_answer_number(a),
	    "who", driver_json_string(exitpt_answer_who(a)),
	    "end", exitpt_end_name(exitpt_answer_end(a)),
	    "code", exitpt_answer_code(a),
	    "reason", driver_json_string(exitpt_answer_reason(a)),
	    "duration_ms", (json_int_t)exitpt_answer_duration_ms(a));
	if (o == NULL || phase != EXITPT_OP_CHECK)
		return (o);
	/* What was answered, in rule 1's units: ms like every duration. */
	json_object_set_new(o, "status", json_integer(exitpt_answer_status(a)));
	json_object_set_new(o, "wait_ms",
	    json_integer((json_int_t)exitpt_answer_wait(a) * 1000));
	if (driver_check_judge(a, &k) != 0)
		return (o);
	driver_check_text(&k, verdict, sizeof(verdict));
	over = json_array();
	if (k.no_answer)
		json_array_append_new(over, json_string("no-answer"));
	if (k.status_invalid)
		json_array_append_new(over, json_string("status-invalid"));
	if (k.wait_invalid)
		json_array_append_new(over, json_string("wait-out-of-range"));
	if (k.abnormal)
		json_array_append_new(over, json_string("abnormal-end"));
	if (k.veto_ignored)
		json_array_append_new(over, json_string("veto-not-counted"));
	json_object_set_new(o, "effective", json_string(k.allow ? "allow" :
	    "veto"));
	json_object_set_new(o, "counted_wait_ms",
	    json_integer((json_int_t)k.wait_counted * 1000));
	json_object_set_new(o, "overrides", over);
	if (k.abnormal)
		json_object_set_new(o, "check_failure",
		    json_string(k.failure_veto ? "veto" : "allow"));
	json_object_set_new(o, "verdict", json_string(verdict));
	return (o);
}

/*
 * A report as a JSON object, following exitctl(8)'s conventions:
 * operation as 16 hex digits (null before the first), durations in
 * milliseconds under *_ms names.  Returns NULL when out of memory.
 */
json_t *
driver_report_json(const struct exitpt_report *r)
{
	const struct exitpt_answer	*a;
	json_t				*o, *arr, *v;
	char				 id[DRIVER_OP_LEN];
	size_t				 i;
	int				 phase = exitpt_report_phase(r);

	if ((arr = json_array()) == NULL)
		return (NULL);
	for (i = 0; (a = exitpt_report_answer(r, i)) != NULL; i++) {
		if ((v = driver_answer_json(phase, a)) == NULL ||
		    json_array_append_new(arr, v) != 0) {
			json_decref(arr);
			return (NULL);
		}
	}
	o = json_pack("{s:o, s:s, s:s, s:s, s:I, s:I, s:o, s:o, s:o}",
	    "operation", exitpt_report_operation(r) == 0 ? json_null() :
	    json_string(driver_operation_text(exitpt_report_operation(r), id)),
	    "action", driver_action_name(exitpt_report_action(r)),
	    "phase", exitpt_phase_name(phase),
	    "outcome", exitpt_outcome_name(exitpt_report_outcome(r)),
	    "window_ms", (json_int_t)exitpt_report_window(r) * 1000,
	    "window_left_ms", (json_int_t)exitpt_report_window_left_ms(r),
	    "system_state", exitpt_report_system_state(r) < 0 ? json_null() :
	    json_integer(exitpt_report_system_state(r)),
	    "answers", arr,
	    "detail", *exitpt_report_detail(r) == '\0' ? json_null() :
	    driver_json_string(exitpt_report_detail(r)));
	return (o);
}

/* Drive one phase of a sequence through the run's callbacks. */
static int
driver_run_phase(struct exitpt_client **cp, const struct driver_run *run,
    const struct driver_request *req, const struct exitpt_report *last,
    struct exitpt_report **rp)
{
	struct exitpt_report	*cancel = NULL;
	int			 error;

	*rp = NULL;
	if (run->phase_cb != NULL)
		run->phase_cb(req, last, run->arg);
	if (run->drive_cb != NULL)
		error = run->drive_cb(cp, req, rp, run->arg);
	else
		error = driver_drive(*cp, req, rp);
	if (error != 0 || *rp == NULL)
		return (error != 0 ? error : -EPROTO);
	if (exitpt_report_phase(*rp) == EXITPT_OP_CHECK &&
	    exitpt_report_outcome(*rp) == EXITPT_OUTCOME_VETOED)
		driver_veto_cancel(*cp, *rp, &cancel);
	if (run->report_cb != NULL)
		run->report_cb(*rp, cancel, run->arg);
	exitpt_report_free(cancel);
	return (0);
}

/*
 * Something failed after Check allowed (lost exitd during Prepare, the
 * suspension did not happen): send Cancel so that the participants undo
 * what they did, over a new connection when the old one is broken
 * (reconnect).  Returns 0 with the Cancel's report in *rp, or an error.
 */
static int
driver_run_cancel(struct exitpt_client **cp, const struct driver_run *run,
    struct driver_request *req, int reconnect, struct driver_result *res,
    struct exitpt_report **rp)
{
	struct exitpt_client	*c;
	int			 error;

	if (reconnect) {
		if ((error = driver_open(run->socket, &c)) != 0)
			return (error);
		exitpt_client_close(*cp);
		*cp = c;
	}
	req->phase = EXITPT_OP_CANCEL;
	if ((error = driver_run_phase(cp, run, req, NULL, rp)) == 0)
		res->cancelled_on_failure = 1;
	return (error);
}

/*
 * Fill in how a sequence ended and return its exit status.  phase is the
 * phase of the failed request (with error), r the last report (kept).
 */
static int
driver_run_end(struct driver_result *res, int error, int phase,
    struct exitpt_report *r)
{
	if (res->error == 0) {
		res->error = error;
		res->phase = error != 0 ? phase : 0;
	}
	exitpt_report_free(res->report);
	res->report = r;
	if (res->cancelled_on_failure)
		res->status = driver_exit_outcome(exitpt_report_outcome(r));
	else if (res->left_open)
		res->status = DRIVER_EXIT_ABANDONED;
	else
		res->status = driver_exit_result(error, r);
	return (res->status);
}

/*
 * Run a whole operation the way `exitctl migrate` and hmcsim do: Check;
 * stop there when validating or when Check did not allow (a veto's Cancel
 * is shown through report_cb); Prepare, or Cancel with cancel_after;
 * the suspension; Complete, or Cancel with cancel_after.  When Prepare
 * fails without an answer from exitd, or the suspension fails, Cancel
 * goes out (cancelled_on_failure).  *cp may be replaced (reconnection).
 * Returns res->status; res->report is the caller's to free with
 * driver_result_clear().
 */
int
driver_run(struct exitpt_client **cp, const struct driver_run *run,
    struct driver_result *res)
{
	struct driver_request	 req;
	struct exitpt_report	*r = NULL, *n = NULL;
	int			 error;

	memset(res, 0, sizeof(*res));
	memset(&req, 0, sizeof(req));
	req.phase = EXITPT_OP_CHECK;
	req.action = run->action;
	req.validate_only = run->validate_only;
	req.force = run->force;
	req.system_state = run->system_state;
	if ((error = driver_run_phase(cp, run, &req, NULL, &r)) != 0)
		return (driver_run_end(res, error, req.phase, r));
	res->operation = req.operation = exitpt_report_operation(r);
	if (exitpt_report_phase(r) != EXITPT_OP_CHECK ||
	    exitpt_report_outcome(r) != EXITPT_OUTCOME_ALLOWED)
		return (driver_run_end(res, 0, 0, r));
	if (run->stop_after == EXITPT_OP_CHECK) {
		res->left_open = 1;
		return (driver_run_end(res, 0, 0, r));
	}

	req.phase = run->cancel_after == EXITPT_OP_CHECK ? EXITPT_OP_CANCEL :
	    EXITPT_OP_PREPARE;
	error = driver_run_phase(cp, run, &req, r, &n);
	exitpt_report_free(r);
	r = n;
	if (error != 0 && req.phase == EXITPT_OP_PREPARE &&
	    (error > -1000 || error == EXITPT_E_PROTOCOL)) {
		res->error = error;
		res->phase = req.phase;
		if (driver_run_cancel(cp, run, &req, 1, res, &n) == 0) {
			exitpt_report_free(r);
			return (driver_run_end(res, 0, 0, n));
		}
	}
	if (error != 0)
		return (driver_run_end(res, error, req.phase, r));
	if (req.phase == EXITPT_OP_CANCEL ||
	    exitpt_report_outcome(r) != EXITPT_OUTCOME_PREPARED)
		return (driver_run_end(res, 0, 0, r));
	if (run->stop_after == EXITPT_OP_PREPARE) {
		res->left_open = 1;
		return (driver_run_end(res, 0, 0, r));
	}

	if (run->cancel_after == EXITPT_OP_PREPARE)
		req.phase = EXITPT_OP_CANCEL;
	else if (run->suspend_cb != NULL &&
	    (error = run->suspend_cb(run->arg)) != 0) {
		res->error = error;
		if (driver_run_cancel(cp, run, &req, 0, res, &n) == 0) {
			exitpt_report_free(r);
			return (driver_run_end(res, 0, 0, n));
		}
		return (driver_run_end(res, error, 0, r));
	} else
		req.phase = EXITPT_OP_COMPLETE;
	error = driver_run_phase(cp, run, &req, r, &n);
	exitpt_report_free(r);
	return (driver_run_end(res, error, req.phase, n));
}

/* Release what a driver_result holds. */
void
driver_result_clear(struct driver_result *res)
{
	exitpt_report_free(res->report);
	memset(res, 0, sizeof(*res));
}
