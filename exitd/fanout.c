/*
 * Run one function over the items of an array on two CPUs: exitd's own
 * thread and, for an array long enough to pay for it, one helper thread
 * that lives only as long as the call.  The dr_reconfig() fan-out uses it
 * for what costs most per process and touches nothing of the engine:
 * reading /proc/PID/status and signalling.  exitd is single-threaded at
 * every other moment (its spawns, its signal handling, libevent).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>

#include "exitd.h"

#define FANOUT_MIN	32		/* fewer items: this thread alone */
#define FANOUT_STACK	(256 * 1024)	/* the helper's stack, bytes */

struct fanout {
	char		*items;
	size_t		 n;
	size_t		 size;
	fanout_cb	 cb;
	size_t		 next;		/* next item to take, shared */
};

static void	 fanout_work(struct fanout *);
static void	*fanout_helper(void *);

/* Take items one by one until none is left. */
static void
fanout_work(struct fanout *f)
{
	size_t	i;

	while ((i = __atomic_fetch_add(&f->next, 1, __ATOMIC_RELAXED)) < f->n)
		f->cb(f->items + i * f->size);
}

/* The helper thread's body. */
static void *
fanout_helper(void *arg)
{
	fanout_work(arg);
	return (NULL);
}

/*
 * Call cb once for each of the n items of size bytes at items, in any
 * order, on this thread and a helper thread when there are enough items
 * (and a helper can be had: otherwise on this thread alone), and return
 * when every call has returned; what the callbacks wrote is then visible
 * here.  cb may touch only its item and what no thread changes meanwhile:
 * no engine state, no logging, no allocation.  The helper blocks every
 * signal, so that the loop's signal handling stays on this thread.
 */
void
fanout_run(void *items, size_t n, size_t size, fanout_cb cb)
{
	struct fanout	f;
	pthread_attr_t	attr;
	pthread_t	helper;
	sigset_t	all, old;
	int		helped = 0;

	memset(&f, 0, sizeof(f));
	f.items = items;
	f.n = n;
	f.size = size;
	f.cb = cb;
	if (n >= FANOUT_MIN && pthread_attr_init(&attr) == 0) {
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		helped = pthread_attr_setstacksize(&attr, FANOUT_STACK) == 0 &&
		    pthread_create(&helper, &attr, fanout_helper, &f) == 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_attr_destroy(&attr);
	}
	fanout_work(&f);
	if (helped && (errno = pthread_join(helper, NULL)) != 0)
		fatal("fanout: pthread_join");
}
