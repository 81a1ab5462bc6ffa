/*
 * Data queues, after IBM i's *DTAQ.
 *
 * A queue is one object file (see ipcobj.c) of fixed size, computed at
 * creation from the maximum entry length and the capacity (as on IBM i,
 * every entry takes its maximum length).  The data holds a small header
 * and an array of slots.
 *
 * FIFO and LIFO queues never remove an entry from the middle, so they are
 * a ring: entries live at positions head..tail-1 (free-running counters).
 * Keyed queues remove from anywhere, so each slot carries a sequence
 * number, 0 when the slot is free; the receive order is ascending key,
 * then ascending sequence (oldest first among equal keys).
 *
 * Trust.  The geometry is read once, at open, checked against the file's
 * size and never read again; everything else read from the queue (head,
 * tail, an entry's length) is checked before use, and a value that makes
 * no sense is EXITPT_E_DAMAGED with the details in exitpt_ipc_detail().
 * A queue that others can write, or another user's, is reached with pread
 * and pwrite only (ipcobj.c says why); a mapped queue through pointers.
 * The same code serves both: slots are looked at through a window (the
 * mapping, or copies read a chunk at a time).
 *
 * Crash safety.  Every change is made under the object's lock and
 * becomes visible through exactly one aligned store (the "commit": head,
 * tail or a slot's sequence), made after the slot's contents are
 * complete, and after a receiver's copy of the entry is complete.  A
 * process killed before its commit changed nothing; one killed after it
 * has finished the change.  So a process killed at any point neither
 * loses nor duplicates an entry, and the next locker has nothing to
 * repair.  Every change also bumps the header's change count before its
 * commit, so a reader without write access (read permission must never
 * give write, so it cannot take the lock) copies what it wants and keeps
 * the copy only if the count did not move meanwhile.
 *
 * Waiting.  Waiters sleep on the object's change counter.  A changer
 * notifies *before* its commit, while it still holds the lock: a woken
 * waiter then blocks on the lock, which either the changer releases or
 * the kernel hands over if the changer dies.  Changers skip the wake-up
 * system call when the header counts no sleeper; a sleeper killed while
 * asleep leaves the count high, which costs only useless wake-ups, and a
 * count forged low costs at most a slice: sleeps are cut in slices of
 * IPCOBJ_SLICE_MS.  Before sleeping, a caller on a mapped queue polls the
 * change count for a few microseconds (yielding now and then), so that a
 * producer and a consumer on two CPUs pass entries without entering the
 * kernel at all.
 *
 * Access is checked once, when a queue is opened (as open(2) does for a
 * file): by the kernel, from the file's mode.  A handle holds nothing
 * that changes after open, so threads may share it.
 */
#include <sys/types.h>

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"

#define DTAQ_ALIGN	64
#define DTAQ_SPIN	256	/* polls before sleeping, a few microseconds */
#define DTAQ_CHUNK	65536	/* bytes of slots read at once, unmapped */
#define DTAQ_TRIES	64	/* copies made by a reader without the lock */

/* The queue's header, at the start of the object's data. */
struct dtaq_hdr {
	uint32_t	type;
	uint32_t	flags;
	uint32_t	max_length;
	uint32_t	key_length;
	uint32_t	capacity;
	uint32_t	slot_size;
	uint32_t	waiters;	/* sleepers; may stay high after a kill */
	uint32_t	changes;	/* bumped by every change */
	uint64_t	head;		/* ring: first position */
	uint64_t	tail;		/* ring: one past the last */
	uint64_t	seq;		/* keyed: last sequence given */
};

#define DTAQ_HDR_SIZE	((sizeof(struct dtaq_hdr) + DTAQ_ALIGN - 1) & \
			    ~(size_t)(DTAQ_ALIGN - 1))
#define DTAQ_OFF(f)	offsetof(struct dtaq_hdr, f)

struct dtaq_slot {
	uint64_t	seq;		/* keyed: 0 = free */
	int64_t		sec;		/* enqueue time, CLOCK_REALTIME */
	int32_t		nsec;
	uint32_t	length;
	int32_t		pid;
	uint32_t	uid;
	/* key[key_length] then data[max_length] follow */
};

struct exitpt_dtaq {
	struct ipcobj	*obj;
	unsigned char	*base;		/* mapped data, or NULL */
	/* Geometry checked at open: never re-read from the queue. */
	int		 type;
	int		 flags;
	size_t		 max_length;
	size_t		 key_length;
	size_t		 capacity;
	size_t		 slot_size;
	/* Access decided by the kernel at open, as for a file descriptor. */
	int		 can_write;
};

/* The geometry handed to dtaq_init_cb. */
struct dtaq_geom {
	int	type;
	int	flags;
	size_t	max_length;
	size_t	key_length;
	size_t	capacity;
	size_t	slot_size;
};

/*
 * A window on the slots: the mapping, or copies of a run of slots read
 * with one pread.  Pointers it gives stay valid until the next call.
 */
struct dtaq_view {
	struct exitpt_dtaq	*q;
	unsigned char		*buf;
	size_t			 first;		/* slots in buf: first.. */
	size_t			 n;		/* ..first + n - 1 */
	int			 error;
};

/* A queue's entries copied out for peek. */
struct dtaq_snent {
	struct exitpt_dtaq_entry	 e;
	uint64_t			 seq;	/* keyed: enqueue order */
};
struct dtaq_snap {
	struct dtaq_snent	*e;
	size_t			 n;
	unsigned char		*data;
};

