/*
 * A dr_reconfig() process for the tests, in the shapes real AIX programs
 * take (reference/aix-dr-and-drmgr-hooks.md, section 1.6):
 *
 *	handler		everything in the SIGRECONFIG handler (most programs)
 *	sigwait		SIGRECONFIG blocked everywhere, a sigwait() thread
 *			(HTX hxefpu64)
 *	worker		the handler posts a semaphore, a worker thread
 *			queries later and acknowledges a copy of the struct,
 *			with DR_EVENT_FAIL outside check (OpenJ9)
 *	htx		DR_EVENT_FAIL then DR_RECONFIG_DONE in post (HTX)
 *	silent		queries but never acknowledges
 *	nohandler	links the library, installs no handler
 *	waitother	installs no handler either; its only thread waits in
 *			sigwait() for SIGHUP and SIGTERM (a plain daemon's
 *			loop): SIGRECONFIG would end it
 *	exec		acknowledges check, then executes sleep(1) keeping
 *			every descriptor, its registration included
 *	fork		handler, and a forked child that keeps the handler
 *			and says "child PID" on stdout
 *
 * usage: dr-proc MODE [-v]	(-v: veto in check with DR_EVENT_FAIL)
 *
 * It writes one line per event to stdout, with write(2) only, since most
 * of it runs in signal handlers:
 *	PHASE migrate M hibernate H force F partition P gen G
 *	ack PHASE FLAG rc R errno E
 *	query rc R errno E		(at start, and on SIGUSR1)
 * and "ready PID" on descriptor 3 (if open) once set up.
 */
#include <sys/dr.h>
#include <sys/syscall.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char		*proc_mode;
static int			 veto;
static sem_t			 worker_sem;
static volatile sig_atomic_t	 checked, done;

static void	 put(char *, size_t, size_t *, const char *);
static void	 putn(char *, size_t, size_t *, long);
static void	 flush_line(char *, size_t);
static const char *phase_name(const dr_info_t *);
static void	 emit_event(const dr_info_t *);
static void	 emit_rc(const char *, const char *, const char *, int, int);
static int	 ack(int, dr_info_t *);
static int	 query(dr_info_t *);
static void	 handle(dr_info_t *, int, int);
static void	 sig_handler(int);
static void	 usr1_handler(int);
static void	 term_handler(int);
static void	*sigwait_thread(void *);
static void	 worker_handler(int);
static void	 worker_decide(dr_info_t);
static void	*worker_thread(void *);
static int	 thread_polls(const char *);
static void	 settle(void);

/* Append a string to buf (size len, at offset *n). */
static void
put(char *buf, size_t len, size_t *n, const char *s)
{
	while (*s != '\0' && *n < len - 1)
		buf[(*n)++] = *s++;
}

