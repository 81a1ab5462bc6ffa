/*
 * The phase engine: SPEC section 2.  One operation at a time passes
 * through Check, Prepare, Cancel and Complete; each phase calls its
 * participants through the runner, folds their answers, writes the
 * journal, and replies to the drivers waiting on it.
 *
 * Drivers talk to the engine only through phase_drive(), which either
 * fails at once or calls the reply callback once the phase has ended.
 */
#include <sys/random.h>

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exitd.h"

static struct event_base	*phase_base;
static const char		*phase_state_dir;
static struct config		*phase_cfg;
static void			(*phase_notify_fn)(void);
static struct operation		 phase_op;
static uint64_t			 phase_gen = 1;

static void	 phase_changed(void);
static void	 phase_start(struct operation *, int);
static void	 phase_start_next(struct operation *, struct phase *);
static void	 phase_call_start(struct operation *, struct phase *,
		     struct call *);
static void	 phase_done_cb(const struct runner_result *, void *);
static void	 phase_call_stop(struct call *);
static void	 phase_call_done(struct operation *, struct phase *,
		     struct call *);
static void	 phase_program_start(struct operation *, struct phase *,
		     struct call *);
static void	 phase_check_fold(struct operation *, struct call *, int);
static void	 phase_maybe_end(struct operation *, struct phase *);
static void	 phase_end(struct operation *, struct phase *);
static int	 phase_check_verdict(const struct operation *,
		     const struct phase *);
static void	 phase_window_cb(evutil_socket_t, short, void *);
static void	 phase_recovery_cb(evutil_socket_t, short, void *);
static void	 phase_arm_recovery(struct operation *);
static void	 phase_reply(struct phase *, int);
static void	 phase_op_end(struct operation *, int);
static void	 phase_op_clear(struct operation *);
static void	 phase_entry_copy(struct registry_entry *,
		     const struct registry_entry *);
static void	 phase_entry_free(struct registry_entry *);
static void	 phase_warn_cb(const char *, void *);
static int	 phase_load(int, struct registry_list *);
static int	 phase_resumed(const struct operation *,
		     const struct registry_entry *);
static int	 phase_pending(uint64_t);
static size_t	 phase_critical_add(struct operation *, struct phase *);
static void	 phase_critical_start(struct operation *, struct phase *,
		     struct call *);

/* Milliseconds on the monotonic clock. */
uint64_t
phase_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/*
 * Set up the engine, and rebuild from the journal an operation that a
 * previous exitd left open: it then waits for a driver, and cancels by
 * itself after the recovery timeout.
 */
void
phase_init(struct event_base *base, const char *state_dir,
    struct config *cfg, void (*notify)(void))
{
	struct operation	*op = &phase_op;
	size_t			 i;
	int			 rv;

	phase_base = base;
	phase_state_dir = state_dir;
	phase_cfg = cfg;
	phase_notify_fn = notify;
	if ((rv = journal_recover(op)) < 0)
		log_warnx("journal: cannot read %s: %s", journal_path(),
		    strerror(-rv));
	if (rv != 1) {
		/* No operation is open: no flag may be left raised. */
		phase_pending(0);
		return;
	}
	op->recovered = 1;
	/* Still between Check and Cancel/Complete (also after a reboot). */
	phase_pending(op->id);
	op->outcome = EXITPT_OUTCOME_RECOVERED;
	for (i = 0; i < PHASE_NKINDS; i++)
		op->ph[i].kind = (int)i;
	op->ph[op->cur].outcome = EXITPT_OUTCOME_RECOVERED;
	log_info("operation %016" PRIx64 " recovered from the journal in "
	    "phase %s; %zu suspend participants known; cancelling in %d s "
	    "unless a driver continues it", op->id,
	    exitpt_phase_name(op->cur), op->nparts, cfg->recovery_timeout);
	phase_arm_recovery(op);
}

/* The current or last operation, for status replies. */
const struct operation *
phase_current(void)
{
	return (&phase_op);
}

/* Change counter of the engine's state. */
uint64_t
phase_generation(void)
{
	return (phase_gen);
}

/* Count a change of state and let status waiters know. */
static void
phase_changed(void)
{
	phase_gen++;
	if (phase_notify_fn != NULL)
		phase_notify_fn();
}

