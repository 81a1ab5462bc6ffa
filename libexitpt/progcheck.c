/*
 * Safety check of an exit program before it is listed or run: it must
 * exist, be an executable regular file, and neither it, nor its script
 * interpreter, nor any directory or symbolic link on the way to either may
 * be changed by anyone but root and the run-as user (POSIX ACLs included).
 *
 * The path is walked one component at a time from "/", each component
 * opened without following symbolic links and checked through its open
 * descriptor; symbolic links are followed by hand once their owner is
 * checked.  progcheck_open() returns the descriptor of the very file that
 * was checked, so that the caller executes that inode (fexecve) and not
 * whatever the path names a moment later.
 */
#include <sys/acl.h>
#include <sys/stat.h>

#include <acl/libacl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitpt-int.h"

#define PROGCHECK_SYMLINKS_MAX	40	/* as the kernel's MAXSYMLINKS */
#define PROGCHECK_INTERP_MAX	4	/* nested #! interpreters */
#define PROGCHECK_SHEBANG_MAX	256	/* as the kernel's BINPRM_BUF_SIZE */
#define PROGCHECK_CHAIN_MAX	64	/* objects remembered per directory */
#define PROGCHECK_CACHE_MAX	8	/* directories remembered */

/* The directories and links a walk went through, kept open. */
struct progcheck_chain {
	int		 fd[PROGCHECK_CHAIN_MAX];
	int		 n;
	int		 overflow;
};

struct progcheck_dir {
	char			*key;		/* the directory, as given */
	uid_t			 run_as;
	char			*walked;	/* as reached, for messages */
	struct progcheck_chain	 chain;		/* "/" first, it last */
};

struct progcheck_cache {
	struct progcheck_dir	 dir[PROGCHECK_CACHE_MAX];
	int			 n;
	int			 next;		/* to replace when full */
};

static int	progcheck_file(const char *, uid_t, int,
		    struct progcheck_cache *, struct progcheck *, char *,
		    size_t);

/* Whether uid may own what is checked for a program run as run_as. */
static int
progcheck_trusted_uid(uid_t uid, uid_t run_as)
{
	return (uid == 0 || uid == run_as);
}

/*
 * Look through the access ACL of an object whose group class may write
 * (the ACL mask, shown as the group bits, has write): every named user and
 * group entry, and the owning group, that may write must be root's.
 * Returns 0, -EPERM with why filled, or -errno.
 */
static int
progcheck_acl(int fd, const struct stat *st, uid_t run_as, const char *what,
    const char *path, char *why, size_t len)
{
	char		 proc[64];
	acl_t		 acl;
	acl_entry_t	 ent;
	acl_tag_t	 tag;
	acl_permset_t	 perms;
	unsigned long	 id = 0;
	void		*q;
	int		 which, error = 0, bad = 0;

	/* Also works on an O_PATH descriptor, unlike acl_get_fd(). */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if ((acl = acl_get_file(proc, ACL_TYPE_ACCESS)) == NULL) {
		if (errno == ENOTSUP || errno == EOPNOTSUPP)
			goto mode;	/* no ACLs here: the mode says it all */
		error = -errno;
		snprintf(why, len, "%s %s: cannot read its ACL: %s", what,
		    path, strerror(errno));
		return (error);
	}
	for (which = ACL_FIRST_ENTRY; !bad &&
	    acl_get_entry(acl, which, &ent) == 1; which = ACL_NEXT_ENTRY) {
		if (acl_get_tag_type(ent, &tag) == -1 ||
		    acl_get_permset(ent, &perms) == -1)
			continue;
		if (acl_get_perm(perms, ACL_WRITE) != 1)
			continue;
		switch (tag) {
		case ACL_USER:
			if ((q = acl_get_qualifier(ent)) == NULL)
				break;
			id = *(uid_t *)q;
			acl_free(q);
			if (!progcheck_trusted_uid((uid_t)id, run_as)) {
				snprintf(why, len, "%s %s is writable by user "
				    "%lu through its ACL", what, path, id);
				bad = 1;
			}
			break;
		case ACL_GROUP:
			if ((q = acl_get_qualifier(ent)) == NULL)
				break;
			id = *(gid_t *)q;
			acl_free(q);
			if (id != 0) {
				snprintf(why, len, "%s %s is writable by group "
				    "%lu through its ACL", what, path, id);
				bad = 1;
			}
			break;
		case ACL_GROUP_OBJ:
			if (st->st_gid != 0) {
				snprintf(why, len, "%s %s is writable by group "
				    "%lu", what, path, (unsigned long)st->st_gid);
				bad = 1;
			}
			break;
		}
	}
	acl_free(acl);
	return (bad ? -EPERM : 0);
mode:
	if (st->st_gid != 0) {
		snprintf(why, len, "%s %s is writable by group %lu", what,
		    path, (unsigned long)st->st_gid);
		return (-EPERM);
	}
	return (0);
}

