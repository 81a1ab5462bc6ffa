/*
 * Object locks (see exitpt/objlock.h).
 *
 * Each user records the locks of its processes in a table of its own,
 * "locks" in its directory of the runtime directory (mode 0644: everyone
 * reads every table, only its user writes it).  Nobody can then remove,
 * forge or block another user's locks by writing a shared table, and a
 * holder counts only if its process runs, started when the entry says,
 * and belongs to the table's user.
 *
 * Taking a lock is "claim, then look": the entry is written as pending
 * (with a ticket, the claim's CLOCK_MONOTONIC time), then every table is
 * read; a conflicting granted entry, or an older conflicting claim, makes
 * the claim back off and wait; younger conflicting claims are waited out
 * (they back off when they see ours); with none the entry becomes
 * granted.  The claim is written with sequentially consistent order before
 * the tables are read, so of two conflicting claims at least one sees the
 * other, and the older one wins.
 *
 * Other users' tables are read with pread, never mapped, and read twice:
 * an entry that differs between the two copies was being changed, and
 * is read again (the kernel's copy gives no order within an entry).  New
 * tables are noticed through inotify on the users' directories, looked at
 * after the claim, so that a table made after our look only gets claims
 * that will see ours.  Waiters sleep on the change counter of the table
 * holding the conflict, and look again every IPCOBJ_SLICE_MS since a dead
 * holder never wakes anyone.
 */
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"

#define OBJLOCK_ENTRIES		1024	/* locks held at once, per user */
#define OBJLOCK_TABLE_NAME	"locks"
#define OBJLOCK_BIT(s)		(1u << (s))
#define OBJLOCK_FREE		0u
#define OBJLOCK_PENDING		1u
#define OBJLOCK_GRANTED		2u
#define OBJLOCK_PAUSE_NS	(50 * 1000L)	/* waiting out a claim */
#define OBJLOCK_PAUSE_MAX_NS	(10 * 1000 * 1000L)

struct objlock_entry {
	_Atomic uint32_t	 phase;		/* written last: the commit */
	uint32_t		 takes;
	char			 object[EXITPT_NAME_MAX + 1];
	uint8_t			 state;
	uint8_t			 pad[2];
	int32_t			 pid;
	uint64_t		 start;		/* holder's process start time */
	uint64_t		 ticket;	/* CLOCK_MONOTONIC of the claim */
	int64_t			 since;		/* CLOCK_REALTIME, seconds */
	uint8_t			 pad2[8];
};

_Static_assert(sizeof(struct objlock_entry) == 80, "entry layout");

struct objlock_table {
	_Atomic uint32_t	 hwm;		/* entries in use lie below */
	uint32_t		 pad[15];
	struct objlock_entry	 e[OBJLOCK_ENTRIES];
};

/* Another user's table, as this process sees it. */
struct objlock_peer {
	struct ipcobj		*o;
	uid_t			 uid;
	int			 refs;
	int			 gone;		/* left the view */
};

/* A conflict found by a scan: where to wait for it to change. */
struct objlock_conflict {
	struct objlock_peer	*peer;		/* NULL: our own table */
	uint32_t		 seen;		/* its change counter then */
	pid_t			 pid;
};

/* A lock as listed: the entry and the user whose table holds it. */
struct objlock_item {
	struct objlock_entry	 e;
	uid_t			 uid;
};

struct exitpt_objlock_list {
	struct objlock_item	*it;
	size_t			 count;
	size_t			 cap;
	struct ipcobj_damage	 damage;
};

/* States another process may take while one is held (IBM i's table). */
static const unsigned objlock_compat[] = {
	[EXITPT_LOCK_SHRRD] = OBJLOCK_BIT(EXITPT_LOCK_SHRRD) |
	    OBJLOCK_BIT(EXITPT_LOCK_SHRUPD) | OBJLOCK_BIT(EXITPT_LOCK_SHRNUP) |
	    OBJLOCK_BIT(EXITPT_LOCK_EXCLRD),
	[EXITPT_LOCK_SHRUPD] = OBJLOCK_BIT(EXITPT_LOCK_SHRRD) |
	    OBJLOCK_BIT(EXITPT_LOCK_SHRUPD),
	[EXITPT_LOCK_SHRNUP] = OBJLOCK_BIT(EXITPT_LOCK_SHRRD) |
	    OBJLOCK_BIT(EXITPT_LOCK_SHRNUP),
	[EXITPT_LOCK_EXCLRD] = OBJLOCK_BIT(EXITPT_LOCK_SHRRD),
	[EXITPT_LOCK_EXCL] = 0,
};

