/*
 * Job interrupt (QWCJBITP): a process that opts in gets a mailbox, a POSIX
 * shared memory object named after its pid, and a service thread blocked
 * on the mailbox's request semaphore.  A caller writes a request, posts
 * the semaphore and waits for the service thread to run the named handler
 * and post its reply.  No signal is involved, so handlers run on an
 * ordinary thread and may do anything a thread may do.
 *
 * Failure of either side must never leave the mailbox stuck:
 * - callers are serialized by a robust mutex, so a caller killed mid-call
 *   only makes the next caller see EOWNERDEAD and carry on;
 * - the service thread holds a second robust mutex ("busy") while a handler
 *   runs and the caller waits for the reply by locking it, so a target
 *   that dies mid-handler wakes the caller at once with EOWNERDEAD;
 * - requests carry sequence numbers, so a reply or wake-up meant for a
 *   caller that gave up is recognised and ignored by the next one;
 * - the mailbox records the target's pid and start time: a mailbox left
 *   by a dead process, or by an earlier process with the same pid, is
 *   recognised as stale and removed by whoever finds it.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"

#define JOBITP_MAGIC	0x6a627470u	/* "jbtp" */
#define JOBITP_VERSION	1
#define JOBITP_SLICE_NS	100000000L	/* liveness check while unanswered */
#define JOBITP_EXIT_MS	2000		/* a dying target's exit, at most */
#define JOBITP_SHM_NAME_MAX	128

/* States of the request slot. */
#define JOBITP_REQ_NONE		0
#define JOBITP_REQ_PENDING	1
#define JOBITP_REQ_ACCEPTED	2
#define JOBITP_REQ_CANCELLED	3

/* The mailbox, in shared memory; see the comment at the top. */
struct jobitp_box {
	_Atomic uint32_t	 magic;		/* set last, once initialised */
	uint32_t		 version;
	pid_t			 pid;
	uid_t			 uid;
	unsigned long long	 start;		/* target start time, ticks */
	_Atomic int		 enabled;
	pthread_mutex_t		 callers;	/* one caller at a time */
	pthread_mutex_t		 req;		/* guards the request slot */
	pthread_mutex_t		 busy;		/* held while a handler runs */
	sem_t			 request;	/* caller -> service thread */
	sem_t			 accepted;	/* service thread -> caller */

	/* Request slot, under req. */
	uint64_t		 next_seq;
	uint64_t		 req_seq;
	int			 req_state;
	pid_t			 caller_pid;
	uid_t			 caller_uid;
	char			 name[EXITPT_JOBITP_NAME_MAX + 1];
	uint32_t		 datalen;
	char			 data[EXITPT_JOBITP_DATA_MAX];

	/* Reply, written by the service thread while it holds busy. */
	_Atomic uint64_t	 accepted_seq;
	_Atomic uint64_t	 reply_seq;
	int32_t			 reply_error;	/* 0 or EXITPT_E_NO_HANDLER */
	int32_t			 reply_status;
	uint32_t		 replylen;	/* full length the handler set */
	char			 reply[EXITPT_JOBITP_REPLY_MAX];
};

/* A registered handler (process-local list). */
struct jobitp_handler {
	struct jobitp_handler	*next;
	char			 name[EXITPT_JOBITP_NAME_MAX + 1];
	exitpt_jobitp_handler	*fn;
	void			*arg;
};

/* This process's side: handlers, and its mailbox once enabled. */
static pthread_mutex_t		 jobitp_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t		 jobitp_once = PTHREAD_ONCE_INIT;
static struct jobitp_handler	*jobitp_handlers;
static struct jobitp_box	*jobitp_own;
static char			 jobitp_own_name[JOBITP_SHM_NAME_MAX];
static pthread_t		 jobitp_thread;
static _Atomic int		 jobitp_stop;

static int	 jobitp_proc(pid_t, unsigned long long *, int *);
static int	 jobitp_name_valid(const char *);
static int	 jobitp_box_name(pid_t, char *, size_t);
static int	 jobitp_mutex_init(pthread_mutex_t *);
static int	 jobitp_lock_robust(pthread_mutex_t *,
		     const struct timespec *);
