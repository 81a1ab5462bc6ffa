/*
 * dr_reconfig() for AIX programs ported to Linux (libexitpt-dr): the
 * process registers with exitd when the library is loaded, exitd sends it
 * SIGRECONFIG in each phase of an operation, and dr_reconfig() reads the
 * phase in effect from a page exitd writes and acknowledges or vetoes it
 * over the registration connection.  The protocol is described in
 * protocol.h ("The dr_reconfig() shim").
 *
 * Everything dr_reconfig() does is async-signal-safe: it may run in a
 * signal handler, a sigwait() thread, or any thread long after the
 * handler returned.  The state it reads is a fixed page mapping and two
 * words; the library's thread replaces the mapping (MAP_FIXED, which is
 * atomic for readers) and the connection (dup3 onto the same number) and
 * never frees either under a reader.
 */
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/dr.h>

#include "exitpt-int.h"
#include "protocol.h"

#define DR_EXPORT		__attribute__((visibility("default")))
#define DR_REPLY_MS		2000	/* for exitd's answer to a register */
#define DR_READ_TRIES		1000	/* sequence lock retries */
#define DR_QUICK_TRIES		6	/* after a change: 50 ms .. 1.6 s */
#define DR_BACKOFF_MIN_MS	50
#define DR_BACKOFF_MAX_MS	30000

_Static_assert(DR_EVENT_FAIL == PROTO_DR_ACK_FAIL &&
    DR_RECONFIG_DONE == PROTO_DR_ACK_DONE, "acknowledgement flags");

/* One consistent copy of the page. */
struct dr_view {
	uint32_t	active;
	uint32_t	token;
	uint32_t	phase;
	uint32_t	flags;
};

/* A request as sent: header and payload in one buffer, one send(). */
struct dr_msg {
	struct proto_hdr	hdr;
	union {
		struct proto_dr_register	reg;
		struct proto_dr_ack		ack;
	} u;
};

static struct proto_dr_page	*dr_page;	/* fixed address, never NULL
						   once dr_usable */
static size_t			 dr_pagesize;
static int			 dr_usable;	/* set up by the constructor */
static int			 dr_fd = -1;	/* registration connection */
static uint64_t			 dr_ino;	/* its socket's inode */
static char			 dr_path[sizeof(((struct sockaddr_un *)0)->
				    sun_path)];

static void	 dr_init(void) __attribute__((constructor));
static void	 dr_atfork_child(void);
static void	 dr_thread_start(void);
static void	*dr_thread(void *);
static int	 dr_connect(void);
static int	 dr_register(void);
static int	 dr_recv_reply(int, struct proto_dr_registered *, int *);
static void	 dr_publish(int);
static int	 dr_fd_ours(int);
static void	 dr_idle(void);
static void	 dr_wait_exitd(void);
static int	 dr_exitd_absent(int);
static int	 dr_watch_open(void);
static int	 dr_watch_wait(int, int);
static int	 dr_view(struct dr_view *);
static int	 dr_ack(uint32_t, int);
static void	 dr_fill(dr_info_t *, const struct dr_view *);

/*
 * Set up when the library is loaded: reserve the page address, find the
 * socket, register at once (so that a program is known to exitd before
 * main runs), then leave re-registration to a thread.
 */
