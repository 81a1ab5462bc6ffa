/*
 * exitd's D-Bus service (SPEC section 7): the object /org/exitpt/Exitd1
 * with org.exitpt.Exitd1.Manager, its properties and its signals.  It is
 * one more front end of the engine: it drives through phase_drive(),
 * reads results from snapshots, and hears every change as an observer,
 * in the engine's order, so the signals carry the same operation ids and
 * the same answers as the journal and exitctl.
 *
 * Every method call is checked in the order the contract fixes: the
 * caller's right first (exitd asks the bus for the caller's uid itself,
 * GetConnectionUnixUser, whatever the bus policy says), then the
 * arguments, parsed here at the edge into typed values, then the
 * operation's state (the engine's answer).  No call blocks the loop: the
 * bus is asked asynchronously and drives reply when their phase ends.
 */
#include <sys/queue.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dbus/dbus.h>

#include "exitd.h"
#include "dbus-introspect.h"

#define MANAGER_IFACE		"org.exitpt.Exitd1.Manager"
#define ERROR_VETOED		"org.exitpt.Exitd1.Error.Vetoed"
#define ERROR_BUSY		"org.exitpt.Exitd1.Error.Busy"
#define ERROR_NO_OPERATION	"org.exitpt.Exitd1.Error.NoOperation"
#define ERROR_WRONG_PHASE	"org.exitpt.Exitd1.Error.WrongPhase"
#define SVC_TEXT_MAX		256	/* who, why, name, description */
#define SVC_PATH_MAX		1024	/* a voter's object path, bytes */
#define SVC_MESSAGE_MAX		4096	/* an error's message */
#define SVC_VETO_MAX		(64 * 1024) /* the Vetoed error's message */
#define SVC_MESSAGE_TAIL	64	/* room for "; and N more (...)" */
#define SVC_DRIVER_MAX		128	/* "uid U pid P (D-Bus :1.N)" */

enum svc_method {
	SVC_CHECK,
	SVC_PREPARE,
	SVC_CANCEL,
	SVC_COMPLETE,
	SVC_INHIBIT,
	SVC_REGISTER,
	SVC_UNREGISTER,
	SVC_LIST,
};

static const struct svc_member {
	const char	*name;
	const char	*signature;	/* of the arguments */
	int		 drives;	/* root or the admin group only */
} svc_members[] = {
	[SVC_CHECK] = { "Check", "sb", 1 },
	[SVC_PREPARE] = { "Prepare", "t", 1 },
	[SVC_CANCEL] = { "Cancel", "t", 1 },
	[SVC_COMPLETE] = { "Complete", "tu", 1 },
	[SVC_INHIBIT] = { "Inhibit", "sssa{sv}", 0 },
	[SVC_REGISTER] = { "RegisterVoter", "ossa{sv}", 0 },
	[SVC_UNREGISTER] = { "UnregisterVoter", "o", 0 },
	[SVC_LIST] = { "ListParticipants", "", 0 },
};

/* One Manager call in progress. */
struct svc_call {
	TAILQ_ENTRY(svc_call)	 entry;
	enum svc_method		 method;
	DBusMessage		*msg;
	DBusPendingCall		*uid_pc;
	DBusPendingCall		*pid_pc;
	int			 uid_known;
	uid_t			 uid;
	pid_t			 pid;
	int			 driving;	/* waiting for the engine */
	int			 in_drive;	/* inside phase_drive() */
	int			 drive_done;	/* its reply came meanwhile */
	int			 drive_error;
	struct engine_snapshot	*result;	/* the phase as it ended */
	char			 driver[SVC_DRIVER_MAX];
};
TAILQ_HEAD(svc_calls, svc_call);

/* The properties, as last announced. */
struct svc_props {
	const char	*state;
	uint64_t	 operation;
	const char	*phase;
	const char	*action;
	uint32_t	 window;
};

static struct config		*svc_cfg;
static DBusConnection		*svc_conn;
static struct engine_observer	*svc_observer;
static struct svc_calls		 svc_calls = TAILQ_HEAD_INITIALIZER(svc_calls);
static struct svc_props		 svc_props;

static DBusHandlerResult svc_message_cb(DBusConnection *, DBusMessage *,
		    void *);
static DBusHandlerResult svc_filter_cb(DBusConnection *, DBusMessage *,
		    void *);