static const char *objlock_names[] = {
	[EXITPT_LOCK_SHRRD] = "*SHRRD",
	[EXITPT_LOCK_SHRUPD] = "*SHRUPD",
	[EXITPT_LOCK_SHRNUP] = "*SHRNUP",
	[EXITPT_LOCK_EXCLRD] = "*EXCLRD",
	[EXITPT_LOCK_EXCL] = "*EXCL",
};

/*
 * The process's view: its own table, the other tables, and the inotify
 * descriptor that says when to look for new ones.  Lock calls of the
 * process's threads take turns on mtx, except while they wait.
 */
static struct {
	pthread_mutex_t		 mtx;
	char			 path[PATH_MAX];
	uid_t			 uid;
	struct ipcobj		*own;
	struct objlock_table	*t;
	int			 inotify;
	int			 stale;
	struct objlock_peer	**peer;
	size_t			 npeer;
} objlock_view = { PTHREAD_MUTEX_INITIALIZER, "", 0, NULL, NULL, -1, 1,
    NULL, 0 };
static pthread_once_t	 objlock_once = PTHREAD_ONCE_INIT;

static int	 objlock_valid(int);
static void	 objlock_atfork_child(void);
static void	 objlock_init_once(void);
static void	 objlock_peer_put(struct objlock_peer *);
static void	 objlock_forget(void);
static int	 objlock_own(void);
static int	 objlock_watch(int, uint32_t);
static int	 objlock_rescan(void);
static int	 objlock_refresh(void);
static int	 objlock_entry_ok(const struct objlock_entry *);
static int	 objlock_read(struct ipcobj *, struct objlock_entry *,
		     struct objlock_entry *, uint32_t *);
static int	 objlock_changing(const struct objlock_entry *,
		     const struct objlock_entry *);
static int	 objlock_before(const struct objlock_entry *, uid_t,
		     uint64_t, pid_t, uid_t);
static int	 objlock_judge(const struct objlock_entry *, uid_t,
		     const char *, int, const struct ipcobj_proc *, uint64_t,
		     uid_t);
static int	 objlock_scan(const char *, int, const struct ipcobj_proc *,
		     uint64_t, struct objlock_conflict *);
static void	 objlock_shrink(struct objlock_table *);
static int	 objlock_claim(const char *, int, const struct ipcobj_proc *,
		     uint64_t, const struct ipcobj_deadline *, uint32_t *);
static void	 objlock_free(uint32_t, int);
static int	 objlock_list_add(struct exitpt_objlock_list *,
		     const struct objlock_entry *, uid_t);
static int	 objlock_list_cb(struct ipcobj *, void *);
static int	 objlock_entry_cmp(const void *, const void *);

/* 1 if state is one of the five lock states. */
static int
objlock_valid(int state)
{
	return (state >= EXITPT_LOCK_SHRRD && state <= EXITPT_LOCK_EXCL);
}

/* 1 if wanted can be granted while another process holds held. */
int
exitpt_objlock_compatible(int held, int wanted)
{
	if (!objlock_valid(held) || !objlock_valid(wanted))
		return (0);
	return ((objlock_compat[held] & OBJLOCK_BIT(wanted)) != 0);
}

/* The IBM i name of a state. */
const char *
exitpt_objlock_state_name(int state)
{
	return (objlock_valid(state) ? objlock_names[state] : NULL);
}

/* Parse "*SHRRD", "shrrd" and the like. */
int
exitpt_objlock_state_parse(const char *text, int *state)
{
	int	s;

	if (text == NULL)
		return (EXITPT_E_VALUE);
	if (*text == '*')
		text++;
	for (s = EXITPT_LOCK_SHRRD; s <= EXITPT_LOCK_EXCL; s++) {
		if (strcasecmp(text, objlock_names[s] + 1) == 0) {
			*state = s;
			return (0);
		}
	}
	return (EXITPT_E_VALUE);
}

/*
 * A forked child holds none of its parent's locks and may change user:
 * it starts from a new view.  It has one thread, so closing is safe.
 */
static void
objlock_atfork_child(void)
{
	pthread_mutex_init(&objlock_view.mtx, NULL);
	objlock_forget();
}

