/*
 * The runtime directory, where every IPC object lives (see exitpt/ipc.h
 * and the trust model in libexitpt(3)):
 *
 *	R/		root (or a private instance's user), 0755: system
 *			objects, such as the suspend-pending flag
 *	R/u/		01777: one directory per user
 *	R/u/<uid>/	that user, 0755: its critical-section table, its lock
 *			table, its processes' job interrupt mailboxes
 *	R/obj/		01777: data queues and data areas, one file each
 *
 * Trust comes from the kernel, never from names or contents: R must be a
 * directory (not a symbolic link) that only its owner can write, and its
 * owner is the "system user" whose objects everyone trusts; a user's
 * directory counts only if that user owns it and nobody else can write
 * it, so nobody can create anything in another user's name.
 *
 * Why a per-user directory may not be called "<uid>": "u" is writable by
 * everyone (it is sticky, so nobody can remove or rename what another made),
 * and a hostile user can create "<uid>" for another user before that user
 * does.  Such a directory is not trusted (its owner is wrong); its victim
 * then makes "<uid>.<random>" instead, a name nobody can guess, and readers
 * look at every directory of a user, whatever its suffix.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitpt-int.h"

#define IPCDIR_DEFAULT		EXITPT_RUNSTATEDIR "/exitpt"
#define IPCDIR_SHM		"/dev/shm"
#define IPCDIR_PREFIX_MAX	32
#define IPCDIR_USERS_NAME	"u"
#define IPCDIR_OBJECTS_NAME	"obj"
#define IPCDIR_USERS_MAX	64	/* directories of one user, at most */

/* The resolved runtime directory of this process. */
static struct {
	pthread_mutex_t	 mtx;
	char		 path[PATH_MAX];
	int		 root;
	uid_t		 sysuid;
	int		 sub[2];	/* IPCDIR_USERS, IPCDIR_OBJECTS */
	int		 self;
	uid_t		 self_uid;
} ipcdir = { PTHREAD_MUTEX_INITIALIZER, "", -1, 0, { -1, -1 }, -1, 0 };

static int	 ipcdir_open_root(const char *, uid_t *);
static int	 ipcdir_open_sub(int, const char *);
static int	 ipcdir_user_ok(int, const char *, uid_t, int);
static int	 ipcdir_user_name(const char *, uid_t *);
static int	 ipcdir_find_self(uid_t);
static int	 ipcdir_reset(const char *);
static int	 ipcdir_gone(int);
static int	 ipcdir_user_cmp(const void *, const void *);

/*
 * Record a fault of the runtime directory for exitpt_ipc_detail() and
 * return EXITPT_E_RUNTIME_DIR (or error, when it is not 0).
 */
int
ipcdir_error(int error, const char *fmt, ...)
{
	char	buf[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ipcobj_damaged("%s", buf);
	return (error != 0 ? error : EXITPT_E_RUNTIME_DIR);
}

/*
 * The runtime directory's path: EXITPT_RUNTIME_DIR, or the private
 * instance /dev/shm/<EXITPT_IPC_PREFIX>.run, or the default.  Returns 0
 * or EXITPT_E_RUNTIME_DIR for a bad value.
 */
int
ipcdir_path(char *buf, size_t len)
{
	const char	*dir, *prefix;
	size_t		 i;
	int		 n;

	if ((dir = getenv(EXITPT_RUNTIME_DIR_ENV)) != NULL && *dir != '\0') {
		if (dir[0] != '/')
			return (ipcdir_error(0, "%s=%s: not an absolute path",
			    EXITPT_RUNTIME_DIR_ENV, dir));
		n = snprintf(buf, len, "%s", dir);
	} else if ((prefix = getenv(EXITPT_IPC_PREFIX_ENV)) != NULL &&
	    *prefix != '\0') {
		for (i = 0; prefix[i] != '\0'; i++) {
			if (i >= IPCDIR_PREFIX_MAX ||
			    strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-",
			    prefix[i]) == NULL)
				return (ipcdir_error(0, "%s: 1..%d of "
				    "A-Z a-z 0-9 _ - expected",
				    EXITPT_IPC_PREFIX_ENV, IPCDIR_PREFIX_MAX));
		}
		n = snprintf(buf, len, "%s/%s.run", IPCDIR_SHM, prefix);
	} else
		n = snprintf(buf, len, "%s", IPCDIR_DEFAULT);
	if (n < 0 || (size_t)n >= len)
		return (ipcdir_error(0, "runtime directory path too long"));
	return (0);
}

/*
 * Open the runtime directory, creating it if possible, and check that it
 * can be trusted.  Returns a descriptor (and its owner) or an error.
 */
