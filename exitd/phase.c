/*
 * The phase engine: SPEC section 2.  One operation at a time passes
 * through Check, Prepare, Cancel and Complete; each phase calls its
 * participants through their kind's part_ops, bounds every call, folds
 * the answers, and tells its observers (the journal, the control
 * socket's status waiters) and the drivers waiting on it.
 *
 * Drivers talk to the engine only through phase_drive(), which either
 * fails at once or calls the reply callback once the phase has ended, and
 * read it through phase_snapshot().  Kinds hand answers back only through
 * phase_answer(), naming the call by its id: a call is never found by
 * "the current phase", so an answer that comes late lands nowhere.
 */
#include <sys/queue.h>
#include <sys/random.h>

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exitd.h"

#define PHASE_BIT(k)	(1u << (k))

/* Why a running call was stopped early. */
enum phase_stop {
	PHASE_STOP_NONE,
	PHASE_STOP_LIMIT,	/* its own time limit */
	PHASE_STOP_WINDOW,	/* the end of the prepare window */
	PHASE_STOP_CANCEL,	/* a driver cancelled during Prepare */
};

struct part {
	const struct part_ops	*ops;
	char			*key;
	char			*who;
	int			 point;		/* REGISTRY_* */
	int32_t			 number;
	pid_t			 pid;
	int			 timeout[PHASE_NKINDS];	/* seconds, 0: none */
	void			*data;		/* the kind's */
	unsigned int		 called;	/* PHASE_BIT of each phase
						   that reached it */
	int			 allowed;	/* Check allowed: Cancel
						   goes here */
	int			 broken;	/* not restored: never called */
	json_t			*stale[PHASE_NKINDS];	/* recovery: the process
						   of a call never seen end */
	uint32_t		 hash;
	struct part		*hnext;
};

struct call {
	uint64_t		 id;
	struct phase		*ph;
	struct part		*part;
	struct event		*limit_ev;	/* its time limit */
	int			 started;
	int			 running;
	enum phase_stop		 stopped;
	pid_t			 pid;
	int32_t			 status;	/* Check answer as given */
	int32_t			 wait;
	int			 effective;	/* 1 allow, 0 veto */
	int			 end;		/* EXITPT_END_* */
	int			 code;
	char			*reason;	/* NULL: none (most calls) */
	uint64_t		 start_ms;
	uint64_t		 duration_ms;
	size_t			 output_dropped;
};

struct phase_waiter {
	engine_reply_cb		 cb;
	void			*arg;
};

struct phase {
	struct engine_op	*op;
	int			 kind;		/* EXITPT_OP_* */
	int			 outcome;	/* EXITPT_OUTCOME_* */
	int			 point;		/* REGISTRY_* it calls */
	int			 serial;	/* one call at a time */
	enum phase_stop		 stopping;	/* window elapsed, cancelled */
	int			 holding;	/* inside a loop over calls */
	struct call		*calls;
	size_t			 ncalls;
	size_t			 next;		/* next call to start */
	size_t			 nrunning;
	uint64_t		 first_id;	/* calls[i].id = first_id + i */
	uint64_t		 start_ms;
	uint64_t		 deadline_ms;	/* Prepare: end of the window */
	struct event		*window_ev;
	struct phase_waiter	*waiters;
	size_t			 nwaiters;
};

/*
 * A Check that supersedes the operation still open: it starts once that
 * operation's Cancel has ended (see phase_supersede).
 */
struct phase_successor {
	uint64_t		 id;		/* chosen at once, journalled
						   with the superseded one */
	int			 action;
	int			 validate_only;
	int			 force;
	char			*driver;
	engine_reply_cb		 cb;
	void			*arg;
	int			 forgotten;	/* its driver went away */
};

struct engine_op {
	uint64_t		 id;
	int			 action;
	int			 validate_only;
	int			 force;
	int			 resume_only;	/* Complete alone */
	uint64_t		 superseded_by;	/* replaced by a fresh Check */
	struct phase_successor	*successor;	/* that Check, until it starts */
	int			 system_state;	/* -1 until Complete */
	int			 open;		/* not over yet */
	int			 running;	/* a phase is running */
	int			 cur;		/* EXITPT_OP_* of the latest */
	int			 outcome;	/* EXITPT_OUTCOME_* */
	int			 window;	/* prepare window from Check */
	int			 recovered;	/* rebuilt from the journal */
	int			 cancel_pending; /* cancel once Prepare stops */
	int			 prepared;	/* Prepare started */
	int			 durable;	/* calls a durable kind: its
						   boundaries are synced */
	char			*driver;	/* who started it */
	char			*cancel_driver;	/* who cancelled during Prepare */
	struct part		**parts;	/* every participant reached */
	size_t			 nparts;
	size_t			 partcap;
	struct part		**hash;		/* by kind, point and key */
	size_t			 hashsize;	/* a power of two */
	struct phase		 ph[PHASE_NKINDS];
	struct event		*recovery_ev;
	struct engine_snapshot	*final;		/* ended: what status shows */
	size_t			 final_size;	/* bytes of that one block */
};

struct engine_observer {
	TAILQ_ENTRY(engine_observer) entry;
	engine_observer_cb	 cb;
	void			*arg;
	int			 dead;		/* removed while notifying */
};
TAILQ_HEAD(engine_observers, engine_observer);

static struct event_base	*phase_base;
static const char		*phase_dir;
static struct config		*phase_cfg;
static struct engine_op		*phase_op;
static uint64_t			 phase_gen = 1;
static uint64_t			 phase_next_call = 1;
static struct engine_observers	 phase_observers =
				    TAILQ_HEAD_INITIALIZER(phase_observers);
static int			 phase_notifying;

static struct engine_op *phase_op_new(void);
static void	 phase_op_free(struct engine_op *);
static void	 phase_phase_clear(struct phase *);
static uint32_t	 phase_hash(const struct part_ops *, int, const char *);
static struct part *phase_find_part(const struct engine_op *,
		     const struct part_ops *, int, const char *);
static int	 phase_key_ok(const char *);
static struct part *phase_new_part(struct engine_op *,
		     const struct part_ops *, int, const char *, const char *);
static struct call *phase_find_call(struct engine_op *, uint64_t);
static void	 phase_emit(struct engine_event *);
static int	 phase_followed(const struct engine_op *,
		     enum engine_event_type, int);
static void	 phase_emit_op(struct engine_op *, enum engine_event_type,
		     int, const char *);
static void	 phase_emit_call(struct engine_op *, enum engine_event_type,
		     struct call *, const char *);
static void	 phase_view(const struct call *, uint64_t,
		     struct engine_call_view *);
static int	 phase_reserve(struct engine_op *);
static void	 phase_end_stale(struct engine_op *);
static struct engine_snapshot *phase_snapshot_build(const struct engine_op *,
		     int, size_t *);
static struct engine_snapshot *phase_snapshot_copy(
		     const struct engine_snapshot *, size_t);
static void	 phase_op_compact(struct engine_op *);
static const struct engine_call_view *phase_final_call(
		     const struct engine_op *, uint64_t);
static int	 phase_collect(struct engine_op *, int);
static int	 phase_takes_part(struct engine_op *, const struct part *,
		     int);
static void	 phase_start(struct engine_op *, int, const char *);
static void	 phase_start_next(struct phase *);
static void	 phase_call_announce(struct phase *, struct call *);
static void	 phase_call_start(struct phase *, struct call *);
static void	 phase_barrier(struct engine_op *);
static void	 phase_limit_cb(evutil_socket_t, short, void *);
static void	 phase_late(struct engine_op *, struct call *,
		     const struct engine_call_view *, uint64_t,
		     const struct part_answer *, const char *);
static void	 phase_check_fold(struct engine_op *, struct call *);
static void	 phase_log_answer(const struct engine_op *,
		     const struct call *);
static void	 phase_stop_all(struct phase *, enum phase_stop);
static void	 phase_window_cb(evutil_socket_t, short, void *);
static void	 phase_maybe_end(struct phase *);
static void	 phase_end(struct engine_op *, struct phase *);
static int	 phase_check_verdict(const struct phase *);
static void	 phase_recovery_cb(evutil_socket_t, short, void *);
static void	 phase_arm_recovery(struct engine_op *);
static void	 phase_reply(struct phase *, int);
static void	 phase_op_end(struct engine_op *, int);
static void	 phase_wait(struct phase *, engine_reply_cb, void *);
static int64_t	 phase_bound_ms(const struct engine_op *,
		     const struct phase *, uint64_t);
static void	 phase_unctrl(char *);
static void	 phase_clean(char *, size_t, const char *);
static const char *phase_pool_copy(char **, const char *);
static void	 phase_free_parts(struct engine_op *);
static int	 phase_busy(void);
static int	 phase_same_driver(const char *, const char *);
static int	 phase_check_begin(uint64_t, const struct engine_request *,
		     engine_reply_cb, void *);
static int	 phase_supersede(const struct engine_request *,
		     engine_reply_cb, void *);
static void	 phase_successor_cb(evutil_socket_t, short, void *);
static void	 phase_successor_free(struct phase_successor *);
static int	 phase_drive_resume_only(const struct engine_request *,
		     engine_reply_cb, void *);