static const char *dtaq_orders[] = { "ANY", "EQ", "NE", "LT", "LE", "GT",
    "GE" };

static int	dtaq_geometry(struct dtaq_geom *, size_t *);
static int	dtaq_init_cb(void *, size_t, void *);
static int	dtaq_damaged(struct exitpt_dtaq *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	dtaq_hdr(struct exitpt_dtaq *, struct dtaq_hdr *);
static int	dtaq_put32(struct exitpt_dtaq *, size_t, uint32_t);
static int	dtaq_put64(struct exitpt_dtaq *, size_t, uint64_t);
static int	dtaq_lock(struct exitpt_dtaq *, const struct ipcobj_deadline *);
static void	dtaq_unlock(struct exitpt_dtaq *);
static int	dtaq_notify(struct exitpt_dtaq *, const struct dtaq_hdr *);
static int	dtaq_spin(struct exitpt_dtaq *, const struct ipcobj_deadline *,
		    int *);
static int	dtaq_sleep(struct exitpt_dtaq *, const struct ipcobj_deadline *,
		    int *);
static int	dtaq_select_check(struct exitpt_dtaq *, int, const void *,
		    size_t);
static void	dtaq_view_init(struct dtaq_view *, struct exitpt_dtaq *);
static void	dtaq_view_done(struct dtaq_view *);
static struct dtaq_slot *dtaq_at(struct dtaq_view *, size_t);
static int	dtaq_slot_check(struct exitpt_dtaq *, const struct dtaq_slot *,
		    size_t);
static int	dtaq_match(struct exitpt_dtaq *, struct dtaq_slot *, int,
		    const void *);
static int	dtaq_before(struct exitpt_dtaq *, struct dtaq_slot *,
		    uint64_t, const unsigned char *);
static int	dtaq_find(struct dtaq_view *, const struct dtaq_hdr *, int,
		    int, const void *, size_t *);
static int	dtaq_used(struct dtaq_view *, const struct dtaq_hdr *,
		    size_t *);
static void	dtaq_export(struct exitpt_dtaq *, struct dtaq_slot *,
		    struct exitpt_dtaq_entry *, void *);
static int	dtaq_snap_cmp(const void *, const void *);
static int	dtaq_snap_add(struct exitpt_dtaq *, struct dtaq_snap *,
		    struct dtaq_slot *, size_t);
static int	dtaq_snap_take(struct exitpt_dtaq *, int, int, const void *,
		    struct dtaq_snap *);
static void	dtaq_snap_free(struct dtaq_snap *);
static int	dtaq_snapshot(struct exitpt_dtaq *, int, int, const void *,
		    struct dtaq_snap *);

/* The name of a key order, or NULL. */
const char *
exitpt_dtaq_order_name(int order)
{
	if (order < 0 || order >= (int)nitems(dtaq_orders))
		return (NULL);
	return (dtaq_orders[order]);
}

/* Parse a key order name. */
int
exitpt_dtaq_order_parse(const char *s)
{
	size_t	i;

	for (i = 1; i < nitems(dtaq_orders); i++) {
		if (strcasecmp(s, dtaq_orders[i]) == 0)
			return ((int)i);
	}
	return (-1);
}

/* The name of a queue type, or NULL. */
const char *
exitpt_dtaq_type_name(int type)
{
	switch (type) {
	case EXITPT_DTAQ_FIFO:
		return ("fifo");
	case EXITPT_DTAQ_LIFO:
		return ("lifo");
	case EXITPT_DTAQ_KEYED:
		return ("keyed");
	}
	return (NULL);
}

/*
 * Check the geometry of a queue and compute its slot and data sizes.
 * Returns 0, EXITPT_E_VALUE, EXITPT_E_KEY, or EXITPT_E_TOO_LONG when the
 * object would exceed the IPC object limit.
 */
static int
dtaq_geometry(struct dtaq_geom *g, size_t *size)
{
	size_t	slot;

	if (g->type != EXITPT_DTAQ_FIFO && g->type != EXITPT_DTAQ_LIFO &&
	    g->type != EXITPT_DTAQ_KEYED)
		return (EXITPT_E_VALUE);
	if ((g->flags & ~EXITPT_DTAQ_SENDER_INFO) != 0)
		return (EXITPT_E_VALUE);
	if (g->max_length < 1 || g->max_length > EXITPT_DTAQ_LENGTH_MAX ||
	    g->capacity < 1 || g->capacity > EXITPT_DTAQ_CAPACITY_MAX)
		return (EXITPT_E_VALUE);
	if (g->type == EXITPT_DTAQ_KEYED ? g->key_length < 1 ||
	    g->key_length > EXITPT_DTAQ_KEY_MAX : g->key_length != 0)
		return (EXITPT_E_KEY);
	slot = sizeof(struct dtaq_slot) + g->key_length + g->max_length;
	slot = (slot + 7) & ~(size_t)7;
	if (g->capacity > (IPCOBJ_SIZE_MAX - DTAQ_HDR_SIZE) / slot)
		return (EXITPT_E_TOO_LONG);
	g->slot_size = slot;
	*size = DTAQ_HDR_SIZE + g->capacity * slot;
	return (0);
}

/* Fill in a new queue's header; the slots are already zero. */
static int
dtaq_init_cb(void *data, size_t size, void *arg)
{
	struct dtaq_hdr		*h = data;
	const struct dtaq_geom	*g = arg;

	h->type = (uint32_t)g->type;
	h->flags = (uint32_t)g->flags;
	h->max_length = (uint32_t)g->max_length;
	h->key_length = (uint32_t)g->key_length;
	h->capacity = (uint32_t)g->capacity;
	h->slot_size = (uint32_t)g->slot_size;
	return (0);
}

/* Create a queue. */
int
exitpt_dtaq_create(const char *name, int type, size_t max_length,
    size_t key_length, size_t capacity, int flags, mode_t mode)
{
	struct dtaq_geom	 g;
	struct ipcobj		*o;
	size_t			 size;
	int			 error;

	if ((error = exitpt_ipc_name_check(name)) != 0)
		return (error);
	g.type = type;
	g.flags = flags;
	g.max_length = max_length;
	g.key_length = key_length;
	g.capacity = capacity;
	if ((error = dtaq_geometry(&g, &size)) != 0)
		return (error);
	if ((error = ipcobj_create(IPCOBJ_DTAQ, IPCDIR_OBJECTS, name, mode,
	    size, dtaq_init_cb, &g, &o)) != 0)
		return (error);
	ipcobj_close(o);
	return (0);
}

/* Delete a queue by name (its owner or root only). */
int
exitpt_dtaq_delete(const char *name)
{
	int	error;

	if ((error = exitpt_ipc_name_check(name)) != 0)
		return (error);
	return (ipcobj_unlink(IPCOBJ_DTAQ, IPCDIR_OBJECTS, name));
}

/* Record what is wrong with a queue; returns EXITPT_E_DAMAGED. */
static int
dtaq_damaged(struct exitpt_dtaq *q, const char *fmt, ...)
{
	char	what[200];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return (ipcobj_damaged("data queue %s: %s", ipcobj_name(q->obj),
	    what));
}

/*
 * Open a queue and check its header against the file's real size, so
 * that a damaged queue is refused instead of trusted.  The kernel decides
 * access from the file's mode: write if allowed, else read.
 */
int
exitpt_dtaq_open(const char *name, struct exitpt_dtaq **qp)
{
	struct exitpt_dtaq	*q;
	struct dtaq_hdr		 h;
	struct dtaq_geom	 g;
	struct ipcobj		*o;
	size_t			 size;
	int			 error;

	*qp = NULL;
	if ((error = exitpt_ipc_name_check(name)) != 0)
		return (error);
	if ((error = ipcobj_open(IPCOBJ_DTAQ, IPCDIR_OBJECTS, name, 0,
	    &o)) != 0)
		return (error);
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		ipcobj_close(o);
		return (-ENOMEM);
	}
	q->obj = o;
	if (ipcobj_size(o) < DTAQ_HDR_SIZE ||
	    ipcobj_get(o, 0, &h, sizeof(h)) != 0) {
		error = dtaq_damaged(q, "no room for its header");
		goto fail;
	}
	g.type = (int)h.type;
	g.flags = (int)h.flags;
	g.max_length = h.max_length;
	g.key_length = h.key_length;
	g.capacity = h.capacity;
	if (dtaq_geometry(&g, &size) != 0 || g.slot_size != h.slot_size ||
	    size != ipcobj_size(o)) {
		error = dtaq_damaged(q, "its geometry (type %u, %u entries of "
		    "%u bytes, key %u) does not fit its %zu bytes", h.type,
		    h.capacity, h.max_length, h.key_length, ipcobj_size(o));
		goto fail;
	}
	q->base = ipcobj_data(o);
	q->type = g.type;
	q->flags = g.flags;
	q->max_length = g.max_length;
	q->key_length = g.key_length;
	q->capacity = g.capacity;
	q->slot_size = g.slot_size;
	q->can_write = ipcobj_writable(o);
	*qp = q;
	return (0);

fail:
	ipcobj_close(o);
	free(q);
	return (error);
}

