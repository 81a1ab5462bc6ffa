/*
 * Typed IPC objects, one file each in the runtime directory (ipcdir.c):
 * the layer under critical sections, object locks, data queues, data
 * areas and job interrupt.
 *
 * A file starts with a header (magic, version, type, data size, name, and
 * the words other processes change: a lock, a change counter, a deleted
 * flag), then the type's data.  The file's owner and permission bits are
 * the object's owner and mode, so the kernel decides who may open what;
 * nothing in the header grants anything.
 *
 * Trust.  Memory that another user can write is never trusted: not its
 * contents (a length, an index), not its size (a truncated file makes
 * every access to a mapping of it fault with SIGBUS), not a lock in it
 * (glibc's robust mutexes keep list pointers there, which an untrusted
 * writer could aim anywhere).  So a handle maps an object only when nobody
 * but the caller's user and root can write the file ("trusted"); for any
 * other object it uses pread, pwrite and futex system calls only, which
 * fail with an error instead of faulting, and every value read is checked
 * before use (EXITPT_E_DAMAGED otherwise, with exitpt_ipc_detail()).
 *
 * The lock.  A word in the header follows the kernel's priority-
 * inheritance futex protocol (it holds the holder's thread id): a trusted
 * handle takes and releases it with one compare-and-swap when it is free,
 * and any handle can take it through FUTEX_LOCK_PI2, where the kernel does
 * the compare-and-swap, so the same lock serves both kinds of handles.
 * The kernel hands a lock over when its holder dies while others wait; a
 * holder that dies alone leaves its thread id behind, which the next
 * locker finds dead (or reused: the holder also records its start time)
 * and marks as the kernel marks a robust futex whose owner died (no
 * thread id, FUTEX_OWNER_DIED, FUTEX_WAITERS kept), under an open-file-
 * description lock so that two repairers never race.  Never as free
 * (zero): a waiter the kernel handed the lock to may not have written
 * its thread id into the word yet, and a compare-and-swap from zero would
 * then give the lock to a second holder (the waiter's id overwrites it).
 * A marked word is taken through the kernel only, which queues a locker
 * behind such a waiter or, with none, gives it the lock.  Every user of
 * the lock changes its object with single committing stores, so a holder
 * killed halfway leaves nothing to repair.
 *
 * Waiting.  A change counter in the header is a futex word: changers bump
 * it and wake everyone, waiters sleep on it with an absolute deadline on
 * CLOCK_MONOTONIC.  Waking and waiting are futex system calls, which work
 * on a mapping that is never touched from user space (the first page of
 * an untrusted object is mapped for them only).
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
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"

#define IPCOBJ_MAGIC		0x54505845u	/* "EXPT" */
#define IPCOBJ_VERSION		2u
#define IPCOBJ_DATA_OFFSET	128
#define IPCOBJ_FILE_NAME_MAX	40
#define IPCOBJ_OFD_REPAIR	0	/* byte locked while repairing */
#define IPCOBJ_DETAIL_MAX	256
#define IPCOBJ_SPIN		200	/* user-space tries before the kernel */

struct ipcobj_hdr {
	uint32_t		 magic;
	uint32_t		 version;
	uint32_t		 type;
	uint32_t		 hdrsize;	/* IPCOBJ_DATA_OFFSET */
	uint64_t		 size;		/* bytes of data after header */
	int64_t			 created;	/* CLOCK_REALTIME, seconds */
	char			 name[IPCOBJ_FILE_NAME_MAX];
	/* Words that processes change, each on its own. */
	_Atomic uint32_t	 lock;		/* PI futex word: holder's tid */
	_Atomic uint32_t	 seq;		/* change counter, futex word */
	_Atomic uint32_t	 deleted;	/* unlinked: holders let go */
	uint32_t		 pad0;
	uint32_t		 holder_tid;	/* lock's holder, for repairs */
	uint32_t		 pad1;
	uint64_t		 holder_start;	/* its start time */
	uint8_t			 pad[24];
};

_Static_assert(sizeof(struct ipcobj_hdr) == IPCOBJ_DATA_OFFSET,
    "the data starts right after the header");

struct ipcobj {
	int			 fd;
	int			 type;
	int			 where;		/* IPCDIR_*, or -1 */
	int			 trusted;	/* map holds the whole file */
	int			 writable;	/* opened for writing */
	unsigned char		*map;		/* trusted: the whole file */
	unsigned char		*fmap;		/* else: futex words only */
	size_t			 maplen;
	size_t			 size;		/* bytes of data */
	uid_t			 owner;
	gid_t			 group;
	mode_t			 mode;
	dev_t			 dev;
	ino_t			 ino;
	char			 name[IPCOBJ_FILE_NAME_MAX];
};

static const char *ipcobj_types[] = {
	[IPCOBJ_CRITICAL] = "critical section table",
	[IPCOBJ_PENDING] = "suspend-pending flag",
	[IPCOBJ_LOCKTAB] = "object lock table",
	[IPCOBJ_DTAQ] = "data queue",
	[IPCOBJ_DTAARA] = "data area",
	[IPCOBJ_JOBITP] = "job interrupt mailbox",
};

static _Thread_local char	 ipcobj_detail[IPCOBJ_DETAIL_MAX];

static int	 ipcobj_type_valid(int);
static void	 ipcobj_label(int, const char *, uid_t, char *, size_t);
static int	 ipcobj_fault(const struct ipcobj *, const char *, ...)
		     __attribute__((format(printf, 2, 3)));
static int	 ipcobj_file_name_ok(const char *);
static int	 ipcobj_mode_ok(mode_t);
static int	 ipcobj_adopt(int, int, int, const char *, uid_t, int,
		     struct ipcobj **);
static int	 ipcobj_hget(struct ipcobj *, size_t, void *, size_t);
static int	 ipcobj_hput(struct ipcobj *, size_t, const void *, size_t);
static uint32_t	*ipcobj_word(struct ipcobj *, size_t);
static long	 ipcobj_futex(uint32_t *, int, uint32_t,
		     const struct timespec *, uint32_t *, uint32_t);