static void	 svc_event_cb(const struct engine_event *, void *);
static void	 svc_lookup_cb(DBusPendingCall *, void *);
static void	 svc_drive_cb(int, int, void *);
static void	 svc_begin(DBusMessage *, enum svc_method);
static void	 svc_run(struct svc_call *);
static void	 svc_drive(struct svc_call *);
static void	 svc_drive_end(struct svc_call *);
static void	 svc_inhibit(struct svc_call *);
static void	 svc_register(struct svc_call *);
static void	 svc_unregister(struct svc_call *);
static void	 svc_list(struct svc_call *);
static void	 svc_list_cb(void *, int, const char *, pid_t, json_t *);
static void	 svc_done(struct svc_call *);
static void	 svc_send(DBusMessage *);
static void	 svc_utf8(char *, int);
static void	 svc_error(DBusMessage *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	 svc_engine_error(DBusMessage *, int, int);
static char	*svc_veto_message(const struct engine_snapshot *);
static int	 svc_options(DBusMessageIter *, const char *const *,
		     dbus_uint32_t *, int *, char *, size_t);
static int	 svc_text(const char *, const char *, int, char *, size_t);
static void	 svc_strings(DBusMessage *, DBusMessageIter *, const char **,
		     const char **, const char **);
static void	 svc_props_update(int);
static void	 svc_props_get(DBusMessage *);
static void	 svc_props_get_all(DBusMessage *);
static void	 svc_prop_append(DBusMessageIter *, const char *);
static void	 svc_prop_entry(DBusMessageIter *, int);
static void	 svc_signal(const char *, int, ...);
static void	 svc_json_variant(DBusMessageIter *, json_t *);

/* Keep the configuration (its admin group) and start observing. */
void
dbus_service_init(struct config *cfg)
{
	svc_cfg = cfg;
	svc_props_update(0);
	svc_observer = phase_observe(svc_event_cb, NULL);
}

/*
 * exitd is on the bus (again): export the object, watch connections
 * leave (voters go with them), and let calls that waited go out.
 */
void
dbus_service_up(struct DBusConnection *conn)
{
	static const DBusObjectPathVTable vtable = {
		.message_function = svc_message_cb
	};

	svc_conn = conn;
	if (!dbus_connection_register_object_path(conn, EXITD_DBUS_PATH,
	    &vtable, NULL) ||
	    !dbus_connection_add_filter(conn, svc_filter_cb, NULL, NULL))
		fatalx("D-Bus: out of memory exporting the service");
	/* No error argument: the match is sent, not waited for. */
	dbus_bus_add_match(conn, "type='signal',sender='" DBUS_SERVICE_DBUS
	    "',interface='" DBUS_INTERFACE_DBUS "',member='NameOwnerChanged'",
	    NULL);
	part_voter_bus(1);
}

/*
 * exitd lost the bus: callers are gone with it, and so are the voters.
 * Drives in progress go on in the engine; only their replies are lost.
 */
void
dbus_service_down(void)
{
	struct svc_call	*sc;

	while ((sc = TAILQ_FIRST(&svc_calls)) != NULL)
		svc_done(sc);
	if (svc_conn != NULL) {
		dbus_connection_remove_filter(svc_conn, svc_filter_cb, NULL);
		dbus_connection_unregister_object_path(svc_conn,
		    EXITD_DBUS_PATH);
	}
	svc_conn = NULL;
	part_voter_bus(0);
}

/* exitd is stopping: before the engine does, forget every drive. */
void
dbus_service_shutdown(void)
{
	struct svc_call	*sc;

	while ((sc = TAILQ_FIRST(&svc_calls)) != NULL)
		svc_done(sc);
	phase_unobserve(svc_observer);
	svc_observer = NULL;
}

/* Free a call; an engine still driving for it forgets it. */
static void
svc_done(struct svc_call *sc)
{
	TAILQ_REMOVE(&svc_calls, sc, entry);
	if (sc->driving)
		phase_forget(sc);
	if (sc->uid_pc != NULL) {
		dbus_pending_call_cancel(sc->uid_pc);
		dbus_pending_call_unref(sc->uid_pc);
	}
	if (sc->pid_pc != NULL) {
		dbus_pending_call_cancel(sc->pid_pc);
		dbus_pending_call_unref(sc->pid_pc);
	}
	phase_snapshot_free(sc->result);
	dbus_message_unref(sc->msg);
	free(sc);
}

/* Send a message on the current connection, if any, and drop it. */
static void
svc_send(DBusMessage *msg)
{
	if (msg == NULL)
		fatalx("D-Bus: out of memory");
	if (svc_conn != NULL && !dbus_connection_send(svc_conn, msg, NULL))
		fatalx("D-Bus: out of memory sending");
	dbus_message_unref(msg);
}

/*
 * Make an error's message (cut if it did not fit its buffer) valid
 * UTF-8, which libdbus insists on (it aborts a sender that is not): a
 * cut loses its half character, and text that is still not UTF-8 (an
 * exit program's reason may be any bytes) shows '?' for every non-ASCII
 * byte, as exitctl's JSON does.
 */
static void
svc_utf8(char *buf, int cut)
{
	char	*p;

	if (cut)
		utf8_trim(buf);
	if (dbus_validate_utf8(buf, NULL))
		return;
	for (p = buf; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	}
}

/* Answer call with an error; the message may echo any argument. */
static void
svc_error(DBusMessage *call, const char *name, const char *fmt, ...)
{
	char	buf[SVC_MESSAGE_MAX];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	svc_utf8(buf, n < 0 || (size_t)n >= sizeof(buf));
	svc_send(dbus_message_new_error(call, name, buf));
}

/*
 * A connection left the bus: its voters go.  Only the bus says so: any
 * connection may send exitd a signal of that name (the system bus lets
 * every user send signals to anyone), to make another user's voters go.
 */
static DBusHandlerResult
svc_filter_cb(DBusConnection *conn, DBusMessage *msg, void *arg)
{
	const char	*name, *old, *new, *from;

	if (dbus_message_is_signal(msg, DBUS_INTERFACE_DBUS,
	    "NameOwnerChanged") && (from = dbus_message_get_sender(msg)) !=
	    NULL && strcmp(from, DBUS_SERVICE_DBUS) == 0 &&
	    dbus_message_get_args(msg, NULL,
	    DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &old,
	    DBUS_TYPE_STRING, &new, DBUS_TYPE_INVALID) && *name == ':' &&
	    *new == '\0')
		part_voter_gone(name);
	return (DBUS_HANDLER_RESULT_NOT_YET_HANDLED);
}

/*
 * A message for /org/exitpt/Exitd1.  Introspection and properties answer
 * at once; Manager methods start by asking the bus who calls.
 */
static DBusHandlerResult
svc_message_cb(DBusConnection *conn, DBusMessage *msg, void *arg)
{
	const char	*iface, *member;
	size_t		 i;

	if (dbus_message_get_type(msg) != DBUS_MESSAGE_TYPE_METHOD_CALL)
		return (DBUS_HANDLER_RESULT_NOT_YET_HANDLED);
	iface = dbus_message_get_interface(msg);
	member = dbus_message_get_member(msg);
	if (dbus_message_is_method_call(msg, DBUS_INTERFACE_INTROSPECTABLE,
	    "Introspect")) {
		const char *xml = DBUS_INTROSPECT_1_0_XML_DOCTYPE_DECL_NODE
		    "<node>\n"
		    "  <interface name=\"" DBUS_INTERFACE_INTROSPECTABLE "\">\n"
		    "    <method name=\"Introspect\">\n"
		    "      <arg name=\"xml\" type=\"s\" direction=\"out\"/>\n"
		    "    </method>\n"
		    "  </interface>\n"
		    "  <interface name=\"" DBUS_INTERFACE_PEER "\">\n"
		    "    <method name=\"Ping\"/>\n"
		    "    <method name=\"GetMachineId\">\n"
		    "      <arg name=\"machine_uuid\" type=\"s\" "
		    "direction=\"out\"/>\n"
		    "    </method>\n"
		    "  </interface>\n"
		    "  <interface name=\"" DBUS_INTERFACE_PROPERTIES "\">\n"
		    "    <method name=\"Get\">\n"
		    "      <arg name=\"interface\" type=\"s\" "
		    "direction=\"in\"/>\n"
		    "      <arg name=\"name\" type=\"s\" direction=\"in\"/>\n"
		    "      <arg name=\"value\" type=\"v\" direction=\"out\"/>\n"
		    "    </method>\n"
		    "    <method name=\"GetAll\">\n"
		    "      <arg name=\"interface\" type=\"s\" "
		    "direction=\"in\"/>\n"
		    "      <arg name=\"values\" type=\"a{sv}\" "
		    "direction=\"out\"/>\n"
		    "    </method>\n"
		    "    <method name=\"Set\">\n"
		    "      <arg name=\"interface\" type=\"s\" "
		    "direction=\"in\"/>\n"
		    "      <arg name=\"name\" type=\"s\" direction=\"in\"/>\n"
		    "      <arg name=\"value\" type=\"v\" direction=\"in\"/>\n"
		    "    </method>\n"
		    "    <signal name=\"PropertiesChanged\">\n"
		    "      <arg name=\"interface\" type=\"s\"/>\n"
		    "      <arg name=\"changed\" type=\"a{sv}\"/>\n"
		    "      <arg name=\"invalidated\" type=\"as\"/>\n"
		    "    </signal>\n"
		    "  </interface>\n"
		    DBUS_INTROSPECT_MANAGER
		    "</node>\n";
		DBusMessage *reply = dbus_message_new_method_return(msg);

		if (reply != NULL && !dbus_message_append_args(reply,
		    DBUS_TYPE_STRING, &xml, DBUS_TYPE_INVALID))
			fatalx("D-Bus: out of memory");
		svc_send(reply);
		return (DBUS_HANDLER_RESULT_HANDLED);
	}
	if (iface != NULL && strcmp(iface, DBUS_INTERFACE_PROPERTIES) == 0) {
		if (strcmp(member, "Get") == 0)
			svc_props_get(msg);
		else if (strcmp(member, "GetAll") == 0)
			svc_props_get_all(msg);
		else if (strcmp(member, "Set") == 0)
			svc_error(msg, DBUS_ERROR_PROPERTY_READ_ONLY,
			    "every property of %s is read-only",
			    MANAGER_IFACE);
		else
			return (DBUS_HANDLER_RESULT_NOT_YET_HANDLED);
		return (DBUS_HANDLER_RESULT_HANDLED);
	}
	/* Without an interface, a member name says which method is meant. */
	if (iface != NULL && strcmp(iface, MANAGER_IFACE) != 0)
		return (DBUS_HANDLER_RESULT_NOT_YET_HANDLED);
	for (i = 0; i < nitems(svc_members); i++) {
		if (strcmp(member, svc_members[i].name) == 0) {
			svc_begin(msg, (enum svc_method)i);
			return (DBUS_HANDLER_RESULT_HANDLED);
		}
	}
	return (DBUS_HANDLER_RESULT_NOT_YET_HANDLED);
}

/* Ask the bus for the caller's uid and pid; the call goes on when both
 * are known. */
static void
svc_begin(DBusMessage *msg, enum svc_method method)
{
	struct svc_call	*sc;
	DBusMessage	*q;
	const char	*sender = dbus_message_get_sender(msg);
	int		 i;

	if (sender == NULL) {
		svc_error(msg, DBUS_ERROR_ACCESS_DENIED, "no sender: exitd "
		    "serves only callers on the bus");
		return;
	}
	sc = xcalloc(1, sizeof(*sc));
	sc->method = method;
	sc->msg = dbus_message_ref(msg);
	sc->pid = 0;
	TAILQ_INSERT_TAIL(&svc_calls, sc, entry);
	for (i = 0; i < 2; i++) {
		if ((q = dbus_message_new_method_call(DBUS_SERVICE_DBUS,
		    DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS, i == 0 ?
		    "GetConnectionUnixUser" : "GetConnectionUnixProcessID")) ==
		    NULL || !dbus_message_append_args(q, DBUS_TYPE_STRING,
		    &sender, DBUS_TYPE_INVALID) ||
		    !dbus_connection_send_with_reply(svc_conn, q, i == 0 ?
		    &sc->uid_pc : &sc->pid_pc, DBUS_TIMEOUT_USE_DEFAULT) ||
		    (i == 0 ? sc->uid_pc : sc->pid_pc) == NULL ||
		    !dbus_pending_call_set_notify(i == 0 ? sc->uid_pc :
		    sc->pid_pc, svc_lookup_cb, sc, NULL))
			fatalx("D-Bus: out of memory asking for a caller");
		dbus_message_unref(q);
	}
}

/*
 * The bus said who calls.  Without a uid the caller cannot be judged:
 * refused.  A pid the bus does not know is only left out of listings.
 * libdbus hands a pending call the first reply that carries its serial,
 * whoever sent it, and a bus that lets anything through lets a caller
 * answer in the bus's stead: only the bus's own answer counts.
 */
static void
svc_lookup_cb(DBusPendingCall *pc, void *arg)
{
	struct svc_call	*sc = arg;
	DBusMessage	*reply;
	const char	*from;
	dbus_uint32_t	 v = 0;
	int		 is_uid = pc == sc->uid_pc;

	reply = dbus_pending_call_steal_reply(pc);
	if (reply != NULL && ((from = dbus_message_get_sender(reply)) ==
	    NULL || strcmp(from, DBUS_SERVICE_DBUS) != 0)) {
		/* No sender: libdbus's own timeout, no answer at all. */
		if (from != NULL)
			log_warnx("D-Bus: an answer about %s came from %s, "
			    "not from the bus: ignored",
			    dbus_message_get_sender(sc->msg), from);
		dbus_message_unref(reply);
		reply = NULL;
	}
	if (reply != NULL && dbus_message_get_type(reply) ==
	    DBUS_MESSAGE_TYPE_METHOD_RETURN && dbus_message_get_args(reply,
	    NULL, DBUS_TYPE_UINT32, &v, DBUS_TYPE_INVALID)) {
		if (is_uid) {
			sc->uid = (uid_t)v;
			sc->uid_known = 1;
		} else
			sc->pid = (pid_t)v;
	}
	if (reply != NULL)
		dbus_message_unref(reply);
	dbus_pending_call_unref(pc);
	if (is_uid)
		sc->uid_pc = NULL;
	else
		sc->pid_pc = NULL;
	if (sc->uid_pc == NULL && sc->pid_pc == NULL)
		svc_run(sc);
}

/*
 * The caller is known: check its right, then the arguments (each method
 * parses its own), then let the engine judge the state.
 */
static void
svc_run(struct svc_call *sc)
{
	const struct svc_member	*m = &svc_members[sc->method];
	const char		*sig = dbus_message_get_signature(sc->msg);

	snprintf(sc->driver, sizeof(sc->driver), "uid %ld pid %ld (D-Bus %s)",
	    (long)sc->uid, (long)sc->pid, dbus_message_get_sender(sc->msg));
	if (!sc->uid_known) {
		svc_error(sc->msg, DBUS_ERROR_ACCESS_DENIED, "the bus does "
		    "not say who %s is", dbus_message_get_sender(sc->msg));
		svc_done(sc);
		return;
	}
	if (m->drives && !config_is_admin(svc_cfg, sc->uid, (gid_t)-1)) {
		control_refused_by(sc->uid, sc->pid, "may not drive operations "
		    "(%s over D-Bus, from %s)", m->name,
		    dbus_message_get_sender(sc->msg));
		svc_error(sc->msg, DBUS_ERROR_ACCESS_DENIED, "uid %ld may not "
		    "drive operations: %s is for root%s%s only", (long)sc->uid,
		    m->name, svc_cfg->admin_group != NULL ? " and group " : "",
		    svc_cfg->admin_group != NULL ? svc_cfg->admin_group : "");
		svc_done(sc);
		return;
	}
	if (strcmp(sig, m->signature) != 0) {
		svc_error(sc->msg, DBUS_ERROR_INVALID_ARGS, "%s takes (%s), "
		    "not (%s)", m->name, m->signature, sig);
		svc_done(sc);
		return;
	}
	switch (sc->method) {
	case SVC_CHECK:
	case SVC_PREPARE:
	case SVC_CANCEL:
	case SVC_COMPLETE:
		svc_drive(sc);
		return;
	case SVC_INHIBIT:
		svc_inhibit(sc);
		break;
	case SVC_REGISTER:
		svc_register(sc);
		break;
	case SVC_UNREGISTER:
		svc_unregister(sc);
		break;
	case SVC_LIST:
		svc_list(sc);
		break;
	}
	svc_done(sc);
}

/* Check, Prepare, Cancel, Complete: arguments, then the engine. */
static void
svc_drive(struct svc_call *sc)
{
	struct engine_request	 req;
	const char		*action = NULL;
	dbus_bool_t		 validate = FALSE;
	dbus_uint64_t		 op = 0;
	dbus_uint32_t		 state = 0;

	memset(&req, 0, sizeof(req));
	req.driver = sc->driver;
	switch (sc->method) {
	case SVC_CHECK:
		dbus_message_get_args(sc->msg, NULL, DBUS_TYPE_STRING, &action,
		    DBUS_TYPE_BOOLEAN, &validate, DBUS_TYPE_INVALID);
		req.phase = EXITPT_OP_CHECK;
		if (strcmp(action, "migration") == 0)
			req.action = EXITPT_ACTION_MIGRATION;
		else if (strcmp(action, "hibernation") == 0)
			req.action = EXITPT_ACTION_HIBERNATION;
		else {
			svc_error(sc->msg, DBUS_ERROR_INVALID_ARGS, "action: "
			    "'migration' or 'hibernation', not '%s'", action);
			svc_done(sc);
			return;
		}
		req.validate_only = validate ? 1 : 0;
		break;
	case SVC_COMPLETE:
		dbus_message_get_args(sc->msg, NULL, DBUS_TYPE_UINT64, &op,
		    DBUS_TYPE_UINT32, &state, DBUS_TYPE_INVALID);
		if (state != EXITPT_SYSTEM_NORMAL &&
		    state != EXITPT_SYSTEM_RESTRICTED) {
			svc_error(sc->msg, DBUS_ERROR_INVALID_ARGS,
			    "system_state: 0 (normal) or 1 (restricted), not "
			    "%u", (unsigned int)state);
			svc_done(sc);
			return;
		}
		req.phase = EXITPT_OP_COMPLETE;
		req.system_state = (int)state;
		req.operation = op;
		break;
	default:
		dbus_message_get_args(sc->msg, NULL, DBUS_TYPE_UINT64, &op,
		    DBUS_TYPE_INVALID);
		req.phase = sc->method == SVC_PREPARE ? EXITPT_OP_PREPARE :
		    EXITPT_OP_CANCEL;
		req.operation = op;
		break;
	}
	log_info("D-Bus: %s drives %s", sc->driver,
	    exitpt_phase_name(req.phase));
	sc->driving = 1;
	sc->in_drive = 1;
	sc->drive_error = phase_drive(&req, svc_drive_cb, sc);
	sc->in_drive = 0;
	if (sc->drive_error != 0 || sc->drive_done)
		svc_drive_end(sc);
}

/* The engine ended the driven phase (perhaps from inside phase_drive). */
static void
svc_drive_cb(int error, int phase, void *arg)
{
	struct svc_call	*sc = arg;

	sc->drive_error = error;
	sc->drive_done = 1;
	/*
	 * Take the phase's result now: once the operation is over the
	 * engine keeps only its last phase (a vetoed Check's is Cancel).
	 */
	if (error == 0 && sc->result == NULL)
		sc->result = phase_snapshot(phase);
	if (!sc->in_drive)
		svc_drive_end(sc);
}

/*
 * Reply to a drive: its outcome, or the veto naming every participant
 * that vetoed and why, or the engine's refusal.
 */
static void
svc_drive_end(struct svc_call *sc)
{
	struct engine_snapshot	*s;
	DBusMessage		*reply;
	const char		*outcome;
	char			*msg;
	dbus_uint64_t		 op;
	dbus_uint32_t		 window;
	int			 phase;

	sc->driving = 0;
	phase = sc->method == SVC_CHECK ? EXITPT_OP_CHECK : sc->method ==
	    SVC_PREPARE ? EXITPT_OP_PREPARE : sc->method == SVC_CANCEL ?
	    EXITPT_OP_CANCEL : EXITPT_OP_COMPLETE;
	if (sc->drive_error != 0) {
		svc_engine_error(sc->msg, sc->drive_error, phase);
		svc_done(sc);
		return;
	}
	s = sc->result != NULL ? sc->result : phase_snapshot(phase);
	sc->result = NULL;
	op = s->operation;
	outcome = exitpt_outcome_name(s->outcome);
	if (phase == EXITPT_OP_CHECK && s->outcome == EXITPT_OUTCOME_VETOED) {
		msg = svc_veto_message(s);
		svc_send(dbus_message_new_error(sc->msg, ERROR_VETOED, msg));
		free(msg);
	} else {
		reply = dbus_message_new_method_return(sc->msg);
		window = s->window > 0 ? (dbus_uint32_t)s->window : 0;
		if (reply == NULL || (phase == EXITPT_OP_CHECK ?
		    !dbus_message_append_args(reply, DBUS_TYPE_UINT64, &op,
		    DBUS_TYPE_STRING, &outcome, DBUS_TYPE_UINT32, &window,
		    DBUS_TYPE_INVALID) : !dbus_message_append_args(reply,
		    DBUS_TYPE_STRING, &outcome, DBUS_TYPE_INVALID)))
			fatalx("D-Bus: out of memory");
		svc_send(reply);
	}
	phase_snapshot_free(s);
	svc_done(sc);
}

/*
 * The Vetoed error's message: every participant that vetoed and why, as
 * many as SVC_VETO_MAX holds (whole, never cut in the middle), then how
 * many more there were.  Returns a string to free.
 */
static char *
svc_veto_message(const struct engine_snapshot *s)
{
	const struct engine_call_view	*c;
	char				*msg;
	size_t				 i, off, limit, more = 0;
	int				 n, named, first = 1;

	msg = xmalloc(SVC_VETO_MAX);
	limit = SVC_VETO_MAX - SVC_MESSAGE_TAIL;
	off = (size_t)snprintf(msg, limit, "operation %016" PRIx64
	    " vetoed by", s->operation);
	for (i = 0; i < s->ncalls; i++) {
		c = &s->calls[i];
		if (c->effective)
			continue;
		if (more > 0) {
			more++;
			continue;
		}
		/* A voter's key (connection and path) tells who. */
		named = strcmp(c->key, c->who) != 0;
		n = snprintf(msg + off, limit - off, "%s %s %s%s%s%s: %s",
		    first ? "" : ";", c->kind_name, c->who,
		    named ? " (" : "", named ? c->key : "", named ? ")" : "",
		    c->reason[0] != '\0' ? c->reason : exitpt_end_name(c->end));
		if (n < 0 || (size_t)n >= limit - off) {
			msg[off] = '\0';
			more = 1;
			continue;
		}
		off += (size_t)n;
		first = 0;
	}
	if (more > 0)
		snprintf(msg + off, SVC_VETO_MAX - off, "; and %zu more "
		    "(exitctl journal names them all)", more);
	svc_utf8(msg, 0);
	return (msg);
}

/* Turn the engine's refusal of a drive into the contract's error. */
static void
svc_engine_error(DBusMessage *call, int error, int phase)
{
	struct engine_snapshot	*s;
	dbus_uint64_t		 asked;

	s = phase_snapshot(-1);
	switch (error) {
	case EXITPT_E_BUSY:
		svc_error(call, ERROR_BUSY, "operation %016" PRIx64 " is "
		    "running (%s %s, driven by %s)", s->operation,
		    s->action == EXITPT_ACTION_HIBERNATION ? "hibernation" :
		    "migration", exitpt_phase_name(s->phase), s->driver);
		break;
	case EXITPT_E_NO_OPERATION:
		/* Every drive but Check starts with the operation asked for. */
		if (phase == EXITPT_OP_CHECK || !dbus_message_get_args(call,
		    NULL, DBUS_TYPE_UINT64, &asked, DBUS_TYPE_INVALID))
			asked = 0;
		if (s->operation == 0)
			svc_error(call, ERROR_NO_OPERATION, "no operation yet");
		else if (asked == s->operation && !s->open)
			svc_error(call, ERROR_NO_OPERATION, "operation %016"
			    PRIx64 " is over (%s)", s->operation,
			    exitpt_outcome_name(s->op_outcome));
		else
			svc_error(call, ERROR_NO_OPERATION, "no such "
			    "operation: the current or last one is %016"
			    PRIx64, s->operation);
		break;
	case EXITPT_E_PHASE:
		svc_error(call, ERROR_WRONG_PHASE, "%s is not allowed now: "
		    "operation %016" PRIx64 " is %s after %s (%s)",
		    exitpt_phase_name(phase), s->operation, s->open ?
		    (s->running ? "running" : "waiting") : "over",
		    exitpt_phase_name(s->phase), exitpt_outcome_name(
		    s->running ? EXITPT_OUTCOME_RUNNING : s->outcome));
		break;
	case EXITPT_E_VALUE:
		svc_error(call, DBUS_ERROR_INVALID_ARGS, "%s",
		    exitpt_strerror(error));
		break;
	default:
		svc_error(call, DBUS_ERROR_FAILED, "%s: %s",
		    exitpt_phase_name(phase), exitpt_strerror(error));
		break;
	}
	phase_snapshot_free(s);
}

/*
 * A string argument that must be text a person reads: not empty (unless
 * empty_ok), at most SVC_TEXT_MAX bytes, one line without control
 * characters (it goes to the log and to operators' terminals as it is).
 * Returns 0, or -1 with why in err.
 */
static int
svc_text(const char *what, const char *s, int empty_ok, char *err,
    size_t len)
{
	size_t	i;

	if (*s == '\0' && !empty_ok) {
		snprintf(err, len, "%s: empty", what);
		return (-1);
	}
	if (strlen(s) > SVC_TEXT_MAX) {
		snprintf(err, len, "%s: %zu bytes, at most %d", what,
		    strlen(s), SVC_TEXT_MAX);
		return (-1);
	}
	for (i = 0; s[i] != '\0'; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			snprintf(err, len, "%s: control character 0x%02x at "
			    "byte %zu", what, (unsigned int)(unsigned char)s[i],
			    i);
			return (-1);
		}
	}
	return (0);
}