/* Milliseconds on the monotonic clock. */
uint64_t
phase_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* A fresh operation record: no operation yet (id 0). */
static struct engine_op *
phase_op_new(void)
{
	struct engine_op	*op;
	int			 i;

	op = xcalloc(1, sizeof(*op));
	op->system_state = -1;
	for (i = 0; i < PHASE_NKINDS; i++) {
		op->ph[i].op = op;
		op->ph[i].kind = i;
	}
	return (op);
}

/* Drop what one run of a phase holds (not its waiters). */
static void
phase_phase_clear(struct phase *ph)
{
	size_t	i;

	if (ph->window_ev != NULL)
		event_free(ph->window_ev);
	ph->window_ev = NULL;
	for (i = 0; i < ph->ncalls; i++) {
		if (ph->calls[i].limit_ev != NULL)
			event_free(ph->calls[i].limit_ev);
		free(ph->calls[i].reason);
	}
	free(ph->calls);
	ph->calls = NULL;
	ph->ncalls = ph->next = ph->nrunning = 0;
}

/* Free an operation's participants; the kinds free what they hang on. */
static void
phase_free_parts(struct engine_op *op)
{
	struct part	*p;
	size_t		 i;
	int		 k;

	for (i = 0; i < op->nparts; i++) {
		p = op->parts[i];
		if (p->ops->free != NULL)
			p->ops->free(p);
		for (k = 0; k < PHASE_NKINDS; k++)
			json_decref(p->stale[k]);
		free(p->key);
		free(p->who);
		free(p);
	}
	op->nparts = 0;
	if (op->hashsize > 0)
		memset(op->hash, 0, op->hashsize * sizeof(*op->hash));
}

/* Free an operation with its participants. */
static void
phase_op_free(struct engine_op *op)
{
	size_t	i;

	if (op == NULL)
		return;
	for (i = 0; i < PHASE_NKINDS; i++) {
		phase_phase_clear(&op->ph[i]);
		free(op->ph[i].waiters);
	}
	phase_free_parts(op);
	free(op->final);
	free(op->parts);
	free(op->hash);
	free(op->driver);
	free(op->cancel_driver);
	phase_successor_free(op->successor);
	if (op->recovery_ev != NULL)
		event_free(op->recovery_ev);
	free(op);
}

/*
 * Set up the engine, rebuild from the journal an operation that a
 * previous exitd left open, then start the kinds.  A recovered operation
 * waits for a driver and cancels by itself after the recovery timeout.
 */
void
phase_init(struct event_base *base, const char *state_dir,
    struct config *cfg)
{
	struct engine_op	*op;
	size_t			 i, n = 0;
	int			 rv;

	phase_base = base;
	phase_dir = state_dir;
	phase_cfg = cfg;
	op = phase_op = phase_op_new();
	if ((rv = journal_recover(op)) < 0)
		log_warnx("journal: cannot read %s: %s", journal_path(),
		    strerror(-rv));
	if (rv != 1) {
		phase_op_free(op);
		op = phase_op = phase_op_new();
	} else {
		op->open = 1;
		op->recovered = 1;
		op->outcome = EXITPT_OUTCOME_RECOVERED;
		op->ph[op->cur].outcome = EXITPT_OUTCOME_RECOVERED;
	}
	/* Replaying a long journal leaves the heap full of freed records. */
	malloc_trim(0);
	for (i = 0; part_kinds[i] != NULL; i++) {
		if (part_kinds[i]->init != NULL)
			part_kinds[i]->init(base, state_dir, cfg);
	}
	if (rv != 1)
		return;
	/* Before any Cancel or Complete: nothing of the old calls runs. */
	phase_end_stale(op);
	for (i = 0; i < op->nparts; i++) {
		if (op->parts[i]->point == REGISTRY_SUSPEND &&
		    !op->parts[i]->broken)
			n++;
	}
	log_info("operation %016" PRIx64 " recovered from the journal in "
	    "phase %s; %zu suspend participants known; %s in %d s unless a "
	    "driver continues it", op->id, exitpt_phase_name(op->cur), n,
	    op->cur == EXITPT_OP_COMPLETE ? "finishing Complete" :
	    "cancelling", cfg->recovery_timeout);
	phase_arm_recovery(op);
}

/* Change counter of the engine's state. */
uint64_t
phase_generation(void)
{
	return (phase_gen);
}

/* Subscribe to the engine's events; cb is called for each, in order. */
struct engine_observer *
phase_observe(engine_observer_cb cb, void *arg)
{
	struct engine_observer	*o;

	o = xcalloc(1, sizeof(*o));
	o->cb = cb;
	o->arg = arg;
	TAILQ_INSERT_TAIL(&phase_observers, o, entry);
	return (o);
}

/* Unsubscribe; safe from inside an observer's callback. */
void
phase_unobserve(struct engine_observer *o)
{
	if (o == NULL)
		return;
	if (phase_notifying) {
		o->dead = 1;
		return;
	}
	TAILQ_REMOVE(&phase_observers, o, entry);
	free(o);
}

/*
 * Count a change of state and tell every observer.  Observers removed
 * meanwhile are freed once the outermost notification is over.  A
 * barrier changes nothing, so it does not count.
 */
static void
phase_emit(struct engine_event *ev)
{
	struct engine_observer	*o, *next;

	if (ev->type != ENGINE_BARRIER)
		phase_gen++;
	phase_notifying++;
	TAILQ_FOREACH(o, &phase_observers, entry) {
		if (!o->dead)
			o->cb(ev, o->arg);
	}
	if (--phase_notifying > 0)
		return;
	for (o = TAILQ_FIRST(&phase_observers); o != NULL; o = next) {
		next = TAILQ_NEXT(o, entry);
		if (o->dead) {
			TAILQ_REMOVE(&phase_observers, o, entry);
			free(o);
		}
	}
}

/*
 * Whether another operation or phase boundary follows this one at once,
 * before any participant starts or any driver is answered (phase_end and
 * the starts of operations decide so): an operation start is followed by
 * its first phase's start, a vetoed Check by its Cancel, a validation, a
 * Cancel and a Complete by the operation's end.
 */
static int
phase_followed(const struct engine_op *op, enum engine_event_type type,
    int kind)
{
	if (type == ENGINE_OPERATION_STARTED)
		return (1);
	if (type != ENGINE_PHASE_ENDED)
		return (0);
	return (kind == EXITPT_OP_CANCEL || kind == EXITPT_OP_COMPLETE ||
	    (kind == EXITPT_OP_CHECK && op->ph[kind].outcome !=
	    EXITPT_OUTCOME_ALLOWED));
}

/* Tell the observers about the operation or its current phase. */
static void
phase_emit_op(struct engine_op *op, enum engine_event_type type, int kind,
    const char *driver)
{
	struct engine_event	ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.operation = op->id;
	ev.action = op->action;
	ev.validate_only = op->validate_only;
	ev.force = op->force;
	ev.phase = kind;
	ev.outcome = type == ENGINE_PHASE_ENDED ? op->ph[kind].outcome :
	    op->outcome;
	ev.window = op->window;
	ev.system_state = op->system_state;
	ev.ncalls = op->ph[kind].ncalls;
	ev.driver = driver;
	ev.resume_only = op->resume_only;
	ev.superseded_by = op->superseded_by;
	ev.followed = phase_followed(op, type, kind);
	ev.durable = op->durable;
	phase_emit(&ev);
}

/* Tell the observers about one call. */
static void
phase_emit_call(struct engine_op *op, enum engine_event_type type,
    struct call *c, const char *late)
{
	struct engine_event	ev;
	struct engine_call_view	view;

	phase_view(c, phase_now_ms(), &view);
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.operation = op->id;
	ev.action = op->action;
	ev.validate_only = op->validate_only;
	ev.force = op->force;
	ev.phase = c->ph->kind;
	ev.window = op->window;
	ev.system_state = op->system_state;
	ev.late = late;
	ev.call = &view;
	ev.part = c->part;
	phase_emit(&ev);
}

/* Describe a call as snapshots and events show it (strings borrowed). */
static void
phase_view(const struct call *c, uint64_t now, struct engine_call_view *v)
{
	const struct part	*p = c->part;

	memset(v, 0, sizeof(*v));
	v->id = c->id;
	v->phase = c->ph->kind;
	v->kind = p->ops->kind;
	v->kind_name = p->ops->name;
	v->who = p->who;
	v->key = p->key;
	v->point = p->point;
	v->number = p->number;
	v->pid = c->pid != 0 ? c->pid : p->pid;
	v->started = c->started;
	v->running = c->running;
	v->status = c->started ? c->status : EXITPT_STATUS_NONE;
	v->wait = c->started ? c->wait : EXITPT_WAIT_NONE;
	v->effective = c->started ? c->effective : 1;
	v->end = c->end;
	v->code = c->code;
	v->reason = c->reason != NULL ? c->reason : "";
	v->duration_ms = c->running && now > c->start_ms ? now - c->start_ms :
	    c->duration_ms;
	v->output_dropped = c->output_dropped;
	v->stopped = c->stopped == PHASE_STOP_LIMIT ? 1 : c->stopped ==
	    PHASE_STOP_WINDOW ? 2 : c->stopped == PHASE_STOP_CANCEL ? 3 : 0;
}