/* Print a registry warning (malformed entry) to the log. */
static void
phase_warn_cb(const char *msg, void *arg)
{
	log_warnx("registry: %s", msg);
}

/* Read an exit point's programs fresh from the registry. */
static int
phase_load(int point, struct registry_list *list)
{
	int	rv;

	if ((rv = registry_load(phase_state_dir, point, phase_warn_cb, NULL,
	    list)) != 0)
		log_warnx("registry: cannot load %s from %s: %s",
		    registry_point_name(point), phase_state_dir,
		    exitpt_strerror(rv));
	return (rv);
}

/* Deep-copy a registry entry. */
static void
phase_entry_copy(struct registry_entry *dst, const struct registry_entry *src)
{
	*dst = *src;
	dst->program = xstrdup(src->program);
	dst->user = xstrdup(src->user);
	dst->data = xstrdup(src->data != NULL ? src->data : "");
	dst->text = xstrdup(src->text != NULL ? src->text : "");
}

/* Free a copied registry entry's strings. */
static void
phase_entry_free(struct registry_entry *e)
{
	free(e->program);
	free(e->user);
	free(e->data);
	free(e->text);
}

/* Release everything an operation holds and zero it. */
static void
phase_op_clear(struct operation *op)
{
	struct phase	*ph;
	size_t		 i, j;

	for (i = 0; i < PHASE_NKINDS; i++) {
		ph = &op->ph[i];
		if (ph->window_ev != NULL)
			event_free(ph->window_ev);
		for (j = 0; j < ph->nextra; j++)
			phase_entry_free(&ph->extra[j].entry);
		free(ph->extra);
		free(ph->calls);
		free(ph->waiters);
	}
	for (i = 0; i < op->nparts; i++)
		phase_entry_free(&op->parts[i].entry);
	free(op->parts);
	for (i = 0; i < op->nresumed; i++)
		free(op->resumed[i]);
	free(op->resumed);
	if (op->recovery_ev != NULL)
		event_free(op->recovery_ev);
	memset(op, 0, sizeof(*op));
}

/* Tell whether a resume program already got Complete before a restart. */
static int
phase_resumed(const struct operation *op, const struct registry_entry *e)
{
	char	key[64 + 4096];
	size_t	i;

	snprintf(key, sizeof(key), "%d %s", e->number, e->program);
	for (i = 0; i < op->nresumed; i++) {
		if (strcmp(op->resumed[i], key) == 0)
			return (1);
	}
	return (0);
}

/*
 * Start a phase of kind on op: pick its participants, journal the start,
 * and start the programs (all at once, or the first when serial).
 */
