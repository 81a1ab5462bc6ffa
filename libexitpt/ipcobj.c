/*
 * Typed IPC objects in POSIX shared memory: the layer under critical
 * sections, object locks, data queues, data areas and job interrupt.
 *
 * A segment "/<prefix>.<namespace>.<name>" starts with a header (magic,
 * version, type, owner, group, mode, data size), then the type's data.
 * The header holds a process-shared robust mutex for the data's
 * consistency and a change counter used as a futex word for waiting.
 *
 * Why a futex on a change counter rather than a process-shared condition
 * variable or semaphores: glibc's condition variable keeps waiter state in
 * the shared segment, and a waiter killed by SIGKILL can leave it so that
 * a later signal is absorbed; a semaphore counts posts, so waking every
 * waiter needs one post per waiter, which nobody can count after a death.
 * A futex wait keeps no state in the segment: a dead waiter leaves
 * nothing behind, notify is "bump the counter, wake all", and waiters on
 * a read-only mapping can still wait, which the published flag objects
 * (IPCOBJ_PUBLISH) need.  Waits use FUTEX_WAIT_BITSET with an absolute
 * CLOCK_MONOTONIC deadline, so retries never stretch a wait.
 *
 * Modes.  The segment's own permissions enforce who may reach an object
 * at all: a class (user, group, other) with read or write in the object's
 * mode gets read-write on the segment, because taking the consistency
 * mutex writes to it; the read/write distinction inside is then checked
 * here against the header.  IPCOBJ_PUBLISH objects are only ever changed
 * by their owner, so their segment carries the mode exactly and readers
 * map them read-only.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"

#define IPCOBJ_MAGIC		0x54505845u	/* "EXPT" */
#define IPCOBJ_VERSION		1u
#define IPCOBJ_SHM_DIR		"/dev/shm"
#define IPCOBJ_PREFIX_MAX	32
#define IPCOBJ_SHM_NAME_MAX	(1 + IPCOBJ_PREFIX_MAX + 1 + 16 + 1 + \
				    EXITPT_NAME_MAX + 1)
#define IPCOBJ_READY_WAIT_NS	(1000 * 1000 * 1000LL)	/* creator racing us */

struct ipcobj_hdr {
	uint32_t		 magic;
	uint32_t		 version;
	uint32_t		 type;
	uint32_t		 flags;		/* IPCOBJ_PUBLISH */
	uint64_t		 size;		/* bytes of data after header */
	uint32_t		 owner;
	uint32_t		 group;
	uint32_t		 mode;
	uint32_t		 pad0;
	int64_t			 created;	/* CLOCK_REALTIME, seconds */
	char			 name[EXITPT_NAME_MAX + 1];
	_Atomic uint32_t	 ready;		/* header and data are set */
	_Atomic uint32_t	 seq;		/* change counter, futex word */
	_Atomic uint32_t	 deleted;	/* unlinked: holders let go */
	pthread_mutex_t		 mutex;		/* robust, process-shared */
};

#define IPCOBJ_DATA_OFFSET	((sizeof(struct ipcobj_hdr) + 63) & ~(size_t)63)

struct ipcobj {
	struct ipcobj_hdr	*hdr;
	size_t			 maplen;
	int			 writable;
	int			 type;
	dev_t			 dev;
	ino_t			 ino;
	char			 shm[IPCOBJ_SHM_NAME_MAX];
};

static const struct {
	const char	*name;
	const char	*ns;
} ipcobj_types[] = {
	[IPCOBJ_CRITICAL] = { "critical section table", "crit" },
	[IPCOBJ_PENDING] = { "suspend-pending flag", "sys" },
	[IPCOBJ_LOCKTAB] = { "object lock table", "sys" },
	[IPCOBJ_DTAQ] = { "data queue", "obj" },
	[IPCOBJ_DTAARA] = { "data area", "obj" },
	[IPCOBJ_JOBITP] = { "job interrupt endpoint", "jobitp" },
};

static struct ipcobj_proc	 ipcobj_self;
static _Atomic int		 ipcobj_self_valid;
static pthread_once_t		 ipcobj_self_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t		 ipcobj_self_mtx = PTHREAD_MUTEX_INITIALIZER;