/*
 * Check one object's owner and who may write it (mode and ACL).  A
 * sticky directory lets nobody else rename or remove what is in it, so
 * its write bits do not matter.
 */
int
progcheck_owner(int fd, const struct stat *st, uid_t run_as,
    const char *owner_label, const char *what, const char *path, char *why,
    size_t len)
{
	if (!progcheck_trusted_uid(st->st_uid, run_as)) {
		snprintf(why, len, "%s %s is owned by uid %lu, neither root nor "
		    "%s", what, path, (unsigned long)st->st_uid, owner_label);
		return (-EPERM);
	}
	if (S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX))
		return (0);
	if (st->st_mode & S_IWOTH) {
		snprintf(why, len, "%s %s is writable by everyone", what, path);
		return (-EPERM);
	}
	/*
	 * With an extended ACL the group bits are the ACL mask: when they
	 * lack write, no named user or group may write either, and the ACL
	 * need not be read at all (the common 0755 case costs nothing).
	 */
	if ((st->st_mode & S_IWGRP) == 0)
		return (0);
	return (progcheck_acl(fd, st, run_as, what, path, why, len));
}

/* Append a component to the path walked so far (for messages only). */
static void
progcheck_append(char *walked, size_t size, const char *name)
{
	size_t	n = strlen(walked);

	if (strcmp(name, "..") == 0) {
		while (n > 1 && walked[n - 1] != '/')
			n--;
		if (n > 1)
			n--;
		walked[n] = '\0';
		return;
	}
	snprintf(walked + n, size - n, "%s%s", n > 1 ? "/" : "", name);
}

/*
 * Replace the rest of the path with a symbolic link's target followed by
 * what was left after the link.  Returns 0 or -errno.
 */
static int
progcheck_splice(int linkfd, char *rest, size_t size)
{
	char	target[PATH_MAX], *tail;
	ssize_t	n;

	if ((n = readlinkat(linkfd, "", target, sizeof(target) - 1)) == -1)
		return (-errno);
	if (n == 0)
		return (-ENOENT);
	target[n] = '\0';
	if ((tail = strdup(rest)) == NULL)
		return (-ENOMEM);
	if ((size_t)snprintf(rest, size, "%s%s%s", target,
	    *tail != '\0' ? "/" : "", tail) >= size) {
		free(tail);
		return (-ENAMETOOLONG);
	}
	free(tail);
	return (0);
}

/*
 * Open for real, with flags, the object an O_PATH descriptor (*fdp, of
 * status st) holds, if it is a regular file or a directory: through
 * /proc/self/fd, so that it is that very object.  Anything else keeps its
 * O_PATH descriptor, to be refused by the caller: opening a device node
 * as root can act by itself (a watchdog starts, a tape rewinds), whoever
 * put it or a link to it on the path.  Returns 0 or -errno (*fdp closed
 * and -1).
 */
static int
progcheck_reopen(int *fdp, const struct stat *st, int flags)
{
	char	proc[64];
	int	fd, error;

	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))
		return (0);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", *fdp);
	fd = open(proc, flags | O_NOCTTY | O_CLOEXEC);
	error = fd == -1 ? -errno : 0;
	close(*fdp);
	*fdp = fd;
	return (error);
}

