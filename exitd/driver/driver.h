/*
 * The driver helper: what every program that drives exitd over its control
 * socket shares.  exitctl and hmcsim link it, and so do the platform
 * adapters (drmgr hook, CRIU action script, logind): the default socket,
 * one set of exit statuses, the reading of a Check answer (SPEC section 2,
 * rule 1), one report printer and its JSON twin, and the whole
 * Check -> Prepare -> suspend -> Complete sequence with Cancel on failure.
 *
 * It sits on libexitpt's client API (exitpt/client.h).  Unlike the
 * library, it may print, but only to a FILE * its caller gives it; it
 * never exits, and returns 0 or a negative error (-errno or EXITPT_E_*)
 * unless a function says otherwise.
 *
 * A program links it with, in Makefile.am:
 *	prog_CPPFLAGS = $(DRIVER_CPPFLAGS)
 *	prog_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
 *	prog_LDADD = $(DRIVER_LIBS)
 *
 * A platform hook that only needs one phase:
 *	struct driver_request	 req = { .phase = EXITPT_OP_CHECK,
 *				     .action = EXITPT_ACTION_MIGRATION };
 *	error = driver_open(NULL, &c);
 *	error = driver_drive(c, &req, &r);
 *	driver_report_print(stderr, r, NULL, NULL);
 *	return (driver_exit_result(error, r));
 * and one that drives the whole operation fills a struct driver_run
 * (its suspend_cb does the platform's suspension) and calls driver_run().
 */
#ifndef DRIVER_H
#define DRIVER_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "exitpt-int.h"

/*
 * Exit statuses of exitctl, hmcsim and the adapters (exitctl(8) and
 * hmcsim(8) document them); 64 and up are sysexits.h's.
 */
#define DRIVER_EXIT_OK		0	/* allowed, validated, prepared,
					   completed; or done */
#define DRIVER_EXIT_VETOED	1	/* Check vetoed */
#define DRIVER_EXIT_CANCELLED	2	/* the operation was cancelled */
#define DRIVER_EXIT_BUSY	3	/* another operation runs; an IPC
					   wait elapsed; a suspend is pending */
#define DRIVER_EXIT_ABANDONED	4	/* left open on purpose (hmcsim
					   --disappear-after) */
#define DRIVER_EXIT_USAGE	64	/* EX_USAGE */
#define DRIVER_EXIT_DATA	65	/* EX_DATAERR: bad data; a phase
					   refused (no such operation, wrong
					   phase) */
#define DRIVER_EXIT_UNAVAILABLE	69	/* EX_UNAVAILABLE: exitd not running */
#define DRIVER_EXIT_SOFTWARE	70	/* EX_SOFTWARE: out of memory, an
					   outcome that makes no sense */
#define DRIVER_EXIT_IO		74	/* EX_IOERR: lost exitd, I/O error */
#define DRIVER_EXIT_NOPERM	77	/* EX_NOPERM: not root nor admin */
#define DRIVER_EXIT_CONFIG	78	/* EX_CONFIG: configuration error */

/* An operation id as every output shows it: 16 lower-case hex digits. */
#define DRIVER_OP_FMT		"%016" PRIx64
#define DRIVER_OP_LEN		17	/* with the NUL */

/* One drive request: a phase and what it needs. */
struct driver_request {
	int		 phase;		/* EXITPT_OP_CHECK .. _COMPLETE */
	uint64_t	 operation;	/* 0: the current one (all but Check) */
	int		 action;	/* Check: EXITPT_ACTION_* */
	int		 validate_only;	/* Check: HMC "Validate", Check only */
	int		 force;		/* Check: the HMC's force option
					   (dr_info_t.force) */
	int		 system_state;	/* Complete: EXITPT_SYSTEM_* */
	int		 resume_only;	/* Complete: with no operation open,
					   a resume-only operation of action */
};

/*
 * A settled Check answer as SPEC rule 1 counted it, derived from the
 * report alone: the exit point's check-failure setting shows in how an
 * abnormal end was counted (allow: check-failure allow, veto:
 * check-failure veto).
 */
struct driver_check {
	int		 allow;		/* counted: 1 allow, 0 veto */
	int		 abnormal;	/* ended abnormally (anything but exit
					   status 0 or a normal answer) */
	int		 failure_veto;	/* abnormal: check-failure veto */
	int		 veto_ignored;	/* abnormal under check-failure allow
					   after answering status 0 */
	int		 no_answer;	/* normal end, no status written */
	int		 status_invalid; /* normal end, status not -1, 0, 1 */
	int		 wait_invalid;	/* allowed with a wait it wrote outside
					   1..900 s */
	int32_t		 status;	/* as answered (-1: no answer) */
	int32_t		 wait;		/* as answered, seconds */
	int32_t		 wait_counted;	/* seconds counted toward the prepare
					   window (allow), else 0 */
	int		 end;		/* EXITPT_END_* */
	int		 code;		/* exit status or signal */
};