/*
 * Read an a{sv} of options whose values are all u: keys lists the names
 * known (NULL-terminated), vals receives them and set[i] says which were
 * given.  Returns 0, or -1 with why in err: an unknown key or a value of
 * another type is refused rather than ignored, so that a typo shows.
 */
static int
svc_options(DBusMessageIter *it, const char *const *keys, dbus_uint32_t *vals,
    int *set, char *err, size_t len)
{
	DBusMessageIter	 dict, ent, var;
	const char	*key;
	char		*sig;
	int		 i;

	dbus_message_iter_recurse(it, &dict);
	for (; dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY;
	    dbus_message_iter_next(&dict)) {
		dbus_message_iter_recurse(&dict, &ent);
		dbus_message_iter_get_basic(&ent, &key);
		dbus_message_iter_next(&ent);
		dbus_message_iter_recurse(&ent, &var);
		for (i = 0; keys[i] != NULL; i++) {
			if (strcmp(keys[i], key) == 0)
				break;
		}
		if (keys[i] == NULL) {
			snprintf(err, len, "unknown option '%s'", key);
			return (-1);
		}
		if (dbus_message_iter_get_arg_type(&var) != DBUS_TYPE_UINT32) {
			sig = dbus_message_iter_get_signature(&var);
			snprintf(err, len, "option %s: type u, not %s", key,
			    sig != NULL ? sig : "?");
			dbus_free(sig);
			return (-1);
		}
		dbus_message_iter_get_basic(&var, &vals[i]);
		set[i] = 1;
	}
	return (0);
}