/* Hash of a participant's identity within an operation (FNV-1a). */
static uint32_t
phase_hash(const struct part_ops *ops, int point, const char *key)
{
	uint32_t	h = 2166136261u;

	h = (h ^ (uint32_t)ops->kind) * 16777619u;
	h = (h ^ (uint32_t)point) * 16777619u;
	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return (h);
}

/* The participant of op with this kind, point and key, or NULL. */
static struct part *
phase_find_part(const struct engine_op *op, const struct part_ops *ops,
    int point, const char *key)
{
	struct part	*p;
	uint32_t	 h;

	if (op->hashsize == 0)
		return (NULL);
	h = phase_hash(ops, point, key);
	for (p = op->hash[h & (op->hashsize - 1)]; p != NULL; p = p->hnext) {
		if (p->hash == h && p->ops == ops && p->point == point &&
		    strcmp(p->key, key) == 0)
			return (p);
	}
	return (NULL);
}

/* Add a participant to op (not checked for duplicates). */
static struct part *
phase_new_part(struct engine_op *op, const struct part_ops *ops, int point,
    const char *key, const char *who)
{
	struct part	*p, *q, *next;
	size_t		 i, size;

	if (op->nparts == op->partcap) {
		op->partcap = op->partcap == 0 ? 16 : op->partcap * 2;
		op->parts = xreallocarray(op->parts, op->partcap,
		    sizeof(*op->parts));
	}
	if (op->nparts >= op->hashsize) {
		/* Grow the table and move every chain over. */
		size = op->hashsize == 0 ? 64 : op->hashsize * 2;
		op->hash = xreallocarray(op->hash, size, sizeof(*op->hash));
		memset(op->hash + op->hashsize, 0, (size - op->hashsize) *
		    sizeof(*op->hash));
		for (i = 0; i < op->hashsize; i++) {
			q = op->hash[i];
			op->hash[i] = NULL;
			for (; q != NULL; q = next) {
				next = q->hnext;
				q->hnext = op->hash[q->hash & (size - 1)];
				op->hash[q->hash & (size - 1)] = q;
			}
		}
		op->hashsize = size;
	}
	p = xcalloc(1, sizeof(*p));
	p->ops = ops;
	p->point = point;
	p->key = xstrdup(key);
	p->who = xstrdup(who != NULL ? who : key);
	phase_unctrl(p->who);
	p->hash = phase_hash(ops, point, key);
	p->hnext = op->hash[p->hash & (op->hashsize - 1)];
	op->hash[p->hash & (op->hashsize - 1)] = p;
	op->parts[op->nparts++] = p;
	return (p);
}

/* Whether key can be a participant's key: one line, under PART_KEY_MAX. */
static int
phase_key_ok(const char *key)
{
	return (strlen(key) < PART_KEY_MAX && strchr(key, '\n') == NULL);
}

/*
 * A kind adds one of its participants to op (from collect).  NULL when op
 * already has it (restored from the journal: it was called already) or
 * its key is not one line of at most PART_KEY_MAX bytes.
 */
struct part *
phase_add_part(struct engine_op *op, const struct part_ops *ops, int point,
    const char *key, const char *who)
{
	if (!phase_key_ok(key)) {
		log_warnx("%s participant skipped: its key is not one line "
		    "of less than %d bytes", ops->name, PART_KEY_MAX);
		return (NULL);
	}
	if (phase_find_part(op, ops, point, key) != NULL)
		return (NULL);
	return (phase_new_part(op, ops, point, key, who));
}

/* The kind of a participant. */
const struct part_ops *
part_ops(const struct part *p)
{
	return (p->ops);
}

/* A participant's stable key. */
const char *
part_key(const struct part *p)
{
	return (p->key);
}

/* A participant's name for people. */
const char *
part_who(const struct part *p)
{
	return (p->who);
}

/* Rename a participant for display (control characters become spaces). */
void
part_set_who(struct part *p, const char *who)
{
	free(p->who);
	p->who = xstrdup(who);
	phase_unctrl(p->who);
}

/* The exit point a participant answers on (REGISTRY_*). */
int
part_point(const struct part *p)
{
	return (p->point);
}

/* A participant's number, 0 if it has none. */
int32_t
part_number(const struct part *p)
{
	return (p->number);
}

/* Set a participant's number. */
void
part_set_number(struct part *p, int32_t number)
{
	p->number = number;
}

/* The process a participant is, 0 if none. */
pid_t
part_pid(const struct part *p)
{
	return (p->pid);
}

/* Set the process a participant is. */
void
part_set_pid(struct part *p, pid_t pid)
{
	p->pid = pid;
}

/* Seconds a call of phase may take before the engine stops it (0: none). */
void
part_set_timeout(struct part *p, int phase, int seconds)
{
	if (phase > 0 && phase < PHASE_NKINDS)
		p->timeout[phase] = seconds > 0 ? seconds : 0;
}

/* What the kind hangs on a participant. */
void *
part_data(const struct part *p)
{
	return (p->data);
}

/* Hang the kind's data on a participant. */
void
part_set_data(struct part *p, void *data)
{
	p->data = data;
}

/* A call's id, to name it in phase_answer(). */
uint64_t
call_id(const struct call *c)
{
	return (c->id);
}

/* The phase a call belongs to (EXITPT_OP_*). */
int
call_phase(const struct call *c)
{
	return (c->ph->kind);
}

/* The participant a call reaches. */
struct part *
call_part(const struct call *c)
{
	return (c->part);
}

/* The operation a call belongs to. */
const struct engine_op *
call_op(const struct call *c)
{
	return (c->ph->op);
}

/* The process that runs this call, for reports (0: none). */
void
call_set_pid(struct call *c, pid_t pid)
{
	c->pid = pid > 0 ? pid : 0;
}

/*
 * Record what a running call's process is (process: a JSON object as
 * compact text, which the journal keeps as it is), so that a restarted
 * exitd can end what still runs of a call it never saw end (part_ops
 * end_stale gets it back parsed).
 */
void
call_set_process(struct call *c, const char *process)
{
	struct engine_event	ev;
	struct engine_call_view	view;
	struct engine_op	*op = c->ph->op;

	if (process == NULL)
		return;
	phase_view(c, phase_now_ms(), &view);
	memset(&ev, 0, sizeof(ev));
	ev.type = ENGINE_CALL_PROCESS;
	ev.operation = op->id;
	ev.action = op->action;
	ev.phase = c->ph->kind;
	ev.window = op->window;
	ev.system_state = op->system_state;
	ev.call = &view;
	ev.part = c->part;
	ev.process = process;
	phase_emit(&ev);
}

/*
 * A restarted exitd: before any phase runs, end what still runs of the
 * calls of the recovered operation that the last exitd never saw end,
 * each through its kind, and journal what was done.
 */
static void
phase_end_stale(struct engine_op *op)
{
	struct engine_event	 ev;
	struct part		*p;
	char			 how[256];
	size_t			 i;
	int			 k;

	for (i = 0; i < op->nparts; i++) {
		p = op->parts[i];
		for (k = 1; k < PHASE_NKINDS; k++) {
			if (p->stale[k] == NULL)
				continue;
			snprintf(how, sizeof(how), "not known how to end it");
			if (p->ops->end_stale != NULL)
				p->ops->end_stale(p, p->stale[k], how,
				    sizeof(how));
			json_decref(p->stale[k]);
			p->stale[k] = NULL;
			log_info("operation %016" PRIx64 ": %s %s %s, started by "
			    "the previous exitd: %s", op->id,
			    exitpt_phase_name(k), p->ops->name, p->key, how);
			memset(&ev, 0, sizeof(ev));
			ev.type = ENGINE_STALE_ENDED;
			ev.operation = op->id;
			ev.action = op->action;
			ev.phase = k;
			ev.window = op->window;
			ev.system_state = op->system_state;
			ev.part = p;
			ev.how = how;
			ev.durable = op->durable || p->ops->durable;
			phase_emit(&ev);
		}
	}
}

/* Operation id. */
uint64_t
engine_op_id(const struct engine_op *op)
{
	return (op->id);
}

/* EXITPT_ACTION_* of the operation. */
int
engine_op_action(const struct engine_op *op)
{
	return (op->action);
}

/* Prepare window granted by Check, seconds. */
int
engine_op_window(const struct engine_op *op)
{
	return (op->window);
}

/* System state given to Complete, -1 before. */
int
engine_op_system_state(const struct engine_op *op)
{
	return (op->system_state);
}

/* Whether the driver asked for force at Check. */
int
engine_op_force(const struct engine_op *op)
{
	return (op->force);
}

/* Whether Prepare ran (or began) in this operation. */
int
engine_op_prepared(const struct engine_op *op)
{
	return (op->prepared);
}

/*
 * Whether the operation has called, or its phase starting calls, a
 * participant of a durable kind (its journal is synced before calls).
 */
int
engine_op_durable(const struct engine_op *op)
{
	return (op->durable);
}

/* Every participant of every kind that exists now. */
void
phase_list(part_list_cb cb, void *arg)
{
	size_t	i;

	for (i = 0; part_kinds[i] != NULL; i++) {
		if (part_kinds[i]->list != NULL)
			part_kinds[i]->list(cb, arg);
	}
}