/* Open "/" and check it as the first directory of every walk. */
static int
progcheck_root(uid_t run_as, const char *label, char *why, size_t len)
{
	struct stat	st;
	int		fd, error;

	if ((fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		error = -errno;
		snprintf(why, len, "directory /: %s", strerror(errno));
		if (fd != -1)
			close(fd);
		return (error);
	}
	if ((error = progcheck_owner(fd, &st, run_as, label, "directory", "/",
	    why, len)) != 0) {
		close(fd);
		return (error);
	}
	return (fd);
}

/*
 * Keep an object a walk went through in chain (when there is one and it
 * has room), else close it.
 */
static void
progcheck_keep(struct progcheck_chain *chain, int fd)
{
	if (chain != NULL && chain->n < PROGCHECK_CHAIN_MAX) {
		chain->fd[chain->n++] = fd;
		return;
	}
	if (chain != NULL)
		chain->overflow = 1;
	close(fd);
}

/* Close what a chain holds. */
static void
progcheck_chain_close(struct progcheck_chain *chain)
{
	while (chain->n > 0)
		close(chain->fd[--chain->n]);
	chain->overflow = 0;
}

/* progcheck_walk, keeping what it went through in chain (may be NULL). */
static int
progcheck_walk_chain(const char *path, uid_t run_as, int flags,
    const char *label, int *fdp, struct stat *st, char *walked,
    size_t wsize, char *why, size_t len, struct progcheck_chain *chain)
{
	char		 rest[2 * PATH_MAX], *name, *slash;
	int		 dirfd, fd, error = 0, links = 0, last;

	*fdp = -1;
	if (path[0] != '/') {
		snprintf(why, len, "%s is not an absolute path", path);
		return (-EACCES);
	}
	if ((size_t)snprintf(rest, sizeof(rest), "%s", path + 1) >=
	    sizeof(rest))
		return (-ENAMETOOLONG);
	snprintf(walked, wsize, "/");
	if ((dirfd = progcheck_root(run_as, label, why, len)) < 0)
		return (dirfd);
	for (;;) {
		/* Take the next component off the front of rest. */
		name = rest;
		while (*name == '/')
			name++;
		if (*name == '\0') {
			/* The path names a directory ("/" or "dir/"). */
			fd = dirfd;
			dirfd = -1;
			if (fstat(fd, st) == -1) {
				error = -errno;
				close(fd);
				break;
			}
			*fdp = fd;
			return (0);
		}
		if ((slash = strchr(name, '/')) != NULL)
			*slash = '\0';
		last = slash == NULL || slash[1 + strspn(slash + 1, "/")] ==
		    '\0';
		if (strcmp(name, ".") == 0) {
			memmove(rest, slash != NULL ? slash + 1 : "",
			    slash != NULL ? strlen(slash + 1) + 1 : 1);
			continue;
		}
		/* Looked at first: see progcheck_reopen. */
		fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd == -1 || fstat(fd, st) == -1) {
			error = -errno;
			progcheck_append(walked, wsize, name);
			snprintf(why, len, "%s: %s", walked, strerror(errno));
			if (fd != -1)
				close(fd);
			break;
		}
		if (S_ISLNK(st->st_mode)) {
			progcheck_append(walked, wsize, name);
			if (!progcheck_trusted_uid(st->st_uid, run_as)) {
				snprintf(why, len, "symbolic link %s is owned "
				    "by uid %lu, neither root nor %s", walked,
				    (unsigned long)st->st_uid, label);
				error = -EPERM;
			} else if (++links > PROGCHECK_SYMLINKS_MAX) {
				snprintf(why, len, "%s: too many symbolic "
				    "links", path);
				error = -ELOOP;
			}
			/* What follows the link goes after its target. */
			if (error == 0) {
				if (slash != NULL)
					memmove(rest, slash + 1,
					    strlen(slash + 1) + 1);
				else
					rest[0] = '\0';
				if ((error = progcheck_splice(fd, rest,
				    sizeof(rest))) != 0)
					snprintf(why, len, "symbolic link %s: "
					    "%s", walked, strerror(-error));
			}
			if (error != 0) {
				close(fd);
				break;
			}
			progcheck_keep(chain, fd);
			/* Step back out of the link's name for messages. */
			progcheck_append(walked, wsize, "..");
			if (rest[0] == '/') {
				progcheck_keep(chain, dirfd);
				snprintf(walked, wsize, "/");
				if ((dirfd = progcheck_root(run_as, label, why,
				    len)) < 0) {
					error = dirfd;
					dirfd = -1;
					break;
				}
			}
			continue;
		}
		progcheck_append(walked, wsize, name);
		if (last && flags != -1 && (error = progcheck_reopen(&fd, st,
		    flags)) != 0) {
			snprintf(why, len, "%s: %s", walked, strerror(-error));
			break;
		}
		if (last) {
			progcheck_keep(chain, dirfd);
			*fdp = fd;
			return (0);
		}
		if (!S_ISDIR(st->st_mode)) {
			snprintf(why, len, "%s is not a directory", walked);
			close(fd);
			error = -ENOTDIR;
			break;
		}
		if ((error = progcheck_owner(fd, st, run_as, label,
		    "directory", walked, why, len)) != 0) {
			close(fd);
			break;
		}
		progcheck_keep(chain, dirfd);
		dirfd = fd;
		memmove(rest, slash + 1, strlen(slash + 1) + 1);
	}
	if (dirfd != -1)
		close(dirfd);
	if (chain != NULL)
		progcheck_chain_close(chain);
	return (error);
}

