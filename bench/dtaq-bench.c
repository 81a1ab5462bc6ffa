/*
 * Data queue throughput: 64-byte entries sent by one process and received
 * by another, against POSIX message queues (mq_send/mq_receive) with the
 * same depth, measured in the same run: rounds alternate the two, and the
 * figures are medians (a shared machine is noisy).
 *
 * usage: dtaq-bench [ENTRIES [ROUNDS]]
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"
#include "benchdir.h"

#define ENTRY	64
#define DEPTH	10	/* Linux's default mq msg_max */

static double	now(void);
static double	run_dtaq(long);
static double	run_mq(long);
static int	cmp_double(const void *, const void *);

/* Seconds on the monotonic clock. */
static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Entries per second through a data queue between two processes. */
static double
run_dtaq(long n)
{
	struct exitpt_dtaq_entry e;
	struct exitpt_dtaq	*q;
	char			 buf[ENTRY];
	double			 t0, t1;
	pid_t			 pid;
	long			 i;
	int			 status;

	exitpt_dtaq_delete("bench");
	if (exitpt_dtaq_create("bench", EXITPT_DTAQ_FIFO, ENTRY, 0, DEPTH, 0,
	    0600) != 0 || exitpt_dtaq_open("bench", &q) != 0) {
		fprintf(stderr, "dtaq-bench: cannot create a data queue\n");
		exit(1);
	}
	memset(buf, 'x', sizeof(buf));
	t0 = now();
	if ((pid = fork()) == 0) {
		for (i = 0; i < n; i++) {
			if (exitpt_dtaq_send(q, NULL, 0, buf, sizeof(buf),
			    EXITPT_WAIT_FOREVER) != 0)
				_exit(1);
		}
		_exit(0);
	}
	memset(&e, 0, sizeof(e));
	e.data = buf;
	e.size = sizeof(buf);
	for (i = 0; i < n; i++) {
		if (exitpt_dtaq_receive(q, EXITPT_DTAQ_ANY, NULL, 0,
		    EXITPT_WAIT_FOREVER, &e) != 0 || e.length != ENTRY) {
			fprintf(stderr, "dtaq-bench: receive failed\n");
			exit(1);
		}
	}
	t1 = now();
	waitpid(pid, &status, 0);
	exitpt_dtaq_close(q);
	exitpt_dtaq_delete("bench");
	return ((double)n / (t1 - t0));
}

/* Entries per second through a POSIX message queue, the baseline. */
static double
run_mq(long n)
{
	struct mq_attr	 attr;
	char		 name[64], buf[ENTRY];
	double		 t0, t1;
	mqd_t		 mq;
	pid_t		 pid;
	long		 i;
	int		 status;

	snprintf(name, sizeof(name), "/exitpt-dtaq-bench.%d", (int)getpid());
	memset(&attr, 0, sizeof(attr));
	attr.mq_maxmsg = DEPTH;
	attr.mq_msgsize = ENTRY;
	mq_unlink(name);
	if ((mq = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr)) ==
	    (mqd_t)-1) {
		fprintf(stderr, "dtaq-bench: mq_open: %s\n", strerror(errno));
		exit(1);
	}
	memset(buf, 'x', sizeof(buf));
	t0 = now();
	if ((pid = fork()) == 0) {
		for (i = 0; i < n; i++) {
			if (mq_send(mq, buf, sizeof(buf), 0) != 0)
				_exit(1);
		}
		_exit(0);
	}
	for (i = 0; i < n; i++) {
		if (mq_receive(mq, buf, sizeof(buf), NULL) != ENTRY) {
			fprintf(stderr, "dtaq-bench: mq_receive failed\n");
			exit(1);
		}
	}
	t1 = now();
	waitpid(pid, &status, 0);
	mq_close(mq);
	mq_unlink(name);
	return ((double)n / (t1 - t0));
}

/* Order doubles, for medians. */
static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

int
main(int argc, char **argv)
{
	double	*d, *m, *ratio;
	long	 n = 50000, rounds = 9, r;

	if (argc > 1)
		n = atol(argv[1]);
	if (argc > 2)
		rounds = atol(argv[2]);
	if (n < 1 || rounds < 1) {
		fprintf(stderr, "usage: dtaq-bench [ENTRIES [ROUNDS]]\n");
		return (1);
	}
	if ((d = calloc(rounds, sizeof(*d))) == NULL ||
	    (m = calloc(rounds, sizeof(*m))) == NULL ||
	    (ratio = calloc(rounds, sizeof(*ratio))) == NULL) {
		fprintf(stderr, "dtaq-bench: out of memory\n");
		return (1);
	}
	if (benchdir_setup("dtaq-bench") != 0)
		return (1);
	printf("%ld entries of %d bytes per round, queue depth %d, producer "
	    "and consumer processes, %ld rounds\n", n, ENTRY, DEPTH, rounds);
	/*
	 * Alternate the two in every round and compare within the round, so
	 * that load from elsewhere on the machine hits both alike.
	 */
	for (r = 0; r < rounds; r++) {
		if (r % 2 == 0) {
			d[r] = run_dtaq(n);
			m[r] = run_mq(n);
		} else {
			m[r] = run_mq(n);
			d[r] = run_dtaq(n);
		}
		ratio[r] = d[r] / m[r];
		printf("round %ld: exitpt dtaq %.0f/s, POSIX mq %.0f/s, ratio "
		    "%.2f\n", r + 1, d[r], m[r], ratio[r]);
	}
	qsort(d, rounds, sizeof(*d), cmp_double);
	qsort(m, rounds, sizeof(*m), cmp_double);
	qsort(ratio, rounds, sizeof(*ratio), cmp_double);
	printf("exitpt_dtaq send+receive: %.0f entries/s (median)\n",
	    d[rounds / 2]);
	printf("POSIX mq_send+mq_receive: %.0f entries/s (median, baseline)\n",
	    m[rounds / 2]);
	printf("ratio dtaq/mq: %.2f (median of per-round ratios; target >= "
	    "1.00)\n", ratio[rounds / 2]);
	free(d);
	free(m);
	free(ratio);
	return (0);
}