/* Close a queue handle. */
void
exitpt_dtaq_close(struct exitpt_dtaq *q)
{
	if (q == NULL)
		return;
	ipcobj_close(q->obj);
	free(q);
}

/*
 * Read the queue's header and check the part that changes: a ring holds
 * at most its capacity.
 */
static int
dtaq_hdr(struct exitpt_dtaq *q, struct dtaq_hdr *h)
{
	int	error;

	if (q->base != NULL)
		memcpy(h, q->base, sizeof(*h));
	else if ((error = ipcobj_get(q->obj, 0, h, sizeof(*h))) != 0)
		return (error);
	if (q->type != EXITPT_DTAQ_KEYED && h->tail - h->head > q->capacity)
		return (dtaq_damaged(q, "its head %llu and tail %llu are more "
		    "than its capacity %zu apart",
		    (unsigned long long)h->head, (unsigned long long)h->tail,
		    q->capacity));
	return (0);
}

/* Store a 32-bit field of the queue's data (a commit: release order). */
static int
dtaq_put32(struct exitpt_dtaq *q, size_t off, uint32_t v)
{
	if (q->base != NULL) {
		__atomic_store_n((uint32_t *)(q->base + off), v,
		    __ATOMIC_RELEASE);
		return (0);
	}
	return (ipcobj_put32(q->obj, off, v));
}