static void
phase_start(struct operation *op, int kind)
{
	struct phase		*ph = &op->ph[kind];
	struct phase_waiter	*waiters = ph->waiters;
	struct registry_list	 list;
	struct timeval		 tv;
	size_t			 i, n = 0, nwaiters = ph->nwaiters;

	/*
	 * A phase may run again (Complete finished after a restart): drop
	 * what its last run held, but keep the drivers already waiting.
	 */
	if (ph->window_ev != NULL)
		event_free(ph->window_ev);
	for (i = 0; i < ph->nextra; i++)
		phase_entry_free(&ph->extra[i].entry);
	free(ph->extra);
	free(ph->calls);
	memset(ph, 0, sizeof(*ph));
	ph->waiters = waiters;
	ph->nwaiters = nwaiters;
	ph->kind = kind;
	ph->outcome = EXITPT_OUTCOME_RUNNING;
	ph->start_ms = phase_now_ms();
	op->cur = kind;
	op->running = 1;
	if (op->recovery_ev != NULL)
		event_del(op->recovery_ev);

	switch (kind) {
	case EXITPT_OP_CHECK:
	case EXITPT_OP_PREPARE:
		ph->serial = phase_cfg->point[REGISTRY_SUSPEND].serial;
		/* Check may gain one call: the critical sections held. */
		ph->calls = xcalloc(op->nparts + 1, sizeof(*ph->calls));
		if (kind == EXITPT_OP_CHECK)
			n = phase_critical_add(op, ph);
		for (i = 0; i < op->nparts; i++)
			ph->calls[n++].part = &op->parts[i];
		break;
	case EXITPT_OP_CANCEL:
		ph->serial = phase_cfg->point[REGISTRY_SUSPEND].serial;
		if (op->nparts > 0)
			ph->calls = xcalloc(op->nparts, sizeof(*ph->calls));
		for (i = 0; i < op->nparts; i++) {
			/* Rule 3: only those that allowed, only once. */
			if (op->parts[i].allowed && !op->parts[i].cancel_sent)
				ph->calls[n++].part = &op->parts[i];
		}
		break;
	case EXITPT_OP_COMPLETE:
		ph->serial = phase_cfg->point[REGISTRY_RESUME].serial;
		/*
		 * Complete cannot veto and the system has resumed: an
		 * unreadable registry is logged and Complete goes on.
		 */
		memset(&list, 0, sizeof(list));
		phase_load(REGISTRY_RESUME, &list);
		if (list.count > 0) {
			ph->extra = xcalloc(list.count, sizeof(*ph->extra));
			ph->calls = xcalloc(list.count, sizeof(*ph->calls));
		}
		for (i = 0; i < list.count; i++) {
			if (phase_resumed(op, &list.entries[i]))
				continue;
			ph->extra[ph->nextra].kind =
			    EXITPT_PARTICIPANT_PROGRAM;
			phase_entry_copy(&ph->extra[ph->nextra].entry,
			    &list.entries[i]);
			ph->calls[n++].part = &ph->extra[ph->nextra++];
		}
		registry_list_clear(&list);
		break;
	}
	ph->ncalls = n;
	journal_phase(op, ph, "start");
	log_info("operation %016" PRIx64 ": %s starts with %zu participants",
	    op->id, exitpt_phase_name(kind), n);

	if (kind == EXITPT_OP_PREPARE) {
		ph->deadline_ms = ph->start_ms + (uint64_t)op->window * 1000;
		ph->window_ev = evtimer_new(phase_base, phase_window_cb, op);
		tv.tv_sec = op->window;
		tv.tv_usec = 0;
		if (ph->window_ev == NULL || evtimer_add(ph->window_ev, &tv) ==
		    -1)
			fatalx("phase: cannot arm the prepare window");
	}
	ph->starting = 1;
	phase_start_next(op, ph);
	ph->starting = 0;
	phase_changed();
	phase_maybe_end(op, ph);
}

/* Start the next program, or all remaining ones when not serial. */
static void
phase_start_next(struct operation *op, struct phase *ph)
{
	while (ph->next < ph->ncalls && !ph->stopping) {
		phase_call_start(op, ph, &ph->calls[ph->next++]);
		if (ph->serial)
			break;
	}
}

/*
 * Call one participant: journal the call before it starts (so that after
 * a crash it counts as reached), then hand it to its kind's starter.
 */
static void
phase_call_start(struct operation *op, struct phase *ph, struct call *c)
{
	c->started = 1;
	c->running = 1;
	c->status = EXITPT_STATUS_NONE;
	c->wait = EXITPT_WAIT_NONE;
	c->effective = 1;
	c->end = EXITPT_END_RUNNING;
	c->start_ms = phase_now_ms();
	if (ph->kind == EXITPT_OP_CANCEL)
		c->part->cancel_sent = 1;
	ph->nrunning++;
	journal_call_start(op, ph, c);
	switch (c->part->kind) {
	case EXITPT_PARTICIPANT_PROGRAM:
		phase_program_start(op, ph, c);
		break;
	case EXITPT_PARTICIPANT_CRITICAL:
		phase_critical_start(op, ph, c);
		break;
	}
}

/*
 * Raise (id != 0) or lower the suspend-pending flag, which new critical
 * sections consult: they fail or wait while an operation is between
 * Check and Cancel/Complete.
 */
static int
phase_pending(uint64_t id)
{
	int	error;

	if ((error = critical_set_pending(id)) != 0)
		log_warnx("critical sections: cannot %s the suspend-pending "
		    "flag: %s", id != 0 ? "raise" : "lower",
		    exitpt_strerror(error));
	return (error);
}

