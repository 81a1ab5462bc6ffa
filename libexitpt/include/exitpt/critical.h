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
 * held.  A participant of the pending operation itself, a process whose
 * environment has EXITPT_OPERATION_ID equal to the pending operation's id
 * (exitd gives it to every exit program it runs), is granted its section
 * at once instead: it would otherwise wait for its own operation.
 *
 * A holder is the process that entered, recorded with its pid and start
 * time; it counts only while that process runs (a holder that dies, even
 * by SIGKILL, stops counting at once) and only if it belongs to the user
 * whose table records it.
 *
 * Sections live in one table per user, readable by that user and root;
 * see exitpt/ipc.h for names, wait times and the runtime directory.  A
 * handle belongs to the process that entered: it does not survive fork,
 * but survives exec, where the new program keeps holding the section
 * until it ends (exitctl critical runs its command that way).
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
/*
 * When the section was entered, in seconds since the epoch (0 when the
 * table's owner wrote something outside 0..9999-12-31).
 */
EXITPT_EXPORT int64_t exitpt_critical_list_since(
    const struct exitpt_critical_list *list, size_t i);
/*
 * The pending operation holder i was granted its section for as a
 * participant, or 0 if it entered while no operation was pending.
 */
EXITPT_EXPORT uint64_t exitpt_critical_list_operation(
    const struct exitpt_critical_list *list, size_t i);
/*
 * Damaged tables or slots that the listing skipped (another user's table
 * is never trusted): how many, and what is wrong with each (i below the
 * count; at most 16 are described).
 */
EXITPT_EXPORT size_t exitpt_critical_list_damaged(
    const struct exitpt_critical_list *list);
EXITPT_EXPORT const char *exitpt_critical_list_damage(
    const struct exitpt_critical_list *list, size_t i);
EXITPT_EXPORT void exitpt_critical_list_free(struct exitpt_critical_list *list);

#ifdef __cplusplus
}
#endif

#endif /* EXITPT_CRITICAL_H */