/* Store a 64-bit field of the queue's data (a commit: release order). */
static int
dtaq_put64(struct exitpt_dtaq *q, size_t off, uint64_t v)
{
	if (q->base != NULL) {
		__atomic_store_n((uint64_t *)(q->base + off), v,
		    __ATOMIC_RELEASE);
		return (0);
	}
	return (ipcobj_put64(q->obj, off, v));
}

/*
 * Take the queue's lock until d (or the grace time).  A previous holder
 * that died leaves nothing to repair (see the top of this file).
 */
static int
dtaq_lock(struct exitpt_dtaq *q, const struct ipcobj_deadline *d)
{
	return (ipcobj_lock(q->obj, d));
}

/* Release the queue's lock. */
static void
dtaq_unlock(struct exitpt_dtaq *q)
{
	ipcobj_unlock(q->obj);
}

/*
 * Announce a change to spinners, copiers and sleepers; called with the
 * lock held, before the commit.
 */
static int
dtaq_notify(struct exitpt_dtaq *q, const struct dtaq_hdr *h)
{
	int	error;

	if (q->base != NULL)
		__atomic_add_fetch(&((struct dtaq_hdr *)q->base)->changes, 1,
		    __ATOMIC_RELEASE);
	else if ((error = ipcobj_put32(q->obj, DTAQ_OFF(changes),
	    h->changes + 1)) != 0)
		return (error);
	if (h->waiters != 0 || q->base == NULL)
		return (ipcobj_notify(q->obj));
	return (0);
}

/*
 * Spin a little, unlocked, for a change by a process running on another
 * CPU, before paying for a sleep and a wake-up in the kernel: a producer
 * and a consumer that keep pace then pass entries without system calls.
 * Only on a mapped queue.  Returns with the lock held; 1 if the queue
 * changed.
 */
static int
dtaq_spin(struct exitpt_dtaq *q, const struct ipcobj_deadline *d,
    int *locked)
{
	uint32_t	*changes, seen;
	int		 i, error;

	if (ipcobj_ncpu() <= 1 || q->base == NULL)
		return (0);
	changes = &((struct dtaq_hdr *)q->base)->changes;
	seen = __atomic_load_n(changes, __ATOMIC_ACQUIRE);
	dtaq_unlock(q);
	for (i = 0; i < DTAQ_SPIN; i++) {
		if (__atomic_load_n(changes, __ATOMIC_ACQUIRE) != seen)
			break;
		if (i % 64 == 63)
			sched_yield();
		else
			ipcobj_cpu_relax();
	}
	if ((error = dtaq_lock(q, d)) != 0) {
		*locked = 0;
		return (error);
	}
	/* Decide under the lock: a change just after the spin counts too. */
	return (__atomic_load_n(changes, __ATOMIC_ACQUIRE) != seen);
}

/*
 * Sleep until the queue changes or the deadline passes; called and
 * returns with the lock held, unless *locked is cleared (the lock could
 * not be taken again: deleted, damaged, or held past the deadline).
 */
static int
dtaq_sleep(struct exitpt_dtaq *q, const struct ipcobj_deadline *d,
    int *locked)
{
	struct ipcobj_deadline	slice;
	struct dtaq_hdr		h;
	uint32_t		seen;
	int			error;

	if (ipcobj_deadline_passed(d))
		return (EXITPT_E_TIMEOUT);
	if ((error = dtaq_spin(q, d, locked)) != 0)
		return (error < 0 ? error : 0);
	if ((error = ipcobj_seq(q->obj, &seen)) != 0 ||
	    (error = dtaq_hdr(q, &h)) != 0 ||
	    (error = dtaq_put32(q, DTAQ_OFF(waiters), h.waiters + 1)) != 0)
		return (error);
	dtaq_unlock(q);
	/*
	 * Whatever ended the wait, look again under the lock: a timeout is
	 * decided by the deadline check above, a deletion by the lock.
	 */
	ipcobj_deadline_cap(d, IPCOBJ_SLICE_MS, &slice);
	(void)ipcobj_wait(q->obj, seen, &slice);
	if ((error = dtaq_lock(q, d)) != 0) {
		*locked = 0;
		return (error);
	}
	if ((error = dtaq_hdr(q, &h)) != 0)
		return (error);
	return (dtaq_put32(q, DTAQ_OFF(waiters), h.waiters > 0 ?
	    h.waiters - 1 : 0));
}

/* Check an order and key against the queue's type and key length. */
static int
dtaq_select_check(struct exitpt_dtaq *q, int order, const void *key,
    size_t key_length)
{
	if (order < EXITPT_DTAQ_ANY || order > EXITPT_DTAQ_GE)
		return (EXITPT_E_VALUE);
	if (q->type != EXITPT_DTAQ_KEYED)
		return (order == EXITPT_DTAQ_ANY && key_length == 0 ? 0 :
		    EXITPT_E_KEY);
	if (order == EXITPT_DTAQ_ANY)
		return (key_length == 0 ? 0 : EXITPT_E_KEY);
	if (key == NULL || key_length != q->key_length)
		return (EXITPT_E_KEY);
	return (0);
}

/* Start a window on a queue's slots. */
static void
dtaq_view_init(struct dtaq_view *v, struct exitpt_dtaq *q)
{
	memset(v, 0, sizeof(*v));
	v->q = q;
}

/* End a window. */
static void
dtaq_view_done(struct dtaq_view *v)
{
	free(v->buf);
	v->buf = NULL;
}