/*
 * The three string-like arguments (signature checked already) that
 * Inhibit and RegisterVoter start with; it is left on the fourth.
 */
static void
svc_strings(DBusMessage *msg, DBusMessageIter *it, const char **a,
    const char **b, const char **c)
{
	dbus_message_iter_init(msg, it);
	dbus_message_iter_get_basic(it, a);
	dbus_message_iter_next(it);
	dbus_message_iter_get_basic(it, b);
	dbus_message_iter_next(it);
	dbus_message_iter_get_basic(it, c);
	dbus_message_iter_next(it);
}

/* Inhibit(who, why, mode, options) -> fd. */
static void
svc_inhibit(struct svc_call *sc)
{
	static const char *const keys[] = { "wait_time", NULL };
	DBusMessageIter	 it;
	DBusMessage	*reply;
	const char	*who, *why, *mode;
	char		 err[SVC_MESSAGE_MAX];
	dbus_uint32_t	 vals[1] = { PART_INHIBITOR_WAIT };
	int		 set[1] = { 0 }, m, wait, fd;

	svc_strings(sc->msg, &it, &who, &why, &mode);
	if (svc_text("who", who, 0, err, sizeof(err)) == -1 ||
	    svc_text("why", why, 0, err, sizeof(err)) == -1 ||
	    svc_options(&it, keys, vals, set, err, sizeof(err)) == -1) {
		svc_error(sc->msg, DBUS_ERROR_INVALID_ARGS, "%s", err);
		return;
	}
	if (strcmp(mode, "block") == 0)
		m = INHIBIT_BLOCK;
	else if (strcmp(mode, "delay") == 0)
		m = INHIBIT_DELAY;
	else {
		svc_error(sc->msg, DBUS_ERROR_INVALID_ARGS, "mode: 'block' or "
		    "'delay', not '%s'", mode);
		return;
	}
	if (set[0] && m != INHIBIT_DELAY) {
		svc_error(sc->msg, DBUS_ERROR_INVALID_ARGS, "wait_time is an "
		    "option of delay locks");
		return;
	}
	/* Clamped as rule 1 clamps a Check answer. */
	wait = vals[0] >= EXITPT_WAIT_MIN && vals[0] <= EXITPT_WAIT_MAX ?
	    (int)vals[0] : EXITPT_WAIT_MIN;
	if (!dbus_connection_can_send_type(svc_conn, DBUS_TYPE_UNIX_FD)) {
		svc_error(sc->msg, DBUS_ERROR_NOT_SUPPORTED, "this bus cannot "
		    "pass file descriptors");
		return;
	}
	if ((fd = part_inhibitor_take(who, why, m, wait, sc->uid,
	    sc->pid)) < 0) {
		svc_error(sc->msg, fd == EXITPT_E_LIMIT ?
		    DBUS_ERROR_LIMITS_EXCEEDED : DBUS_ERROR_FAILED,
		    "cannot take the lock: %s", exitpt_strerror(fd));
		return;
	}
	/* libdbus sends its own copy; exitd keeps none of the holder's end. */
	reply = dbus_message_new_method_return(sc->msg);
	if (reply == NULL || !dbus_message_append_args(reply,
	    DBUS_TYPE_UNIX_FD, &fd, DBUS_TYPE_INVALID))
		fatalx("D-Bus: out of memory");
	close(fd);
	svc_send(reply);
}

