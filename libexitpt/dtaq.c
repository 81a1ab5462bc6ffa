/*
 * Data queues in shared memory, after IBM i's *DTAQ.
 *
 * A queue is one ipcobj segment (see ipcobj.c) of fixed size, computed at
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
 * Crash safety.  Every change is made under the object's robust mutex,
 * and becomes visible through exactly one aligned store (the "commit":
 * head, tail or a slot's sequence), made after the slot's contents are
 * complete, and after a receiver's copy of the entry is complete.  A
 * process killed before its commit changed nothing; one killed after it
 * has finished the change.  So a process killed at any point neither loses
 * nor duplicates an entry, and the next locker, told the holder died, has
 * nothing to repair.
 *
 * Access is checked once, when a queue is opened (as open(2) does for a
 * file): the mode cannot change afterwards, and a handle used in a tight
 * loop should not ask the kernel for credentials on every call.
 *
 * Waiting.  Waiters sleep on the object's change counter.  A changer
 * notifies *before* its commit, while it still holds the mutex: a woken
 * waiter then blocks on the mutex, which either the changer releases or
 * the kernel's robust list hands over if the changer dies.  Notifying
 * after the commit would let a changer killed between the two leave
 * sleepers asleep beside a committed entry.  Changers skip the wake-up
 * system call when the header counts no sleeper; a sleeper killed while
 * asleep leaves the count high, which costs only useless wake-ups.
 * Before sleeping, a caller polls the header's change count for a few
 * microseconds (yielding now and then), so that a producer and a consumer
 * on two CPUs pass entries without entering the kernel at all.
 *
 * A handle holds nothing that changes after open, so threads may share it.
 */
#include <sys/types.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"

#define DTAQ_ALIGN	64
#define DTAQ_SPIN	256	/* polls before sleeping, a few microseconds */

#if defined(__x86_64__) || defined(__i386__)
#define dtaq_cpu_relax()	__builtin_ia32_pause()
#else
#define dtaq_cpu_relax()	__asm__ __volatile__("" ::: "memory")
#endif

/* The queue's header, at the start of the object's data. */
struct dtaq_hdr {
	uint32_t	type;
	uint32_t	flags;
	uint32_t	max_length;
	uint32_t	key_length;
	uint32_t	capacity;
	uint32_t	slot_size;
	uint32_t	waiters;	/* sleepers; may stay high after a kill */
	uint32_t	changes;	/* bumped by every change, for spinners */
	uint64_t	head;		/* ring: first position */
	uint64_t	tail;		/* ring: one past the last */
	uint64_t	seq;		/* keyed: last sequence given */
};

#define DTAQ_HDR_SIZE	((sizeof(struct dtaq_hdr) + DTAQ_ALIGN - 1) & \
			    ~(size_t)(DTAQ_ALIGN - 1))

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
	struct dtaq_hdr	*hdr;
	unsigned char	*slots;
	/* Geometry copied at open: never re-read from shared memory. */
	int		 type;
	int		 flags;
	size_t		 max_length;
	size_t		 key_length;
	size_t		 capacity;
	size_t		 slot_size;
	/* Access checked once at open, as for a file descriptor. */
	int		 can_read;
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

static long	dtaq_ncpu;
static pthread_once_t dtaq_ncpu_once = PTHREAD_ONCE_INIT;

static const char *dtaq_orders[] = { "ANY", "EQ", "NE", "LT", "LE", "GT",
    "GE" };

static int	dtaq_geometry(struct dtaq_geom *, size_t *);
static int	dtaq_init_cb(void *, size_t, void *);
static int	dtaq_lock(struct exitpt_dtaq *);
static void	dtaq_unlock(struct exitpt_dtaq *);
static void	dtaq_notify(struct exitpt_dtaq *);
static void	dtaq_ncpu_init(void);
static int	dtaq_spin(struct exitpt_dtaq *, int *);
static int	dtaq_sleep(struct exitpt_dtaq *, const struct ipcobj_deadline *,
		    int *);
static int	dtaq_select_check(struct exitpt_dtaq *, int, const void *,
		    size_t);
static struct dtaq_slot *dtaq_slot(struct exitpt_dtaq *, size_t);
static int	dtaq_match(struct exitpt_dtaq *, struct dtaq_slot *, int,
		    const void *);
