/*
 * The adapters' shared part: what an installed adapter program (the drmgr
 * pmig hook, the CRIU action script) needs to reach exitd from a platform
 * that runs it with almost nothing, and to bound its own time.
 *
 * A platform may wait forever for its hook (drmgr and CRIU both do), so an
 * adapter never blocks without a deadline: a watchdog thread gives up for
 * it, printing one line and exiting 0, when exitd does not answer a
 * request within ADAPTER_ANSWER_MS or a phase runs past what the adapter
 * may wait.  A missing or silent exitd must not hold up the platform.
 */
#ifndef ADAPTER_H
#define ADAPTER_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include <exitpt/client.h>

#include "exitpt-int.h"

#define ADAPTER_ANSWER_MS	10000	/* exitd must answer a request */
#define ADAPTER_MARGIN_MS	5000	/* waited past a phase's bound */

/* Exit statuses; giving up is a success for the platform. */
#define ADAPTER_EXIT_OK		0
#define ADAPTER_EXIT_REFUSED	1	/* vetoed or busy: the platform stops */
#define ADAPTER_EXIT_USAGE	64	/* EX_USAGE: not run by the platform */

/* One drive request, as an adapter makes it. */
struct adapter_call {
	int		 phase;		/* EXITPT_OP_* */
	uint64_t	 operation;	/* 0: the current one */
	int		 action;	/* Check: EXITPT_ACTION_* */
	int		 system_state;	/* Complete: EXITPT_SYSTEM_* */
	const char	*what;		/* for messages: "the migration check" */
};

struct adapter {
	const char	*prog;		/* first word of every line */
	FILE		*out;		/* where lines go */
	const char	*socket;	/* exitd's control socket */
	struct config	 cfg;		/* exitd.conf, or the defaults */
	int64_t		 start_ms;	/* CLOCK_MONOTONIC at adapter_init */
	int64_t		 cap_ms;	/* never wait past start_ms + cap_ms */
	const char	*cap_name;	/* where the cap comes from */

	/* the watchdog thread and its deadline */
	pthread_t	 watchdog;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cond;
	int64_t		 deadline_ms;	/* 0: disarmed */
	int		 quit;		/* adapter_finish: the thread ends */
	int		 capped;	/* the deadline is the cap */
	char		 what[128];	/* what exitd is doing for us */
};

/* adapter.c */
void		 adapter_init(struct adapter *, const char *, FILE *);
void		 adapter_set_cap(struct adapter *, int, const char *);
void		 adapter_say(struct adapter *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
int64_t		 adapter_now_ms(void);
void		 adapter_expect(struct adapter *, int64_t, const char *);
void		 adapter_disarm(struct adapter *);
int		 adapter_open(struct adapter *, const char *,
		     struct exitpt_client **);
int		 adapter_status(struct adapter *, struct exitpt_client *,
		     struct exitpt_report **);
int		 adapter_drive(struct adapter *, struct exitpt_client *,
		     const struct adapter_call *, struct exitpt_report **);
void		 adapter_refused(struct adapter *, const char *, int,
		     const struct exitpt_report *);
size_t		 adapter_vetoes(struct adapter *, const struct exitpt_report *);
void		 adapter_finish(struct adapter *);

#endif /* ADAPTER_H */
