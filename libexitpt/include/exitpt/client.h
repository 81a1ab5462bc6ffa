/*
 * exitpt phase engine client: drive and observe exitd's operations over its
 * control socket.  exitctl, hmcsim and the platform adapters are thin
 * front-ends over this API.
 *
 * A whole migration, as an HMC drives it:
 *
 *	struct exitpt_client	*c;
 *	struct exitpt_report	*r;
 *	uint64_t		 op;
 *	int			 error;
 *
 *	if ((error = exitpt_client_open(&c, NULL)) != 0)
 *		return (error);			// exitd not running, ...
 *	error = exitpt_client_check(c, EXITPT_ACTION_MIGRATION, 0, &r);
 *	if (error == EXITPT_E_BUSY)		// r names the running one
 *		printf("busy: operation %016llx in %s\n",
 *		    (unsigned long long)exitpt_report_operation(r),
 *		    exitpt_phase_name(exitpt_report_phase(r)));
 *	if (error != 0)
 *		goto out;
 *	op = exitpt_report_operation(r);
 *	if (exitpt_report_outcome(r) == EXITPT_OUTCOME_VETOED) {
 *		// Cancel already went to those that allowed; answers say
 *		// who vetoed and why (exitpt_answer_effective() == 0).
 *		goto out;
 *	}
 *	exitpt_report_free(r);
 *	error = exitpt_client_prepare(c, op, &r);	// returns after the
 *	...						// prepare window
 *	// the platform suspends and resumes the system here
 *	error = exitpt_client_complete(c, op, EXITPT_SYSTEM_NORMAL, &r);
 *   out:
 *	exitpt_report_free(r);
 *	exitpt_client_close(c);
 *
 * Each drive call blocks until its phase has ended and returns 0 with a
 * report of the phase (outcome and every participant's answer), or a
 * negative error: EXITPT_E_BUSY (another operation runs; the report, if
 * asked for, describes it), EXITPT_E_AUTH (caller is neither root nor in
 * the admin group), EXITPT_E_PHASE (the phase is not allowed now),
 * EXITPT_E_NO_OPERATION, EXITPT_E_PROTOCOL/_VERSION, or -errno.
 * A report pointer may be NULL when the caller does not want one.
 *
 * Drive requests name their driver for exitd's log, journal and busy
 * replies: the program's name unless exitpt_client_set_driver() gives
 * another.  exitd puts the caller's uid and pid, which it takes from the
 * socket, in front of it: "uid 0 pid 4242 (hmcsim)".
 *
 * Observing: exitpt_client_status() returns a snapshot of the current (or
 * last) operation; exitpt_client_wait() blocks until that snapshot changes
 * (a phase starts or ends, a participant answers), so a progress display
 * needs no polling.  exitpt_client_journal() reads exitd's journal, one
 * JSON record per line.
 */
#ifndef EXITPT_CLIENT_H
#define EXITPT_CLIENT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <exitpt/error.h>
#include <exitpt/format.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Environment variable naming the control socket. */
#define EXITPT_SOCKET_ENV		"EXITPT_SOCKET"

/* Phases of an operation, as reports name them. */
enum exitpt_phase {
	EXITPT_OP_NONE = 0,		/* no operation yet */
	EXITPT_OP_CHECK = 1,		/* '1' Check */
	EXITPT_OP_PREPARE = 2,		/* '2' Prepare */
	EXITPT_OP_CANCEL = 3,		/* '2' Cancel */
	EXITPT_OP_COMPLETE = 4,		/* '4' Complete */
};

/* Outcome of a phase or state of an operation. */
enum exitpt_outcome {
	EXITPT_OUTCOME_RUNNING = 0,	/* the phase is still running */
	EXITPT_OUTCOME_ALLOWED = 1,	/* Check allowed; Prepare may follow */
	EXITPT_OUTCOME_VETOED = 2,	/* Check vetoed; Cancel was sent */
	EXITPT_OUTCOME_VALIDATED = 3,	/* validation-only Check allowed */
	EXITPT_OUTCOME_PREPARED = 4,	/* Prepare ended; Complete may follow */
	EXITPT_OUTCOME_CANCELLED = 5,	/* Cancel sent; operation over */
	EXITPT_OUTCOME_COMPLETED = 6,	/* Complete ended; operation over */
	EXITPT_OUTCOME_RECOVERED = 7,	/* rebuilt from the journal after a
					   restart, waiting for a driver */
};