static int	 ipcobj_type_valid(int);
static int64_t	 ipcobj_now(void);
static mode_t	 ipcobj_shm_mode(mode_t, int);
static int	 ipcobj_unready(const char *);
static int	 ipcobj_list_cmp(const void *, const void *);
static int	 ipcobj_map(int, int, int, const char *, const char *,
		     struct ipcobj **);
static void	 ipcobj_finish_unlink(struct ipcobj *);
static void	 ipcobj_self_reset(void);
static void	 ipcobj_self_init(void);

/* Characters allowed in object names: [A-Za-z0-9_.$#@-]. */
static const unsigned char ipcobj_name_chars[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
	['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
	['_'] = 1, ['.'] = 1, ['$'] = 1, ['#'] = 1, ['@'] = 1, ['-'] = 1,
};

/* 0 if name is a valid object name, else EXITPT_E_NAME. */
int
exitpt_ipc_name_check(const char *name)
{
	size_t	i;

	if (name == NULL || name[0] == '.' || name[0] == '-')
		return (EXITPT_E_NAME);
	for (i = 0; name[i] != '\0'; i++) {
		if (i >= EXITPT_NAME_MAX ||
		    !ipcobj_name_chars[(unsigned char)name[i]])
			return (EXITPT_E_NAME);
	}
	return (i == 0 ? EXITPT_E_NAME : 0);
}

/* Parse a wait time: forever, none, or decimal seconds. */
int
exitpt_ipc_wait_parse(const char *text, double *wait)
{
	char	*end;
	double	 v;
	size_t	 i;

	if (text == NULL || text[0] == '\0')
		return (EXITPT_E_VALUE);
	if (strcmp(text, "forever") == 0 || strcmp(text, "*nomax") == 0 ||
	    strcmp(text, "*NOMAX") == 0) {
		*wait = EXITPT_WAIT_FOREVER;
		return (0);
	}
	if (strcmp(text, "none") == 0) {
		*wait = EXITPT_WAIT_NOWAIT;
		return (0);
	}
	/* Plain decimal only: strtod would also take hex, "inf" and "nan". */
	for (i = 0; text[i] != '\0'; i++) {
		if ((text[i] < '0' || text[i] > '9') && text[i] != '.' &&
		    !(i == 0 && text[i] == '-'))
			return (EXITPT_E_VALUE);
	}
	errno = 0;
	v = strtod(text, &end);
	if (*end != '\0' || end == text || errno != 0 || isnan(v) ||
	    v > EXITPT_IPC_WAIT_MAX)
		return (EXITPT_E_VALUE);
	*wait = v < 0 ? EXITPT_WAIT_FOREVER : v;
	return (0);
}

/* 1 if type is one of the IPCOBJ_* types. */
static int
ipcobj_type_valid(int type)
{
	return (type > 0 && (size_t)type < nitems(ipcobj_types) &&
	    ipcobj_types[type].name != NULL);
}

/* Human name of an object type, for messages. */
const char *
ipcobj_type_name(int type)
{
	if (!ipcobj_type_valid(type))
		return ("unknown object");
	return (ipcobj_types[type].name);
}

/*
 * The shared memory prefix: EXITPT_IPC_PREFIX or "exitpt", or NULL when
 * the environment holds an invalid one.
 */
const char *
ipcobj_prefix(void)
{
	const char	*p;
	size_t		 i;

	p = getenv(EXITPT_IPC_PREFIX_ENV);
	if (p == NULL || *p == '\0')
		return (EXITPT_IPC_PREFIX_DEFAULT);
	for (i = 0; p[i] != '\0'; i++) {
		if (i >= IPCOBJ_PREFIX_MAX)
			return (NULL);
		if ((p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= 'A' && p[i] <= 'Z') ||
		    (p[i] >= '0' && p[i] <= '9') || p[i] == '_' || p[i] == '-')
			continue;
		return (NULL);
	}
	return (p);
}

/* Build the shared memory name of an object ("/prefix.ns.name"). */
int
ipcobj_shm_name(int type, const char *name, char *buf, size_t len)
{
	const char	*prefix;
	int		 n;

	if (!ipcobj_type_valid(type))
		return (-EINVAL);
	if (exitpt_ipc_name_check(name) != 0 ||
	    (prefix = ipcobj_prefix()) == NULL)
		return (EXITPT_E_NAME);
	n = snprintf(buf, len, "/%s.%s.%s", prefix, ipcobj_types[type].ns,
	    name);
	if (n < 0 || (size_t)n >= len)
		return (EXITPT_E_NAME);
	return (0);
}

/* Monotonic time in nanoseconds. */
static int64_t
ipcobj_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec);
}

