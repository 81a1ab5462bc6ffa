/*
 * Critical sections (see exitpt/critical.h) and the suspend-pending flag.
 *
 * Each user has a table of slots (object "u<uid>", mode 0600).  A slot is
 * claimed and released by compare-and-swap on one 64-bit word holding a
 * generation, the holder's pid and a state (free, being written, held),
 * so entering and leaving take no lock and a holder killed at any point
 * leaves a slot that readers recognise as dead by its pid and start time.
 *
 * The suspend-pending flag is one published object ("pending", written
 * only by its owner, read-only for everyone else).  Entering claims its
 * slot first and reads the flag second; exitd raises the flag first and
 * lists holders second.  All four accesses are sequentially consistent,
 * so either the enter sees the flag and backs out, or the listing sees
 * the slot (and waits for it to leave the "being written" state, or,
 * if its writer stalls, counts it as entering): a section can never
 * start unseen after Check.
 *
 * The flag is trusted only when root or the caller owns it, so another
 * user cannot block everyone's sections with a flag of their own; root's
 * critical_set_pending replaces such a flag, and every process watching
 * the old one sees it deleted and opens the new one.
 */
#include <sys/types.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"

#define CRITICAL_FREE		0u
#define CRITICAL_WRITING	1u
#define CRITICAL_HELD		2u
#define CRITICAL_STATE(w)	((uint32_t)((w) & 3))
#define CRITICAL_PID(w)		((pid_t)(((w) >> 2) & 0x3fffffff))
#define CRITICAL_GEN(w)		((w) >> 32)
#define CRITICAL_WORD(g, p, s)	(((uint64_t)(g) << 32) | \
				    ((uint64_t)(uint32_t)(p) << 2) | (s))
#define CRITICAL_SLOTS		1024	/* sections held at once, per user */
#define CRITICAL_FLAG_NAME	"pending"
#define CRITICAL_RETIRED_MAX	16
#define CRITICAL_WRITING_WAIT_NS (50 * 1000 * 1000LL)

struct critical_slot {
	_Atomic uint64_t	 word;
	uint64_t		 start;		/* holder's start time */
	int64_t			 since;		/* CLOCK_REALTIME, seconds */
	_Atomic uint32_t	 filled;	/* generation of the fields */
	char			 name[EXITPT_NAME_MAX + 1];
	char			 pad[64 - 28 - EXITPT_NAME_MAX - 1];
};

_Static_assert(sizeof(struct critical_slot) == 64, "one slot, one cache line");

struct critical_table {
	struct critical_slot	 slot[CRITICAL_SLOTS];
};

struct critical_flag {
	_Atomic uint32_t	 pending;
	uint32_t		 pad;
	_Atomic uint64_t	 op;		/* operation id, 0 if unknown */
	_Atomic int64_t		 since;		/* CLOCK_REALTIME, seconds */
};

struct exitpt_critical {
	struct critical_table	*table;
	uint32_t		 slot;
	uint64_t		 word;
	pid_t			 pid;
};

struct critical_holder {
	char			 name[EXITPT_NAME_MAX + 1];
	int			 entering;	/* writer stalled mid-enter */
	pid_t			 pid;
	uid_t			 uid;
	int64_t			 since;
};

struct exitpt_critical_list {
	struct critical_holder	*h;
	size_t			 count;
};

/*
 * The process's view: its user's table and the flag it watches.  Mapped
 * once and kept; a replaced flag's mapping is retired, not unmapped,
 * because another thread may still be reading it.
 */
static struct {
	pthread_mutex_t			 mtx;
	struct ipcobj			*table_obj;
	_Atomic(struct critical_table *) table;
	_Atomic(struct ipcobj *)	 flag;
	_Atomic int			 flag_trusted;
	struct ipcobj			*retired[CRITICAL_RETIRED_MAX];
	size_t				 nretired;
} critical_cache = { .mtx = PTHREAD_MUTEX_INITIALIZER };
static pthread_once_t	 critical_once = PTHREAD_ONCE_INIT;