/*
 * The whole sequence driver_run() drives: Check, then (unless validating)
 * Prepare, the suspension, Complete; or Cancel after Check or Prepare.
 */
struct driver_run {
	const char	*socket;	/* NULL: driver_socket(NULL) */
	int		 action;	/* EXITPT_ACTION_* */
	int		 validate_only;	/* Check only (HMC "Validate") */
	int		 force;		/* the HMC's force option */
	int		 system_state;	/* for Complete: EXITPT_SYSTEM_* */
	int		 cancel_after;	/* 0, EXITPT_OP_CHECK or _PREPARE:
					   Cancel there instead of going on */
	int		 stop_after;	/* 0, EXITPT_OP_CHECK or _PREPARE:
					   leave the operation open there */
	/*
	 * Drive one phase (NULL: driver_drive on *cp).  hmcsim's fault
	 * injector replaces it; it may reconnect (*cp) and answer with the
	 * report of another phase (a Cancel after a lost Prepare).
	 */
	int		(*drive_cb)(struct exitpt_client **cp,
			    const struct driver_request *,
			    struct exitpt_report **, void *arg);
	/* Before each request; last is the report before it, or NULL. */
	void		(*phase_cb)(const struct driver_request *,
			    const struct exitpt_report *last, void *arg);
	/*
	 * Each phase's report; after a vetoed Check, cancel is the Cancel
	 * that exitd sent to those that allowed (else NULL).
	 */
	void		(*report_cb)(const struct exitpt_report *,
			    const struct exitpt_report *cancel, void *arg);
	/*
	 * The suspension, between Prepare and Complete (NULL: none).
	 * Returns 0 when the system resumed, else a negative error: then
	 * Cancel, not Complete, goes to the participants.
	 */
	int		(*suspend_cb)(void *arg);
	void		*arg;
};

/* How a sequence ended. */
struct driver_result {
	int			 status;	/* DRIVER_EXIT_* */
	int			 error;		/* 0 or the failed request's
						   error */
	int			 phase;		/* that request's phase */
	int			 left_open;	/* stopped by stop_after */
	int			 cancelled_on_failure; /* Cancel sent after
						   a failure */
	uint64_t		 operation;	/* 0: Check never started one */
	struct exitpt_report	*report;	/* the last report: the phase
						   it stopped at, or with
						   EXITPT_E_BUSY the running
						   operation; may be NULL */
};

/* driver.c: each function's comment there gives its contract. */

/* Where exitd listens, and connecting to it. */
const char	*driver_socket(const char *);
int		 driver_open(const char *, struct exitpt_client **);

/* Exit statuses for an error, an outcome, a drive call's result. */
int		 driver_exit_error(int);
int		 driver_exit_outcome(int);
int		 driver_exit_result(int, const struct exitpt_report *);

/* Names and values as the outputs show them and the options take them. */
const char	*driver_action_name(int);
int		 driver_action_parse(const char *);
int		 driver_phase_parse(const char *);
int		 driver_operation_parse(const char *, uint64_t *);
char		*driver_operation_text(uint64_t, char *);

/* One phase, and the Cancel that follows a vetoed Check. */
int		 driver_drive(struct exitpt_client *,
		    const struct driver_request *, struct exitpt_report **);
int		 driver_veto_cancel(struct exitpt_client *,
		    const struct exitpt_report *, struct exitpt_report **);

/* A Check answer as rule 1 counted it, and in words. */
int		 driver_check_judge(const struct exitpt_answer *,
		    struct driver_check *);
size_t		 driver_check_text(const struct driver_check *, char *,
		    size_t);

/* A report as text lines (with an optional line prefix) and as JSON. */
void		 driver_report_print(FILE *, const struct exitpt_report *,
		    void (*)(FILE *, int, void *), void *);
void		 driver_vetoes_print(FILE *, const struct exitpt_report *,
		    void (*)(FILE *, int, void *), void *);
json_t		*driver_report_json(const struct exitpt_report *);
json_t		*driver_json_string(const char *);

/* The whole sequence. */
int		 driver_run(struct exitpt_client **, const struct driver_run *,
		    struct driver_result *);
void		 driver_result_clear(struct driver_result *);

/*
 * Print text that came from elsewhere (a participant's name, a reason, a
 * journal string) inside a line of fp: control characters become spaces.
 */
void		 driver_put_text(FILE *, const char *);

#endif /* DRIVER_H */
