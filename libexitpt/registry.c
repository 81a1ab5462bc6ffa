/*
 * The registration facility: exit programs per exit point, as IBM i's
 * ADDEXITPGM, RMVEXITPGM and WRKREGINF keep them.
 *
 * Layout under the state directory:
 *
 *	registry/.writers.lock			flock(2) serializing writers
 *	registry/QIBM_QWC_SUSPEND/0000000010.pgm	one file per program
 *
 * Each entry file holds key=value lines; it is replaced atomically, so a
 * reader never needs the lock and never sees a torn entry.  The program
 * number is the file name; the exit point is the directory.  Only regular
 * files are read, never through a symbolic link, and opened without
 * blocking: a FIFO or device put there is reported and skipped.
 *
 * The lock file can be opened, hence locked, only by those who may change
 * the registry (root, and the admin group when the registry was opened to
 * it); a writer waits for the lock a bounded time.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"

#define REGISTRY_DIR		"registry"
#define REGISTRY_LOCK		".writers.lock"
#define REGISTRY_SUFFIX		".pgm"
#define REGISTRY_FILE_MAX	(64 * 1024)
#define REGISTRY_VALUE_MAX	(4 * PATH_MAX)
#define REGISTRY_LOCK_DEFAULT	10	/* seconds */

static int	registry_lock_wait = REGISTRY_LOCK_DEFAULT;

static const char *registry_points[REGISTRY_NPOINTS] = {
	EXITPT_EXIT_POINT_SUSPEND,
	EXITPT_EXIT_POINT_RESUME,
};

static int	registry_parse(int, const char *, const char *, int, int32_t,
		    registry_warn_cb, void *, struct registry_entry *);

/* Map an exit point name to its index, or EXITPT_E_EXIT_POINT. */
int
registry_point_parse(const char *name)
{
	int	i;

	for (i = 0; i < REGISTRY_NPOINTS; i++) {
		if (name != NULL && strcmp(name, registry_points[i]) == 0)
			return (i);
	}
	return (EXITPT_E_EXIT_POINT);
}

/* Name of an exit point index. */
const char *
registry_point_name(int point)
{
	if (point < 0 || point >= REGISTRY_NPOINTS)
		return ("?");
	return (registry_points[point]);
}

/* Parse a program number: 1..2147483647, *LOW or *HIGH. */
int
registry_number_parse(const char *s, int32_t *out)
{
	long long	v;

	if (strcmp(s, "*LOW") == 0) {
		*out = REGISTRY_LOW;
		return (0);
	}
	if (strcmp(s, "*HIGH") == 0) {
		*out = REGISTRY_HIGH;
		return (0);
	}
	if (text_parse_int(s, EXITPT_NUMBER_MIN, EXITPT_NUMBER_MAX, &v) != 0)
		return (EXITPT_E_NUMBER);
	*out = (int32_t)v;
	return (0);
}

/* Check the fields of an entry that do not depend on the system. */
int
registry_entry_validate(const struct registry_entry *e)
{
	if (e->point < 0 || e->point >= REGISTRY_NPOINTS)
		return (EXITPT_E_EXIT_POINT);
	if (e->number < EXITPT_NUMBER_MIN && e->number != REGISTRY_LOW &&
	    e->number != REGISTRY_HIGH)
		return (EXITPT_E_NUMBER);
	if (e->program == NULL || e->program[0] != '/' ||
	    strlen(e->program) >= PATH_MAX || text_has_control(e->program))
		return (EXITPT_E_VALUE);
	if (e->data != NULL && strlen(e->data) > EXITPT_DATA_MAX)
		return (EXITPT_E_DATA_LENGTH);
	if (e->text != NULL && strlen(e->text) > REGISTRY_TEXT_MAX)
		return (EXITPT_E_TOO_LONG);
	if (e->user == NULL || e->user[0] == '\0')
		return (EXITPT_E_USER);
	if (e->check_timeout < 1 || e->check_timeout > REGISTRY_TIMEOUT_MAX ||
	    e->complete_timeout < 1 ||
	    e->complete_timeout > REGISTRY_TIMEOUT_MAX)
		return (EXITPT_E_VALUE);
	return (0);
}

/* Compare two entries by exit point, then program number. */
static int
registry_cmp(const void *a, const void *b)
{
	const struct registry_entry	*x = a, *y = b;

	if (x->point != y->point)
		return (x->point < y->point ? -1 : 1);
	if (x->number != y->number)
		return (x->number < y->number ? -1 : 1);
	return (0);
}