/*
 * Each thread keeps the handle of its last leave for its next enter:
 * malloc and free were a third of an enter+leave.  The key only frees
 * the spare when the thread ends.
 */
static pthread_key_t			 critical_key;
static _Thread_local struct exitpt_critical *critical_spare;
static _Thread_local int		 critical_spare_keyed;

static void	 critical_atfork_child(void);
static void	 critical_atfork(void);
static void	 critical_spare_free(void *);
static struct exitpt_critical *critical_handle_get(void);
static void	 critical_handle_put(struct exitpt_critical *);
static int	 critical_flag_init(void *, size_t, void *);
static int	 critical_table_get(struct critical_table **);
static int	 critical_flag_get(struct ipcobj **, int *);
static int	 critical_flag_refresh(struct ipcobj *);
static int	 critical_trusted(const struct ipcobj *);
static void	 critical_release(struct critical_slot *, uint64_t);
static int	 critical_claim(struct critical_table *, const char *,
		     const struct ipcobj_proc *, int64_t, uint32_t *,
		     uint64_t *);
static int	 critical_sweep(struct critical_table *, int);
static int	 critical_scan_slot(struct ipcobj *, struct critical_slot *,
		     int64_t *, struct critical_holder *);
static int	 critical_scan(struct ipcobj *, struct critical_holder **,
		     size_t *, size_t *);
static int	 critical_holder_cmp(const void *, const void *);

/* Initialise a new flag object with the value passed in arg. */
static int
critical_flag_init(void *data, size_t size, void *arg)
{
	struct critical_flag	*f = data;
	uint64_t		 op = *(uint64_t *)arg;

	if (size < sizeof(*f))
		return (EXITPT_E_TOO_LONG);
	atomic_store(&f->pending, op != 0);
	atomic_store(&f->op, op);
	atomic_store(&f->since, (int64_t)time(NULL));
	return (0);
}

/*
 * Forget the cache in a forked child, which may change user before it
 * enters: its own sections go to its own user's table.  The child has
 * one thread, so unmapping cannot pull anything from under a reader.
 */
static void
critical_atfork_child(void)
{
	size_t	i;

	pthread_mutex_init(&critical_cache.mtx, NULL);
	ipcobj_close(critical_cache.table_obj);
	critical_cache.table_obj = NULL;
	atomic_store(&critical_cache.table, NULL);
	ipcobj_close(atomic_load(&critical_cache.flag));
	atomic_store(&critical_cache.flag, NULL);
	for (i = 0; i < critical_cache.nretired; i++)
		ipcobj_close(critical_cache.retired[i]);
	critical_cache.nretired = 0;
}

/* Install the fork handler and the spare handle key. */
static void
critical_atfork(void)
{
	pthread_atfork(NULL, NULL, critical_atfork_child);
	pthread_key_create(&critical_key, critical_spare_free);
}

/* Free a thread's spare handle when the thread ends. */
static void
critical_spare_free(void *p)
{
	struct exitpt_critical	**spare = p;

	free(*spare);
	*spare = NULL;
}

/* A handle: the thread's spare, or a new one. */
static struct exitpt_critical *
critical_handle_get(void)
{
	struct exitpt_critical	*c;

	if ((c = critical_spare) != NULL) {
		critical_spare = NULL;
		return (c);
	}
	return (malloc(sizeof(*c)));
}

/* Keep a handle as the thread's spare, or free it. */
static void
critical_handle_put(struct exitpt_critical *c)
{
	if (critical_spare != NULL) {
		free(c);
		return;
	}
	if (!critical_spare_keyed) {
		if (pthread_setspecific(critical_key, &critical_spare) != 0) {
			free(c);
			return;
		}
		critical_spare_keyed = 1;
	}
	critical_spare = c;
}

/*
 * The calling user's table, opened or created on first use (the user of
 * the first use, or of the first use after fork).
 */