static void	 ipcobj_timespec(int64_t, struct timespec *);
static int	 ipcobj_lock_pi(struct ipcobj *, const struct ipcobj_deadline *);
static int	 ipcobj_spin(struct ipcobj *, uint32_t);
static int	 ipcobj_locked(struct ipcobj *);
static int	 ipcobj_repair(struct ipcobj *, const struct ipcobj_deadline *);
static int	 ipcobj_link(int, int, const char *, const char *);
static int	 ipcobj_list_cmp(const void *, const void *);
static void	 ipcobj_pause(const struct ipcobj_deadline *, long);

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


/*
 * Record what is wrong with an object for exitpt_ipc_detail() and return
 * EXITPT_E_DAMAGED.
 */
int
ipcobj_damaged(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(ipcobj_detail, sizeof(ipcobj_detail), fmt, ap);
	va_end(ap);
	return (EXITPT_E_DAMAGED);
}

/* What was wrong behind the calling thread's last damage or directory error. */
const char *
exitpt_ipc_detail(void)
{
	return (ipcobj_detail);
}

/*
 * How messages name an object: "data queue jobs", "critical section
 * table of uid 1000", "job interrupt mailbox jobitp.42 of uid 1000".
 */
static void
ipcobj_label(int type, const char *name, uid_t uid, char *buf, size_t len)
{
	const char	*what = ipcobj_type_name(type);

	if (type == IPCOBJ_PENDING)
		snprintf(buf, len, "%s", what);
	else if ((type == IPCOBJ_CRITICAL || type == IPCOBJ_LOCKTAB) &&
	    uid != IPCOBJ_ANY_OWNER)
		snprintf(buf, len, "%s of uid %lu", what, (unsigned long)uid);
	else if (type == IPCOBJ_JOBITP && uid != IPCOBJ_ANY_OWNER)
		snprintf(buf, len, "%s %s of uid %lu", what, name,
		    (unsigned long)uid);
	else
		snprintf(buf, len, "%s %s", what, name);
}

/* Record a fault of an open object (see ipcobj_damaged). */
static int
ipcobj_fault(const struct ipcobj *o, const char *fmt, ...)
{
	char	label[96], what[160];
	va_list	ap;

	ipcobj_label(o->type, o->name, o->owner, label, sizeof(label));
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return (ipcobj_damaged("%s: %s", label, what));
}

/* 1 if type is one of the IPCOBJ_* types. */
static int
ipcobj_type_valid(int type)
{
	return (type > 0 && (size_t)type < nitems(ipcobj_types) &&
	    ipcobj_types[type] != NULL);
}

/* Human name of an object type, for messages. */
const char *
ipcobj_type_name(int type)
{
	if (!ipcobj_type_valid(type))
		return ("unknown object");
	return (ipcobj_types[type]);
}

/*
 * 1 if name can be a file name in the runtime directory: an object name,
 * as the library's own names are ("pending", "jobitp.123").
 */
static int
ipcobj_file_name_ok(const char *name)
{
	return (exitpt_ipc_name_check(name) == 0);
}

/*
 * 1 if a mode can be honoured: only the 0666 bits, and write only where
 * read is given too (a writer must read to keep an object consistent).
 */
static int
ipcobj_mode_ok(mode_t mode)
{
	int	shift;

	if ((mode & ~(mode_t)0666) != 0)
		return (0);
	for (shift = 0; shift <= 6; shift += 3) {
		if ((mode >> shift & 2) && !(mode >> shift & 4))
			return (0);
	}
	return (1);
}

/* Monotonic time in nanoseconds. */
int64_t
ipcobj_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec);
}

/* An absolute CLOCK_MONOTONIC time in nanoseconds as a timespec. */
static void
ipcobj_timespec(int64_t at, struct timespec *ts)
{
	if (at < 0)
		at = 0;
	ts->tv_sec = (time_t)(at / 1000000000LL);
	ts->tv_nsec = (long)(at % 1000000000LL);
}

/* The number of CPUs, counted once: spinning on one CPU only delays. */
long
ipcobj_ncpu(void)
{
	static _Atomic long	n;
	long			v;

	if ((v = atomic_load_explicit(&n, memory_order_relaxed)) == 0) {
		v = sysconf(_SC_NPROCESSORS_ONLN);
		atomic_store(&n, v > 0 ? v : 1);
	}
	return (v);
}

/* A futex system call. */
static long
ipcobj_futex(uint32_t *uaddr, int op, uint32_t val,
    const struct timespec *ts, uint32_t *uaddr2, uint32_t val3)
{
	return (syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3));
}

/*
 * Take ownership of an open object file: check what the kernel says of
 * it (a regular file of the expected owner and a sane size), then its
 * header, and map it if it is trusted.  Closes fd on failure.
 */