/*
 * At the start of Check, raise the pending flag first and only then list
 * the critical sections held, so that none can start unseen in between.
 * Held sections (or a flag that cannot be raised) become one call of
 * their own, answered as a veto whose reason names every holder; it comes
 * first and the exit programs still run, so their answers are reported
 * and journalled together.  Returns the number of calls added (0 or 1).
 */
static size_t
phase_critical_add(struct operation *op, struct phase *ph)
{
	struct participant	*p;
	struct call		*c = &ph->calls[0];
	char			 list[EXITD_REASON_MAX];
	int			 error, held;

	if ((error = phase_pending(op->id)) != 0)
		snprintf(c->reason, sizeof(c->reason), "cannot raise the "
		    "suspend-pending flag, so critical sections could start "
		    "unseen: %s", exitpt_strerror(error));
	else if ((held = critical_reason(list, sizeof(list))) < 0)
		snprintf(c->reason, sizeof(c->reason), "cannot list the "
		    "critical sections: %s", exitpt_strerror(held));
	else if (held == 0)
		return (0);
	else
		/* list is "name (pid N, since HH:MM:SS), ..." */
		snprintf(c->reason, sizeof(c->reason), "critical section%s "
		    "held: %s", held > 1 ? "s" : "", list);
	p = ph->extra = xcalloc(1, sizeof(*ph->extra));
	ph->nextra = 1;
	p->kind = EXITPT_PARTICIPANT_CRITICAL;
	p->entry.point = REGISTRY_SUSPEND;
	p->entry.program = xstrdup("critical sections");
	p->entry.user = xstrdup("");
	p->entry.data = xstrdup("");
	p->entry.text = xstrdup("");
	c->part = p;
	return (1);
}

/*
 * The critical sections' call: already answered (a veto, its reason
 * written by phase_critical_add), so it ends at once.
 */
static void
phase_critical_start(struct operation *op, struct phase *ph, struct call *c)
{
	c->running = 0;
	c->status = EXITPT_STATUS_VETO;
	c->effective = 0;
	c->end = EXITPT_END_ANSWERED;
	c->duration_ms = 0;
	c->part->allowed = 0;
	phase_call_done(op, ph, c);
}

/* Stop a participant's call early (window elapsed, cancelled). */
static void
phase_call_stop(struct call *c)
{
	switch (c->part->kind) {
	case EXITPT_PARTICIPANT_PROGRAM:
		runner_stop(c->job);
		break;
	}
}

/* Start an exit program through the runner, with its phase's format. */
static void
phase_program_start(struct operation *op, struct phase *ph, struct call *c)
{
	struct runner_spec	spec;
	struct exitpt_bmgf0100	b;
	struct exitpt_bmgf0200	p;
	struct exitpt_amgf0100	a;
	struct registry_entry	*e = &c->part->entry;

	memset(&spec, 0, sizeof(spec));
	spec.entry = e;
	spec.operation_id = op->id;
	spec.action = op->action;
	switch (ph->kind) {
	case EXITPT_OP_CHECK:
		/* Prefilled so that a silent program reads as "no answer". */
		b.length = sizeof(b);
		b.action = op->action;
		b.status = EXITPT_STATUS_NONE;
		b.wait_time = EXITPT_WAIT_NONE;
		spec.format = EXITPT_FORMAT_BMGF0100;
		spec.phase = EXITPT_PHASE_CHECK;
		spec.info = &b;
		spec.infolen = sizeof(b);
		spec.writable = 1;
		spec.timeout = e->check_timeout;
		break;
	case EXITPT_OP_PREPARE:
	case EXITPT_OP_CANCEL:
		p.length = sizeof(p);
		p.action = op->action;
		p.request = ph->kind == EXITPT_OP_PREPARE ?
		    EXITPT_REQUEST_PREPARE : EXITPT_REQUEST_CANCEL;
		p.window = op->window;
		spec.format = EXITPT_FORMAT_BMGF0200;
		spec.phase = EXITPT_PHASE_PREPARE;
		spec.info = &p;
		spec.infolen = sizeof(p);
		spec.writable = 1;
		spec.request = p.request;
		spec.window = op->window;
		/* Prepare is bounded by the window, Cancel by Check's limit. */
		spec.timeout = ph->kind == EXITPT_OP_CANCEL ? e->check_timeout :
		    0;
		break;
	case EXITPT_OP_COMPLETE:
		a.length = sizeof(a);
		a.action = op->action;
		a.system_state = op->system_state;
		spec.format = EXITPT_FORMAT_AMGF0100;
		spec.phase = EXITPT_PHASE_COMPLETE;
		spec.info = &a;
		spec.infolen = sizeof(a);
		spec.system_state = op->system_state;
		spec.timeout = e->complete_timeout;
		break;
	}
	c->job = runner_start(&spec, phase_done_cb, c);
}

