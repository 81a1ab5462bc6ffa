/*
 * Participant kind "voter": D-Bus objects that applications export with
 * org.exitpt.Exitd1.Voter and register through Manager.RegisterVoter
 * (SPEC section 7).  A voter is its connection's unique name plus its
 * object path, so a voter whose process restarted is a new voter.
 *
 * Calls are pending calls on exitd's own connection: the loop never
 * blocks on a voter.  The engine bounds each call (check_timeout,
 * cancel_timeout, complete_timeout from RegisterVoter's options;
 * Prepare: the window) and stops it at its limit; libdbus's own timeout
 * is only a backstop a little later.  A voter that answers an error has
 * ended abnormally (EXITPT_END_ERROR), one that left the bus is gone
 * (EXITPT_END_GONE); the engine judges both as for programs.
 *
 * The system bus lets one connection wait for at most 128 replies
 * (max_replies_per_connection), so at most VOTER_INFLIGHT calls are
 * outstanding; the others wait in order and go out as answers come back.
 * Calls made while exitd is not on the bus wait for it (within their
 * time limits): after a restart the journal's voters get their Cancel or
 * Complete as soon as exitd is back on the bus.
 */
#include <sys/queue.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dbus/dbus.h>

#include "exitd.h"

#define VOTER_IFACE		"org.exitpt.Exitd1.Voter"
#define VOTER_INFLIGHT		100	/* below the system bus's 128 */
#define VOTERS_MAX		4096	/* in all */
#define VOTERS_PER_UID		64	/* root: up to VOTERS_MAX */
#define VOTER_LAST_MAX		160	/* last answer, for listings */

/* A registered voter. */
struct voter {
	TAILQ_ENTRY(voter)	 entry;
	char			*unique;
	char			*path;
	char			*name;
	char			*desc;
	int			 timeout[PART_VOTER_NTIMEOUTS];
	uid_t			 uid;
	pid_t			 pid;
	time_t			 since;
	char			 last[VOTER_LAST_MAX];
};
TAILQ_HEAD(voters, voter);

/* What a participant of an operation needs of its voter, own copy. */
struct voter_part {
	char			*unique;
	char			*path;
	int			 timeout[PART_VOTER_NTIMEOUTS]; /* capped */
	uid_t			 uid;		/* (uid_t)-1: restored */
};

/* One call to a voter: waiting to be sent, or sent and pending. */
struct voter_call {
	TAILQ_ENTRY(voter_call)	 entry;
	uint64_t		 id;		/* the engine's call id */
	int			 phase;
	DBusMessage		*msg;		/* until sent */
	DBusPendingCall		*pc;		/* once sent */
	uid_t			 uid;		/* the voter's */
	int			 backstop_ms;
	char			*unique;	/* for the last answer */
	char			*path;
};
TAILQ_HEAD(voter_calls, voter_call);


/* A voter's time limits, seconds (SPEC section 7, RegisterVoter). */
const int part_voter_timeout_default[PART_VOTER_NTIMEOUTS] = {
	[PART_VOTER_CHECK] = REGISTRY_CHECK_TIMEOUT,
	[PART_VOTER_CANCEL] = REGISTRY_CHECK_TIMEOUT,
	[PART_VOTER_COMPLETE] = REGISTRY_COMPLETE_TIMEOUT,
};
const int part_voter_timeout_max[PART_VOTER_NTIMEOUTS] = {
	[PART_VOTER_CHECK] = EXITPT_WAIT_MAX,
	[PART_VOTER_CANCEL] = EXITPT_WAIT_MAX,
	[PART_VOTER_COMPLETE] = REGISTRY_TIMEOUT_MAX,
};
static struct voters		voters = TAILQ_HEAD_INITIALIZER(voters);
static struct config		*voter_cfg;	/* exitd's, reloaded in place */
static size_t			nvoters;
static struct voter_calls	voter_queued =
				    TAILQ_HEAD_INITIALIZER(voter_queued);
static struct voter_calls	voter_sent = TAILQ_HEAD_INITIALIZER(voter_sent);
static size_t			voter_nsent;

static void	 voter_init(struct event_base *, const char *,
		     struct config *);