/* Install the fork handler. */
static void
objlock_init_once(void)
{
	pthread_atfork(NULL, NULL, objlock_atfork_child);
}

/* Drop a reference to a peer; the last one of a peer gone closes it. */
static void
objlock_peer_put(struct objlock_peer *p)
{
	if (--p->refs == 0 && p->gone) {
		ipcobj_close(p->o);
		free(p);
	}
}

/* Forget the whole view (another runtime directory, user, or a fork). */
static void
objlock_forget(void)
{
	size_t	i;

	for (i = 0; i < objlock_view.npeer; i++) {
		objlock_view.peer[i]->gone = 1;
		objlock_peer_put(objlock_view.peer[i]);
	}
	free(objlock_view.peer);
	objlock_view.peer = NULL;
	objlock_view.npeer = 0;
	ipcobj_close(objlock_view.own);
	objlock_view.own = NULL;
	objlock_view.t = NULL;
	if (objlock_view.inotify != -1)
		close(objlock_view.inotify);
	objlock_view.inotify = -1;
	objlock_view.stale = 1;
	objlock_view.path[0] = '\0';
}

/*
 * Our own table, opened or created on first use (per runtime directory
 * and user).  Called with the view's mutex held.
 */
static int
objlock_own(void)
{
	struct ipcobj	*o;
	char		 path[PATH_MAX];
	int		 error;

	if ((error = ipcdir_path(path, sizeof(path))) != 0)
		return (error);
	if (objlock_view.own != NULL && objlock_view.uid == geteuid() &&
	    strcmp(path, objlock_view.path) == 0 &&
	    !ipcobj_deleted(objlock_view.own))
		return (0);
	objlock_forget();
	error = ipcobj_open_or_create(IPCOBJ_LOCKTAB, IPCDIR_SELF,
	    OBJLOCK_TABLE_NAME, IPCOBJ_READ | IPCOBJ_WRITE, 0644,
	    sizeof(struct objlock_table), NULL, NULL, &o);
	if (error != 0)
		return (error);
	if (ipcobj_data(o) == NULL ||
	    ipcobj_size(o) != sizeof(struct objlock_table)) {
		error = ipcobj_damaged("object lock table of uid %lu: mode "
		    "%04o or size %zu is not its own",
		    (unsigned long)geteuid(), (unsigned)ipcobj_mode(o),
		    ipcobj_size(o));
		ipcobj_close(o);
		return (error);
	}
	objlock_view.own = o;
	objlock_view.t = ipcobj_data(o);
	objlock_view.uid = geteuid();
	snprintf(objlock_view.path, sizeof(objlock_view.path), "%s", path);
	objlock_view.inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	objlock_view.stale = 1;
	return (0);
}

/* Watch a directory (by descriptor) for entries coming and going. */
static int
objlock_watch(int dirfd, uint32_t mask)
{
	char	path[64];

	if (objlock_view.inotify == -1)
		return (-1);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", dirfd);
	return (inotify_add_watch(objlock_view.inotify, path, mask));
}

/*
 * Look for every other table again: watch first, then list, so that a
 * table made meanwhile is either listed or announced.
 */
static int
objlock_rescan(void)
{
	struct objlock_peer	**np = NULL, *p;
	struct ipcdir_user	 *u;
	struct ipcobj		 *o;
	struct stat		  own, st;
	size_t			  n, i, k, count = 0;
	int			  users, error, watched = 1;

	if ((error = ipcdir_get(IPCDIR_USERS, &users)) != 0)
		return (error);
	if (objlock_watch(users, IN_CREATE | IN_DELETE | IN_MOVED_FROM |
	    IN_MOVED_TO | IN_ONLYDIR) == -1)
		watched = 0;
	if ((error = ipcdir_users(IPCOBJ_ANY_OWNER, &u, &n)) != 0)
		return (error);
	if ((np = calloc(n + 1, sizeof(*np))) == NULL) {
		ipcdir_users_free(u, n);
		return (-ENOMEM);
	}
	fstat(ipcobj_fd(objlock_view.own), &own);
	for (i = 0; i < n; i++) {
		if (objlock_watch(u[i].fd, IN_CREATE | IN_DELETE |
		    IN_MOVED_FROM | IN_MOVED_TO) == -1)
			watched = 0;
		if (ipcobj_openat(IPCOBJ_LOCKTAB, u[i].fd, OBJLOCK_TABLE_NAME,
		    u[i].uid, IPCOBJ_READ, &o) != 0)
			continue;	/* none, or damaged: nothing to honour */
		if (fstat(ipcobj_fd(o), &st) == 0 && st.st_dev == own.st_dev &&
		    st.st_ino == own.st_ino) {
			ipcobj_close(o);
			continue;
		}
		if ((p = calloc(1, sizeof(*p))) == NULL) {
			ipcobj_close(o);
			continue;
		}
		p->o = o;
		p->uid = u[i].uid;
		p->refs = 1;
		np[count++] = p;
	}
	ipcdir_users_free(u, n);
	for (k = 0; k < objlock_view.npeer; k++) {
		objlock_view.peer[k]->gone = 1;
		objlock_peer_put(objlock_view.peer[k]);
	}
	free(objlock_view.peer);
	objlock_view.peer = np;
	objlock_view.npeer = count;
	/* Without inotify, every lock looks for new tables. */
	objlock_view.stale = !watched;
	return (0);
}

