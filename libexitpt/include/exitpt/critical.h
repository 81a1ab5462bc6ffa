/*
 * Critical sections: an application marks critical activity (a payroll
 * run, a batch commit) so that a suspend or migration is vetoed while it
 * lasts.  Sections are markers, not mutual exclusion: any number of
 * processes may hold sections of the same name at once; each enter gives
 * its own handle and each handle is left once.
 *
 * While a suspend is pending (between exitd's Check and Complete or
 * Cancel) a new section is not allowed to start: exitpt_critical_enter
 * fails at once with EXITPT_E_PENDING (EXITPT_CRITICAL_FAIL_IF_PENDING, or
 * a wait time of EXITPT_WAIT_NOWAIT), or waits up to its wait time for the
 * operation to end (then EXITPT_E_TIMEOUT).  Sections already held stay
 * held.  A holder that dies, even by SIGKILL, stops counting at once: the
 * holder is recorded with its pid and process start time and checked.
 *
 * Sections live in one table per user, readable by that user and root;
 * see exitpt/ipc.h for names, wait times and EXITPT_IPC_PREFIX.  A handle
 * belongs to the process that entered: it does not survive fork.
 */
#ifndef EXITPT_CRITICAL_H
#define EXITPT_CRITICAL_H

#include <sys/types.h>

#include <stdint.h>

#include <exitpt/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Flags of exitpt_critical_enter. */
#define EXITPT_CRITICAL_FAIL_IF_PENDING	0x1	/* never wait for a suspend */

struct exitpt_critical;
struct exitpt_critical_list;

/*
 * Enter a critical section.  Returns 0 and a handle, EXITPT_E_NAME,
 * EXITPT_E_PENDING, EXITPT_E_TIMEOUT, EXITPT_E_FULL (too many sections
 * held by this user), EXITPT_E_VALUE (bad wait time) or -errno.
 */
EXITPT_EXPORT int exitpt_critical_enter(const char *name, int flags,
    double wait, struct exitpt_critical **handle);

/* Leave a critical section and free its handle (NULL is allowed). */
EXITPT_EXPORT int exitpt_critical_leave(struct exitpt_critical *handle);

/*
 * 1 if a suspend is pending (new sections are refused or delayed), 0 if
 * not, or a negative error.
 */
EXITPT_EXPORT int exitpt_critical_pending(void);

/*
 * The live holders of critical sections that the caller may see (its own
 * user's; root sees every user's), oldest first.  Dead holders are not
 * listed (and are swept when the caller may write their table).
 */
EXITPT_EXPORT int exitpt_critical_list_get(struct exitpt_critical_list **list);
EXITPT_EXPORT size_t exitpt_critical_list_count(
    const struct exitpt_critical_list *list);
EXITPT_EXPORT const char *exitpt_critical_list_name(
    const struct exitpt_critical_list *list, size_t i);
/*
 * 1 if holder i was still entering when listed: its enter stalled between
 * claiming a slot and checking the pending flag, so it counts (it may
 * yet start) but may back out.  Its name is "?" if not yet written.
 */
EXITPT_EXPORT int exitpt_critical_list_entering(
    const struct exitpt_critical_list *list, size_t i);
EXITPT_EXPORT pid_t exitpt_critical_list_pid(
    const struct exitpt_critical_list *list, size_t i);
EXITPT_EXPORT uid_t exitpt_critical_list_uid(
    const struct exitpt_critical_list *list, size_t i);
/* When the section was entered, in seconds since the epoch. */
EXITPT_EXPORT int64_t exitpt_critical_list_since(
    const struct exitpt_critical_list *list, size_t i);
EXITPT_EXPORT void exitpt_critical_list_free(struct exitpt_critical_list *list);

#ifdef __cplusplus
}
#endif

#endif /* EXITPT_CRITICAL_H */