static int
critical_table_get(struct critical_table **out)
{
	char	name[EXITPT_NAME_MAX + 1];
	int	error = 0;

	if ((*out = atomic_load(&critical_cache.table)) != NULL)
		return (0);
	pthread_once(&critical_once, critical_atfork);
	pthread_mutex_lock(&critical_cache.mtx);
	if (critical_cache.table_obj == NULL) {
		snprintf(name, sizeof(name), "u%lu", (unsigned long)geteuid());
		error = ipcobj_open_or_create(IPCOBJ_CRITICAL, name,
		    IPCOBJ_READ | IPCOBJ_WRITE, 0600,
		    sizeof(struct critical_table), 0, NULL, NULL,
		    &critical_cache.table_obj);
		if (error == 0)
			atomic_store(&critical_cache.table,
			    ipcobj_data(critical_cache.table_obj));
	}
	*out = atomic_load(&critical_cache.table);
	pthread_mutex_unlock(&critical_cache.mtx);
	return (error);
}

/* 1 if a flag object's value counts for the caller. */
static int
critical_trusted(const struct ipcobj *o)
{
	return (ipcobj_owner(o) == 0 || ipcobj_owner(o) == geteuid());
}

/*
 * Open the flag (creating a lowered one if there is none) and make it
 * the watched flag, replacing old, a flag seen deleted.
 */
static int
critical_flag_refresh(struct ipcobj *old)
{
	struct ipcobj	*o;
	uint64_t	 zero = 0;
	int		 error = 0;

	pthread_once(&critical_once, critical_atfork);
	pthread_mutex_lock(&critical_cache.mtx);
	if (atomic_load(&critical_cache.flag) != old)
		goto out;	/* another thread got there first */
	error = ipcobj_open_or_create(IPCOBJ_PENDING, CRITICAL_FLAG_NAME,
	    IPCOBJ_READ, 0644, sizeof(struct critical_flag), IPCOBJ_PUBLISH,
	    critical_flag_init, &zero, &o);
	if (error != 0)
		goto out;
	if (old != NULL) {
		if (critical_cache.nretired == CRITICAL_RETIRED_MAX) {
			ipcobj_close(critical_cache.retired[0]);
			memmove(critical_cache.retired,
			    critical_cache.retired + 1,
			    sizeof(critical_cache.retired) -
			    sizeof(critical_cache.retired[0]));
			critical_cache.nretired--;
		}
		critical_cache.retired[critical_cache.nretired++] = old;
	}
	atomic_store(&critical_cache.flag_trusted, critical_trusted(o));
	atomic_store(&critical_cache.flag, o);
out:
	pthread_mutex_unlock(&critical_cache.mtx);
	return (error);
}

/* The watched flag object and whether its value counts. */
static int
critical_flag_get(struct ipcobj **out, int *trusted)
{
	struct ipcobj	*o;
	int		 error;

	for (;;) {
		if ((o = atomic_load(&critical_cache.flag)) == NULL) {
			if ((error = critical_flag_refresh(NULL)) != 0)
				return (error);
			continue;
		}
		*trusted = atomic_load(&critical_cache.flag_trusted);
		/* Replaced in between: the trust read may be the new one's. */
		if (atomic_load(&critical_cache.flag) == o)
			break;
	}
	*out = o;
	return (0);
}

/* Free a slot we hold, keeping its generation. */
static void
critical_release(struct critical_slot *s, uint64_t word)
{
	uint64_t	expect = word;

	atomic_compare_exchange_strong(&s->word, &expect,
	    CRITICAL_WORD(CRITICAL_GEN(word), 0, CRITICAL_FREE));
}

/*
 * Claim a free slot for a section and fill it in; it stays in the
 * "being written" state until the caller publishes it.
 */
