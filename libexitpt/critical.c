/*
 * Critical sections (see exitpt/critical.h) and the suspend-pending flag.
 *
 * Each user has a table of slots, "critical" in the user's own directory
 * of the runtime directory (mode 0600, so only that user and root read
 * it, and only that user writes it).  A slot is claimed and released by
 * compare-and-swap on one 64-bit word holding a generation, the holder's
 * pid and a state (free, being written, held), so entering and leaving
 * take no lock and a holder killed at any point leaves a slot that
 * readers recognise as dead by its pid and start time.
 *
 * The suspend-pending flag is one system object ("pending" in the runtime
 * directory, owned by its owner, root, and read-only for everyone else).
 * Entering claims its slot first and reads the flag second; exitd raises
 * the flag first and lists holders second.  All four accesses are
 * sequentially consistent, so either the enter sees the flag and backs
 * out, or the listing sees the slot (and waits a moment for it to leave
 * the "being written" state, or, if its writer stalls, counts it as
 * entering): a section can never start unseen after Check.  A participant
 * of the pending operation (EXITPT_OPERATION_ID in its environment, as
 * exitd gives its exit programs) is granted the section instead: nothing
 * may wait for its own operation to end.
 *
 * Readers other than the table's owner (root listing every user's, for
 * exitd's Check) never map a table: they copy it with pread and check each
 * slot, and count a holder only if that process runs, started when the
 * slot says, and belongs to the table's owner.  A user can thus neither
 * fault nor stall exitd with its table, nor name a process it does not
 * own (pid 1, another user's) as a holder.
 */
#include <sys/types.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
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
#define CRITICAL_TABLE_NAME	"critical"
#define CRITICAL_FLAG_NAME	"pending"
#define CRITICAL_RETIRED_MAX	16
#define CRITICAL_WRITING_WAIT_NS (2 * 1000 * 1000LL)
#define CRITICAL_SEEN		64	/* processes a listing remembers */

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
	uint64_t		 op[CRITICAL_SLOTS];	/* participant's */
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
	uint64_t		 op;		/* granted as participant */
};

/* A process a listing looked up: does it run as the table's user? */
struct critical_seen {
	pid_t			 pid;		/* 0: none */
	uid_t			 owner;
	int			 ok;
	uint64_t		 start;
};

struct exitpt_critical_list {
	struct critical_holder	*h;
	size_t			 count;
	size_t			 cap;
	struct ipcobj_damage	 damage;
	struct critical_seen	 seen[CRITICAL_SEEN];
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
static int	 critical_flag_get(struct ipcobj **);
static int	 critical_flag_refresh(struct ipcobj *);
static int	 critical_flag_read(struct ipcobj *, uint32_t *, uint64_t *);
static void	 critical_release(struct critical_slot *, uint64_t);
static int	 critical_claim(struct critical_table *, const char *,
		     const struct ipcobj_proc *, int64_t, uint32_t *,
		     uint64_t *);
static int	 critical_sweep(struct critical_table *);
static int	 critical_slot_check(const struct critical_slot *, uint64_t,
		     const char **);
static int	 critical_proc(struct exitpt_critical_list *, pid_t, uid_t,
		     uint64_t *);
static int	 critical_scan_slot(struct ipcobj *, uint32_t,
		     struct critical_table *, int64_t *,
		     struct critical_holder *, struct exitpt_critical_list *);
static int	 critical_scan_cb(struct ipcobj *, void *);
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
 * the first use, or of the first use after fork).  It must be mapped:
 * a table that others can write is refused as damaged.
 */