static void
dr_init(void)
{
	const char	*path;
	long		 pagesize;
	void		*p;

	/* The number is a constant: it must be a real-time signal here. */
	if (SIGRECONFIG < SIGRTMIN || SIGRECONFIG > SIGRTMAX)
		return;
	if ((pagesize = sysconf(_SC_PAGESIZE)) <= 0)
		return;
	dr_pagesize = (size_t)pagesize;
	p = mmap(NULL, dr_pagesize, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		return;
	dr_page = p;
	if ((path = getenv(EXITPT_SOCKET_ENV)) == NULL || *path == '\0')
		path = EXITPT_SOCKET_DEFAULT;
	if (strlen(path) >= sizeof(dr_path))
		return;
	strcpy(dr_path, path);
	dr_usable = 1;
	dr_register();
	pthread_atfork(NULL, NULL, dr_atfork_child);
	dr_thread_start();
}

/*
 * In a forked child: the connection and the page are the parent's, and
 * so was the thread.  Drop both (the child's copy of the descriptor
 * only) and register the child on its own, from a new thread, so that
 * fork() does not wait for exitd.
 */
static void
dr_atfork_child(void)
{
	int	fd;

	if (!dr_usable)
		return;
	fd = __atomic_exchange_n(&dr_fd, -1, __ATOMIC_SEQ_CST);
	if (fd >= 0 && dr_fd_ours(fd))
		close(fd);
	__atomic_store_n(&dr_ino, 0, __ATOMIC_SEQ_CST);
	dr_idle();
	dr_thread_start();
}

/*
 * Start the registration thread with every signal blocked, so that it
 * never runs the application's handlers nor takes a SIGRECONFIG meant for
 * a sigwait() thread.
 */
static void
dr_thread_start(void)
{
	pthread_attr_t	attr;
	pthread_t	tid;
	sigset_t	all, old;

	sigfillset(&all);
	if (pthread_attr_init(&attr) != 0)
		return;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_create(&tid, &attr, dr_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
}

/*
 * The registration thread: while registered, wait for the connection's
 * end (exitd stopped); then mark the page idle and register again once
 * exitd is back.
 */
static void *
dr_thread(void *arg)
{
	struct pollfd	pfd;
	char		buf[64];
	ssize_t		n;
	int		fd;

	for (;;) {
		fd = __atomic_load_n(&dr_fd, __ATOMIC_SEQ_CST);
		if (fd < 0 || !dr_fd_ours(fd)) {
			dr_idle();
			dr_wait_exitd();
			continue;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, -1) == -1)
			continue;
		/* exitd writes nothing after registering: data is ignored. */
		if (!dr_fd_ours(fd))
			continue;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0 || (n == -1 && (errno == EAGAIN || errno == EINTR) &&
		    (pfd.revents & (POLLHUP | POLLERR)) == 0))
			continue;
		dr_idle();
		dr_wait_exitd();
	}
	return (NULL);
}

/* Connect to exitd's socket; the descriptor, or -errno. */
static int
dr_connect(void)
{
	struct sockaddr_un	sun;
	int			fd, error;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, dr_path, sizeof(sun.sun_path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		return (-errno);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		error = -errno;
		close(fd);
		return (error);
	}
	return (fd);
}

/*
 * Register this process: connect, send PROTO_DR_REGISTER, take the page
 * from the reply and map it at our fixed address, and publish the
 * connection.  Returns 0, or -errno / EXITPT_E_* (exitd's refusal).
 */
static int
dr_register(void)
{
	struct proto_dr_registered	 r = { 0 };
	struct dr_msg			 m;
	struct stat			 st;
	const struct proto_dr_page	*pg;
	uint64_t			 start;
	ssize_t				 n;
	int				 fd, pagefd = -1, error;

	if ((error = procstat_start(getpid(), &start)) != 0)
		return (error);
	if ((fd = dr_connect()) < 0)
		return (fd);
	memset(&m, 0, sizeof(m));
	m.hdr.version = PROTO_VERSION;
	m.hdr.type = PROTO_DR_REGISTER;
	m.hdr.length = sizeof(m.u.reg);
	m.hdr.seq = 1;
	m.u.reg.abi = PROTO_DR_ABI;
	m.u.reg.signo = SIGRECONFIG;
	m.u.reg.start_time = start;
	n = send(fd, &m, sizeof(m.hdr) + sizeof(m.u.reg), MSG_NOSIGNAL);
	if (n != (ssize_t)(sizeof(m.hdr) + sizeof(m.u.reg))) {
		error = n == -1 ? -errno : -EIO;
		goto fail;
	}
	if ((error = dr_recv_reply(fd, &r, &pagefd)) != 0)
		goto fail;
	if ((error = r.error) != 0)
		goto fail;
	error = EXITPT_E_PROTOCOL;
	if (pagefd == -1 || fstat(pagefd, &st) == -1 ||
	    st.st_size < (off_t)sizeof(*pg) || r.page_size < sizeof(*pg))
		goto fail;
	if (mmap(dr_page, dr_pagesize, PROT_READ, MAP_SHARED | MAP_FIXED,
	    pagefd, 0) == MAP_FAILED) {
		error = -errno;
		goto fail;
	}
	close(pagefd);
	pg = dr_page;
	if (__atomic_load_n(&pg->abi, __ATOMIC_ACQUIRE) != PROTO_DR_ABI) {
		dr_idle();
		close(fd);
		return (EXITPT_E_VERSION);
	}
	dr_publish(fd);
	return (0);

 fail:
	if (pagefd != -1)
		close(pagefd);
	close(fd);
	return (error);
}

