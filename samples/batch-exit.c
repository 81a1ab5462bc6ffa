/*
 * Sample exit program for QIBM_QWC_SUSPEND, for batch-app.  Its program
 * data is the name of the application's progress queue.
 *
 *   Check    peeks at the last progress entry and says how far the batch
 *            is (the veto itself comes from exitd: a step in progress
 *            holds the critical section "batch"); it allows and asks for
 *            10 s to prepare;
 *   Prepare  takes the application's critical section as the application
 *            does everywhere else, to write a checkpoint entry: as a
 *            participant of the pending operation (exitd gives it
 *            EXITPT_OPERATION_ID) it is granted the section at once
 *            instead of waiting for its own operation to end;
 *   Cancel   notes the cancellation on the queue.
 */
#include <stdio.h>
#include <string.h>

#include <exitpt/exitpt.h>

#define BATCH_SECTION	"batch"
#define BATCH_ENTRY	64

static int	 batch_peek_cb(const struct exitpt_dtaq_entry *, void *);
static int	 batch_check(struct exitpt_bmgf0100 *, struct exitpt_dtaq *);
static int	 batch_prepare(const struct exitpt_bmgf0200 *,
		     struct exitpt_dtaq *);
static int	 batch_exit(void *, const char *, char, void *);

/* Keep a copy of the peeked entry's text. */
static int
batch_peek_cb(const struct exitpt_dtaq_entry *e, void *arg)
{
	char	*line = arg;
	size_t	 n = e->length < BATCH_ENTRY ? e->length : BATCH_ENTRY - 1;

	memcpy(line, e->data, n);
	line[n] = '\0';
	return (0);
}

/* Check: say how far the batch is, allow, ask for 10 s. */
static int
batch_check(struct exitpt_bmgf0100 *info, struct exitpt_dtaq *q)
{
	char	line[BATCH_ENTRY] = "no progress reported yet";
	int	n;

	n = exitpt_dtaq_peek(q, EXITPT_DTAQ_PEEK_LAST, EXITPT_DTAQ_ANY, NULL,
	    0, batch_peek_cb, line);
	if (n < 0)
		snprintf(line, sizeof(line), "cannot peek: %s",
		    exitpt_strerror(n));
	printf("batch progress: %s\n", line);
	info->status = EXITPT_STATUS_ALLOW;
	info->wait_time = 10;
	return (0);
}

/* Prepare: a checkpoint under the section; Cancel: a note. */
static int
batch_prepare(const struct exitpt_bmgf0200 *info, struct exitpt_dtaq *q)
{
	struct exitpt_critical	*c;
	char			 line[BATCH_ENTRY];
	int			 error;

	if (info->request == EXITPT_REQUEST_CANCEL) {
		snprintf(line, sizeof(line), "operation %016llx cancelled",
		    (unsigned long long)exitpt_exitprog_operation());
		exitpt_dtaq_send(q, NULL, 0, line, strlen(line),
		    EXITPT_WAIT_NOWAIT);
		printf("%s\n", line);
		return (0);
	}
	/* Granted at once: we are a participant of the pending operation. */
	if ((error = exitpt_critical_enter(BATCH_SECTION, 0,
	    EXITPT_WAIT_FOREVER, &c)) != 0) {
		fprintf(stderr, "critical section: %s\n",
		    exitpt_strerror(error));
		return (1);
	}
	snprintf(line, sizeof(line), "checkpoint for operation %016llx",
	    (unsigned long long)exitpt_exitprog_operation());
	error = exitpt_dtaq_send(q, NULL, 0, line, strlen(line),
	    EXITPT_WAIT_NOWAIT);
	exitpt_critical_leave(c);
	printf("%s%s\n", line, error != 0 ? " (queue full)" : "");
	return (0);
}

/* The exit program proper, called by the helper with fd 3 mapped. */
static int
batch_exit(void *info, const char *format, char phase, void *arg)
{
	struct exitpt_dtaq	*q;
	int			 error, rc;

	if ((error = exitpt_dtaq_open(exitpt_exitprog_data(), &q)) != 0) {
		/* No queue: the application never ran; nothing to say. */
		if (phase == EXITPT_PHASE_CHECK) {
			((struct exitpt_bmgf0100 *)info)->status =
			    EXITPT_STATUS_ALLOW;
			((struct exitpt_bmgf0100 *)info)->wait_time = 1;
		}
		printf("no batch queue '%s': %s\n", exitpt_exitprog_data(),
		    exitpt_strerror(error));
		return (0);
	}
	switch (phase) {
	case EXITPT_PHASE_CHECK:
		rc = batch_check(info, q);
		break;
	case EXITPT_PHASE_PREPARE:
		rc = batch_prepare(info, q);
		break;
	default:
		fprintf(stderr, "phase %c is not for a suspend program\n",
		    phase);
		rc = 1;
	}
	exitpt_dtaq_close(q);
	return (rc);
}

int
main(int argc, char **argv)
{
	int	rc;

	rc = exitpt_exitprog_run(argc, argv, batch_exit, NULL);
	fflush(stdout);
	if (rc < 0) {
		fprintf(stderr, "batch-exit: %s (run by exitd as "
		    "'batch-exit FORMAT PHASE' with fd 3)\n",
		    exitpt_strerror(rc));
		return (2);
	}
	return (rc);
}
