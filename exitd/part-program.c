/*
 * Participant kind "program": the exit programs registered on
 * QIBM_QWC_SUSPEND and QIBM_QWC_RESUME (SPEC section 4), run through the
 * runner.  This file is the glue: it reads the registry, fills each
 * call's runner_spec with the phase's format, and turns the runner's end
 * into an answer.  Time limits are the engine's: the runner is given none
 * and is stopped (SIGTERM, then SIGKILL after the grace) when the engine
 * says so.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitd.h"

/* One registered program as a participant of an operation. */
struct program {
	struct registry_entry	 entry;	/* own copy */
	struct runner_job	*job;	/* of its running call */
	uint64_t		 call;	/* that call's id */
};

static const char	*program_state_dir;

static void	 program_init(struct event_base *, const char *,
		     struct config *);
static int	 program_collect(struct engine_op *, int);
static void	 program_start(struct call *);
static void	 program_stop(struct call *);
static json_t	*program_identity(const struct part *);
static int	 program_restore(struct part *, json_t *);
static void	 program_free(struct part *);
static void	 program_list(part_list_cb, void *);
static void	 program_shutdown(void);
static void	 program_end_stale(struct part *, json_t *, char *, size_t);
static void	 program_done_cb(const struct runner_result *, void *);

const struct part_ops part_program_ops = {
	.kind = EXITPT_PARTICIPANT_PROGRAM,
	.name = "program",
	.durable = 1,		/* run anew from disk after a reboot */
	.init = program_init,
	.collect = program_collect,
	.takes_part = NULL,
	.start = program_start,
	.stop = program_stop,
	.identity = program_identity,
	.restore = program_restore,
	.free = program_free,
	.list = program_list,
	.shutdown = program_shutdown,
	.end_stale = program_end_stale,
};

/* Remember where the registry is and install the runner. */
static void
program_init(struct event_base *base, const char *state_dir,
    struct config *cfg)
{
	program_state_dir = state_dir;
	runner_init(base);
}

/* Print a registry warning (malformed entry) to the log. */
static void
program_warn_cb(const char *msg, void *arg)
{
	log_warnx("registry: %s", msg);
}

/* Read an exit point's programs fresh from the registry. */
static int
program_load(int point, struct registry_list *list)
{
	int	rv;

	memset(list, 0, sizeof(*list));
	if ((rv = registry_load(program_state_dir, point, program_warn_cb,
	    NULL, list)) != 0)
		log_warnx("registry: cannot load %s from %s: %s",
		    registry_point_name(point), program_state_dir,
		    exitpt_strerror(rv));
	return (rv);
}

/* Set the engine's time limits of a program from its entry. */
static void
program_limits(struct part *p, const struct registry_entry *e)
{
	part_set_number(p, e->number);
	part_set_timeout(p, EXITPT_OP_CHECK, e->check_timeout);
	/* Prepare is bounded by the window, Cancel by Check's limit. */
	part_set_timeout(p, EXITPT_OP_CANCEL, e->check_timeout);
	part_set_timeout(p, EXITPT_OP_COMPLETE, e->complete_timeout);
}

/*
 * Add the programs of phase's exit point (Check: suspend, Complete:
 * resume), read fresh from the registry, in ascending number.
 */
static int
program_collect(struct engine_op *op, int phase)
{
	struct registry_list	 list;
	struct registry_entry	*e;
	struct program		*prog;
	struct part		*p;
	char			 key[PART_KEY_MAX];
	size_t			 i;
	int			 point, error;

	point = phase == EXITPT_OP_COMPLETE ? REGISTRY_RESUME :
	    REGISTRY_SUSPEND;
	if ((error = program_load(point, &list)) != 0)
		return (error);
	for (i = 0; i < list.count; i++) {
		e = &list.entries[i];
		snprintf(key, sizeof(key), "%d %s", e->number, e->program);
		if ((p = phase_add_part(op, &part_program_ops, point, key,
		    e->program)) == NULL)
			continue;
		prog = xcalloc(1, sizeof(*prog));
		prog->entry = *e;
		prog->entry.program = xstrdup(e->program);
		prog->entry.user = xstrdup(e->user);
		prog->entry.data = xstrdup(e->data != NULL ? e->data : "");
		prog->entry.text = xstrdup(e->text != NULL ? e->text : "");
		part_set_data(p, prog);
		program_limits(p, &prog->entry);
	}
	registry_list_clear(&list);
	return (0);
}

