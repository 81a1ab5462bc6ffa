/*
 * Job interrupt (QWCJBITP): a process that opts in gets a mailbox, an
 * object "jobitp.<pid>" in its user's directory of the runtime directory
 * (mode 0600: only that user and root can reach it), and a service
 * thread asleep on the mailbox's request counter.  A caller writes a
 * request, bumps the counter, and waits for the service thread to accept
 * it, run the named handler and publish the reply.  No signal is
 * involved, so handlers run on an ordinary thread and may do anything a
 * thread may do.
 *
 * The caller trusts nothing in the mailbox, which its target can change
 * at will: it never maps it for access (only for futex system calls), it
 * reads and writes it with pread and pwrite, checks every field of the
 * reply, and bounds every wait by its wait time.  A target that keeps the
 * callers' lock, never answers, or cuts the file short costs a caller its
 * wait time at most, never a hang or a fault.
 *
 * Failure of either side must never leave the mailbox stuck:
 * - callers take turns on a kernel (open file description) lock of the
 *   mailbox, which the kernel drops when a caller dies;
 * - requests carry sequence numbers, so a reply or wake-up meant for a
 *   caller that gave up is recognised and ignored by the next one, and a
 *   caller that gives up marks its request cancelled so that it is never
 *   run late;
 * - callers look at the target (pid and start time) and its service
 *   thread every JOBITP_SLICE_MS while they wait, so a target that dies
 *   mid-handler is noticed at once;
 * - the mailbox records the target's pid and start time: a mailbox left
 *   by a dead process, or by an earlier process with the same pid, is
 *   recognised as stale and removed by whoever finds it.
 */
#include <sys/stat.h>

#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"

#define JOBITP_SLICE_MS		20	/* liveness check while unanswered */
#define JOBITP_EXIT_MS		2000	/* a dying target's exit, at most */
#define JOBITP_CALLERS		1	/* byte of the callers' kernel lock */
#define JOBITP_NAME_FMT		"jobitp.%ld"
#define JOBITP_OFF(f)		offsetof(struct jobitp_box, f)

