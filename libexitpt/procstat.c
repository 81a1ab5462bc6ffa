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

/*
 * The start time of pid (field 22 of /proc/PID/stat: clock ticks after
 * boot).  Returns 0, -ESRCH when there is no such live process (a zombie
 * counts as gone), EXITPT_E_MALFORMED, or another -errno.
 */
int
procstat_start(pid_t pid, uint64_t *start)
{
	char			 path[32], buf[1024], *s, *end;
	unsigned long long	 v;
	ssize_t			 n;
	int			 fd, field;

	if (pid <= 0)
		return (-ESRCH);
	/* "/proc/" + decimal pid: no stdio, for forked children. */
	s = path + sizeof(path);
	*--s = '\0';
	memcpy(s -= 5, "/stat", 5);
	for (v = (unsigned long long)pid; v > 0; v /= 10)
		*--s = (char)('0' + v % 10);
	memcpy(s -= 6, "/proc/", 6);
	if ((fd = open(s, O_RDONLY | O_CLOEXEC)) == -1)
		return (errno == ENOENT ? -ESRCH : -errno);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (-ESRCH);
	buf[n] = '\0';
	/* The command name may hold spaces and ')': fields follow the last. */
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
