/*
 * Participant kind "critical": libexitpt's critical sections
 * (exitpt/critical.h).  While an operation is open exitd keeps the
 * suspend-pending flag raised, so that new sections fail or wait; at
 * Check the sections still held become one participant whose answer is a
 * veto naming every holder.  It answers at once and takes part in Check
 * only: having vetoed, it never gets Cancel.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitd.h"

#define CRITICAL_WHO	"critical sections"

static struct engine_observer	*critical_observer;

static void	 critical_init(struct event_base *, const char *,
		     struct config *);
static int	 critical_collect(struct engine_op *, int);
static int	 critical_takes_part(const struct engine_op *,
		     const struct part *, int);
static void	 critical_start(struct call *);
static void	 critical_stop(struct call *);
static json_t	*critical_identity(const struct part *);
static int	 critical_restore(struct part *, json_t *);
static void	 critical_free(struct part *);
static void	 critical_list(part_list_cb, void *);
static void	 critical_shutdown(void);
static void	 critical_event_cb(const struct engine_event *, void *);
static void	 critical_log_damage(void);

const struct part_ops part_critical_ops = {
	.kind = EXITPT_PARTICIPANT_CRITICAL,
	.name = "critical",
	.durable = 0,		/* holders are processes */
	.init = critical_init,
	.collect = critical_collect,
	.takes_part = critical_takes_part,
	.start = critical_start,
	.stop = critical_stop,
	.identity = critical_identity,
	.restore = critical_restore,
	.free = critical_free,
	.list = critical_list,
	.shutdown = critical_shutdown,
};

/*
 * Raise (id != 0) or lower the suspend-pending flag, which new critical
 * sections consult.
 */
static int
critical_pending(uint64_t id)
{
	int	error;

	if ((error = critical_set_pending(id)) != 0)
		log_warnx("critical sections: cannot %s the suspend-pending "
		    "flag: %s", id != 0 ? "raise" : "lower",
		    exitpt_strerror(error));
	return (error);
}

/*
 * At start-up the flag says what the journal says: raised for an
 * operation recovered open (also after a reboot), lowered otherwise, so
 * that a flag a dead exitd left raised blocks nobody.  Then it is lowered
 * whenever an operation ends.
 */
static void
critical_init(struct event_base *base, const char *state_dir,
    struct config *cfg)
{
	struct engine_snapshot	*s;

	s = phase_snapshot(-1);
	critical_pending(s->open ? s->operation : 0);
	phase_snapshot_free(s);
	critical_observer = phase_observe(critical_event_cb, NULL);
}

/* An operation ended: sections waiting for that may start now. */
static void
critical_event_cb(const struct engine_event *ev, void *arg)
{
	if (ev->type == ENGINE_OPERATION_ENDED)
		critical_pending(0);
}

/*
 * Say which tables the listing skipped as damaged: their sections veto
 * nothing (only their own user can damage them), and the operator should
 * know why an application's section was not seen.
 */
static void
critical_log_damage(void)
{
	char	damage[1024];

	if (critical_damaged(damage, sizeof(damage)) > 0)
		log_warnx("critical sections: skipped as damaged: %s", damage);
}

/*
 * At the start of Check, raise the pending flag first and only then list
 * the sections held, so that none can start unseen in between.  Held
 * sections (or a flag that cannot be raised, or sections that cannot be
 * listed) become one participant whose answer is a veto with that reason.
 */
static int
critical_collect(struct engine_op *op, int phase)
{
	struct part	*p;
	char		 reason[EXITD_REASON_MAX], list[EXITD_REASON_MAX];
	int		 error, held = 0;

	if (phase != EXITPT_OP_CHECK)
		return (0);
	if ((error = critical_pending(engine_op_id(op))) != 0)
		snprintf(reason, sizeof(reason), "cannot raise the "
		    "suspend-pending flag, so critical sections could start "
		    "unseen: %s", exitpt_strerror(error));
	else if ((held = critical_reason(list, sizeof(list))) < 0)
		snprintf(reason, sizeof(reason), "cannot list the critical "
		    "sections: %s", exitpt_strerror(held));
	else if (held == 0) {
		critical_log_damage();
		return (0);
	} else
		/* list is "name (pid N, since 2026-11-29T10:02:03.000+01:00), ..." */
		snprintf(reason, sizeof(reason), "critical section%s held: %s",
		    held > 1 ? "s" : "", list);
	if (held > 0)
		critical_log_damage();
	if ((p = phase_add_part(op, &part_critical_ops, REGISTRY_SUSPEND,
	    CRITICAL_WHO, CRITICAL_WHO)) != NULL)
		part_set_data(p, xstrdup(reason));
	return (0);
}

/* Critical sections answer in Check only. */
static int
critical_takes_part(const struct engine_op *op, const struct part *p,
    int phase)
{
	return (phase == EXITPT_OP_CHECK);
}

/* Answer at once: a veto whose reason names the holders. */
static void
critical_start(struct call *c)
{
	struct part_answer	a;

	memset(&a, 0, sizeof(a));
	a.end = EXITPT_END_ANSWERED;
	a.status = EXITPT_STATUS_VETO;
	a.wait = EXITPT_WAIT_NONE;
	a.reason = part_data(call_part(c));
	phase_answer(call_id(c), &a);
}

/* Never running, so never stopped. */
static void
critical_stop(struct call *c)
{
}

/* The holders change: the journal keeps only the reason, for people. */
static json_t *
critical_identity(const struct part *p)
{
	const char	*reason = part_data(p);

	return (json_pack("{s:o}", "reason", journal_string(reason != NULL ?
	    reason : "")));
}

/* Nothing to rebuild: a veto is never called again. */
static int
critical_restore(struct part *p, json_t *id)
{
	return (0);
}

/* Free the reason. */
static void
critical_free(struct part *p)
{
	free(part_data(p));
}

/* Every section held now, as this process may see them. */
static void
critical_list(part_list_cb cb, void *arg)
{
	struct exitpt_critical_list	*l;
	size_t				 i, n;
	char				 since[40];

	if (exitpt_critical_list_get(&l) != 0)
		return;
	n = exitpt_critical_list_count(l);
	for (i = 0; i < n; i++) {
		log_time_iso(exitpt_critical_list_since(l, i) * 1000, since,
		    sizeof(since));
		cb(arg, EXITPT_PARTICIPANT_CRITICAL,
		    exitpt_critical_list_name(l, i),
		    exitpt_critical_list_pid(l, i),
		    json_pack("{s:I, s:s, s:b}",
		    "uid", (json_int_t)exitpt_critical_list_uid(l, i),
		    "since", since,
		    "entering", exitpt_critical_list_entering(l, i)));
	}
	exitpt_critical_list_free(l);
}

/* exitd is stopping: the flag stays as it is, for the next exitd. */
static void
critical_shutdown(void)
{
	phase_unobserve(critical_observer);
	critical_observer = NULL;
}
