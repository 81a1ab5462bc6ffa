/*
 * Concurrent producers and consumers on one data queue, with random
 * SIGKILLs of both for a few seconds per queue type: no entry may be lost
 * and none received twice, counted exactly.
 *
 * Accounting rule.  Everything the children record lives in one shared
 * anonymous mapping, so it survives their deaths.
 * - A producer incarnation sends entries (incarnation, seq, check) with
 *   seq 0, 1, 2...; after each successful send it stores sent = seq + 1.
 *   So every seq < sent was sent; seq == sent may have been sent (killed
 *   between the queue's commit and the store); no higher seq was.
 * - A consumer reserves a record slot (atomic counter), receives directly
 *   into it (the library copies the entry to the caller's buffer before
 *   its commit), then marks the record committed.  A consumer killed
 *   between the queue's commit and its mark leaves a "tentative" record
 *   with a valid check; one killed before the commit may leave the same
 *   kind of record while the entry stays in the queue.
 * - At the end the parent drains what remains in the queue.
 * Then: committed records plus remaining entries must hold each seq <
 * sent exactly once, seq == sent at most once, nothing else.  A tentative
 * record counts as a receive exactly when its entry is found nowhere else
 * (then the commit happened; else the entry was received again or is
 * still queued, and the tentative copy is ignored).
 */
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"
#include "ipctest.h"
#include "tap.h"

#define NPROD		3
#define NCONS		3
#define RUN_SECONDS	2.0
#define MAX_INC		20000		/* producer incarnations */
#define MAX_REC		(1u << 21)	/* receive records */
#define CHECK_MAGIC	0x9e3779b97f4a7c15ULL

struct payload {
	uint64_t	inc;
	uint64_t	seq;
	uint64_t	check;
	uint64_t	pad;
};

#define REC_FREE	0
#define REC_RESERVED	1
#define REC_COMMITTED	2

struct rec {
	uint32_t	state;
	uint32_t	pad;
	struct payload	p;
};

struct shared {
	uint64_t	sent[MAX_INC];
	uint32_t	next_rec;
	uint32_t	next_inc;
	struct rec	rec[MAX_REC];
};

static struct shared	*sh;

static uint64_t	check_of(uint64_t, uint64_t);
static pid_t	spawn_producer(const char *, int);
static pid_t	spawn_consumer(const char *, int);
static void	run_type(int);

/* The check word of an entry, so a half-copied record is recognised. */
static uint64_t
check_of(uint64_t inc, uint64_t seq)
{
	return ((inc * 0x100000001b3ULL) ^ (seq * 0xc2b2ae3d27d4eb4fULL) ^
	    CHECK_MAGIC);
}

/* Start a producer incarnation: send numbered entries until killed. */
static pid_t
spawn_producer(const char *name, int keyed)
{
	struct exitpt_dtaq	*q;
	struct payload		 p;
	unsigned char		 key[2];
	uint32_t		 inc;
	pid_t			 pid;

	inc = __atomic_fetch_add(&sh->next_inc, 1, __ATOMIC_SEQ_CST);
	if (inc >= MAX_INC)
		tap_bail("too many producer incarnations");
	if ((pid = fork()) != 0)
		return (pid);
	if (exitpt_dtaq_open(name, &q) != 0)
		_exit(2);
	memset(&p, 0, sizeof(p));
	p.inc = inc;
	for (p.seq = 0;; ) {
		p.check = check_of(p.inc, p.seq);
		/* Few distinct keys, so that keyed receives interleave. */
		key[0] = (unsigned char)('a' + p.seq % 3);
		key[1] = (unsigned char)('0' + inc % 10);
		if (exitpt_dtaq_send(q, keyed ? key : NULL, keyed ? 2 : 0, &p,
		    sizeof(p), 0.1) == 0) {
			__atomic_store_n(&sh->sent[inc], p.seq + 1,
			    __ATOMIC_SEQ_CST);
			p.seq++;
		}
	}
}