/* Free one entry's strings. */
static void
registry_entry_clear(struct registry_entry *e)
{
	free(e->program);
	free(e->user);
	free(e->data);
	free(e->text);
	memset(e, 0, sizeof(*e));
}

/* Free a list returned by registry_load. */
void
registry_list_clear(struct registry_list *list)
{
	size_t	i;

	for (i = 0; i < list->count; i++)
		registry_entry_clear(&list->entries[i]);
	free(list->entries);
	list->entries = NULL;
	list->count = 0;
}

/* Program number encoded in an entry file name, or 0 if not one. */
static int32_t
registry_file_number(const char *name)
{
	char		buf[11];
	long long	v;

	if (strlen(name) != 10 + strlen(REGISTRY_SUFFIX) ||
	    strcmp(name + 10, REGISTRY_SUFFIX) != 0)
		return (0);
	memcpy(buf, name, 10);
	buf[10] = '\0';
	if (strspn(buf, "0123456789") != 10 ||
	    text_parse_int(buf, 1, EXITPT_NUMBER_MAX, &v) != 0)
		return (0);
	return ((int32_t)v);
}

/* Report a problem through the caller's callback. */
static void
registry_warn(registry_warn_cb cb, void *arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
registry_warn(registry_warn_cb cb, void *arg, const char *fmt, ...)
{
	char	buf[PATH_MAX + 256];
	va_list	ap;

	if (cb == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cb(buf, arg);
}

/* Load the entries of one exit point's directory into list. */
static int
registry_load_point(const char *statedir, int point, registry_warn_cb cb,
    void *arg, struct registry_list *list)
{
	char			 path[PATH_MAX], file[PATH_MAX + NAME_MAX + 2];
	DIR			*dir;
	struct dirent		*de;
	struct registry_entry	 e, *ne;
	int32_t			 number;
	size_t			 start = list->count;
	int			 dfd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s/%s", statedir,
	    REGISTRY_DIR, registry_points[point]) >= sizeof(path))
		return (-ENAMETOOLONG);
	if ((dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return (errno == ENOENT ? 0 : -errno);
	if ((dir = fdopendir(dfd)) == NULL) {
		close(dfd);
		return (-errno);
	}
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
		if ((number = registry_file_number(de->d_name)) == 0) {
			registry_warn(cb, arg, "%s: not an entry file name "
			    "(NNNNNNNNNN%s); skipped", file, REGISTRY_SUFFIX);
			continue;
		}
		if (registry_parse(dfd, de->d_name, file, point, number, cb,
		    arg, &e) != 0)
			continue;
		ne = reallocarray(list->entries, list->count + 1,
		    sizeof(*ne));
		if (ne == NULL) {
			registry_entry_clear(&e);
			closedir(dir);
			return (-ENOMEM);
		}
		list->entries = ne;
		list->entries[list->count++] = e;
	}
	closedir(dir);
	if (list->count > start)
		qsort(list->entries + start, list->count - start,
		    sizeof(*list->entries), registry_cmp);
	return (0);
}

/*
 * Load the registry (one exit point, or all with point -1) in ascending
 * program number.  Malformed entries are reported through cb, with their
 * file and line, and skipped.
 */
int
registry_load(const char *statedir, int point, registry_warn_cb cb,
    void *arg, struct registry_list *list)
{
	int	p, error;

	memset(list, 0, sizeof(*list));
	for (p = 0; p < REGISTRY_NPOINTS; p++) {
		if (point >= 0 && p != point)
			continue;
		if ((error = registry_load_point(statedir, p, cb, arg,
		    list)) != 0) {
			registry_list_clear(list);
			return (error);
		}
	}
	return (0);
}

/* Unescape a value into a fresh string; NULL on a bad escape. */
static char *
registry_value(const char *v, size_t max)
{
	char	*s;
	size_t	 len;

	if ((s = malloc(max + 1)) == NULL)
		return (NULL);
	if (text_unescape(s, max + 1, v, &len) != 0) {
		free(s);
		return (NULL);
	}
	return (s);
}

/* Set one key of an entry from a line; return a reason on failure. */
static const char *
registry_parse_key(struct registry_entry *e, const char *key, const char *v,
    int point)
{
	char		**sp = NULL;
	size_t		  max = 0;
	long long	  n;
	int		 *ip = NULL;

	if (strcmp(key, "format") == 0) {
		if (strcmp(v, exitpt_exit_point_format(
		    registry_points[point])) != 0)
			return ("format does not match the exit point");
		return (NULL);
	}
	if (strcmp(key, "program") == 0)
		sp = &e->program, max = PATH_MAX - 1;
	else if (strcmp(key, "user") == 0)
		sp = &e->user, max = LOGIN_NAME_MAX;
	else if (strcmp(key, "data") == 0)
		sp = &e->data, max = EXITPT_DATA_MAX;
	else if (strcmp(key, "text") == 0)
		sp = &e->text, max = REGISTRY_TEXT_MAX;
	else if (strcmp(key, "check-timeout") == 0)
		ip = &e->check_timeout;
	else if (strcmp(key, "complete-timeout") == 0)
		ip = &e->complete_timeout;
	else
		return ("unknown key");
	if (ip != NULL) {
		if (*ip != 0)
			return ("key given twice");
		if (text_parse_int(v, 1, REGISTRY_TIMEOUT_MAX, &n) != 0)
			return ("timeout must be 1..3600 seconds");
		*ip = (int)n;
		return (NULL);
	}
	if (*sp != NULL)
		return ("key given twice");
	if ((*sp = registry_value(v, max)) == NULL)
		return ("bad escape, or value too long");
	if (sp == &e->program && e->program[0] != '/')
		return ("program must be an absolute path");
	return (NULL);
}

/* What kind of file a mode is, for a message about a non-entry. */
static const char *
registry_file_kind(mode_t mode)
{
	if (S_ISFIFO(mode))
		return ("a FIFO");
	if (S_ISDIR(mode))
		return ("a directory");
	if (S_ISSOCK(mode))
		return ("a socket");
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return ("a device");
	return ("not a regular file");
}

/*
 * Read a whole entry file (name in directory dfd) into a NUL-terminated
 * buffer: a regular file only, never through a symbolic link, opened
 * without blocking and checked with fstat before any read.  On failure
 * why says what is wrong, or is NULL if the file no longer exists.
 */
static char *
registry_read(int dfd, const char *name, size_t *len, const char **why)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 n;
	size_t		 off = 0, size;
	int		 fd;

	if ((fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW |
	    O_NOCTTY | O_CLOEXEC)) == -1) {
		*why = errno == ENOENT ? NULL : errno == ELOOP ?
		    "a symbolic link, not a regular file" : strerror(errno);
		return (NULL);
	}
	if (fstat(fd, &st) == -1) {
		*why = strerror(errno);
		close(fd);
		return (NULL);
	}
	if (!S_ISREG(st.st_mode)) {
		*why = registry_file_kind(st.st_mode);
		close(fd);
		return (NULL);
	}
	if (st.st_size > REGISTRY_FILE_MAX) {
		close(fd);
		*why = "file larger than 64 KiB";
		return (NULL);
	}
	/* Sized by fstat, plus one byte to notice a file that grew. */
	size = (size_t)st.st_size + 1;
	if ((buf = malloc(size + 1)) == NULL) {
		close(fd);
		*why = strerror(ENOMEM);
		return (NULL);
	}
	while (off < size && (n = read(fd, buf + off, size - off)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*why = strerror(errno);
			close(fd);
			free(buf);
			return (NULL);
		}
		off += (size_t)n;
	}
	if (off == size) {
		close(fd);
		free(buf);
		*why = "file changed while it was read";
		return (NULL);
	}
	close(fd);
	if (memchr(buf, '\0', off) != NULL) {
		free(buf);
		*why = "file contains a NUL byte";
		return (NULL);
	}
	buf[off] = '\0';
	*len = off;
	return (buf);
}