/* Map the runner's end to the client API's. */
static int
phase_end_code(enum runner_end end)
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
 * Fold a Check answer by rule 1: only an explicit status 0 from a
 * participant that ended normally vetoes, unless the exit point is
 * configured to treat abnormal ends as vetoes.  Wait times outside 1..900
 * count as 1.
 */
static void
phase_check_fold(struct operation *op, struct call *c, int normal)
{
	if (normal)
		c->effective = exitpt_check_status(c->status) ==
		    EXITPT_STATUS_ALLOW;
	else
		c->effective =
		    !phase_cfg->point[REGISTRY_SUSPEND].check_failure_veto;
	c->part->allowed = c->effective;
	if (c->effective)
		op->window = exitpt_window_fold(op->window, c->wait);
}

/*
 * An exit program ended: take its answer from the exit information (fd 3
 * with the stdout keys applied) and how it ended.
 */
static void
phase_done_cb(const struct runner_result *r, void *arg)
{
	struct call		*c = arg;
	struct operation	*op = &phase_op;
	struct phase		*ph = &op->ph[op->cur];
	struct exitpt_bmgf0100	 b;

	c->job = NULL;
	c->running = 0;
	c->end = phase_end_code(r->end);
	c->code = r->code;
	c->duration_ms = r->duration_ms;
	c->output_dropped = r->output_dropped;
	if (ph->stopping && r->end == RUNNER_TIMEDOUT &&
	    ph->kind == EXITPT_OP_PREPARE)
		snprintf(c->reason, sizeof(c->reason), "%s (%s)",
		    op->cancel_pending ?
		    "stopped: the operation was cancelled" :
		    "still running at the end of the prepare window",
		    r->reason);
	else
		snprintf(c->reason, sizeof(c->reason), "%s", r->reason);
	if (ph->kind == EXITPT_OP_CHECK) {
		memset(&b, 0, sizeof(b));
		memcpy(&b, r->info, r->infolen < sizeof(b) ? r->infolen :
		    sizeof(b));
		c->status = b.status;
		c->wait = b.wait_time;
		phase_check_fold(op, c, r->end == RUNNER_EXITED &&
		    r->code == 0);
	}
	phase_call_done(op, ph, c);
}

/* Any participant's call ended: journal it, go on, maybe end the phase. */
static void
phase_call_done(struct operation *op, struct phase *ph, struct call *c)
{
	journal_answer(op, ph, c);
	log_info("operation %016" PRIx64 ": %s: %s %d (%s) %s %d%s%s",
	    op->id, exitpt_phase_name(ph->kind),
	    exitpt_participant_name(c->part->kind), c->part->entry.number,
	    c->part->entry.program, exitpt_end_name(c->end), c->code,
	    c->reason[0] != '\0' ? ": " : "", c->reason);
	ph->nrunning--;
	if (ph->serial && !ph->stopping)
		phase_start_next(op, ph);
	phase_changed();
	phase_maybe_end(op, ph);
}

/*
 * The prepare window elapsed: stop the stragglers (the runner escalates
 * to SIGKILL) and skip programs not started yet; the phase ends once the
 * stopped ones are reaped.
 */
static void
phase_window_cb(evutil_socket_t fd, short events, void *arg)
{
	struct operation	*op = arg;
	struct phase		*ph = &op->ph[EXITPT_OP_PREPARE];
	size_t			 i;

	if (op->cancel_pending)
		log_info("operation %016" PRIx64 ": cancelled during "
		    "Prepare; stopping its programs", op->id);
	else
		log_info("operation %016" PRIx64 ": prepare window of %d s "
		    "elapsed", op->id, op->window);
	ph->stopping = 1;
	for (i = 0; i < ph->ncalls; i++) {
		if (ph->calls[i].running)
			phase_call_stop(&ph->calls[i]);
	}
	phase_maybe_end(op, ph);
}