/* Start a program through the runner, with its phase's format. */
static void
program_start(struct call *c)
{
	const struct engine_op	*op = call_op(c);
	struct program		*prog = part_data(call_part(c));
	struct runner_spec	 spec;
	struct exitpt_bmgf0100	 b;
	struct exitpt_bmgf0200	 p;
	struct exitpt_amgf0100	 a;
	struct runner_proc	 rp;
	char			 process[160];
	int			 phase = call_phase(c);

	memset(&spec, 0, sizeof(spec));
	spec.entry = &prog->entry;
	spec.operation_id = engine_op_id(op);
	spec.action = engine_op_action(op);
	switch (phase) {
	case EXITPT_OP_CHECK:
		/* Prefilled so that a silent program reads as "no answer". */
		b.length = sizeof(b);
		b.action = spec.action;
		b.status = EXITPT_STATUS_NONE;
		b.wait_time = EXITPT_WAIT_NONE;
		spec.format = EXITPT_FORMAT_BMGF0100;
		spec.phase = EXITPT_PHASE_CHECK;
		spec.info = &b;
		spec.infolen = sizeof(b);
		spec.writable = 1;
		break;
	case EXITPT_OP_PREPARE:
	case EXITPT_OP_CANCEL:
		p.length = sizeof(p);
		p.action = spec.action;
		p.request = phase == EXITPT_OP_PREPARE ?
		    EXITPT_REQUEST_PREPARE : EXITPT_REQUEST_CANCEL;
		p.window = engine_op_window(op);
		spec.format = EXITPT_FORMAT_BMGF0200;
		spec.phase = EXITPT_PHASE_PREPARE;
		spec.info = &p;
		spec.infolen = sizeof(p);
		spec.writable = 1;
		spec.request = p.request;
		spec.window = p.window;
		break;
	default:
		a.length = sizeof(a);
		a.action = spec.action;
		a.system_state = engine_op_system_state(op);
		spec.format = EXITPT_FORMAT_AMGF0100;
		spec.phase = EXITPT_PHASE_COMPLETE;
		spec.info = &a;
		spec.infolen = sizeof(a);
		spec.system_state = a.system_state;
		break;
	}
	/* The engine owns the time limit (spec.timeout stays 0). */
	prog->call = call_id(c);
	prog->job = runner_start(&spec, program_done_cb, prog);
	call_set_pid(c, runner_pid(prog->job));
	/* A cgroup name is run-N: nothing in it needs escaping. */
	if (runner_proc(prog->job, &rp) == 0) {
		if (rp.cgroup != NULL)
			snprintf(process, sizeof(process), "{\"pid\":%ld,"
			    "\"cgroup\":\"%s\"}", (long)rp.pid, rp.cgroup);
		else
			snprintf(process, sizeof(process), "{\"pid\":%ld,"
			    "\"pgid\":%ld,\"sid\":%ld,\"start\":%llu,"
			    "\"start_max\":%llu}", (long)rp.pid, (long)rp.pid,
			    (long)rp.sid, (unsigned long long)rp.start,
			    (unsigned long long)rp.start_max);
		call_set_process(c, process);
	}
}

/*
 * After a restart: end what is left of a call the previous exitd
 * started (its cgroup, or its process group checked by start time).
 */
static void
program_end_stale(struct part *p, json_t *process, char *how, size_t len)
{
	struct runner_proc	rp;
	json_t			*v;

	memset(&rp, 0, sizeof(rp));
	rp.pid = (pid_t)json_integer_value(json_object_get(process, "pid"));
	rp.sid = (pid_t)json_integer_value(json_object_get(process, "sid"));
	if (json_is_integer(v = json_object_get(process, "start")) &&
	    json_integer_value(v) > 0)
		rp.start = (uint64_t)json_integer_value(v);
	if (json_is_integer(v = json_object_get(process, "start_max")) &&
	    json_integer_value(v) >= (json_int_t)rp.start)
		rp.start_max = (uint64_t)json_integer_value(v);
	else if (rp.start > 0) {
		/* An earlier exitd's record: the tick after the clone. */
		rp.start_max = rp.start--;
	}
	rp.cgroup = json_string_value(json_object_get(process, "cgroup"));
	runner_end_stale(&rp, how, len);
}

/* Stop a running program: the runner answers once it is reaped. */
static void
program_stop(struct call *c)
{
	struct program	*prog = part_data(call_part(c));

	runner_stop(prog->job);
}

/* Map the runner's end to the client API's. */
static int
program_end(enum runner_end end)
{
	switch (end) {
	case RUNNER_EXITED:
		return (EXITPT_END_EXITED);
	case RUNNER_SIGNALED:
		return (EXITPT_END_SIGNALED);
	case RUNNER_TIMEDOUT:
		return (EXITPT_END_TIMEDOUT);
	case RUNNER_REFUSED:
		return (EXITPT_END_REFUSED);
	case RUNNER_FAILED:
		break;
	}
	return (EXITPT_END_FAILED);
}