/*
 * Parse one entry file (name in directory dfd, file for messages); report
 * and fail on the first problem.
 */
static int
registry_parse(int dfd, const char *name, const char *file, int point,
    int32_t number, registry_warn_cb cb, void *arg,
    struct registry_entry *e)
{
	char		*buf, *line, *next, *eq;
	const char	*why = NULL;
	size_t		 len;
	int		 lineno = 0, seen_format = 0;

	memset(e, 0, sizeof(*e));
	e->point = point;
	e->number = number;
	if ((buf = registry_read(dfd, name, &len, &why)) == NULL) {
		/* No reason: removed since readdir, which is no problem. */
		if (why != NULL)
			registry_warn(cb, arg, "%s: %s; entry skipped", file,
			    why);
		return (EXITPT_E_MALFORMED);
	}
	if (len == 0 || buf[len - 1] != '\n') {
		registry_warn(cb, arg, "%s: truncated (no newline at end of "
		    "file); entry skipped", file);
		free(buf);
		return (EXITPT_E_MALFORMED);
	}
	for (line = buf; why == NULL && *line != '\0'; line = next) {
		lineno++;
		next = strchr(line, '\n');
		*next++ = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			why = "not a key=value line";
			break;
		}
		*eq = '\0';
		if (strcmp(line, "format") == 0)
			seen_format++;
		why = registry_parse_key(e, line, eq + 1, point);
	}
	if (why == NULL) {
		lineno = 0;
		if (e->program == NULL)
			why = "no program= line";
		else if (seen_format != 1)
			why = "no format= line, or more than one";
	}
	free(buf);
	if (why != NULL) {
		if (lineno > 0)
			registry_warn(cb, arg, "%s:%d: %s; entry skipped", file,
			    lineno, why);
		else
			registry_warn(cb, arg, "%s: %s; entry skipped", file,
			    why);
		registry_entry_clear(e);
		return (EXITPT_E_MALFORMED);
	}
	if (e->user == NULL)
		e->user = strdup("root");
	if (e->data == NULL)
		e->data = strdup("");
	if (e->text == NULL)
		e->text = strdup("");
	if (e->check_timeout == 0)
		e->check_timeout = REGISTRY_CHECK_TIMEOUT;
	if (e->complete_timeout == 0)
		e->complete_timeout = REGISTRY_COMPLETE_TIMEOUT;
	if (e->user == NULL || e->data == NULL || e->text == NULL) {
		registry_entry_clear(e);
		return (-ENOMEM);
	}
	return (0);
}