/*
 * Ask every kind for its participants of phase (Check: the suspend
 * participants, Complete: the resume ones).  Returns 0 or the first
 * kind's error; at Check that error refuses the operation, so that it
 * never starts asking nobody.
 */
static int
phase_collect(struct engine_op *op, int kind)
{
	const struct part_ops	*ops;
	size_t			 i;
	int			 error;

	for (i = 0; part_kinds[i] != NULL; i++) {
		ops = part_kinds[i];
		if (ops->collect == NULL ||
		    (error = ops->collect(op, kind)) == 0)
			continue;
		if (kind == EXITPT_OP_CHECK)
			return (error);
		log_warnx("operation %016" PRIx64 ": %s: cannot list every "
		    "%s participant (%s); going on with the others", op->id,
		    exitpt_phase_name(kind), ops->name,
		    exitpt_strerror(error));
	}
	return (0);
}

/*
 * Reserve the journal's space for op's participants (journal.c says why
 * when it cannot).  Returns 0 or -errno.
 */
static int
phase_reserve(struct engine_op *op)
{
	size_t	i, keys = 0;

	for (i = 0; i < op->nparts; i++)
		keys += strlen(op->parts[i]->key) + strlen(op->parts[i]->who);
	return (journal_reserve(op->nparts, keys));
}

/*
 * Whether phase kind calls p: on its exit point, at most once per
 * operation, Prepare and Cancel only those that Check called, Cancel
 * only those that allowed (rule 3); then the kind's own filter.
 */
static int
phase_takes_part(struct engine_op *op, const struct part *p, int kind)
{
	if (p->broken || p->point != op->ph[kind].point ||
	    (p->called & PHASE_BIT(kind)))
		return (0);
	if (kind == EXITPT_OP_PREPARE && !(p->called &
	    PHASE_BIT(EXITPT_OP_CHECK)))
		return (0);
	if (kind == EXITPT_OP_CANCEL && (!(p->called &
	    PHASE_BIT(EXITPT_OP_CHECK)) || !p->allowed))
		return (0);
	return (p->ops->takes_part == NULL ||
	    p->ops->takes_part(op, p, kind));
}

/*
 * Start a phase of kind on op: pick its participants, tell the observers
 * (the journal syncs), and start the calls (all at once, or the first when
 * serial).
 */
static void
phase_start(struct engine_op *op, int kind, const char *driver)
{
	struct phase	*ph = &op->ph[kind];
	struct timeval	 tv;
	size_t		 i, n = 0;

	/* A phase may run again (Complete after a restart). */
	phase_phase_clear(ph);
	ph->outcome = EXITPT_OUTCOME_RUNNING;
	ph->stopping = PHASE_STOP_NONE;
	ph->start_ms = phase_now_ms();
	ph->deadline_ms = 0;
	ph->point = kind == EXITPT_OP_COMPLETE ? REGISTRY_RESUME :
	    REGISTRY_SUSPEND;
	ph->serial = phase_cfg->point[ph->point].serial;
	op->cur = kind;
	op->running = 1;
	if (kind == EXITPT_OP_PREPARE)
		op->prepared = 1;
	if (op->recovery_ev != NULL)
		event_del(op->recovery_ev);
	/*
	 * Complete cannot veto and the system has resumed: a kind that
	 * cannot list its participants is logged and Complete goes on.
	 */
	if (kind == EXITPT_OP_COMPLETE) {
		phase_collect(op, kind);
		phase_reserve(op);
	}
	for (i = 0; i < op->nparts; i++) {
		if (phase_takes_part(op, op->parts[i], kind))
			n++;
	}
	if (n > 0)
		ph->calls = xcalloc(n, sizeof(*ph->calls));
	ph->first_id = phase_next_call;
	phase_next_call += n;
	for (i = 0; i < op->nparts && ph->ncalls < n; i++) {
		if (!phase_takes_part(op, op->parts[i], kind))
			continue;
		ph->calls[ph->ncalls].id = ph->first_id + ph->ncalls;
		ph->calls[ph->ncalls].ph = ph;
		ph->calls[ph->ncalls].part = op->parts[i];
		ph->calls[ph->ncalls].status = EXITPT_STATUS_NONE;
		ph->calls[ph->ncalls].wait = EXITPT_WAIT_NONE;
		ph->calls[ph->ncalls].effective = 1;
		if (op->parts[i]->ops->durable)
			op->durable = 1;
		ph->ncalls++;
	}
	phase_emit_op(op, ENGINE_PHASE_STARTED, kind, driver);
	log_info("operation %016" PRIx64 ": %s starts with %zu participants",
	    op->id, exitpt_phase_name(kind), ph->ncalls);

	if (kind == EXITPT_OP_PREPARE) {
		ph->deadline_ms = ph->start_ms + (uint64_t)op->window * 1000;
		ph->window_ev = evtimer_new(phase_base, phase_window_cb, ph);
		tv.tv_sec = op->window;
		tv.tv_usec = 0;
		if (ph->window_ev == NULL || evtimer_add(ph->window_ev, &tv) ==
		    -1)
			fatalx("phase: cannot arm the prepare window");
	}
	phase_start_next(ph);
	phase_maybe_end(ph);
}

/*
 * Start the next call, or all remaining ones when not serial.  The calls
 * of such a batch are all told to the observers first, then a barrier
 * puts them on record together (one journal write for a fan-out of a
 * thousand), then each starts: after a crash, each counts as reached.  A
 * call that answers at once ends inside this loop; the loop, not a
 * nested call, then goes on, so that a long serial phase does not
 * recurse.
 */
static void
phase_start_next(struct phase *ph)
{
	size_t	first, end, i;

	if (ph->holding)
		return;
	ph->holding = 1;
	while (ph->next < ph->ncalls && !ph->stopping) {
		if (ph->serial && ph->nrunning > 0)
			break;
		first = ph->next;
		end = ph->serial ? first + 1 : ph->ncalls;
		for (i = first; i < end; i++)
			phase_call_announce(ph, &ph->calls[i]);
		phase_barrier(ph->op);
		/* Nothing a start does can stop the phase meanwhile. */
		for (i = first; i < end; i++) {
			ph->next = i + 1;
			phase_call_start(ph, &ph->calls[i]);
		}
	}
	ph->holding = 0;
}

/*
 * A call is about to start: it runs from now on, and the observers hear
 * of it (the journal records it before the barrier that precedes its
 * start).
 */
static void
phase_call_announce(struct phase *ph, struct call *c)
{
	c->started = 1;
	c->running = 1;
	c->end = EXITPT_END_RUNNING;
	c->start_ms = phase_now_ms();
	c->part->called |= PHASE_BIT(ph->kind);
	ph->nrunning++;
	phase_emit_call(ph->op, ENGINE_CALL_STARTED, c, NULL);
}

/* What the observers were told must be on record before going on. */
static void
phase_barrier(struct engine_op *op)
{
	struct engine_event	ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = ENGINE_BARRIER;
	ev.operation = op->id;
	phase_emit(&ev);
}

/*
 * Call one participant, announced already: hand it to its kind, and
 * bound it by its time limit.
 */
static void
phase_call_start(struct phase *ph, struct call *c)
{
	struct part	*p = c->part;
	struct timeval	 tv;
	int		 limit = p->timeout[ph->kind];

	/* Its time counts from its own start, not from its batch's. */
	c->start_ms = phase_now_ms();
	p->ops->start(c);
	if (!c->running || limit <= 0)
		return;
	if ((c->limit_ev = evtimer_new(phase_base, phase_limit_cb, c)) ==
	    NULL)
		fatalx("phase: cannot create a call's time limit");
	/*
	 * Starting many calls takes a while: count the limit from now, not
	 * from when the loop last looked at the clock.
	 */
	event_base_update_cache_time(phase_base);
	tv.tv_sec = limit;
	tv.tv_usec = 0;
	evtimer_add(c->limit_ev, &tv);
}

/* A call is past its time limit: its kind stops it and then answers. */
static void
phase_limit_cb(evutil_socket_t fd, short events, void *arg)
{
	struct call	*c = arg;

	if (!c->running)
		return;
	log_info("operation %016" PRIx64 ": %s: %s %s: past its time limit "
	    "of %d s; stopping it", c->ph->op->id,
	    exitpt_phase_name(c->ph->kind), c->part->ops->name, c->part->key,
	    c->part->timeout[c->ph->kind]);
	c->stopped = PHASE_STOP_LIMIT;
	c->part->ops->stop(c);
}

/* The call of the current operation with this id, or NULL. */
static struct call *
phase_find_call(struct engine_op *op, uint64_t id)
{
	struct phase	*ph;
	int		 i;

	for (i = 0; i < PHASE_NKINDS; i++) {
		ph = &op->ph[i];
		if (id >= ph->first_id && id - ph->first_id < ph->ncalls)
			return (&ph->calls[id - ph->first_id]);
	}
	return (NULL);
}

/*
 * Make a participant's name safe for terminals and the log, in place:
 * control characters become spaces (bytes of UTF-8 text are kept).
 */
static void
phase_unctrl(char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
	}
}