/*
 * A program ended: its answer is the exit information (fd 3 with the
 * stdout keys applied) and how it ended.
 */
static void
program_done_cb(const struct runner_result *r, void *arg)
{
	struct program		*prog = arg;
	struct part_answer	 a;
	struct exitpt_bmgf0100	 b;

	prog->job = NULL;
	memset(&b, 0, sizeof(b));
	memcpy(&b, r->info, r->infolen < sizeof(b) ? r->infolen : sizeof(b));
	memset(&a, 0, sizeof(a));
	a.end = program_end(r->end);
	a.code = r->code;
	a.status = b.status;
	a.wait = b.wait_time;
	a.reason = r->reason;
	a.output_dropped = r->output_dropped;
	phase_answer(prog->call, &a);
}

/*
 * What the journal keeps of a program: enough to run it again after a
 * restart.  The names are those of the call records that exitd wrote
 * before identities existed, so that restore reads both.
 */
static json_t *
program_identity(const struct part *p)
{
	const struct program	*prog = part_data(p);
	const struct registry_entry *e = &prog->entry;

	return (json_pack("{s:i, s:o, s:o, s:o, s:i, s:i}",
	    "number", e->number, "who", journal_string(e->program),
	    "user", journal_string(e->user), "data", journal_string(e->data),
	    "check_timeout", e->check_timeout,
	    "complete_timeout", e->complete_timeout));
}

/*
 * Rebuild a program from its journal identity.  Every exitd wrote its
 * user and data as strings: an identity without them is not used, so
 * that a damaged record never runs a program as another user.
 */
static int
program_restore(struct part *p, json_t *id)
{
	struct program	*prog;
	const char	*who, *user, *data;
	json_int_t	 number, ct, pt;

	who = json_string_value(json_object_get(id, "who"));
	number = json_integer_value(json_object_get(id, "number"));
	user = json_string_value(json_object_get(id, "user"));
	data = json_string_value(json_object_get(id, "data"));
	if (who == NULL || *who == '\0' || number < 1 || number > INT32_MAX ||
	    user == NULL || *user == '\0' || data == NULL)
		return (-1);
	ct = json_integer_value(json_object_get(id, "check_timeout"));
	pt = json_integer_value(json_object_get(id, "complete_timeout"));
	prog = xcalloc(1, sizeof(*prog));
	prog->entry.point = part_point(p);
	prog->entry.number = (int32_t)number;
	prog->entry.program = xstrdup(who);
	prog->entry.user = xstrdup(user);
	prog->entry.data = xstrdup(data);
	prog->entry.text = xstrdup("");
	prog->entry.check_timeout = ct > 0 && ct <= REGISTRY_TIMEOUT_MAX ?
	    (int)ct : REGISTRY_CHECK_TIMEOUT;
	prog->entry.complete_timeout = pt > 0 && pt <= REGISTRY_TIMEOUT_MAX ?
	    (int)pt : REGISTRY_COMPLETE_TIMEOUT;
	part_set_data(p, prog);
	program_limits(p, &prog->entry);
	return (0);
}

/* Free a program's copy of its entry. */
static void
program_free(struct part *p)
{
	struct program	*prog = part_data(p);

	if (prog == NULL)
		return;
	free(prog->entry.program);
	free(prog->entry.user);
	free(prog->entry.data);
	free(prog->entry.text);
	free(prog);
}

/* Every registered program of both exit points. */
static void
program_list(part_list_cb cb, void *arg)
{
	struct registry_list	 list;
	struct registry_entry	*e;
	size_t			 i;
	int			 point;

	for (point = 0; point < REGISTRY_NPOINTS; point++) {
		if (program_load(point, &list) != 0)
			continue;
		for (i = 0; i < list.count; i++) {
			e = &list.entries[i];
			cb(arg, EXITPT_PARTICIPANT_PROGRAM, e->program, 0,
			    json_pack("{s:s, s:i, s:o, s:o, s:o, s:i, s:i}",
			    "exit_point", registry_point_name(point),
			    "number", e->number,
			    "user", journal_string(e->user),
			    "data", journal_string(e->data),
			    "text", journal_string(e->text),
			    "check_timeout_ms", e->check_timeout * 1000,
			    "complete_timeout_ms", e->complete_timeout * 1000));
		}
		registry_list_clear(&list);
	}
}

/* exitd is stopping: kill every running program, without answers. */
static void
program_shutdown(void)
{
	runner_shutdown();
}