/* Write one escaped key=value line. */
static int
registry_put(FILE *fp, const char *key, const char *value)
{
	char	*esc;
	size_t	 len;
	int	 rv;

	len = text_escape(NULL, 0, value) + 1;
	if ((esc = malloc(len)) == NULL)
		return (-ENOMEM);
	text_escape(esc, len, value);
	rv = fprintf(fp, "%s=%s\n", key, esc);
	free(esc);
	return (rv < 0 ? -EIO : 0);
}

/* Render an entry as the text of its file. */
static int
registry_render(const struct registry_entry *e, char **buf, size_t *len)
{
	FILE	*fp;
	int	 error = 0;

	if ((fp = open_memstream(buf, len)) == NULL)
		return (-errno);
	fprintf(fp, "# exitpt exit program entry; see exitctl(8)\n");
	fprintf(fp, "format=%s\n", exitpt_exit_point_format(
	    registry_points[e->point]));
	if ((error = registry_put(fp, "program", e->program)) == 0 &&
	    (error = registry_put(fp, "user", e->user)) == 0 &&
	    (error = registry_put(fp, "data", e->data != NULL ? e->data :
	    "")) == 0)
		error = registry_put(fp, "text", e->text != NULL ? e->text :
		    "");
	fprintf(fp, "check-timeout=%d\n", e->check_timeout);
	fprintf(fp, "complete-timeout=%d\n", e->complete_timeout);
	if (fclose(fp) != 0 && error == 0)
		error = -EIO;
	if (error != 0) {
		free(*buf);
		*buf = NULL;
	}
	return (error);
}

/*
 * Set how long registry_add and registry_remove wait for the writers'
 * lock, in seconds (1..3600; default 10), before failing with
 * EXITPT_E_TIMEOUT.
 */
void
registry_set_lock_timeout(int seconds)
{
	if (seconds >= 1 && seconds <= 3600)
		registry_lock_wait = seconds;
}

/*
 * Open the writers' lock file, creating it readable (hence lockable) only
 * by its owner and, when the registry is open to a group, that group: a
 * user who may not change the registry cannot open it, so cannot hold
 * the lock.  (Older versions locked a world-readable ".lock", which
 * anyone could hold forever: it is removed and no longer used.)  Returns
 * the descriptor or -errno.
 */