/*
 * Read exitd's answer to PROTO_DR_REGISTER, within DR_REPLY_MS, with the
 * page descriptor it carries.  A PROTO_REPORT instead is exitd's refusal
 * (over a limit, another protocol version): its error is returned.
 */
static int
dr_recv_reply(int fd, struct proto_dr_registered *r, int *pagefd)
{
	union {
		char		buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	align;
	} cm;
	struct {
		struct proto_hdr	hdr;
		union {
			struct proto_dr_registered	reg;
			struct proto_report		rep;
		} u;
	} m;
	struct timespec		 now, end;
	struct pollfd		 pfd;
	struct msghdr		 mh;
	struct cmsghdr		*c;
	struct iovec		 iov;
	size_t			 got = 0, want = sizeof(m.hdr);
	ssize_t			 n;
	int			 ms;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += DR_REPLY_MS / 1000;
	while (got < want) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (int)((end.tv_sec - now.tv_sec) * 1000 +
		    (end.tv_nsec - now.tv_nsec) / 1000000);
		if (ms <= 0)
			return (-ETIMEDOUT);
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, ms) <= 0)
			continue;
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = (char *)&m + got;
		iov.iov_len = want - got;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return (n == 0 ? -ECONNRESET : -errno);
		for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh,
		    c)) {
			if (c->cmsg_level == SOL_SOCKET &&
			    c->cmsg_type == SCM_RIGHTS && *pagefd == -1 &&
			    c->cmsg_len == CMSG_LEN(sizeof(int)))
				memcpy(pagefd, CMSG_DATA(c), sizeof(int));
		}
		got += (size_t)n;
		if (got == sizeof(m.hdr)) {
			if (m.hdr.version != PROTO_VERSION)
				return (EXITPT_E_VERSION);
			if (m.hdr.type == PROTO_DR_REGISTERED &&
			    m.hdr.length == sizeof(m.u.reg))
				want += sizeof(m.u.reg);
			else if (m.hdr.type == PROTO_REPORT &&
			    m.hdr.length >= sizeof(m.u.rep))
				want += sizeof(m.u.rep);
			else
				return (EXITPT_E_PROTOCOL);
		}
	}
	if (m.hdr.type == PROTO_REPORT)
		return (m.u.rep.error != 0 ? m.u.rep.error :
		    EXITPT_E_PROTOCOL);
	*r = m.u.reg;
	return (0);
}

/*
 * Make fd the registration connection.  A previous connection that is
 * still ours keeps its descriptor number, which now refers to fd's
 * socket, so that a dr_reconfig() that read the number meanwhile never
 * writes into a descriptor the application has since opened.
 */
static void
dr_publish(int fd)
{
	struct stat	st;
	int		old;

	old = __atomic_load_n(&dr_fd, __ATOMIC_SEQ_CST);
	if (old >= 0 && dr_fd_ours(old) && dup3(fd, old, O_CLOEXEC) != -1) {
		close(fd);
		fd = old;
	}
	if (fstat(fd, &st) == -1) {
		close(fd);
		return;
	}
	__atomic_store_n(&dr_ino, (uint64_t)st.st_ino, __ATOMIC_SEQ_CST);
	__atomic_store_n(&dr_fd, fd, __ATOMIC_SEQ_CST);
}

/*
 * 1 if descriptor fd is still our connection: an application may close
 * descriptors it did not open (daemons do), and reuse the number.
 */
static int
dr_fd_ours(int fd)
{
	struct stat	st;

	if (fd < 0 || fstat(fd, &st) == -1 || !S_ISSOCK(st.st_mode))
		return (0);
	return ((uint64_t)st.st_ino == __atomic_load_n(&dr_ino,
	    __ATOMIC_SEQ_CST));
}

