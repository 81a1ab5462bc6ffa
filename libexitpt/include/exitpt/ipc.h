/*
 * Conventions shared by every libexitpt IPC helper (critical sections,
 * object locks, data queues, data areas, job interrupt).
 *
 * Names.  An object name is 1..EXITPT_NAME_MAX (32) characters from
 * [A-Za-z0-9_.$#@-] that does not start with '.' or '-'.  Anything else is
 * EXITPT_E_NAME: a name never reaches the file system as a path.
 *
 * Where objects live.  Each object is a POSIX shared memory segment named
 * "/<prefix>.<namespace>.<name>" (visible as /dev/shm/<prefix>....).  The
 * prefix is "exitpt" unless the environment variable EXITPT_IPC_PREFIX
 * names another one (1..32 of [A-Za-z0-9_-]); tests use it to run
 * hermetically and in parallel.  Data queues and data areas share one
 * namespace, so opening a data area as a data queue is EXITPT_E_TYPE.
 *
 * Owner and mode.  An object is owned by the effective user that created
 * it and carries a mode like a file's (only the 0666 bits): read allows
 * reading operations (peek, retrieve, list), write allows changing ones.
 * root may do everything.  Creating an existing object is -EEXIST, using a
 * missing one -ENOENT, using one of another type EXITPT_E_TYPE, a value
 * that does not fit EXITPT_E_TOO_LONG, a denied access -EACCES.
 *
 * Wait times.  Every call that can wait takes a double number of seconds:
 * EXITPT_WAIT_NOWAIT (0) never waits, EXITPT_WAIT_FOREVER (any negative
 * value) waits until the condition holds, and a positive value waits that
 * long with sub-second precision (up to EXITPT_IPC_WAIT_MAX).  A wait that
 * elapses returns EXITPT_E_TIMEOUT; NaN or too large is EXITPT_E_VALUE.
 * Waits run on CLOCK_MONOTONIC, so changing the clock does not shorten them.
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

/* Environment variable overriding the shared memory name prefix. */
#define EXITPT_IPC_PREFIX_ENV		"EXITPT_IPC_PREFIX"
#define EXITPT_IPC_PREFIX_DEFAULT	"exitpt"

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

#ifdef __cplusplus
}
#endif

#endif /* EXITPT_IPC_H */