/*
 * The slot at index i (below the capacity): in the mapping, or in a copy
 * of a run of slots.  NULL with v->error set if it cannot be read.
 */
static struct dtaq_slot *
dtaq_at(struct dtaq_view *v, size_t i)
{
	struct exitpt_dtaq	*q = v->q;
	size_t			 per, n;

	if (q->base != NULL)
		return ((struct dtaq_slot *)(q->base + DTAQ_HDR_SIZE +
		    i * q->slot_size));
	if (v->buf == NULL || i < v->first || i >= v->first + v->n) {
		per = DTAQ_CHUNK / q->slot_size;
		if (per == 0)
			per = 1;
		n = q->capacity - i < per ? q->capacity - i : per;
		if (v->buf == NULL && (v->buf = malloc(per *
		    q->slot_size)) == NULL) {
			v->error = -ENOMEM;
			return (NULL);
		}
		if ((v->error = ipcobj_get(q->obj, DTAQ_HDR_SIZE +
		    i * q->slot_size, v->buf, n * q->slot_size)) != 0) {
			v->n = 0;
			return (NULL);
		}
		v->first = i;
		v->n = n;
	}
	return ((struct dtaq_slot *)(v->buf + (i - v->first) * q->slot_size));
}

/* Check a used slot's length; EXITPT_E_DAMAGED if past the maximum. */
static int
dtaq_slot_check(struct exitpt_dtaq *q, const struct dtaq_slot *s,
    size_t pos)
{
	if (s->length > q->max_length)
		return (dtaq_damaged(q, "entry at position %zu is %u bytes, "
		    "more than its maximum %zu", pos, s->length,
		    q->max_length));
	return (0);
}

/* Does a used keyed slot's key satisfy order against key? */
static int
dtaq_match(struct exitpt_dtaq *q, struct dtaq_slot *s, int order,
    const void *key)
{
	int	c;

	if (order == EXITPT_DTAQ_ANY)
		return (1);
	c = memcmp(s + 1, key, q->key_length);
	switch (order) {
	case EXITPT_DTAQ_EQ:
		return (c == 0);
	case EXITPT_DTAQ_NE:
		return (c != 0);
	case EXITPT_DTAQ_LT:
		return (c < 0);
	case EXITPT_DTAQ_LE:
		return (c <= 0);
	case EXITPT_DTAQ_GT:
		return (c > 0);
	default:
		return (c >= 0);
	}
}

/*
 * Keyed receive order: does slot a come before the entry with sequence
 * seq and key key?  Ascending key, then ascending sequence.
 */
static int
dtaq_before(struct exitpt_dtaq *q, struct dtaq_slot *a, uint64_t seq,
    const unsigned char *key)
{
	int	c;

	c = memcmp(a + 1, key, q->key_length);
	return (c < 0 || (c == 0 && a->seq < seq));
}

/*
 * The slot index a receive would take (last: the one it would take last)
 * among those selected, in *idx; 1 if found, 0 if none, or an error.
 */
static int
dtaq_find(struct dtaq_view *v, const struct dtaq_hdr *h, int last,
    int order, const void *key, size_t *idx)
{
	struct exitpt_dtaq	*q = v->q;
	struct dtaq_slot	*s;
	unsigned char		 bestkey[EXITPT_DTAQ_KEY_MAX];
	uint64_t		 bestseq = 0;
	size_t			 i;
	int			 found = 0;

	if (q->type != EXITPT_DTAQ_KEYED) {
		if (h->tail == h->head)
			return (0);
		if ((q->type == EXITPT_DTAQ_FIFO) == !last)
			*idx = (size_t)(h->head % q->capacity);
		else
			*idx = (size_t)((h->tail - 1) % q->capacity);
		return (1);
	}
	for (i = 0; i < q->capacity; i++) {
		if ((s = dtaq_at(v, i)) == NULL)
			return (v->error);
		if (s->seq == 0 || !dtaq_match(q, s, order, key))
			continue;
		if (!found || dtaq_before(q, s, bestseq, bestkey) == !last) {
			found = 1;
			*idx = i;
			bestseq = s->seq;
			memcpy(bestkey, s + 1, q->key_length);
		}
	}
	return (found);
}

/* Number of entries. */
static int
dtaq_used(struct dtaq_view *v, const struct dtaq_hdr *h, size_t *n)
{
	struct dtaq_slot	*s;
	size_t			 i;

	*n = 0;
	if (v->q->type != EXITPT_DTAQ_KEYED) {
		*n = (size_t)(h->tail - h->head);
		return (0);
	}
	for (i = 0; i < v->q->capacity; i++) {
		if ((s = dtaq_at(v, i)) == NULL)
			return (v->error);
		*n += s->seq != 0;
	}
	return (0);
}

/*
 * Describe slot s (its length checked) in e, copying its data to data if
 * not NULL.
 */
static void
dtaq_export(struct exitpt_dtaq *q, struct dtaq_slot *s,
    struct exitpt_dtaq_entry *e, void *data)
{
	unsigned char	*p = (unsigned char *)(s + 1);

