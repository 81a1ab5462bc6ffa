/*
 * Data queue throughput: 64-byte entries sent by one process and received
 * by another, against POSIX message queues (mq_send/mq_receive) with the
 * same depth, measured in the same run, rounds interleaved.
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

#define ENTRY	64
#define DEPTH	10	/* Linux's default mq msg_max */

static double	now(void);
static double	run_dtaq(long);
static double	run_mq(long);

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

int
main(int argc, char **argv)
{
	char	prefix[32];
	double	d, m, best_d = 0, best_m = 0;
	long	n = 200000, rounds = 3, r;

	if (argc > 1)
		n = atol(argv[1]);
	if (argc > 2)
		rounds = atol(argv[2]);
	if (n < 1 || rounds < 1) {
		fprintf(stderr, "usage: dtaq-bench [ENTRIES [ROUNDS]]\n");
		return (1);
	}
	snprintf(prefix, sizeof(prefix), "dtaqbench%d", (int)getpid());
	setenv("EXITPT_IPC_PREFIX", prefix, 1);
	printf("%ld entries of %d bytes, queue depth %d, producer and "
	    "consumer processes, best of %ld rounds\n", n, ENTRY, DEPTH, rounds);
	for (r = 0; r < rounds; r++) {
		d = run_dtaq(n);
		m = run_mq(n);
		printf("round %ld: exitpt dtaq %.0f/s, POSIX mq %.0f/s\n", r + 1,
		    d, m);
		if (d > best_d)
			best_d = d;
		if (m > best_m)
			best_m = m;
	}
	printf("exitpt_dtaq send+receive: %.0f entries/s\n", best_d);
	printf("POSIX mq_send+mq_receive: %.0f entries/s (baseline)\n", best_m);
	printf("ratio dtaq/mq: %.2f (target >= 1.00)\n", best_d / best_m);
	return (0);
}