/* Start a consumer incarnation: receive into reserved records. */
static pid_t
spawn_consumer(const char *name, int keyed)
{
	struct exitpt_dtaq_entry	 e;
	struct exitpt_dtaq		*q;
	struct rec			*r = NULL;
	uint32_t			 i;
	pid_t				 pid;
	int				 error;

	if ((pid = fork()) != 0)
		return (pid);
	if (exitpt_dtaq_open(name, &q) != 0)
		_exit(2);
	for (;;) {
		if (r == NULL) {
			i = __atomic_fetch_add(&sh->next_rec, 1,
			    __ATOMIC_SEQ_CST);
			if (i >= MAX_REC)
				pause();
			r = &sh->rec[i];
			__atomic_store_n(&r->state, REC_RESERVED,
			    __ATOMIC_SEQ_CST);
		}
		memset(&e, 0, sizeof(e));
		e.data = &r->p;
		e.size = sizeof(r->p);
		/* Keyed consumers select differently, to exercise orders. */
		error = exitpt_dtaq_receive(q, keyed ? EXITPT_DTAQ_GE :
		    EXITPT_DTAQ_ANY, keyed ? "a0" : NULL, keyed ? 2 : 0, 0.1,
		    &e);
		if (error == 0) {
			__atomic_store_n(&r->state, REC_COMMITTED,
			    __ATOMIC_SEQ_CST);
			r = NULL;
		} else if (error != EXITPT_E_TIMEOUT)
			_exit(3);
	}
}

/* One run of producers and consumers under random kills, then the count. */
static void
run_type(int type)
{
	struct exitpt_dtaq	*q;
	struct exitpt_dtaq_entry e;
	struct payload		 p;
	pid_t			 prod[NPROD], cons[NCONS], pid;
	uint32_t		**count, i, ninc, nrec;
	uint64_t		 sent_total = 0, recv = 0, tentative = 0;
	uint64_t		 remaining = 0, ignored = 0, lost = 0, dup = 0;
	uint64_t		 bogus = 0, corrupt = 0, maybe = 0;
	const char		*tname = exitpt_dtaq_type_name(type);
	double			 until;
	int			 kills = 0, status, k, keyed, badexit = 0;
	struct timespec		 ts;

	keyed = type == EXITPT_DTAQ_KEYED;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (sh == MAP_FAILED)
		tap_bail("mmap");
	exitpt_dtaq_delete("stress");
	if (exitpt_dtaq_create("stress", type, sizeof(struct payload),
	    keyed ? 2 : 0, 16, 0, 0600) != 0 ||
	    exitpt_dtaq_open("stress", &q) != 0)
		tap_bail("cannot create the queue");

	for (k = 0; k < NPROD; k++)
		prod[k] = spawn_producer("stress", keyed);
	for (k = 0; k < NCONS; k++)
		cons[k] = spawn_consumer("stress", keyed);
	until = ipctest_now() + RUN_SECONDS;
	while (ipctest_now() < until) {
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(random() % 3000000);
		nanosleep(&ts, NULL);
		k = (int)(random() % (NPROD + NCONS));
		pid = k < NPROD ? prod[k] : cons[k - NPROD];
		kill(pid, SIGKILL);
		if (waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status))
			badexit++;
		kills++;
		if (k < NPROD)
			prod[k] = spawn_producer("stress", keyed);
		else
			cons[k - NPROD] = spawn_consumer("stress", keyed);
	}
	/* The final kills land at arbitrary points too. */
	for (k = 0; k < NPROD + NCONS; k++) {
		pid = k < NPROD ? prod[k] : cons[k - NPROD];
		kill(pid, SIGKILL);
		if (waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status))
			badexit++;
	}
	is_int(badexit, 0, "%s: every child ran until killed (no error exit)",
	    tname);

	ninc = sh->next_inc;
	nrec = sh->next_rec < MAX_REC ? sh->next_rec : MAX_REC;
	if ((count = calloc(ninc, sizeof(*count))) == NULL)
		tap_bail("calloc");
	for (i = 0; i < ninc; i++) {
		sent_total += sh->sent[i];
		if ((count[i] = calloc(sh->sent[i] + 1, sizeof(**count))) ==
		    NULL)
			tap_bail("calloc");
	}
	/* Count one occurrence of an entry; flag what was never sent. */