static int
critical_table_get(struct critical_table **out)
{
	struct ipcobj	*o;
	int		 error = 0;

	if ((*out = atomic_load(&critical_cache.table)) != NULL)
		return (0);
	pthread_once(&critical_once, critical_atfork);
	pthread_mutex_lock(&critical_cache.mtx);
	if (critical_cache.table_obj == NULL) {
		error = ipcobj_open_or_create(IPCOBJ_CRITICAL, IPCDIR_SELF,
		    CRITICAL_TABLE_NAME, IPCOBJ_READ | IPCOBJ_WRITE, 0600,
		    sizeof(struct critical_table), NULL, NULL, &o);
		if (error == 0 && (ipcobj_data(o) == NULL ||
		    ipcobj_size(o) != sizeof(struct critical_table))) {
			error = ipcobj_damaged("critical section table of uid "
			    "%lu: mode %04o or size %zu is not its own",
			    (unsigned long)geteuid(),
			    (unsigned)ipcobj_mode(o), ipcobj_size(o));
			ipcobj_close(o);
		}
		if (error == 0) {
			critical_cache.table_obj = o;
			atomic_store(&critical_cache.table, ipcobj_data(o));
		}
	}
	*out = atomic_load(&critical_cache.table);
	pthread_mutex_unlock(&critical_cache.mtx);
	return (error);
}

/*
 * Open the flag (creating a lowered one if there is none and the caller
 * owns the runtime directory) and make it the watched flag, replacing
 * old, a flag seen deleted.  -ENOENT: there is no flag (none is raised).
 */
static int
critical_flag_refresh(struct ipcobj *old)
{
	struct ipcobj	*o = NULL;
	uint64_t	 zero = 0;
	int		 error = 0;

	pthread_once(&critical_once, critical_atfork);
	pthread_mutex_lock(&critical_cache.mtx);
	if (atomic_load(&critical_cache.flag) != old)
		goto out;	/* another thread got there first */
	error = ipcobj_open(IPCOBJ_PENDING, IPCDIR_ROOT, CRITICAL_FLAG_NAME,
	    IPCOBJ_READ, &o);
	if (error == -ENOENT && geteuid() == ipcdir_sysuid())
		error = ipcobj_open_or_create(IPCOBJ_PENDING, IPCDIR_ROOT,
		    CRITICAL_FLAG_NAME, IPCOBJ_READ, 0644,
		    sizeof(struct critical_flag), critical_flag_init, &zero,
		    &o);
	if (error == 0 && ipcobj_size(o) != sizeof(struct critical_flag)) {
		error = ipcobj_damaged("suspend-pending flag: %zu bytes",
		    ipcobj_size(o));
		ipcobj_close(o);
		o = NULL;
	}
	if (error != 0 && error != -ENOENT)
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
	atomic_store(&critical_cache.flag, o);
out:
	pthread_mutex_unlock(&critical_cache.mtx);
	return (error);
}

/*
 * The watched flag object, or NULL when there is none: exitd has never
 * raised one, which is a lowered flag.
 */
static int
critical_flag_get(struct ipcobj **out)
{
	int	error;

	if ((*out = atomic_load(&critical_cache.flag)) != NULL)
		return (0);
	if ((error = critical_flag_refresh(NULL)) != 0 && error != -ENOENT)
		return (error);
	*out = atomic_load(&critical_cache.flag);
	return (0);
}

/* Read the flag: raised or not, and the operation it is raised for. */
static int
critical_flag_read(struct ipcobj *o, uint32_t *pending, uint64_t *op)
{
	int	error;

	if ((error = ipcobj_get32(o, offsetof(struct critical_flag, pending),
	    pending)) != 0)
		return (error);
	*op = 0;
	if (*pending != 0)
		return (ipcobj_get64(o, offsetof(struct critical_flag, op),
		    op));
	return (0);
}

/* Free a slot we hold (or one of a dead holder), keeping its generation. */
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
			t->op[i] = 0;
			memcpy(s->name, name, strlen(name) + 1);
			atomic_store_explicit(&s->filled,
			    (uint32_t)CRITICAL_GEN(nw), memory_order_release);
			*slot = i;
			*word = nw;
			return (0);
		}
		if (swept || critical_sweep(t) == 0)
			return (EXITPT_E_FULL);
		swept = 1;
	}
}