static int
registry_lock_open(const char *statedir)
{
	struct stat	dst, st;
	char		path[PATH_MAX];
	mode_t		want;
	int		fd, error;

	snprintf(path, sizeof(path), "%s/%s", statedir, REGISTRY_DIR);
	if (stat(path, &dst) == -1)
		return (-errno);
	want = (dst.st_mode & S_IWGRP) ? 0660 : 0600;
	snprintf(path, sizeof(path), "%s/%s/.lock", statedir, REGISTRY_DIR);
	(void)unlink(path);
	snprintf(path, sizeof(path), "%s/%s/%s", statedir, REGISTRY_DIR,
	    REGISTRY_LOCK);
	if ((fd = open(path, O_RDONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC, want)) == -1)
		return (-errno);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		error = S_ISREG(st.st_mode) ? -errno : EXITPT_E_MALFORMED;
		close(fd);
		return (error);
	}
	if ((st.st_mode & 0777) != want && (st.st_uid == geteuid() ||
	    geteuid() == 0))
		(void)fchmod(fd, want);
	if (st.st_gid != dst.st_gid && geteuid() == 0)
		(void)fchown(fd, (uid_t)-1, dst.st_gid);
	return (fd);
}

/*
 * Take an exclusive flock within the lock timeout.  Returns 0,
 * EXITPT_E_TIMEOUT, or -errno.
 */
static int
registry_lock_take(int fd)
{
	struct timespec	now, end, nap = { 0, 1000 * 1000 };

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += registry_lock_wait;
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return (0);
		if (errno != EWOULDBLOCK && errno != EINTR)
			return (-errno);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec &&
		    now.tv_nsec >= end.tv_nsec))
			return (EXITPT_E_TIMEOUT);
		nanosleep(&nap, NULL);
		/* Back off to 50 ms: a writer holds it for milliseconds. */
		if (nap.tv_nsec < 50 * 1000 * 1000)
			nap.tv_nsec *= 2;
	}
}

/*
 * The process holding the registry's writers' lock, from /proc/locks:
 * its pid, or 0 when none is found (or it is not known).
 */
pid_t
registry_lock_holder(const char *statedir)
{
	struct stat	 st;
	char		 path[PATH_MAX], line[256], type[16];
	unsigned int	 maj, min;
	unsigned long	 ino;
	long		 pid;
	FILE		*fp;
	pid_t		 holder = 0;

	snprintf(path, sizeof(path), "%s/%s/%s", statedir, REGISTRY_DIR,
	    REGISTRY_LOCK);
	if (lstat(path, &st) == -1 || (fp = fopen("/proc/locks", "re")) ==
	    NULL)
		return (0);
	while (holder == 0 && fgets(line, sizeof(line), fp) != NULL) {
		/* "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF" */
		if (sscanf(line, "%*s %15s %*s %*s %ld %x:%x:%lu", type, &pid,
		    &maj, &min, &ino) == 5 && strcmp(type, "FLOCK") == 0 &&
		    ino == (unsigned long)st.st_ino &&
		    makedev(maj, min) == st.st_dev)
			holder = (pid_t)pid;
	}
	fclose(fp);
	return (holder);
}

/*
 * Create the exit point's directory if needed, take the writers' lock and
 * open the directory.  Temporaries of writers that died are swept here.
 */
static int
registry_lock(const char *statedir, int point, int *lockfd, int *dirfd)
{
	char	path[PATH_MAX];
	int	error;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s/%s", statedir,
	    REGISTRY_DIR, registry_points[point]) >= sizeof(path))
		return (-ENAMETOOLONG);
	if ((error = atomicfile_mkdirs(path, 0755)) != 0)
		return (error);
	if ((*dirfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return (-errno);
	if ((*lockfd = registry_lock_open(statedir)) < 0) {
		error = *lockfd;
		close(*dirfd);
		return (error);
	}
	if ((error = registry_lock_take(*lockfd)) != 0) {
		close(*lockfd);
		close(*dirfd);
		return (error);
	}
	atomicfile_sweep(*dirfd);
	return (0);
}

/* Release what registry_lock took. */
static void
registry_unlock(int lockfd, int dirfd)
{
	close(dirfd);
	close(lockfd);
}

/* Compare two program numbers, for qsort. */
static int
registry_numcmp(const void *a, const void *b)
{
	int32_t	x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x < y ? -1 : x > y);
}