/* Show no event: an anonymous zero page replaces exitd's. */
static void
dr_idle(void)
{
	mmap(dr_page, dr_pagesize, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
	    MAP_FIXED, -1, 0);
}

/*
 * Register again, waiting for exitd as long as it takes: quick retries
 * after a change (exitd binds before it listens), then with back-off
 * while an exitd listens but does not answer (stopped, its queue full,
 * over its limit: nothing changes the socket's name when it answers
 * again), and until the socket's name changes (inotify) while no exitd
 * listens at all.  The watch is made again if the directory goes (a
 * runtime directory removed with the service); without one, back-off.
 */
static void
dr_wait_exitd(void)
{
	int	ifd = -1, quick = DR_QUICK_TRIES, backoff = DR_BACKOFF_MIN_MS;
	int	error, ms, changed;

	for (;;) {
		if (ifd == -1)
			ifd = dr_watch_open();
		if ((error = dr_register()) == 0)
			break;
		if (quick == 0 && ifd != -1 && dr_exitd_absent(error))
			ms = -1;
		else {
			if (quick > 0)
				quick--;
			ms = backoff;
			if (backoff < DR_BACKOFF_MAX_MS / 2)
				backoff *= 2;
			else
				backoff = DR_BACKOFF_MAX_MS;
		}
		if ((changed = dr_watch_wait(ifd, ms)) == -1) {
			close(ifd);
			ifd = -1;
		}
		if (changed != 0) {
			quick = DR_QUICK_TRIES;
			backoff = DR_BACKOFF_MIN_MS;
		}
	}
	if (ifd != -1)
		close(ifd);
}

/*
 * 1 if dr_register()'s error says that no exitd listens at the socket's
 * name (none there, nobody accepting, not ours to reach): only a change
 * to that name brings one.  Any other error is an exitd that may answer
 * later with no such change.
 */
static int
dr_exitd_absent(int error)
{
	return (error == -ENOENT || error == -ECONNREFUSED ||
	    error == -EACCES || error == -ENOTDIR);
}

/* Watch the socket's directory for the socket's creation; -1 if not. */
static int
dr_watch_open(void)
{
	char	 dir[sizeof(dr_path)], *slash;
	int	 fd;

	memcpy(dir, dr_path, sizeof(dir));
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) == -1)
		return (-1);
	if (inotify_add_watch(fd, dir, IN_CREATE | IN_MOVED_TO |
	    IN_ATTRIB) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * Wait up to ms (-1: no limit) for a change to the socket's name in the
 * watched directory (ifd; -1: sleep ms).  Returns 1 after such a change,
 * -1 once the directory is gone (the watch with it: make it again), else
 * 0.
 */
static int
dr_watch_wait(int ifd, int ms)
{
	union {
		char			buf[4096];
		struct inotify_event	align;
	} u;
	const struct inotify_event	*ev;
	const char			*base;
	struct pollfd			 pfd;
	struct timespec			 ts;
	ssize_t				 n, off;
	int				 hit = 0;

	if (ifd == -1) {
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
		return (0);
	}
	pfd.fd = ifd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, ms) <= 0)
		return (0);
	base = strrchr(dr_path, '/') != NULL ? strrchr(dr_path, '/') + 1 :
	    dr_path;
	while ((n = read(ifd, u.buf, sizeof(u.buf))) > 0) {
		for (off = 0; off + (ssize_t)sizeof(*ev) <= n;
		    off += (ssize_t)sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(u.buf + off);
			if (ev->mask & IN_IGNORED)
				hit = -1;
			else if (hit == 0 && ev->len > 0 &&
			    strcmp(ev->name, base) == 0)
				hit = 1;
		}
	}
	return (hit);
}

/*
 * Copy the page under its sequence lock.  exitd holds the lock odd only
 * for a few stores; a writer that died in between leaves it odd, so the
 * tries are bounded and that reads as no event (-EAGAIN).
 */