/* Kinds of participant. */
enum exitpt_participant_kind {
	EXITPT_PARTICIPANT_PROGRAM = 1,	/* an exit program */
	EXITPT_PARTICIPANT_CRITICAL = 2,	/* critical sections held
					   (exitpt/critical.h) at Check */
	EXITPT_PARTICIPANT_VOTER = 3,	/* a D-Bus voter (SPEC section 7) */
	EXITPT_PARTICIPANT_INHIBITOR = 4, /* a D-Bus inhibitor lock */
	EXITPT_PARTICIPANT_DR = 5,	/* a process using the dr_reconfig()
					   shim (AIX SIGRECONFIG) */
};

/* How a participant's call ended. */
enum exitpt_end {
	EXITPT_END_RUNNING = 0,		/* still running */
	EXITPT_END_EXITED = 1,		/* exited; code = exit status */
	EXITPT_END_SIGNALED = 2,	/* killed; code = signal */
	EXITPT_END_TIMEDOUT = 3,	/* past its timeout or the window */
	EXITPT_END_REFUSED = 4,		/* not started: unsafe or missing */
	EXITPT_END_FAILED = 5,		/* not started: exitd could not */
	EXITPT_END_SKIPPED = 6,		/* not started: window elapsed */
	EXITPT_END_ANSWERED = 7,	/* answered normally without an exit
					   status: critical sections, voters,
					   inhibitors, dr_reconfig processes */
	EXITPT_END_ERROR = 8,		/* answered with an error (a D-Bus
					   error reply, a refused answer) */
	EXITPT_END_GONE = 9,		/* went away before answering (left
					   the bus, process ended) */
};

struct exitpt_client;
struct exitpt_report;
struct exitpt_answer;

/*
 * Connect to exitd.  path NULL means $EXITPT_SOCKET, else the built-in
 * socket path.  Returns 0, -ENOENT/-ECONNREFUSED when exitd is not
 * running, or another -errno.
 */
EXITPT_EXPORT int exitpt_client_open(struct exitpt_client **clientp,
    const char *path);

/* Close the connection and free the client; NULL is allowed. */
EXITPT_EXPORT void exitpt_client_close(struct exitpt_client *client);

/*
 * Name this client as a driver (at most 63 bytes of printable ASCII;
 * NULL: the program's name, program_invocation_short_name, the default).
 * Linux: exitd reads the caller's uid and pid from SO_PEERCRED and shows
 * them in front of the name, which it never trusts for identity.
 * Returns 0, or EXITPT_E_VALUE for an empty, too long or unprintable name.
 */
EXITPT_EXPORT int exitpt_client_set_driver(struct exitpt_client *client,
    const char *name);

/*
 * Ask for the driver's force option (an HMC's --force) in the drive
 * requests that follow (force non-zero), or stop asking (0).  It is kept
 * for the operation that the next Check starts and reaches the
 * participants that know of it (dr_reconfig processes see force set in
 * dr_info_t);
 * vetoes still veto.
 */
EXITPT_EXPORT void exitpt_client_set_force(struct exitpt_client *client,
    int force);

/*
 * Let the Check requests that follow (supersede non-zero) replace an
 * operation that this same driver opened and that still waits between
 * Check and Prepare: exitd sends Cancel to the participants whose Check
 * allowed, journals that operation as superseded, and runs a fresh Check,
 * instead of answering EXITPT_E_BUSY.  "This same driver" is the same
 * uid (from the socket) and the same name (exitpt_client_set_driver);
 * for the powerpc-utils drmgr hook, whose check cannot tell an HMC
 * Validate from a migration's first step.  Any other operation, and one
 * past Check, is still busy.
 */
EXITPT_EXPORT void exitpt_client_set_supersede(struct exitpt_client *client,
    int supersede);

/*
 * Start an operation with the Check phase.  action is
 * EXITPT_ACTION_MIGRATION or _HIBERNATION; validate_only non-zero runs
 * Check alone (HMC "Validate").  Outcome ALLOWED, VALIDATED or VETOED.
 */