static void	 jobitp_deadline(double, struct timespec *);
static void	 jobitp_slice(const struct timespec *, struct timespec *);
static int	 jobitp_past(const struct timespec *);
static void	*jobitp_serve(void *);
static void	 jobitp_atfork_child(void);
static void	 jobitp_init_once(void);
static int	 jobitp_open(pid_t, struct jobitp_box **);
static void	 jobitp_unlink_stale(pid_t, int);
static int	 jobitp_gone(pid_t, unsigned long long);
static int	 jobitp_dead(pid_t);
static int	 jobitp_exited(pid_t, unsigned long long, int);

/*
 * Read a process's start time (clock ticks after boot, field 22 of
 * /proc/PID/stat) and whether it is a zombie.  Returns 0 or -ESRCH.
 */
static int
jobitp_proc(pid_t pid, unsigned long long *start, int *zombie)
{
	struct procstat	ps;

	if (procstat_read(pid, &ps) != 0)
		return (-ESRCH);
	if (zombie != NULL)
		*zombie = (ps.state == 'Z' || ps.state == 'X');
	if (start != NULL)
		*start = ps.start;
	return (0);
}

/* A handler name is 1..32 characters of [A-Za-z0-9_.-]. */
static int
jobitp_name_valid(const char *name)
{
	size_t	i;

	if (name == NULL || name[0] == '\0')
		return (0);
	for (i = 0; name[i] != '\0'; i++) {
		if (i >= EXITPT_JOBITP_NAME_MAX)
			return (0);
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9') ||
		    name[i] == '_' || name[i] == '.' || name[i] == '-'))
			return (0);
	}
	return (1);
}

/*
 * The shared memory name of pid's mailbox: the job interrupt endpoint
 * object named after the pid, under the IPC prefix (exitpt/ipc.h).
 * Returns 0 or EXITPT_E_NAME (a bad EXITPT_IPC_PREFIX).
 */
static int
jobitp_box_name(pid_t pid, char *buf, size_t len)
{
	char	num[24];

	snprintf(num, sizeof(num), "%ld", (long)pid);
	return (ipcobj_shm_name(IPCOBJ_JOBITP, num, buf, len));
}

/* Initialise a process-shared robust mutex. */
static int
jobitp_mutex_init(pthread_mutex_t *m)
{
	pthread_mutexattr_t	attr;
	int			rv;

	if ((rv = pthread_mutexattr_init(&attr)) != 0)
		return (-rv);
	if ((rv = pthread_mutexattr_setpshared(&attr,
	    PTHREAD_PROCESS_SHARED)) == 0 &&
	    (rv = pthread_mutexattr_setrobust(&attr,
	    PTHREAD_MUTEX_ROBUST)) == 0)
		rv = pthread_mutex_init(m, &attr);
	pthread_mutexattr_destroy(&attr);
	return (-rv);
}

/*
 * Lock a robust mutex until the monotonic deadline (NULL: forever).
 * Returns 0, 1 if the previous owner died (the mutex is made consistent
 * and held), or -ETIMEDOUT.
 */
static int
jobitp_lock_robust(pthread_mutex_t *m, const struct timespec *deadline)
{
	int	rv;

	if (deadline == NULL)
		rv = pthread_mutex_lock(m);
	else
		rv = pthread_mutex_clocklock(m, CLOCK_MONOTONIC, deadline);
	if (rv == EOWNERDEAD) {
		pthread_mutex_consistent(m);
		return (1);
	}
	return (-rv);
}

/* Compute the monotonic deadline wait seconds from now. */
static void
jobitp_deadline(double wait, struct timespec *ts)
{
	/* wait is positive and finite here. */
	time_t	whole = (time_t)wait;

	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += whole;
	ts->tv_nsec += (long)((wait - (double)whole) * 1e9);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* The earlier of deadline (NULL: none) and one liveness slice from now. */
static void
jobitp_slice(const struct timespec *deadline, struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_nsec += JOBITP_SLICE_NS;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
	if (deadline != NULL && (deadline->tv_sec < ts->tv_sec ||
	    (deadline->tv_sec == ts->tv_sec && deadline->tv_nsec <
	    ts->tv_nsec)))
		*ts = *deadline;
}

/* Whether the monotonic deadline (NULL: none) has passed. */
static int
jobitp_past(const struct timespec *deadline)
{
	struct timespec	now;

	if (deadline == NULL)
		return (0);
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec > deadline->tv_sec || (now.tv_sec ==
	    deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec));
}

/* Whether the process pid with that start time is gone (or a zombie). */
static int
jobitp_gone(pid_t pid, unsigned long long start)
{
	unsigned long long	now;
	int			zombie;

	if (jobitp_proc(pid, &now, &zombie) != 0)
		return (1);
	return (zombie || now != start);
}