/* Find the lowest or highest free program number in a locked directory. */
static int
registry_free_number(int dirfd, int high, int32_t *out)
{
	DIR		*dir;
	struct dirent	*de;
	int32_t		*used = NULL, *nu, n, want;
	size_t		 count = 0, i;
	int		 error = 0;

	if ((dir = atomicfile_opendir(dirfd)) == NULL)
		return (-errno);
	while ((de = readdir(dir)) != NULL) {
		if ((n = registry_file_number(de->d_name)) == 0)
			continue;
		if ((nu = reallocarray(used, count + 1, sizeof(*used))) ==
		    NULL) {
			error = -ENOMEM;
			break;
		}
		used = nu;
		used[count++] = n;
	}
	closedir(dir);
	if (error == 0) {
		qsort(used, count, sizeof(*used), registry_numcmp);
		if (!high) {
			want = EXITPT_NUMBER_MIN;
			for (i = 0; i < count && used[i] == want &&
			    want < EXITPT_NUMBER_MAX; i++)
				want++;
		} else {
			want = EXITPT_NUMBER_MAX;
			for (i = count; i > 0 && used[i - 1] == want &&
			    want > EXITPT_NUMBER_MIN; i--)
				want--;
		}
		if (bsearch(&want, used, count, sizeof(*used),
		    registry_numcmp) != NULL)
			error = EXITPT_E_NO_FREE;
		else
			*out = want;
	}
	free(used);
	return (error);
}

/*
 * Register an exit program.  e->number may be REGISTRY_LOW or
 * REGISTRY_HIGH; it receives the number used.  An existing number is an
 * error unless flags has REGISTRY_REPLACE.
 */
int
registry_add(const char *statedir, struct registry_entry *e, int flags)
{
	char	 name[32], *buf = NULL;
	size_t	 len;
	int	 lockfd, dirfd, error;
	int32_t	 number = e->number;

	if ((error = registry_entry_validate(e)) != 0)
		return (error);
	if (getpwnam(e->user) == NULL)
		return (EXITPT_E_USER);
	if ((error = registry_lock(statedir, e->point, &lockfd, &dirfd)) != 0)
		return (error);
	if (number == REGISTRY_LOW || number == REGISTRY_HIGH)
		error = registry_free_number(dirfd, number == REGISTRY_HIGH,
		    &number);
	if (error == 0) {
		snprintf(name, sizeof(name), "%010d%s", number,
		    REGISTRY_SUFFIX);
		if (!(flags & REGISTRY_REPLACE) &&
		    faccessat(dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			error = EXITPT_E_DUPLICATE;
	}
	if (error == 0 && (error = registry_render(e, &buf, &len)) == 0)
		error = atomicfile_write(dirfd, name, buf, len, 0644);
	free(buf);
	registry_unlock(lockfd, dirfd);
	if (error == 0)
		e->number = number;
	return (error);
}

/* Remove the exit program with the given number from an exit point. */
int
registry_remove(const char *statedir, int point, int32_t number)
{
	char	name[32];
	int	lockfd, dirfd, error = 0;

	if (point < 0 || point >= REGISTRY_NPOINTS)
		return (EXITPT_E_EXIT_POINT);
	if (number < EXITPT_NUMBER_MIN)
		return (EXITPT_E_NUMBER);
	if ((error = registry_lock(statedir, point, &lockfd, &dirfd)) != 0)
		return (error);
	snprintf(name, sizeof(name), "%010d%s", number, REGISTRY_SUFFIX);
	if (unlinkat(dirfd, name, 0) == -1)
		error = errno == ENOENT ? EXITPT_E_NOT_REGISTERED : -errno;
	else if (fsync(dirfd) == -1)
		error = -errno;
	registry_unlock(lockfd, dirfd);
	return (error);
}

/*
 * Let the members of group gid change the registry: its directories become
 * group-owned, group-writable and set-group-ID.  Only root can do this.
 */
int
registry_grant(const char *statedir, gid_t gid)
{
	char	path[PATH_MAX];
	int	p;

	for (p = -1; p < REGISTRY_NPOINTS; p++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s%s%s", statedir,
		    REGISTRY_DIR, p < 0 ? "" : "/", p < 0 ? "" :
		    registry_points[p]) >= sizeof(path))
			return (-ENAMETOOLONG);
		if (atomicfile_mkdirs(path, 0755) != 0 ||
		    chown(path, (uid_t)-1, gid) == -1 ||
		    chmod(path, 02775) == -1)
			return (-errno);
	}
	return (0);
}