static int	dtaq_before(struct exitpt_dtaq *, struct dtaq_slot *,
		    struct dtaq_slot *);
static struct dtaq_slot *dtaq_find(struct exitpt_dtaq *, int, int,
		    const void *);
static size_t	dtaq_used(struct exitpt_dtaq *);
static void	dtaq_export(struct exitpt_dtaq *, struct dtaq_slot *,
		    struct exitpt_dtaq_entry *, void *);
static int	dtaq_snap_cmp(const void *, const void *);
static void	dtaq_snap_add(struct exitpt_dtaq *, struct dtaq_snap *,
		    struct dtaq_slot *);
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
 * segment would exceed the IPC object limit.
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
	if ((error = ipcobj_create(IPCOBJ_DTAQ, name, mode, size, 0,
	    dtaq_init_cb, &g, &o)) != 0)
		return (error);
	ipcobj_close(o);
	return (0);
}

/* Delete a queue by name (its owner or root only). */
int
exitpt_dtaq_delete(const char *name)
{
	return (ipcobj_unlink(IPCOBJ_DTAQ, name));
}

/*
 * Open a queue and check its header against the segment's real size, so
 * that a damaged segment is refused instead of trusted.  Access is
 * checked by each operation.
 */
int
exitpt_dtaq_open(const char *name, struct exitpt_dtaq **qp)
{
	struct exitpt_dtaq	*q;
	struct dtaq_hdr		*h;
	struct dtaq_geom	 g;
	struct ipcobj		*o;
	size_t			 size;
	int			 error;

	*qp = NULL;
	if ((error = ipcobj_open(IPCOBJ_DTAQ, name, 0, &o)) != 0)
		return (error);
	if (ipcobj_size(o) < DTAQ_HDR_SIZE) {
		ipcobj_close(o);
		return (EXITPT_E_MALFORMED);
	}
	h = ipcobj_data(o);
	g.type = (int)h->type;
	g.flags = (int)h->flags;
	g.max_length = h->max_length;
	g.key_length = h->key_length;
	g.capacity = h->capacity;
	if (dtaq_geometry(&g, &size) != 0 || g.slot_size != h->slot_size ||
	    size != ipcobj_size(o)) {
		ipcobj_close(o);
		return (EXITPT_E_MALFORMED);
	}
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		ipcobj_close(o);
		return (-ENOMEM);
	}
	q->obj = o;
	q->hdr = h;
	q->slots = (unsigned char *)h + DTAQ_HDR_SIZE;
	q->type = g.type;
	q->flags = g.flags;
	q->max_length = g.max_length;
	q->key_length = g.key_length;
	q->capacity = g.capacity;
	q->slot_size = g.slot_size;
	q->can_read = ipcobj_access(o, IPCOBJ_READ);
	q->can_write = ipcobj_access(o, IPCOBJ_WRITE);
	pthread_once(&dtaq_ncpu_once, dtaq_ncpu_init);
	*qp = q;
	return (0);
}