/* Append a signed decimal number. */
static void
putn(char *buf, size_t len, size_t *n, long v)
{
	char		 num[24];
	int		 i = sizeof(num) - 1;
	unsigned long	 u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;

	num[i] = '\0';
	do {
		num[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0)
		num[--i] = '-';
	put(buf, len, n, num + i);
}

/* Write one finished line to stdout. */
static void
flush_line(char *buf, size_t n)
{
	buf[n++] = '\n';
	(void)write(STDOUT_FILENO, buf, n);
}

/* The phase an event is in, by name. */
static const char *
phase_name(const dr_info_t *i)
{
	return (i->check ? "check" : i->pre ? "pre" : i->post ? "post" :
	    i->posterror ? "posterror" : "none");
}

/* "PHASE migrate M hibernate H force F partition P gen G" */
static void
emit_event(const dr_info_t *i)
{
	char	buf[256];
	size_t	n = 0;

	put(buf, sizeof(buf), &n, phase_name(i));
	put(buf, sizeof(buf), &n, " migrate ");
	putn(buf, sizeof(buf), &n, i->migrate);
	put(buf, sizeof(buf), &n, " hibernate ");
	putn(buf, sizeof(buf), &n, i->hibernate);
	put(buf, sizeof(buf), &n, " force ");
	putn(buf, sizeof(buf), &n, i->force);
	put(buf, sizeof(buf), &n, " partition ");
	putn(buf, sizeof(buf), &n, i->partition);
	put(buf, sizeof(buf), &n, " gen ");
	putn(buf, sizeof(buf), &n, (long)i->phase_gen);
	flush_line(buf, n);
}

/* "ack PHASE FLAG rc R errno E", or "query rc R errno E" (phase NULL). */
static void
emit_rc(const char *what, const char *phase, const char *flag, int rc,
    int err)
{
	char	buf[256];
	size_t	n = 0;

	put(buf, sizeof(buf), &n, what);
	if (phase != NULL) {
		put(buf, sizeof(buf), &n, " ");
		put(buf, sizeof(buf), &n, phase);
		put(buf, sizeof(buf), &n, " ");
		put(buf, sizeof(buf), &n, flag);
	}
	put(buf, sizeof(buf), &n, " rc ");
	putn(buf, sizeof(buf), &n, rc);
	put(buf, sizeof(buf), &n, " errno ");
	putn(buf, sizeof(buf), &n, rc < 0 ? err : 0);
	flush_line(buf, n);
}

/* Call dr_reconfig(flag) on info and say how it went. */
static int
ack(int flag, dr_info_t *info)
{
	int	rc;

	rc = dr_reconfig(flag, info);
	emit_rc("ack", phase_name(info), flag == DR_EVENT_FAIL ?
	    "DR_EVENT_FAIL" : "DR_RECONFIG_DONE", rc, errno);
	return (rc);
}

/* DR_QUERY, retrying EINTR as every AIX program does; 0 or -1. */
static int
query(dr_info_t *info)
{
	int	rc;

	do {
		rc = dr_reconfig(DR_QUERY, info);
	} while (rc < 0 && errno == EINTR);
	return (rc);
}

/* What every shape does with an event once it has queried it. */
static void
handle(dr_info_t *info, int mode_htx, int mode_silent)
{
	emit_event(info);
	if (mode_silent)
		return;
	if (info->check && veto) {
		ack(DR_EVENT_FAIL, info);
		return;
	}
	if (mode_htx && (info->post || info->posterror))
		ack(DR_EVENT_FAIL, info);
	ack(DR_RECONFIG_DONE, info);
	if (info->check)
		checked = 1;
}

/* handler, htx, silent, exec: all in the signal handler. */
static void
sig_handler(int sig)
{
	dr_info_t	info;
	int		saved = errno;

	if (query(&info) < 0)
		emit_rc("query", NULL, NULL, -1, errno);
	else
		handle(&info, strcmp(proc_mode, "htx") == 0,
		    strcmp(proc_mode, "silent") == 0);
	errno = saved;
}

/* SIGUSR1: a DR_QUERY out of the blue (late, or kill(1)). */
static void
usr1_handler(int sig)
{
	dr_info_t	info;
	int		rc, saved = errno;

	rc = query(&info);
	emit_rc("query", NULL, NULL, rc, errno);
	errno = saved;
}

/* SIGTERM: leave. */
static void
term_handler(int sig)
{
	done = 1;
}

/* The sigwait() thread: takes SIGRECONFIG, blocked in every thread. */
static void *
sigwait_thread(void *arg)
{
	sigset_t	set;
	dr_info_t	info;
	int		sig;

	sigemptyset(&set);
	sigaddset(&set, SIGRECONFIG);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (query(&info) < 0)
			emit_rc("query", NULL, NULL, -1, errno);
		else
			handle(&info, 0, 0);
	}
	return (NULL);
}

/* worker: the handler only posts, as OMR's does. */
static void
worker_handler(int sig)
{
	sem_post(&worker_sem);
}

/*
 * OpenJ9's decision, made on a copy of the struct: DR_RECONFIG_DONE in
 * check (or DR_EVENT_FAIL to veto), DR_EVENT_FAIL as the acknowledgement
 * elsewhere.
 */
static void
worker_decide(dr_info_t copy)
{
	emit_event(&copy);
	if (copy.check)
		ack(veto ? DR_EVENT_FAIL : DR_RECONFIG_DONE, &copy);
	else
		ack(DR_EVENT_FAIL, &copy);
}

/* The worker thread: runs long after the handler returned. */
static void *
worker_thread(void *arg)
{
	dr_info_t	info;

	for (;;) {
		while (sem_wait(&worker_sem) == -1 && errno == EINTR)
			;
		if (query(&info) < 0)
			emit_rc("query", NULL, NULL, -1, errno);
		else
			worker_decide(info);
	}
	return (NULL);
}