/* Look again for tables if the directories changed since the last look. */
static int
objlock_refresh(void)
{
	char	buf[4096];
	ssize_t	n;

	if (objlock_view.inotify != -1) {
		while ((n = read(objlock_view.inotify, buf, sizeof(buf))) > 0)
			objlock_view.stale = 1;
	}
	if (!objlock_view.stale)
		return (0);
	return (objlock_rescan());
}

/* 1 if an entry copied from a table makes sense (phase not free). */
static int
objlock_entry_ok(const struct objlock_entry *e)
{
	return ((e->phase == OBJLOCK_PENDING || e->phase == OBJLOCK_GRANTED) &&
	    objlock_valid(e->state) && e->pid > 0 && e->takes > 0 &&
	    memchr(e->object, '\0', sizeof(e->object)) != NULL &&
	    exitpt_ipc_name_check(e->object) == 0);
}

/*
 * Copy another user's table entries (up to its high-water mark) into e,
 * and again into again: an entry that differs between the two copies was
 * being changed (the kernel's copy gives no order within an entry), see
 * objlock_changing.  Both arrays hold OBJLOCK_ENTRIES.  Returns 0 and the
 * entries' count, or an error.
 */
static int
objlock_read(struct ipcobj *o, struct objlock_entry *e,
    struct objlock_entry *again, uint32_t *count)
{
	uint32_t	 hwm;
	int		 error;

	if ((error = ipcobj_get32(o, 0, &hwm)) != 0)
		return (error);
	if (hwm > OBJLOCK_ENTRIES)
		return (ipcobj_damaged("object lock table of uid %lu: %u "
		    "entries, more than %u", (unsigned long)ipcobj_owner(o),
		    hwm, OBJLOCK_ENTRIES));
	*count = hwm;
	if (hwm == 0)
		return (0);
	if ((error = ipcobj_get(o, offsetof(struct objlock_table, e), e,
	    hwm * sizeof(*e))) == 0)
		error = ipcobj_get(o, offsetof(struct objlock_table, e), again,
		    hwm * sizeof(*e));
	return (error);
}

/*
 * 1 if the two copies of an entry differ: it was changing while read.
 * Which way is known only from the copies themselves, never from a value
 * the table holds (its user could write any value for good).
 */
static int
objlock_changing(const struct objlock_entry *a, const struct objlock_entry *b)
{
	return (memcmp(a, b, sizeof(*a)) != 0);
}

/*
 * 1 if the claim of entry e (of user uid) was made before ours (ticket,
 * pid, user me): the older claim wins; equal tickets are ordered by user,
 * then pid.
 */
static int
objlock_before(const struct objlock_entry *e, uid_t uid, uint64_t ticket,
    pid_t pid, uid_t me)
{
	if (e->ticket != ticket)
		return (e->ticket < ticket);
	if (uid != me)
		return (uid < me);
	return (e->pid < pid);
}

/*
 * How an entry of user uid's table bears on our claim of state on
 * object (we run as user myuid): 0 not at all, 1 a conflict to wait for,
 * 2 a younger claim to wait out.
 */