/*
 * Copy a participant's reason (src, NULL for none) into dst of len bytes,
 * safe as phase_unctrl() makes it, and cut on a character, never in the
 * middle of one, when too long, so that UTF-8 stays UTF-8.  A reason that
 * fills the buffer exactly was cut already by its kind (every kind's
 * buffer is EXITD_REASON_MAX too): it loses a half character as well.
 */
static void
phase_clean(char *dst, size_t len, const char *src)
{
	if (src == NULL)
		src = "";
	if ((size_t)snprintf(dst, len, "%s", src) + 1 >= len)
		utf8_trim(dst);
	phase_unctrl(dst);
}

/*
 * Record an answer that no running call is waiting for, and otherwise
 * ignore it: the call is unknown (of an earlier operation, or a phase
 * that ran again), or has ended already (timed out, stopped at the end of
 * the window, or answered before).
 */
static void
phase_late(struct engine_op *op, struct call *c,
    const struct engine_call_view *ended, uint64_t id,
    const struct part_answer *a, const char *why)
{
	struct engine_event	ev;
	struct engine_call_view	view;
	char			reason[EXITD_REASON_MAX];

	memset(&view, 0, sizeof(view));
	if (c != NULL)
		phase_view(c, phase_now_ms(), &view);
	else if (ended != NULL) {
		/* A call of the operation that ended, as its status kept it. */
		view = *ended;
		why = ended->stopped == 1 ? "after its time limit" :
		    ended->stopped == 2 ? "after the prepare window" :
		    ended->stopped == 3 ? "after its call was cancelled" :
		    "the call had already ended";
	} else
		view.kind_name = view.who = view.key = "";
	phase_clean(reason, sizeof(reason), a->reason);
	view.id = id;
	view.running = 0;
	view.status = a->status;
	view.wait = a->wait;
	view.end = a->end;
	view.code = a->code;
	view.reason = reason;
	memset(&ev, 0, sizeof(ev));
	ev.type = ENGINE_LATE_ANSWER;
	ev.operation = op->id;
	ev.action = op->action;
	ev.validate_only = op->validate_only;
	ev.phase = c != NULL ? c->ph->kind : ended != NULL ? ended->phase :
	    op->cur;
	ev.window = op->window;
	ev.system_state = op->system_state;
	ev.late = why;
	ev.call = &view;
	ev.part = c != NULL ? c->part : NULL;
	log_info("operation %016" PRIx64 ": late answer for call %" PRIu64
	    "%s%s%s%s%s ignored: %s", op->id, id, *view.key != '\0' ? " (" :
	    "", view.kind_name, *view.key != '\0' ? " " : "", view.key,
	    *view.key != '\0' ? ")" : "", why);
	phase_emit(&ev);
}

/*
 * Log an answer.  The journal keeps every one; the log, read by people,
 * says at info level what needs their attention (a veto, an abnormal end:
 * a non-zero exit, a signal, a time limit, a refusal, an error, a
 * participant gone) and keeps ordinary answers for debugging, so that a
 * phase over a thousand participants is not a thousand lines.
 */
static void
phase_log_answer(const struct engine_op *op, const struct call *c)
{
	void	(*logf)(const char *, ...) __attribute__((format(printf, 1, 2)));
	int	normal;

	normal = (c->end == EXITPT_END_EXITED && c->code == 0) ||
	    c->end == EXITPT_END_ANSWERED;
	logf = normal && c->effective ? log_debug : log_info;
	logf("operation %016" PRIx64 ": %s: %s %s: %s %d%s%s", op->id,
	    exitpt_phase_name(c->ph->kind), c->part->ops->name, c->part->key,
	    exitpt_end_name(c->end), c->code, c->reason != NULL ? ": " : "",
	    c->reason != NULL ? c->reason : "");
}

/*
 * A kind hands back the answer of call id.  An answer for a call that is
 * not running in the current operation is recorded and ignored.
 */
void
phase_answer(uint64_t id, const struct part_answer *a)
{
	struct engine_op	*op = phase_op;
	struct call		*c;
	struct phase		*ph;
	char			 r[EXITD_REASON_MAX], full[EXITD_REASON_MAX];
	const char		*why;

	if ((c = phase_find_call(op, id)) == NULL) {
		phase_late(op, NULL, phase_final_call(op, id), id, a,
		    "no such call in the current operation");
		return;
	}
	if (!c->running) {
		why = c->end != EXITPT_END_TIMEDOUT ?
		    "the call had already ended" :
		    c->stopped == PHASE_STOP_LIMIT ?
		    "after its time limit" : c->stopped == PHASE_STOP_WINDOW ?
		    "after the prepare window" : c->stopped ==
		    PHASE_STOP_CANCEL ? "after its call was cancelled" :
		    "the call had already ended";
		phase_late(op, c, NULL, id, a, why);
		return;
	}
	ph = c->ph;
	if (c->limit_ev != NULL) {
		event_free(c->limit_ev);
		c->limit_ev = NULL;
	}
	c->running = 0;
	c->end = a->end;
	if (c->end <= EXITPT_END_RUNNING || c->end > EXITPT_END_GONE) {
		log_warnx("%s participant %s: answer with no valid end (%d) "
		    "counted as an error", c->part->ops->name, c->part->key,
		    a->end);
		c->end = EXITPT_END_ERROR;
	}
	c->code = a->code;
	c->duration_ms = phase_now_ms() - c->start_ms;
	c->output_dropped = a->output_dropped;
	phase_clean(r, sizeof(r), a->reason);
	if (c->stopped >= PHASE_STOP_WINDOW && c->end == EXITPT_END_TIMEDOUT) {
		if ((size_t)snprintf(full, sizeof(full), "%s (%s)",
		    c->stopped == PHASE_STOP_CANCEL ?
		    "stopped: the operation was cancelled" :
		    "still running at the end of the prepare window", r) >=
		    sizeof(full))
			utf8_trim(full);
		c->reason = xstrdup(full);
	} else if (r[0] != '\0')
		c->reason = xstrdup(r);
	if (ph->kind == EXITPT_OP_CHECK) {
		c->status = a->status;
		c->wait = a->wait;
		phase_check_fold(op, c);
	}
	ph->nrunning--;
	phase_emit_call(op, ENGINE_ANSWER, c, NULL);
	phase_log_answer(op, c);
	phase_start_next(ph);
	phase_maybe_end(ph);
}

/*
 * Fold a Check answer by rule 1.  A normal end is an exit with status 0
 * or an answer: then only an explicit status 0 vetoes.  Every other end
 * (an exit code, a signal, a time limit, a refusal, an error, a
 * participant gone) counts as allow, unless the suspend exit point is
 * configured check-failure veto.  Wait times outside 1..900 count as 1.
 */