static int	 voter_collect(struct engine_op *, int);
static void	 voter_start(struct call *);
static void	 voter_stop(struct call *);
static json_t	*voter_identity(const struct part *);
static int	 voter_restore(struct part *, json_t *);
static void	 voter_free(struct part *);
static void	 voter_list(part_list_cb, void *);
static void	 voter_shutdown(void);
static void	 voter_reply_cb(DBusPendingCall *, void *);
static int	 voter_from_voter(const struct voter_call *, DBusMessage *);
static void	 voter_pump(void);
static void	 voter_end(struct voter_call *, const struct part_answer *);
static void	 voter_call_free(struct voter_call *);
static struct voter *voter_find(const char *, const char *);
static void	 voter_forget(struct voter *);
static void	 voter_note(const struct voter_call *,
		     const struct part_answer *);

const struct part_ops part_voter_ops = {
	.kind = EXITPT_PARTICIPANT_VOTER,
	.name = "voter",
	.durable = 0,		/* D-Bus clients */
	.init = voter_init,
	.collect = voter_collect,
	.takes_part = NULL,
	.start = voter_start,
	.stop = voter_stop,
	.identity = voter_identity,
	.restore = voter_restore,
	.free = voter_free,
	.list = voter_list,
	.shutdown = voter_shutdown,
};

/* The registered voter at unique + path, or NULL. */
static struct voter *
voter_find(const char *unique, const char *path)
{
	struct voter	*v;

	TAILQ_FOREACH(v, &voters, entry) {
		if (strcmp(v->unique, unique) == 0 &&
		    strcmp(v->path, path) == 0)
			return (v);
	}
	return (NULL);
}

/*
 * Register (or, for the same connection and path, update) a voter whose
 * caller is already identified and whose arguments are checked; timeouts
 * are seconds, indexed by PART_VOTER_*.  Returns 0 or EXITPT_E_LIMIT.
 */
int
part_voter_register(const char *unique, const char *path, const char *name,
    const char *desc, const int *timeout, uid_t uid, pid_t pid)
{
	struct voter	*v;
	size_t		 mine = 0;

	if ((v = voter_find(unique, path)) == NULL) {
		TAILQ_FOREACH(v, &voters, entry) {
			if (v->uid == uid)
				mine++;
		}
		if (nvoters >= VOTERS_MAX || (uid != 0 &&
		    mine >= VOTERS_PER_UID))
			return (EXITPT_E_LIMIT);
		v = xcalloc(1, sizeof(*v));
		v->unique = xstrdup(unique);
		v->path = xstrdup(path);
		v->since = time(NULL);
		TAILQ_INSERT_TAIL(&voters, v, entry);
		nvoters++;
	} else {
		free(v->name);
		free(v->desc);
	}
	v->name = xstrdup(name);
	v->desc = xstrdup(desc);
	memcpy(v->timeout, timeout, sizeof(v->timeout));
	v->uid = uid;
	v->pid = pid;
	log_info("voter %s (%s %s, uid %ld, pid %ld) registered", name,
	    unique, path, (long)uid, (long)pid);
	return (0);
}

/* Forget one voter. */
static void
voter_forget(struct voter *v)
{
	TAILQ_REMOVE(&voters, v, entry);
	nvoters--;
	free(v->unique);
	free(v->path);
	free(v->name);
	free(v->desc);
	free(v);
}

/*
 * UnregisterVoter from unique for path.  Returns 0 or
 * EXITPT_E_NOT_REGISTERED.
 */
int
part_voter_unregister(const char *unique, const char *path)
{
	struct voter	*v;

	if ((v = voter_find(unique, path)) == NULL)
		return (EXITPT_E_NOT_REGISTERED);
	log_info("voter %s (%s %s) unregistered", v->name, unique, path);
	voter_forget(v);
	return (0);
}

/*
 * A connection left the bus (NameOwnerChanged): its voters go.  Their
 * calls in flight end when the bus answers for them.
 */
void
part_voter_gone(const char *unique)
{
	struct voter	*v, *next;

	for (v = TAILQ_FIRST(&voters); v != NULL; v = next) {
		next = TAILQ_NEXT(v, entry);
		if (strcmp(v->unique, unique) != 0)
			continue;
		log_info("voter %s (%s %s) left the bus", v->name, v->unique,
		    v->path);
		voter_forget(v);
	}
}

/*
 * exitd's connection came up (send what waits) or went down: then every
 * voter is gone with it (unique names are per bus run), and every call
 * in flight has lost its answer.
 */
