/*
 * What exitd and the IPC helpers read of a process in /proc/PID/stat: its
 * state, parent, process group, session and start time.  A pid alone
 * names a process only until it is reused; a pid with its start time
 * names it for good.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitpt-int.h"

/*
 * Read /proc/PID/stat (Linux, proc(5)) into ps.  Returns 0, -ESRCH when
 * no such process exists, or EXITPT_E_MALFORMED.  A zombie is returned
 * with state 'Z': callers decide what it counts as.
 */
int
procstat_read(pid_t pid, struct procstat *ps)
{
	char			 path[64], buf[1024], *s, *end;
	unsigned long long	 v[19];
	ssize_t			 n;
	int			 fd, i;

	if (pid <= 0)
		return (-ESRCH);
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (errno == ENOENT ? -ESRCH : -errno);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (-ESRCH);
	buf[n] = '\0';
	/* The command name may hold spaces and ')': fields follow the last. */
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
