/*
 * The adapters' shared part: what an installed adapter program (the drmgr
 * pmig hook, the CRIU action script) needs on top of the driver helper
 * (exitd/driver) to reach exitd from a platform that runs it with almost
 * nothing, and to bound its own time.
 *
 * A platform may wait forever for its hook (drmgr and CRIU both do), so an
 * adapter never waits on exitd without a deadline.  A watchdog thread
 * gives up for it, printing one line and exiting 0, so that the platform
 * goes on: when exitd does not answer a request within ADAPTER_ANSWER_MS;
 * when the phase it runs outlasts the bound exitd announced for it (a
 * watcher thread follows exitd's snapshots) plus ADAPTER_MARGIN_MS; and
 * never later than the cap (drmgr-timeout) after the adapter started,
 * whatever it is doing then (its own work, such as reading a file, too).
 */
#ifndef ADAPTER_H
#define ADAPTER_H

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include <exitpt/client.h>

#include "driver.h"

#define ADAPTER_ANSWER_MS	10000	/* exitd must answer a request */
#define ADAPTER_MARGIN_MS	2000	/* waited past a phase's bound */

/* Why the deadline is what it is, for the line that gives up. */
enum adapter_limit {
	ADAPTER_LIMIT_ANSWER,	/* no answer, no progress from exitd */
	ADAPTER_LIMIT_BOUND,	/* the running phase's announced bound */
	ADAPTER_LIMIT_CAP,	/* drmgr-timeout */
	ADAPTER_LIMIT_WORK,	/* drmgr-timeout, in the adapter's own work */
};

struct adapter {
	const char	*prog;		/* first word of every line */
	const char	*name;		/* driver name exitd shows */
	FILE		*out;		/* where lines go */
	const char	*socket;	/* exitd's control socket */
	struct config	 cfg;		/* exitd.conf, or the defaults */
	int64_t		 start_ms;	/* CLOCK_MONOTONIC at adapter_init */
	int64_t		 cap_ms;	/* never wait past start_ms + cap_ms */

	/* the watchdog's deadline, which the watcher moves */
	pthread_t	 watchdog;
	pthread_t	 watcher;
	int		 watching;	/* the watcher was started */
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cond;
	int64_t		 deadline_ms;	/* 0: nothing is awaited (the cap
					   still bounds the adapter) */
	enum adapter_limit limit;
	int64_t		 bound_ms;	/* the bound exitd announced */
	int		 quit;
	char		 what[PATH_MAX + 64]; /* what exitd is doing for us,
					   or the adapter's own work */
};

/* adapter.c */
struct adapter	*adapter_init(const char *, const char *, FILE *);
void		 adapter_say(struct adapter *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
void		 adapter_begin(struct adapter *, const char *);
void		 adapter_end(struct adapter *);
void		 adapter_work(struct adapter *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
int		 adapter_open(struct adapter *, const char *,
		     struct exitpt_client **);
int		 adapter_status(struct adapter *, struct exitpt_client *,
		     struct exitpt_report **);
int		 adapter_drive(struct adapter *, struct exitpt_client *,
		     const struct driver_request *, const char *,
		     struct exitpt_report **);
int		 adapter_run_cb(struct exitpt_client **,
		     const struct driver_request *, struct exitpt_report **,
		     void *);
int		 adapter_own(const struct adapter *,
		     const struct exitpt_report *);
void		 adapter_refused(struct adapter *, const char *, int,
		     const struct exitpt_report *);
void		 adapter_vetoes(struct adapter *, const struct exitpt_report *);
void		 adapter_finish(struct adapter *);

#endif /* ADAPTER_H */