/* The mailbox (an object's data); see the comment at the top. */
struct jobitp_box {
	int32_t			 pid;
	int32_t			 service_tid;
	uint64_t		 start;		/* target start time, ticks */
	_Atomic uint32_t	 enabled;
	_Atomic uint32_t	 req_seq;	/* futex: caller -> service */
	_Atomic uint32_t	 ack_seq;	/* futex: request accepted */
	_Atomic uint32_t	 reply_seq;	/* futex: reply published */
	_Atomic uint32_t	 cancel_seq;	/* the caller of it gave up */
	int32_t			 caller_pid;
	uint32_t		 caller_uid;
	uint32_t		 datalen;
	char			 name[EXITPT_JOBITP_NAME_MAX + 1];
	char			 pad[3];
	char			 data[EXITPT_JOBITP_DATA_MAX];
	int32_t			 reply_error;	/* 0 or EXITPT_E_NO_HANDLER */
	int32_t			 reply_status;
	uint32_t		 replylen;	/* length the handler set */
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
static struct ipcobj		*jobitp_own;
static pthread_t		 jobitp_thread;
static _Atomic int		 jobitp_stop;

static int	 jobitp_name_valid(const char *);
static void	*jobitp_serve(void *);
static void	 jobitp_serve_one(struct ipcobj *, struct jobitp_box *,
		     uint32_t, char *, char *);
static int	 jobitp_box_init(void *, size_t, void *);
static void	 jobitp_atfork_child(void);
static void	 jobitp_init_once(void);
static int	 jobitp_target(pid_t, struct ipcobj_proc *, uid_t *);
static void	 jobitp_forget(uid_t, struct ipcobj *);
static void	 jobitp_forget_pid(pid_t);
static int	 jobitp_open(pid_t, const struct ipcobj_proc *, uid_t,
		     struct ipcobj **);
static void	 jobitp_unlink(int, const char *, struct ipcobj *);
static int	 jobitp_gone(const struct ipcobj_proc *);
static int	 jobitp_exited(const struct ipcobj_proc *, int);
static int	 jobitp_await(struct ipcobj *, const struct ipcobj_proc *,
		     size_t, uint32_t, const struct ipcobj_deadline *);

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
 * A forked child inherits the mailbox mapping but not the service thread
 * and not the pid: drop them so that the child may enable on its own.
 */
static void
jobitp_atfork_child(void)
{
	ipcobj_close(jobitp_own);
	jobitp_own = NULL;
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
 * Serve request seq: take a copy of it (checked: a caller of the same
 * user may have written anything), accept it, run its handler outside
 * any lock, and publish the reply.
 */
static void
jobitp_serve_one(struct ipcobj *o, struct jobitp_box *box, uint32_t seq,
    char *data, char *reply)
{
	struct jobitp_handler	*h;
	exitpt_jobitp_handler	*fn = NULL;
	void			*arg = NULL;
	char			 name[EXITPT_JOBITP_NAME_MAX + 1];
	size_t			 datalen, replylen = 0;
	int			 status = 0, error = EXITPT_E_NO_HANDLER;

	memcpy(name, box->name, sizeof(name));
	name[EXITPT_JOBITP_NAME_MAX] = '\0';
	datalen = box->datalen;
	if (datalen > EXITPT_JOBITP_DATA_MAX)
		datalen = EXITPT_JOBITP_DATA_MAX;
	memcpy(data, box->data, datalen);
	data[datalen] = '\0';
	if (atomic_load(&box->cancel_seq) == seq)
		return;		/* its caller left before we got to it */
	atomic_store(&box->ack_seq, seq);
	ipcobj_futex_wake(o, JOBITP_OFF(ack_seq));

	pthread_mutex_lock(&jobitp_lock);
	for (h = jobitp_handlers; h != NULL && jobitp_name_valid(name);
	    h = h->next) {
		if (strcmp(h->name, name) == 0) {
			fn = h->fn;
			arg = h->arg;
			break;
		}
	}
	pthread_mutex_unlock(&jobitp_lock);
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
	ipcobj_futex_wake(o, JOBITP_OFF(reply_seq));
}

/* The service thread: serve each new request, sleep in between. */
static void *
jobitp_serve(void *p)
{
	struct ipcobj_deadline	 forever;
	struct ipcobj		*o = p;
	struct jobitp_box	*box = ipcobj_data(o);
	char			*data, *reply;
	uint32_t		 seq, last;

	ipcobj_deadline_set(&forever, EXITPT_WAIT_FOREVER);
	box->service_tid = (int32_t)ipcproc_tid();
	/*
	 * The mailbox is new (its counter starts at 0) and visible before
	 * this thread runs: a request may already be waiting.
	 */
	last = 0;
	if ((data = malloc(EXITPT_JOBITP_DATA_MAX + 1)) == NULL ||
	    (reply = malloc(EXITPT_JOBITP_REPLY_MAX)) == NULL) {
		free(data);
		atomic_store(&box->enabled, 0);
		return (NULL);
	}
	while (!atomic_load(&jobitp_stop)) {
		if ((seq = atomic_load(&box->req_seq)) == last) {
			ipcobj_futex_wait(o, JOBITP_OFF(req_seq), last,
			    &forever);
			continue;
		}
		last = seq;
		jobitp_serve_one(o, box, seq, data, reply);
	}
	free(data);
	free(reply);
	return (NULL);
}

/* Fill in a new mailbox: the target is the calling process. */
static int
jobitp_box_init(void *data, size_t size, void *arg)
{
	struct jobitp_box		*box = data;
	const struct ipcobj_proc	*me = arg;

	if (size != sizeof(*box))
		return (-EINVAL);
	box->pid = me->pid;
	box->start = me->start;
	atomic_store(&box->enabled, 1);
	return (0);
}

/* Opt this process in: create the mailbox and start the service thread. */
int
exitpt_jobitp_enable(void)
{
	struct ipcobj_proc	 me;
	struct ipcobj		*o;
	sigset_t		 all, old;
	char			 name[32];
	int			 dir, rv;

	pthread_once(&jobitp_once, jobitp_init_once);
	pthread_mutex_lock(&jobitp_lock);
	if (jobitp_own != NULL) {
		pthread_mutex_unlock(&jobitp_lock);
		return (-EALREADY);
	}
	if ((rv = ipcproc_self(&me)) != 0 ||
	    (rv = ipcdir_get(IPCDIR_SELF, &dir)) != 0) {
		pthread_mutex_unlock(&jobitp_lock);
		return (rv);
	}
	snprintf(name, sizeof(name), JOBITP_NAME_FMT, (long)me.pid);
	/* A mailbox under our pid can only be left by a dead process. */
	unlinkat(dir, name, 0);
	if ((rv = ipcobj_create(IPCOBJ_JOBITP, IPCDIR_SELF, name, 0600,
	    sizeof(struct jobitp_box), jobitp_box_init, &me, &o)) != 0) {
		pthread_mutex_unlock(&jobitp_lock);
		return (rv);
	}
	if (ipcobj_data(o) == NULL) {
		rv = ipcobj_damaged("job interrupt mailbox %s: not mapped",
		    name);
		goto fail;
	}
	atomic_store(&jobitp_stop, 0);
	/* Signals are for the application's threads, not for handlers. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rv = -pthread_create(&jobitp_thread, NULL, jobitp_serve, o);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rv != 0)
		goto fail;
	jobitp_own = o;
	pthread_mutex_unlock(&jobitp_lock);
	return (0);

fail:
	unlinkat(dir, name, 0);
	ipcobj_close(o);
	pthread_mutex_unlock(&jobitp_lock);
	return (rv);
}

/* Opt out: remove the mailbox and stop the service thread. */
int
exitpt_jobitp_disable(void)
{
	struct jobitp_box	*box;
	struct ipcobj		*o;
	int			 dir;

	pthread_mutex_lock(&jobitp_lock);
	if ((o = jobitp_own) == NULL) {
		pthread_mutex_unlock(&jobitp_lock);
		return (EXITPT_E_NOT_ENABLED);
	}
	if (pthread_equal(pthread_self(), jobitp_thread)) {
		pthread_mutex_unlock(&jobitp_lock);
		return (-EDEADLK);
	}
	jobitp_own = NULL;
	box = ipcobj_data(o);
	atomic_store(&box->enabled, 0);
	if (ipcdir_get(IPCDIR_SELF, &dir) == 0)
		jobitp_unlink(dir, ipcobj_name(o), o);
	atomic_store(&jobitp_stop, 1);
	atomic_fetch_add(&box->req_seq, 1);
	ipcobj_futex_wake(o, JOBITP_OFF(req_seq));
	pthread_mutex_unlock(&jobitp_lock);
	/* The thread finishes a running handler first; callers see enabled. */
	pthread_join(jobitp_thread, NULL);
	ipcobj_close(o);
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
 * Remove a mailbox's name if it still refers to the object open in o (a
 * new process with the same pid may have replaced it meanwhile).
 */
static void
jobitp_unlink(int dir, const char *name, struct ipcobj *o)
{
	struct stat	a, b;

	if (fstat(ipcobj_fd(o), &a) == 0 &&
	    fstatat(dir, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
		unlinkat(dir, name, 0);
}

/* 1 if the target (pid and start time) is gone, or a zombie. */
static int
jobitp_gone(const struct ipcobj_proc *t)
{
	return (!ipcproc_alive(t));
}

/*
 * The service thread is gone: that happens when its process is being
 * killed (threads go first, before /proc shows the process gone).  Wait
 * at most ms (none if negative) for the exit itself (a pidfd becomes
 * readable then) and say whether it happened.
 */
static int
jobitp_exited(const struct ipcobj_proc *t, int ms)
{
	struct pollfd	pfd;
	int		fd, rv;

	if (jobitp_gone(t))
		return (1);
	if ((fd = (int)syscall(SYS_pidfd_open, t->pid, 0)) == -1)
		return (errno == ESRCH);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while ((rv = poll(&pfd, 1, ms > 0 ? ms : 0)) == -1 && errno == EINTR)
		;
	close(fd);
	return (rv == 1 || jobitp_gone(t));
}

/*
 * The target process: its identity and (effective) user, whose directory
 * holds its mailbox.  Returns 0, EXITPT_E_DEAD, or EXITPT_E_AUTH when the
 * caller is neither root nor that user.
 */
static int
jobitp_target(pid_t pid, struct ipcobj_proc *t, uid_t *uid)
{
	if (ipcproc_get(pid, t) != 0 || ipcproc_euid(pid, uid) != 0)
		return (EXITPT_E_DEAD);
	if (geteuid() != 0 && geteuid() != *uid)
		return (EXITPT_E_AUTH);
	return (0);
}

/*
 * pid runs no more: remove mailboxes left under its name (of every user
 * for root, else of the caller's) unless a new process with that pid has
 * made one meanwhile.
 */
static void
jobitp_forget_pid(pid_t pid)
{
	struct ipcdir_user	*u;
	struct ipcobj_proc	 now;
	struct ipcobj		*o;
	struct jobitp_box	 head;
	char			 name[32];
	size_t			 n, i;

	snprintf(name, sizeof(name), JOBITP_NAME_FMT, (long)pid);
	if (ipcdir_users(geteuid() == 0 ? IPCOBJ_ANY_OWNER : geteuid(), &u,
	    &n) != 0)
		return;
	for (i = 0; i < n; i++) {
		if (ipcobj_openat(IPCOBJ_JOBITP, u[i].fd, name, u[i].uid,
		    IPCOBJ_READ, &o) != 0)
			continue;
		if (ipcobj_get(o, 0, &head, JOBITP_OFF(req_seq)) != 0 ||
		    ipcproc_get(pid, &now) != 0 || now.start != head.start)
			jobitp_unlink(u[i].fd, name, o);
		ipcobj_close(o);
	}
	ipcdir_users_free(u, n);
}

/* The target died: remove its mailbox so that nobody waits on it. */
static void
jobitp_forget(uid_t uid, struct ipcobj *o)
{
	struct ipcdir_user	*u;
	size_t			 n, i;

	if (ipcdir_users(uid, &u, &n) != 0)
		return;
	for (i = 0; i < n; i++)
		jobitp_unlink(u[i].fd, ipcobj_name(o), o);
	ipcdir_users_free(u, n);
}

/*
 * Find and open the target's mailbox among its user's directories, and
 * check it is the target's own: a mailbox of an earlier process with this
 * pid is stale and removed.  Returns 0, EXITPT_E_NOT_ENABLED,
 * EXITPT_E_AUTH, EXITPT_E_DAMAGED or an error.
 */
static int
jobitp_open(pid_t pid, const struct ipcobj_proc *t, uid_t uid,
    struct ipcobj **out)
{
	struct ipcdir_user	*u;
	struct ipcobj		*o = NULL;
	struct jobitp_box	 head;
	char			 name[32];
	size_t			 n, i;
	int			 error = -ENOENT;

	snprintf(name, sizeof(name), JOBITP_NAME_FMT, (long)pid);
	if ((error = ipcdir_users(uid, &u, &n)) != 0)
		return (error);
	for (i = 0, error = -ENOENT; i < n && error == -ENOENT; i++)
		error = ipcobj_openat(IPCOBJ_JOBITP, u[i].fd, name, uid,
		    IPCOBJ_WRITE, &o);
	if (error == 0 && ipcobj_size(o) != sizeof(struct jobitp_box))
		error = ipcobj_damaged("job interrupt mailbox of pid %ld: %zu "
		    "bytes, not %zu", (long)pid, ipcobj_size(o),
		    sizeof(struct jobitp_box));
	else if (error == 0 && (error = ipcobj_get(o, 0, &head,
	    JOBITP_OFF(req_seq))) == 0 && (head.pid != pid ||
	    head.start != t->start)) {
		/* Left by an earlier process that had this pid. */
		jobitp_unlink(u[i - 1].fd, name, o);
		error = EXITPT_E_NOT_ENABLED;
	} else if (error == 0 && atomic_load(&head.enabled) == 0)
		error = EXITPT_E_NOT_ENABLED;
	ipcdir_users_free(u, n);
	if (error != 0) {
		ipcobj_close(o);
		if (error == -ENOENT)
			return (EXITPT_E_NOT_ENABLED);
		if (error == -EACCES)
			return (EXITPT_E_AUTH);
		return (error);
	}
	*out = o;
	return (0);
}

/*
 * Wait until the mailbox's counter at off reaches seq, the target dies
 * (EXITPT_E_DEAD), its service stops (EXITPT_E_NOT_ENABLED), or d passes
 * (EXITPT_E_TIMEOUT).  Looks at the target every JOBITP_SLICE_MS.
 */
static int
jobitp_await(struct ipcobj *o, const struct ipcobj_proc *t, size_t off,
    uint32_t seq, const struct ipcobj_deadline *d)
{
	struct ipcobj_deadline	slice;
	struct ipcobj_proc	svc;
	uint32_t		cur, enabled;
	int32_t			tid;
	int			error;

	for (;;) {
		if ((error = ipcobj_get32(o, off, &cur)) != 0)
			return (error);
		if (cur == seq)
			return (0);
		if (jobitp_gone(t))
			return (EXITPT_E_DEAD);
		if ((error = ipcobj_get32(o, JOBITP_OFF(enabled),
		    &enabled)) != 0 || (error = ipcobj_get(o,
		    JOBITP_OFF(service_tid), &tid, sizeof(tid))) != 0)
			return (error);
		if (tid > 0 && ipcproc_get(tid, &svc) != 0) {
			/* The target's own word: within our wait only. */
			ipcobj_deadline_cap(d, JOBITP_EXIT_MS, &slice);
			return (jobitp_exited(t, (int)((slice.at -
			    ipcobj_now()) / 1000000)) ? EXITPT_E_DEAD :
			    EXITPT_E_NOT_ENABLED);
		}
		if (enabled == 0)
			return (EXITPT_E_NOT_ENABLED);
		if (ipcobj_deadline_passed(d))
			return (EXITPT_E_TIMEOUT);
		ipcobj_deadline_cap(d, JOBITP_SLICE_MS, &slice);
		if ((error = ipcobj_futex_wait(o, off, cur, &slice)) != 0 &&
		    error != EXITPT_E_TIMEOUT)
			return (error);
	}
}

/* Run handler name in process pid and collect its reply. */
int
exitpt_jobitp_call(pid_t pid, const char *name, const void *data,
    size_t datalen, double wait, void *reply, size_t replysize,
    size_t *replylen, int *status)
{
	struct ipcobj_deadline	 d;
	struct ipcobj_proc	 t;
	struct ipcobj		*o;
	char			 nbuf[EXITPT_JOBITP_NAME_MAX + 1];
	uint32_t		 seq, len, caller[2];
	int32_t			 res[2];
	uid_t			 uid;
	int			 rv;

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
	ipcobj_deadline_set(&d, wait);
	if ((rv = jobitp_target(pid, &t, &uid)) != 0) {
		if (rv == EXITPT_E_DEAD)
			jobitp_forget_pid(pid);
		return (rv);
	}
	if ((rv = jobitp_open(pid, &t, uid, &o)) != 0)
		return (rv);
	if ((rv = ipcobj_ofd_lock(o, JOBITP_CALLERS, &d)) != 0)
		goto out;
	if ((rv = ipcobj_get32(o, JOBITP_OFF(req_seq), &seq)) != 0)
		goto unlock;
	if (++seq == 0)
		seq = 1;
	memset(nbuf, 0, sizeof(nbuf));
	memcpy(nbuf, name, strlen(name));
	caller[0] = (uint32_t)getpid();
	caller[1] = (uint32_t)geteuid();
	len = (uint32_t)datalen;
	if ((rv = ipcobj_put(o, JOBITP_OFF(caller_pid), caller,
	    sizeof(caller))) != 0 ||
	    (rv = ipcobj_put(o, JOBITP_OFF(datalen), &len, sizeof(len))) != 0 ||
	    (rv = ipcobj_put(o, JOBITP_OFF(name), nbuf, sizeof(nbuf))) != 0 ||
	    (datalen > 0 && (rv = ipcobj_put(o, JOBITP_OFF(data), data,
	    datalen)) != 0) ||
	    (rv = ipcobj_put32(o, JOBITP_OFF(req_seq), seq)) != 0 ||
	    (rv = ipcobj_futex_wake(o, JOBITP_OFF(req_seq))) != 0)
		goto unlock;
	if ((rv = jobitp_await(o, &t, JOBITP_OFF(ack_seq), seq, &d)) != 0) {
		/* Never run a handler for a caller that left. */
		ipcobj_put32(o, JOBITP_OFF(cancel_seq), seq);
		goto unlock;
	}
	if ((rv = jobitp_await(o, &t, JOBITP_OFF(reply_seq), seq, &d)) != 0)
		goto unlock;
	if ((rv = ipcobj_get(o, JOBITP_OFF(reply_error), res,
	    sizeof(res))) != 0 ||
	    (rv = ipcobj_get32(o, JOBITP_OFF(replylen), &len)) != 0)
		goto unlock;
	if (res[0] != 0 && res[0] != EXITPT_E_NO_HANDLER) {
		rv = ipcobj_damaged("job interrupt mailbox of pid %ld: reply "
		    "error %d", (long)pid, res[0]);
		goto unlock;
	}
	if (len > EXITPT_JOBITP_REPLY_MAX) {
		rv = ipcobj_damaged("job interrupt mailbox of pid %ld: reply "
		    "of %u bytes, more than %d", (long)pid, len,
		    EXITPT_JOBITP_REPLY_MAX);
		goto unlock;
	}
	if ((rv = res[0]) == 0) {
		if (reply != NULL && replysize > 0 && len > 0 &&
		    (rv = ipcobj_get(o, JOBITP_OFF(reply), reply,
		    len < replysize ? len : replysize)) != 0)
			goto unlock;
		if (replylen != NULL)
			*replylen = len;
		if (status != NULL)
			*status = res[1];
	}
unlock:
	ipcobj_ofd_unlock(o, JOBITP_CALLERS);
out:
	if (rv == EXITPT_E_DEAD && jobitp_gone(&t))
		jobitp_forget(uid, o);
	ipcobj_close(o);
	return (rv);
}