static int
objlock_judge(const struct objlock_entry *e, uid_t uid, const char *object,
    int state, const struct ipcobj_proc *me, uint64_t ticket, uid_t myuid)
{
	struct ipcobj_proc	p;

	if (!objlock_entry_ok(e) || strcmp(e->object, object) != 0)
		return (0);
	if (uid == myuid && e->pid == me->pid && e->start == me->start)
		return (0);	/* a process never conflicts with itself */
	if (exitpt_objlock_compatible(e->state, state))
		return (0);
	p.pid = e->pid;
	p.start = e->start;
	if (!ipcproc_holder(&p, uid))
		return (0);	/* dead, or not that user's */
	if (e->phase == OBJLOCK_GRANTED ||
	    objlock_before(e, uid, ticket, me->pid, myuid))
		return (1);
	return (2);
}

/*
 * Look at every table for what bears on our claim.  Returns 0 (none),
 * 1 (a conflict, in c), 2 (younger claims only), or an error.
 */
static int
objlock_scan(const char *object, int state, const struct ipcobj_proc *me,
    uint64_t ticket, struct objlock_conflict *c)
{
	struct objlock_table	*t = objlock_view.t;
	struct objlock_entry	*copy, *again, e;
	struct objlock_peer	*p;
	uint32_t		 hwm, i, seen;
	size_t			 k;
	int			 r, worst = 0;

	ipcobj_seq(objlock_view.own, &seen);
	hwm = atomic_load(&t->hwm);
	for (i = 0; i < hwm && i < OBJLOCK_ENTRIES; i++) {
		if (atomic_load_explicit(&t->e[i].phase,
		    memory_order_acquire) == OBJLOCK_FREE)
			continue;
		memcpy(&e, &t->e[i], sizeof(e));
		if ((r = objlock_judge(&e, objlock_view.uid, object, state,
		    me, ticket, objlock_view.uid)) == 1) {
			c->peer = NULL;
			c->seen = seen;
			c->pid = e.pid;
			return (1);
		}
		if (r > worst)
			worst = 2;
	}
	if (objlock_view.npeer == 0)
		return (worst);
	if ((copy = calloc(OBJLOCK_ENTRIES, sizeof(*copy))) == NULL ||
	    (again = calloc(OBJLOCK_ENTRIES, sizeof(*again))) == NULL) {
		free(copy);
		return (-ENOMEM);
	}
	for (k = 0; k < objlock_view.npeer; k++) {
		p = objlock_view.peer[k];
		if (ipcobj_seq(p->o, &seen) != 0 ||
		    objlock_read(p->o, copy, again, &hwm) != 0)
			continue;	/* damaged: it holds nothing for us */
		for (i = 0; i < hwm; i++) {
			if (objlock_changing(&copy[i], &again[i])) {
				worst = 2;	/* look again */
				continue;
			}
			r = objlock_judge(&copy[i], p->uid, object, state, me,
			    ticket, objlock_view.uid);
			if (r == 1) {
				p->refs++;
				c->peer = p;
				c->seen = seen;
				c->pid = copy[i].pid;
				free(copy);
				free(again);
				return (1);
			}
			if (r > worst)
				worst = 2;
		}
	}
	free(copy);
	free(again);
	return (worst);
}

/* Lower our table's high-water mark over free entries at its top. */
static void
objlock_shrink(struct objlock_table *t)
{
	uint32_t	hwm = atomic_load(&t->hwm);

	while (hwm > 0 && atomic_load(&t->e[hwm - 1].phase) == OBJLOCK_FREE)
		hwm--;
	atomic_store(&t->hwm, hwm);
}

/*
 * Under our table's lock: add one take to a state we hold, or write a
 * pending claim.  Returns 0 with *slot set and *held telling which, or
 * an error (EXITPT_E_FULL).
 */
