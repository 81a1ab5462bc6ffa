/*
 * Object locks (see exitpt/objlock.h): one table of granted locks, shared
 * by every process, kept consistent by the table object's robust mutex.
 *
 * Entries are packed at the front of the table: an entry is written in
 * full before the used count grows over it, and a released entry is
 * replaced by the last one before the count shrinks.  A holder killed in
 * the middle leaves at worst the last entry twice, which the next locker
 * (told by EOWNERDEAD) removes before sweeping dead holders.  Dead holders
 * never wake anyone, so waiters also look again every OBJLOCK_RECHECK_MS.
 */
#include <sys/types.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"

#define OBJLOCK_ENTRIES		4096	/* locks granted at once, in all */
#define OBJLOCK_TABLE_NAME	"locks"
#define OBJLOCK_RECHECK_MS	100
#define OBJLOCK_BIT(s)		(1u << (s))

struct objlock_entry {
	char		 object[EXITPT_NAME_MAX + 1];
	uint8_t		 state;
	uint8_t		 pad[2];
	uint32_t	 takes;
	int32_t		 pid;
	uint64_t	 start;		/* holder's process start time */
	uint32_t	 uid;
	uint32_t	 pad2;
	int64_t		 since;		/* CLOCK_REALTIME, seconds */
};

struct objlock_table {
	uint32_t		 nused;
	uint32_t		 pad;
	struct objlock_entry	 e[OBJLOCK_ENTRIES];
};

