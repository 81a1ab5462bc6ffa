/*
 * Processes and threads as holders of shared state: a holder is recorded
 * by pid (or thread id) and start time, and counts only while a process
 * with that pid and that start time runs, and, where the record sits in
 * a user's own table, only if that process belongs to that user.  A
 * record cannot then outlive its holder (the pid is reused with another
 * start time), and a user cannot name another user's process as a holder
 * of its own.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitpt-int.h"

static struct ipcobj_proc	 ipcproc_me;
static _Atomic int		 ipcproc_me_valid;
static pthread_once_t		 ipcproc_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t		 ipcproc_mtx = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local pid_t	 ipcproc_tid_cache;
static _Thread_local uint64_t	 ipcproc_tid_start_cache;

static int	 ipcproc_read(const char *, char *, size_t);
static int	 ipcproc_uids(pid_t, unsigned long *, unsigned long *);
static void	 ipcproc_atfork_child(void);
static void	 ipcproc_init(void);

/* Read a small /proc file into buf (NUL-terminated); -ESRCH if gone. */
static int
ipcproc_read(const char *path, char *buf, size_t len)
{
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (errno == ENOENT || errno == ESRCH ? -ESRCH : -errno);
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return (-ESRCH);
	buf[n] = '\0';
	return (0);
}

/*
 * Read a process's (or thread's) identity: pid and start time.  -ESRCH
 * if there is no such process or it has already exited (a zombie holds
 * nothing).
 */
int
ipcproc_get(pid_t pid, struct ipcobj_proc *p)
{
	uint64_t	start;
	int		error;

	if (pid <= 0)
		return (-ESRCH);
	if ((error = procstat_start(pid, &start)) != 0)
		return (error);
	p->pid = pid;
	p->start = start;
	return (0);
}

/*
 * 1 if the recorded process still runs: same pid and same start time, so
 * that a reused pid is not mistaken for the holder.
 */
int
ipcproc_alive(const struct ipcobj_proc *p)
{
	struct ipcobj_proc	now;
	int			error;

	if ((error = ipcproc_get(p->pid, &now)) == -ESRCH)
		return (0);
	if (error != 0)
		return (1);	/* cannot tell: never drop a live holder */
	return (now.start == p->start);
}

/* A process's real and effective user, from /proc/PID/status. */
static int
ipcproc_uids(pid_t pid, unsigned long *real, unsigned long *eff)
{
	char	path[64], buf[2048], *s;
	int	error;

	if (pid <= 0)
		return (-ESRCH);
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((error = ipcproc_read(path, buf, sizeof(buf))) != 0)
		return (error);
	if ((s = strstr(buf, "\nUid:")) == NULL ||
	    sscanf(s + 5, "%lu %lu", real, eff) != 2)
		return (EXITPT_E_MALFORMED);
	return (0);
}

/*
 * 1 if process pid runs as uid: its real or effective user (a set-user-id
 * program started by uid still counts as uid's).
 */
int
ipcproc_owned(pid_t pid, uid_t uid)
{
	unsigned long	real, eff;

	if (ipcproc_uids(pid, &real, &eff) != 0)
		return (0);
	return (real == (unsigned long)uid || eff == (unsigned long)uid);
}

/* The effective user of process pid.  Returns 0 or -ESRCH. */
int
ipcproc_euid(pid_t pid, uid_t *uid)
{
	unsigned long	real, eff;
	int		error;

	if ((error = ipcproc_uids(pid, &real, &eff)) != 0)
		return (error);
	*uid = (uid_t)eff;
	return (0);
}

/*
 * 1 if a recorded holder is real: the process runs with the recorded
 * start time, and belongs to owner (the user whose table holds the record;
 * IPCOBJ_ANY_OWNER skips that check).
 */
int
ipcproc_holder(const struct ipcobj_proc *p, uid_t owner)
{
	if (p->pid <= 0 || !ipcproc_alive(p))
		return (0);
	return (owner == IPCOBJ_ANY_OWNER || ipcproc_owned(p->pid, owner));
}

/* Forget the cached identities in a forked child. */
static void
ipcproc_atfork_child(void)
{
	atomic_store(&ipcproc_me_valid, 0);
	ipcproc_me.pid = 0;
	ipcproc_tid_cache = 0;
	ipcproc_tid_start_cache = 0;
	pthread_mutex_init(&ipcproc_mtx, NULL);
}

/* Install the fork handler that keeps the cached identities right. */
static void
ipcproc_init(void)
{
	pthread_atfork(NULL, NULL, ipcproc_atfork_child);
}

/*
 * The calling process's identity, cached (reading /proc, even getpid,
 * costs more than a critical section): written once under the mutex,
 * then read without it.
 */
int
ipcproc_self(struct ipcobj_proc *p)
{
	int	error = 0;

	if (atomic_load_explicit(&ipcproc_me_valid, memory_order_acquire)) {
		*p = ipcproc_me;
		return (0);
	}
	pthread_once(&ipcproc_once, ipcproc_init);
	pthread_mutex_lock(&ipcproc_mtx);
	if (ipcproc_me.pid == 0 &&
	    (error = ipcproc_get(getpid(), &ipcproc_me)) == 0)
		atomic_store_explicit(&ipcproc_me_valid, 1,
		    memory_order_release);
	if (error == 0)
		*p = ipcproc_me;
	pthread_mutex_unlock(&ipcproc_mtx);
	return (error);
}

/* The calling thread's id, cached per thread. */
pid_t
ipcproc_tid(void)
{
	if (ipcproc_tid_cache == 0) {
		pthread_once(&ipcproc_once, ipcproc_init);
		ipcproc_tid_cache = gettid();
	}
	return (ipcproc_tid_cache);
}

/* The calling thread's start time (0 if /proc cannot say), cached. */
uint64_t
ipcproc_tid_start(void)
{
	struct ipcobj_proc	p;

	if (ipcproc_tid_start_cache == 0 &&
	    ipcproc_get(ipcproc_tid(), &p) == 0)
		ipcproc_tid_start_cache = p.start;
	return (ipcproc_tid_start_cache);
}
