/*
 * What exitd, the IPC helpers and the dr_reconfig shim read of a process
 * in /proc/PID/stat (Linux, proc(5)): its state, parent, process group,
 * session and start time.  A pid alone names a process only until it is
 * reused; a pid with its start time names it for good.  Plain system
 * calls only, no stdio, so that forked children and library threads may
 * use it.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitpt-int.h"

static int	 procstat_parse(char *, pid_t, struct procstat *);
static int	 procstat_load(int, const char *, pid_t, struct procstat *);

/*
 * Parse a /proc/PID/stat text into ps: fields 3 (state) to 22
 * (starttime), counted from the last ')', since the command name may hold
 * spaces and ')'.
 */
static int
procstat_parse(char *buf, pid_t pid, struct procstat *ps)
{
	unsigned long long	 v[19];
	char			*s, *end;
	int			 i;

	if ((s = strrchr(buf, ')')) == NULL || s[1] != ' ' || s[2] == '\0')
		return (EXITPT_E_MALFORMED);
	ps->pid = pid;
	ps->state = s[2];
	/* Fields 4 (ppid) to 22 (starttime) follow the state. */
	for (i = 0, s += 3; i < 19; i++) {
		errno = 0;
		v[i] = strtoull(s, &end, 10);
		if (errno != 0 || end == s || (*end != ' ' && *end != '\0'))
			return (EXITPT_E_MALFORMED);
		s = end;
	}
	ps->ppid = (pid_t)v[0];
	ps->pgid = (pid_t)v[1];
	ps->sid = (pid_t)v[2];
	ps->start = v[18];
	return (0);
}

/* Read path (relative to dirfd, or absolute) and parse it into ps. */
static int
procstat_load(int dirfd, const char *path, pid_t pid, struct procstat *ps)
{
	char	buf[1024];
	ssize_t	n;
	int	fd;

	if ((fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC)) == -1)
		return (errno == ENOENT || errno == ESRCH ? -ESRCH : -errno);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (-ESRCH);
	buf[n] = '\0';
	return (procstat_parse(buf, pid, ps));
}

/*
 * Read /proc/PID/stat into ps.  Returns 0, -ESRCH when no such process
 * exists, EXITPT_E_MALFORMED, or another -errno.  A zombie is returned
 * with state 'Z': callers decide what it counts as.
 */
int
procstat_read(pid_t pid, struct procstat *ps)
{
	char			 path[40], *s;
	unsigned long long	 v;

	if (pid <= 0)
		return (-ESRCH);
	/* "/proc/" pid "/stat", without stdio. */
	s = path + sizeof(path);
	*--s = '\0';
	memcpy(s -= 5, "/stat", 5);
	for (v = (unsigned long long)pid; v > 0; v /= 10)
		*--s = (char)('0' + v % 10);
	memcpy(s -= 6, "/proc/", 6);
	return (procstat_load(AT_FDCWD, s, pid, ps));
}

/*
 * The start time of the process whose /proc/PID directory dirfd is open
 * (such a descriptor stays with its process, whatever pid reuse does).
 * Returns 0, -ESRCH when the process has ended (a zombie counts as
 * ended), EXITPT_E_MALFORMED, or another -errno.
 */
int
procstat_start_at(int dirfd, uint64_t *start)
{
	struct procstat	ps;
	int		error;

	if ((error = procstat_load(dirfd, "stat", 0, &ps)) != 0)
		return (error);
	if (ps.state == 'Z' || ps.state == 'X')
		return (-ESRCH);
	*start = ps.start;
	return (0);
}

/*
 * The start time of pid (field 22 of /proc/PID/stat: clock ticks after
 * boot).  Returns 0, -ESRCH when there is no such live process (a zombie
 * counts as gone), EXITPT_E_MALFORMED, or another -errno.
 */
int
procstat_start(pid_t pid, uint64_t *start)
{
	struct procstat	ps;
	int		error;

	if ((error = procstat_read(pid, &ps)) != 0)
		return (error);
	if (ps.state == 'Z' || ps.state == 'X')
		return (-ESRCH);
	*start = ps.start;
	return (0);
}