/*
 * The service thread of pid died holding busy: that happens when its
 * process is being killed, and the robust mutex is released early in the
 * exit, before /proc shows the process gone.  Wait at most ms for the exit
 * itself (a pidfd becomes readable then) and say whether it happened.
 */
static int
jobitp_exited(pid_t pid, unsigned long long start, int ms)
{
	struct pollfd	pfd;
	int		fd, rv;

	if (jobitp_gone(pid, start))
		return (1);
	if ((fd = (int)syscall(SYS_pidfd_open, pid, 0)) == -1)
		return (errno == ESRCH);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while ((rv = poll(&pfd, 1, ms)) == -1 && errno == EINTR)
		;
	close(fd);
	return (rv == 1 || jobitp_gone(pid, start));
}

/*
 * A forked child inherits the mailbox mapping but not the service thread
 * and not the pid: drop them so that the child may enable on its own.
 */
static void
jobitp_atfork_child(void)
{
	if (jobitp_own != NULL)
		munmap(jobitp_own, sizeof(*jobitp_own));
	jobitp_own = NULL;
	jobitp_own_name[0] = '\0';
	atomic_store(&jobitp_stop, 0);
	pthread_mutex_init(&jobitp_lock, NULL);
}

/* Install the fork handler once per process. */
static void
jobitp_init_once(void)
{
	pthread_atfork(NULL, NULL, jobitp_atfork_child);
}

/*
 * The service thread: take each request, run its handler outside any lock
 * except busy, publish the reply, and go back to sleep on the semaphore.
 */
static void *
jobitp_serve(void *p)
{
	struct jobitp_box	*box = p;
	struct jobitp_handler	*h;
	exitpt_jobitp_handler	*fn;
	void			*arg;
	char			 name[EXITPT_JOBITP_NAME_MAX + 1];
	char			*data, *reply;
	size_t			 datalen, replylen;
	uint64_t		 seq, last = 0;
	int			 status, error;

	if ((data = malloc(EXITPT_JOBITP_DATA_MAX + 1)) == NULL ||
	    (reply = malloc(EXITPT_JOBITP_REPLY_MAX)) == NULL) {
		free(data);
		atomic_store(&box->enabled, 0);
		return (NULL);
	}
	for (;;) {
		if (sem_wait(&box->request) == -1)
			continue;	/* EINTR */
		if (atomic_load(&jobitp_stop))
			break;
		jobitp_lock_robust(&box->req, NULL);
		if (box->req_state != JOBITP_REQ_PENDING ||
		    box->req_seq == last) {
			/* A wake-up for a caller that gave up. */
			pthread_mutex_unlock(&box->req);
			continue;
		}
		seq = last = box->req_seq;
		memcpy(name, box->name, sizeof(name));
		name[EXITPT_JOBITP_NAME_MAX] = '\0';
		datalen = box->datalen;
		if (datalen > EXITPT_JOBITP_DATA_MAX)
			datalen = EXITPT_JOBITP_DATA_MAX;
		memcpy(data, box->data, datalen);
		data[datalen] = '\0';
		box->req_state = JOBITP_REQ_ACCEPTED;
		jobitp_lock_robust(&box->busy, NULL);
		atomic_store(&box->accepted_seq, seq);
		pthread_mutex_unlock(&box->req);
		sem_post(&box->accepted);

		fn = NULL;
		arg = NULL;
		pthread_mutex_lock(&jobitp_lock);
		for (h = jobitp_handlers; h != NULL; h = h->next) {
			if (strcmp(h->name, name) == 0) {
				fn = h->fn;
				arg = h->arg;
				break;
			}
		}
		pthread_mutex_unlock(&jobitp_lock);
		status = 0;
		replylen = 0;
		error = EXITPT_E_NO_HANDLER;
		if (fn != NULL) {
			replylen = EXITPT_JOBITP_REPLY_MAX;
			status = fn(data, datalen, reply, &replylen, arg);
			if (replylen > EXITPT_JOBITP_REPLY_MAX)
				replylen = EXITPT_JOBITP_REPLY_MAX;
			error = 0;
		}
		box->reply_error = error;
		box->reply_status = status;
		box->replylen = (uint32_t)replylen;
		memcpy(box->reply, reply, replylen);
		atomic_store(&box->reply_seq, seq);
		pthread_mutex_unlock(&box->busy);
	}
	free(data);
	free(reply);
	return (NULL);
}