static int
ipcobj_adopt(int fd, int type, int where, const char *name, uid_t owner,
    int writable, struct ipcobj **out)
{
	struct ipcobj_hdr	 h;
	struct ipcobj		*o;
	struct stat		 st;
	char			 what[96];
	long			 page = sysconf(_SC_PAGESIZE);
	void			*map;
	int			 prot, error;

	ipcobj_label(type, name, owner, what, sizeof(what));
	if (fstat(fd, &st) == -1) {
		error = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		error = ipcobj_damaged("%s: not a regular file", what);
		goto fail;
	}
	if (owner != IPCOBJ_ANY_OWNER && st.st_uid != owner) {
		error = ipcobj_damaged("%s: owned by uid %lu, not %lu",
		    what, (unsigned long)st.st_uid,
		    (unsigned long)owner);
		goto fail;
	}
	if (st.st_size < IPCOBJ_DATA_OFFSET ||
	    st.st_size > IPCOBJ_DATA_OFFSET + (off_t)IPCOBJ_SIZE_MAX) {
		error = ipcobj_damaged("%s: file of %lld bytes", what,
		    (long long)st.st_size);
		goto fail;
	}
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
		error = ipcobj_damaged("%s: header unreadable", what);
		goto fail;
	}
	if (h.magic != IPCOBJ_MAGIC || h.version != IPCOBJ_VERSION ||
	    h.hdrsize != IPCOBJ_DATA_OFFSET) {
		error = ipcobj_damaged("%s: not an exitpt object of "
		    "version %u", what, IPCOBJ_VERSION);
		goto fail;
	}
	if (h.type != (uint32_t)type) {
		error = ipcobj_type_valid((int)h.type) ? EXITPT_E_TYPE :
		    ipcobj_damaged("%s: unknown type %u", what, h.type);
		goto fail;
	}
	if (h.size != (uint64_t)st.st_size - IPCOBJ_DATA_OFFSET) {
		error = ipcobj_damaged("%s: header says %llu bytes of data, "
		    "the file has %lld", what,
		    (unsigned long long)h.size,
		    (long long)st.st_size - IPCOBJ_DATA_OFFSET);
		goto fail;
	}
	if (memchr(h.name, '\0', sizeof(h.name)) == NULL ||
	    strcmp(h.name, name) != 0) {
		error = ipcobj_damaged("%s: header names another object",
		    what);
		goto fail;
	}
	if ((o = calloc(1, sizeof(*o))) == NULL) {
		error = -ENOMEM;
		goto fail;
	}
	o->fd = fd;
	o->type = type;
	o->where = where;
	o->writable = writable;
	o->size = (size_t)h.size;
	o->owner = st.st_uid;
	o->group = st.st_gid;
	o->mode = st.st_mode & 07777;
	o->dev = st.st_dev;
	o->ino = st.st_ino;
	snprintf(o->name, sizeof(o->name), "%s", name);
	/* Only the caller's user and root can write or truncate it. */
	o->trusted = (st.st_uid == geteuid() || st.st_uid == 0) &&
	    (st.st_mode & 022) == 0;
	prot = PROT_READ | (writable ? PROT_WRITE : 0);
	o->maplen = o->trusted ? (size_t)st.st_size : (size_t)page;
	if ((map = mmap(NULL, o->maplen, prot, MAP_SHARED, fd, 0)) ==
	    MAP_FAILED) {
		error = -errno;
		free(o);
		goto fail;
	}
	if (o->trusted)
		o->map = map;
	else
		o->fmap = map;	/* for futex system calls only */
	*out = o;
	return (0);

fail:
	close(fd);
	return (error);
}

/*
 * Open an object file in a directory given by descriptor: the type
 * expected, the owner required (IPCOBJ_ANY_OWNER: any) and the access
 * wanted (IPCOBJ_READ, IPCOBJ_WRITE; 0: write if allowed, else read).
 * Never follows a symbolic link, never blocks on a FIFO.
 */
int
ipcobj_openat(int type, int dirfd, const char *name, uid_t owner,
    int access, struct ipcobj **out)
{
	char	what[96];
	int	fd, flags = O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	int	writable;

	*out = NULL;
	if (!ipcobj_type_valid(type) || !ipcobj_file_name_ok(name))
		return (EXITPT_E_NAME);
	writable = (access & IPCOBJ_WRITE) || access == 0;
	fd = openat(dirfd, name, flags | (writable ? O_RDWR : O_RDONLY));
	if (fd == -1 && errno == EACCES && access == 0) {
		writable = 0;
		fd = openat(dirfd, name, flags | O_RDONLY);
	}
	if (fd == -1) {
		if (errno == ELOOP || errno == ENXIO || errno == EISDIR) {
			ipcobj_label(type, name, owner, what, sizeof(what));
			return (ipcobj_damaged("%s: not a regular file",
			    what));
		}
		return (-errno);
	}
	return (ipcobj_adopt(fd, type, -1, name, owner, writable, out));
}

/* Open an existing object (see ipcobj_openat) in a runtime directory. */
int
ipcobj_open(int type, int where, const char *name, int access,
    struct ipcobj **out)
{
	int	dirfd, error;

	*out = NULL;
	if ((error = ipcdir_get(where, &dirfd)) != 0)
		return (error);
	if ((error = ipcobj_openat(type, dirfd, name, where == IPCDIR_ROOT ?
	    ipcdir_sysuid() : where == IPCDIR_SELF ? geteuid() :
	    IPCOBJ_ANY_OWNER, access, out)) == 0)
		(*out)->where = where;
	return (error);
}

/*
 * Give a complete new file its name.  Fails with -EEXIST if the name is
 * taken: creation is "the first one wins", never a replacement.
 */
static int
ipcobj_link(int fd, int dirfd, const char *tmp, const char *name)
{
	char	proc[64];
	int	error = 0;

	if (tmp != NULL) {
		if (linkat(dirfd, tmp, dirfd, name, 0) == -1)
			error = -errno;
		unlinkat(dirfd, tmp, 0);
		return (error);
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW) == -1)
		return (-errno);
	return (0);
}

/*
 * Create an object: a file of the caller with mode, size bytes of data
 * that init (if any) fills in.  The file is complete before it gets its
 * name (O_TMPFILE, then link), so nobody ever sees a half-made object.
 * Returns 0 and an open handle, -EEXIST, EXITPT_E_NAME, EXITPT_E_VALUE
 * (mode or size), -ENOSPC (the file system is full), or an error.
 */