static int
objlock_claim(const char *object, int state, const struct ipcobj_proc *me,
    uint64_t ticket, const struct ipcobj_deadline *d, uint32_t *slot)
{
	struct objlock_table	*t = objlock_view.t;
	struct objlock_entry	*e;
	struct ipcobj_proc	 p;
	uint32_t		 i, hwm, free_slot = OBJLOCK_ENTRIES;
	int			 error;

	if ((error = ipcobj_lock(objlock_view.own, d)) != 0)
		return (error);
	hwm = atomic_load(&t->hwm);
	if (hwm > OBJLOCK_ENTRIES)
		hwm = OBJLOCK_ENTRIES;
	for (i = 0; i < hwm; i++) {
		e = &t->e[i];
		if (atomic_load(&e->phase) == OBJLOCK_FREE) {
			if (free_slot == OBJLOCK_ENTRIES)
				free_slot = i;
			continue;
		}
		if (e->pid == me->pid && e->start == me->start &&
		    e->state == state && strcmp(e->object, object) == 0 &&
		    atomic_load(&e->phase) == OBJLOCK_GRANTED) {
			e->takes++;
			ipcobj_unlock(objlock_view.own);
			*slot = OBJLOCK_ENTRIES;	/* one more take */
			return (0);
		}
	}
	/* Full: the locks of holders that died die with them. */
	for (i = 0; free_slot == OBJLOCK_ENTRIES && hwm == OBJLOCK_ENTRIES &&
	    i < hwm; i++) {
		e = &t->e[i];
		p.pid = e->pid;
		p.start = e->start;
		if (!ipcproc_alive(&p)) {
			atomic_store(&e->phase, OBJLOCK_FREE);
			free_slot = i;
		}
	}
	if (free_slot == OBJLOCK_ENTRIES && hwm == OBJLOCK_ENTRIES) {
		ipcobj_unlock(objlock_view.own);
		return (EXITPT_E_FULL);
	}
	i = free_slot != OBJLOCK_ENTRIES ? free_slot : hwm;
	e = &t->e[i];
	memset(e->object, 0, sizeof(e->object));
	memcpy(e->object, object, strlen(object));
	e->state = (uint8_t)state;
	e->takes = 1;
	e->pid = me->pid;
	e->start = me->start;
	e->ticket = ticket;
	e->since = (int64_t)time(NULL);
	atomic_store_explicit(&e->phase, OBJLOCK_PENDING,
	    memory_order_release);
	if (i >= hwm)
		atomic_store(&t->hwm, i + 1);
	ipcobj_unlock(objlock_view.own);
	*slot = i;
	return (0);
}

/*
 * Free our entry in slot i, and wake waiters if it was granted (nobody
 * waits on a claim: a claim that backs off must not wake the others, or
 * they would run into it again and again).  Only this process changes its
 * entries (under the view's mutex), so the table's lock is needed only to
 * lower the high-water mark, and is not waited for long.
 */
static void
objlock_free(uint32_t i, int granted)
{
	struct ipcobj_deadline	d;

	ipcobj_deadline_set(&d, EXITPT_WAIT_NOWAIT);
	atomic_store_explicit(&objlock_view.t->e[i].phase, OBJLOCK_FREE,
	    memory_order_release);
	if (ipcobj_lock(objlock_view.own, &d) == 0) {
		objlock_shrink(objlock_view.t);
		ipcobj_unlock(objlock_view.own);
	}
	if (granted)
		ipcobj_notify(objlock_view.own);
}

/* Take a lock state on an object (see exitpt/objlock.h). */
int
exitpt_objlock_lock(const char *object, int state, double wait)
{
	struct objlock_conflict	 c;
	struct ipcobj_deadline	 d, cap;
	struct ipcobj_proc	 me;
	struct timespec		 pause = { 0, OBJLOCK_PAUSE_NS };
	struct ipcobj		*wo;
	uint64_t		 ticket = (uint64_t)ipcobj_now();
	uint32_t		 slot;
	int			 error, r;

	if ((error = exitpt_ipc_name_check(object)) != 0)
		return (error);
	if (!objlock_valid(state))
		return (EXITPT_E_VALUE);
	if ((error = ipcobj_deadline_set(&d, wait)) != 0)
		return (error);
	if ((error = ipcproc_self(&me)) != 0)
		return (error);
	pthread_once(&objlock_once, objlock_init_once);
	memset(&c, 0, sizeof(c));
	for (;;) {
		pthread_mutex_lock(&objlock_view.mtx);
		if ((error = objlock_own()) != 0 ||
		    (error = objlock_claim(object, state, &me, ticket, &d,
		    &slot)) != 0 || slot == OBJLOCK_ENTRIES) {
			pthread_mutex_unlock(&objlock_view.mtx);
			return (error);
		}
		/* The claim is visible before we look: see the top. */
		atomic_thread_fence(memory_order_seq_cst);
		pause.tv_nsec = OBJLOCK_PAUSE_NS;
		while ((error = objlock_refresh()) == 0 &&
		    (r = objlock_scan(object, state, &me, ticket, &c)) == 2) {
			if (ipcobj_deadline_passed(&d)) {
				error = EXITPT_E_TIMEOUT;
				break;
			}
			/*
			 * A younger claim is backing off: give it a moment,
			 * longer each time (a stopped process may never).
			 */
			nanosleep(&pause, NULL);
			if (pause.tv_nsec < OBJLOCK_PAUSE_MAX_NS)
				pause.tv_nsec *= 2;
		}
		if (error == 0 && r < 0)
			error = r;
		if (error == 0 && r == 0) {
			atomic_store(&objlock_view.t->e[slot].phase,
			    OBJLOCK_GRANTED);
			pthread_mutex_unlock(&objlock_view.mtx);
			return (0);
		}
		objlock_free(slot, 0);
		if (error != 0) {
			pthread_mutex_unlock(&objlock_view.mtx);
			return (error);
		}
		/* A conflict: wait for its table to change, then again. */
		wo = c.peer != NULL ? c.peer->o : objlock_view.own;
		pthread_mutex_unlock(&objlock_view.mtx);
		ipcobj_deadline_cap(&d, IPCOBJ_SLICE_MS, &cap);
		r = ipcobj_wait(wo, c.seen, &cap);
		if (c.peer != NULL) {
			pthread_mutex_lock(&objlock_view.mtx);
			objlock_peer_put(c.peer);
			pthread_mutex_unlock(&objlock_view.mtx);
		}
		if (ipcobj_deadline_passed(&d))
			return (EXITPT_E_TIMEOUT);
	}
}