void
part_voter_bus(int up)
{
	struct voter_call	*vc;
	struct part_answer	 a;

	if (up) {
		voter_pump();
		return;
	}
	while (!TAILQ_EMPTY(&voters))
		voter_forget(TAILQ_FIRST(&voters));
	memset(&a, 0, sizeof(a));
	a.status = EXITPT_STATUS_NONE;	/* none given */
	a.end = EXITPT_END_GONE;
	a.reason = "exitd lost the bus before the voter answered";
	while ((vc = TAILQ_FIRST(&voter_sent)) != NULL) {
		dbus_pending_call_cancel(vc->pc);
		voter_end(vc, &a);
	}
}

/* Keep the configuration: voter-timeout-max as it is at each operation. */
static void
voter_init(struct event_base *base, const char *state_dir,
    struct config *cfg)
{
	voter_cfg = cfg;
}

/* Every voter registered now takes part (Check: suspend; Complete). */
static int
voter_collect(struct engine_op *op, int phase)
{
	struct voter		*v;
	struct voter_part	*vp;
	struct part		*p;
	char			*key;
	int			 point, i;

	point = phase == EXITPT_OP_COMPLETE ? REGISTRY_RESUME :
	    REGISTRY_SUSPEND;
	TAILQ_FOREACH(v, &voters, entry) {
		xasprintf(&key, "%s %s", v->unique, v->path);
		p = phase_add_part(op, &part_voter_ops, point, key, v->name);
		free(key);
		if (p == NULL)
			continue;
		vp = xcalloc(1, sizeof(*vp));
		vp->unique = xstrdup(v->unique);
		vp->path = xstrdup(v->path);
		for (i = 0; i < PART_VOTER_NTIMEOUTS; i++)
			vp->timeout[i] = config_voter_cap(voter_cfg, v->uid,
			    v->timeout[i]);
		vp->uid = v->uid;
		part_set_data(p, vp);
		part_set_pid(p, v->pid);
		part_set_timeout(p, EXITPT_OP_CHECK,
		    vp->timeout[PART_VOTER_CHECK]);
		part_set_timeout(p, EXITPT_OP_CANCEL,
		    vp->timeout[PART_VOTER_CANCEL]);
		part_set_timeout(p, EXITPT_OP_COMPLETE,
		    vp->timeout[PART_VOTER_COMPLETE]);
	}
	return (0);
}

/* Build the call's message and queue it; it goes out when it may. */
static void
voter_start(struct call *c)
{
	const struct engine_op	*op = call_op(c);
	struct voter_part	*vp = part_data(call_part(c));
	struct voter_call	*vc;
	struct part_answer	 a;
	static const char *const members[PHASE_NKINDS] = {
		NULL, "Check", "Prepare", "Cancel", "Complete"
	};
	const char		*action;
	dbus_uint64_t		 id = engine_op_id(op);
	dbus_uint32_t		 u = 0;
	int			 phase = call_phase(c), limit;

	vc = xcalloc(1, sizeof(*vc));
	vc->id = call_id(c);
	vc->phase = phase;
	vc->unique = xstrdup(vp->unique);
	vc->path = xstrdup(vp->path);
	vc->uid = vp->uid;
	action = engine_op_action(op) == EXITPT_ACTION_HIBERNATION ?
	    "hibernation" : "migration";
	if ((vc->msg = dbus_message_new_method_call(vp->unique, vp->path,
	    VOTER_IFACE, members[phase])) == NULL ||
	    !dbus_message_append_args(vc->msg, DBUS_TYPE_UINT64, &id,
	    DBUS_TYPE_STRING, &action, DBUS_TYPE_INVALID))
		fatalx("voter: out of memory");
	if (phase == EXITPT_OP_PREPARE || phase == EXITPT_OP_COMPLETE) {
		u = (dbus_uint32_t)(phase == EXITPT_OP_PREPARE ?
		    engine_op_window(op) : engine_op_system_state(op));
		if (!dbus_message_append_args(vc->msg, DBUS_TYPE_UINT32, &u,
		    DBUS_TYPE_INVALID))
			fatalx("voter: out of memory");
	}
	if (!dbus_validate_path(vp->path, NULL) || (*vp->unique != ':' &&
	    !dbus_validate_bus_name(vp->unique, NULL))) {
		/* Only a journal edited by hand gets here. */
		memset(&a, 0, sizeof(a));
		a.status = EXITPT_STATUS_NONE;	/* none given */
		a.end = EXITPT_END_REFUSED;
		a.reason = "not a D-Bus name and object path";
		voter_end(vc, &a);
		return;
	}
	/* The engine's limit comes first; libdbus's is a backstop. */
	limit = phase == EXITPT_OP_PREPARE ? engine_op_window(op) :
	    vp->timeout[phase == EXITPT_OP_CHECK ? PART_VOTER_CHECK :
	    phase == EXITPT_OP_CANCEL ? PART_VOTER_CANCEL :
	    PART_VOTER_COMPLETE];
	vc->backstop_ms = (limit + EXITD_GRACE) * 1000;
	TAILQ_INSERT_TAIL(&voter_queued, vc, entry);
	voter_pump();
}