int
ipcobj_create(int type, int where, const char *name, mode_t mode,
    size_t size, ipcobj_init_cb init, void *arg, struct ipcobj **out)
{
	struct ipcobj_hdr	*h;
	unsigned char		 rnd[8];
	char			 tmp[64];
	void			*map;
	size_t			 len = IPCOBJ_DATA_OFFSET + size;
	int			 dirfd, fd, error, named = 0;

	*out = NULL;
	if (!ipcobj_type_valid(type) || !ipcobj_file_name_ok(name))
		return (EXITPT_E_NAME);
	if (!ipcobj_mode_ok(mode) || size > IPCOBJ_SIZE_MAX)
		return (EXITPT_E_VALUE);
	if ((error = ipcdir_get(where, &dirfd)) != 0)
		return (error);
	fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd == -1 && (errno == EOPNOTSUPP || errno == EISDIR ||
	    errno == EINVAL)) {
		/* No O_TMPFILE here: a hidden name, renamed when complete. */
		if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
			return (-EAGAIN);
		snprintf(tmp, sizeof(tmp), ".new.%02x%02x%02x%02x%02x%02x"
		    "%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
		    rnd[5], rnd[6], rnd[7]);
		fd = openat(dirfd, tmp, O_RDWR | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		named = 1;
	}
	if (fd == -1)
		return (-errno);
	/*
	 * Every block now, not a sparse file: a page first touched through
	 * a mapping when the file system is full (another user may fill it)
	 * is SIGBUS, here or later in whoever maps the object.
	 */
	if ((error = posix_fallocate(fd, 0, (off_t)len)) != 0) {
		error = -error;
		goto fail;
	}
	if ((map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	    0)) == MAP_FAILED) {
		error = -errno;
		goto fail;
	}
	h = map;
	h->magic = IPCOBJ_MAGIC;
	h->version = IPCOBJ_VERSION;
	h->type = (uint32_t)type;
	h->hdrsize = IPCOBJ_DATA_OFFSET;
	h->size = size;
	h->created = (int64_t)time(NULL);
	snprintf(h->name, sizeof(h->name), "%s", name);
	error = init != NULL ? init((char *)map + IPCOBJ_DATA_OFFSET, size,
	    arg) : 0;
	munmap(map, len);
	if (error != 0)
		goto fail;
	if (fchmod(fd, mode) == -1) {
		error = -errno;
		goto fail;
	}
	if ((error = ipcobj_link(fd, dirfd, named ? tmp : NULL, name)) != 0) {
		close(fd);
		return (error);
	}
	if ((error = ipcobj_adopt(fd, type, where, name, geteuid(), 1,
	    out)) != 0)
		return (error);
	return (0);

fail:
	if (named)
		unlinkat(dirfd, tmp, 0);
	close(fd);
	return (error);
}

/*
 * Open an object, creating it first when it does not exist; losing a
 * creation race to another process just opens its object.
 */
int
ipcobj_open_or_create(int type, int where, const char *name, int access,
    mode_t mode, size_t size, ipcobj_init_cb init, void *arg,
    struct ipcobj **out)
{
	int	error, tries;