/* End the phase when nothing runs and nothing is left to start. */
static void
phase_maybe_end(struct operation *op, struct phase *ph)
{
	size_t	i;

	if (ph->starting || ph->nrunning > 0 || !op->running ||
	    op->cur != ph->kind)
		return;
	if (ph->next < ph->ncalls && !ph->stopping)
		return;
	for (i = ph->next; i < ph->ncalls; i++) {
		ph->calls[i].end = EXITPT_END_SKIPPED;
		snprintf(ph->calls[i].reason, sizeof(ph->calls[i].reason),
		    "not started: %s", op->cancel_pending ? "cancelled" :
		    "the prepare window elapsed");
	}
	phase_end(op, ph);
}

/* Reply to every driver waiting on a phase. */
static void
phase_reply(struct phase *ph, int error)
{
	struct phase_waiter	*w = ph->waiters;
	size_t			 i, n = ph->nwaiters;

	ph->waiters = NULL;
	ph->nwaiters = 0;
	for (i = 0; i < n; i++)
		w[i].cb(error, ph->kind, w[i].arg);
	free(w);
}

/* Close the operation with its outcome. */
static void
phase_op_end(struct operation *op, int outcome)
{
	op->outcome = outcome;
	op->open = 0;
	op->running = 0;
	if (op->recovery_ev != NULL)
		event_del(op->recovery_ev);
	journal_operation(op, "end");
	/* Sections waiting for the operation to end may start now. */
	phase_pending(0);
	log_info("operation %016" PRIx64 " %s", op->id,
	    exitpt_outcome_name(outcome));
	/*
	 * An operation with many programs leaves the heap full of freed
	 * runner buffers; give them back so that an idle exitd stays small.
	 */
	malloc_trim(0);
}

/*
 * The Check verdict (rule 1): vetoed as soon as one participant's
 * effective answer is a veto.  This is the one place where vetoes of
 * other participant kinds join the exit programs' answers: critical
 * sections still held, D-Bus voters and inhibitor locks each add a call
 * of their kind (effective 0, reason naming the holder) to ph before the
 * verdict, so that the report and the journal name them like programs.
 */
static int
phase_check_verdict(const struct operation *op, const struct phase *ph)
{
	size_t	i;

	for (i = 0; i < ph->ncalls; i++) {
		if (!ph->calls[i].effective)
			return (1);
	}
	return (0);
}

/* A phase has ended: decide what follows, journal, reply. */
static void
phase_end(struct operation *op, struct phase *ph)
{
	int	vetoed = 0;

	if (ph->window_ev != NULL)
		evtimer_del(ph->window_ev);
	op->running = 0;
	switch (ph->kind) {
	case EXITPT_OP_CHECK:
		vetoed = phase_check_verdict(op, ph);
		ph->outcome = vetoed ? EXITPT_OUTCOME_VETOED :
		    op->validate_only ? EXITPT_OUTCOME_VALIDATED :
		    EXITPT_OUTCOME_ALLOWED;
		if (op->window == 0)
			op->window = EXITPT_WAIT_MIN;
		journal_phase(op, ph, "end");
		if (vetoed) {
			/*
			 * Rule 3: a vetoed Check is a cancelled operation;
			 * the Check drivers get their reply once Cancel has
			 * reached those that allowed.
			 */
			op->outcome = EXITPT_OUTCOME_VETOED;
			phase_start(op, EXITPT_OP_CANCEL);
			return;
		}
		if (op->validate_only)
			phase_op_end(op, EXITPT_OUTCOME_VALIDATED);
		else {
			op->outcome = EXITPT_OUTCOME_ALLOWED;
			phase_arm_recovery(op);
		}
		break;
	case EXITPT_OP_PREPARE:
		ph->outcome = op->cancel_pending ? EXITPT_OUTCOME_CANCELLED :
		    EXITPT_OUTCOME_PREPARED;
		journal_phase(op, ph, "end");
		if (op->cancel_pending) {
			phase_reply(ph, 0);
			phase_start(op, EXITPT_OP_CANCEL);
			return;
		}
		op->outcome = EXITPT_OUTCOME_PREPARED;
		phase_arm_recovery(op);
		break;
	case EXITPT_OP_CANCEL:
		ph->outcome = EXITPT_OUTCOME_CANCELLED;
		journal_phase(op, ph, "end");
		if (op->ph[EXITPT_OP_CHECK].outcome == EXITPT_OUTCOME_VETOED) {
			phase_op_end(op, EXITPT_OUTCOME_VETOED);
			phase_reply(&op->ph[EXITPT_OP_CHECK], 0);
		} else
			phase_op_end(op, EXITPT_OUTCOME_CANCELLED);
		break;
	case EXITPT_OP_COMPLETE:
		ph->outcome = EXITPT_OUTCOME_COMPLETED;
		journal_phase(op, ph, "end");
		phase_op_end(op, EXITPT_OUTCOME_COMPLETED);
		break;
	}
	phase_reply(ph, 0);
	phase_changed();
}