static int
critical_claim(struct critical_table *t, const char *name,
    const struct ipcobj_proc *me, int64_t since, uint32_t *slot,
    uint64_t *word)
{
	struct critical_slot	*s;
	uint64_t		 w, nw;
	uint32_t		 i, n, first;
	int			 swept = 0;

	first = (uint32_t)me->pid % CRITICAL_SLOTS;
	for (;;) {
		for (n = 0; n < CRITICAL_SLOTS; n++) {
			i = (first + n) % CRITICAL_SLOTS;
			s = &t->slot[i];
			w = atomic_load_explicit(&s->word,
			    memory_order_relaxed);
			if (CRITICAL_STATE(w) != CRITICAL_FREE)
				continue;
			nw = CRITICAL_WORD(CRITICAL_GEN(w) + 1, me->pid,
			    CRITICAL_WRITING);
			if (!atomic_compare_exchange_strong(&s->word, &w, nw))
				continue;
			s->start = me->start;
			s->since = since;
			memcpy(s->name, name, strlen(name) + 1);
			atomic_store_explicit(&s->filled,
			    (uint32_t)CRITICAL_GEN(nw), memory_order_release);
			*slot = i;
			*word = nw;
			return (0);
		}
		if (swept || critical_sweep(t, 1) == 0)
			return (EXITPT_E_FULL);
		swept = 1;
	}
}

/*
 * Free the slots of dead holders (held ones by pid and start time, ones
 * being written by pid alone).  Returns how many were freed.
 */
static int
critical_sweep(struct critical_table *t, int writable)
{
	struct critical_slot	*s;
	struct ipcobj_proc	 p;
	uint64_t		 w;
	uint32_t		 i;
	int			 freed = 0, dead;

	for (i = 0; i < CRITICAL_SLOTS; i++) {
		s = &t->slot[i];
		w = atomic_load(&s->word);
		if (CRITICAL_STATE(w) == CRITICAL_FREE)
			continue;
		p.pid = CRITICAL_PID(w);
		p.start = s->start;
		if (CRITICAL_STATE(w) == CRITICAL_HELD)
			dead = !ipcobj_proc_alive(&p);
		else
			dead = kill(p.pid, 0) == -1 && errno == ESRCH;
		if (dead && writable && atomic_load(&s->word) == w) {
			critical_release(s, w);
			freed++;
		}
	}
	return (freed);
}

/* Enter a critical section (see exitpt/critical.h). */
int
exitpt_critical_enter(const char *name, int flags, double wait,
    struct exitpt_critical **handle)
{
	struct exitpt_critical	*c;
	struct critical_table	*t;
	struct critical_flag	*f;
	struct ipcobj_deadline	 d;
	struct ipcobj_proc	 me;
	struct ipcobj		*fo;
	uint64_t		 word;
	uint32_t		 slot, seen;
	int			 error, trusted, waited = 0;

	*handle = NULL;
	if ((error = exitpt_ipc_name_check(name)) != 0)
		return (error);
	if ((flags & ~EXITPT_CRITICAL_FAIL_IF_PENDING) != 0)
		return (EXITPT_E_VALUE);
	/* Validate the wait now; start its clock only if we must wait. */
	if (isnan(wait) || wait > EXITPT_IPC_WAIT_MAX)
		return (EXITPT_E_VALUE);
	if ((error = ipcobj_proc_self(&me)) != 0)
		return (error);
	if ((error = critical_table_get(&t)) != 0)
		return (error);
	if ((c = critical_handle_get()) == NULL)
		return (-ENOMEM);
	for (;;) {
		if ((error = critical_flag_get(&fo, &trusted)) != 0)
			break;
		f = ipcobj_data(fo);
		if ((error = critical_claim(t, name, &me, (int64_t)time(NULL),
		    &slot, &word)) != 0)
			break;
		/* Claim first, then look at the flag: see the file comment. */
		seen = ipcobj_seq(fo);
		if (ipcobj_deleted(fo)) {
			critical_release(&t->slot[slot], word);
			if ((error = critical_flag_refresh(fo)) != 0)
				break;
			continue;
		}
		if (!trusted || atomic_load(&f->pending) == 0) {
			/*
			 * Release order suffices: the claim above was the
			 * full barrier the flag protocol needs.
			 */
			word = CRITICAL_WORD(CRITICAL_GEN(word), me.pid,
			    CRITICAL_HELD);
			atomic_store_explicit(&t->slot[slot].word, word,
			    memory_order_release);
			c->table = t;
			c->slot = slot;
			c->word = word;
			c->pid = me.pid;
			*handle = c;
			return (0);
		}
		critical_release(&t->slot[slot], word);
		if ((flags & EXITPT_CRITICAL_FAIL_IF_PENDING) || wait == 0) {
			error = EXITPT_E_PENDING;
			break;
		}
		if (!waited && (error = ipcobj_deadline_set(&d, wait)) != 0)
			break;
		waited = 1;
		error = ipcobj_wait(fo, seen, &d);
		if (error == -ENOENT)
			error = critical_flag_refresh(fo);
		if (error != 0)
			break;
	}
	critical_handle_put(c);
	return (error);
}