static int
ipcdir_open_root(const char *path, uid_t *owner)
{
	struct stat	 st;
	const char	*parent;
	char		 up[PATH_MAX];
	int		 fd, rv, made = 0;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT) {
		/* root makes the parents too (runstatedir may be missing). */
		rv = mkdir(path, 0700);
		if (rv == -1 && errno == ENOENT && geteuid() == 0 &&
		    (parent = strrchr(path, '/')) != NULL && parent != path) {
			snprintf(up, sizeof(up), "%.*s", (int)(parent - path),
			    path);
			atomicfile_mkdirs(up, 0755);
			rv = mkdir(path, 0700);
		}
		if (rv == 0)
			made = 1;
		else if (errno != EEXIST)
			return (ipcdir_error(0, "%s: cannot create: %s", path,
			    strerror(errno)));
		fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	}
	if (fd == -1) {
		if (errno == ENOENT)
			return (ipcdir_error(0, "%s: missing (exitd creates "
			    "it when it starts)", path));
		return (ipcdir_error(0, "%s: %s", path, errno == ELOOP ||
		    errno == ENOTDIR ? "not a directory" : strerror(errno)));
	}
	if (made && fchmod(fd, 0755) == -1) {
		close(fd);
		return (ipcdir_error(0, "%s: %s", path, strerror(errno)));
	}
	if (fstat(fd, &st) == -1) {
		close(fd);
		return (-errno);
	}
	/* root trusts only root; anyone else root or itself. */
	if ((st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (geteuid() == 0 && st.st_uid != 0)) {
		close(fd);
		return (ipcdir_error(0, "%s: owned by uid %lu, not trusted",
		    path, (unsigned long)st.st_uid));
	}
	if ((st.st_mode & 022) != 0) {
		close(fd);
		return (ipcdir_error(0, "%s: writable by others (mode %04o)",
		    path, (unsigned)(st.st_mode & 07777)));
	}
	*owner = st.st_uid;
	return (fd);
}

/*
 * Open a shared subdirectory of the runtime directory ("u" or "obj"),
 * creating it when the caller owns the runtime directory: it must be the
 * system user's, sticky and writable by all.
 */