/*
 * Between phases the operation waits for its driver; if none comes back
 * within the recovery timeout the engine cancels by itself, so that
 * participants never stay reserved for a migration that will not happen.
 */
static void
phase_arm_recovery(struct operation *op)
{
	struct timeval	tv;

	if (op->recovery_ev == NULL &&
	    (op->recovery_ev = evtimer_new(phase_base, phase_recovery_cb,
	    op)) == NULL)
		fatalx("phase: cannot create the recovery timer");
	tv.tv_sec = phase_cfg->recovery_timeout;
	tv.tv_usec = 0;
	evtimer_add(op->recovery_ev, &tv);
}

/*
 * No driver came back: cancel, or, if Complete had already begun before
 * a restart (the system has resumed), finish Complete instead.
 */
static void
phase_recovery_cb(evutil_socket_t fd, short events, void *arg)
{
	struct operation	*op = arg;

	if (!op->open || op->running)
		return;
	if (op->cur == EXITPT_OP_COMPLETE) {
		log_warnx("operation %016" PRIx64 ": no driver within %d s; "
		    "finishing Complete", op->id,
		    phase_cfg->recovery_timeout);
		phase_start(op, EXITPT_OP_COMPLETE);
		return;
	}
	log_warnx("operation %016" PRIx64 ": no driver within %d s; "
	    "cancelling", op->id, phase_cfg->recovery_timeout);
	phase_start(op, EXITPT_OP_CANCEL);
}

/* Add a waiter for a phase's end. */
static void
phase_wait(struct phase *ph, phase_reply_cb cb, void *arg)
{
	ph->waiters = xreallocarray(ph->waiters, ph->nwaiters + 1,
	    sizeof(*ph->waiters));
	ph->waiters[ph->nwaiters].cb = cb;
	ph->waiters[ph->nwaiters].arg = arg;
	ph->nwaiters++;
}

/* Forget a driver that went away (its connection closed). */
void
phase_forget(void *arg)
{
	struct phase	*ph;
	size_t		 i, j;

	for (i = 0; i < PHASE_NKINDS; i++) {
		ph = &phase_op.ph[i];
		for (j = 0; j < ph->nwaiters; j++) {
			if (ph->waiters[j].arg != arg)
				continue;
			memmove(&ph->waiters[j], &ph->waiters[j + 1],
			    (ph->nwaiters - j - 1) * sizeof(*ph->waiters));
			ph->nwaiters--;
			j--;
		}
	}
}

/* A fresh 63-bit non-zero operation id. */
static uint64_t
phase_new_id(void)
{
	uint64_t	id = 0;

	while (id == 0) {
		if (getrandom(&id, sizeof(id), 0) != sizeof(id))
			id = (uint64_t)time(NULL) ^ phase_now_ms() << 20;
		id &= INT64_MAX;
	}
	return (id);
}

/*
 * Drive a phase.  Returns 0 when the phase started or is being waited
 * for (cb is called once it ends), or an error, reported at once:
 * EXITPT_E_BUSY, EXITPT_E_PHASE, EXITPT_E_NO_OPERATION, EXITPT_E_VALUE.
 */