/*
 * Leave a critical section and free its handle.  Only the holder changes
 * a held slot (sweepers free only slots of dead holders, by exact word),
 * so a plain release store frees it.
 */
int
exitpt_critical_leave(struct exitpt_critical *c)
{
	struct critical_slot	*s;
	struct ipcobj_proc	 me;
	int			 error = 0;

	if (c == NULL)
		return (0);
	s = &c->table->slot[c->slot];
	if (ipcobj_proc_self(&me) != 0 || c->pid != me.pid ||
	    atomic_load_explicit(&s->word, memory_order_relaxed) != c->word)
		error = EXITPT_E_NOT_HELD;
	else
		atomic_store_explicit(&s->word, CRITICAL_WORD(
		    CRITICAL_GEN(c->word), 0, CRITICAL_FREE),
		    memory_order_release);
	critical_handle_put(c);
	return (error);
}

/* 1 if a suspend is pending, 0 if not. */
int
exitpt_critical_pending(void)
{
	struct ipcobj	*fo;
	int		 error, trusted;

	for (;;) {
		if ((error = critical_flag_get(&fo, &trusted)) != 0)
			return (error);
		if (!ipcobj_deleted(fo))
			break;
		if ((error = critical_flag_refresh(fo)) != 0)
			return (error);
	}
	return (trusted && atomic_load(&((struct critical_flag *)
	    ipcobj_data(fo))->pending) != 0);
}

/*
 * Raise (op != 0) or lower (op == 0) the suspend-pending flag and wake
 * every enter waiting for it.  Only root or the flag's owner may; root
 * replaces a flag another user made.
 */
int
critical_set_pending(uint64_t op)
{
	struct critical_flag	*f;
	struct ipcobj		*o;
	int			 error;

	error = ipcobj_open(IPCOBJ_PENDING, CRITICAL_FLAG_NAME,
	    IPCOBJ_READ | IPCOBJ_WRITE, &o);
	if (error == 0 && ipcobj_owner(o) != geteuid()) {
		if (geteuid() != 0) {
			ipcobj_close(o);
			return (-EACCES);
		}
		if (ipcobj_lock(o) >= 0) {
			ipcobj_remove(o);
			ipcobj_unlock(o);
		}
		ipcobj_close(o);
		error = -ENOENT;
	}
	if (error == -ENOENT)
		error = ipcobj_open_or_create(IPCOBJ_PENDING,
		    CRITICAL_FLAG_NAME, IPCOBJ_READ | IPCOBJ_WRITE, 0644,
		    sizeof(struct critical_flag), IPCOBJ_PUBLISH,
		    critical_flag_init, &op, &o);
	if (error != 0)
		return (error);
	f = ipcobj_data(o);
	atomic_store(&f->op, op);
	atomic_store(&f->since, (int64_t)time(NULL));
	atomic_store(&f->pending, op != 0);
	ipcobj_notify(o);
	ipcobj_close(o);
	return (0);
}

/*
 * Read the flag: 1 if raised (with its operation id and since when), 0
 * if lowered or absent, or an error.
 */
int
critical_get_pending(uint64_t *op, int64_t *since)
{
	struct critical_flag	*f;
	struct ipcobj		*o;
	int			 error, raised;

	*op = 0;
	*since = 0;
	error = ipcobj_open(IPCOBJ_PENDING, CRITICAL_FLAG_NAME, IPCOBJ_READ,
	    &o);
	if (error == -ENOENT)
		return (0);
	if (error != 0)
		return (error);
	f = ipcobj_data(o);
	raised = critical_trusted(o) && atomic_load(&f->pending) != 0;
	if (raised) {
		*op = atomic_load(&f->op);
		*since = atomic_load(&f->since);
	}
	ipcobj_close(o);
	return (raised);
}

