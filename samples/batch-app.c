/*
 * Sample application: a batch job that marks each of its runs critical
 * and reports its progress on a data queue, for its exit program
 * (batch-exit) to peek at.
 *
 *   batch-app QUEUE STEPS STEP_MS
 *
 * Each step enters the critical section "batch" (so that Check vetoes a
 * migration while it runs), sends "step N/STEPS started", works for
 * STEP_MS milliseconds, sends "step N/STEPS done" and leaves.  Between
 * steps nothing is critical; while a migration is pending the next step
 * waits for it to end, as exitpt_critical_enter does by default.  The
 * queue (FIFO, 64-byte entries, 64 of them, mode 0644 so that an exit
 * program running as another user may read it) is created if missing;
 * when it is full the oldest entry is dropped to make room.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <exitpt/exitpt.h>

#define BATCH_SECTION	"batch"
#define BATCH_ENTRY	64
#define BATCH_ENTRIES	64

static int	 batch_report(struct exitpt_dtaq *, const char *);
static void	 batch_work(long);

/* Send one progress line, dropping the oldest one if the queue is full. */
static int
batch_report(struct exitpt_dtaq *q, const char *line)
{
	struct exitpt_dtaq_entry	e;
	char				old[BATCH_ENTRY];
	int				error;

	printf("batch-app: %s\n", line);
	fflush(stdout);
	error = exitpt_dtaq_send(q, NULL, 0, line, strlen(line),
	    EXITPT_WAIT_NOWAIT);
	if (error == EXITPT_E_FULL) {
		memset(&e, 0, sizeof(e));
		e.data = old;
		e.size = sizeof(old);
		exitpt_dtaq_receive(q, EXITPT_DTAQ_ANY, NULL, 0,
		    EXITPT_WAIT_NOWAIT, &e);
		error = exitpt_dtaq_send(q, NULL, 0, line, strlen(line),
		    EXITPT_WAIT_NOWAIT);
	}
	return (error);
}

/* The work of one step: here, time passing. */
static void
batch_work(long ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

int
main(int argc, char **argv)
{
	struct exitpt_critical	*c;
	struct exitpt_dtaq	*q;
	char			 line[BATCH_ENTRY];
	long			 steps, ms, i;
	int			 error;

	if (argc != 4 || (steps = atol(argv[2])) < 1 ||
	    (ms = atol(argv[3])) < 0) {
		fprintf(stderr, "usage: batch-app QUEUE STEPS STEP_MS\n");
		return (64);
	}
	error = exitpt_dtaq_create(argv[1], EXITPT_DTAQ_FIFO, BATCH_ENTRY, 0,
	    BATCH_ENTRIES, EXITPT_DTAQ_SENDER_INFO, 0644);
	if ((error != 0 && error != -EEXIST) ||
	    (error = exitpt_dtaq_open(argv[1], &q)) != 0) {
		fprintf(stderr, "batch-app: data queue %s: %s %s\n", argv[1],
		    exitpt_strerror(error), exitpt_ipc_detail());
		return (1);
	}
	for (i = 1; i <= steps; i++) {
		/* Waits while a migration is pending: never starts unseen. */
		if ((error = exitpt_critical_enter(BATCH_SECTION, 0,
		    EXITPT_WAIT_FOREVER, &c)) != 0) {
			fprintf(stderr, "batch-app: %s\n",
			    exitpt_strerror(error));
			return (1);
		}
		snprintf(line, sizeof(line), "step %ld/%ld started", i, steps);
		batch_report(q, line);
		batch_work(ms);
		snprintf(line, sizeof(line), "step %ld/%ld done", i, steps);
		batch_report(q, line);
		exitpt_critical_leave(c);
		batch_work(ms / 4);
	}
	snprintf(line, sizeof(line), "finished %ld steps", steps);
	batch_report(q, line);
	exitpt_dtaq_close(q);
	return (0);
}