/* RegisterVoter(path, name, description, options). */
static void
svc_register(struct svc_call *sc)
{
	static const char *const keys[] = {
		[PART_VOTER_CHECK] = "check_timeout",
		[PART_VOTER_CANCEL] = "cancel_timeout",
		[PART_VOTER_COMPLETE] = "complete_timeout",
		[PART_VOTER_NTIMEOUTS] = NULL
	};
	DBusMessageIter	 it;
	const char	*path, *name, *desc;
	char		 err[SVC_MESSAGE_MAX];
	dbus_uint32_t	 vals[PART_VOTER_NTIMEOUTS];
	int		 set[PART_VOTER_NTIMEOUTS] = { 0 };
	int		 timeout[PART_VOTER_NTIMEOUTS], i, error;

	for (i = 0; i < PART_VOTER_NTIMEOUTS; i++)
		vals[i] = (dbus_uint32_t)part_voter_timeout_default[i];
	svc_strings(sc->msg, &it, &path, &name, &desc);
	/*
	 * The bus bounds a path only by a message's size: a voter is kept,
	 * listed, logged and journalled by its path, so it is bounded here.
	 */
	if (strlen(path) > SVC_PATH_MAX) {
		svc_error(sc->msg, DBUS_ERROR_INVALID_ARGS, "path: %zu bytes, "
		    "at most %d", strlen(path), SVC_PATH_MAX);
		return;
	}
	if (svc_text("name", name, 0, err, sizeof(err)) == -1 ||
	    svc_text("description", desc, 1, err, sizeof(err)) == -1 ||
	    svc_options(&it, keys, vals, set, err, sizeof(err)) == -1) {
		svc_error(sc->msg, DBUS_ERROR_INVALID_ARGS, "%s", err);
		return;
	}
	for (i = 0; i < PART_VOTER_NTIMEOUTS; i++) {
		if (vals[i] < 1 ||
		    vals[i] > (dbus_uint32_t)part_voter_timeout_max[i]) {
			svc_error(sc->msg, DBUS_ERROR_INVALID_ARGS, "%s: "
			    "1..%d seconds, not %u", keys[i],
			    part_voter_timeout_max[i],
			    (unsigned int)vals[i]);
			return;
		}
		timeout[i] = (int)vals[i];
	}
	if ((error = part_voter_register(dbus_message_get_sender(sc->msg),
	    path, name, desc, timeout, sc->uid, sc->pid)) != 0) {
		svc_error(sc->msg, DBUS_ERROR_LIMITS_EXCEEDED, "cannot "
		    "register: %s", exitpt_strerror(error));
		return;
	}
	svc_send(dbus_message_new_method_return(sc->msg));
}