/* Opt this process in: create the mailbox and start the service thread. */
int
exitpt_jobitp_enable(void)
{
	struct jobitp_box	*box;
	sigset_t		 all, old;
	char			 name[JOBITP_SHM_NAME_MAX];
	unsigned long long	 start;
	int			 fd, rv;

	pthread_once(&jobitp_once, jobitp_init_once);
	pthread_mutex_lock(&jobitp_lock);
	if (jobitp_own != NULL) {
		pthread_mutex_unlock(&jobitp_lock);
		return (-EALREADY);
	}
	if ((rv = jobitp_proc(getpid(), &start, NULL)) != 0) {
		pthread_mutex_unlock(&jobitp_lock);
		return (rv);
	}
	if ((rv = jobitp_box_name(getpid(), name, sizeof(name))) != 0) {
		pthread_mutex_unlock(&jobitp_lock);
		return (rv);
	}
	/* A mailbox under our pid can only be left by a dead process. */
	shm_unlink(name);
	if ((fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		rv = -errno;
		pthread_mutex_unlock(&jobitp_lock);
		return (rv);
	}
	if (fchmod(fd, 0600) == -1 || ftruncate(fd, sizeof(*box)) == -1) {
		rv = -errno;
		goto fail;
	}
	box = mmap(NULL, sizeof(*box), PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	if (box == MAP_FAILED) {
		rv = -errno;
		goto fail;
	}
	close(fd);
	fd = -1;
	box->version = JOBITP_VERSION;
	box->pid = getpid();
	box->uid = geteuid();
	box->start = start;
	atomic_store(&box->enabled, 1);
	if ((rv = jobitp_mutex_init(&box->callers)) != 0 ||
	    (rv = jobitp_mutex_init(&box->req)) != 0 ||
	    (rv = jobitp_mutex_init(&box->busy)) != 0)
		goto fail_map;
	if (sem_init(&box->request, 1, 0) == -1 ||
	    sem_init(&box->accepted, 1, 0) == -1) {
		rv = -errno;
		goto fail_map;
	}
	atomic_store(&jobitp_stop, 0);
	/* Signals are for the application's threads, not for handlers. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rv = -pthread_create(&jobitp_thread, NULL, jobitp_serve, box);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rv != 0)
		goto fail_map;
	atomic_store(&box->magic, JOBITP_MAGIC);
	jobitp_own = box;
	snprintf(jobitp_own_name, sizeof(jobitp_own_name), "%s", name);
	pthread_mutex_unlock(&jobitp_lock);
	return (0);

fail_map:
	munmap(box, sizeof(*box));
fail:
	if (fd != -1)
		close(fd);
	shm_unlink(name);
	pthread_mutex_unlock(&jobitp_lock);
	return (rv);
}

/* Opt out: remove the mailbox and stop the service thread. */
int
exitpt_jobitp_disable(void)
{
	struct jobitp_box	*box;

	pthread_mutex_lock(&jobitp_lock);
	if ((box = jobitp_own) == NULL) {
		pthread_mutex_unlock(&jobitp_lock);
		return (EXITPT_E_NOT_ENABLED);
	}
	if (pthread_equal(pthread_self(), jobitp_thread)) {
		pthread_mutex_unlock(&jobitp_lock);
		return (-EDEADLK);
	}
	jobitp_own = NULL;
	atomic_store(&box->enabled, 0);
	shm_unlink(jobitp_own_name);
	jobitp_own_name[0] = '\0';
	atomic_store(&jobitp_stop, 1);
	sem_post(&box->request);
	pthread_mutex_unlock(&jobitp_lock);
	/* The thread finishes a running handler first; callers see enabled. */
	pthread_join(jobitp_thread, NULL);
	munmap(box, sizeof(*box));
	return (0);
}

/* Register or replace a named handler. */
int
exitpt_jobitp_register(const char *name, exitpt_jobitp_handler *fn,
    void *arg)
{
	struct jobitp_handler	*h;

	if (!jobitp_name_valid(name))
		return (EXITPT_E_NAME);
	if (fn == NULL)
		return (-EINVAL);
	pthread_mutex_lock(&jobitp_lock);
	for (h = jobitp_handlers; h != NULL; h = h->next) {
		if (strcmp(h->name, name) == 0)
			break;
	}
	if (h == NULL) {
		if ((h = calloc(1, sizeof(*h))) == NULL) {
			pthread_mutex_unlock(&jobitp_lock);
			return (-ENOMEM);
		}
		snprintf(h->name, sizeof(h->name), "%s", name);
		h->next = jobitp_handlers;
		jobitp_handlers = h;
	}
	h->fn = fn;
	h->arg = arg;
	pthread_mutex_unlock(&jobitp_lock);
	return (0);
}

/* Remove a named handler. */
int
exitpt_jobitp_unregister(const char *name)
{
	struct jobitp_handler	**hp, *h;

	if (!jobitp_name_valid(name))
		return (EXITPT_E_NAME);
	pthread_mutex_lock(&jobitp_lock);
	for (hp = &jobitp_handlers; (h = *hp) != NULL; hp = &h->next) {
		if (strcmp(h->name, name) == 0) {
			*hp = h->next;
			pthread_mutex_unlock(&jobitp_lock);
			free(h);
			return (0);
		}
	}
	pthread_mutex_unlock(&jobitp_lock);
	return (EXITPT_E_NO_HANDLER);
}

/*
 * Remove pid's mailbox if the name still refers to the object open on fd
 * (a new process with the same pid may have replaced it meanwhile).
 */
static void
jobitp_unlink_stale(pid_t pid, int fd)
{
	struct stat	a, b;
	char		name[JOBITP_SHM_NAME_MAX];
	char		path[JOBITP_SHM_NAME_MAX + 16];

	if (jobitp_box_name(pid, name, sizeof(name)) != 0)
		return;
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	if (fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
	    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
		shm_unlink(name);
}

/*
 * Check the target and map its mailbox.  Returns 0, EXITPT_E_DEAD,
 * EXITPT_E_AUTH, EXITPT_E_NOT_ENABLED (no mailbox, or a stale one, which
 * is removed) or -errno.
 */
static int
jobitp_open(pid_t pid, struct jobitp_box **boxp)
{
	struct jobitp_box	*box;
	struct stat		 st;
	char			 name[JOBITP_SHM_NAME_MAX], path[64];
	unsigned long long	 start;
	int			 fd, zombie, rv;

	if (jobitp_proc(pid, &start, &zombie) != 0 || zombie)
		return (EXITPT_E_DEAD);
	snprintf(path, sizeof(path), "/proc/%ld", (long)pid);
	if (stat(path, &st) == -1)
		return (EXITPT_E_DEAD);
	if (geteuid() != 0 && geteuid() != st.st_uid)
		return (EXITPT_E_AUTH);
	if ((rv = jobitp_box_name(pid, name, sizeof(name))) != 0)
		return (rv);
	if ((fd = shm_open(name, O_RDWR | O_CLOEXEC, 0)) == -1) {
		if (errno == ENOENT)
			return (EXITPT_E_NOT_ENABLED);
		if (errno == EACCES)
			return (EXITPT_E_AUTH);
		return (-errno);
	}
	if (fstat(fd, &st) == -1) {
		rv = -errno;
		close(fd);
		return (rv);
	}
	if ((size_t)st.st_size != sizeof(*box)) {
		/* Being created right now, or not ours to understand. */
		close(fd);
		return (EXITPT_E_NOT_ENABLED);
	}
	box = mmap(NULL, sizeof(*box), PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	if (box == MAP_FAILED) {
		rv = -errno;
		close(fd);
		return (rv);
	}
	if (atomic_load(&box->magic) != JOBITP_MAGIC ||
	    box->version != JOBITP_VERSION) {
		/* Still being initialised by its target. */
		munmap(box, sizeof(*box));
		close(fd);
		return (EXITPT_E_NOT_ENABLED);
	}
	if (box->pid != pid || box->start != start) {
		/* Left by an earlier process that had this pid. */
		jobitp_unlink_stale(pid, fd);
		munmap(box, sizeof(*box));
		close(fd);
		return (EXITPT_E_NOT_ENABLED);
	}
	close(fd);
	if (!atomic_load(&box->enabled)) {
		munmap(box, sizeof(*box));
		return (EXITPT_E_NOT_ENABLED);
	}
	*boxp = box;
	return (0);
}

/*
 * The target died while we held its mailbox: report it and remove the
 * mailbox so that nobody else waits on it.
 */
static int
jobitp_dead(pid_t pid)
{
	char	name[JOBITP_SHM_NAME_MAX];
	int	fd;

	if (jobitp_box_name(pid, name, sizeof(name)) == 0 &&
	    (fd = shm_open(name, O_RDONLY | O_CLOEXEC, 0)) != -1) {
		jobitp_unlink_stale(pid, fd);
		close(fd);
	}
	return (EXITPT_E_DEAD);
}

/* Run handler name in process pid and collect its reply. */
int
exitpt_jobitp_call(pid_t pid, const char *name, const void *data,
    size_t datalen, double wait, void *reply, size_t replysize,
    size_t *replylen, int *status)
{
	struct jobitp_box	*box = NULL;
	struct timespec		 deadline, *dl = NULL, slice;
	uint64_t		 seq;
	size_t			 n;
	int			 rv, r;

	if (pid <= 0)
		return (EXITPT_E_VALUE);
	if (!jobitp_name_valid(name))
		return (EXITPT_E_NAME);
	if (datalen > EXITPT_JOBITP_DATA_MAX)
		return (EXITPT_E_TOO_LONG);
	if (data == NULL && datalen > 0)
		return (-EINVAL);
	if (isnan(wait) || wait == 0 || wait > EXITPT_IPC_WAIT_MAX)
		return (EXITPT_E_VALUE);
	if (wait > 0) {
		jobitp_deadline(wait, &deadline);
		dl = &deadline;
	}
	if ((rv = jobitp_open(pid, &box)) != 0) {
		if (rv == EXITPT_E_DEAD)
			jobitp_dead(pid);
		return (rv);
	}

	if ((r = jobitp_lock_robust(&box->callers, dl)) < 0) {
		rv = r == -ETIMEDOUT ? EXITPT_E_TIMEOUT : r;
		goto out;
	}
	jobitp_lock_robust(&box->req, NULL);
	seq = ++box->next_seq;
	box->req_seq = seq;
	box->caller_pid = getpid();
	box->caller_uid = geteuid();
	snprintf(box->name, sizeof(box->name), "%s", name);
	box->datalen = (uint32_t)datalen;
	if (datalen > 0)
		memcpy(box->data, data, datalen);
	box->req_state = JOBITP_REQ_PENDING;
	pthread_mutex_unlock(&box->req);
	sem_post(&box->request);

	/* Wait for the service thread to take the request. */
	while (atomic_load(&box->accepted_seq) != seq) {
		jobitp_slice(dl, &slice);
		if (sem_clockwait(&box->accepted, CLOCK_MONOTONIC, &slice) == 0)
			continue;
		if (jobitp_gone(pid, box->start)) {
			rv = jobitp_dead(pid);
			goto unlock;
		}
		if (!atomic_load(&box->enabled) || jobitp_past(dl)) {
			jobitp_lock_robust(&box->req, NULL);
			if (atomic_load(&box->accepted_seq) == seq) {
				pthread_mutex_unlock(&box->req);
				break;
			}
			/* Never run a handler for a caller that left. */
			box->req_state = JOBITP_REQ_CANCELLED;
			pthread_mutex_unlock(&box->req);
			rv = atomic_load(&box->enabled) ? EXITPT_E_TIMEOUT :
			    EXITPT_E_NOT_ENABLED;
			goto unlock;
		}
	}

	/* The service thread holds busy until the reply is written. */
	if ((r = jobitp_lock_robust(&box->busy, dl)) < 0) {
		rv = r == -ETIMEDOUT ? EXITPT_E_TIMEOUT : r;
		goto unlock;
	}
	if (atomic_load(&box->reply_seq) != seq) {
		/* The service thread's owner died in the handler. */
		pthread_mutex_unlock(&box->busy);
		if (jobitp_exited(pid, box->start, JOBITP_EXIT_MS))
			rv = jobitp_dead(pid);
		else {
			/* Only the service thread ended: nobody serves. */
			atomic_store(&box->enabled, 0);
			rv = EXITPT_E_NOT_ENABLED;
		}
		goto unlock;
	}
	rv = box->reply_error;
	if (rv == 0) {
		n = box->replylen;
		if (reply != NULL && replysize > 0)
			memcpy(reply, box->reply, n < replysize ? n :
			    replysize);
		if (replylen != NULL)
			*replylen = n;
		if (status != NULL)
			*status = box->reply_status;
	}
	pthread_mutex_unlock(&box->busy);
unlock:
	pthread_mutex_unlock(&box->callers);
out:
	munmap(box, sizeof(*box));
	return (rv);
}