	e->length = s->length;
	e->key_length = q->key_length;
	memcpy(e->key, p, q->key_length);
	if (data != NULL && s->length > 0)
		memcpy(data, p + q->key_length, s->length);
	e->enqueued.tv_sec = (time_t)text_epoch(s->sec);
	e->enqueued.tv_nsec = s->nsec >= 0 && s->nsec < 1000000000 ?
	    s->nsec : 0;
	e->has_sender = (q->flags & EXITPT_DTAQ_SENDER_INFO) != 0;
	e->sender_pid = e->has_sender ? (pid_t)s->pid : 0;
	e->sender_uid = e->has_sender ? (uid_t)s->uid : 0;
}

/* Describe a queue. */
int
exitpt_dtaq_info(struct exitpt_dtaq *q, struct exitpt_dtaq_info *info)
{
	int	n;

	memset(info, 0, sizeof(*info));
	info->type = q->type;
	info->flags = q->flags;
	info->max_length = q->max_length;
	info->key_length = q->key_length;
	info->capacity = q->capacity;
	info->owner = ipcobj_owner(q->obj);
	info->mode = ipcobj_mode(q->obj);
	if ((n = exitpt_dtaq_count(q)) < 0)
		return (n);
	info->count = (size_t)n;
	return (0);
}

/* Number of entries in the queue. */
int
exitpt_dtaq_count(struct exitpt_dtaq *q)
{
	struct dtaq_snap	snap;
	int			error;

	if ((error = dtaq_snapshot(q, 0, EXITPT_DTAQ_ANY, NULL, &snap)) != 0)
		return (error);
	return ((int)snap.n);
}

/* Send an entry, waiting for room up to wait seconds. */
int
exitpt_dtaq_send(struct exitpt_dtaq *q, const void *key, size_t key_length,
    const void *data, size_t length, double wait)
{
	struct dtaq_slot	 s, *p;
	struct ipcobj_deadline	 deadline;
	struct dtaq_view	 v;
	struct dtaq_hdr		 h;
	struct timespec		 now;
	size_t			 i, idx = 0, off;
	int			 locked = 1, found = 0, error;

	if (!q->can_write)
		return (-EACCES);
	if (length > q->max_length)
		return (EXITPT_E_TOO_LONG);
	if (length > 0 && data == NULL)
		return (-EINVAL);
	if (key_length != q->key_length || (key_length > 0 && key == NULL))
		return (EXITPT_E_KEY);
	if ((error = ipcobj_deadline_set(&deadline, wait)) != 0)
		return (error);
	/* A lock held past the wait says nothing of room: not "full". */
	if ((error = dtaq_lock(q, &deadline)) != 0)
		return (error);
	dtaq_view_init(&v, q);
	for (;;) {
		if ((error = dtaq_hdr(q, &h)) != 0)
			goto out;
		if (q->type != EXITPT_DTAQ_KEYED) {
			if ((found = h.tail - h.head < q->capacity))
				idx = (size_t)(h.tail % q->capacity);
		} else {
			for (i = 0; i < q->capacity && !found; i++) {
				if ((p = dtaq_at(&v, i)) == NULL) {
					error = v.error;
					goto out;
				}
				if ((found = p->seq == 0))
					idx = i;
			}
		}
		if (found)
			break;
		if ((error = dtaq_sleep(q, &deadline, &locked)) != 0) {
			if (error == EXITPT_E_TIMEOUT)
				error = EXITPT_E_FULL;
			goto out;
		}
		v.n = 0;	/* the window's copies are stale now */
	}
	/* Fill the free slot; nobody sees it before the commit below. */
	clock_gettime(CLOCK_REALTIME, &now);
	memset(&s, 0, sizeof(s));
	s.sec = now.tv_sec;
	s.nsec = (int32_t)now.tv_nsec;
	s.length = (uint32_t)length;
	s.pid = (q->flags & EXITPT_DTAQ_SENDER_INFO) ? (int32_t)getpid() : 0;
	s.uid = (q->flags & EXITPT_DTAQ_SENDER_INFO) ? (uint32_t)geteuid() : 0;
	off = DTAQ_HDR_SIZE + idx * q->slot_size;
	if ((error = ipcobj_put(q->obj, off + offsetof(struct dtaq_slot, sec),
	    &s.sec, sizeof(s) - offsetof(struct dtaq_slot, sec))) != 0 ||
	    (key_length > 0 && (error = ipcobj_put(q->obj, off + sizeof(s),
	    key, key_length)) != 0) ||
	    (length > 0 && (error = ipcobj_put(q->obj, off + sizeof(s) +
	    key_length, data, length)) != 0) ||
	    (error = dtaq_notify(q, &h)) != 0)
		goto out;
	if (q->type != EXITPT_DTAQ_KEYED)
		error = dtaq_put64(q, DTAQ_OFF(tail), h.tail + 1);
	else if ((error = dtaq_put64(q, DTAQ_OFF(seq), h.seq + 1)) == 0)
		error = dtaq_put64(q, off, h.seq + 1);
out:
	dtaq_view_done(&v);
	if (locked)
		dtaq_unlock(q);
	return (error);
}