/*
 * Read one slot into a holder record.  Returns 1 if it holds a live
 * section, 0 if not.  A slot being written is about to count or back
 * out: it is waited for until *until (shared by the whole scan), and one
 * that stays (its writer stalled) counts, since its enter may already
 * have passed the flag.  A slot whose generation changes while it is
 * read was claimed after the flag went up, so that enter backs out.
 */
static int
critical_scan_slot(struct ipcobj *o, struct critical_slot *s,
    int64_t *until, struct critical_holder *one)
{
	struct ipcobj_proc	p;
	struct timespec		ts;
	uint64_t		w, w2;
	int64_t			t;

	w = atomic_load(&s->word);
	for (;;) {
		if (CRITICAL_STATE(w) == CRITICAL_FREE)
			return (0);
		if (CRITICAL_STATE(w) == CRITICAL_WRITING) {
			if (kill(CRITICAL_PID(w), 0) == -1 && errno == ESRCH) {
				if (ipcobj_writable(o))
					critical_release(s, w);
				return (0);
			}
			clock_gettime(CLOCK_MONOTONIC, &ts);
			t = ts.tv_sec * 1000000000LL + ts.tv_nsec;
			if (*until == 0)
				*until = t + CRITICAL_WRITING_WAIT_NS;
			if (t < *until) {
				sched_yield();
				w2 = atomic_load(&s->word);
				if (CRITICAL_GEN(w2) != CRITICAL_GEN(w))
					return (0);
				w = w2;
				continue;
			}
		}
		/*
		 * A stalled writer may not have written its name yet: such a
		 * section is reported as "?" (still a holder, still a veto).
		 */
		if (atomic_load_explicit(&s->filled, memory_order_acquire) ==
		    (uint32_t)CRITICAL_GEN(w)) {
			memcpy(one->name, s->name, sizeof(one->name));
			one->name[sizeof(one->name) - 1] = '\0';
		} else
			snprintf(one->name, sizeof(one->name), "?");
		one->pid = CRITICAL_PID(w);
		one->since = s->since;
		one->entering = CRITICAL_STATE(w) == CRITICAL_WRITING;
		p.pid = one->pid;
		p.start = s->start;
		w2 = atomic_load(&s->word);
		if (w2 == w)
			break;
		if (CRITICAL_GEN(w2) != CRITICAL_GEN(w))
			return (0);	/* left, or claimed after the flag */
		w = w2;			/* published while read: again */
	}
	/* A writer's start time may be unset; kill said alive. */
	if (CRITICAL_STATE(w) == CRITICAL_HELD && !ipcobj_proc_alive(&p)) {
		if (ipcobj_writable(o))
			critical_release(s, w);
		return (0);
	}
	return (1);
}

/*
 * Add the live holders of one table to an array, sweeping dead ones when
 * the table is writable.
 */
static int
critical_scan(struct ipcobj *o, struct critical_holder **h, size_t *n,
    size_t *cap)
{
	struct critical_table	*t = ipcobj_data(o);
	struct critical_holder	 one, *tmp;
	int64_t			 until = 0;
	uint32_t		 i;

	for (i = 0; i < CRITICAL_SLOTS; i++) {
		if (!critical_scan_slot(o, &t->slot[i], &until, &one))
			continue;
		one.uid = ipcobj_owner(o);
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			if ((tmp = reallocarray(*h, *cap, sizeof(**h))) == NULL)
				return (-ENOMEM);
			*h = tmp;
		}
		(*h)[(*n)++] = one;
	}
	return (0);
}

/* Order holders by since, then pid, then name. */
static int
critical_holder_cmp(const void *a, const void *b)
{
	const struct critical_holder	*x = a, *y = b;

	if (x->since != y->since)
		return (x->since < y->since ? -1 : 1);
	if (x->pid != y->pid)
		return (x->pid < y->pid ? -1 : 1);
	return (strcmp(x->name, y->name));
}