/* UnregisterVoter(path). */
static void
svc_unregister(struct svc_call *sc)
{
	const char	*path;

	dbus_message_get_args(sc->msg, NULL, DBUS_TYPE_OBJECT_PATH, &path,
	    DBUS_TYPE_INVALID);
	if (part_voter_unregister(dbus_message_get_sender(sc->msg), path) !=
	    0) {
		svc_error(sc->msg, DBUS_ERROR_INVALID_ARGS, "no voter of "
		    "this connection at %s", path);
		return;
	}
	svc_send(dbus_message_new_method_return(sc->msg));
}

/* ListParticipants() -> a(ssua{sv}). */
static void
svc_list(struct svc_call *sc)
{
	DBusMessageIter	 it, arr;
	DBusMessage	*reply;

	if ((reply = dbus_message_new_method_return(sc->msg)) == NULL)
		fatalx("D-Bus: out of memory");
	dbus_message_iter_init_append(reply, &it);
	if (!dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY,
	    "(ssua{sv})", &arr))
		fatalx("D-Bus: out of memory");
	phase_list(svc_list_cb, &arr);
	if (!dbus_message_iter_close_container(&it, &arr))
		fatalx("D-Bus: out of memory");
	svc_send(reply);
}

/* One participant as (kind, who, pid, details). */
static void
svc_list_cb(void *arg, int kind, const char *who, pid_t pid, json_t *details)
{
	DBusMessageIter	*arr = arg, st, dict, ent;
	const char	*kname = exitpt_participant_name(kind), *key;
	dbus_uint32_t	 upid = pid > 0 ? (dbus_uint32_t)pid : 0;
	json_t		*v;

	if (!dbus_validate_utf8(who, NULL))
		who = "?";
	if (!dbus_message_iter_open_container(arr, DBUS_TYPE_STRUCT, NULL,
	    &st) ||
	    !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &kname) ||
	    !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &who) ||
	    !dbus_message_iter_append_basic(&st, DBUS_TYPE_UINT32, &upid) ||
	    !dbus_message_iter_open_container(&st, DBUS_TYPE_ARRAY, "{sv}",
	    &dict))
		fatalx("D-Bus: out of memory");
	if (details != NULL && json_is_object(details)) {
		json_object_foreach(details, key, v) {
			if (!dbus_validate_utf8(key, NULL))
				continue;
			if (!dbus_message_iter_open_container(&dict,
			    DBUS_TYPE_DICT_ENTRY, NULL, &ent) ||
			    !dbus_message_iter_append_basic(&ent,
			    DBUS_TYPE_STRING, &key))
				fatalx("D-Bus: out of memory");
			svc_json_variant(&ent, v);
			if (!dbus_message_iter_close_container(&dict, &ent))
				fatalx("D-Bus: out of memory");
		}
	}
	json_decref(details);
	if (!dbus_message_iter_close_container(&st, &dict) ||
	    !dbus_message_iter_close_container(arr, &st))
		fatalx("D-Bus: out of memory");
}