/* Release one take of a state this process holds. */
int
exitpt_objlock_unlock(const char *object, int state)
{
	struct objlock_entry	*e;
	struct ipcobj_proc	 me;
	uint32_t		 i, hwm;
	int			 error;

	if ((error = exitpt_ipc_name_check(object)) != 0)
		return (error);
	if (!objlock_valid(state))
		return (EXITPT_E_VALUE);
	if ((error = ipcproc_self(&me)) != 0)
		return (error);
	pthread_once(&objlock_once, objlock_init_once);
	pthread_mutex_lock(&objlock_view.mtx);
	if ((error = objlock_own()) != 0)
		goto out;
	error = EXITPT_E_NOT_HELD;
	hwm = atomic_load(&objlock_view.t->hwm);
	for (i = 0; i < hwm && i < OBJLOCK_ENTRIES; i++) {
		e = &objlock_view.t->e[i];
		if (atomic_load(&e->phase) != OBJLOCK_GRANTED ||
		    e->pid != me.pid || e->start != me.start ||
		    e->state != state || strcmp(e->object, object) != 0)
			continue;
		if (e->takes > 1)
			e->takes--;
		else
			objlock_free(i, 1);
		error = 0;
		break;
	}
out:
	pthread_mutex_unlock(&objlock_view.mtx);
	return (error);
}

/* Append a live granted entry of user uid to a list. */
static int
objlock_list_add(struct exitpt_objlock_list *l, const struct objlock_entry *e,
    uid_t uid)
{
	struct objlock_item	*n;

	if (l->count == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		if ((n = reallocarray(l->it, l->cap, sizeof(*n))) == NULL)
			return (-ENOMEM);
		l->it = n;
	}
	l->it[l->count].e = *e;
	l->it[l->count].e.since = text_epoch(e->since);	/* uid wrote it */
	l->it[l->count].uid = uid;
	l->count++;
	return (0);
}