int
phase_drive(const struct proto_drive *d, phase_reply_cb cb, void *arg)
{
	struct operation	*op = &phase_op;
	struct registry_list	 list;
	size_t			 i;
	int			 error;

	if (d->op == EXITPT_OP_CHECK) {
		if (d->action != EXITPT_ACTION_MIGRATION &&
		    d->action != EXITPT_ACTION_HIBERNATION)
			return (EXITPT_E_VALUE);
		if (op->open)
			return (EXITPT_E_BUSY);
		/*
		 * The suspend programs are read fresh for each operation; if
		 * the registry cannot be read, no operation starts, rather
		 * than one that asks nobody.
		 */
		memset(&list, 0, sizeof(list));
		if ((error = phase_load(REGISTRY_SUSPEND, &list)) != 0)
			return (error);
		phase_op_clear(op);
		if (list.count > 0)
			op->parts = xcalloc(list.count, sizeof(*op->parts));
		for (i = 0; i < list.count; i++) {
			op->parts[i].kind = EXITPT_PARTICIPANT_PROGRAM;
			phase_entry_copy(&op->parts[i].entry,
			    &list.entries[i]);
		}
		op->nparts = list.count;
		registry_list_clear(&list);
		op->id = phase_new_id();
		op->action = d->action;
		op->validate_only = d->validate_only != 0;
		op->system_state = -1;
		op->open = 1;
		op->outcome = EXITPT_OUTCOME_RUNNING;
		journal_operation(op, "start");
		phase_wait(&op->ph[EXITPT_OP_CHECK], cb, arg);
		phase_start(op, EXITPT_OP_CHECK);
		return (0);
	}
	if (d->op != EXITPT_OP_PREPARE && d->op != EXITPT_OP_CANCEL &&
	    d->op != EXITPT_OP_COMPLETE)
		return (EXITPT_E_VALUE);
	if (!op->open || (d->operation != 0 && d->operation != op->id))
		return (EXITPT_E_NO_OPERATION);
	switch (d->op) {
	case EXITPT_OP_PREPARE:
		if (op->running)
			return (EXITPT_E_PHASE);
		if (op->recovered || op->cur != EXITPT_OP_CHECK ||
		    op->outcome != EXITPT_OUTCOME_ALLOWED)
			return (EXITPT_E_PHASE);
		phase_wait(&op->ph[EXITPT_OP_PREPARE], cb, arg);
		phase_start(op, EXITPT_OP_PREPARE);
		return (0);
	case EXITPT_OP_CANCEL:
		if (op->cur == EXITPT_OP_COMPLETE)
			return (EXITPT_E_PHASE);
		if (op->running && op->cur == EXITPT_OP_PREPARE) {
			/* Stop Prepare, then Cancel those that allowed. */
			op->cancel_pending = 1;
			phase_wait(&op->ph[EXITPT_OP_CANCEL], cb, arg);
			phase_window_cb(-1, 0, op);
			return (0);
		}
		if (op->running)
			return (EXITPT_E_PHASE);
		phase_wait(&op->ph[EXITPT_OP_CANCEL], cb, arg);
		phase_start(op, EXITPT_OP_CANCEL);
		return (0);
	case EXITPT_OP_COMPLETE:
		if (d->system_state != EXITPT_SYSTEM_NORMAL &&
		    d->system_state != EXITPT_SYSTEM_RESTRICTED)
			return (EXITPT_E_VALUE);
		if (op->running)
			return (EXITPT_E_PHASE);
		if (op->cur != EXITPT_OP_PREPARE &&
		    op->cur != EXITPT_OP_COMPLETE)
			return (EXITPT_E_PHASE);
		op->system_state = d->system_state;
		phase_wait(&op->ph[EXITPT_OP_COMPLETE], cb, arg);
		phase_start(op, EXITPT_OP_COMPLETE);
		return (0);
	}
	return (EXITPT_E_VALUE);
}

/*
 * exitd is stopping (SIGTERM): record that the phase in progress was
 * interrupted, so that the next exitd picks the operation up from the
 * journal, and stop the programs.
 */
void
phase_shutdown(void)
{
	struct operation	*op = &phase_op;

	if (op->open) {
		journal_operation(op, "interrupted");
		log_warnx("operation %016" PRIx64 " left open in phase %s; "
		    "the next exitd recovers it from the journal", op->id,
		    exitpt_phase_name(op->cur));
	}
	runner_shutdown();
	journal_sync();
	phase_op_clear(op);
}