/*
 * Walk an absolute path from "/": every directory on the way and every
 * symbolic link followed must be owned by root or run_as, and no
 * directory may be writable by anyone else.  The last component is opened
 * with flags (plus O_CLOEXEC; O_PATH when flags is -1, or when it is
 * neither a regular file nor a directory, which is never opened for
 * real) and returned in *fdp with its status in *st, unchecked; walked
 * receives the path it was reached by, for messages.  Follows Linux path
 * resolution.
 * Returns 0 or -errno with why (len bytes).
 */
int
progcheck_walk(const char *path, uid_t run_as, int flags, const char *label,
    int *fdp, struct stat *st, char *walked, size_t wsize, char *why,
    size_t len)
{
	return (progcheck_walk_chain(path, run_as, flags, label, fdp, st,
	    walked, wsize, why, len, NULL));
}

/*
 * A cache of the directories programs were found in, for a batch of
 * starts (a phase starting a thousand programs of one directory walks
 * it once).  Returns NULL when out of memory.
 */
struct progcheck_cache *
progcheck_cache_new(void)
{
	return (calloc(1, sizeof(struct progcheck_cache)));
}

/* Forget one remembered directory. */
static void
progcheck_dir_clear(struct progcheck_dir *d)
{
	progcheck_chain_close(&d->chain);
	free(d->key);
	free(d->walked);
	memset(d, 0, sizeof(*d));
}

/* Free a cache and close what it holds. */
void
progcheck_cache_free(struct progcheck_cache *cache)
{
	int	i;

	if (cache == NULL)
		return;
	for (i = 0; i < cache->n; i++)
		progcheck_dir_clear(&cache->dir[i]);
	free(cache);
}

/*
 * Check again, through the descriptors kept, every directory and link a
 * remembered walk went through: their owners and modes may have changed
 * since.  Returns 0 when all still pass.
 */
static int
progcheck_dir_recheck(const struct progcheck_dir *d)
{
	struct stat	st;
	char		why[8];
	int		i;

	for (i = 0; i < d->chain.n; i++) {
		if (fstat(d->chain.fd[i], &st) == -1)
			return (-1);
		if (S_ISLNK(st.st_mode)) {
			if (!progcheck_trusted_uid(st.st_uid, d->run_as))
				return (-1);
		} else if (progcheck_owner(d->chain.fd[i], &st, d->run_as,
		    "", "", "", why, sizeof(why)) != 0)
			return (-1);
	}
	return (0);
}

/*
 * Open path's last component below its directory as remembered in cache
 * (walking the directory and remembering it first if needed), with the
 * flags progcheck_walk gets.  Returns 0 with *fdp, *st and walked as
 * progcheck_walk gives them, or -EAGAIN when the caller must walk the
 * whole path (also to word an error).
 */