/* Send queued calls while exitd is on the bus and slots are free. */
static void
voter_pump(void)
{
	DBusConnection		*conn;
	struct voter_call	*vc;

	if ((conn = dbus_conn()) == NULL)
		return;
	while (voter_nsent < VOTER_INFLIGHT &&
	    (vc = TAILQ_FIRST(&voter_queued)) != NULL) {
		TAILQ_REMOVE(&voter_queued, vc, entry);
		if (!dbus_connection_send_with_reply(conn, vc->msg, &vc->pc,
		    vc->backstop_ms) || vc->pc == NULL ||
		    !dbus_pending_call_set_notify(vc->pc, voter_reply_cb, vc,
		    NULL))
			fatalx("voter: out of memory sending a call");
		dbus_message_unref(vc->msg);
		vc->msg = NULL;
		TAILQ_INSERT_TAIL(&voter_sent, vc, entry);
		voter_nsent++;
	}
}

/* Unlink a call from its list and free it. */
static void
voter_call_free(struct voter_call *vc)
{
	if (vc->pc != NULL) {
		TAILQ_REMOVE(&voter_sent, vc, entry);
		voter_nsent--;
		dbus_pending_call_unref(vc->pc);
	} else
		TAILQ_REMOVE(&voter_queued, vc, entry);
	if (vc->msg != NULL)
		dbus_message_unref(vc->msg);
	free(vc->unique);
	free(vc->path);
	free(vc);
}

/* Hand the answer to the engine, free the call, send the next ones. */
static void
voter_end(struct voter_call *vc, const struct part_answer *a)
{
	uint64_t	id = vc->id;

	voter_note(vc, a);
	voter_call_free(vc);
	phase_answer(id, a);
	voter_pump();
}

/*
 * Remember the voter's last answer, for ListParticipants; cut on a
 * character, so that the listing's JSON can hold it.
 */
static void
voter_note(const struct voter_call *vc, const struct part_answer *a)
{
	struct voter	*v;
	int		 n;

	if ((v = voter_find(vc->unique, vc->path)) == NULL)
		return;
	if (vc->phase == EXITPT_OP_CHECK && a->end == EXITPT_END_ANSWERED)
		n = snprintf(v->last, sizeof(v->last), "check: status %d, "
		    "wait %d%s%s", (int)a->status, (int)a->wait,
		    a->reason != NULL && *a->reason != '\0' ? ": " : "",
		    a->reason != NULL ? a->reason : "");
	else
		n = snprintf(v->last, sizeof(v->last), "%s: %s%s%s",
		    exitpt_phase_name(vc->phase), exitpt_end_name(a->end),
		    a->reason != NULL && *a->reason != '\0' ? ": " : "",
		    a->reason != NULL ? a->reason : "");
	if (n < 0 || (size_t)n >= sizeof(v->last))
		utf8_trim(v->last);
}

/*
 * A voter answered, or the bus or libdbus answered for it.  Parse the
 * answer here, at the edge: a Check answer of the wrong signature is an
 * error, not a guess.
 */
