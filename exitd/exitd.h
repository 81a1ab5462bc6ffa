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
#include <jansson.h>

#include "exitpt-int.h"

#define EXITD_GRACE		5	/* seconds between SIGTERM and SIGKILL */
#define EXITD_OUTPUT_MAX	(64 * 1024)	/* output kept per program */
#define EXITD_REASON_MAX	256

/*
 * runner.c: one exit program run, as SPEC section 4 says.  The program
 * participant kind (part-program.c) fills a runner_spec, gets a
 * runner_job back, and is called once through runner_done_cb when the
 * program has ended, was stopped (runner_stop, at the engine's time
 * limit), or was refused.
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
void		 log_time_iso(int64_t, char *, size_t);

/* utf8.c */
size_t		 utf8_trim(char *);

/* fanout.c: one function over an array's items, on two threads */
typedef void	(*fanout_cb)(void *);
void		 fanout_run(void *, size_t, size_t, fanout_cb);

/* xmalloc.c */
void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xreallocarray(void *, size_t, size_t);
char		*xstrdup(const char *);
int		 xasprintf(char **, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/*
 * What a restarted exitd needs to end a program a previous exitd started:
 * its cgroup, or its pid (its process group), session and start time.
 */
struct runner_proc {
	pid_t		 pid;		/* the program; its process group */
	pid_t		 sid;		/* its session */
	uint64_t	 start;		/* its /proc starttime in ticks is
					   at least this; 0: not known */
	uint64_t	 start_max;	/* and at most this */
	const char	*cgroup;	/* below exitd's cgroup, or NULL */
};

/* runner.c */
void		 runner_contain(int, const char *);
void		 runner_init(struct event_base *);
struct runner_job *runner_start(const struct runner_spec *, runner_done_cb,
		    void *);
void		 runner_stop(struct runner_job *);
pid_t		 runner_pid(const struct runner_job *);
int		 runner_proc(const struct runner_job *, struct runner_proc *);
void		 runner_end_stale(const struct runner_proc *, char *, size_t);
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
 * contain.c: nothing an exit program starts outlives its call (exitd as
 * the child subreaper, its runs in one cgroup of its own; or a cgroup per
 * run; or exitd as subreaper alone).
 */
#define CONTAIN_AUTO		CONFIG_CONTAIN_AUTO
#define CONTAIN_CGROUP		CONFIG_CONTAIN_CGROUP
#define CONTAIN_SUBREAPER	CONFIG_CONTAIN_SUBREAPER
#define CONTAIN_CGROUP_RUN	CONFIG_CONTAIN_CGROUP_RUN
int		 contain_init(struct event_base *, int, const char *);
int		 contain_mode(void);
struct contain_cg *contain_cg_get(void);
void		 contain_cg_put(struct contain_cg *);
void		 contain_cg_drop(struct contain_cg *);
void		 contain_trim(void);
int		 contain_cg_killed(const struct contain_cg *);
int		 contain_cg_fd(const struct contain_cg *);
const char	*contain_cg_name(const struct contain_cg *);
int		 contain_cg_procs(struct contain_cg *);
int		 contain_cg_populated(struct contain_cg *);
int		 contain_cg_signal(struct contain_cg *, int);
int		 contain_cg_watch(struct contain_cg *, void (*)(void *),
		     void *);
void		 contain_cg_unwatch(struct contain_cg *);
/*
 * A sweep of what exit programs left below exitd (subreaper): rounds of
 * contain_sweep_round until one finds nothing.  Zero it, then set sig,
 * pgid and running.
 */
struct contain_sweep {
	int		 sig;
	pid_t		 pgid;			/* -1: every process */
	int		(*running)(pid_t);	/* a running program */
	struct procstat	*sent;			/* signalled (not SIGKILL) */
	size_t		 nsent;
	size_t		 signalled;		/* signals sent, all rounds */
	size_t		 reaped;		/* zombies reaped, all rounds */
};
int		 contain_sweep_round(struct contain_sweep *);
void		 contain_sweep_clear(struct contain_sweep *);
int		 contain_stat(pid_t, struct procstat *);
int		 contain_scan(const pid_t *, size_t, struct procstat **,
		     size_t *);
int		 contain_proc_signal(const struct procstat *, int);
int		 contain_group(pid_t, pid_t, uint64_t, struct procstat **,
		     size_t *);
const char	*contain_stale_how(const char *);
void		 contain_shutdown(void);

/*
 * The phase engine (phase.c) and its participant interface (part.c).
 *
 * A participant is anything that answers in a phase (SPEC section 1).
 * Each kind lives in one file, part-KIND.c, which exports one struct
 * part_ops; part.c lists every kind in part_kinds[].  Adding a kind is
 * one new file plus one entry in that table (and its line in Makefile.am):
 * the engine, the journal and the front ends never switch on a kind.
 * Clients name kinds by their public number (EXITPT_PARTICIPANT_* in
 * <exitpt/client.h>, named by exitpt_participant_name()), so a kind that
 * clients should show by name also takes a number there.
 *
 * The engine owns what is common to every kind: the state machine, the
 * per-call time limits, the prepare window, the Check fold (SPEC rule 1),
 * Cancel at most once and only to those that allowed (rule 3), and
 * recovery from the journal (rule 6).  A kind only finds its
 * participants, starts and stops their calls, and hands every answer
 * back through phase_answer(), naming the call by its id.
 */
#define PHASE_NKINDS		5	/* indexed by enum exitpt_phase */
#define PART_KEY_MAX		8192	/* stable identity, bytes */

struct part;
struct call;
struct engine_op;

/*
 * One participant that exists now, for ListParticipants and `exitctl
 * participants`: details is a JSON object (why, mode, since, last_answer,
 * ...) whose reference passes to the callee.
 */
typedef void	(*part_list_cb)(void *arg, int kind, const char *who,
		    pid_t pid, json_t *details);

/* One participant kind's operations; see part-program.c for a model. */
struct part_ops {
	int		 kind;		/* EXITPT_PARTICIPANT_* */
	const char	*name;		/* journal and display: "program" */
	/*
	 * Whether its participants outlive a reboot of the system.  The
	 * journal's fdatasync protects against an OS crash or a power loss
	 * only (what exitd write()s survives a crash of exitd alone), and
	 * after a reboot only such participants (exit programs, run anew
	 * from disk) can still take a Cancel or a Complete: processes,
	 * D-Bus voters, inhibitors and critical-section holders are gone.
	 * So the journal syncs an operation's boundaries only once it has
	 * called, or the phase starting calls, a participant of a durable
	 * kind; every record is written before any participant starts,
	 * whatever the kind.
	 */
	int		 durable;

	/*
	 * Called once at start-up, after the journal has been replayed
	 * (restore may already have run), with the engine's event base,
	 * state directory and configuration.  May be NULL.
	 */
	void		 (*init)(struct event_base *, const char *,
			     struct config *);
	/*
	 * Add this kind's participants to op for phase (EXITPT_OP_CHECK:
	 * the suspend participants; EXITPT_OP_COMPLETE: the resume ones)
	 * with phase_add_part().  Prepare and Cancel reach the participants
	 * that Check called.  Returns 0, or an error (EXITPT_E_*, -errno):
	 * at Check the operation is then refused with it, at Complete
	 * (which cannot be refused) it is logged.  May be NULL for a kind
	 * that only restores.
	 */
	int		 (*collect)(struct engine_op *, int phase);
	/*
	 * Whether p takes part in phase (NULL: every phase of its exit
	 * point).  Rule 3's filter for Cancel is applied by the engine on
	 * top of this.
	 */
	int		 (*takes_part)(const struct engine_op *,
			     const struct part *, int phase);
	/*
	 * Start call c (call_phase(c), call_part(c)): asynchronous; the
	 * answer comes later through phase_answer(call_id(c), ...), or
	 * from inside start itself for a kind that answers at once.
	 */
	void		 (*start)(struct call *);
	/*
	 * Stop a running call early (its time limit, the prepare window,
	 * a cancel).  The kind must still answer, at once or once what it
	 * started is gone (a program is reaped first), with
	 * EXITPT_END_TIMEDOUT unless it ended otherwise meanwhile.
	 */
	void		 (*stop)(struct call *);
	/*
	 * The participant's stable identity: key is one line (at most
	 * PART_KEY_MAX bytes) that tells two participants of the kind
	 * apart across restarts ("1 /usr/libexec/app-exit"); identity()
	 * returns a new JSON object with everything restore() needs.
	 */
	json_t		*(*identity)(const struct part *);
	/*
	 * Rebuild p (kind, point, key, who, number already set) from its
	 * journal identity after a restart.  Returns 0, or -1 if the
	 * identity is not usable (the engine then reports it and never
	 * calls p).
	 */
	int		 (*restore)(struct part *, json_t *);
	/* Free what the kind hangs on p (part_data).  May be NULL. */
	void		 (*free)(struct part *);
	/*
	 * Call cb for each participant of this kind that exists now
	 * (registered programs, held critical sections, voters, held
	 * inhibitors, dr processes).  May be NULL.
	 */
	void		 (*list)(part_list_cb cb, void *arg);
	/*
	 * exitd is stopping: end what the kind runs without answering
	 * (the operation is journalled as interrupted).  May be NULL.
	 */
	void		 (*shutdown)(void);
	/*
	 * After a restart, before any phase runs: end what may still run
	 * of a call that a previous exitd started and never saw end;
	 * process is what the kind gave call_set_process() for it.  how
	 * receives, in words, what was done, for the journal.  May be
	 * NULL.
	 */
	void		 (*end_stale)(struct part *, json_t *process, char *how,
			     size_t howlen);
};

/* A participant's answer in one call, handed to phase_answer(). */
struct part_answer {
	int		 end;		/* EXITPT_END_*, not _RUNNING */
	int		 code;		/* exit status or signal, else 0 */
	int32_t		 status;	/* Check: as given; else unused */
	int32_t		 wait;		/* Check: as given; else unused */
	const char	*reason;	/* may be NULL */
	size_t		 output_dropped; /* programs: bytes past the limit */
};

/* part.c: the table of kinds */
extern const struct part_ops *const part_kinds[];
const struct part_ops *part_kind_find(const char *);

/* part-program.c, part-critical.c, part-dr.c: see part_kinds[] in part.c */
extern const struct part_ops part_program_ops;
extern const struct part_ops part_critical_ops;
extern const struct part_ops part_dr_ops;

/* part-dr.c: what control.c hands over (see protocol.h) */
struct proto_dr_register;
struct proto_dr_ack;
void		 dr_adopt(int, uid_t, gid_t, pid_t,
		     const struct proto_dr_register *);
void		 dr_ack_peer(pid_t, uid_t, const struct proto_dr_ack *);

/*
 * part-voter.c: D-Bus voters; dbus-service.c registers them.  Timeouts
 * are seconds, indexed by PART_VOTER_*.
 */
#define PART_VOTER_CHECK	0
#define PART_VOTER_CANCEL	1
#define PART_VOTER_COMPLETE	2
#define PART_VOTER_NTIMEOUTS	3
extern const int part_voter_timeout_default[PART_VOTER_NTIMEOUTS];
extern const int part_voter_timeout_max[PART_VOTER_NTIMEOUTS];
extern const struct part_ops part_voter_ops;
int		 part_voter_register(const char *, const char *, const char *,
		     const char *, const int *, uid_t, pid_t);
int		 part_voter_unregister(const char *, const char *);
void		 part_voter_gone(const char *);
void		 part_voter_bus(int);

/* part-inhibitor.c: D-Bus inhibitor locks; dbus-service.c takes them. */
#define INHIBIT_BLOCK		1
#define INHIBIT_DELAY		2
#define PART_INHIBITOR_WAIT	30	/* delay lock's default, seconds */
extern const struct part_ops part_inhibitor_ops;
int		 part_inhibitor_take(const char *, const char *, int, int,
		     uid_t, pid_t);

/*
 * phase.c: what a kind uses.  phase_add_part() adds a participant to op
 * (from collect only) and returns NULL when op already has one of this
 * kind, point and key (restored from the journal, so already called) or
 * the key is too long.  Timeouts are seconds (0: none).
 */
struct part	*phase_add_part(struct engine_op *, const struct part_ops *,
		     int point, const char *key, const char *who);
const struct part_ops *part_ops(const struct part *);
const char	*part_key(const struct part *);
const char	*part_who(const struct part *);
void		 part_set_who(struct part *, const char *);
int		 part_point(const struct part *);	/* REGISTRY_* */
int32_t		 part_number(const struct part *);	/* 0 if none */
void		 part_set_number(struct part *, int32_t);
pid_t		 part_pid(const struct part *);		/* 0 if none */
void		 part_set_pid(struct part *, pid_t);
void		 part_set_timeout(struct part *, int phase, int);
void		*part_data(const struct part *);
void		 part_set_data(struct part *, void *);
uint64_t	 call_id(const struct call *);
int		 call_phase(const struct call *);	/* EXITPT_OP_* */
struct part	*call_part(const struct call *);
const struct engine_op *call_op(const struct call *);
void		 call_set_pid(struct call *, pid_t);	/* this call's */
void		 call_set_process(struct call *, const char *);
uint64_t	 engine_op_id(const struct engine_op *);
int		 engine_op_action(const struct engine_op *);
int		 engine_op_window(const struct engine_op *);	/* seconds */
int		 engine_op_system_state(const struct engine_op *);
int		 engine_op_force(const struct engine_op *);
int		 engine_op_prepared(const struct engine_op *); /* Prepare ran */
int		 engine_op_durable(const struct engine_op *); /* syncs */

/*
 * The engine API for front ends (control.c, dbus-service.c, adapters'
 * requests arrive through control.c).  A driver passes its own request,
 * never a wire struct; results come as immutable snapshots; changes
 * arrive through observers.
 */
struct engine_request {
	int		 phase;		/* EXITPT_OP_CHECK ... _COMPLETE */
	int		 action;	/* Check: EXITPT_ACTION_* */
	int		 validate_only;	/* Check: Check alone (HMC Validate) */
	int		 force;		/* Check: the driver's force option */
	int		 system_state;	/* Complete: EXITPT_SYSTEM_* */
	uint64_t	 operation;	/* 0: the current operation */
	const char	*driver;	/* who drives, for busy and the log:
					   "uid 0 pid 42 (exitctl)" */
	int		 supersede;	/* Check: replace an operation of the
					   same uid and name that waits
					   between Check and Prepare */
	int		 resume_only;	/* Complete: with no operation open,
					   a resume-only operation */
};

/* One call as a snapshot or an event shows it. */
struct engine_call_view {
	uint64_t	 id;		/* call id */
	int		 phase;		/* EXITPT_OP_* of the call */
	int		 kind;		/* EXITPT_PARTICIPANT_* */
	const char	*kind_name;
	const char	*who;
	const char	*key;
	int		 point;		/* REGISTRY_* */
	int32_t		 number;
	pid_t		 pid;
	int		 started;
	int		 running;
	int32_t		 status;	/* as given (Check) */
	int32_t		 wait;		/* as given (Check) */
	int		 effective;	/* Check after rule 1: 1 allow, 0 veto */
	int		 end;		/* EXITPT_END_* */
	int		 code;
	const char	*reason;
	uint64_t	 duration_ms;	/* so far, while running */
	size_t		 output_dropped;
	int		 stopped;	/* the engine stopped it: 1 at its
					   time limit, 2 at the end of the
					   window, 3 for a cancel; else 0 */
};

/* The engine's state at one generation; immutable once built. */
struct engine_snapshot {
	uint64_t	 generation;
	uint64_t	 operation;	/* 0 before the first */
	int		 action;
	int		 open;		/* not over yet */
	int		 running;	/* a phase runs */
	int		 recovered;	/* rebuilt from the journal */
	int		 validate_only;
	int		 phase;		/* the phase described (EXITPT_OP_*) */
	int		 outcome;	/* of that phase */
	int		 op_outcome;	/* of the operation */
	int		 window;	/* seconds, 0 before Check ends */
	int64_t		 window_left_ms; /* while Prepare runs, else 0 */
	int64_t		 bound_ms;	/* longest the running phase can still
					   take (grace included), 0 when none
					   runs, -1 when it has no bound */
	int		 system_state;	/* -1 before Complete */
	const char	*driver;	/* who started the operation */
	size_t		 ncalls;
	struct engine_call_view *calls;
};

enum engine_event_type {
	ENGINE_OPERATION_STARTED,
	ENGINE_PHASE_STARTED,
	ENGINE_CALL_STARTED,	/* journalled before the participant starts */
	ENGINE_ANSWER,		/* a call ended */
	ENGINE_LATE_ANSWER,	/* an answer for a call already ended, or
				   of another phase: recorded, ignored */
	ENGINE_PHASE_ENDED,
	ENGINE_OPERATION_ENDED,
	ENGINE_OPERATION_INTERRUPTED,	/* exitd stops with it open */
	ENGINE_CALL_PROCESS,	/* a call runs as this process (journalled
				   for a restarted exitd to end it) */
	ENGINE_STALE_ENDED,	/* after a restart: what still ran of a
				   call of the previous exitd was ended */
	ENGINE_BARRIER,		/* what was told so far must be on record
				   before the engine goes on (the calls of
				   a batch, before any of them starts);
				   carries the operation id only and does
				   not change the generation */
};

/* What an observer is told; valid only during the callback. */
struct engine_event {
	enum engine_event_type	 type;
	uint64_t		 operation;
	int			 action;
	int			 validate_only;
	int			 force;		/* the driver's force option */
	int			 phase;		/* EXITPT_OP_* */
	int			 outcome;	/* phase or operation ended */
	int			 window;
	int			 system_state;	/* -1 before Complete */
	size_t			 ncalls;	/* PHASE_STARTED */
	const char		*driver;	/* OPERATION_STARTED,
						   PHASE_STARTED */
	int			 resume_only;	/* OPERATION_STARTED: Complete
						   alone */
	uint64_t		 superseded_by;	/* OPERATION_ENDED: the
						   operation that replaced it,
						   or 0 */
	const char		*late;		/* LATE_ANSWER: why late */
	const struct engine_call_view *call;	/* CALL_STARTED, ANSWER,
						   LATE_ANSWER */
	const struct part	*part;		/* CALL_STARTED, ANSWER,
						   LATE_ANSWER if known,
						   CALL_PROCESS,
						   STALE_ENDED */
	const char		*process;	/* CALL_PROCESS: a JSON
						   object, as text */
	const char		*how;		/* STALE_ENDED */
	int			 followed;	/* another operation or phase
						   boundary follows at once,
						   before anything goes out:
						   one sync may serve both */
	int			 durable;	/* the operation has called,
						   or the phase starting
						   calls, a participant of a
						   durable kind (part_ops):
						   its boundaries are synced */
};

/*
 * A journal record as recovery reads it: journal.c parses each line into
 * one, phase_replay() applies it.  Strings and identity belong to the
 * caller.
 */
struct engine_record {
	enum engine_event_type	 type;
	uint64_t		 operation;
	int			 action;
	int			 validate_only;
	int			 force;
	int			 resume_only;
	int			 phase;		/* EXITPT_OP_*, 0 if none */
	int			 window;	/* -1 if not recorded */
	int			 system_state;	/* -1 if not recorded */
	const char		*driver;	/* may be NULL */
	const char		*kind;		/* part_ops name */
	int			 point;		/* REGISTRY_* */
	const char		*key;
	const char		*who;
	int32_t			 number;
	json_t			*identity;
	json_t			*process;	/* CALL_PROCESS */
	int			 effective;	/* answer: 1, 0, -1 unknown */
};

typedef void	(*engine_reply_cb)(int error, int phase, void *arg);
typedef void	(*engine_observer_cb)(const struct engine_event *, void *);
struct engine_observer;

/* phase.c: the engine API */
void		 phase_init(struct event_base *, const char *, struct config *);
int		 phase_drive(const struct engine_request *, engine_reply_cb,
		     void *);
void		 phase_forget(void *);
void		 phase_answer(uint64_t, const struct part_answer *);
struct engine_snapshot *phase_snapshot(int);
void		 phase_snapshot_free(struct engine_snapshot *);
uint64_t	 phase_generation(void);
void		 phase_list(part_list_cb, void *);
struct engine_observer *phase_observe(engine_observer_cb, void *);
void		 phase_unobserve(struct engine_observer *);
void		 phase_replay(struct engine_op *, const struct engine_record *);
void		 phase_shutdown(void);
uint64_t	 phase_now_ms(void);

/* journal.c: an observer of the engine, plus recovery */
int		 journal_open(const char *);
void		 journal_close(void);
void		 journal_flush(void);
void		 journal_sync(void);
const char	*journal_path(void);
json_t		*journal_string(const char *);
int		 journal_reserve(size_t, size_t);
const char	*journal_problem(void);
const char	*journal_warning(void);
void		 journal_observe(struct event_base *);
int		 journal_recover(struct engine_op *);

/* control.c: a front end, and an observer for its status waiters */
int		 control_listen(struct event_base *, const char *,
		     struct config *);
void		 control_refused_by(uid_t, pid_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
void		 control_shutdown(void);

/*
 * dbus.c: libdbus-1 in the event loop, exitd's connection and its name.
 * The connection comes and goes with the bus: up is called with it each
 * time it is established, down each time it is lost.
 */
#define EXITD_DBUS_NAME		"org.exitpt.Exitd1"
#define EXITD_DBUS_PATH		"/org/exitpt/Exitd1"
#define EXITD_BUS_NONE		0	/* --no-dbus */
#define EXITD_BUS_SYSTEM	1
#define EXITD_BUS_SESSION	2	/* --session-bus */
struct DBusConnection;
typedef void	(*dbus_up_cb)(struct DBusConnection *);
typedef void	(*dbus_down_cb)(void);

/* dbus.c */
void		 dbus_start(struct event_base *, int, dbus_up_cb,
		     dbus_down_cb);
struct DBusConnection *dbus_conn(void);
void		 dbus_stop(void);

/* dbus-service.c: the Manager object, a front end of the engine */
void		 dbus_service_init(struct config *);
void		 dbus_service_up(struct DBusConnection *);
void		 dbus_service_down(void);
void		 dbus_service_shutdown(void);

#endif /* EXITD_H */