/* Receive one entry, waiting up to wait seconds for one. */
int
exitpt_dtaq_receive(struct exitpt_dtaq *q, int order, const void *key,
    size_t key_length, double wait, struct exitpt_dtaq_entry *e)
{
	struct ipcobj_deadline	 deadline;
	struct dtaq_slot	*s;
	struct dtaq_view	 v;
	struct dtaq_hdr		 h;
	size_t			 idx;
	int			 locked = 1, error;

	if (!q->can_write)
		return (-EACCES);
	if ((error = dtaq_select_check(q, order, key, key_length)) != 0)
		return (error);
	if (e->size > 0 && e->data == NULL)
		return (-EINVAL);
	if ((error = ipcobj_deadline_set(&deadline, wait)) != 0)
		return (error);
	if ((error = dtaq_lock(q, &deadline)) != 0)
		return (error);
	dtaq_view_init(&v, q);
	for (;;) {
		if ((error = dtaq_hdr(q, &h)) != 0 ||
		    (error = dtaq_find(&v, &h, 0, order, key, &idx)) < 0)
			goto out;
		if (error == 1)
			break;
		if ((error = dtaq_sleep(q, &deadline, &locked)) != 0)
			goto out;
		v.n = 0;
	}
	if ((s = dtaq_at(&v, idx)) == NULL) {
		error = v.error;
		goto out;
	}
	if ((error = dtaq_slot_check(q, s, idx)) != 0)
		goto out;
	if (s->length > e->size) {
		/* Leave it for a receiver with room. */
		e->length = s->length;
		error = EXITPT_E_TOO_LONG;
		goto out;
	}
	/* The caller's copy is complete before the commit. */
	dtaq_export(q, s, e, e->data);
	if ((error = dtaq_notify(q, &h)) != 0)
		goto out;
	if (q->type == EXITPT_DTAQ_FIFO)
		error = dtaq_put64(q, DTAQ_OFF(head), h.head + 1);
	else if (q->type == EXITPT_DTAQ_LIFO)
		error = dtaq_put64(q, DTAQ_OFF(tail), h.tail - 1);
	else
		error = dtaq_put64(q, DTAQ_HDR_SIZE + idx * q->slot_size, 0);
out:
	dtaq_view_done(&v);
	if (locked)
		dtaq_unlock(q);
	return (error);
}

