/*
 * exitd internal header: structures first, then prototypes grouped by the
 * file that defines them.
 */
#ifndef EXITD_H
#define EXITD_H

#include <sys/types.h>

#include <stdarg.h>
#include <stdint.h>

#include <event2/event.h>

#include "exitpt-int.h"

#define EXITD_GRACE		5	/* seconds between SIGTERM and SIGKILL */
#define EXITD_OUTPUT_MAX	(64 * 1024)	/* output kept per program */
#define EXITD_REASON_MAX	256

/*
 * runner.c: one exit program run, as SPEC section 4 says.  The phase
 * engine fills a runner_spec, gets a runner_job back, and is called once
 * through runner_done_cb when the program has ended, timed out, or was
 * refused.
 */
struct runner_spec {
	const struct registry_entry *entry;	/* program, user, data, number */
	const char	*format;	/* EXITPT_FORMAT_* */
	char		 phase;		/* EXITPT_PHASE_* */
	const void	*info;		/* exit information, format's length */
	size_t		 infolen;
	int		 writable;	/* fd 3 read-write (suspend exit point) */
	uint64_t	 operation_id;
	int		 action;	/* EXITPT_ACTION_* */
	int		 request;	/* phase '2': EXITPT_REQUEST_*; else 0 */
	int		 window;	/* phase '2': granted window, seconds */
	int		 system_state;	/* phase '4': EXITPT_SYSTEM_* */
	int		 timeout;	/* seconds before SIGTERM; 0: none */
};

enum runner_end {
	RUNNER_EXITED,		/* exited; code is the exit status */
	RUNNER_SIGNALED,	/* killed by a signal; code is the signal */
	RUNNER_TIMEDOUT,	/* past its timeout or stopped by runner_stop */
	RUNNER_REFUSED,		/* not started: unsafe, missing, bad user */
	RUNNER_FAILED,		/* not started: exitd could not (fork, shm) */
};

struct runner_result {
	int32_t		 number;	/* program number */
	enum runner_end	 end;
	int		 code;
	/* exit information after the run, with stdout keys applied */
	unsigned char	 info[16];
	size_t		 infolen;
	char		 reason[EXITD_REASON_MAX]; /* EXITPT_REASON=, or why */
	uint64_t	 duration_ms;
	size_t		 output_kept;		/* bytes of output logged */
	size_t		 output_dropped;	/* bytes past the limit */
};

struct runner_job;
typedef void	(*runner_done_cb)(const struct runner_result *, void *);

/* log.c */
void		 log_init(int, int);
void		 log_setverbose(int);
void		 log_warn(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 log_warnx(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 log_info(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 log_debug(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 fatal(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
void		 fatalx(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));

/* xmalloc.c */
void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xreallocarray(void *, size_t, size_t);
char		*xstrdup(const char *);
int		 xasprintf(char **, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* runner.c */
void		 runner_init(struct event_base *);
struct runner_job *runner_start(const struct runner_spec *, runner_done_cb,
		    void *);
void		 runner_stop(struct runner_job *);
pid_t		 runner_pid(const struct runner_job *);
void		 runner_shutdown(void);

#endif /* EXITD_H */