/* Whether thread tid of this process sits in poll(). */
static int
thread_polls(const char *tid)
{
	char	 path[64];
	long	 nr = -1;
	FILE	*f;

	snprintf(path, sizeof(path), "/proc/self/task/%.20s/syscall", tid);
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	if (fscanf(f, "%ld", &nr) != 1)
		nr = -1;
	fclose(f);
#ifdef SYS_poll
	if (nr == SYS_poll)
		return (1);
#endif
	return (nr == SYS_ppoll);
}

/*
 * Before fork: wait (5 s at most) until the library's thread waits in
 * poll().  A sanitizer's thread start is not fork-safe (GCC 12's ASan
 * holds its allocator's lock in it): a fork meanwhile leaves the child
 * that lock, held, and the child's own thread hangs on it.
 */
static void
settle(void)
{
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	struct dirent	*de;
	DIR		*dir;
	int		 i, found = 0;

	for (i = 0; i < 500 && !found; i++) {
		if (i > 0)
			nanosleep(&ts, NULL);
		if ((dir = opendir("/proc/self/task")) == NULL)
			return;
		while ((de = readdir(dir)) != NULL && !found)
			found = de->d_name[0] != '.' &&
			    atol(de->d_name) != (long)getpid() &&
			    thread_polls(de->d_name);
		closedir(dir);
	}
}

int
main(int argc, char **argv)
{
	const char	*mode;
	pthread_t	 tid;
	sigset_t	 set;
	dr_info_t	 info;
	char		 line[64];
	size_t		 n = 0;
	int		 rc, fd, sig;

	if (argc < 2)
		return (64);
	mode = proc_mode = argv[1];
	veto = argc > 2 && strcmp(argv[2], "-v") == 0;
	signal(SIGTERM, term_handler);
	signal(SIGUSR1, usr1_handler);

	/* Registered (by the library) and idle: DR_QUERY says ENXIO. */
	memset(&info, 0, sizeof(info));
	rc = dr_reconfig(DR_QUERY, &info);
	emit_rc("query", NULL, NULL, rc, errno);

	if (strcmp(mode, "sigwait") == 0) {
		sigemptyset(&set);
		sigaddset(&set, SIGRECONFIG);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
		pthread_create(&tid, NULL, sigwait_thread, NULL);
	} else if (strcmp(mode, "worker") == 0) {
		sem_init(&worker_sem, 0, 0);
		pthread_create(&tid, NULL, worker_thread, NULL);
		signal(SIGRECONFIG, worker_handler);
	} else if (strcmp(mode, "waitother") == 0) {
		sigemptyset(&set);
		sigaddset(&set, SIGHUP);
		sigaddset(&set, SIGTERM);
		sigprocmask(SIG_BLOCK, &set, NULL);
	} else if (strcmp(mode, "nohandler") != 0)
		signal(SIGRECONFIG, sig_handler);
	if (strcmp(mode, "fork") == 0)
		settle();
	if (strcmp(mode, "fork") == 0 && fork() == 0) {
		/* The child registers on its own, from the atfork handler. */
		close(3);
		n = 0;
		put(line, sizeof(line), &n, "child ");
		putn(line, sizeof(line), &n, (long)getpid());
		flush_line(line, n);
		n = 0;
	}
	/* Descriptor 3, if the test opened it, takes the ready line. */
	if (fcntl(3, F_GETFD) != -1 && !isatty(3)) {
		put(line, sizeof(line), &n, "ready ");
		putn(line, sizeof(line), &n, (long)getpid());
		line[n++] = '\n';
		if (write(3, line, n) == (ssize_t)n)
			close(3);
	}

	while (!done && strcmp(mode, "waitother") == 0) {
		if (sigwait(&set, &sig) == 0 && sig == SIGTERM)
			done = 1;
	}
	while (!done) {
		pause();
		if (checked && strcmp(mode, "exec") == 0) {
			/* Keep the registration across exec (no CLOEXEC). */
			for (fd = 3; fd < 1024; fd++)
				fcntl(fd, F_SETFD, 0);
			execlp("sleep", "sleep", "300", (char *)NULL);
			return (70);
		}
	}
	return (0);
}
