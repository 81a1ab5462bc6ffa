/*
 * Object locks with IBM i's five lock states (ALCOBJ / DLCOBJ / WRKOBJLCK).
 *
 * Any valid object name (see exitpt/ipc.h) can be locked; the name need
 * not belong to a data queue or data area.  Locks belong to the process
 * (as IBM i's *JOB scope): a process never conflicts with itself, may
 * hold several states on one object, and may take one state several times
 * (each take needs its own release).  A state held by another live process
 * conflicts as on IBM i:
 *
 *	held \ wanted	*SHRRD	*SHRUPD	*SHRNUP	*EXCLRD	*EXCL
 *	*SHRRD		yes	yes	yes	yes	no
 *	*SHRUPD		yes	yes	no	no	no
 *	*SHRNUP		yes	no	yes	no	no
 *	*EXCLRD		yes	no	no	no	no
 *	*EXCL		no	no	no	no	no
 *
 * Locks of a process that ends, even by SIGKILL, are released: a waiter
 * notices a dead holder within 100 ms.  Each user's locks are recorded in
 * a table of that user's, which only that user writes and everyone reads
 * (like /run/lock, any local user can see who holds what); a lock counts
 * only while its holder runs and belongs to that user, so nobody can
 * remove, forge or block another user's locks by writing a shared table.
 * A lock belongs to the process that took it: a forked child holds none,
 * but the program a process execs keeps them until it ends.
 */
#ifndef EXITPT_OBJLOCK_H
#define EXITPT_OBJLOCK_H

#include <sys/types.h>

#include <stdint.h>

#include <exitpt/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Lock states. */
#define EXITPT_LOCK_SHRRD	1	/* shared for read */
#define EXITPT_LOCK_SHRUPD	2	/* shared for update */
#define EXITPT_LOCK_SHRNUP	3	/* shared, no update */
#define EXITPT_LOCK_EXCLRD	4	/* exclusive, allow read */
#define EXITPT_LOCK_EXCL	5	/* exclusive */

struct exitpt_objlock_list;

/*
 * Take a lock state on an object, waiting up to wait seconds for
 * conflicting holders to let go.  Returns 0, EXITPT_E_NAME, EXITPT_E_VALUE
 * (bad state or wait time), EXITPT_E_TIMEOUT, EXITPT_E_FULL (lock table
 * full) or -errno.
 */
EXITPT_EXPORT int exitpt_objlock_lock(const char *object, int state,
    double wait);

/*
 * Release one take of a lock state held by this process.  Returns 0 or
 * EXITPT_E_NOT_HELD.
 */
EXITPT_EXPORT int exitpt_objlock_unlock(const char *object, int state);

/* 1 if wanted can be granted while another process holds held, else 0. */
EXITPT_EXPORT int exitpt_objlock_compatible(int held, int wanted);

/* "*SHRRD" ... "*EXCL" for a state, NULL if invalid. */
EXITPT_EXPORT const char *exitpt_objlock_state_name(int state);

/*
 * Parse a state name, with or without the leading '*', in any case.
 * Returns 0 or EXITPT_E_VALUE.
 */
EXITPT_EXPORT int exitpt_objlock_state_parse(const char *text, int *state);

/* Every live lock, ordered by object, state and pid (like WRKOBJLCK). */
EXITPT_EXPORT int exitpt_objlock_list_get(struct exitpt_objlock_list **list);
EXITPT_EXPORT size_t exitpt_objlock_list_count(
    const struct exitpt_objlock_list *list);
EXITPT_EXPORT const char *exitpt_objlock_list_object(
    const struct exitpt_objlock_list *list, size_t i);
EXITPT_EXPORT int exitpt_objlock_list_state(
    const struct exitpt_objlock_list *list, size_t i);
/* How many times the holder took this state. */
EXITPT_EXPORT unsigned exitpt_objlock_list_takes(
    const struct exitpt_objlock_list *list, size_t i);
EXITPT_EXPORT pid_t exitpt_objlock_list_pid(
    const struct exitpt_objlock_list *list, size_t i);
EXITPT_EXPORT uid_t exitpt_objlock_list_uid(
    const struct exitpt_objlock_list *list, size_t i);
/*
 * When the state was first taken, in seconds since the epoch (0 when the
 * table's owner wrote something outside 0..9999-12-31).
 */
EXITPT_EXPORT int64_t exitpt_objlock_list_since(
    const struct exitpt_objlock_list *list, size_t i);
/*
 * Damaged tables or entries that the listing skipped: how many, and what
 * is wrong with each (i below the count; at most 16 are described).
 */
EXITPT_EXPORT size_t exitpt_objlock_list_damaged(
    const struct exitpt_objlock_list *list);
EXITPT_EXPORT const char *exitpt_objlock_list_damage(
    const struct exitpt_objlock_list *list, size_t i);
EXITPT_EXPORT void exitpt_objlock_list_free(struct exitpt_objlock_list *list);

#ifdef __cplusplus
}
#endif

#endif /* EXITPT_OBJLOCK_H */
