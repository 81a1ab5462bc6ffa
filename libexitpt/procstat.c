/*
 * A process's identity for exitpt: its pid and its start time, which
 * together survive pid reuse.  Read from /proc/PID/stat with plain
 * system calls, so that forked children and library threads may use it.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitpt-int.h"

static int	 procstat_parse(char *, uint64_t *);

/*
 * The start time in a /proc/PID/stat text: field 22, after the command
 * name, which may hold spaces and ')', so counted from the last ')'.
 */
static int
procstat_parse(char *buf, uint64_t *start)
{
	unsigned long long	 v;
	char			*s, *end;
	int			 field;

	if ((s = strrchr(buf, ')')) == NULL || s[1] != ' ')
		return (EXITPT_E_MALFORMED);
	s += 2;
	if (*s == 'Z' || *s == 'X')
		return (-ESRCH);
	/* s is field 3 (state); starttime is field 22. */
	for (field = 3; field < 22; field++) {
		if ((s = strchr(s, ' ')) == NULL)
			return (EXITPT_E_MALFORMED);
		s++;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || (*end != ' ' && *end != '\0'))
		return (EXITPT_E_MALFORMED);
	*start = v;
	return (0);
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
	char	buf[1024];
	ssize_t	n;
	int	fd;

	if ((fd = openat(dirfd, "stat", O_RDONLY | O_CLOEXEC)) == -1)
		return (errno == ENOENT ? -ESRCH : -errno);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (-ESRCH);
	buf[n] = '\0';
	return (procstat_parse(buf, start));
}

/*
 * The start time of pid (field 22 of /proc/PID/stat: clock ticks after
 * boot).  Returns 0, -ESRCH when there is no such live process (a zombie
 * counts as gone), EXITPT_E_MALFORMED, or another -errno.
 */
int
procstat_start(pid_t pid, uint64_t *start)
{
	char			 path[32], *s;
	unsigned long long	 v;
	int			 fd, error;

	if (pid <= 0)
		return (-ESRCH);
	/* "/proc/" + decimal pid: no stdio, for forked children. */
	s = path + sizeof(path);
	*--s = '\0';
	for (v = (unsigned long long)pid; v > 0; v /= 10)
		*--s = (char)('0' + v % 10);
	memcpy(s -= 6, "/proc/", 6);
	if ((fd = open(s, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (errno == ENOENT ? -ESRCH : -errno);
	error = procstat_start_at(fd, start);
	close(fd);
	return (error);
}