static void
voter_reply_cb(DBusPendingCall *pc, void *arg)
{
	struct voter_call	*vc = arg;
	struct part_answer	 a;
	DBusMessage		*reply;
	DBusError		 err;
	const char		*reason = "", *sender;
	char			 why[EXITD_REASON_MAX];
	dbus_int32_t		 status = 0;
	dbus_uint32_t		 wait = 0;

	memset(&a, 0, sizeof(a));
	a.status = EXITPT_STATUS_NONE;	/* none given */
	dbus_error_init(&err);
	if ((reply = dbus_pending_call_steal_reply(pc)) == NULL) {
		a.end = EXITPT_END_ERROR;
		a.reason = "no reply";
	} else if (!voter_from_voter(vc, reply)) {
		/*
		 * libdbus hands the call the first reply with its serial,
		 * whoever sent it (a bus that lets anything through lets
		 * anyone answer in a voter's stead); the voter's own answer
		 * finds no call any more.
		 */
		snprintf(why, sizeof(why), "an answer from %s, not from the "
		    "voter: not counted", dbus_message_get_sender(reply));
		log_warnx("voter %s %s: %s", vc->unique, vc->path, why);
		a.end = EXITPT_END_ERROR;
		a.reason = why;
	} else if (dbus_set_error_from_message(&err, reply)) {
		sender = dbus_message_get_sender(reply);
		snprintf(why, sizeof(why), "%s: %s", err.name,
		    err.message != NULL ? err.message : "");
		a.reason = why;
		if (strcmp(err.name, DBUS_ERROR_NO_REPLY) == 0 &&
		    sender == NULL)
			a.end = EXITPT_END_TIMEDOUT;	/* libdbus's backstop */
		else if (strcmp(err.name, DBUS_ERROR_NO_REPLY) == 0 ||
		    strcmp(err.name, DBUS_ERROR_SERVICE_UNKNOWN) == 0 ||
		    strcmp(err.name, DBUS_ERROR_NAME_HAS_NO_OWNER) == 0 ||
		    strcmp(err.name, DBUS_ERROR_DISCONNECTED) == 0)
			a.end = EXITPT_END_GONE;
		else
			a.end = EXITPT_END_ERROR;
		dbus_error_free(&err);
	} else if (vc->phase != EXITPT_OP_CHECK)
		a.end = EXITPT_END_ANSWERED;
	else if (!dbus_message_get_args(reply, &err, DBUS_TYPE_INT32, &status,
	    DBUS_TYPE_UINT32, &wait, DBUS_TYPE_STRING, &reason,
	    DBUS_TYPE_INVALID)) {
		snprintf(why, sizeof(why), "Check answered with signature "
		    "'%s', not 'ius'", dbus_message_get_signature(reply));
		a.end = EXITPT_END_ERROR;
		a.reason = why;
		dbus_error_free(&err);
	} else {
		a.end = EXITPT_END_ANSWERED;
		a.status = status;
		/* A wait past INT32_MAX is out of range all the same. */
		a.wait = wait > INT32_MAX ? INT32_MAX : (int32_t)wait;
		/* voter-timeout-max bounds the window it asks for too. */
		if (a.wait >= EXITPT_WAIT_MIN && a.wait <= EXITPT_WAIT_MAX)
			a.wait = config_voter_cap(voter_cfg, vc->uid, a.wait);
		a.reason = reason;
	}
	voter_end(vc, &a);
	if (reply != NULL)
		dbus_message_unref(reply);
}

/*
 * Whether a reply is the voter's own, or the bus's or libdbus's error for
 * it (the voter left, no answer in time).
 */
static int
voter_from_voter(const struct voter_call *vc, DBusMessage *reply)
{
	const char	*from = dbus_message_get_sender(reply);

	if (from == NULL || strcmp(from, vc->unique) == 0)
		return (1);
	return (strcmp(from, DBUS_SERVICE_DBUS) == 0 &&
	    dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR);
}

/* The engine stops a call: drop it and answer that it timed out. */
static void
voter_stop(struct call *c)
{
	struct voter_call	*vc;
	struct part_answer	 a;
	uint64_t		 id = call_id(c);

	memset(&a, 0, sizeof(a));
	a.status = EXITPT_STATUS_NONE;	/* none given */
	a.end = EXITPT_END_TIMEDOUT;
	TAILQ_FOREACH(vc, &voter_sent, entry) {
		if (vc->id == id) {
			dbus_pending_call_cancel(vc->pc);
			a.reason = "no answer";
			voter_end(vc, &a);
			return;
		}
	}
	TAILQ_FOREACH(vc, &voter_queued, entry) {
		if (vc->id == id) {
			a.reason = dbus_conn() == NULL ? "not sent: exitd is "
			    "not on the bus" : "not sent: too many calls "
			    "outstanding";
			voter_end(vc, &a);
			return;
		}
	}
}