static int
ipcdir_open_sub(int root, const char *name)
{
	struct stat	st;
	int		fd, made = 0;

	fd = openat(root, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1 && errno == ENOENT && geteuid() == ipcdir.sysuid) {
		if (mkdirat(root, name, 0700) == 0)
			made = 1;
		else if (errno != EEXIST)
			return (ipcdir_error(0, "%s/%s: cannot create: %s",
			    ipcdir.path, name, strerror(errno)));
		fd = openat(root, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	}
	if (fd == -1) {
		if (errno == ENOENT)
			return (ipcdir_error(0, "%s/%s: missing (exitd creates "
			    "it when it starts)", ipcdir.path, name));
		return (ipcdir_error(0, "%s/%s: %s", ipcdir.path, name,
		    strerror(errno)));
	}
	if (made && fchmod(fd, 01777) == -1) {
		close(fd);
		return (-errno);
	}
	if (fstat(fd, &st) == -1 || st.st_uid != ipcdir.sysuid ||
	    (st.st_mode & 07777) != 01777) {
		close(fd);
		return (ipcdir_error(0, "%s/%s: not the system user's sticky "
		    "directory", ipcdir.path, name));
	}
	return (fd);
}

/*
 * 1 if a cached directory was removed (or the runtime directory's path
 * now names another one): it must be looked up again.
 */
static int
ipcdir_gone(int fd)
{
	struct stat	a, b;

	if (fd == -1)
		return (0);
	if (fstat(fd, &a) == -1 || a.st_nlink == 0)
		return (1);
	if (fd != ipcdir.root)
		return (0);
	return (lstat(ipcdir.path, &b) == -1 || a.st_dev != b.st_dev ||
	    a.st_ino != b.st_ino);
}

/* Forget the resolved directories and note a new path. */
static int
ipcdir_reset(const char *path)
{
	int	i;

	/*
	 * The old descriptors are left open: another thread may still use
	 * one.  Only tests change the runtime directory within a process.
	 */
	ipcdir.root = -1;
	for (i = 0; i < 2; i++)
		ipcdir.sub[i] = -1;
	ipcdir.self = -1;
	snprintf(ipcdir.path, sizeof(ipcdir.path), "%s", path);
	return (0);
}

/*
 * A descriptor of one of the directories (IPCDIR_ROOT, _USERS, _OBJECTS,
 * _SELF), opened and checked on first use.  The runtime directory and its
 * shared subdirectories are created by their owner (root, or exitd at
 * start); the caller's own directory is created as needed.  Returns 0 or
 * EXITPT_E_RUNTIME_DIR (see exitpt_ipc_detail) or -errno.
 */
int
ipcdir_get(int which, int *fdp)
{
	char	path[PATH_MAX];
	int	fd, error = 0;

	if ((error = ipcdir_path(path, sizeof(path))) != 0)
		return (error);
	pthread_mutex_lock(&ipcdir.mtx);
	if (strcmp(path, ipcdir.path) != 0 || ipcdir_gone(ipcdir.root) ||
	    ipcdir_gone(ipcdir.sub[0]) || ipcdir_gone(ipcdir.sub[1]))
		ipcdir_reset(path);
	else if (ipcdir_gone(ipcdir.self))
		ipcdir.self = -1;
	if (ipcdir.root == -1) {
		if ((fd = ipcdir_open_root(path, &ipcdir.sysuid)) < 0) {
			error = fd;
			goto out;
		}
		ipcdir.root = fd;
	}
	switch (which) {
	case IPCDIR_ROOT:
		*fdp = ipcdir.root;
		break;
	case IPCDIR_USERS:
	case IPCDIR_OBJECTS:
		if (ipcdir.sub[which - 1] == -1) {
			if ((fd = ipcdir_open_sub(ipcdir.root,
			    which == IPCDIR_USERS ? IPCDIR_USERS_NAME :
			    IPCDIR_OBJECTS_NAME)) < 0) {
				error = fd;
				break;
			}
			ipcdir.sub[which - 1] = fd;
		}
		*fdp = ipcdir.sub[which - 1];
		break;
	case IPCDIR_SELF:
		/* A process that changed user gets its new user's. */
		if (ipcdir.self != -1 && ipcdir.self_uid == geteuid()) {
			*fdp = ipcdir.self;
			break;
		}
		if (ipcdir.sub[0] == -1) {
			if ((fd = ipcdir_open_sub(ipcdir.root,
			    IPCDIR_USERS_NAME)) < 0) {
				error = fd;
				break;
			}
			ipcdir.sub[0] = fd;
		}
		if ((fd = ipcdir_find_self(geteuid())) < 0) {
			error = fd;
			break;
		}
		ipcdir.self = fd;
		ipcdir.self_uid = geteuid();
		*fdp = fd;
		break;
	default:
		error = -EINVAL;
	}
out:
	pthread_mutex_unlock(&ipcdir.mtx);
	return (error);
}

/* The runtime directory's owner, whose system objects everyone trusts. */
uid_t
ipcdir_sysuid(void)
{
	uid_t	uid;

	pthread_mutex_lock(&ipcdir.mtx);
	uid = ipcdir.sysuid;
	pthread_mutex_unlock(&ipcdir.mtx);
	return (uid);
}

/*
 * Create the runtime directory and its shared subdirectories (exitd does
 * this at start, as root).  Returns 0 or an error as ipcdir_get.
 */
int
ipcdir_init(void)
{
	int	fd, error;

	if ((error = ipcdir_get(IPCDIR_USERS, &fd)) != 0)
		return (error);
	return (ipcdir_get(IPCDIR_OBJECTS, &fd));
}

/*
 * Parse a user directory's name, "<uid>" or "<uid>.<suffix>".  Returns 1
 * and the uid, or 0 if the name is not one.
 */
static int
ipcdir_user_name(const char *name, uid_t *uid)
{
	unsigned long	v = 0;
	size_t		i;

	for (i = 0; name[i] >= '0' && name[i] <= '9'; i++) {
		if (i >= 10)
			return (0);
		v = v * 10 + (unsigned long)(name[i] - '0');
	}
	if (i == 0 || (name[i] != '\0' && name[i] != '.') ||
	    (name[0] == '0' && i > 1) || v > (unsigned long)UINT32_MAX - 1)
		return (0);
	*uid = (uid_t)v;
	return (1);
}

/*
 * Open the directory name in "u" if it is a real directory of uid that
 * nobody else can write; with fix, the caller (uid) may repair its mode.
 * Returns a descriptor, or -1 if the entry is not one.
 */
static int
ipcdir_user_ok(int users, const char *name, uid_t uid, int fix)
{
	struct stat	st;
	int		fd;

	/* Anyone may fill "u": one look rules out what is not uid's. */
	if (fstatat(users, name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISDIR(st.st_mode) || st.st_uid != uid)
		return (-1);
	fd = openat(users, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1)
		return (-1);
	if (fstat(fd, &st) == -1 || st.st_uid != uid) {
		close(fd);
		return (-1);
	}
	if ((st.st_mode & 07777) != 0755 && fix && fchmod(fd, 0755) == 0)
		st.st_mode = S_IFDIR | 0755;
	if ((st.st_mode & 022) != 0) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * The calling user's own directory: "<uid>", or, if someone else took
 * that name, an existing "<uid>.<random>" of ours, or a new one.
 */
static int
ipcdir_find_self(uid_t uid)
{
	struct ipcdir_user	*u;
	unsigned char		 rnd[8];
	char			 name[32];
	size_t			 n;
	int			 fd, tries, error;

	snprintf(name, sizeof(name), "%lu", (unsigned long)uid);
	for (tries = 0; tries < 8; tries++) {
		if ((fd = ipcdir_user_ok(ipcdir.sub[0], name, uid, 1)) >= 0)
			return (fd);
		if (mkdirat(ipcdir.sub[0], name, 0700) == 0)
			continue;	/* made it; open and fix its mode */
		if (errno != EEXIST)
			return (ipcdir_error(0, "%s/u/%s: cannot create: %s",
			    ipcdir.path, name, strerror(errno)));
		/* It exists and is not ours: taken by someone else. */
		break;
	}
	/* ipcdir_users needs the lock we hold: scan without it. */
	pthread_mutex_unlock(&ipcdir.mtx);
	error = ipcdir_users(uid, &u, &n);
	pthread_mutex_lock(&ipcdir.mtx);
	if (error == 0 && n > 0) {
		fd = dup(u[0].fd);
		ipcdir_users_free(u, n);
		return (fd == -1 ? -errno : fd);
	}
	if (error == 0)
		ipcdir_users_free(u, n);
	for (tries = 0; tries < 8; tries++) {
		if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
			return (-errno);
		snprintf(name, sizeof(name), "%lu.%02x%02x%02x%02x%02x%02x"
		    "%02x%02x", (unsigned long)uid, rnd[0], rnd[1], rnd[2],
		    rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
		if (mkdirat(ipcdir.sub[0], name, 0700) == -1) {
			if (errno == EEXIST)
				continue;
			return (ipcdir_error(0, "%s/u/%s: cannot create: %s",
			    ipcdir.path, name, strerror(errno)));
		}
		if ((fd = ipcdir_user_ok(ipcdir.sub[0], name, uid, 1)) >= 0)
			return (fd);
	}
	return (ipcdir_error(0, "%s/u: no directory of uid %lu can be made",
	    ipcdir.path, (unsigned long)uid));
}

/* Order user directories by uid, then "<uid>" before suffixed ones. */
static int
ipcdir_user_cmp(const void *a, const void *b)
{
	const struct ipcdir_user	*x = a, *y = b;

	if (x->uid != y->uid)
		return (x->uid < y->uid ? -1 : 1);
	return (strcmp(x->name, y->name));
}

/*
 * The trusted directories of one user (uid), or of every user
 * (IPCOBJ_ANY_OWNER), sorted; each open.  Entries that are not a real
 * directory of the user their name gives are skipped, and so are a
 * user's directories beyond IPCDIR_USERS_MAX (only that user can make
 * them, so only that user loses).  Returns 0 or an error.
 */
int
ipcdir_users(uid_t want, struct ipcdir_user **out, size_t *count)
{
	struct ipcdir_user	*u = NULL, *tmp;
	struct dirent		*de;
	size_t			 n = 0, cap = 0, i, same;
	uid_t			 uid;
	DIR			*dir;
	int			 users, fd, error;

	*out = NULL;
	*count = 0;
	if ((error = ipcdir_get(IPCDIR_USERS, &users)) != 0)
		return (error);
	if ((fd = openat(users, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return (-errno);
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return (-errno);
	}
	while ((de = readdir(dir)) != NULL) {
		if (!ipcdir_user_name(de->d_name, &uid) ||
		    (want != IPCOBJ_ANY_OWNER && uid != want) ||
		    strlen(de->d_name) >= sizeof(u->name))
			continue;
		for (i = 0, same = 0; i < n; i++)
			same += u[i].uid == uid;
		if (same >= IPCDIR_USERS_MAX)
			continue;
		if ((fd = ipcdir_user_ok(users, de->d_name, uid, 0)) == -1)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			if ((tmp = reallocarray(u, cap, sizeof(*u))) == NULL) {
				close(fd);
				error = -ENOMEM;
				break;
			}
			u = tmp;
		}
		u[n].uid = uid;
		u[n].fd = fd;
		snprintf(u[n].name, sizeof(u[n].name), "%s", de->d_name);
		n++;
	}
	closedir(dir);
	if (error != 0) {
		ipcdir_users_free(u, n);
		return (error);
	}
	if (n > 1)
		qsort(u, n, sizeof(*u), ipcdir_user_cmp);
	*out = u;
	*count = n;
	return (0);
}

/* Close and free the result of ipcdir_users. */
void
ipcdir_users_free(struct ipcdir_user *u, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		close(u[i].fd);
	free(u);
}