/* Count the CPUs once: spinning on a single CPU only delays the other. */
static void
dtaq_ncpu_init(void)
{
	dtaq_ncpu = sysconf(_SC_NPROCESSORS_ONLN);
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
 * Take the queue's lock.  A previous holder that died leaves nothing to
 * repair (see the top of this file); sleepers are told anyway, so that
 * they look again.
 */
static int
dtaq_lock(struct exitpt_dtaq *q)
{
	int	r;

	if ((r = ipcobj_lock(q->obj)) == 1) {
		ipcobj_notify(q->obj);
		r = 0;
	}
	return (r);
}

/* Release the queue's lock. */
static void
dtaq_unlock(struct exitpt_dtaq *q)
{
	ipcobj_unlock(q->obj);
}

/* Announce a change to spinners and sleepers; called with the lock held. */
static void
dtaq_notify(struct exitpt_dtaq *q)
{
	__atomic_add_fetch(&q->hdr->changes, 1, __ATOMIC_RELEASE);
	if (q->hdr->waiters != 0)
		ipcobj_notify(q->obj);
}

/*
 * Spin a little, unlocked, for a change by a process running on another
 * CPU, before paying for a sleep and a wake-up in the kernel: a producer
 * and a consumer that keep pace then pass entries without system calls.
 * Returns with the lock held; 1 if the queue changed.
 */
static int
dtaq_spin(struct exitpt_dtaq *q, int *locked)
{
	uint32_t	seen;
	int		i, error;

	if (dtaq_ncpu <= 1)
		return (0);
	seen = __atomic_load_n(&q->hdr->changes, __ATOMIC_ACQUIRE);
	dtaq_unlock(q);
	for (i = 0; i < DTAQ_SPIN; i++) {
		if (__atomic_load_n(&q->hdr->changes, __ATOMIC_ACQUIRE) != seen)
			break;
		if (i % 64 == 63)
			sched_yield();
		else
			dtaq_cpu_relax();
	}
	if ((error = dtaq_lock(q)) != 0) {
		*locked = 0;
		return (error);
	}
	/* Decide under the lock: a change just after the spin counts too. */
	return (__atomic_load_n(&q->hdr->changes, __ATOMIC_ACQUIRE) != seen);
}

/*
 * Sleep until the queue changes or the deadline passes; called and
 * returns with the lock held, unless *locked is cleared (the lock could
 * not be taken again, e.g. the queue was deleted).
 */
static int
dtaq_sleep(struct exitpt_dtaq *q, const struct ipcobj_deadline *d,
    int *locked)
{
	uint32_t	seen;
	int		error;

	if (ipcobj_deadline_passed(d))
		return (EXITPT_E_TIMEOUT);
	if ((error = dtaq_spin(q, locked)) != 0)
		return (error < 0 ? error : 0);
	seen = ipcobj_seq(q->obj);
	q->hdr->waiters++;
	dtaq_unlock(q);
	/*
	 * Whatever ended the wait, look again under the lock: a timeout is
	 * decided by the deadline check above, a deletion by the lock.
	 */
	(void)ipcobj_wait(q->obj, seen, d);
	if ((error = dtaq_lock(q)) != 0) {
		*locked = 0;
		return (error);
	}
	q->hdr->waiters--;
	return (0);
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

/* The slot at index i. */
static struct dtaq_slot *
dtaq_slot(struct exitpt_dtaq *q, size_t i)
{
	return ((struct dtaq_slot *)(q->slots + i * q->slot_size));
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

/* Keyed receive order: ascending key, then ascending sequence. */
static int
dtaq_before(struct exitpt_dtaq *q, struct dtaq_slot *a, struct dtaq_slot *b)
{
	int	c;

	c = memcmp(a + 1, b + 1, q->key_length);
	return (c < 0 || (c == 0 && a->seq < b->seq));
}

/*
 * The entry a receive would take (last: the one it would take last) among
 * those selected, or NULL.  Called with the lock held.
 */
static struct dtaq_slot *
dtaq_find(struct exitpt_dtaq *q, int last, int order, const void *key)
{
	struct dtaq_hdr		*h = q->hdr;
	struct dtaq_slot	*s, *best = NULL;
	size_t			 i;

	if (q->type != EXITPT_DTAQ_KEYED) {
		if (h->tail == h->head)
			return (NULL);
		if ((q->type == EXITPT_DTAQ_FIFO) == !last)
			return (dtaq_slot(q, h->head % q->capacity));
		return (dtaq_slot(q, (h->tail - 1) % q->capacity));
	}
	for (i = 0; i < q->capacity; i++) {
		s = dtaq_slot(q, i);
		if (s->seq == 0 || !dtaq_match(q, s, order, key))
			continue;
		if (best == NULL || (dtaq_before(q, s, best) == !last))
			best = s;
	}
	return (best);
}

/* Number of entries; called with the lock held. */
static size_t
dtaq_used(struct exitpt_dtaq *q)
{
	size_t	i, n = 0;

	if (q->type != EXITPT_DTAQ_KEYED)
		return ((size_t)(q->hdr->tail - q->hdr->head));
	for (i = 0; i < q->capacity; i++)
		n += dtaq_slot(q, i)->seq != 0;
	return (n);
}

/* Describe slot s in e, copying its data to data if not NULL. */
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
	e->enqueued.tv_sec = (time_t)s->sec;
	e->enqueued.tv_nsec = s->nsec;
	e->has_sender = (q->flags & EXITPT_DTAQ_SENDER_INFO) != 0;
	e->sender_pid = e->has_sender ? (pid_t)s->pid : 0;
	e->sender_uid = e->has_sender ? (uid_t)s->uid : 0;
}

/* Describe a queue. */
int
exitpt_dtaq_info(struct exitpt_dtaq *q, struct exitpt_dtaq_info *info)
{
	int	error;

	memset(info, 0, sizeof(*info));
	info->type = q->type;
	info->flags = q->flags;
	info->max_length = q->max_length;
	info->key_length = q->key_length;
	info->capacity = q->capacity;
	info->owner = ipcobj_owner(q->obj);
	info->mode = ipcobj_mode(q->obj);
	if ((error = dtaq_lock(q)) != 0)
		return (error);
	info->count = dtaq_used(q);
	dtaq_unlock(q);
	return (0);
}

/* Number of entries in the queue. */
int
exitpt_dtaq_count(struct exitpt_dtaq *q)
{
	size_t	n;
	int	error;

	if ((error = dtaq_lock(q)) != 0)
		return (error);
	n = dtaq_used(q);
	dtaq_unlock(q);
	return ((int)n);
}

/* Send an entry, waiting for room up to wait seconds. */
int
exitpt_dtaq_send(struct exitpt_dtaq *q, const void *key, size_t key_length,
    const void *data, size_t length, double wait)
{
	struct dtaq_hdr		*h = q->hdr;
	struct dtaq_slot	*s = NULL;
	struct ipcobj_deadline	 deadline;
	struct timespec		 now;
	size_t			 i;
	int			 locked = 1, error;

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
	if ((error = dtaq_lock(q)) != 0)
		return (error);
	for (;;) {
		if (q->type != EXITPT_DTAQ_KEYED) {
			if (h->tail - h->head < q->capacity)
				s = dtaq_slot(q, h->tail % q->capacity);
		} else {
			for (i = 0; i < q->capacity && s == NULL; i++) {
				if (dtaq_slot(q, i)->seq == 0)
					s = dtaq_slot(q, i);
			}
		}
		if (s != NULL)
			break;
		if ((error = dtaq_sleep(q, &deadline, &locked)) != 0) {
			if (error == EXITPT_E_TIMEOUT)
				error = EXITPT_E_FULL;
			goto out;
		}
	}
	/* Fill the free slot; nobody sees it before the commit below. */
	clock_gettime(CLOCK_REALTIME, &now);
	s->sec = now.tv_sec;
	s->nsec = (int32_t)now.tv_nsec;
	s->length = (uint32_t)length;
	s->pid = (q->flags & EXITPT_DTAQ_SENDER_INFO) ? (int32_t)getpid() : 0;
	s->uid = (q->flags & EXITPT_DTAQ_SENDER_INFO) ? (uint32_t)geteuid() : 0;
	if (key_length > 0)
		memcpy(s + 1, key, key_length);
	if (length > 0)
		memcpy((unsigned char *)(s + 1) + key_length, data, length);
	dtaq_notify(q);
	if (q->type != EXITPT_DTAQ_KEYED)
		__atomic_store_n(&h->tail, h->tail + 1, __ATOMIC_RELEASE);
	else {
		h->seq++;
		__atomic_store_n(&s->seq, h->seq, __ATOMIC_RELEASE);
	}
out:
	if (locked)
		dtaq_unlock(q);
	return (error);
}

/* Receive one entry, waiting up to wait seconds for one. */
int
exitpt_dtaq_receive(struct exitpt_dtaq *q, int order, const void *key,
    size_t key_length, double wait, struct exitpt_dtaq_entry *e)
{
	struct dtaq_hdr		*h = q->hdr;
	struct dtaq_slot	*s;
	struct ipcobj_deadline	 deadline;
	int			 locked = 1, error;

	if (!q->can_read || !q->can_write)
		return (-EACCES);
	if ((error = dtaq_select_check(q, order, key, key_length)) != 0)
		return (error);
	if (e->size > 0 && e->data == NULL)
		return (-EINVAL);
	if ((error = ipcobj_deadline_set(&deadline, wait)) != 0)
		return (error);
	if ((error = dtaq_lock(q)) != 0)
		return (error);
	while ((s = dtaq_find(q, 0, order, key)) == NULL) {
		if ((error = dtaq_sleep(q, &deadline, &locked)) != 0)
			goto out;
	}
	if (s->length > e->size) {
		/* Leave it for a receiver with room. */
		e->length = s->length;
		error = EXITPT_E_TOO_LONG;
		goto out;
	}
	/* The caller's copy is complete before the commit. */
	dtaq_export(q, s, e, e->data);
	dtaq_notify(q);
	if (q->type == EXITPT_DTAQ_FIFO)
		__atomic_store_n(&h->head, h->head + 1, __ATOMIC_RELEASE);
	else if (q->type == EXITPT_DTAQ_LIFO)
		__atomic_store_n(&h->tail, h->tail - 1, __ATOMIC_RELEASE);
	else
		__atomic_store_n(&s->seq, 0, __ATOMIC_RELEASE);
out:
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

/* Copy slot s into the next snapshot entry. */
static void
dtaq_snap_add(struct exitpt_dtaq *q, struct dtaq_snap *snap,
    struct dtaq_slot *s)
{
	struct dtaq_snent	*se = &snap->e[snap->n];

	se->e.data = snap->data + snap->n * q->max_length;
	se->e.size = q->max_length;
	se->seq = s->seq;
	dtaq_export(q, s, &se->e, se->e.data);
	snap->n++;
}

/*
 * Copy the selected entries out under the lock, in receive order, so that
 * callbacks run unlocked and may use the queue themselves.
 */
static int
dtaq_snapshot(struct exitpt_dtaq *q, int which, int order, const void *key,
    struct dtaq_snap *snap)
{
	struct dtaq_hdr		*h = q->hdr;
	struct dtaq_slot	*s;
	size_t			 i, max;
	int			 error;

	memset(snap, 0, sizeof(*snap));
	if ((error = dtaq_lock(q)) != 0)
		return (error);
	max = which == EXITPT_DTAQ_PEEK_ALL ? dtaq_used(q) : 1;
	if (max > 0) {
		snap->e = calloc(max, sizeof(*snap->e));
		snap->data = calloc(max, q->max_length);
		if (snap->e == NULL || snap->data == NULL) {
			error = -ENOMEM;
			goto out;
		}
	}
	if (which != EXITPT_DTAQ_PEEK_ALL) {
		s = dtaq_find(q, which == EXITPT_DTAQ_PEEK_LAST, order, key);
		if (s != NULL)
			dtaq_snap_add(q, snap, s);
	} else if (q->type == EXITPT_DTAQ_KEYED) {
		for (i = 0; i < q->capacity && snap->n < max; i++) {
			s = dtaq_slot(q, i);
			if (s->seq != 0 && dtaq_match(q, s, order, key))
				dtaq_snap_add(q, snap, s);
		}
		qsort(snap->e, snap->n, sizeof(*snap->e), dtaq_snap_cmp);
	} else {
		for (i = 0; i < max; i++) {
			if (q->type == EXITPT_DTAQ_FIFO)
				s = dtaq_slot(q, (h->head + i) % q->capacity);
			else
				s = dtaq_slot(q,
				    (h->tail - 1 - i) % q->capacity);
			dtaq_snap_add(q, snap, s);
		}
	}
out:
	dtaq_unlock(q);
	if (error != 0) {
		free(snap->e);
		free(snap->data);
		memset(snap, 0, sizeof(*snap));
	}
	return (error);
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
	if (!q->can_read)
		return (-EACCES);
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
	free(snap.e);
	free(snap.data);
	return ((int)i);
}

/* Remove all entries, or the keyed entries selected by order and key. */
int
exitpt_dtaq_clear(struct exitpt_dtaq *q, int order, const void *key,
    size_t key_length)
{
	struct dtaq_hdr		*h = q->hdr;
	struct dtaq_slot	*s;
	size_t			 i, n = 0;
	int			 error;

	if ((error = dtaq_select_check(q, order, key, key_length)) != 0)
		return (error);
	if (!q->can_write)
		return (-EACCES);
	if ((error = dtaq_lock(q)) != 0)
		return (error);
	dtaq_notify(q);
	if (q->type != EXITPT_DTAQ_KEYED) {
		n = (size_t)(h->tail - h->head);
		__atomic_store_n(&h->head, h->tail, __ATOMIC_RELEASE);
	} else {
		/* One store per entry: a kill midway clears some, not half. */
		for (i = 0; i < q->capacity; i++) {
			s = dtaq_slot(q, i);
			if (s->seq != 0 && dtaq_match(q, s, order, key)) {
				__atomic_store_n(&s->seq, 0, __ATOMIC_RELEASE);
				n++;
			}
		}
	}
	dtaq_unlock(q);
	return ((int)n);
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