EXITPT_EXPORT int exitpt_client_check(struct exitpt_client *client,
    int action, int validate_only, struct exitpt_report **reportp);

/*
 * Run Prepare for an allowed operation (operation 0: the current one).
 * Returns when every program has finished or the window has elapsed.
 * Outcome PREPARED (or CANCELLED if a driver cancelled meanwhile).
 */
EXITPT_EXPORT int exitpt_client_prepare(struct exitpt_client *client,
    uint64_t operation, struct exitpt_report **reportp);

/*
 * Cancel the operation (0: the current one) after Check or during or after
 * Prepare: Cancel goes once to each participant whose Check allowed.
 */
EXITPT_EXPORT int exitpt_client_cancel(struct exitpt_client *client,
    uint64_t operation, struct exitpt_report **reportp);

/*
 * Run Complete after the system resumed; system_state is
 * EXITPT_SYSTEM_NORMAL or EXITPT_SYSTEM_RESTRICTED.
 */
EXITPT_EXPORT int exitpt_client_complete(struct exitpt_client *client,
    uint64_t operation, int system_state, struct exitpt_report **reportp);

/*
 * Run Complete of the resume programs with no operation open: a
 * resume-only operation of action (EXITPT_ACTION_*), journalled as such,
 * for a system that resumed where no Check ran (a process restored by
 * CRIU on another host).  Outcome COMPLETED; EXITPT_E_BUSY when an
 * operation is open (the report describes it), EXITPT_E_VALUE for a bad
 * action or system_state.
 */
EXITPT_EXPORT int exitpt_client_resume_only(struct exitpt_client *client,
    int action, int system_state, struct exitpt_report **reportp);

/* Snapshot of the current or last operation; needs no privilege. */
EXITPT_EXPORT int exitpt_client_status(struct exitpt_client *client,
    struct exitpt_report **reportp);

/*
 * Wait until the snapshot differs from generation (see
 * exitpt_report_generation) or timeout_ms elapses (negative: no limit),
 * then return a fresh snapshot; -ETIMEDOUT if nothing changed.
 */
EXITPT_EXPORT int exitpt_client_wait(struct exitpt_client *client,
    uint64_t generation, int timeout_ms, struct exitpt_report **reportp);

/*
 * Read exitd's journal from its start and call line_cb with each record
 * (one JSON object, without the newline).  A non-zero return from line_cb
 * stops the reading and is returned.
 */
EXITPT_EXPORT int exitpt_client_journal(struct exitpt_client *client,
    int (*line_cb)(const char *line, void *arg), void *arg);

/*
 * Every participant that exists now (registered exit programs, critical
 * sections held, D-Bus voters, inhibitor locks, dr_reconfig processes)
 * as JSON text: an array of objects {"kind": "program"|"critical"|
 * "voter"|"inhibitor"|"dr", "who": text, "pid": number (0: none),
 * "details": object}.  *jsonp is NUL-terminated UTF-8, freed with free().
 * Returns 0 or a negative error as above.
 */
EXITPT_EXPORT int exitpt_client_participants(struct exitpt_client *client,
    char **jsonp);

/* Release a report; NULL is allowed. */
EXITPT_EXPORT void exitpt_report_free(struct exitpt_report *report);

/* Operation id (0: none yet). */
EXITPT_EXPORT uint64_t exitpt_report_operation(
    const struct exitpt_report *report);
/* EXITPT_ACTION_* of the operation. */
EXITPT_EXPORT int exitpt_report_action(const struct exitpt_report *report);
/* Phase the report is about (enum exitpt_phase). */
EXITPT_EXPORT int exitpt_report_phase(const struct exitpt_report *report);
/* Outcome of that phase (enum exitpt_outcome). */
EXITPT_EXPORT int exitpt_report_outcome(const struct exitpt_report *report);
/* Prepare window granted by Check, in seconds (0 before Check ends). */
EXITPT_EXPORT int exitpt_report_window(const struct exitpt_report *report);
/* Milliseconds left of the prepare window while Prepare runs, else 0. */
EXITPT_EXPORT int64_t exitpt_report_window_left_ms(
    const struct exitpt_report *report);
