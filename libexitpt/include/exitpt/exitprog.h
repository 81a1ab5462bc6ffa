/*
 * exitpt exit program helper: write a C exit program as a single function
 * that receives the exit information, its format and the phase, the way an
 * IBM i ILE C exit program receives its parameters.
 *
 *	static int
 *	answer(void *info, const char *format, char phase, void *arg)
 *	{
 *		struct exitpt_bmgf0100	*b = info;
 *
 *		if (phase == EXITPT_PHASE_CHECK) {
 *			b->status = EXITPT_STATUS_ALLOW;
 *			b->wait_time = 120;
 *		}
 *		return (0);
 *	}
 *
 *	int
 *	main(int argc, char **argv)
 *	{
 *		int	rc;
 *
 *		rc = exitpt_exitprog_run(argc, argv, answer, NULL);
 *		if (rc < 0) {
 *			fprintf(stderr, "%s\n", exitpt_strerror(rc));
 *			return (2);
 *		}
 *		return (rc);
 *	}
 *
 * exitd starts an exit program as `program FORMAT PHASE` with the exit
 * information on descriptor 3 (SPEC section 4).  For the suspend exit
 * point the information is shared with exitd: what the function writes in
 * place (status, wait time) is exitd's answer.  For the resume exit point
 * exitd hands it out read-only; the function then gets a private copy, and
 * what it writes there is not seen by exitd.
 */
#ifndef EXITPT_EXITPROG_H
#define EXITPT_EXITPROG_H

#include <stdint.h>

#include <exitpt/error.h>
#include <exitpt/format.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Descriptor on which exitd passes the exit information. */
#define EXITPT_EXITPROG_FD		3

/*
 * An exit program's body.  info points to the exit information (struct
 * exitpt_bmgf0100, exitpt_bmgf0200 or exitpt_amgf0100, as format says);
 * phase is EXITPT_PHASE_*.  Its return value becomes the return value of
 * exitpt_exitprog_run and should be the program's exit status: 0, or a
 * positive value for an abnormal end.
 */
typedef int (*exitpt_exitprog_fn)(void *info, const char *format, char phase,
    void *arg);

/*
 * Check the invocation (argv = {program, FORMAT, PHASE}, the phase
 * matching the format, descriptor 3 holding exactly the format's length
 * with that length in its first field), map the exit information and call
 * fn.  Returns fn's return value, or before calling fn: EXITPT_E_FORMAT
 * (unknown format, or a phase that does not belong to it), EXITPT_E_VALUE
 * (wrong argument count), EXITPT_E_MALFORMED (descriptor 3 is not exit
 * information of that format), -EBADF (no descriptor 3), or another -errno.
 */
EXITPT_EXPORT int exitpt_exitprog_run(int argc, char **argv,
    exitpt_exitprog_fn fn, void *arg);

/*
 * Give the reason for an answer (shown to operators and in the journal):
 * writes the line EXITPT_REASON=reason to standard output, line breaks
 * turned into spaces.  Returns 0 or -errno.
 */
EXITPT_EXPORT int exitpt_exitprog_reason(const char *reason);

/* The program data registered with the program ("" if none). */
EXITPT_EXPORT const char *exitpt_exitprog_data(void);

/* The program's registered number, or 0 if not run by exitd. */
EXITPT_EXPORT int32_t exitpt_exitprog_number(void);

/* The operation's id, or 0 if not run by exitd. */
EXITPT_EXPORT uint64_t exitpt_exitprog_operation(void);

#ifdef __cplusplus
}
#endif

#endif /* EXITPT_EXITPROG_H */