/*
 * A JSON value as a variant: strings s, integers x, reals d, booleans b;
 * anything else as its JSON text.
 */
static void
svc_json_variant(DBusMessageIter *ent, json_t *v)
{
	DBusMessageIter	 var;
	dbus_int64_t	 x;
	double		 d;
	dbus_bool_t	 b;
	const char	*s;
	char		*text = NULL;
	int		 ok;

	switch (json_typeof(v)) {
	case JSON_INTEGER:
		x = (dbus_int64_t)json_integer_value(v);
		ok = dbus_message_iter_open_container(ent, DBUS_TYPE_VARIANT,
		    "x", &var) && dbus_message_iter_append_basic(&var,
		    DBUS_TYPE_INT64, &x);
		break;
	case JSON_REAL:
		d = json_real_value(v);
		ok = dbus_message_iter_open_container(ent, DBUS_TYPE_VARIANT,
		    "d", &var) && dbus_message_iter_append_basic(&var,
		    DBUS_TYPE_DOUBLE, &d);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		b = json_is_true(v);
		ok = dbus_message_iter_open_container(ent, DBUS_TYPE_VARIANT,
		    "b", &var) && dbus_message_iter_append_basic(&var,
		    DBUS_TYPE_BOOLEAN, &b);
		break;
	default:
		if (json_is_string(v) && dbus_validate_utf8(
		    json_string_value(v), NULL))
			s = json_string_value(v);
		else
			s = text = json_dumps(v, JSON_ENCODE_ANY |
			    JSON_COMPACT);
		if (s == NULL)
			s = "";
		ok = dbus_message_iter_open_container(ent, DBUS_TYPE_VARIANT,
		    "s", &var) && dbus_message_iter_append_basic(&var,
		    DBUS_TYPE_STRING, &s);
		break;
	}
	if (!ok || !dbus_message_iter_close_container(ent, &var))
		fatalx("D-Bus: out of memory");
	free(text);
}

/* Append the variant value of property name to a dict entry; 0 if none. */
static void
svc_prop_append(DBusMessageIter *ent, const char *name)
{
	DBusMessageIter	 var;
	dbus_uint64_t	 op = svc_props.operation;
	dbus_uint32_t	 w = svc_props.window;
	const char	*s = NULL, *sig = "s";
	int		 ok;

	if (strcmp(name, "State") == 0)
		s = svc_props.state;
	else if (strcmp(name, "Phase") == 0)
		s = svc_props.phase;
	else if (strcmp(name, "Action") == 0)
		s = svc_props.action;
	else if (strcmp(name, "Operation") == 0)
		sig = "t";
	else
		sig = "u";
	ok = dbus_message_iter_open_container(ent, DBUS_TYPE_VARIANT, sig,
	    &var);
	if (ok && s != NULL)
		ok = dbus_message_iter_append_basic(&var, DBUS_TYPE_STRING, &s);
	else if (ok && *sig == 't')
		ok = dbus_message_iter_append_basic(&var, DBUS_TYPE_UINT64,
		    &op);
	else if (ok)
		ok = dbus_message_iter_append_basic(&var, DBUS_TYPE_UINT32, &w);
	if (!ok || !dbus_message_iter_close_container(ent, &var))
		fatalx("D-Bus: out of memory");
}

static const char *const svc_prop_names[] = {
	"State", "Operation", "Phase", "Action", "Window", NULL
};

/* Append property svc_prop_names[i] and its value as a {sv} entry. */
static void
svc_prop_entry(DBusMessageIter *dict, int i)
{
	DBusMessageIter	 ent;

	if (!dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY,
	    NULL, &ent) || !dbus_message_iter_append_basic(&ent,
	    DBUS_TYPE_STRING, &svc_prop_names[i]))
		fatalx("D-Bus: out of memory");
	svc_prop_append(&ent, svc_prop_names[i]);
	if (!dbus_message_iter_close_container(dict, &ent))
		fatalx("D-Bus: out of memory");
}

/* Properties.Get(interface, name). */
static void
svc_props_get(DBusMessage *msg)
{
	DBusMessageIter	 it;
	DBusMessage	*reply;
	const char	*iface, *name;
	size_t		 i;

	if (!dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &iface,
	    DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID)) {
		svc_error(msg, DBUS_ERROR_INVALID_ARGS, "Get takes (ss)");
		return;
	}
	for (i = 0; svc_prop_names[i] != NULL; i++) {
		if (strcmp(svc_prop_names[i], name) == 0)
			break;
	}
	if (strcmp(iface, MANAGER_IFACE) != 0 || svc_prop_names[i] == NULL) {
		svc_error(msg, DBUS_ERROR_UNKNOWN_PROPERTY, "no property %s.%s",
		    iface, name);
		return;
	}
	if ((reply = dbus_message_new_method_return(msg)) == NULL)
		fatalx("D-Bus: out of memory");
	dbus_message_iter_init_append(reply, &it);
	svc_prop_append(&it, name);
	svc_send(reply);
}

