/*
 * Conventions shared by every libexitpt IPC helper (critical sections,
 * object locks, data queues, data areas, job interrupt).  The trust model
 * (who may create, read and change what) is in libexitpt(3).
 *
 * Names.  An object name is 1..EXITPT_NAME_MAX (32) characters from
 * [A-Za-z0-9_.$#@-] that does not start with '.' or '-'.  Anything else is
 * EXITPT_E_NAME: a name never reaches the file system as a path.
 *
 * Where objects live.  Every object is a file in the runtime directory:
 * the environment variable EXITPT_RUNTIME_DIR (an absolute path), else
 * /dev/shm/<prefix>.run when EXITPT_IPC_PREFIX names a private instance
 * (1..32 of [A-Za-z0-9_-]; tests use it to run hermetically and in
 * parallel), else $(runstatedir)/exitpt, which exitd creates at start.
 * The runtime directory must belong to root (or, for a private instance,
 * to the user running it) and be writable by its owner only; system
 * objects (the suspend-pending flag) live in it, each user's critical
 * sections, locks and job interrupt mailboxes in a directory of that
 * user under "u", data queues and data areas under "obj".  Anything else
 * is EXITPT_E_RUNTIME_DIR.  Data queues and data areas share one
 * namespace, so opening a data area as a data queue is EXITPT_E_TYPE.
 *
 * Owner and mode.  An object is a file owned by the effective user that
 * created it, and the file's permission bits are the object's mode: the
 * kernel decides who may open it.  Read allows reading operations (peek,
 * retrieve, list), write allows changing ones; write without read is
 * refused (EXITPT_E_VALUE), as a writer must read to keep an object
 * consistent.  root may do everything.  Creating an existing object is
 * -EEXIST, using a missing one -ENOENT, using one of another type
 * EXITPT_E_TYPE, a value that does not fit EXITPT_E_TOO_LONG, a denied
 * access -EACCES.
 *
 * Damage.  Nothing read from an object is trusted: a header or entry
 * that does not make sense (a length past the maximum, a truncated file)
 * is EXITPT_E_DAMAGED, and exitpt_ipc_detail() says which object and
 * what is wrong with it, as IBM i reports a damaged object.
 *
 * Wait times.  Every call that can wait takes a double number of seconds:
 * EXITPT_WAIT_NOWAIT (0) never waits, EXITPT_WAIT_FOREVER (any negative
 * value) waits until the condition holds, and a positive value waits that
 * long with sub-second precision (up to EXITPT_IPC_WAIT_MAX).  A wait that
 * elapses returns EXITPT_E_TIMEOUT; NaN or too large is EXITPT_E_VALUE.
 * A call that must take an object's lock, which its holders keep for
 * microseconds, waits for it at most its wait time or 0.1 s, whichever is
 * longer, so that a process holding it on purpose cannot block anyone
 * longer than they asked.  Waits run on CLOCK_MONOTONIC, so changing the
 * clock does not shorten them.
 */
#ifndef EXITPT_IPC_H
#define EXITPT_IPC_H

#include <exitpt/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest object name, in bytes (without the terminating NUL). */
#define EXITPT_NAME_MAX			32

/* Wait times, in seconds. */
#define EXITPT_WAIT_FOREVER		(-1.0)
#define EXITPT_WAIT_NOWAIT		0.0
#define EXITPT_IPC_WAIT_MAX		99999.0	/* as IBM i's Packed(5,0) */

/* Environment variables choosing the runtime directory (see above). */
#define EXITPT_RUNTIME_DIR_ENV		"EXITPT_RUNTIME_DIR"
#define EXITPT_IPC_PREFIX_ENV		"EXITPT_IPC_PREFIX"

/* Creation mode used when the caller has no preference. */
#define EXITPT_IPC_MODE_DEFAULT		0600

/* 0 if name is a valid object name, else EXITPT_E_NAME. */
EXITPT_EXPORT int exitpt_ipc_name_check(const char *name);

/*
 * Parse a wait time as text: "forever" (or "*nomax", or any negative
 * number), "none" (or "0"), or decimal seconds such as "2.5".  Returns 0
 * or EXITPT_E_VALUE.
 */
EXITPT_EXPORT int exitpt_ipc_wait_parse(const char *text, double *wait);

/*
 * What was wrong behind the calling thread's last EXITPT_E_DAMAGED or
 * EXITPT_E_RUNTIME_DIR: one line naming the object (or directory) and the
 * fault, e.g. "data queue jobs: entry at position 3 is 70000 bytes, more
 * than its maximum 64".  The text is the thread's own and stays as it is
 * until the thread meets the next such error; "" if it met none.
 */
EXITPT_EXPORT const char *exitpt_ipc_detail(void);

#ifdef __cplusplus
}
#endif

#endif /* EXITPT_IPC_H */