static int
progcheck_cached(struct progcheck_cache *cache, const char *path,
    uid_t run_as, int flags, int *fdp, struct stat *st, char *walked,
    size_t wsize)
{
	struct progcheck_dir	*d = NULL;
	const char		*name;
	char			 dir[PATH_MAX], why[8];
	size_t			 dlen;
	int			 i, fd;

	if ((name = strrchr(path, '/')) == NULL || name == path)
		return (-EAGAIN);
	dlen = (size_t)(name - path);
	name++;
	if (*name == '\0' || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0 || dlen >= sizeof(dir))
		return (-EAGAIN);
	for (i = 0; i < cache->n; i++) {
		if (cache->dir[i].key != NULL && cache->dir[i].run_as == run_as &&
		    strlen(cache->dir[i].key) == dlen &&
		    memcmp(cache->dir[i].key, path, dlen) == 0) {
			d = &cache->dir[i];
			break;
		}
	}
	if (d != NULL && progcheck_dir_recheck(d) != 0) {
		progcheck_dir_clear(d);
		return (-EAGAIN);
	}
	if (d == NULL) {
		/* A free slot, a new one, or the oldest one. */
		for (i = 0; d == NULL && i < cache->n; i++) {
			if (cache->dir[i].key == NULL)
				d = &cache->dir[i];
		}
		if (d == NULL && cache->n < PROGCHECK_CACHE_MAX)
			d = &cache->dir[cache->n++];
		if (d == NULL) {
			d = &cache->dir[cache->next];
			cache->next = (cache->next + 1) % PROGCHECK_CACHE_MAX;
			progcheck_dir_clear(d);
		}
		memcpy(dir, path, dlen);
		dir[dlen] = '\0';
		if (progcheck_walk_chain(dir, run_as, -1, "", &fd, st, walked,
		    wsize, why, sizeof(why), &d->chain) != 0) {
			progcheck_dir_clear(d);
			return (-EAGAIN);
		}
		progcheck_keep(&d->chain, fd);
		if (d->chain.overflow || !S_ISDIR(st->st_mode) ||
		    progcheck_owner(fd, st, run_as, "", "", "", why,
		    sizeof(why)) != 0 || (d->key = strdup(dir)) == NULL ||
		    (d->walked = strdup(walked)) == NULL) {
			progcheck_dir_clear(d);
			return (-EAGAIN);
		}
		d->run_as = run_as;
	}
	/*
	 * Only a regular file is opened here (see progcheck_reopen); only
	 * root could put a device node in its place before the open.
	 */
	if (fstatat(d->chain.fd[d->chain.n - 1], name, st,
	    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st->st_mode))
		return (-EAGAIN);	/* a link, missing or odd: walk it */
	fd = openat(d->chain.fd[d->chain.n - 1], name, flags | O_NOCTTY |
	    O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return (-EAGAIN);
	if (fstat(fd, st) == -1) {
		close(fd);
		return (-EAGAIN);
	}
	snprintf(walked, wsize, "%s%s%s", d->walked, strcmp(d->walked,
	    "/") == 0 ? "" : "/", name);
	*fdp = fd;
	return (0);
}

/*
 * Read the interpreter a script names on its "#!" line into interp (an
 * absolute path: the kernel looks a relative one up from the working
 * directory, "/" for exit programs).  Returns 1 for a script, 0 for
 * anything else, -errno on a read error.
 */
static int
progcheck_shebang(int fd, char *interp, size_t size)
{
	char	buf[PROGCHECK_SHEBANG_MAX + 1], *p, *end;
	ssize_t	n;

	if ((n = pread(fd, buf, PROGCHECK_SHEBANG_MAX, 0)) == -1)
		return (-errno);
	if (n < 2 || buf[0] != '#' || buf[1] != '!')
		return (0);
	buf[n] = '\0';
	p = buf + 2 + strspn(buf + 2, " \t");
	end = p + strcspn(p, " \t\n");
	*end = '\0';
	if (*p == '\0')
		return (-ENOEXEC);
	if ((size_t)snprintf(interp, size, "%s%s", *p == '/' ? "" : "/", p) >=
	    size)
		return (-ENAMETOOLONG);
	return (1);
}

/*
 * Check the program (or, at depth > 0, a script's interpreter) and, for
 * a script, its interpreter in turn.  On success the checked file stays
 * open in pc (read-only, close-on-exec).
 */
static int
progcheck_file(const char *path, uid_t run_as, int depth,
    struct progcheck_cache *cache, struct progcheck *pc, char *why,
    size_t len)
{
	struct progcheck	 ipc;
	struct stat		 st;
	char			 walked[PATH_MAX], interp[PATH_MAX];
	const char		*what = depth == 0 ? "program" : "interpreter";
	int			 fd, error, pathonly = 0;

	pc->fd = -1;
	pc->script = 0;
	/*
	 * Non-blocking, so that a FIFO put in the program's place is
	 * refused below instead of hanging the open.
	 */
	error = -EAGAIN;
	if (cache != NULL)
		error = progcheck_cached(cache, path, run_as, O_RDONLY |
		    O_NONBLOCK, &fd, &st, walked, sizeof(walked));
	if (error == -EAGAIN)
		error = progcheck_walk(path, run_as, O_RDONLY | O_NONBLOCK,
		    "the run-as user", &fd, &st, walked, sizeof(walked), why,
		    len);
	if (error == -EACCES && fd == -1 && path[0] == '/' && depth == 0 &&
	    geteuid() != 0) {
		/* An unprivileged lister may not read it: check it anyway. */
		error = progcheck_walk(path, run_as, -1, "the run-as user",
		    &fd, &st, walked, sizeof(walked), why, len);
		pathonly = 1;
	}
	if (error != 0) {
		if (error == -ENOENT || error == -ENOTDIR) {
			snprintf(why, len, "%s %s is missing (%s)", what, path,
			    strerror(ENOENT));
			return (-ENOENT);
		}
		if (path[0] != '/')
			snprintf(why, len, "%s %s is not an absolute path",
			    what, path);
		return (error);
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, len, "%s %s is not a regular file", what, path);
		close(fd);
		return (-EACCES);
	}
	if ((st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0) {
		snprintf(why, len, "%s %s is not executable", what, path);
		close(fd);
		return (-EACCES);
	}
	if ((error = progcheck_owner(fd, &st, run_as, "the run-as user", what,
	    walked, why, len)) != 0) {
		close(fd);
		return (error);
	}
	/* An O_PATH descriptor (unprivileged lister) cannot be read. */
	if (!pathonly) {
		if ((error = progcheck_shebang(fd, interp,
		    sizeof(interp))) < 0) {
			snprintf(why, len, "%s %s: cannot read its first line: "
			    "%s", what, path, strerror(-error));
			close(fd);
			return (error == -ENOEXEC ? -EACCES : error);
		}
		if (error == 1) {
			if (depth >= PROGCHECK_INTERP_MAX) {
				snprintf(why, len, "%s %s: too many nested "
				    "interpreters", what, path);
				close(fd);
				return (-ELOOP);
			}
			if ((error = progcheck_file(interp, run_as, depth + 1,
			    cache, &ipc, why, len)) != 0) {
				close(fd);
				return (error);
			}
			close(ipc.fd);
			pc->script = 1;
		}
	}
	pc->fd = fd;
	return (0);
}

/*
 * Decide whether path may be run as uid run_as, and open it.  On success
 * pc->fd is the checked file (read-only, close-on-exec, to be executed
 * with fexecve) and pc->script tells that it starts with "#!" (its
 * interpreter was checked too).  cache (NULL: none) remembers the
 * directories walked, which are checked again through their descriptors
 * each time.  Follows Linux path and #! semantics.  Returns 0, or -ENOENT
 * (missing), -EACCES (not an executable regular file, or not an absolute
 * path), -EPERM (changeable by others), -ELOOP, or another -errno, with a
 * one-line reason in why (len bytes).
 */
int
progcheck_open(const char *path, uid_t run_as, struct progcheck_cache *cache,
    struct progcheck *pc, char *why, size_t len)
{
	if (len > 0)
		why[0] = '\0';
	return (progcheck_file(path, run_as, 0, cache, pc, why, len));
}

/*
 * As progcheck_open, for a listing: the file is checked and closed.
 * Returns 0 or the same errors.
 */
int
progcheck_path(const char *path, uid_t run_as, char *why, size_t len)
{
	struct progcheck	pc;
	int			error;

	if ((error = progcheck_open(path, run_as, NULL, &pc, why, len)) == 0)
		close(pc.fd);
	return (error);
}