/*
 * Milliseconds the running phase can still take at most, the 5 s grace of
 * a stopped participant included: Check, Cancel and Complete by their
 * participants' time limits (the longest, or their sum when the exit
 * point runs serially), Prepare by what is left of the window.  0 when no
 * phase runs, -1 when a participant of the running phase has no limit.
 */
EXITPT_EXPORT int64_t exitpt_report_bound_ms(
    const struct exitpt_report *report);
/*
 * Who started the operation: "uid U pid P (name)", the uid and pid from
 * the socket's credentials and the name the driver chose ("unknown" for
 * an operation recovered from a journal that did not record it, "" before
 * the first operation).  Valid until the report is freed.
 */
EXITPT_EXPORT const char *exitpt_report_driver(
    const struct exitpt_report *report);
/*
 * exitd's words about the request: why it was refused (an operation that
 * could not be journalled names the journal and the system error), or a
 * warning about one carried out (the journal lost records); "" when
 * nothing.  At most 255 bytes, valid until the report is freed.
 */
EXITPT_EXPORT const char *exitpt_report_detail(
    const struct exitpt_report *report);
/* System state given to Complete (EXITPT_SYSTEM_*), -1 before it. */
EXITPT_EXPORT int exitpt_report_system_state(
    const struct exitpt_report *report);
/* Change counter of exitd's state, for exitpt_client_wait. */
EXITPT_EXPORT uint64_t exitpt_report_generation(
    const struct exitpt_report *report);
/* Number of participant answers in the report. */
EXITPT_EXPORT size_t exitpt_report_count(const struct exitpt_report *report);
/* The i-th answer, in start order, or NULL past the end. */
EXITPT_EXPORT const struct exitpt_answer *exitpt_report_answer(
    const struct exitpt_report *report, size_t i);

/* EXITPT_PARTICIPANT_* */
EXITPT_EXPORT int exitpt_answer_kind(const struct exitpt_answer *answer);
/* Who: the program path (or the participant's name). */
EXITPT_EXPORT const char *exitpt_answer_who(const struct exitpt_answer *answer);
/* Program number, or 0 for participants without one. */
EXITPT_EXPORT int32_t exitpt_answer_number(const struct exitpt_answer *answer);
/* Status as answered in Check (-1: no answer; may be invalid). */
EXITPT_EXPORT int32_t exitpt_answer_status(const struct exitpt_answer *answer);
/* Wait time as answered in Check (may be invalid). */
EXITPT_EXPORT int32_t exitpt_answer_wait(const struct exitpt_answer *answer);
/* Effective Check answer after SPEC rule 1: 1 allow, 0 veto. */
EXITPT_EXPORT int exitpt_answer_effective(const struct exitpt_answer *answer);
/* How the call ended (enum exitpt_end). */
EXITPT_EXPORT int exitpt_answer_end(const struct exitpt_answer *answer);
/* Exit status or signal number, per exitpt_answer_end. */
EXITPT_EXPORT int exitpt_answer_code(const struct exitpt_answer *answer);
/* Reason: the program's EXITPT_REASON, or why it ended abnormally. */
EXITPT_EXPORT const char *exitpt_answer_reason(
    const struct exitpt_answer *answer);
/*
 * The process that answered: an exit program's pid for its call, a
 * participant's own process (a voter, a dr_reconfig process, a critical
 * section's holder), or 0 when there is none or it is not known.
 */
EXITPT_EXPORT pid_t exitpt_answer_pid(const struct exitpt_answer *answer);
/* Milliseconds the call took (so far, while running). */
EXITPT_EXPORT uint64_t exitpt_answer_duration_ms(
    const struct exitpt_answer *answer);

/* Names for display: "check", "allowed", "timed-out", ... */
EXITPT_EXPORT const char *exitpt_phase_name(int phase);
EXITPT_EXPORT const char *exitpt_outcome_name(int outcome);
EXITPT_EXPORT const char *exitpt_end_name(int end);
/* "program", "critical", "voter", "inhibitor", "dr" (EXITPT_PARTICIPANT_*). */
EXITPT_EXPORT const char *exitpt_participant_name(int kind);

#ifdef __cplusplus
}
#endif

#endif /* EXITPT_CLIENT_H */