/* Compare two snapshot entries by key, then by enqueue order. */
static int
dtaq_snap_cmp(const void *a, const void *b)
{
	const struct dtaq_snent	*x = a, *y = b;
	int			 c;

	if ((c = memcmp(x->e.key, y->e.key, x->e.key_length)) != 0)
		return (c);
	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/* Copy slot s (at index pos) into the next snapshot entry. */
static int
dtaq_snap_add(struct exitpt_dtaq *q, struct dtaq_snap *snap,
    struct dtaq_slot *s, size_t pos)
{
	struct dtaq_snent	*se = &snap->e[snap->n];
	int			 error;

	if ((error = dtaq_slot_check(q, s, pos)) != 0)
		return (error);
	if (snap->data != NULL) {
		se->e.data = snap->data + snap->n * q->max_length;
		se->e.size = q->max_length;
	}
	se->seq = s->seq;
	dtaq_export(q, s, &se->e, se->e.data);
	snap->n++;
	return (0);
}

/* Free a snapshot's copies. */
static void
dtaq_snap_free(struct dtaq_snap *snap)
{
	free(snap->e);
	free(snap->data);
	memset(snap, 0, sizeof(*snap));
}

/*
 * Copy the selected entries (which: first, last, all; 0 counts them
 * without copying) in receive order.  Called with the lock, or by a
 * reader without it, who checks the copy afterwards.
 */
static int
dtaq_snap_take(struct exitpt_dtaq *q, int which, int order, const void *key,
    struct dtaq_snap *snap)
{
	struct dtaq_slot	*s;
	struct dtaq_view	 v;
	struct dtaq_hdr		 h;
	size_t			 i, max, idx;
	int			 error;

	memset(snap, 0, sizeof(*snap));
	dtaq_view_init(&v, q);
	if ((error = dtaq_hdr(q, &h)) != 0 ||
	    (error = dtaq_used(&v, &h, &max)) != 0)
		goto out;
	if (which == 0) {
		snap->n = max;
		goto out;
	}
	/* One place for the first or last, whatever the count said. */
	if (which != EXITPT_DTAQ_PEEK_ALL)
		max = 1;
	if (max > 0) {
		snap->e = calloc(max, sizeof(*snap->e));
		snap->data = calloc(max, q->max_length);
		if (snap->e == NULL || snap->data == NULL) {
			error = -ENOMEM;
			goto out;
		}
	}
	if (which != EXITPT_DTAQ_PEEK_ALL) {
		if ((error = dtaq_find(&v, &h, which == EXITPT_DTAQ_PEEK_LAST,
		    order, key, &idx)) < 0)
			goto out;
		if (error == 1 && (s = dtaq_at(&v, idx)) == NULL)
			error = v.error;
		else if (error == 1)
			error = dtaq_snap_add(q, snap, s, idx);
	} else if (q->type == EXITPT_DTAQ_KEYED) {
		for (i = 0; i < q->capacity && snap->n < max; i++) {
			if ((s = dtaq_at(&v, i)) == NULL) {
				error = v.error;
				goto out;
			}
			if (s->seq != 0 && dtaq_match(q, s, order, key) &&
			    (error = dtaq_snap_add(q, snap, s, i)) != 0)
				goto out;
		}
		if (snap->n > 1)
			qsort(snap->e, snap->n, sizeof(*snap->e),
			    dtaq_snap_cmp);
	} else {
		for (i = 0; i < max; i++) {
			idx = (size_t)((q->type == EXITPT_DTAQ_FIFO ?
			    h.head + i : h.tail - 1 - i) % q->capacity);
			if ((s = dtaq_at(&v, idx)) == NULL) {
				error = v.error;
				goto out;
			}
			if ((error = dtaq_snap_add(q, snap, s, idx)) != 0)
				goto out;
		}
	}
out:
	dtaq_view_done(&v);
	if (error < 0)
		dtaq_snap_free(snap);
	return (error < 0 ? error : 0);
}

/*
 * Copy the selected entries out, so that callbacks run unlocked and may
 * use the queue themselves.  A handle that may write takes the lock (on
 * a queue others can write, only if it is free: one held by another user
 * for good must not cost every listing its grace time); a read-only one
 * (or one whose lock is held) copies without it and keeps a copy only if
 * no change was counted meanwhile, trying again a few times (a torn copy
 * is not damage: damage counts only in a copy that held still).
 */
static int
dtaq_snapshot(struct exitpt_dtaq *q, int which, int order, const void *key,
    struct dtaq_snap *snap)
{
	struct ipcobj_deadline	d;
	uint32_t		c1, c2;
	int			error, tries;

	if (q->can_write) {
		ipcobj_deadline_set(&d, EXITPT_WAIT_NOWAIT);
		if ((error = ipcobj_trusted(q->obj) ? dtaq_lock(q, &d) :
		    ipcobj_trylock(q->obj)) == 0) {
			error = dtaq_snap_take(q, which, order, key, snap);
			dtaq_unlock(q);
			return (error);
		}
		if (error != EXITPT_E_TIMEOUT)
			return (error);
	}
	for (tries = 0; tries < DTAQ_TRIES; tries++) {
		if ((error = ipcobj_get32(q->obj, DTAQ_OFF(changes), &c1)) != 0)
			return (error);
		error = dtaq_snap_take(q, which, order, key, snap);
		if ((error == 0 || error == EXITPT_E_DAMAGED) &&
		    ipcobj_get32(q->obj, DTAQ_OFF(changes), &c2) == 0 &&
		    c1 == c2)
			return (error);
		dtaq_snap_free(snap);
		if (error == -ENOMEM)
			return (error);
		sched_yield();
	}
	return (EXITPT_E_TIMEOUT);
}

/* Non-destructive read of the first, last or all selected entries. */
int
exitpt_dtaq_peek(struct exitpt_dtaq *q, int which, int order, const void *key,
    size_t key_length, exitpt_dtaq_peek_cb cb, void *arg)
{
	struct dtaq_snap	snap;
	size_t			i;
	int			error;

	if (which != EXITPT_DTAQ_PEEK_FIRST && which != EXITPT_DTAQ_PEEK_LAST &&
	    which != EXITPT_DTAQ_PEEK_ALL)
		return (EXITPT_E_VALUE);
	if ((error = dtaq_select_check(q, order, key, key_length)) != 0)
		return (error);
	if ((error = dtaq_snapshot(q, which, order, key, &snap)) != 0)
		return (error);
	for (i = 0; i < snap.n; i++) {
		if (cb != NULL && cb(&snap.e[i].e, arg) != 0) {
			i++;
			break;
		}
	}
	dtaq_snap_free(&snap);
	return ((int)i);
}

/* Remove all entries, or the keyed entries selected by order and key. */
int
exitpt_dtaq_clear(struct exitpt_dtaq *q, int order, const void *key,
    size_t key_length)
{
	struct ipcobj_deadline	 d;
	struct dtaq_slot	*s;
	struct dtaq_view	 v;
	struct dtaq_hdr		 h;
	size_t			 i, n = 0;
	int			 error;

	if ((error = dtaq_select_check(q, order, key, key_length)) != 0)
		return (error);
	if (!q->can_write)
		return (-EACCES);
	ipcobj_deadline_set(&d, EXITPT_WAIT_NOWAIT);
	if ((error = dtaq_lock(q, &d)) != 0)
		return (error);
	dtaq_view_init(&v, q);
	if ((error = dtaq_hdr(q, &h)) != 0 ||
	    (error = dtaq_notify(q, &h)) != 0)
		goto out;
	if (q->type != EXITPT_DTAQ_KEYED) {
		n = (size_t)(h.tail - h.head);
		error = dtaq_put64(q, DTAQ_OFF(head), h.tail);
		goto out;
	}
	/* One store per entry: a kill midway clears some, not half. */
	for (i = 0; i < q->capacity; i++) {
		if ((s = dtaq_at(&v, i)) == NULL) {
			error = v.error;
			goto out;
		}
		if (s->seq != 0 && dtaq_match(q, s, order, key)) {
			if ((error = dtaq_put64(q, DTAQ_HDR_SIZE +
			    i * q->slot_size, 0)) != 0)
				goto out;
			n++;
		}
	}
out:
	dtaq_view_done(&v);
	dtaq_unlock(q);
	return (error != 0 ? error : (int)n);
}

/* Call cb with the name of every queue, in name order. */
int
exitpt_dtaq_list(exitpt_dtaq_list_cb cb, void *arg)
{
	char	**names;
	size_t	  i, n;
	int	  error;

	if ((error = ipcobj_list(IPCOBJ_DTAQ, &names, &n)) != 0)
		return (error);
	for (i = 0; i < n; i++) {
		if (cb(names[i], arg) != 0)
			break;
	}
	ipcobj_list_free(names, n);
	return (0);
}