/* What the journal keeps of a voter: all that a Cancel needs. */
static json_t *
voter_identity(const struct part *p)
{
	const struct voter_part	*vp = part_data(p);

	return (json_pack("{s:o, s:o, s:i, s:i, s:i}",
	    "unique", journal_string(vp->unique),
	    "path", journal_string(vp->path),
	    "check_timeout", vp->timeout[PART_VOTER_CHECK],
	    "cancel_timeout", vp->timeout[PART_VOTER_CANCEL],
	    "complete_timeout", vp->timeout[PART_VOTER_COMPLETE]));
}

/* A voter of an operation from before a restart. */
static int
voter_restore(struct part *p, json_t *id)
{
	struct voter_part	*vp;
	const char		*unique = NULL, *path = NULL;
	int			 t[PART_VOTER_NTIMEOUTS], i;

	memcpy(t, part_voter_timeout_default, sizeof(t));
	if (json_unpack(id, "{s:s, s:s, s?i, s?i, s?i}", "unique", &unique,
	    "path", &path, "check_timeout", &t[PART_VOTER_CHECK],
	    "cancel_timeout", &t[PART_VOTER_CANCEL], "complete_timeout",
	    &t[PART_VOTER_COMPLETE]) != 0 || !dbus_validate_path(path, NULL))
		return (-1);
	/*
	 * A journal is a file on disk: a limit outside what RegisterVoter
	 * accepts (0 would mean none) is taken as the default.
	 */
	for (i = 0; i < PART_VOTER_NTIMEOUTS; i++) {
		if (t[i] < 1 || t[i] > part_voter_timeout_max[i])
			t[i] = part_voter_timeout_default[i];
	}
	vp = xcalloc(1, sizeof(*vp));
	vp->unique = xstrdup(unique);
	vp->path = xstrdup(path);
	memcpy(vp->timeout, t, sizeof(vp->timeout));	/* capped when written */
	vp->uid = (uid_t)-1;
	part_set_data(p, vp);
	part_set_timeout(p, EXITPT_OP_CHECK, t[PART_VOTER_CHECK]);
	part_set_timeout(p, EXITPT_OP_CANCEL, t[PART_VOTER_CANCEL]);
	part_set_timeout(p, EXITPT_OP_COMPLETE, t[PART_VOTER_COMPLETE]);
	return (0);
}

/* Free the participant's copy. */
static void
voter_free(struct part *p)
{
	struct voter_part	*vp = part_data(p);

	if (vp == NULL)
		return;
	free(vp->unique);
	free(vp->path);
	free(vp);
}

/* Every voter registered now. */
static void
voter_list(part_list_cb cb, void *arg)
{
	struct voter	*v;
	char		 since[40];

	TAILQ_FOREACH(v, &voters, entry) {
		log_time_iso((int64_t)v->since * 1000, since, sizeof(since));
		cb(arg, EXITPT_PARTICIPANT_VOTER, v->name, v->pid,
		    json_pack("{s:s, s:s, s:s, s:I, s:s, s:i, s:i, s:i, s:s}",
		    "unique", v->unique, "path", v->path,
		    "description", v->desc, "uid", (json_int_t)v->uid,
		    "since", since,
		    "check_timeout_ms", config_voter_cap(voter_cfg, v->uid,
		    v->timeout[PART_VOTER_CHECK]) * 1000,
		    "cancel_timeout_ms", config_voter_cap(voter_cfg, v->uid,
		    v->timeout[PART_VOTER_CANCEL]) * 1000,
		    "complete_timeout_ms", config_voter_cap(voter_cfg, v->uid,
		    v->timeout[PART_VOTER_COMPLETE]) * 1000,
		    "last_answer", v->last));
	}
}

/* exitd is stopping: drop every call without answering, and the voters. */
static void
voter_shutdown(void)
{
	struct voter_call	*vc;

	while ((vc = TAILQ_FIRST(&voter_sent)) != NULL) {
		dbus_pending_call_cancel(vc->pc);
		voter_call_free(vc);
	}
	while ((vc = TAILQ_FIRST(&voter_queued)) != NULL)
		voter_call_free(vc);
	while (!TAILQ_EMPTY(&voters))
		voter_forget(TAILQ_FIRST(&voters));
}