/*
 * Free the slots of dead holders in our own table (held ones by pid and
 * start time, ones being written by pid alone).  Returns how many.
 */
static int
critical_sweep(struct critical_table *t)
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
			dead = !ipcproc_alive(&p);
		else
			dead = kill(p.pid, 0) == -1 && errno == ESRCH;
		if (dead && atomic_load(&s->word) == w) {
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
	struct ipcobj_deadline	 d;
	struct ipcobj_proc	 me;
	struct ipcobj		*fo;
	uint64_t		 word, op, mine;
	uint32_t		 slot, seen, pending;
	int			 error, waited = 0;

	*handle = NULL;
	if ((error = exitpt_ipc_name_check(name)) != 0)
		return (error);
	if ((flags & ~EXITPT_CRITICAL_FAIL_IF_PENDING) != 0)
		return (EXITPT_E_VALUE);
	/* Validate the wait now; start its clock only if we must wait. */
	if (isnan(wait) || wait > EXITPT_IPC_WAIT_MAX)
		return (EXITPT_E_VALUE);
	if ((error = ipcproc_self(&me)) != 0)
		return (error);
	if ((error = critical_table_get(&t)) != 0)
		return (error);
	if ((c = critical_handle_get()) == NULL)
		return (-ENOMEM);
	for (;;) {
		if ((error = critical_claim(t, name, &me, (int64_t)time(NULL),
		    &slot, &word)) != 0)
			break;
		/* Claim first, then look at the flag: see the file comment. */
		pending = 0;
		seen = 0;
		if ((error = critical_flag_get(&fo)) != 0 || (fo != NULL &&
		    ((error = ipcobj_seq(fo, &seen)) != 0 ||
		    (error = critical_flag_read(fo, &pending, &op)) != 0))) {
			critical_release(&t->slot[slot], word);
			break;
		}
		if (fo != NULL && ipcobj_deleted(fo)) {
			critical_release(&t->slot[slot], word);
			if ((error = critical_flag_refresh(fo)) != 0 &&
			    error != -ENOENT)
				break;
			continue;
		}
		mine = pending != 0 && op != 0 ? exitpt_exitprog_operation() :
		    0;
		if (pending == 0 || mine == op) {
			/*
			 * Release order suffices: the claim above was the
			 * full barrier the flag protocol needs.
			 */
			t->op[slot] = mine;
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
		if (error == -ENOENT && (error = critical_flag_refresh(fo)) ==
		    -ENOENT)
			error = 0;
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
	if (ipcproc_self(&me) != 0 || c->pid != me.pid ||
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
	uint64_t	 op;
	uint32_t	 pending;
	int		 error;

	for (;;) {
		if ((error = critical_flag_get(&fo)) != 0)
			return (error);
		if (fo == NULL)
			return (0);
		if (!ipcobj_deleted(fo))
			break;
		if ((error = critical_flag_refresh(fo)) != 0 &&
		    error != -ENOENT)
			return (error);
	}
	if ((error = critical_flag_read(fo, &pending, &op)) != 0)
		return (error);
	return (pending != 0);
}

/*
 * Raise (op != 0) or lower (op == 0) the suspend-pending flag and wake
 * every enter waiting for it.  Only the runtime directory's owner (root)
 * may.  Never waits: no lock is taken, and the flag is the system
 * user's own file.  A damaged flag is replaced.
 */
int
critical_set_pending(uint64_t op)
{
	struct ipcobj	*o;
	int		 error, root;

	if ((error = ipcdir_get(IPCDIR_ROOT, &root)) != 0)
		return (error);
	if (geteuid() != ipcdir_sysuid())
		return (-EACCES);
	error = ipcobj_open(IPCOBJ_PENDING, IPCDIR_ROOT, CRITICAL_FLAG_NAME,
	    IPCOBJ_READ | IPCOBJ_WRITE, &o);
	if (error == 0 && (ipcobj_size(o) != sizeof(struct critical_flag) ||
	    ipcobj_data(o) == NULL)) {
		ipcobj_remove(o);
		ipcobj_close(o);
		error = -ENOENT;
	} else if (error == EXITPT_E_DAMAGED || error == EXITPT_E_TYPE) {
		/* Not a flag at all: only its owner could have put it there. */
		if (unlinkat(root, CRITICAL_FLAG_NAME, 0) == -1)
			return (-errno);
		error = -ENOENT;
	}
	if (error == -ENOENT)
		error = ipcobj_open_or_create(IPCOBJ_PENDING, IPCDIR_ROOT,
		    CRITICAL_FLAG_NAME, IPCOBJ_READ | IPCOBJ_WRITE, 0644,
		    sizeof(struct critical_flag), critical_flag_init, &op, &o);
	if (error != 0)
		return (error);
	ipcobj_put64(o, offsetof(struct critical_flag, op), op);
	ipcobj_put64(o, offsetof(struct critical_flag, since),
	    (uint64_t)time(NULL));
	ipcobj_put32(o, offsetof(struct critical_flag, pending), op != 0);
	error = ipcobj_notify(o);
	ipcobj_close(o);
	return (error);
}

/*
 * Read the flag: 1 if raised (with its operation id and since when), 0
 * if lowered or absent, or an error.
 */
int
critical_get_pending(uint64_t *op, int64_t *since)
{
	struct ipcobj	*o;
	uint64_t	 v;
	uint32_t	 pending;
	int		 error;

	*op = 0;
	*since = 0;
	error = ipcobj_open(IPCOBJ_PENDING, IPCDIR_ROOT, CRITICAL_FLAG_NAME,
	    IPCOBJ_READ, &o);
	if (error == -ENOENT)
		return (0);
	if (error != 0)
		return (error);
	if (ipcobj_size(o) != sizeof(struct critical_flag))
		error = ipcobj_damaged("suspend-pending flag: %zu bytes",
		    ipcobj_size(o));
	else if ((error = critical_flag_read(o, &pending, op)) == 0 &&
	    pending != 0 && (error = ipcobj_get64(o,
	    offsetof(struct critical_flag, since), &v)) == 0) {
		*since = (int64_t)v;
		error = 1;
	}
	ipcobj_close(o);
	return (error);
}

/*
 * Check a copied slot whose state is not free.  Returns 0, or -1 with
 * what is wrong.
 */
static int
critical_slot_check(const struct critical_slot *s, uint64_t w,
    const char **why)
{
	if (CRITICAL_STATE(w) != CRITICAL_WRITING &&
	    CRITICAL_STATE(w) != CRITICAL_HELD) {
		*why = "unknown state";
		return (-1);
	}
	if (CRITICAL_PID(w) <= 0) {
		*why = "no holder";
		return (-1);
	}
	if (atomic_load(&s->filled) == (uint32_t)CRITICAL_GEN(w) &&
	    (memchr(s->name, '\0', sizeof(s->name)) == NULL ||
	    exitpt_ipc_name_check(s->name) != 0)) {
		*why = "invalid name";
		return (-1);
	}
	return (0);
}

/*
 * 1 if process pid runs (a zombie holds nothing) as owner, with its
 * start time; 0 if not.  /proc is read once per process and listing: a
 * table may name one process in every slot, and each look costs more
 * than the rest of the slot.
 */
static int
critical_proc(struct exitpt_critical_list *l, pid_t pid, uid_t owner,
    uint64_t *start)
{
	struct critical_seen	*c = &l->seen[(uint32_t)pid % CRITICAL_SEEN];
	struct ipcobj_proc	 p;

	if (c->pid != pid || c->owner != owner) {
		c->pid = pid;
		c->owner = owner;
		c->ok = ipcproc_get(pid, &p) == 0 && ipcproc_owned(pid, owner);
		c->start = c->ok ? p.start : 0;
	}
	*start = c->start;
	return (c->ok);
}

/*
 * Read slot i of a table (t: the copy made by critical_scan) into a
 * holder record.  Returns 1 if it holds a live section, 0 if not.  A slot
 * being written is about to count or back out: it is read again until
 * *until (shared by the whole scan), and one that stays (its writer
 * stalled) counts, since its enter may already have passed the flag.  A
 * slot whose generation changes meanwhile was claimed after the flag went
 * up, so that enter backs out.
 */
static int
critical_scan_slot(struct ipcobj *o, uint32_t i, struct critical_table *t,
    int64_t *until, struct critical_holder *one,
    struct exitpt_critical_list *l)
{
	struct critical_slot	*s = &t->slot[i];
	const char		*why;
	uint64_t		 w, w2, start;
	int64_t			 now;
	uid_t			 owner = ipcobj_owner(o);

	w = atomic_load(&s->word);
	for (;;) {
		if (CRITICAL_STATE(w) == CRITICAL_FREE)
			return (0);
		if (critical_slot_check(s, w, &why) != 0) {
			ipcobj_damage_add(&l->damage, "critical section table of uid %lu: "
			    "slot %u: %s", (unsigned long)owner, i, why);
			return (0);
		}
		/* Gone, or not the owner's. */
		if (!critical_proc(l, CRITICAL_PID(w), owner, &start))
			return (0);
		if (CRITICAL_STATE(w) == CRITICAL_HELD)
			break;
		now = ipcobj_now();
		if (*until == 0)
			*until = now + CRITICAL_WRITING_WAIT_NS;
		if (now >= *until)
			break;
		sched_yield();
		if (ipcobj_get(o, (size_t)i * sizeof(*s), s, sizeof(*s)) != 0)
			return (0);
		w2 = atomic_load(&s->word);
		if (CRITICAL_GEN(w2) != CRITICAL_GEN(w))
			return (0);	/* left, or claimed after the flag */
		w = w2;
	}
	/* A stalled writer may not have written its name yet: "?". */
	if (atomic_load(&s->filled) == (uint32_t)CRITICAL_GEN(w))
		memcpy(one->name, s->name, sizeof(one->name));
	else
		snprintf(one->name, sizeof(one->name), "?");
	one->pid = CRITICAL_PID(w);
	one->since = text_epoch(s->since);
	one->entering = CRITICAL_STATE(w) == CRITICAL_WRITING;
	one->op = one->entering ? 0 : t->op[i];
	/* A writer's start time may be unset; /proc said it runs. */
	if (!one->entering && s->start != start)
		return (0);
	return (1);
}

/*
 * Add the live holders of one table to the list (arg): a copy of the
 * table is read, never the table itself.  Dead holders are swept when the
 * table is the caller's own, mapped.
 */
static int
critical_scan_cb(struct ipcobj *o, void *arg)
{
	struct exitpt_critical_list	*l = arg;
	struct critical_table	*t, *mine;
	struct critical_holder	 one, *tmp;
	int64_t			 until = 0;
	uint32_t		 i;
	int			 error;

	if (ipcobj_size(o) != sizeof(*t)) {
		ipcobj_damage_add(&l->damage, "critical section table of uid %lu: %zu "
		    "bytes, not %zu", (unsigned long)ipcobj_owner(o),
		    ipcobj_size(o), sizeof(*t));
		return (0);
	}
	if ((mine = ipcobj_data(o)) != NULL && ipcobj_writable(o))
		critical_sweep(mine);
	if ((t = malloc(sizeof(*t))) == NULL)
		return (-ENOMEM);
	if ((error = ipcobj_get(o, 0, t, sizeof(*t))) != 0) {
		ipcobj_damage_add(&l->damage, "%s", exitpt_ipc_detail());
		free(t);
		return (0);
	}
	for (i = 0; i < CRITICAL_SLOTS; i++) {
		memset(&one, 0, sizeof(one));
		if (!critical_scan_slot(o, i, t, &until, &one, l))
			continue;
		one.uid = ipcobj_owner(o);
		if (l->count == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 16;
			if ((tmp = reallocarray(l->h, l->cap,
			    sizeof(*l->h))) == NULL) {
				free(t);
				return (-ENOMEM);
			}
			l->h = tmp;
		}
		l->h[l->count++] = one;
	}
	free(t);
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

/*
 * The live holders the caller may see (its own user's; root sees every
 * user's), oldest first, with the damaged tables and slots skipped.
 */
int
exitpt_critical_list_get(struct exitpt_critical_list **out)
{
	struct exitpt_critical_list	*l;
	int				 error;

	*out = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return (-ENOMEM);
	if ((error = ipcobj_each_user(IPCOBJ_CRITICAL, CRITICAL_TABLE_NAME,
	    geteuid() == 0 ? IPCOBJ_ANY_OWNER : geteuid(), critical_scan_cb,
	    l, &l->damage)) != 0) {
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

/*
 * The operation id holder i was granted its section for, as a participant
 * of that pending operation; 0 if it entered while none was pending.
 */
uint64_t
exitpt_critical_list_operation(const struct exitpt_critical_list *l,
    size_t i)
{
	return (i < l->count ? l->h[i].op : 0);
}

/* How many damaged tables or slots the listing skipped. */
size_t
exitpt_critical_list_damaged(const struct exitpt_critical_list *l)
{
	return (l->damage.n);
}

/* What is wrong with damaged table or slot i (the first 16 are said). */
const char *
exitpt_critical_list_damage(const struct exitpt_critical_list *l, size_t i)
{
	return (ipcobj_damage_get(&l->damage, i));
}

/* Free a holder list. */
void
exitpt_critical_list_free(struct exitpt_critical_list *l)
{
	if (l == NULL)
		return;
	ipcobj_damage_clear(&l->damage);
	free(l->h);
	free(l);
}

/*
 * A veto reason naming every live holder, "payroll (pid 123, since
 * 2026-11-29T10:02:03.000+01:00), ...", for exitd's Check.  Returns the number of holders
 * (0: no veto, buf is empty) or an error.  Call it after raising the
 * pending flag, so that no section can start unseen.  It never waits on
 * another user's table: every table is copied with pread, and a slot
 * being written is looked at again for at most 2 ms in all.
 */
int
critical_reason(char *buf, size_t len)
{
	struct exitpt_critical_list	*l;
	size_t				 i, off = 0;
	char				 when[40];
	int				 error, n;

	if (len > 0)
		buf[0] = '\0';
	if ((error = exitpt_critical_list_get(&l)) != 0)
		return (error);
	for (i = 0; i < l->count; i++) {
		if (text_time_iso((int64_t)l->h[i].since * 1000, when,
		    sizeof(when)) != 0)
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

/*
 * What the holders' listing skipped as damaged, "critical section table
 * of uid 1000: ...; ...", for exitd to log at Check (a damaged table
 * vetoes nothing: only its own user could damage it).  Returns how many
 * tables or slots were skipped, or an error.
 */
int
critical_damaged(char *buf, size_t len)
{
	struct exitpt_critical_list	*l;
	size_t				 i, off = 0;
	int				 error, n;

	if (len > 0)
		buf[0] = '\0';
	if ((error = exitpt_critical_list_get(&l)) != 0)
		return (error);
	for (i = 0; i < exitpt_critical_list_damaged(l); i++) {
		n = snprintf(off < len ? buf + off : NULL,
		    off < len ? len - off : 0, "%s%s", i > 0 ? "; " : "",
		    exitpt_critical_list_damage(l, i));
		if (n > 0)
			off += (size_t)n;
	}
	n = (int)exitpt_critical_list_damaged(l);
	exitpt_critical_list_free(l);
	return (n);
}