#define COUNT(pp) do {							\
	if ((pp)->inc >= ninc || (pp)->seq > sh->sent[(pp)->inc])	\
		bogus++;						\
	else								\
		count[(pp)->inc][(pp)->seq]++;				\
} while (0)
	for (i = 0; i < nrec; i++) {
		if (sh->rec[i].state != REC_COMMITTED)
			continue;
		if (sh->rec[i].p.check != check_of(sh->rec[i].p.inc,
		    sh->rec[i].p.seq)) {
			corrupt++;
			continue;
		}
		recv++;
		COUNT(&sh->rec[i].p);
	}
	is_int(exitpt_dtaq_count(q) >= 0, 1, "%s: the queue is usable after "
	    "%d kills (no deadlock)", tname, kills);
	for (;;) {
		memset(&e, 0, sizeof(e));
		e.data = &p;
		e.size = sizeof(p);
		if (exitpt_dtaq_receive(q, EXITPT_DTAQ_ANY, NULL, 0, 0, &e) != 0)
			break;
		if (e.length != sizeof(p) || p.check != check_of(p.inc, p.seq))
			corrupt++;
		else {
			remaining++;
			COUNT(&p);
		}
	}
	for (i = 0; i < nrec; i++) {
		struct payload	*rp = &sh->rec[i].p;

		if (sh->rec[i].state != REC_RESERVED || rp->check !=
		    check_of(rp->inc, rp->seq) || rp->inc >= ninc ||
		    rp->seq > sh->sent[rp->inc])
			continue;
		if (count[rp->inc][rp->seq] == 0) {
			count[rp->inc][rp->seq] = 1;
			tentative++;
		} else
			ignored++;
	}
#undef COUNT
	for (i = 0; i < ninc; i++) {
		uint64_t	s;

		for (s = 0; s < sh->sent[i]; s++) {
			if (count[i][s] == 0)
				lost++;
			else if (count[i][s] > 1)
				dup++;
		}
		if (count[i][sh->sent[i]] > 1)
			dup++;
		maybe += count[i][sh->sent[i]];
		free(count[i]);
	}
	free(count);
	printf("# %s: %d kills, %u producers, %llu sent (+%llu in doubt), "
	    "%llu received, %llu taken by consumers killed before recording, "
	    "%llu uncommitted copies, %llu left in the queue\n", tname, kills,
	    ninc, (unsigned long long)sent_total, (unsigned long long)maybe,
	    (unsigned long long)recv, (unsigned long long)tentative,
	    (unsigned long long)ignored, (unsigned long long)remaining);
	ok(kills > 50 && sent_total > 1000, "%s: the run did real work "
	    "(%d kills, %llu entries)", tname, kills,
	    (unsigned long long)sent_total);
	is_int(corrupt, 0, "%s: no entry was received torn", tname);
	is_int(bogus, 0, "%s: nothing was received that was never sent",
	    tname);
	is_int(lost, 0, "%s: no_entry_lost_under_sigkill", tname);
	is_int(dup, 0, "%s: no_entry_received_twice_under_sigkill", tname);
	is_int(exitpt_dtaq_count(q), 0, "%s: drained", tname);
	is_int(exitpt_dtaq_send(q, keyed ? "zz" : NULL, keyed ? 2 : 0, &p,
	    sizeof(p), 0), 0, "%s: still accepts sends", tname);
	exitpt_dtaq_close(q);
	exitpt_dtaq_delete("stress");
	munmap(sh, sizeof(*sh));
}

int
main(void)
{
	char	prefix[32];

	snprintf(prefix, sizeof(prefix), "dtaqkill%d", (int)getpid());
	setenv("EXITPT_IPC_PREFIX", prefix, 1);
	ipctest_atexit();
	srandom((unsigned int)getpid());
	alarm(120);
	run_type(EXITPT_DTAQ_FIFO);
	run_type(EXITPT_DTAQ_LIFO);
	run_type(EXITPT_DTAQ_KEYED);
	return (tap_done());
}
