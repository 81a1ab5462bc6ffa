/*
 * Safety check of an exit program before it is listed or run: it must
 * exist, be an executable regular file, and neither it nor any directory
 * above it may be writable by anyone but root and the run-as user.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitpt-int.h"

/* Check one path's owner and write bits; fill why on failure. */
static int
progcheck_owner(const char *path, const struct stat *st, uid_t uid,
    char *why, size_t len)
{
	int	dir = S_ISDIR(st->st_mode);

	if (st->st_uid != 0 && st->st_uid != uid) {
		snprintf(why, len, "%s %s is owned by uid %lu, neither root nor "
		    "the run-as user", dir ? "directory" : "program", path,
		    (unsigned long)st->st_uid);
		return (-EPERM);
	}
	/* A sticky directory lets nobody else rename or remove our file. */
	if (dir && (st->st_mode & S_ISVTX))
		return (0);
	if (st->st_mode & S_IWOTH) {
		snprintf(why, len, "%s %s is writable by everyone",
		    dir ? "directory" : "program", path);
		return (-EPERM);
	}
	if ((st->st_mode & S_IWGRP) && st->st_gid != 0) {
		snprintf(why, len, "%s %s is writable by group %lu",
		    dir ? "directory" : "program", path,
		    (unsigned long)st->st_gid);
		return (-EPERM);
	}
	return (0);
}

/*
 * Decide whether path may be run as uid.  Returns 0, or -ENOENT (missing),
 * -EACCES (not an executable regular file) or -EPERM (writable by others),
 * with a one-line reason in why.
 */
int
progcheck_path(const char *path, uid_t uid, char *why, size_t len)
{
	struct stat	 st;
	char		 real[PATH_MAX], *slash;
	int		 error;

	if (len > 0)
		why[0] = '\0';
	if (path[0] != '/') {
		snprintf(why, len, "program %s is not an absolute path", path);
		return (-EACCES);
	}
	if (stat(path, &st) == -1) {
		error = -errno;
		snprintf(why, len, "program %s is missing (%s)", path,
		    strerror(errno));
		return (error == -ENOENT || error == -ENOTDIR ? -ENOENT : error);
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, len, "program %s is not a regular file", path);
		return (-EACCES);
	}
	if ((st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0) {
		snprintf(why, len, "program %s is not executable", path);
		return (-EACCES);
	}
	if (realpath(path, real) == NULL) {
		error = -errno;
		snprintf(why, len, "program %s: %s", path, strerror(errno));
		return (error);
	}
	if ((error = progcheck_owner(real, &st, uid, why, len)) != 0)
		return (error);
	while ((slash = strrchr(real, '/')) != NULL) {
		if (slash == real)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(real, &st) == -1) {
			error = -errno;
			snprintf(why, len, "directory %s: %s", real,
			    strerror(errno));
			return (error);
		}
		if ((error = progcheck_owner(real, &st, uid, why, len)) != 0)
			return (error);
		if (slash == real)
			break;
	}
	return (0);
}