/* Add the live locks of one table to the list (arg), read as a copy. */
static int
objlock_list_cb(struct ipcobj *o, void *arg)
{
	struct exitpt_objlock_list	*l = arg;
	struct objlock_entry	*copy, *again;
	struct ipcobj_proc	 p;
	uint32_t		 n, i;
	int			 error;

	if (ipcobj_size(o) != sizeof(struct objlock_table)) {
		ipcobj_damage_add(&l->damage, "object lock table of uid %lu: %zu bytes, "
		    "not %zu", (unsigned long)ipcobj_owner(o), ipcobj_size(o),
		    sizeof(struct objlock_table));
		return (0);
	}
	if ((copy = calloc(OBJLOCK_ENTRIES, sizeof(*copy))) == NULL ||
	    (again = calloc(OBJLOCK_ENTRIES, sizeof(*again))) == NULL) {
		free(copy);
		return (-ENOMEM);
	}
	if ((error = objlock_read(o, copy, again, &n)) != 0) {
		free(copy);
		free(again);
		if (error == -ENOMEM)
			return (error);
		ipcobj_damage_add(&l->damage, "%s", exitpt_ipc_detail());
		return (0);
	}
	for (i = 0; i < n && error == 0; i++) {
		/* One that was changing is listed the next time. */
		if (copy[i].phase == OBJLOCK_FREE ||
		    objlock_changing(&copy[i], &again[i]))
			continue;
		if (!objlock_entry_ok(&copy[i])) {
			ipcobj_damage_add(&l->damage, "object lock table of uid %lu: "
			    "entry %u makes no sense",
			    (unsigned long)ipcobj_owner(o), i);
			continue;
		}
		p.pid = copy[i].pid;
		p.start = copy[i].start;
		if (copy[i].phase != OBJLOCK_GRANTED ||
		    !ipcproc_holder(&p, ipcobj_owner(o)))
			continue;
		error = objlock_list_add(l, &copy[i], ipcobj_owner(o));
	}
	free(copy);
	free(again);
	return (error);
}

/* Order listed locks by object, state, then pid. */
static int
objlock_entry_cmp(const void *a, const void *b)
{
	const struct objlock_entry	*x = &((const struct objlock_item *)
					    a)->e;
	const struct objlock_entry	*y = &((const struct objlock_item *)
					    b)->e;
	int				 c;

	if ((c = strcmp(x->object, y->object)) != 0)
		return (c);
	if (x->state != y->state)
		return (x->state < y->state ? -1 : 1);
	return (x->pid < y->pid ? -1 : x->pid > y->pid);
}

/*
 * Every live lock of every user, with damaged tables and entries skipped
 * and described.
 */
int
exitpt_objlock_list_get(struct exitpt_objlock_list **out)
{
	struct exitpt_objlock_list	*l;
	int				 error;

	*out = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return (-ENOMEM);
	if ((error = ipcobj_each_user(IPCOBJ_LOCKTAB, OBJLOCK_TABLE_NAME,
	    IPCOBJ_ANY_OWNER, objlock_list_cb, l, &l->damage)) != 0) {
		exitpt_objlock_list_free(l);
		return (error);
	}
	if (l->count > 1)
		qsort(l->it, l->count, sizeof(*l->it), objlock_entry_cmp);
	*out = l;
	return (0);
}

/* Number of locks in a list. */
size_t
exitpt_objlock_list_count(const struct exitpt_objlock_list *l)
{
	return (l->count);
}

/* Object name of lock i. */
const char *
exitpt_objlock_list_object(const struct exitpt_objlock_list *l, size_t i)
{
	return (i < l->count ? l->it[i].e.object : NULL);
}

/* State of lock i. */
int
exitpt_objlock_list_state(const struct exitpt_objlock_list *l, size_t i)
{
	return (i < l->count ? l->it[i].e.state : 0);
}

/* Takes of lock i. */
unsigned
exitpt_objlock_list_takes(const struct exitpt_objlock_list *l, size_t i)
{
	return (i < l->count ? l->it[i].e.takes : 0);
}

/* Holder pid of lock i. */
pid_t
exitpt_objlock_list_pid(const struct exitpt_objlock_list *l, size_t i)
{
	return (i < l->count ? l->it[i].e.pid : -1);
}

/* Holder user of lock i: the user whose table records it. */
uid_t
exitpt_objlock_list_uid(const struct exitpt_objlock_list *l, size_t i)
{
	return (i < l->count ? l->it[i].uid : (uid_t)-1);
}

/* When lock i was first taken. */
int64_t
exitpt_objlock_list_since(const struct exitpt_objlock_list *l, size_t i)
{
	return (i < l->count ? l->it[i].e.since : 0);
}

/* How many damaged tables or entries the listing skipped. */
size_t
exitpt_objlock_list_damaged(const struct exitpt_objlock_list *l)
{
	return (l->damage.n);
}

/* What is wrong with damaged table or entry i (the first 16 are said). */
const char *
exitpt_objlock_list_damage(const struct exitpt_objlock_list *l, size_t i)
{
	return (ipcobj_damage_get(&l->damage, i));
}

/* Free a lock list. */
void
exitpt_objlock_list_free(struct exitpt_objlock_list *l)
{
	if (l == NULL)
		return;
	ipcobj_damage_clear(&l->damage);
	free(l->it);
	free(l);
}