	for (tries = 0; tries < 100; tries++) {
		error = ipcobj_open(type, where, name, access, out);
		if (error != -ENOENT)
			return (error);
		error = ipcobj_create(type, where, name, mode, size, init, arg,
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
	if (o->map != NULL)
		munmap(o->map, o->maplen);
	if (o->fmap != NULL)
		munmap(o->fmap, o->maplen);
	close(o->fd);
	free(o);
}

/*
 * Delete an object held open: mark it deleted (waiters and later lockers
 * see -ENOENT), wake every waiter, and remove its name unless the name
 * already belongs to a newer object.  Only its owner or root may, as the
 * sticky directory also says.  The caller may hold the object's lock.
 */
int
ipcobj_remove(struct ipcobj *o)
{
	struct stat	st;
	int		dirfd, error;

	if (!o->writable || (geteuid() != 0 && geteuid() != o->owner))
		return (-EACCES);
	if (o->where < 0)
		return (-EINVAL);
	if ((error = ipcdir_get(o->where, &dirfd)) != 0)
		return (error);
	if ((error = ipcobj_put32(o, (size_t)-1, 1)) != 0)
		return (error);
	ipcobj_notify(o);
	if (fstatat(dirfd, o->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_dev == o->dev && st.st_ino == o->ino &&
	    unlinkat(dirfd, o->name, 0) == -1)
		return (-errno);
	return (0);
}

/*
 * Delete an object by name; only its owner or root may.  Its lock is
 * taken if it can be within the grace time, but a holder that keeps it
 * does not stop the owner from deleting.
 */
int
ipcobj_unlink(int type, int where, const char *name)
{
	struct ipcobj_deadline	 d;
	struct ipcobj		*o;
	int			 error, locked;

	if ((error = ipcobj_open(type, where, name, IPCOBJ_WRITE, &o)) != 0)
		return (error);
	ipcobj_deadline_set(&d, 0);
	locked = ipcobj_lock(o, &d) == 0;
	error = ipcobj_remove(o);
	if (locked)
		ipcobj_unlock(o);
	ipcobj_close(o);
	return (error);
}

/* The object's data, mapped: trusted handles only (else NULL). */
void *
ipcobj_data(struct ipcobj *o)
{
	return (o->map != NULL ? o->map + IPCOBJ_DATA_OFFSET : NULL);
}

/* Size of the object's data in bytes. */
size_t
ipcobj_size(const struct ipcobj *o)
{
	return (o->size);
}

/* The object's name. */
const char *
ipcobj_name(const struct ipcobj *o)
{
	return (o->name);
}

/* The object's owner: the file's, as the kernel says. */
uid_t
ipcobj_owner(const struct ipcobj *o)
{
	return (o->owner);
}

/* The object's group: the file's. */
gid_t
ipcobj_group(const struct ipcobj *o)
{
	return (o->group);
}

/* The object's mode: the file's permission bits. */
mode_t
ipcobj_mode(const struct ipcobj *o)
{
	return (o->mode & 0777);
}

/* 1 if the handle maps the object (see the top of this file). */
int
ipcobj_trusted(const struct ipcobj *o)
{
	return (o->trusted);
}

/* 1 if the handle was opened for writing. */
int
ipcobj_writable(const struct ipcobj *o)
{
	return (o->writable);
}

/* The handle's file descriptor. */
int
ipcobj_fd(const struct ipcobj *o)
{
	return (o->fd);
}

/*
 * Read len bytes of the header at off: from the mapping, or with pread.
 * Returns 0 or EXITPT_E_DAMAGED (the file was cut short).
 */
static int
ipcobj_hget(struct ipcobj *o, size_t off, void *buf, size_t len)
{
	if (o->map != NULL) {
		memcpy(buf, o->map + off, len);
		return (0);
	}
	if (pread(o->fd, buf, len, (off_t)off) != (ssize_t)len)
		return (ipcobj_fault(o, "truncated while in use"));
	return (0);
}

/* Write len bytes of the header at off, as ipcobj_hget reads them. */
static int
ipcobj_hput(struct ipcobj *o, size_t off, const void *buf, size_t len)
{
	if (!o->writable)
		return (-EACCES);
	if (o->map != NULL) {
		memcpy(o->map + off, buf, len);
		return (0);
	}
	if (pwrite(o->fd, buf, len, (off_t)off) != (ssize_t)len)
		return (ipcobj_fault(o, "cannot be written: %s", strerror(errno)));
	return (0);
}

/*
 * Copy len bytes of the object's data at off into buf.  Returns 0 or
 * EXITPT_E_DAMAGED (out of bounds, or the file was cut short).
 */
int
ipcobj_get(struct ipcobj *o, size_t off, void *buf, size_t len)
{
	if (off > o->size || len > o->size - off)
		return (ipcobj_fault(o, "read past its end"));
	return (ipcobj_hget(o, IPCOBJ_DATA_OFFSET + off, buf, len));
}

/* Copy len bytes from buf into the object's data at off. */
int
ipcobj_put(struct ipcobj *o, size_t off, const void *buf, size_t len)
{
	if (off > o->size || len > o->size - off)
		return (ipcobj_fault(o, "write past its end"));
	return (ipcobj_hput(o, IPCOBJ_DATA_OFFSET + off, buf, len));
}

/*
 * Read an aligned 32-bit word of the data at off, with acquire order on
 * a mapping.  off (size_t)-1 is the header's deleted flag.
 */
int
ipcobj_get32(struct ipcobj *o, size_t off, uint32_t *v)
{
	size_t	hoff = off == (size_t)-1 ?
	    offsetof(struct ipcobj_hdr, deleted) : IPCOBJ_DATA_OFFSET + off;

	if (off != (size_t)-1 && (off > o->size || o->size - off < 4))
		return (ipcobj_fault(o, "read past its end"));
	if (o->map != NULL) {
		*v = __atomic_load_n((uint32_t *)(o->map + hoff),
		    __ATOMIC_ACQUIRE);
		return (0);
	}
	return (ipcobj_hget(o, hoff, v, sizeof(*v)));
}

/* Write an aligned 32-bit word (release order on a mapping); see get32. */
int
ipcobj_put32(struct ipcobj *o, size_t off, uint32_t v)
{
	size_t	hoff = off == (size_t)-1 ?
	    offsetof(struct ipcobj_hdr, deleted) : IPCOBJ_DATA_OFFSET + off;

	if (off != (size_t)-1 && (off > o->size || o->size - off < 4))
		return (ipcobj_fault(o, "write past its end"));
	if (o->map != NULL && o->writable) {
		__atomic_store_n((uint32_t *)(o->map + hoff), v,
		    __ATOMIC_RELEASE);
		return (0);
	}
	return (ipcobj_hput(o, hoff, &v, sizeof(v)));
}

/* Read an aligned 64-bit word of the data at off (acquire order). */
int
ipcobj_get64(struct ipcobj *o, size_t off, uint64_t *v)
{
	if (off > o->size || o->size - off < 8)
		return (ipcobj_fault(o, "read past its end"));
	if (o->map != NULL) {
		*v = __atomic_load_n((uint64_t *)(o->map +
		    IPCOBJ_DATA_OFFSET + off), __ATOMIC_ACQUIRE);
		return (0);
	}
	return (ipcobj_hget(o, IPCOBJ_DATA_OFFSET + off, v, sizeof(*v)));
}

/* Write an aligned 64-bit word of the data at off (release order). */
int
ipcobj_put64(struct ipcobj *o, size_t off, uint64_t v)
{
	if (off > o->size || o->size - off < 8)
		return (ipcobj_fault(o, "write past its end"));
	if (o->map != NULL && o->writable) {
		__atomic_store_n((uint64_t *)(o->map + IPCOBJ_DATA_OFFSET +
		    off), v, __ATOMIC_RELEASE);
		return (0);
	}
	return (ipcobj_hput(o, IPCOBJ_DATA_OFFSET + off, &v, sizeof(v)));
}

/* 1 if the object has been deleted (or cannot be read any more). */
int
ipcobj_deleted(struct ipcobj *o)
{
	uint32_t	v;

	if (ipcobj_get32(o, (size_t)-1, &v) != 0)
		return (1);
	return (v != 0);
}

/*
 * The futex word at header offset hoff: in the mapping of a trusted
 * handle, or in the futex-only mapping of the first page otherwise.
 */
static uint32_t *
ipcobj_word(struct ipcobj *o, size_t hoff)
{
	return ((uint32_t *)((o->map != NULL ? o->map : o->fmap) + hoff));
}

/* Sleep a little (ms at most, never past the deadline). */
static void
ipcobj_pause(const struct ipcobj_deadline *d, long ms)
{
	struct ipcobj_deadline	c;
	struct timespec		ts;

	ipcobj_deadline_cap(d, ms, &c);
	ipcobj_timespec(c.at, &ts);
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/*
 * Take an open-file-description lock on one byte of the object's file
 * (kernel-held, so it cannot be forged or left behind by a dead process),
 * waiting at most until d.  Returns 0, EXITPT_E_TIMEOUT or -errno.
 */
int
ipcobj_ofd_lock(struct ipcobj *o, off_t byte, const struct ipcobj_deadline *d)
{
	struct flock	fl;
	long		ms = 1;

	if (!o->writable)
		return (-EACCES);
	for (;;) {
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		fl.l_start = byte;
		fl.l_len = 1;
		if (fcntl(o->fd, F_OFD_SETLK, &fl) == 0)
			return (0);
		if (errno != EAGAIN && errno != EACCES && errno != EINTR)
			return (-errno);
		if (ipcobj_deadline_passed(d))
			return (EXITPT_E_TIMEOUT);
		/* The kernel has no timed wait for it: poll, backing off. */
		ipcobj_pause(d, ms);
		if (ms < 16)
			ms *= 2;
	}
}

/* Release a byte locked by ipcobj_ofd_lock. */
void
ipcobj_ofd_unlock(struct ipcobj *o, off_t byte)
{
	struct flock	fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_UNLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = byte;
	fl.l_len = 1;
	fcntl(o->fd, F_OFD_SETLK, &fl);
}

/*
 * The lock word names a thread that cannot hold it (dead, reused, or our
 * own, as we never lock twice): mark its owner dead (see the top of this
 * file for why not zero).  Repairers take a kernel lock first, so that
 * one never clears what another just fixed and a new holder took.
 * Returns 1 if marked, 0 if the holder is alive, or an error.
 */
static int
ipcobj_repair(struct ipcobj *o, const struct ipcobj_deadline *d)
{
	struct ipcobj_deadline	 g;
	struct ipcobj_proc	 p;
	struct ipcobj_hdr	 h;
	uint32_t		 w, tid, died;
	int			 error, dead;

	ipcobj_deadline_grace(d, &g);
	if ((error = ipcobj_ofd_lock(o, IPCOBJ_OFD_REPAIR, &g)) != 0)
		return (error);
	if ((error = ipcobj_hget(o, 0, &h, sizeof(h))) != 0)
		goto out;
	w = atomic_load(&h.lock);
	if ((tid = w & FUTEX_TID_MASK) == 0)
		goto out;
	if (tid == (uint32_t)ipcproc_tid())
		dead = 1;
	else if (ipcproc_get((pid_t)tid, &p) == -ESRCH)
		dead = 1;
	else
		dead = h.holder_tid == tid && h.holder_start != 0 &&
		    p.start != h.holder_start;
	if (!dead)
		goto out;
	h.holder_tid = 0;
	h.holder_start = 0;
	died = FUTEX_OWNER_DIED | (w & FUTEX_WAITERS);
	if (o->map != NULL) {
		if (!atomic_compare_exchange_strong(
		    (_Atomic uint32_t *)ipcobj_word(o,
		    offsetof(struct ipcobj_hdr, lock)), &w, died))
			goto out;	/* it moved: not ours to fix */
	} else if ((error = ipcobj_hput(o, offsetof(struct ipcobj_hdr, lock),
	    &died, sizeof(died))) != 0)
		goto out;
	ipcobj_hput(o, offsetof(struct ipcobj_hdr, holder_tid), &h.holder_tid,
	    offsetof(struct ipcobj_hdr, pad) -
	    offsetof(struct ipcobj_hdr, holder_tid));
	error = 1;
out:
	ipcobj_ofd_unlock(o, IPCOBJ_OFD_REPAIR);
	return (error);
}

/* The kernel's side of taking the lock, until d (see ipcobj_lock). */
static int
ipcobj_lock_pi(struct ipcobj *o, const struct ipcobj_deadline *d)
{
	struct ipcobj_deadline	 slice;
	struct timespec		 ts, now;
	uint32_t		*w = ipcobj_word(o, offsetof(struct ipcobj_hdr,
				     lock));
	int64_t			 left;
	int			 rv, err, error;

	for (;;) {
		ipcobj_deadline_cap(d, IPCOBJ_SLICE_MS, &slice);
		ipcobj_timespec(slice.at, &ts);
		rv = (int)ipcobj_futex(w, FUTEX_LOCK_PI2, 0, &ts, NULL, 0);
		if (rv == -1 && errno == ENOSYS) {
			/* Before Linux 5.14: FUTEX_LOCK_PI, CLOCK_REALTIME. */
			left = slice.at - ipcobj_now();
			clock_gettime(CLOCK_REALTIME, &now);
			ipcobj_timespec((int64_t)now.tv_sec * 1000000000LL +
			    now.tv_nsec + (left > 0 ? left : 0), &ts);
			rv = (int)ipcobj_futex(w, FUTEX_LOCK_PI, 0, &ts, NULL,
			    0);
		}
		if (rv == 0)
			return (0);
		switch ((err = errno)) {
		case EINTR:
		case EAGAIN:
			continue;
		case EFAULT:
			return (ipcobj_fault(o, "truncated while in use"));
		case ETIMEDOUT:
		case ESRCH:
		case EDEADLK:
		case EPERM:
		case EINVAL:
			/*
			 * Timed out on a holder that may be dead (or reused),
			 * or the word names no thread that can hold it.
			 */
			if (ipcobj_deadline_passed(d))
				return (EXITPT_E_TIMEOUT);
			if ((error = ipcobj_repair(o, d)) < 0)
				return (error);
			if (error == 0 && err != ETIMEDOUT)
				ipcobj_pause(d, 5);	/* a live liar */
			continue;
		default:
			return (-errno);
		}
	}
}

/*
 * Try to take the lock of a mapped object in user space, spinning a
 * little while another CPU holds it: holders keep it for a few hundred
 * nanoseconds, and a locker that went to the kernel instead would make
 * every release a priority-inheritance hand-over through the scheduler
 * (a producer and a consumer then take turns at the speed of context
 * switches).  Returns 1 if taken, 0 if not, -1 if the word is marked
 * with a dead owner (ipcobj_repair): only the kernel may take it then.
 */
static int
ipcobj_spin(struct ipcobj *o, uint32_t tid)
{
	_Atomic uint32_t	*w = (_Atomic uint32_t *)ipcobj_word(o,
				    offsetof(struct ipcobj_hdr, lock));
	uint32_t		 v, zero;
	int			 i;

	for (i = 0; i < IPCOBJ_SPIN; i++) {
		zero = 0;
		v = atomic_load_explicit(w, memory_order_relaxed);
		if (v == 0 && atomic_compare_exchange_strong_explicit(w, &zero,
		    tid, memory_order_acquire, memory_order_relaxed))
			return (1);
		if (v != 0 && (v & FUTEX_TID_MASK) == 0)
			return (-1);
		if (ipcobj_ncpu() <= 1)
			return (0);
		ipcobj_cpu_relax();
	}
	return (0);
}

/*
 * Take the object's lock (see the top of this file), waiting until d or
 * for IPCOBJ_GRACE_MS, whichever is later.  Returns 0, EXITPT_E_TIMEOUT,
 * -ENOENT when the object was deleted (the lock is not held then),
 * -EACCES on a read-only handle, or EXITPT_E_DAMAGED.
 */
int
ipcobj_lock(struct ipcobj *o, const struct ipcobj_deadline *d)
{
	struct ipcobj_deadline	 g;
	int			 error;

	if (!o->writable)
		return (-EACCES);
	if (o->map == NULL || ipcobj_spin(o, (uint32_t)ipcproc_tid()) != 1) {
		ipcobj_deadline_grace(d, &g);
		if ((error = ipcobj_lock_pi(o, &g)) != 0)
			return (error);
	}
	return (ipcobj_locked(o));
}

/*
 * Take the object's lock only if it is free now: never a wait, not even
 * the grace time, for a caller that can do without it (a reader that
 * copies instead).  Returns 0, EXITPT_E_TIMEOUT when another holds it (or
 * the word names a holder that cannot have it: ipcobj_lock repairs that),
 * or an error as ipcobj_lock.
 */
int
ipcobj_trylock(struct ipcobj *o)
{
	int	taken = -1;

	if (!o->writable)
		return (-EACCES);
	if (o->map != NULL &&
	    (taken = ipcobj_spin(o, (uint32_t)ipcproc_tid())) == 0)
		return (EXITPT_E_TIMEOUT);
	if (taken != 1 && ipcobj_futex(ipcobj_word(o,
	    offsetof(struct ipcobj_hdr, lock)), FUTEX_TRYLOCK_PI, 0, NULL,
	    NULL, 0) == -1)
		return (errno == EFAULT ?
		    ipcobj_fault(o, "truncated while in use") :
		    EXITPT_E_TIMEOUT);
	return (ipcobj_locked(o));
}

/*
 * The lock was just taken: record who holds it, then let go of it again
 * if the object was deleted meanwhile.  Returns 0, -ENOENT or an error.
 */
static int
ipcobj_locked(struct ipcobj *o)
{
	uint32_t		 rec[4];
	uint64_t		 start;
	pid_t			 tid = ipcproc_tid();
	int			 error;

	/* Who holds it, for repairs: the thread and its start time. */
	start = ipcproc_tid_start();
	rec[0] = (uint32_t)tid;
	rec[1] = 0;
	memcpy(&rec[2], &start, sizeof(start));
	if (o->map != NULL)
		memcpy(o->map + offsetof(struct ipcobj_hdr, holder_tid), rec,
		    sizeof(rec));
	else if ((error = ipcobj_hput(o, offsetof(struct ipcobj_hdr,
	    holder_tid), rec, sizeof(rec))) != 0) {
		ipcobj_unlock(o);
		return (error);
	}
	if (ipcobj_deleted(o)) {
		ipcobj_unlock(o);
		return (-ENOENT);
	}
	return (0);
}

/* Release the object's lock. */
void
ipcobj_unlock(struct ipcobj *o)
{
	uint32_t	 expect = (uint32_t)ipcproc_tid(), rec[4] = { 0 };
	uint32_t	*w = ipcobj_word(o, offsetof(struct ipcobj_hdr, lock));

	if (o->map != NULL) {
		memcpy(o->map + offsetof(struct ipcobj_hdr, holder_tid), rec,
		    sizeof(rec));
		if (atomic_compare_exchange_strong_explicit(
		    (_Atomic uint32_t *)w, &expect, 0, memory_order_release,
		    memory_order_relaxed))
			return;
	} else
		ipcobj_hput(o, offsetof(struct ipcobj_hdr, holder_tid), rec,
		    sizeof(rec));
	/* Waiters queued in the kernel, or an untrusted handle. */
	ipcobj_futex(w, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
}

/*
 * The object's change counter: read it under the lock before unlocking
 * and waiting, so that a change made in between is never missed.
 */
int
ipcobj_seq(struct ipcobj *o, uint32_t *seq)
{
	if (o->map != NULL) {
		*seq = atomic_load((_Atomic uint32_t *)ipcobj_word(o,
		    offsetof(struct ipcobj_hdr, seq)));
		return (0);
	}
	return (ipcobj_hget(o, offsetof(struct ipcobj_hdr, seq), seq,
	    sizeof(*seq)));
}

/*
 * Record a change and wake every waiter.  On an untrusted handle the
 * kernel adds to the counter (FUTEX_WAKE_OP), so no user-space access
 * can fault.  Returns 0 or EXITPT_E_DAMAGED.
 */
int
ipcobj_notify(struct ipcobj *o)
{
	uint32_t	*w = ipcobj_word(o, offsetof(struct ipcobj_hdr, seq));

	if (!o->writable)
		return (-EACCES);
	if (o->map != NULL) {
		atomic_fetch_add((_Atomic uint32_t *)w, 1);
		ipcobj_futex(w, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
		return (0);
	}
	if (ipcobj_futex(w, FUTEX_WAKE_OP, INT_MAX, NULL, w,
	    FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0)) == -1 &&
	    errno == EFAULT)
		return (ipcobj_fault(o, "truncated while in use"));
	return (0);
}

/*
 * Wait until the 32-bit futex word at data offset off moves away from
 * seen, or the deadline passes.  Returns 0 (look again: woken, changed,
 * or interrupted), EXITPT_E_TIMEOUT, or EXITPT_E_DAMAGED.
 */
int
ipcobj_futex_wait(struct ipcobj *o, size_t off, uint32_t seen,
    const struct ipcobj_deadline *d)
{
	struct timespec	 ts, *tp = NULL;
	size_t		 hoff = off == (size_t)-1 ?
			     offsetof(struct ipcobj_hdr, seq) :
			     IPCOBJ_DATA_OFFSET + off;

	if (hoff + 4 > o->maplen || hoff % 4 != 0)
		return (-EINVAL);
	if (!d->forever) {
		if (ipcobj_now() >= d->at)
			return (EXITPT_E_TIMEOUT);
		ipcobj_timespec(d->at, &ts);
		tp = &ts;
	}
	/* FUTEX_WAIT_BITSET: absolute timeout on CLOCK_MONOTONIC. */
	if (ipcobj_futex(ipcobj_word(o, hoff), FUTEX_WAIT_BITSET, seen, tp,
	    NULL, FUTEX_BITSET_MATCH_ANY) == -1) {
		if (errno == ETIMEDOUT)
			return (EXITPT_E_TIMEOUT);
		if (errno == EFAULT)
			return (ipcobj_fault(o, "truncated while in use"));
	}
	return (0);
}

/* Wake every waiter on the futex word at data offset off. */
int
ipcobj_futex_wake(struct ipcobj *o, size_t off)
{
	size_t	hoff = IPCOBJ_DATA_OFFSET + off;

	if (hoff + 4 > o->maplen || hoff % 4 != 0)
		return (-EINVAL);
	if (ipcobj_futex(ipcobj_word(o, hoff), FUTEX_WAKE, INT_MAX, NULL,
	    NULL, 0) == -1 && errno == EFAULT)
		return (ipcobj_fault(o, "truncated while in use"));
	return (0);
}

/*
 * Wait until the change counter moves away from seen or the deadline
 * passes.  Returns 0 (look again), EXITPT_E_TIMEOUT, -ENOENT when the
 * object was deleted, or EXITPT_E_DAMAGED.
 */
int
ipcobj_wait(struct ipcobj *o, uint32_t seen, const struct ipcobj_deadline *d)
{
	int	error;

	if (ipcobj_deleted(o))
		return (-ENOENT);
	if ((error = ipcobj_futex_wait(o, (size_t)-1, seen, d)) != 0)
		return (error);
	return (ipcobj_deleted(o) ? -ENOENT : 0);
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

/*
 * The deadline for taking a lock: d, or IPCOBJ_GRACE_MS from now if that
 * is later, since a lock is held for microseconds by those who play fair.
 */
void
ipcobj_deadline_grace(const struct ipcobj_deadline *d,
    struct ipcobj_deadline *out)
{
	int64_t	grace = ipcobj_now() + IPCOBJ_GRACE_MS * 1000000LL;

	*out = *d;
	if (!d->forever && d->at < grace)
		out->at = grace;
}

/* 1 if the deadline has passed. */
int
ipcobj_deadline_passed(const struct ipcobj_deadline *d)
{
	return (!d->forever && ipcobj_now() >= d->at);
}

/* Order names for ipcobj_list. */
static int
ipcobj_list_cmp(const void *a, const void *b)
{
	return (strcmp(*(char * const *)a, *(char * const *)b));
}

/*
 * The names of the data queues or data areas (type), sorted.  Objects of
 * the other type, and objects the caller cannot open at all, are left
 * out; so are names that are not object names.
 */
int
ipcobj_list(int type, char ***out, size_t *count)
{
	struct dirent	*de;
	struct ipcobj	*o;
	char		**names = NULL, **tmp;
	size_t		 n = 0, cap = 0;
	DIR		*dir;
	int		 dirfd, fd, error = 0;

	*out = NULL;
	*count = 0;
	if (type != IPCOBJ_DTAQ && type != IPCOBJ_DTAARA)
		return (-EINVAL);
	if ((error = ipcdir_get(IPCDIR_OBJECTS, &dirfd)) != 0)
		return (error);
	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return (-errno);
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return (-errno);
	}
	while ((de = readdir(dir)) != NULL) {
		if (exitpt_ipc_name_check(de->d_name) != 0)
			continue;
		if (ipcobj_openat(type, dirfd, de->d_name, IPCOBJ_ANY_OWNER,
		    IPCOBJ_READ, &o) != 0)
			continue;
		ipcobj_close(o);
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((tmp = reallocarray(names, cap,
			    sizeof(*names))) == NULL) {
				error = -ENOMEM;
				break;
			}
			names = tmp;
		}
		if ((names[n] = strdup(de->d_name)) == NULL) {
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

/* Note one damaged object or entry a listing skipped (see ipcobj_each_user). */
void
ipcobj_damage_add(struct ipcobj_damage *d, const char *fmt, ...)
{
	va_list	ap;

	if (d->n < IPCOBJ_DAMAGE_MAX) {
		va_start(ap, fmt);
		if (vasprintf(&d->what[d->n], fmt, ap) == -1)
			d->what[d->n] = NULL;
		va_end(ap);
	}
	d->n++;
}

/* What is wrong with damaged thing i, or NULL (beyond the first 16). */
const char *
ipcobj_damage_get(const struct ipcobj_damage *d, size_t i)
{
	if (i >= d->n || i >= IPCOBJ_DAMAGE_MAX || d->what[i] == NULL)
		return (i < d->n ? "(not described)" : NULL);
	return (d->what[i]);
}

/* Free the descriptions. */
void
ipcobj_damage_clear(struct ipcobj_damage *d)
{
	size_t	i;

	for (i = 0; i < d->n && i < IPCOBJ_DAMAGE_MAX; i++)
		free(d->what[i]);
	d->n = 0;
}

/*
 * Call cb with each user's object file name (of type), in the users'
 * directories of user want (IPCOBJ_ANY_OWNER: every user), opened for
 * reading (and writing when allowed) and checked to be that user's.  A
 * missing or unreadable file is skipped; a damaged one is skipped and
 * noted in d.  Stops at the first error cb returns.
 */
int
ipcobj_each_user(int type, const char *name, uid_t want, ipcobj_each_cb cb,
    void *arg, struct ipcobj_damage *d)
{
	struct ipcdir_user	*u;
	struct ipcobj		*o;
	size_t			 n, i;
	char			 label[96];
	int			 error;

	if ((error = ipcdir_users(want, &u, &n)) != 0)
		return (error);
	for (i = 0; i < n && error == 0; i++) {
		error = ipcobj_openat(type, u[i].fd, name, u[i].uid, 0, &o);
		if (error == -ENOENT || error == -EACCES) {
			error = 0;
			continue;
		}
		if (error == EXITPT_E_DAMAGED)
			ipcobj_damage_add(d, "%s", exitpt_ipc_detail());
		else if (error != 0) {
			/* Such as a lease its user holds on it: name it. */
			ipcobj_label(type, name, u[i].uid, label,
			    sizeof(label));
			ipcobj_damage_add(d, "%s: %s", label,
			    exitpt_strerror(error));
		}
		if (error != 0) {
			error = 0;
			continue;
		}
		error = cb(o, arg);
		ipcobj_close(o);
	}
	ipcdir_users_free(u, n);
	return (error);
}
