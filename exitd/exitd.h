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
#include "protocol.h"

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
void		 runner_contain(int, const char *);
void		 runner_init(struct event_base *);
struct runner_job *runner_start(const struct runner_spec *, runner_done_cb,
		    void *);
void		 runner_stop(struct runner_job *);
pid_t		 runner_pid(const struct runner_job *);
void		 runner_shutdown(void);

/*
 * spawn.c: start one exit program's process (runner.c's low level).  The
 * descriptors are the parent's; the child gets them as fds 1, 2, 3 and 4
 * (the program, executed with fexecve).
 */
#define SPAWN_STAGE_CRED	1	/* setgroups/setgid/setuid failed */
#define SPAWN_STAGE_EXEC	2	/* fexecve failed */
#define SPAWN_STAGE_SETUP	3	/* fd or directory setup failed */
#define SPAWN_STAGE_CGROUP	4	/* joining its cgroup failed */
struct spawn_req {
	char		**argv;
	char		**env;
	int		  fd_out;	/* stdout: a pipe's write end */
	int		  fd_err;	/* stderr */
	int		  fd_info;	/* fd 3: the exit information */
	int		  fd_prog;	/* the checked program */
	int		  script;	/* #!: fd 4 stays open for it */
	int		  setcred;	/* switch to uid, gid, groups */
	uid_t		  uid;
	gid_t		  gid;
	const gid_t	 *groups;
	int		  ngroups;
	int		  procsfd;	/* internal: cgroup.procs to join */
	volatile int	  stage;	/* SPAWN_STAGE_*: failed before exec */
	volatile int	  error;	/* errno of that failure */
};
struct contain_cg;
void		 spawn_init(void);
void		 spawn_burst(void);
void		 spawn_idle(void);
pid_t		 spawn_start(struct spawn_req *, struct contain_cg *);
int		 spawn_probe(struct contain_cg *);

/*
 * contain.c: nothing an exit program starts outlives its call (a cgroup
 * per run, or exitd as the child subreaper).
 */
#define CONTAIN_AUTO		CONFIG_CONTAIN_AUTO
#define CONTAIN_CGROUP		CONFIG_CONTAIN_CGROUP
#define CONTAIN_SUBREAPER	CONFIG_CONTAIN_SUBREAPER
struct contain_proc {
	pid_t		 pid;
	pid_t		 ppid;
	pid_t		 pgid;
	uint64_t	 start;		/* /proc/PID/stat starttime, ticks */
};
int		 contain_init(struct event_base *, int, const char *);
int		 contain_mode(void);
struct contain_cg *contain_cg_get(void);
void		 contain_cg_put(struct contain_cg *);
void		 contain_cg_drop(struct contain_cg *);
int		 contain_cg_fd(const struct contain_cg *);
const char	*contain_cg_name(const struct contain_cg *);
int		 contain_cg_procs(struct contain_cg *);
int		 contain_cg_populated(struct contain_cg *);
int		 contain_cg_signal(struct contain_cg *, int);
int		 contain_cg_watch(struct contain_cg *, void (*)(void *),
		     void *);
void		 contain_cg_unwatch(struct contain_cg *);
int		 contain_stat(pid_t, struct contain_proc *);
int		 contain_scan(const pid_t *, size_t, struct contain_proc **,
		     size_t *);
int		 contain_proc_signal(const struct contain_proc *, int);
void		 contain_shutdown(void);

/*
 * phase.c: the phase engine (SPEC section 2).  An operation holds the
 * participants that Check called and one phase record per phase kind; a
 * phase holds one call per participant it reaches.  Exit programs are the
 * only participant kind so far; other kinds (D-Bus voters, critical
 * sections, dr_reconfig processes) answer through the same call record.
 */
#define PHASE_NKINDS		5	/* indexed by enum exitpt_phase */

struct participant {
	int		 kind;		/* EXITPT_PARTICIPANT_* */
	struct registry_entry entry;	/* own copy */
	int		 allowed;	/* Check allowed: Cancel goes here */
	int		 cancel_sent;	/* at most once per operation */
};

struct call {
	struct participant *part;
	struct runner_job *job;
	int		 started;
	int		 running;
	int32_t		 status;	/* Check answer as given */
	int32_t		 wait;
	int		 effective;	/* 1 allow, 0 veto */
	int		 end;		/* EXITPT_END_* */
	int		 code;
	char		 reason[EXITD_REASON_MAX];
	uint64_t	 start_ms;
	uint64_t	 duration_ms;
	size_t		 output_dropped;
};

typedef void	(*phase_reply_cb)(int, int, void *);

struct phase_waiter {
	phase_reply_cb	 cb;		/* (error, phase kind, arg) */
	void		*arg;
};

struct phase {
	int		 kind;		/* EXITPT_OP_* */
	int		 outcome;	/* EXITPT_OUTCOME_* */
	int		 serial;	/* one program at a time */
	int		 stopping;	/* window elapsed or cancelled */
	int		 starting;	/* inside the start loop */
	struct call	*calls;
	size_t		 ncalls;
	size_t		 next;		/* next call to start */
	size_t		 nrunning;
	uint64_t	 start_ms;
	uint64_t	 deadline_ms;	/* Prepare: end of the window */
	struct event	*window_ev;
	struct participant *extra;	/* Complete: resume programs */
	size_t		 nextra;
	struct phase_waiter *waiters;
	size_t		 nwaiters;
};

struct operation {
	uint64_t	 id;
	int		 action;
	int		 validate_only;
	int		 system_state;	/* -1 until Complete */
	int		 open;		/* not over yet */
	int		 running;	/* a phase is running */
	int		 cur;		/* EXITPT_OP_* of the latest phase */
	int		 outcome;	/* EXITPT_OUTCOME_* of the operation */
	int		 window;	/* prepare window from Check */
	int		 recovered;	/* rebuilt from the journal */
	int		 cancel_pending; /* cancel once Prepare stops */
	struct participant *parts;	/* suspend programs Check called */
	size_t		 nparts;
	char		**resumed;	/* "number path" given Complete before
					   a restart */
	size_t		 nresumed;
	struct phase	 ph[PHASE_NKINDS];
	struct event	*recovery_ev;
};

/* phase.c */
void		 phase_init(struct event_base *, const char *, struct config *,
		     void (*)(void));
int		 phase_drive(const struct proto_drive *, phase_reply_cb,
		     void *);
void		 phase_forget(void *);
const struct operation *phase_current(void);
uint64_t	 phase_generation(void);
void		 phase_shutdown(void);
uint64_t	 phase_now_ms(void);

/* journal.c */
int		 journal_open(const char *);
void		 journal_close(void);
void		 journal_sync(void);
const char	*journal_path(void);
void		 journal_operation(const struct operation *, const char *);
void		 journal_phase(const struct operation *, const struct phase *,
		     const char *);
void		 journal_call_start(const struct operation *,
		     const struct phase *, const struct call *);
void		 journal_answer(const struct operation *, const struct phase *,
		     const struct call *);
int		 journal_recover(struct operation *);

/* control.c */
int		 control_listen(struct event_base *, const char *,
		     struct config *);
void		 control_notify(void);
void		 control_shutdown(void);

#endif /* EXITD_H */