/*
 * Segment permissions for an object mode: see the comment at the top of
 * the file.
 */
static mode_t
ipcobj_shm_mode(mode_t mode, int flags)
{
	mode_t	m = 0600;	/* the owner can always reach, to delete */

	if (flags & IPCOBJ_PUBLISH)
		return (m | (mode & 0066));
	if (mode & 0060)
		m |= 0060;
	if (mode & 0006)
		m |= 0006;
	return (m);
}

/*
 * Create an object of a type with size bytes of zeroed data, which init
 * (if not NULL) fills in before anyone else can use the object.
 */
int
ipcobj_create(int type, const char *name, mode_t mode, size_t size,
    int flags, ipcobj_init_cb init, void *arg, struct ipcobj **out)
{
	struct ipcobj		*o;
	struct ipcobj_hdr	*h;
	pthread_mutexattr_t	 ma;
	struct stat		 st;
	size_t			 len;
	int			 fd, error;

	*out = NULL;
	if (!ipcobj_type_valid(type))
		return (-EINVAL);
	if ((mode & ~(mode_t)0666) != 0)
		return (EXITPT_E_VALUE);
	if (size > IPCOBJ_SIZE_MAX)
		return (EXITPT_E_TOO_LONG);
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return (-ENOMEM);
	if ((error = ipcobj_shm_name(type, name, o->shm, sizeof(o->shm))) != 0)
		goto fail;
	/* Mode 0 until ready: nobody else can open a half-made object. */
	fd = shm_open(o->shm, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd == -1) {
		error = -errno;
		goto fail;
	}
	len = IPCOBJ_DATA_OFFSET + size;
	if (ftruncate(fd, (off_t)len) == -1 || fstat(fd, &st) == -1) {
		error = -errno;
		goto unlink;
	}
	h = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED) {
		error = -errno;
		goto unlink;
	}
	o->hdr = h;
	o->maplen = len;
	o->writable = 1;
	o->type = type;
	o->dev = st.st_dev;
	o->ino = st.st_ino;
	h->magic = IPCOBJ_MAGIC;
	h->version = IPCOBJ_VERSION;
	h->type = (uint32_t)type;
	h->flags = (uint32_t)flags;
	h->size = size;
	h->owner = (uint32_t)geteuid();
	h->group = (uint32_t)getegid();
	h->mode = (uint32_t)mode;
	h->created = (int64_t)time(NULL);
	snprintf(h->name, sizeof(h->name), "%s", name);
	if ((error = pthread_mutexattr_init(&ma)) != 0) {
		error = -error;
		goto unmap;
	}
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	error = pthread_mutex_init(&h->mutex, &ma);
	pthread_mutexattr_destroy(&ma);
	if (error != 0) {
		error = -error;
		goto unmap;
	}
	if (init != NULL &&
	    (error = init((char *)h + IPCOBJ_DATA_OFFSET, size, arg)) != 0)
		goto unmap;
	if (fchmod(fd, ipcobj_shm_mode(mode, flags)) == -1) {
		error = -errno;
		goto unmap;
	}
	close(fd);
	atomic_store(&h->ready, 1);
	syscall(SYS_futex, &h->ready, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	*out = o;
	return (0);

unmap:
	munmap(o->hdr, o->maplen);
unlink:
	shm_unlink(o->shm);
	close(fd);
fail:
	free(o);
	return (error);
}

/* 1 if a segment exists with mode 0: its creator is still at work. */
static int
ipcobj_unready(const char *shm)
{
	char		path[sizeof(IPCOBJ_SHM_DIR) + IPCOBJ_SHM_NAME_MAX];
	struct stat	st;

	snprintf(path, sizeof(path), "%s%s", IPCOBJ_SHM_DIR, shm);
	return (stat(path, &st) == 0 && (st.st_mode & 0777) == 0);
}

/*
 * Open the segment of an object and map it; with access 0 only the
 * header is checked (as for listing).
 */
