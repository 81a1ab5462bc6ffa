/*
 * Atomic, durable file replacement: a reader, or a crash at any instant,
 * sees either the old file or the new one, never a torn one.  The new
 * contents go to a temporary file in the same directory, are synced, and
 * are renamed over the old name; then the directory is synced.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitpt-int.h"

#define ATOMICFILE_PREFIX	".tmp."

/* Write all of buf to fd, retrying short writes. */
static int
atomicfile_writeall(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-errno);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/*
 * Replace name in directory dirfd with buf.  The caller serializes
 * writers; temporaries of a writer that died are removed by
 * atomicfile_sweep().
 */
int
atomicfile_write(int dirfd, const char *name, const void *buf, size_t len,
    mode_t mode)
{
	char	tmp[NAME_MAX + 1];
	int	fd, error;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s%ld.%s", ATOMICFILE_PREFIX,
	    (long)getpid(), name) >= sizeof(tmp))
		return (-ENAMETOOLONG);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, mode);
	if (fd == -1)
		return (-errno);
	if ((error = atomicfile_writeall(fd, buf, len)) != 0 ||
	    (fchmod(fd, mode) == -1 && (error = -errno) != 0) ||
	    (fsync(fd) == -1 && (error = -errno) != 0)) {
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return (error);
	}
	if (close(fd) == -1) {
		error = -errno;
		unlinkat(dirfd, tmp, 0);
		return (error);
	}
	if (renameat(dirfd, tmp, dirfd, name) == -1) {
		error = -errno;
		unlinkat(dirfd, tmp, 0);
		return (error);
	}
	if (fsync(dirfd) == -1)
		return (-errno);
	return (0);
}

/*
 * Open directory dirfd for a scan of its own.  A fresh open, not dup():
 * a dup'ed descriptor would share its offset with every other scan.
 */
DIR *
atomicfile_opendir(int dirfd)
{
	DIR	*dir;
	int	 fd, saved;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return (NULL);
	if ((dir = fdopendir(fd)) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
	}
	return (dir);
}

/* Remove temporaries left in dirfd by writers that died mid-write. */
int
atomicfile_sweep(int dirfd)
{
	DIR		*dir;
	struct dirent	*de;

	if ((dir = atomicfile_opendir(dirfd)) == NULL)
		return (-errno);
	while ((de = readdir(dir)) != NULL) {
		if (strncmp(de->d_name, ATOMICFILE_PREFIX,
		    strlen(ATOMICFILE_PREFIX)) == 0)
			unlinkat(dirfd, de->d_name, 0);
	}
	closedir(dir);
	return (0);
}

/* Create a directory and its missing parents, like mkdir -p. */
int
atomicfile_mkdirs(const char *path, mode_t mode)
{
	char	buf[PATH_MAX], *p;

	if (strlen(path) >= sizeof(buf))
		return (-ENAMETOOLONG);
	strcpy(buf, path);
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) == -1 && errno != EEXIST)
			return (-errno);
		*p = '/';
	}
	if (mkdir(buf, mode) == -1 && errno != EEXIST)
		return (-errno);
	return (0);
}