static int
dr_view(struct dr_view *v)
{
	const struct proto_dr_page	*p = dr_page;
	uint32_t			 s1, s2;
	int				 i;

	if (!dr_usable)
		return (-ENXIO);
	for (i = 0; i < DR_READ_TRIES; i++) {
		s1 = __atomic_load_n(&p->seq, __ATOMIC_ACQUIRE);
		if (s1 & 1) {
			sched_yield();
			continue;
		}
		v->active = __atomic_load_n(&p->active, __ATOMIC_RELAXED);
		v->token = __atomic_load_n(&p->token, __ATOMIC_RELAXED);
		v->phase = __atomic_load_n(&p->phase, __ATOMIC_RELAXED);
		v->flags = __atomic_load_n(&p->flags, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&p->seq, __ATOMIC_RELAXED);
		if (s1 == s2)
			return (0);
	}
	return (-EAGAIN);
}

/*
 * Send PROTO_DR_ACK: on the registration connection, in one send() that
 * never blocks, or on a connection of its own when that one is not ours
 * any more.  Returns 0 once exitd has it in its socket, else -errno.
 */
static int
dr_ack(uint32_t token, int flags)
{
	struct dr_msg	m;
	size_t		len = sizeof(m.hdr) + sizeof(m.u.ack);
	ssize_t		n;
	int		fd, error;

	memset(&m, 0, sizeof(m));
	m.hdr.version = PROTO_VERSION;
	m.hdr.type = PROTO_DR_ACK;
	m.hdr.length = sizeof(m.u.ack);
	m.u.ack.token = token;
	m.u.ack.flags = (uint32_t)flags;
	fd = __atomic_load_n(&dr_fd, __ATOMIC_SEQ_CST);
	if (fd >= 0 && dr_fd_ours(fd)) {
		n = send(fd, &m, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == (ssize_t)len)
			return (0);
		/* Half a message would derail the stream: end it. */
		if (n > 0)
			shutdown(fd, SHUT_RDWR);
	}
	if ((fd = dr_connect()) < 0)
		return (fd);
	n = send(fd, &m, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	error = n == (ssize_t)len ? 0 : n == -1 ? -errno : -EIO;
	close(fd);
	return (error);
}

/* Fill info from a view of an event in effect. */
static void
dr_fill(dr_info_t *info, const struct dr_view *v)
{
	memset(info, 0, sizeof(*info));
	info->check = v->phase == PROTO_DR_CHECK;
	info->pre = v->phase == PROTO_DR_PRE;
	info->post = v->phase == PROTO_DR_POST;
	info->posterror = v->phase == PROTO_DR_POSTERROR;
	info->migrate = (v->flags & PROTO_DR_MIGRATE) != 0;
	info->hibernate = (v->flags & PROTO_DR_HIBERNATE) != 0;
	info->force = (v->flags & PROTO_DR_FORCE) != 0;
	info->partition = 1;
	info->splpar_capable = (v->flags & PROTO_DR_SPLPAR_CAPABLE) != 0;
	info->splpar_shared = (v->flags & PROTO_DR_SPLPAR_SHARED) != 0;
	info->splpar_capped = (v->flags & PROTO_DR_SPLPAR_CAPPED) != 0;
	info->phase_gen = v->token;
}

/*
 * AIX dr_reconfig(): see <sys/dr.h> and dr_reconfig(3).  errno is left
 * as it was on success, since handlers call this.
 */
DR_EXPORT int
dr_reconfig(int flags, dr_info_t *info)
{
	struct dr_view	v;
	int		saved = errno, error = 0, refused;

	if (info == NULL)
		error = EFAULT;
	else if (flags != DR_QUERY && flags != DR_EVENT_FAIL &&
	    flags != DR_RECONFIG_DONE)
		error = EINVAL;
	else if (dr_view(&v) != 0 || !v.active || v.token == 0)
		error = ENXIO;
	else if (flags == DR_QUERY)
		dr_fill(info, &v);
	else if (info->phase_gen != v.token)
		error = ENXIO;
	else {
		refused = flags == DR_EVENT_FAIL && v.phase ==
		    PROTO_DR_CHECK && (v.flags & PROTO_DR_MAY_VETO) == 0;
		if (dr_ack(v.token, flags) != 0)
			error = ENXIO;
		else if (refused)
			error = EPERM;
	}
	errno = error != 0 ? error : saved;
	return (error != 0 ? -1 : 0);
}