struct exitpt_objlock_list {
	struct objlock_entry	*e;
	size_t			 count;
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

static pthread_mutex_t		 objlock_mtx = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(struct ipcobj *)	 objlock_obj;

static int	 objlock_valid(int);
static int	 objlock_table_get(struct ipcobj **);
static int	 objlock_enter(struct ipcobj *, struct objlock_table **);
static void	 objlock_remove(struct objlock_table *, uint32_t);
static int	 objlock_sweep(struct objlock_table *);
static int	 objlock_try(struct objlock_table *, const char *, int,
		     const struct ipcobj_proc *, int *);
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

/* The shared lock table, opened or created on first use and kept. */
static int
objlock_table_get(struct ipcobj **out)
{
	struct ipcobj	*o;
	int		 error = 0;

	if ((*out = atomic_load(&objlock_obj)) != NULL)
		return (0);
	pthread_mutex_lock(&objlock_mtx);
	if ((o = atomic_load(&objlock_obj)) == NULL) {
		error = ipcobj_open_or_create(IPCOBJ_LOCKTAB,
		    OBJLOCK_TABLE_NAME, IPCOBJ_READ | IPCOBJ_WRITE, 0666,
		    sizeof(struct objlock_table), 0, NULL, NULL, &o);
		if (error == 0)
			atomic_store(&objlock_obj, o);
	}
	pthread_mutex_unlock(&objlock_mtx);
	*out = o;
	return (error);
}

/* Lock the table, repairing it if the last holder of its mutex died. */
static int
objlock_enter(struct ipcobj *o, struct objlock_table **out)
{
	struct objlock_table	*t = ipcobj_data(o);
	int			 rv;
	uint32_t		 i;

	if ((rv = ipcobj_lock(o)) < 0)
		return (rv);
	if (rv == 1) {
		if (t->nused > OBJLOCK_ENTRIES)
			t->nused = OBJLOCK_ENTRIES;
		for (i = 0; t->nused > 1 && i + 1 < t->nused; i++) {
			if (memcmp(&t->e[i], &t->e[t->nused - 1],
			    sizeof(t->e[i])) == 0) {
				t->nused--;
				break;
			}
		}
		if (objlock_sweep(t) > 0)
			ipcobj_notify(o);
	}
	*out = t;
	return (0);
}

/* Remove entry i, moving the last entry into its place. */
static void
objlock_remove(struct objlock_table *t, uint32_t i)
{
	if (i + 1 < t->nused)
		t->e[i] = t->e[t->nused - 1];
	t->nused--;
}

/* Remove every entry of a dead process; returns how many. */
static int
objlock_sweep(struct objlock_table *t)
{
	struct ipcobj_proc	p;
	uint32_t		i;
	int			n = 0;

	for (i = 0; i < t->nused; ) {
		p.pid = t->e[i].pid;
		p.start = t->e[i].start;
		if (!ipcobj_proc_alive(&p)) {
			objlock_remove(t, i);
			n++;
		} else
			i++;
	}
	return (n);
}

/*
 * Grant a state to me if no live process holds a conflicting one.  Dead
 * conflicting holders are removed (*changed is then set).  Returns 0
 * (granted), 1 (conflict) or EXITPT_E_FULL.
 */
static int
objlock_try(struct objlock_table *t, const char *object, int state,
    const struct ipcobj_proc *me, int *changed)
{
	struct objlock_entry	*e, *mine = NULL;
	struct ipcobj_proc	 p;
	uint32_t		 i;

	for (i = 0; i < t->nused; ) {
		e = &t->e[i];
		if (strcmp(e->object, object) != 0) {
			i++;
			continue;
		}
		if (e->pid == me->pid && e->start == me->start) {
			if (e->state == state)
				mine = e;
			i++;
			continue;
		}
		if (exitpt_objlock_compatible(e->state, state)) {
			i++;
			continue;
		}
		p.pid = e->pid;
		p.start = e->start;
		if (ipcobj_proc_alive(&p))
			return (1);
		objlock_remove(t, i);
		*changed = 1;
		if (mine == &t->e[t->nused])
			mine = e;	/* our entry moved into slot i */
	}
	if (mine != NULL) {
		mine->takes++;
		return (0);
	}
	if (t->nused == OBJLOCK_ENTRIES) {
		if (objlock_sweep(t) == 0)
			return (EXITPT_E_FULL);
		*changed = 1;
	}
	e = &t->e[t->nused];
	memset(e, 0, sizeof(*e));
	memcpy(e->object, object, strlen(object) + 1);
	e->state = (uint8_t)state;
	e->takes = 1;
	e->pid = me->pid;
	e->start = me->start;
	e->uid = (uint32_t)geteuid();
	e->since = (int64_t)time(NULL);
	t->nused++;		/* last: the entry is complete now */
	return (0);
}

/*
 * Open or create the lock table now.  exitd calls this at start so that
 * root owns the table: systemd-logind's RemoveIPC removes the shared
 * memory of a regular user who logs out, which would split the table.
 */
int
objlock_init(void)
{
	struct ipcobj	*o;

	return (objlock_table_get(&o));
}

/* Take a lock state on an object (see exitpt/objlock.h). */
int
exitpt_objlock_lock(const char *object, int state, double wait)
{
	struct ipcobj_deadline	 d, cap;
	struct objlock_table	*t;
	struct ipcobj_proc	 me;
	struct ipcobj		*o;
	uint32_t		 seen;
	int			 error, changed;

	if ((error = exitpt_ipc_name_check(object)) != 0)
		return (error);
	if (!objlock_valid(state))
		return (EXITPT_E_VALUE);
	if ((error = ipcobj_deadline_set(&d, wait)) != 0)
		return (error);
	if ((error = ipcobj_proc_self(&me)) != 0)
		return (error);
	if ((error = objlock_table_get(&o)) != 0)
		return (error);
	for (;;) {
		if ((error = objlock_enter(o, &t)) != 0)
			return (error);
		changed = 0;
		error = objlock_try(t, object, state, &me, &changed);
		seen = ipcobj_seq(o);
		if (changed)
			ipcobj_notify(o);
		ipcobj_unlock(o);
		if (error <= 0)
			return (error);
		ipcobj_deadline_cap(&d, OBJLOCK_RECHECK_MS, &cap);
		error = ipcobj_wait(o, seen, &cap);
		if (error == EXITPT_E_TIMEOUT && !ipcobj_deadline_passed(&d))
			continue;
		if (error != 0)
			return (error);
	}
}

/* Release one take of a state this process holds. */
int
exitpt_objlock_unlock(const char *object, int state)
{
	struct objlock_table	*t;
	struct objlock_entry	*e;
	struct ipcobj_proc	 me;
	struct ipcobj		*o;
	uint32_t		 i;
	int			 error;

	if ((error = exitpt_ipc_name_check(object)) != 0)
		return (error);
	if (!objlock_valid(state))
		return (EXITPT_E_VALUE);
	if ((error = ipcobj_proc_self(&me)) != 0)
		return (error);
	if ((error = objlock_table_get(&o)) != 0)
		return (error);
	if ((error = objlock_enter(o, &t)) != 0)
		return (error);
	error = EXITPT_E_NOT_HELD;
	for (i = 0; i < t->nused; i++) {
		e = &t->e[i];
		if (e->pid != me.pid || e->start != me.start ||
		    e->state != state || strcmp(e->object, object) != 0)
			continue;
		if (--e->takes == 0) {
			objlock_remove(t, i);
			ipcobj_notify(o);
		}
		error = 0;
		break;
	}
	ipcobj_unlock(o);
	return (error);
}

/* Order entries by object, state, then pid. */
static int
objlock_entry_cmp(const void *a, const void *b)
{
	const struct objlock_entry	*x = a, *y = b;
	int				 c;

	if ((c = strcmp(x->object, y->object)) != 0)
		return (c);
	if (x->state != y->state)
		return (x->state < y->state ? -1 : 1);
	return (x->pid < y->pid ? -1 : x->pid > y->pid);
}

/* Every live lock, swept of dead holders first. */
int
exitpt_objlock_list_get(struct exitpt_objlock_list **out)
{
	struct exitpt_objlock_list	*l;
	struct objlock_table		*t;
	struct ipcobj			*o;
	int				 error;

	*out = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return (-ENOMEM);
	if ((error = objlock_table_get(&o)) != 0 ||
	    (error = objlock_enter(o, &t)) != 0) {
		free(l);
		return (error);
	}
	if (objlock_sweep(t) > 0)
		ipcobj_notify(o);
	if (t->nused > 0 &&
	    (l->e = calloc(t->nused, sizeof(*l->e))) == NULL) {
		ipcobj_unlock(o);
		free(l);
		return (-ENOMEM);
	}
	if (t->nused > 0)
		memcpy(l->e, t->e, t->nused * sizeof(*l->e));
	l->count = t->nused;
	ipcobj_unlock(o);
	if (l->count > 0)
		qsort(l->e, l->count, sizeof(*l->e), objlock_entry_cmp);
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
	return (i < l->count ? l->e[i].object : NULL);
}

/* State of lock i. */
int
exitpt_objlock_list_state(const struct exitpt_objlock_list *l, size_t i)
{
	return (i < l->count ? l->e[i].state : 0);
}

/* Takes of lock i. */
unsigned
exitpt_objlock_list_takes(const struct exitpt_objlock_list *l, size_t i)
{
	return (i < l->count ? l->e[i].takes : 0);
}

/* Holder pid of lock i. */
pid_t
exitpt_objlock_list_pid(const struct exitpt_objlock_list *l, size_t i)
{
	return (i < l->count ? l->e[i].pid : -1);
}

/* Holder user of lock i. */
uid_t
exitpt_objlock_list_uid(const struct exitpt_objlock_list *l, size_t i)
{
	return (i < l->count ? (uid_t)l->e[i].uid : (uid_t)-1);
}

/* When lock i was first taken. */
int64_t
exitpt_objlock_list_since(const struct exitpt_objlock_list *l, size_t i)
{
	return (i < l->count ? l->e[i].since : 0);
}

/* Free a lock list. */
void
exitpt_objlock_list_free(struct exitpt_objlock_list *l)
{
	if (l == NULL)
		return;
	free(l->e);
	free(l);
}