static void
phase_check_fold(struct engine_op *op, struct call *c)
{
	int	normal;

	normal = (c->end == EXITPT_END_EXITED && c->code == 0) ||
	    c->end == EXITPT_END_ANSWERED;
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
 * Stop every running call of ph (the window elapsed, or a driver
 * cancelled) and start no more; the phase ends once every stopped call
 * has answered.
 */
static void
phase_stop_all(struct phase *ph, enum phase_stop why)
{
	struct call	*c;
	size_t		 i;
	int		 held = ph->holding;

	ph->stopping = why;
	ph->holding = 1;
	for (i = 0; i < ph->next; i++) {
		c = &ph->calls[i];
		if (!c->running)
			continue;
		if (c->limit_ev != NULL)
			evtimer_del(c->limit_ev);
		c->stopped = why;
		c->part->ops->stop(c);
	}
	ph->holding = held;
	phase_maybe_end(ph);
}

/* The prepare window elapsed. */
static void
phase_window_cb(evutil_socket_t fd, short events, void *arg)
{
	struct phase	*ph = arg;

	log_info("operation %016" PRIx64 ": prepare window of %d s elapsed",
	    ph->op->id, ph->op->window);
	phase_stop_all(ph, PHASE_STOP_WINDOW);
}

/* End the phase when nothing runs and nothing is left to start. */
static void
phase_maybe_end(struct phase *ph)
{
	struct engine_op	*op = ph->op;
	size_t			 i;

	if (ph->holding || ph->nrunning > 0 || !op->running ||
	    op->cur != ph->kind)
		return;
	if (ph->next < ph->ncalls && !ph->stopping)
		return;
	for (i = ph->next; i < ph->ncalls; i++) {
		ph->calls[i].end = EXITPT_END_SKIPPED;
		xasprintf(&ph->calls[i].reason, "not started: %s",
		    ph->stopping == PHASE_STOP_CANCEL ? "cancelled" :
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

/*
 * Close the operation with its outcome: the observers hear of it (and
 * act on it: a kind may lower a flag) before the log says so.
 */
static void
phase_op_end(struct engine_op *op, int outcome)
{
	op->outcome = outcome;
	op->open = 0;
	op->running = 0;
	if (op->recovery_ev != NULL)
		event_del(op->recovery_ev);
	phase_emit_op(op, ENGINE_OPERATION_ENDED, op->cur, NULL);
	log_info("operation %016" PRIx64 " %s", op->id,
	    exitpt_outcome_name(outcome));
	/*
	 * An operation with many participants leaves the heap full of
	 * freed buffers; give them back so that an idle exitd stays small.
	 */
	malloc_trim(0);
}

/* The Check verdict (rule 1): vetoed when one effective answer vetoes. */
static int
phase_check_verdict(const struct phase *ph)
{
	size_t	i;

	for (i = 0; i < ph->ncalls; i++) {
		if (!ph->calls[i].effective)
			return (1);
	}
	return (0);
}

/* A phase has ended: decide what follows, tell the observers, reply. */
static void
phase_end(struct engine_op *op, struct phase *ph)
{
	int	vetoed, outcome = -1;

	if (ph->window_ev != NULL)
		evtimer_del(ph->window_ev);
	op->running = 0;
	switch (ph->kind) {
	case EXITPT_OP_CHECK:
		vetoed = phase_check_verdict(ph);
		ph->outcome = vetoed ? EXITPT_OUTCOME_VETOED :
		    op->validate_only ? EXITPT_OUTCOME_VALIDATED :
		    EXITPT_OUTCOME_ALLOWED;
		if (op->window == 0)
			op->window = EXITPT_WAIT_MIN;
		phase_emit_op(op, ENGINE_PHASE_ENDED, ph->kind, NULL);
		if (vetoed) {
			/*
			 * Rule 3: a vetoed Check is a cancelled operation;
			 * the Check drivers get their reply once Cancel has
			 * reached those that allowed.
			 */
			op->outcome = EXITPT_OUTCOME_VETOED;
			phase_start(op, EXITPT_OP_CANCEL,
			    "exitd (Check vetoed)");
			return;
		}
		if (op->validate_only)
			outcome = EXITPT_OUTCOME_VALIDATED;
		else {
			op->outcome = EXITPT_OUTCOME_ALLOWED;
			phase_arm_recovery(op);
		}
		break;
	case EXITPT_OP_PREPARE:
		ph->outcome = op->cancel_pending ? EXITPT_OUTCOME_CANCELLED :
		    EXITPT_OUTCOME_PREPARED;
		phase_emit_op(op, ENGINE_PHASE_ENDED, ph->kind, NULL);
		if (op->cancel_pending) {
			phase_reply(ph, 0);
			phase_start(op, EXITPT_OP_CANCEL, op->cancel_driver);
			return;
		}
		op->outcome = EXITPT_OUTCOME_PREPARED;
		phase_arm_recovery(op);
		break;
	case EXITPT_OP_CANCEL:
		ph->outcome = EXITPT_OUTCOME_CANCELLED;
		phase_emit_op(op, ENGINE_PHASE_ENDED, ph->kind, NULL);
		outcome = op->ph[EXITPT_OP_CHECK].outcome ==
		    EXITPT_OUTCOME_VETOED ? EXITPT_OUTCOME_VETOED :
		    EXITPT_OUTCOME_CANCELLED;
		break;
	case EXITPT_OP_COMPLETE:
		ph->outcome = EXITPT_OUTCOME_COMPLETED;
		phase_emit_op(op, ENGINE_PHASE_ENDED, ph->kind, NULL);
		outcome = EXITPT_OUTCOME_COMPLETED;
		break;
	}
	if (outcome != -1)
		phase_op_end(op, outcome);
	if (ph->kind == EXITPT_OP_CANCEL)
		phase_reply(&op->ph[EXITPT_OP_CHECK], 0);
	phase_reply(ph, 0);
	if (outcome != -1)
		phase_op_compact(op);
	/*
	 * The superseding Check starts from the loop: starting it here would
	 * free this operation while its callers still hold it.
	 */
	if (op->successor != NULL && !op->open && event_base_once(phase_base,
	    -1, EV_TIMEOUT, phase_successor_cb, NULL, NULL) == -1)
		fatalx("phase: cannot schedule the superseding Check");
}

/*
 * Between phases the operation waits for its driver; if none comes back
 * within the recovery timeout the engine cancels by itself, so that
 * participants never stay reserved for a migration that will not happen.
 */
static void
phase_arm_recovery(struct engine_op *op)
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
	struct engine_op	*op = arg;

	if (!op->open || op->running)
		return;
	if (op->cur == EXITPT_OP_COMPLETE) {
		log_warnx("operation %016" PRIx64 ": no driver within %d s; "
		    "finishing Complete", op->id,
		    phase_cfg->recovery_timeout);
		phase_start(op, EXITPT_OP_COMPLETE,
		    "exitd (recovery timeout)");
		return;
	}
	log_warnx("operation %016" PRIx64 ": no driver within %d s; "
	    "cancelling", op->id, phase_cfg->recovery_timeout);
	phase_start(op, EXITPT_OP_CANCEL, "exitd (recovery timeout)");
}

/* Add a waiter for a phase's end. */
static void
phase_wait(struct phase *ph, engine_reply_cb cb, void *arg)
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

	if (phase_op->successor != NULL && phase_op->successor->arg == arg)
		phase_op->successor->forgotten = 1;
	for (i = 0; i < PHASE_NKINDS; i++) {
		ph = &phase_op->ph[i];
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
 * Whether a new operation must wait: one is open, or a superseded one is
 * ending and its successor has not started yet.
 */
static int
phase_busy(void)
{
	return (phase_op->open || phase_op->successor != NULL);
}

/*
 * Whether two drivers are the same for superseding: the same uid and the
 * same name in "uid U pid P (name)" (control.c's form); the pid differs
 * from one run of a hook to the next.
 */
static int
phase_same_driver(const char *a, const char *b)
{
	long	ua, ub;
	int	na = -1, nb = -1;

	if (a == NULL || b == NULL ||
	    sscanf(a, "uid %ld pid %*d %n", &ua, &na) != 1 || na < 0 ||
	    sscanf(b, "uid %ld pid %*d %n", &ub, &nb) != 1 || nb < 0)
		return (0);
	return (ua == ub && strcmp(a + na, b + nb) == 0);
}

/*
 * Start operation id with Check.  Its participants are collected into a
 * new operation record first; if a kind cannot list them, no operation
 * starts (rather than one that asks nobody) and the last one stays on
 * show.
 */
static int
phase_check_begin(uint64_t id, const struct engine_request *req,
    engine_reply_cb cb, void *arg)
{
	struct engine_op	*op;
	int			 error;

	op = phase_op_new();
	op->id = id;
	op->action = req->action;
	op->validate_only = req->validate_only != 0;
	op->force = req->force != 0;
	op->driver = xstrdup(req->driver != NULL ? req->driver : "unknown");
	if ((error = phase_collect(op, EXITPT_OP_CHECK)) != 0) {
		phase_op_free(op);
		return (error);
	}
	/* An operation that cannot be journalled must not start. */
	if (phase_reserve(op) != 0) {
		phase_op_free(op);
		return (EXITPT_E_JOURNAL);
	}
	phase_op_free(phase_op);
	phase_op = op;
	op->open = 1;
	op->outcome = EXITPT_OUTCOME_RUNNING;
	log_info("operation %016" PRIx64 " (%s%s) started by %s", op->id,
	    op->action == EXITPT_ACTION_MIGRATION ? "migration" :
	    "hibernation", op->validate_only ? ", validation only" : "",
	    op->driver);
	phase_emit_op(op, ENGINE_OPERATION_STARTED, EXITPT_OP_CHECK,
	    op->driver);
	phase_wait(&op->ph[EXITPT_OP_CHECK], cb, arg);
	phase_start(op, EXITPT_OP_CHECK, op->driver);
	return (0);
}

/*
 * A Check from the driver that opened the current operation, which still
 * waits between Check and Prepare (drmgr's check cannot tell an HMC
 * Validate from a migration, and the HMC may validate again): Cancel to
 * those that allowed, the operation journalled as superseded by the new
 * one, then the new Check.  No busy, no wait for the recovery timeout.
 */
static int
phase_supersede(const struct engine_request *req, engine_reply_cb cb,
    void *arg)
{
	struct engine_op	*op = phase_op;
	struct phase_successor	*s;
	char			*why;

	if (!req->supersede || op->running || op->cur != EXITPT_OP_CHECK ||
	    (op->outcome != EXITPT_OUTCOME_ALLOWED && !op->recovered) ||
	    !phase_same_driver(op->driver, req->driver))
		return (EXITPT_E_BUSY);
	s = xcalloc(1, sizeof(*s));
	s->id = phase_new_id();
	s->action = req->action;
	s->validate_only = req->validate_only != 0;
	s->force = req->force != 0;
	s->driver = xstrdup(req->driver);
	s->cb = cb;
	s->arg = arg;
	op->successor = s;
	op->superseded_by = s->id;
	log_info("operation %016" PRIx64 " superseded by operation %016"
	    PRIx64 ", a new Check from %s; cancelling it first", op->id,
	    s->id, s->driver);
	xasprintf(&why, "exitd (superseded by %016" PRIx64 ")", s->id);
	phase_start(op, EXITPT_OP_CANCEL, why);
	free(why);
	return (0);
}

/* The superseded operation has ended: start its successor's Check. */
static void
phase_successor_cb(evutil_socket_t fd, short events, void *arg)
{
	struct phase_successor	*s;
	struct engine_request	 req;
	int			 error;

	if (phase_op == NULL || (s = phase_op->successor) == NULL ||
	    phase_op->open)
		return;
	phase_op->successor = NULL;
	if (s->forgotten) {
		log_info("operation %016" PRIx64 " not started: %s went away "
		    "while the operation it superseded was cancelled", s->id,
		    s->driver);
		phase_successor_free(s);
		return;
	}
	memset(&req, 0, sizeof(req));
	req.phase = EXITPT_OP_CHECK;
	req.action = s->action;
	req.validate_only = s->validate_only;
	req.force = s->force;
	req.driver = s->driver;
	if ((error = phase_check_begin(s->id, &req, s->cb, s->arg)) != 0)
		s->cb(error, EXITPT_OP_CHECK, s->arg);
	phase_successor_free(s);
}

/* Free a successor that will not start, or has. */
static void
phase_successor_free(struct phase_successor *s)
{
	if (s == NULL)
		return;
	free(s->driver);
	free(s);
}

/* Start an operation with Check, or supersede the driver's own. */
static int
phase_drive_check(const struct engine_request *req, engine_reply_cb cb,
    void *arg)
{
	if (req->action != EXITPT_ACTION_MIGRATION &&
	    req->action != EXITPT_ACTION_HIBERNATION)
		return (EXITPT_E_VALUE);
	if (phase_op->successor != NULL)
		return (EXITPT_E_BUSY);
	if (phase_op->open)
		return (phase_supersede(req, cb, arg));
	return (phase_check_begin(phase_new_id(), req, cb, arg));
}

/*
 * Complete with no operation open: a resume-only operation, whose only
 * phase calls the resume participants (a system restored where no Check
 * ran, such as a process that CRIU restored on another host).
 */
static int
phase_drive_resume_only(const struct engine_request *req, engine_reply_cb cb,
    void *arg)
{
	struct engine_op	*op;

	if ((req->action != EXITPT_ACTION_MIGRATION &&
	    req->action != EXITPT_ACTION_HIBERNATION) || req->operation != 0)
		return (EXITPT_E_VALUE);
	if (phase_busy())
		return (EXITPT_E_BUSY);
	op = phase_op_new();
	op->id = phase_new_id();
	op->action = req->action;
	op->resume_only = 1;
	op->system_state = req->system_state;
	op->driver = xstrdup(req->driver != NULL ? req->driver : "unknown");
	phase_op_free(phase_op);
	phase_op = op;
	op->open = 1;
	op->outcome = EXITPT_OUTCOME_RUNNING;
	log_info("operation %016" PRIx64 " (%s, resume only) started by %s",
	    op->id, op->action == EXITPT_ACTION_MIGRATION ? "migration" :
	    "hibernation", op->driver);
	phase_emit_op(op, ENGINE_OPERATION_STARTED, EXITPT_OP_COMPLETE,
	    op->driver);
	phase_wait(&op->ph[EXITPT_OP_COMPLETE], cb, arg);
	phase_start(op, EXITPT_OP_COMPLETE, op->driver);
	return (0);
}

/*
 * Drive a phase.  Returns 0 when the phase started or is being waited
 * for (cb is called once it ends, possibly before this returns), or an
 * error, reported at once: EXITPT_E_BUSY, EXITPT_E_PHASE,
 * EXITPT_E_NO_OPERATION, EXITPT_E_VALUE, or a kind's error at Check.
 */
int
phase_drive(const struct engine_request *req, engine_reply_cb cb, void *arg)
{
	struct engine_op	*op = phase_op;

	if (req->phase == EXITPT_OP_CHECK)
		return (phase_drive_check(req, cb, arg));
	if (req->phase != EXITPT_OP_PREPARE && req->phase != EXITPT_OP_CANCEL &&
	    req->phase != EXITPT_OP_COMPLETE)
		return (EXITPT_E_VALUE);
	if (req->phase == EXITPT_OP_COMPLETE &&
	    req->system_state != EXITPT_SYSTEM_NORMAL &&
	    req->system_state != EXITPT_SYSTEM_RESTRICTED)
		return (EXITPT_E_VALUE);
	if (req->phase == EXITPT_OP_COMPLETE && req->resume_only)
		return (phase_drive_resume_only(req, cb, arg));
	if (!op->open || (req->operation != 0 && req->operation != op->id))
		return (EXITPT_E_NO_OPERATION);
	switch (req->phase) {
	case EXITPT_OP_PREPARE:
		/*
		 * A driver's retry (drmgr repeats pre) never runs Prepare
		 * twice: it waits for the Prepare running, or has the
		 * report of the one that ended.
		 */
		if (op->cur == EXITPT_OP_PREPARE && !op->cancel_pending &&
		    (op->running || op->outcome == EXITPT_OUTCOME_PREPARED)) {
			log_info("operation %016" PRIx64 ": Prepare again "
			    "from %s: not run twice", op->id, req->driver !=
			    NULL ? req->driver : "unknown");
			if (op->running)
				phase_wait(&op->ph[EXITPT_OP_PREPARE], cb, arg);
			else
				cb(0, EXITPT_OP_PREPARE, arg);
			return (0);
		}
		if (op->running || op->recovered ||
		    op->cur != EXITPT_OP_CHECK ||
		    op->outcome != EXITPT_OUTCOME_ALLOWED)
			return (EXITPT_E_PHASE);
		phase_wait(&op->ph[EXITPT_OP_PREPARE], cb, arg);
		phase_start(op, EXITPT_OP_PREPARE, req->driver);
		return (0);
	case EXITPT_OP_CANCEL:
		if (op->cur == EXITPT_OP_COMPLETE)
			return (EXITPT_E_PHASE);
		if (op->running && op->cur == EXITPT_OP_PREPARE) {
			/* Stop Prepare, then Cancel those that allowed. */
			if (!op->cancel_pending) {
				op->cancel_driver = xstrdup(req->driver !=
				    NULL ? req->driver : "unknown");
				log_info("operation %016" PRIx64 ": cancelled "
				    "during Prepare by %s; stopping its "
				    "participants", op->id, op->cancel_driver);
			}
			op->cancel_pending = 1;
			phase_wait(&op->ph[EXITPT_OP_CANCEL], cb, arg);
			if (!op->ph[EXITPT_OP_PREPARE].stopping)
				phase_stop_all(&op->ph[EXITPT_OP_PREPARE],
				    PHASE_STOP_CANCEL);
			return (0);
		}
		if (op->running)
			return (EXITPT_E_PHASE);
		phase_wait(&op->ph[EXITPT_OP_CANCEL], cb, arg);
		phase_start(op, EXITPT_OP_CANCEL, req->driver);
		return (0);
	case EXITPT_OP_COMPLETE:
		if (op->running || (op->cur != EXITPT_OP_PREPARE &&
		    op->cur != EXITPT_OP_COMPLETE))
			return (EXITPT_E_PHASE);
		op->system_state = req->system_state;
		phase_wait(&op->ph[EXITPT_OP_COMPLETE], cb, arg);
		phase_start(op, EXITPT_OP_COMPLETE, req->driver);
		return (0);
	}
	return (EXITPT_E_VALUE);
}

/*
 * Longest the running phase ph can still take, in milliseconds, with the
 * grace a stopped participant may need to end: Prepare by its window,
 * the other phases by their calls' time limits (the longest one, or their
 * sum when serial).  -1 when a call has no limit.
 */
static int64_t
phase_bound_ms(const struct engine_op *op, const struct phase *ph,
    uint64_t now)
{
	const struct call	*c;
	int64_t			 left, bound = 0;
	size_t			 i;
	int			 limit;

	if (!op->running || op->cur != ph->kind)
		return (0);
	if (ph->kind == EXITPT_OP_PREPARE)
		return ((ph->deadline_ms > now ? (int64_t)(ph->deadline_ms -
		    now) : 0) + EXITD_GRACE * 1000);
	for (i = 0; i < ph->ncalls; i++) {
		c = &ph->calls[i];
		if (c->started && !c->running)
			continue;
		if ((limit = c->part->timeout[ph->kind]) <= 0)
			return (-1);
		left = (int64_t)limit * 1000;
		if (c->running) {
			left -= (int64_t)(now - c->start_ms);
			if (left < 0 || c->stopped != PHASE_STOP_NONE)
				left = 0;
		}
		if (ph->serial)
			bound += left;
		else if (left > bound)
			bound = left;
	}
	return (bound + EXITD_GRACE * 1000);
}

/* Copy a string to the pool of a snapshot and move past it. */
static const char *
phase_pool_copy(char **pool, const char *src)
{
	char	*dst = *pool;
	size_t	 len = strlen(src) + 1;

	memcpy(dst, src, len);
	*pool += len;
	return (dst);
}

/*
 * A snapshot of phase kind (-1: the current or last one) of the current
 * or last operation, in one allocation that phase_snapshot_free()
 * releases.  It copies every string, so it stays valid and unchanged
 * whatever the engine does next.
 */
struct engine_snapshot *
phase_snapshot(int kind)
{
	const struct engine_op	*op = phase_op;
	size_t			 size;

	if (op->final != NULL && (kind < 0 || kind == op->final->phase))
		return (phase_snapshot_copy(op->final, op->final_size));
	return (phase_snapshot_build(op, kind, &size));
}

/*
 * A copy of a snapshot block of size bytes: the views and the strings
 * live in the block, so their pointers move with it.
 */
static struct engine_snapshot *
phase_snapshot_copy(const struct engine_snapshot *src, size_t size)
{
	struct engine_snapshot	*s;
	ptrdiff_t		 delta;
	size_t			 i;

	s = xmalloc(size);
	memcpy(s, src, size);
	delta = (char *)s - (const char *)src;
#define PHASE_MOVE(p)	((p) = (void *)((char *)(p) + delta))
	PHASE_MOVE(s->calls);
	PHASE_MOVE(s->driver);
	for (i = 0; i < s->ncalls; i++) {
		PHASE_MOVE(s->calls[i].who);
		PHASE_MOVE(s->calls[i].key);
		PHASE_MOVE(s->calls[i].reason);
		s->calls[i].kind_name = src->calls[i].kind_name;
	}
#undef PHASE_MOVE
	s->generation = phase_gen;
	return (s);
}

/* Build a snapshot of phase kind of op in one block; its size in *sizep. */
static struct engine_snapshot *
phase_snapshot_build(const struct engine_op *op, int kind, size_t *sizep)
{
	const struct phase	*ph;
	struct engine_snapshot	*s;
	struct engine_call_view	*v;
	uint64_t		 now = phase_now_ms();
	size_t			 i, size;
	char			*pool;

	if (kind < 0 || kind >= PHASE_NKINDS)
		kind = op->cur;
	ph = &op->ph[kind];
	size = sizeof(*s) + ph->ncalls * sizeof(*s->calls);
	size += (op->driver != NULL ? strlen(op->driver) : 0) + 1;
	for (i = 0; i < ph->ncalls; i++)
		size += strlen(ph->calls[i].part->who) +
		    strlen(ph->calls[i].part->key) +
		    (ph->calls[i].reason != NULL ?
		    strlen(ph->calls[i].reason) : 0) + 3;
	s = xcalloc(1, size);
	*sizep = size;
	s->calls = (struct engine_call_view *)(s + 1);
	pool = (char *)(s->calls + ph->ncalls);
	s->driver = phase_pool_copy(&pool, op->driver != NULL ? op->driver :
	    "");
	for (i = 0; i < ph->ncalls; i++) {
		v = &s->calls[i];
		phase_view(&ph->calls[i], now, v);
		v->who = phase_pool_copy(&pool, ph->calls[i].part->who);
		v->key = phase_pool_copy(&pool, ph->calls[i].part->key);
		v->reason = phase_pool_copy(&pool, ph->calls[i].reason !=
		    NULL ? ph->calls[i].reason : "");
	}
	s->ncalls = ph->ncalls;
	s->generation = phase_gen;
	s->operation = op->id;
	s->action = op->action;
	s->open = op->open;
	s->running = op->running && op->cur == kind;
	s->recovered = op->recovered;
	s->validate_only = op->validate_only;
	s->phase = kind;
	s->outcome = ph->outcome;
	s->op_outcome = op->outcome;
	s->window = op->window;
	if (s->running && kind == EXITPT_OP_PREPARE && ph->deadline_ms > now)
		s->window_left_ms = (int64_t)(ph->deadline_ms - now);
	s->bound_ms = phase_bound_ms(op, ph, now);
	s->system_state = op->id == 0 ? -1 : op->system_state;
	return (s);
}

/*
 * The view, kept in the ended operation's status, of call id of its last
 * phase, or NULL: what a late answer to it is journalled against.
 */
static const struct engine_call_view *
phase_final_call(const struct engine_op *op, uint64_t id)
{
	const struct engine_snapshot	*f = op->final;

	if (f == NULL || f->ncalls == 0 || id < f->calls[0].id ||
	    id - f->calls[0].id >= f->ncalls)
		return (NULL);
	return (&f->calls[id - f->calls[0].id]);
}

/*
 * An operation has ended and its drivers have their replies: keep only
 * what a status shows of it (a snapshot of its last phase, one block)
 * and free its participants and calls, so that an exitd that ran a
 * thousand programs goes back to its idle size.
 */
static void
phase_op_compact(struct engine_op *op)
{
	int	i;

	free(op->final);
	op->final = phase_snapshot_build(op, -1, &op->final_size);
	for (i = 0; i < PHASE_NKINDS; i++)
		phase_phase_clear(&op->ph[i]);
	phase_free_parts(op);
	free(op->parts);
	op->parts = NULL;
	op->partcap = 0;
	free(op->hash);
	op->hash = NULL;
	op->hashsize = 0;
	malloc_trim(0);
}

/* Release a snapshot; NULL is allowed. */
void
phase_snapshot_free(struct engine_snapshot *s)
{
	free(s);
}

/*
 * Find (and, for a call record, rebuild) the participant a journal
 * record names.  A participant whose kind is unknown, or that its kind
 * cannot restore, is reported; a rebuilt one that cannot be restored is
 * kept as broken, so that it is never called and its key still counts.
 */
static struct part *
phase_replay_part(struct engine_op *op, const struct engine_record *rec,
    int add)
{
	const struct part_ops	*ops;
	struct part		*p;

	if (rec->kind == NULL || rec->key == NULL)
		return (NULL);
	if (!phase_key_ok(rec->key)) {
		log_warnx("journal: operation %016" PRIx64 ": participant "
		    "skipped: a key of %zu bytes that is not one line of less "
		    "than %d bytes", op->id, strlen(rec->key), PART_KEY_MAX);
		return (NULL);
	}
	if ((ops = part_kind_find(rec->kind)) == NULL) {
		log_warnx("journal: operation %016" PRIx64 ": participant "
		    "'%s' of unknown kind '%.32s' skipped", op->id, rec->key,
		    rec->kind);
		return (NULL);
	}
	if ((p = phase_find_part(op, ops, rec->point, rec->key)) != NULL ||
	    !add)
		return (p);
	p = phase_new_part(op, ops, rec->point, rec->key, rec->who);
	p->number = rec->number;
	if (ops->restore == NULL || rec->identity == NULL ||
	    ops->restore(p, rec->identity) != 0) {
		log_warnx("journal: operation %016" PRIx64 ": %s participant "
		    "'%s' cannot be restored; it will not be called again",
		    op->id, ops->name, rec->key);
		p->broken = 1;
	}
	return (p);
}

/*
 * Apply one journal record of the operation being rebuilt (journal.c
 * reads them in order; an operation start begins afresh).
 */
void
phase_replay(struct engine_op *op, const struct engine_record *rec)
{
	struct part	*p;
	int		 kind = rec->phase;

	if (kind < 0 || kind >= PHASE_NKINDS)
		kind = 0;
	switch (rec->type) {
	case ENGINE_OPERATION_STARTED:
		phase_free_parts(op);
		free(op->driver);
		op->id = rec->operation;
		op->action = rec->action;
		op->validate_only = rec->validate_only;
		op->force = rec->force;
		op->resume_only = rec->resume_only;
		op->driver = xstrdup(rec->driver != NULL ? rec->driver :
		    "unknown");
		op->system_state = -1;
		op->window = 0;
		op->cur = 0;
		op->prepared = 0;
		op->durable = 0;
		break;
	case ENGINE_PHASE_STARTED:
		if (kind == 0)
			break;
		op->cur = kind;
		if (kind == EXITPT_OP_PREPARE)
			op->prepared = 1;
		if (kind == EXITPT_OP_COMPLETE && rec->system_state >= 0)
			op->system_state = rec->system_state;
		break;
	case ENGINE_PHASE_ENDED:
		if (rec->window >= 0)
			op->window = rec->window;
		break;
	case ENGINE_CALL_STARTED:
		if (kind == 0 || (p = phase_replay_part(op, rec, 1)) == NULL)
			break;
		p->called |= PHASE_BIT(kind);
		if (p->ops->durable)
			op->durable = 1;
		/* Reached by Check with no answer recorded: allow. */
		if (kind == EXITPT_OP_CHECK)
			p->allowed = 1;
		break;
	case ENGINE_ANSWER:
		if (kind == 0 || (p = phase_replay_part(op, rec, 0)) == NULL)
			break;
		if (kind == EXITPT_OP_CHECK && rec->effective >= 0)
			p->allowed = rec->effective;
		/* It was seen to end: nothing of it runs. */
		json_decref(p->stale[kind]);
		p->stale[kind] = NULL;
		break;
	case ENGINE_CALL_PROCESS:
		if (kind == 0 || rec->process == NULL ||
		    (p = phase_replay_part(op, rec, 0)) == NULL)
			break;
		json_decref(p->stale[kind]);
		p->stale[kind] = json_incref(rec->process);
		break;
	default:
		break;
	}
}

/*
 * exitd is stopping (SIGTERM): record that the phase in progress was
 * interrupted, so that the next exitd picks the operation up from the
 * journal, and let each kind end what it runs without answering.
 */
void
phase_shutdown(void)
{
	struct engine_op	*op = phase_op;
	size_t			 i;

	if (op->open) {
		phase_emit_op(op, ENGINE_OPERATION_INTERRUPTED, op->cur, NULL);
		log_warnx("operation %016" PRIx64 " left open in phase %s; "
		    "the next exitd recovers it from the journal", op->id,
		    exitpt_phase_name(op->cur));
	}
	for (i = 0; part_kinds[i] != NULL; i++) {
		if (part_kinds[i]->shutdown != NULL)
			part_kinds[i]->shutdown();
	}
	phase_op_free(op);
	phase_op = NULL;
}
