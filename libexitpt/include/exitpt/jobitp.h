/*
 * Job interrupt, after IBM i's QWCJBITP: a process opts in and registers
 * named handlers; an authorized caller (the same user as the target, or
 * root) runs a handler by name inside the target, on a thread of the
 * target and never in signal context, and gets its status and reply back.
 */
#ifndef EXITPT_JOBITP_H
#define EXITPT_JOBITP_H

#include <sys/types.h>

#include <stddef.h>

#include <exitpt/error.h>
#include <exitpt/ipc.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest handler name: 1..32 of [A-Za-z0-9_.-]. */
#define EXITPT_JOBITP_NAME_MAX	32
/* Longest request data and reply, in bytes. */
#define EXITPT_JOBITP_DATA_MAX	4096
#define EXITPT_JOBITP_REPLY_MAX	4096

/*
 * A handler.  data is the caller's data (datalen bytes, followed by a NUL
 * that is not counted); the handler writes up to *replylen bytes (on entry
 * EXITPT_JOBITP_REPLY_MAX) into reply and sets *replylen to what it wrote.
 * Its return value is handed to the caller as the call's status.
 */
typedef int exitpt_jobitp_handler(const char *data, size_t datalen,
    char *reply, size_t *replylen, void *arg);

/*
 * Opt this process in: create its mailbox and start the service thread
 * that runs handlers.  Returns 0, -EALREADY if already enabled, or -errno.
 */
EXITPT_EXPORT int exitpt_jobitp_enable(void);

/*
 * Opt out: new calls get EXITPT_E_NOT_ENABLED; a handler that is running
 * finishes and its reply is delivered first.  Returns 0 or
 * EXITPT_E_NOT_ENABLED.
 */
EXITPT_EXPORT int exitpt_jobitp_disable(void);

/*
 * Register (or replace) the handler called name.  Handlers may be
 * registered before or after exitpt_jobitp_enable().  Returns 0,
 * EXITPT_E_NAME for a bad name, -EINVAL for a NULL handler or -ENOMEM.
 */
EXITPT_EXPORT int exitpt_jobitp_register(const char *name,
    exitpt_jobitp_handler *fn, void *arg);

/* Remove a handler.  Returns 0, EXITPT_E_NAME or EXITPT_E_NO_HANDLER. */
EXITPT_EXPORT int exitpt_jobitp_unregister(const char *name);

/*
 * Call the handler name in process pid with datalen bytes of data (at most
 * EXITPT_JOBITP_DATA_MAX), waiting at most wait seconds for its reply
 * (sub-second allowed; a negative value waits forever; as a reply cannot
 * come without waiting, 0 is EXITPT_E_VALUE, as are NaN and more than
 * EXITPT_IPC_WAIT_MAX).  On success returns 0, stores the handler's return
 * value in *status, copies at most replysize bytes of its reply into
 * reply and stores the reply's full length in *replylen; reply, replylen
 * and status may be NULL.  Errors: EXITPT_E_NOT_ENABLED (the target has
 * not opted in), EXITPT_E_DEAD (no such process, or it died during the
 * call), EXITPT_E_TIMEOUT, EXITPT_E_NO_HANDLER, EXITPT_E_AUTH (another
 * user's process), EXITPT_E_NAME, EXITPT_E_TOO_LONG, EXITPT_E_VALUE (a
 * pid below 1 or a bad wait), -errno.
 */
EXITPT_EXPORT int exitpt_jobitp_call(pid_t pid, const char *name,
    const void *data, size_t datalen, double wait, void *reply,
    size_t replysize, size_t *replylen, int *status);

#ifdef __cplusplus
}
#endif

#endif /* EXITPT_JOBITP_H */