/* The live holders the caller may see, oldest first. */
int
exitpt_critical_list_get(struct exitpt_critical_list **out)
{
	struct exitpt_critical_list	*l;
	struct ipcobj			*o;
	char				**names;
	size_t				 nnames, i, cap = 0;
	int				 error;

	*out = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return (-ENOMEM);
	if ((error = ipcobj_list(IPCOBJ_CRITICAL, &names, &nnames)) != 0) {
		free(l);
		return (error);
	}
	for (i = 0; i < nnames && error == 0; i++) {
		if (ipcobj_open(IPCOBJ_CRITICAL, names[i], IPCOBJ_READ,
		    &o) != 0)
			continue;	/* another user's, or going away */
		if (ipcobj_size(o) == sizeof(struct critical_table))
			error = critical_scan(o, &l->h, &l->count, &cap);
		ipcobj_close(o);
	}
	ipcobj_list_free(names, nnames);
	if (error != 0) {
		exitpt_critical_list_free(l);
		return (error);
	}
	if (l->count > 0)
		qsort(l->h, l->count, sizeof(*l->h), critical_holder_cmp);
	*out = l;
	return (0);
}

/* Number of holders in a list. */
size_t
exitpt_critical_list_count(const struct exitpt_critical_list *l)
{
	return (l->count);
}

/* Section name of holder i. */
const char *
exitpt_critical_list_name(const struct exitpt_critical_list *l, size_t i)
{
	return (i < l->count ? l->h[i].name : NULL);
}

/*
 * 1 if holder i was still entering when listed (its writer stalled):
 * counted to be safe, it may yet back out.
 */
int
exitpt_critical_list_entering(const struct exitpt_critical_list *l, size_t i)
{
	return (i < l->count ? l->h[i].entering : 0);
}

/* Process id of holder i. */
pid_t
exitpt_critical_list_pid(const struct exitpt_critical_list *l, size_t i)
{
	return (i < l->count ? l->h[i].pid : -1);
}

/* User of holder i. */
uid_t
exitpt_critical_list_uid(const struct exitpt_critical_list *l, size_t i)
{
	return (i < l->count ? l->h[i].uid : (uid_t)-1);
}

/* When holder i entered, seconds since the epoch. */
int64_t
exitpt_critical_list_since(const struct exitpt_critical_list *l, size_t i)
{
	return (i < l->count ? l->h[i].since : 0);
}

/* Free a holder list. */
void
exitpt_critical_list_free(struct exitpt_critical_list *l)
{
	if (l == NULL)
		return;
	free(l->h);
	free(l);
}

/*
 * A veto reason naming every live holder, "payroll (pid 123, since
 * 10:02:03), ...", for exitd's Check.  Returns the number of holders
 * (0: no veto, buf is empty) or an error.  Call it after raising the
 * pending flag, so that no section can start unseen.
 */
int
critical_reason(char *buf, size_t len)
{
	struct exitpt_critical_list	*l;
	struct tm			 tm;
	time_t				 t;
	size_t				 i, off = 0;
	char				 when[16];
	int				 error, n;

	if (len > 0)
		buf[0] = '\0';
	if ((error = exitpt_critical_list_get(&l)) != 0)
		return (error);
	for (i = 0; i < l->count; i++) {
		t = (time_t)l->h[i].since;
		if (localtime_r(&t, &tm) == NULL ||
		    strftime(when, sizeof(when), "%H:%M:%S", &tm) == 0)
			snprintf(when, sizeof(when), "?");
		n = snprintf(off < len ? buf + off : NULL,
		    off < len ? len - off : 0,
		    "%s%s (pid %ld, %s %s)", i > 0 ? ", " : "",
		    l->h[i].name, (long)l->h[i].pid,
		    l->h[i].entering ? "entering since" : "since", when);
		if (n > 0)
			off += (size_t)n;
	}
	n = (int)l->count;
	exitpt_critical_list_free(l);
	return (n);
}