static int
ipcobj_map(int type, int access, int wait_ready, const char *name,
    const char *shm, struct ipcobj **out)
{
	struct ipcobj		*o;
	struct ipcobj_hdr	*h;
	struct stat		 st;
	struct timespec		 ts = { 0, 1000 * 1000 };
	int64_t			 until;
	int			 fd, error, writable = 1;

	/*
	 * A creator keeps its segment at mode 0 until it is initialised:
	 * an EACCES on such a segment means "not ready yet", not "denied".
	 */
	until = ipcobj_now() + IPCOBJ_READY_WAIT_NS;
	for (;;) {
		writable = 1;
		fd = shm_open(shm, O_RDWR | O_CLOEXEC, 0);
		if (fd == -1 && errno == EACCES &&
		    (access & IPCOBJ_WRITE) == 0) {
			writable = 0;
			fd = shm_open(shm, O_RDONLY | O_CLOEXEC, 0);
		}
		if (fd != -1)
			break;
		error = -errno;
		if (error != -EACCES || !wait_ready ||
		    !ipcobj_unready(shm) || ipcobj_now() > until)
			return (error);
		nanosleep(&ts, NULL);
	}
	/* root opens even a mode 0 segment: wait for its size too. */
	for (;;) {
		if (fstat(fd, &st) == -1) {
			error = -errno;
			close(fd);
			return (error);
		}
		if ((size_t)st.st_size >= IPCOBJ_DATA_OFFSET ||
		    !wait_ready || ipcobj_now() > until)
			break;
		nanosleep(&ts, NULL);
	}
	if ((size_t)st.st_size < IPCOBJ_DATA_OFFSET) {
		close(fd);
		return (EXITPT_E_MALFORMED);
	}
	h = mmap(NULL, (size_t)st.st_size, writable ? PROT_READ | PROT_WRITE :
	    PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (h == MAP_FAILED)
		return (-errno);
	if ((o = calloc(1, sizeof(*o))) == NULL) {
		munmap(h, (size_t)st.st_size);
		return (-ENOMEM);
	}
	o->hdr = h;
	o->maplen = (size_t)st.st_size;
	o->writable = writable;
	o->type = type;
	o->dev = st.st_dev;
	o->ino = st.st_ino;
	snprintf(o->shm, sizeof(o->shm), "%s", shm);
	if (h->magic != IPCOBJ_MAGIC || h->version != IPCOBJ_VERSION) {
		error = EXITPT_E_MALFORMED;
		goto fail;
	}
	if (wait_ready && atomic_load(&h->ready) == 0) {
		struct timespec	rel = { 1, 0 };

		syscall(SYS_futex, &h->ready, FUTEX_WAIT, 0, &rel, NULL, 0);
	}
	if (atomic_load(&h->ready) == 0) {
		error = EXITPT_E_MALFORMED;
		goto fail;
	}
	if (h->type != (uint32_t)type) {
		error = EXITPT_E_TYPE;
		goto fail;
	}
	if (IPCOBJ_DATA_OFFSET + h->size != o->maplen ||
	    h->owner != (uint32_t)st.st_uid ||
	    h->name[sizeof(h->name) - 1] != '\0' ||
	    strcmp(h->name, name) != 0) {
		error = EXITPT_E_MALFORMED;
		goto fail;
	}
	if (access != 0 && !ipcobj_access(o, access)) {
		error = -EACCES;
		goto fail;
	}
	if ((access & IPCOBJ_WRITE) && !writable) {
		error = -EACCES;
		goto fail;
	}
	*out = o;
	return (0);

fail:
	ipcobj_close(o);
	return (error);
}

/* Open an existing object of a type for the given IPCOBJ_READ/_WRITE. */
int
ipcobj_open(int type, const char *name, int access, struct ipcobj **out)
{
	char	shm[IPCOBJ_SHM_NAME_MAX];
	int	error;

	*out = NULL;
	if ((error = ipcobj_shm_name(type, name, shm, sizeof(shm))) != 0)
		return (error);
	return (ipcobj_map(type, access, 1, name, shm, out));
}

/*
 * Open an object, creating it first when it does not exist; losing a
 * creation race to another process just opens its object.
 */
int
ipcobj_open_or_create(int type, const char *name, int access, mode_t mode,
    size_t size, int flags, ipcobj_init_cb init, void *arg,
    struct ipcobj **out)
{
	int	error, tries;

	for (tries = 0; tries < 100; tries++) {
		error = ipcobj_open(type, name, access, out);
		if (error != -ENOENT)
			return (error);
		error = ipcobj_create(type, name, mode, size, flags, init, arg,
		    out);
		if (error != -EEXIST)
			return (error);
	}
	return (-EAGAIN);
}

/* Unmap an object and free its handle. */
void
ipcobj_close(struct ipcobj *o)
{
	if (o == NULL)
		return;
	munmap(o->hdr, o->maplen);
	free(o);
}

/* 1 if the caller's credentials allow access (IPCOBJ_READ/_WRITE). */
int
ipcobj_access(const struct ipcobj *o, int access)
{
	const struct ipcobj_hdr	*h = o->hdr;
	gid_t			 groups[NGROUPS_MAX];
	uid_t			 uid = geteuid();
	mode_t			 want = 0, bits;
	int			 n, i, member;

	if (uid == 0)
		return (1);
	if (access & IPCOBJ_READ)
		want |= 4;
	if (access & IPCOBJ_WRITE)
		want |= 2;
	if (uid == h->owner)
		bits = (h->mode >> 6) & 7;
	else {
		member = getegid() == h->group;
		n = getgroups(NGROUPS_MAX, groups);
		for (i = 0; !member && i < n; i++)
			member = groups[i] == h->group;
		bits = member ? (h->mode >> 3) & 7 : h->mode & 7;
	}
	return ((bits & want) == want);
}

/*
 * Finish deleting an object whose deleted flag is set: unlink its name
 * unless the name already belongs to a newer object.
 */
static void
ipcobj_finish_unlink(struct ipcobj *o)
{
	char		path[sizeof(IPCOBJ_SHM_DIR) + IPCOBJ_SHM_NAME_MAX];
	struct stat	st;

	snprintf(path, sizeof(path), "%s%s", IPCOBJ_SHM_DIR, o->shm);
	if (stat(path, &st) == 0 && st.st_dev == o->dev &&
	    st.st_ino == o->ino)
		shm_unlink(o->shm);
}

/*
 * Delete an object held open: mark it deleted (waiters and later lockers
 * see -ENOENT), wake every waiter, and unlink its name.  The caller holds
 * the object's lock.
 */
int
ipcobj_remove(struct ipcobj *o)
{
	if (!o->writable)
		return (-EACCES);
	if (geteuid() != 0 && geteuid() != o->hdr->owner)
		return (-EACCES);
	atomic_store(&o->hdr->deleted, 1);
	ipcobj_finish_unlink(o);
	ipcobj_notify(o);
	return (0);
}

/* Delete an object by name; only its owner or root may. */
int
ipcobj_unlink(int type, const char *name)
{
	struct ipcobj	*o;
	int		 error;

	if ((error = ipcobj_open(type, name, 0, &o)) != 0)
		return (error);
	if ((error = ipcobj_lock(o)) >= 0) {
		error = ipcobj_remove(o);
		ipcobj_unlock(o);
	}
	ipcobj_close(o);
	return (error);
}

/* The object's data, after the header. */
void *
ipcobj_data(struct ipcobj *o)
{
	return ((char *)o->hdr + IPCOBJ_DATA_OFFSET);
}

/* Size of the object's data in bytes. */
size_t
ipcobj_size(const struct ipcobj *o)
{
	return ((size_t)o->hdr->size);
}

/* The object's name. */
const char *
ipcobj_name(const struct ipcobj *o)
{
	return (o->hdr->name);
}

/* The user that created the object. */
uid_t
ipcobj_owner(const struct ipcobj *o)
{
	return ((uid_t)o->hdr->owner);
}

/* The group of the user that created the object. */
gid_t
ipcobj_group(const struct ipcobj *o)
{
	return ((gid_t)o->hdr->group);
}

/* The object's mode (0666 bits). */
mode_t
ipcobj_mode(const struct ipcobj *o)
{
	return ((mode_t)o->hdr->mode);
}

/* 1 if this handle mapped the object writable. */
int
ipcobj_writable(const struct ipcobj *o)
{
	return (o->writable);
}

/* 1 if the object has been deleted since it was opened. */
int
ipcobj_deleted(const struct ipcobj *o)
{
	return (atomic_load(&o->hdr->deleted) != 0);
}

/*
 * Take the object's consistency lock.  Returns 0, or 1 when the previous
 * holder died while holding it: the caller must repair the data before
 * unlocking (the mutex is already marked consistent).  -ENOENT when the
 * object was deleted (the lock is not held then), -EACCES on a read-only
 * handle.
 */
int
ipcobj_lock(struct ipcobj *o)
{
	int	error, recovered = 0;

	if (!o->writable)
		return (-EACCES);
	error = pthread_mutex_lock(&o->hdr->mutex);
	if (error == EOWNERDEAD) {
		pthread_mutex_consistent(&o->hdr->mutex);
		recovered = 1;
	} else if (error != 0)
		return (-error);
	if (atomic_load(&o->hdr->deleted)) {
		/* The deleter may have died between marking and unlinking. */
		ipcobj_finish_unlink(o);
		pthread_mutex_unlock(&o->hdr->mutex);
		return (-ENOENT);
	}
	return (recovered);
}

/* Release the object's consistency lock. */
void
ipcobj_unlock(struct ipcobj *o)
{
	pthread_mutex_unlock(&o->hdr->mutex);
}

/*
 * The object's change counter: read it under the lock before unlocking
 * and waiting, so that a change made in between is never missed.
 */
uint32_t
ipcobj_seq(const struct ipcobj *o)
{
	return (atomic_load(&o->hdr->seq));
}

/* Record a change and wake every waiter. */
void
ipcobj_notify(struct ipcobj *o)
{
	atomic_fetch_add(&o->hdr->seq, 1);
	syscall(SYS_futex, &o->hdr->seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/*
 * Turn a wait time in seconds (see exitpt/ipc.h) into a deadline.
 * Returns 0 or EXITPT_E_VALUE.
 */
int
ipcobj_deadline_set(struct ipcobj_deadline *d, double wait)
{
	if (isnan(wait) || wait > EXITPT_IPC_WAIT_MAX)
		return (EXITPT_E_VALUE);
	d->forever = wait < 0;
	d->at = 0;
	if (!d->forever)
		d->at = ipcobj_now() + (int64_t)(wait * 1e9);
	return (0);
}

/*
 * A deadline at most ms milliseconds from now, for waits that must also
 * look again now and then (dead holders do not notify).
 */
void
ipcobj_deadline_cap(const struct ipcobj_deadline *d, long ms,
    struct ipcobj_deadline *out)
{
	int64_t	cap = ipcobj_now() + (int64_t)ms * 1000000LL;

	out->forever = 0;
	out->at = (d->forever || d->at > cap) ? cap : d->at;
}

/* 1 if the deadline has passed. */
int
ipcobj_deadline_passed(const struct ipcobj_deadline *d)
{
	return (!d->forever && ipcobj_now() >= d->at);
}

/*
 * Wait until the change counter moves away from seen or the deadline
 * passes.  Returns 0 (look again: woken, changed, or interrupted),
 * EXITPT_E_TIMEOUT, or -ENOENT when the object was deleted.
 */
int
ipcobj_wait(struct ipcobj *o, uint32_t seen, const struct ipcobj_deadline *d)
{
	struct timespec	 ts, *tp = NULL;
	long		 rv;

	if (atomic_load(&o->hdr->deleted))
		return (-ENOENT);
	if (!d->forever) {
		if (ipcobj_now() >= d->at)
			return (EXITPT_E_TIMEOUT);
		ts.tv_sec = d->at / 1000000000LL;
		ts.tv_nsec = d->at % 1000000000LL;
		tp = &ts;
	}
	/* FUTEX_WAIT_BITSET: absolute timeout on CLOCK_MONOTONIC. */
	rv = syscall(SYS_futex, &o->hdr->seq, FUTEX_WAIT_BITSET, seen, tp,
	    NULL, FUTEX_BITSET_MATCH_ANY);
	if (rv == -1 && errno == ETIMEDOUT)
		return (EXITPT_E_TIMEOUT);
	if (atomic_load(&o->hdr->deleted))
		return (-ENOENT);
	return (0);
}

/*
 * Read a process's identity (pid and start time).  -ESRCH if there is no
 * such process or it has already exited (a zombie is not a holder).
 */
int
ipcobj_proc_get(pid_t pid, struct ipcobj_proc *p)
{
	struct procstat	ps;
	int		error;

	if ((error = procstat_read(pid, &ps)) != 0)
		return (error);
	if (ps.state == 'Z' || ps.state == 'X')
		return (-ESRCH);
	p->pid = pid;
	p->start = ps.start;
	return (0);
}

/* Forget the cached identity in a forked child. */
static void
ipcobj_self_reset(void)
{
	atomic_store(&ipcobj_self_valid, 0);
	ipcobj_self.pid = 0;
	pthread_mutex_init(&ipcobj_self_mtx, NULL);
}

/* Install the fork handler that keeps the cached identity right. */
static void
ipcobj_self_init(void)
{
	pthread_atfork(NULL, NULL, ipcobj_self_reset);
}

/*
 * The calling process's identity, cached (reading /proc, even getpid,
 * costs more than a critical section): written once under the mutex,
 * then read without it.
 */
int
ipcobj_proc_self(struct ipcobj_proc *p)
{
	int	error = 0;

	if (atomic_load_explicit(&ipcobj_self_valid, memory_order_acquire)) {
		*p = ipcobj_self;
		return (0);
	}
	pthread_once(&ipcobj_self_once, ipcobj_self_init);
	pthread_mutex_lock(&ipcobj_self_mtx);
	if (ipcobj_self.pid == 0 &&
	    (error = ipcobj_proc_get(getpid(), &ipcobj_self)) == 0)
		atomic_store_explicit(&ipcobj_self_valid, 1,
		    memory_order_release);
	if (error == 0)
		*p = ipcobj_self;
	pthread_mutex_unlock(&ipcobj_self_mtx);
	return (error);
}

/*
 * 1 if the recorded process is still running: same pid and same start
 * time, so a reused pid is not mistaken for the holder.
 */
int
ipcobj_proc_alive(const struct ipcobj_proc *p)
{
	struct ipcobj_proc	now;
	int			error;

	if ((error = ipcobj_proc_get(p->pid, &now)) == -ESRCH)
		return (0);
	if (error != 0)
		return (1);	/* cannot tell: never drop a live holder */
	return (now.start == p->start);
}

/* Order names for ipcobj_list. */
static int
ipcobj_list_cmp(const void *a, const void *b)
{
	return (strcmp(*(char * const *)a, *(char * const *)b));
}

/*
 * The names of the objects of a type, sorted.  Objects that share the
 * namespace but are of another type, or that the caller cannot open at
 * all, are left out.
 */
int
ipcobj_list(int type, char ***out, size_t *count)
{
	const char	*prefix;
	char		 lead[IPCOBJ_SHM_NAME_MAX], shm[IPCOBJ_SHM_NAME_MAX];
	char		**names = NULL, **tmp;
	struct dirent	*de;
	struct ipcobj	*o;
	size_t		 n = 0, cap = 0, leadlen;
	DIR		*dir;
	int		 error = 0, shared = 0, i;

	*out = NULL;
	*count = 0;
	if (!ipcobj_type_valid(type))
		return (-EINVAL);
	if ((prefix = ipcobj_prefix()) == NULL)
		return (EXITPT_E_NAME);
	for (i = 1; (size_t)i < nitems(ipcobj_types); i++) {
		if (i != type && ipcobj_types[i].ns != NULL &&
		    strcmp(ipcobj_types[i].ns, ipcobj_types[type].ns) == 0)
			shared = 1;
	}
	snprintf(lead, sizeof(lead), "%s.%s.", prefix, ipcobj_types[type].ns);
	leadlen = strlen(lead);
	if ((dir = opendir(IPCOBJ_SHM_DIR)) == NULL)
		return (errno == ENOENT ? 0 : -errno);
	while ((de = readdir(dir)) != NULL) {
		if (strncmp(de->d_name, lead, leadlen) != 0 ||
		    exitpt_ipc_name_check(de->d_name + leadlen) != 0)
			continue;
		if (shared) {
			snprintf(shm, sizeof(shm), "/%s", de->d_name);
			if (ipcobj_map(type, 0, 0, de->d_name + leadlen, shm,
			    &o) != 0)
				continue;
			ipcobj_close(o);
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((tmp = reallocarray(names, cap,
			    sizeof(*names))) == NULL) {
				error = -ENOMEM;
				break;
			}
			names = tmp;
		}
		if ((names[n] = strdup(de->d_name + leadlen)) == NULL) {
			error = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(dir);
	if (error != 0) {
		ipcobj_list_free(names, n);
		return (error);
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), ipcobj_list_cmp);
	*out = names;
	*count = n;
	return (0);
}

/* Free the result of ipcobj_list. */
void
ipcobj_list_free(char **names, size_t count)
{
	size_t	i;

	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
}