/* Properties.GetAll(interface). */
static void
svc_props_get_all(DBusMessage *msg)
{
	DBusMessageIter	 it, dict;
	DBusMessage	*reply;
	const char	*iface;
	size_t		 i;

	if (!dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &iface,
	    DBUS_TYPE_INVALID)) {
		svc_error(msg, DBUS_ERROR_INVALID_ARGS, "GetAll takes (s)");
		return;
	}
	if ((reply = dbus_message_new_method_return(msg)) == NULL)
		fatalx("D-Bus: out of memory");
	dbus_message_iter_init_append(reply, &it);
	if (!dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}",
	    &dict))
		fatalx("D-Bus: out of memory");
	/* Another interface of this object has no properties. */
	for (i = 0; strcmp(iface, MANAGER_IFACE) == 0 &&
	    svc_prop_names[i] != NULL; i++)
		svc_prop_entry(&dict, i);
	if (!dbus_message_iter_close_container(&it, &dict))
		fatalx("D-Bus: out of memory");
	svc_send(reply);
}

/*
 * Read the properties from the engine's snapshot and, if announce, emit
 * PropertiesChanged with those that changed.
 */
static void
svc_props_update(int announce)
{
	struct engine_snapshot	*s;
	struct svc_props	 old = svc_props;
	DBusMessageIter		 it, dict, inv;
	DBusMessage		*sig;
	const char		*iface = MANAGER_IFACE;
	int			 changed[5], n = 0, i;

	s = phase_snapshot(-1);
	svc_props.state = s->running ? "running" : s->open ? "waiting" :
	    "idle";
	svc_props.operation = s->operation;
	/* Between OperationStarted and the first PhaseStarted: no phase. */
	svc_props.phase = s->operation == 0 || s->phase == EXITPT_OP_NONE ?
	    "" : exitpt_phase_name(s->phase);
	svc_props.action = s->operation == 0 ? "" : s->action ==
	    EXITPT_ACTION_HIBERNATION ? "hibernation" : "migration";
	svc_props.window = s->window > 0 ? (uint32_t)s->window : 0;
	phase_snapshot_free(s);
	if (!announce || svc_conn == NULL)
		return;
	changed[0] = old.state == NULL || strcmp(old.state,
	    svc_props.state) != 0;
	changed[1] = old.operation != svc_props.operation;
	changed[2] = old.phase == NULL || strcmp(old.phase,
	    svc_props.phase) != 0;
	changed[3] = old.action == NULL || strcmp(old.action,
	    svc_props.action) != 0;
	changed[4] = old.window != svc_props.window;
	for (i = 0; i < 5; i++)
		n += changed[i];
	if (n == 0)
		return;
	if ((sig = dbus_message_new_signal(EXITD_DBUS_PATH,
	    DBUS_INTERFACE_PROPERTIES, "PropertiesChanged")) == NULL)
		fatalx("D-Bus: out of memory");
	dbus_message_iter_init_append(sig, &it);
	if (!dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &iface) ||
	    !dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}",
	    &dict))
		fatalx("D-Bus: out of memory");
	for (i = 0; i < 5; i++) {
		if (changed[i])
			svc_prop_entry(&dict, i);
	}
	if (!dbus_message_iter_close_container(&it, &dict) ||
	    !dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "s",
	    &inv) || !dbus_message_iter_close_container(&it, &inv))
		fatalx("D-Bus: out of memory");
	svc_send(sig);
}

/* Emit a Manager signal with libdbus's (type, pointer) argument pairs. */
static void
svc_signal(const char *member, int first, ...)
{
	DBusMessage	*sig;
	va_list		 ap;
	int		 ok;

	if (svc_conn == NULL)
		return;
	if ((sig = dbus_message_new_signal(EXITD_DBUS_PATH, MANAGER_IFACE,
	    member)) == NULL)
		fatalx("D-Bus: out of memory");
	va_start(ap, first);
	ok = dbus_message_append_args_valist(sig, first, ap);
	va_end(ap);
	if (!ok)
		fatalx("D-Bus: out of memory");
	svc_send(sig);
}

/*
 * An engine event: the signal for it, in the engine's order, then the
 * properties it changed.
 */
static void
svc_event_cb(const struct engine_event *ev, void *arg)
{
	const struct engine_call_view	*c = ev->call;
	dbus_uint64_t			 op = ev->operation;
	dbus_uint32_t			 u;
	dbus_int32_t			 status;
	const char			*action, *phase, *outcome, *kind, *who;
	const char			*end, *reason;

	action = ev->action == EXITPT_ACTION_HIBERNATION ? "hibernation" :
	    "migration";
	phase = exitpt_phase_name(ev->phase);
	outcome = exitpt_outcome_name(ev->outcome);
	switch (ev->type) {
	case ENGINE_OPERATION_STARTED:
		svc_signal("OperationStarted", DBUS_TYPE_UINT64, &op,
		    DBUS_TYPE_STRING, &action, DBUS_TYPE_INVALID);
		break;
	case ENGINE_PHASE_STARTED:
		u = ev->window > 0 ? (dbus_uint32_t)ev->window : 0;
		svc_signal("PhaseStarted", DBUS_TYPE_UINT64, &op,
		    DBUS_TYPE_STRING, &phase, DBUS_TYPE_UINT32, &u,
		    DBUS_TYPE_INVALID);
		break;
	case ENGINE_ANSWER:
		kind = c->kind_name;
		who = dbus_validate_utf8(c->who, NULL) ? c->who : "?";
		status = c->status;
		u = c->wait > 0 ? (dbus_uint32_t)c->wait : 0;
		end = exitpt_end_name(c->end);
		reason = dbus_validate_utf8(c->reason, NULL) ? c->reason : "?";
		svc_signal("Answer", DBUS_TYPE_UINT64, &op, DBUS_TYPE_STRING,
		    &phase, DBUS_TYPE_STRING, &kind, DBUS_TYPE_STRING, &who,
		    DBUS_TYPE_INT32, &status, DBUS_TYPE_UINT32, &u,
		    DBUS_TYPE_STRING, &end, DBUS_TYPE_STRING, &reason,
		    DBUS_TYPE_INVALID);
		return;
	case ENGINE_PHASE_ENDED:
		svc_signal("PhaseEnded", DBUS_TYPE_UINT64, &op,
		    DBUS_TYPE_STRING, &phase, DBUS_TYPE_STRING, &outcome,
		    DBUS_TYPE_INVALID);
		break;
	case ENGINE_OPERATION_ENDED:
		svc_signal("OperationEnded", DBUS_TYPE_UINT64, &op,
		    DBUS_TYPE_STRING, &outcome, DBUS_TYPE_INVALID);
		break;
	default:
		return;
	}
	svc_props_update(1);
}
