/*
 * dr_reconfig() benchmark: a whole Check, Prepare and Complete through a
 * real exitd with N processes using the shim (bench/dr-ack: query and
 * acknowledge in the SIGRECONFIG handler), the time of each phase as the
 * driver sees it, beside a baseline measured right after it in the same
 * run: a plain C program that sigqueues the same signal to N children of
 * its own and waits for one byte from each on its own socket (what every
 * phase must do at the least: N signals, N handler runs, N messages).
 * Medians of the repeats; the target is exitd within 1.5 times the
 * baseline.
 *
 *	bench/dr-bench [-e EXITD] [-a DR_ACK] [-n N] [-r REPEATS]
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"
#include "bench.h"

#define BENCH_SIGNAL	58	/* SIGRECONFIG of <sys/dr.h> */
#define BENCH_MAXN	4096
#define BENCH_NPHASES	3

extern char	**environ;

struct bench {
	const char	*exitd;
	const char	*ack;
	char		 dir[PATH_MAX];
	char		 sock[PATH_MAX + 16];
	pid_t		 exitd_pid;
	pid_t		*acks;		/* dr-ack processes */
	pid_t		*kids;		/* baseline children */
	int		*socks;		/* baseline: parent's ends */
	int		 epfd;
	int		 n;
};

static const char *const bench_phases[BENCH_NPHASES] = {
	"check", "prepare", "complete"
};
static struct bench	*bench_current;
static int		 bench_kid_sock = -1;	/* in a baseline child */

static void	bench_die(const char *, ...)
		    __attribute__((noreturn, format(printf, 1, 2)));
static void	bench_cleanup(struct bench *);
static void	bench_start_exitd(struct bench *);
static void	bench_start_acks(struct bench *);
static void	bench_kid_cb(int);
static void	bench_start_kids(struct bench *);
static double	bench_baseline(struct bench *);
static double	bench_exitd_cpu_ms(const struct bench *);
static void	bench_verify(struct exitpt_report *, int, const char *);
static void	bench_operation(struct bench *, double *, double *, double *);
static void	bench_usage(void) __attribute__((noreturn));

/* Print a message, clean up and exit: nothing can go on without setup. */
static void __attribute__((noreturn, format(printf, 1, 2)))
bench_die(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "dr-bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (bench_current != NULL)
		bench_cleanup(bench_current);
	exit(1);
}

/* Kill and reap every process started, remove the temporary directory. */
static void
bench_cleanup(struct bench *b)
{
	pid_t	pid;
	int	i;

	bench_current = NULL;
	for (i = 0; i < b->n; i++) {
		if (b->acks[i] > 0)
			kill(b->acks[i], SIGKILL);
		if (b->kids[i] > 0)
			kill(b->kids[i], SIGKILL);
	}
	for (i = 0; i < b->n; i++) {
		if (b->acks[i] > 0)
			waitpid(b->acks[i], NULL, 0);
		if (b->kids[i] > 0)
			waitpid(b->kids[i], NULL, 0);
		b->acks[i] = b->kids[i] = 0;
	}
	if (b->exitd_pid > 0) {
		kill(b->exitd_pid, SIGTERM);
		waitpid(b->exitd_pid, NULL, 0);
		b->exitd_pid = 0;
	}
	if (b->dir[0] != '\0' && (pid = fork()) == 0) {
		execlp("rm", "rm", "-rf", b->dir, (char *)NULL);
		_exit(127);
	}
	if (b->dir[0] != '\0' && pid > 0)
		waitpid(pid, NULL, 0);
	b->dir[0] = '\0';
}

/* Start exitd on a private socket and state directory; wait until ready. */
static void
bench_start_exitd(struct bench *b)
{
	char	state[PATH_MAX + 16], conf[PATH_MAX + 16], fdarg[16];
	char	line[64];
	FILE	*fp;
	int	p[2];

	snprintf(state, sizeof(state), "%s/state", b->dir);
	snprintf(conf, sizeof(conf), "%s/exitd.conf", b->dir);
	if ((fp = fopen(conf, "w")) == NULL)
		bench_die("%s: %s", conf, strerror(errno));
	fprintf(fp, "dr-timeout 30\n");
	fclose(fp);
	if (pipe(p) == -1)
		bench_die("pipe: %s", strerror(errno));
	snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
	if ((b->exitd_pid = fork()) == -1)
		bench_die("fork: %s", strerror(errno));
	if (b->exitd_pid == 0) {
		close(p[0]);
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(127);
		execl(b->exitd, b->exitd, "-f", "--socket", b->sock,
		    "--state-dir", state, "--config", conf, "--ready-fd",
		    fdarg, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	if (read(p[0], line, sizeof(line)) <= 0)
		bench_die("%s did not start", b->exitd);
	close(p[0]);
}

/*
 * Start the n dr-ack processes, each with a pipe's write end as its
 * descriptor 3, and wait for a byte from each: then every one is
 * registered and has its handler.
 */
static void
bench_start_acks(struct bench *b)
{
	posix_spawn_file_actions_t	 fa;
	char				*argv[] = { (char *)b->ack, NULL };
	char				 c;
	int				 p[2], i, got = 0;
	ssize_t				 r;

	setenv(EXITPT_SOCKET_ENV, b->sock, 1);
	if (pipe2(p, O_CLOEXEC) == -1)
		bench_die("pipe: %s", strerror(errno));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 3);
	for (i = 0; i < b->n; i++) {
		if ((errno = posix_spawn(&b->acks[i], b->ack, &fa, NULL, argv,
		    environ)) != 0)
			bench_die("%s: %s", b->ack, strerror(errno));
	}
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	while (got < b->n && (r = read(p[0], &c, 1)) != 0) {
		if (r == 1)
			got++;
		else if (errno != EINTR)
			break;
	}
	close(p[0]);
	if (got < b->n)
		bench_die("only %d of %d dr-ack processes started", got, b->n);
}

/* A baseline child's handler: one byte back on its socket. */
static void
bench_kid_cb(int sig)
{
	(void)!send(bench_kid_sock, "a", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* Fork the baseline children, each with a socket of its own. */
static void
bench_start_kids(struct bench *b)
{
	struct epoll_event	ev;
	sigset_t		set, old;
	int			sv[2], i;

	if ((b->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		bench_die("epoll: %s", strerror(errno));
	/* The signal stays blocked until the child's handler is in. */
	sigemptyset(&set);
	sigaddset(&set, BENCH_SIGNAL);
	sigprocmask(SIG_BLOCK, &set, &old);
	for (i = 0; i < b->n; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) ==
		    -1)
			bench_die("socketpair: %s", strerror(errno));
		if ((b->kids[i] = fork()) == -1)
			bench_die("fork: %s", strerror(errno));
		if (b->kids[i] == 0) {
			bench_kid_sock = sv[1];
			signal(BENCH_SIGNAL, bench_kid_cb);
			sigprocmask(SIG_SETMASK, &old, NULL);
			for (;;)
				pause();
		}
		close(sv[1]);
		b->socks[i] = sv[0];
		ev.events = EPOLLIN;
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(b->epfd, EPOLL_CTL_ADD, sv[0], &ev) == -1)
			bench_die("epoll_ctl: %s", strerror(errno));
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* One baseline round: N sigqueues, N bytes back; milliseconds. */
static double
bench_baseline(struct bench *b)
{
	struct epoll_event	 evs[256];
	union sigval		 v;
	double			 t0;
	char			 buf[16];
	int			 i, n, got = 0;

	t0 = bench_now_ms();
	v.sival_int = 1;
	for (i = 0; i < b->n; i++) {
		if (sigqueue(b->kids[i], BENCH_SIGNAL, v) == -1)
			bench_die("sigqueue: %s", strerror(errno));
	}
	while (got < b->n) {
		if ((n = epoll_wait(b->epfd, evs, 256, 10000)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			bench_die("baseline: %d of %d answers", got, b->n);
		}
		for (i = 0; i < n; i++) {
			if (recv(b->socks[evs[i].data.u32], buf, sizeof(buf),
			    MSG_DONTWAIT) > 0)
				got++;
		}
	}
	return (bench_now_ms() - t0);
}

/* exitd's time on a CPU so far, ms (/proc/PID/schedstat), or 0. */
static double
bench_exitd_cpu_ms(const struct bench *b)
{
	char			 path[64];
	unsigned long long	 ns = 0;
	FILE			*fp;

	snprintf(path, sizeof(path), "/proc/%ld/schedstat", (long)b->exitd_pid);
	if ((fp = fopen(path, "re")) == NULL)
		return (0);
	if (fscanf(fp, "%llu", &ns) != 1)
		ns = 0;
	fclose(fp);
	return ((double)ns / 1e6);
}

/* Check that a phase's report holds n dr answers, all acknowledged. */
static void
bench_verify(struct exitpt_report *r, int n, const char *phase)
{
	const struct exitpt_answer	*a;
	size_t				 i, ok = 0;

	for (i = 0; (a = exitpt_report_answer(r, i)) != NULL; i++) {
		if (exitpt_answer_kind(a) == EXITPT_PARTICIPANT_DR &&
		    exitpt_answer_end(a) == EXITPT_END_ANSWERED)
			ok++;
	}
	if (ok != (size_t)n)
		bench_die("%s: %zu of %d processes acknowledged", phase, ok,
		    n);
}

/*
 * One whole operation: each phase's milliseconds in t[], and a baseline
 * round right after each in base[], so that each pair sees the same load,
 * and exitd's own CPU time during each phase in cpu[].
 */
static void
bench_operation(struct bench *b, double *t, double *base, double *cpu)
{
	struct exitpt_client	*c;
	struct exitpt_report	*r = NULL;
	uint64_t		 op;
	double			 t0, c0;
	int			 error;

	if ((error = exitpt_client_open(&c, b->sock)) != 0)
		bench_die("connect: %s", exitpt_strerror(error));
	c0 = bench_exitd_cpu_ms(b);
	t0 = bench_now_ms();
	error = exitpt_client_check(c, EXITPT_ACTION_MIGRATION, 0, &r);
	t[0] = bench_now_ms() - t0;
	cpu[0] = bench_exitd_cpu_ms(b) - c0;
	if (error != 0 || exitpt_report_outcome(r) != EXITPT_OUTCOME_ALLOWED)
		bench_die("check: %s", exitpt_strerror(error));
	bench_verify(r, b->n, "check");
	op = exitpt_report_operation(r);
	exitpt_report_free(r);
	base[0] = bench_baseline(b);

	c0 = bench_exitd_cpu_ms(b);
	t0 = bench_now_ms();
	error = exitpt_client_prepare(c, op, &r);
	t[1] = bench_now_ms() - t0;
	cpu[1] = bench_exitd_cpu_ms(b) - c0;
	if (error != 0)
		bench_die("prepare: %s", exitpt_strerror(error));
	bench_verify(r, b->n, "prepare");
	exitpt_report_free(r);
	base[1] = bench_baseline(b);

	c0 = bench_exitd_cpu_ms(b);
	t0 = bench_now_ms();
	error = exitpt_client_complete(c, op, EXITPT_SYSTEM_NORMAL, &r);
	t[2] = bench_now_ms() - t0;
	cpu[2] = bench_exitd_cpu_ms(b) - c0;
	if (error != 0)
		bench_die("complete: %s", exitpt_strerror(error));
	bench_verify(r, b->n, "complete");
	exitpt_report_free(r);
	base[2] = bench_baseline(b);
	exitpt_client_close(c);
}

/* Print usage and exit. */
static void __attribute__((noreturn))
bench_usage(void)
{
	fprintf(stderr, "usage: dr-bench [-e exitd] [-a dr-ack] [-n N] "
	    "[-r repeats]\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	static char	 exitd[PATH_MAX], ack[PATH_MAX];
	struct bench	 b;
	double		*t[BENCH_NPHASES], *base[BENCH_NPHASES], *cpu[BENCH_NPHASES];
	double		 tt[3], bb[3], cc[3], mt, mb, worst = 0;
	char		*self, *dir;
	long long	 v;
	int		 ch, i, p, repeats = 5;

	memset(&b, 0, sizeof(b));
	b.n = 500;
	self = strdup(argv[0]);
	dir = dirname(self);
	snprintf(exitd, sizeof(exitd), "%s/../exitd/exitd", dir);
	snprintf(ack, sizeof(ack), "%s/dr-ack", dir);
	b.exitd = exitd;
	b.ack = ack;
	while ((ch = getopt(argc, argv, "e:a:n:r:")) != -1) {
		switch (ch) {
		case 'e':
			b.exitd = optarg;
			break;
		case 'a':
			b.ack = optarg;
			break;
		case 'n':
			if (text_parse_int(optarg, 1, BENCH_MAXN, &v) != 0)
				bench_usage();
			b.n = (int)v;
			break;
		case 'r':
			if (text_parse_int(optarg, 1, 1000, &v) != 0)
				bench_usage();
			repeats = (int)v;
			break;
		default:
			bench_usage();
		}
	}
	if (optind != argc)
		bench_usage();
	signal(SIGPIPE, SIG_IGN);
	b.acks = calloc((size_t)b.n, sizeof(*b.acks));
	b.kids = calloc((size_t)b.n, sizeof(*b.kids));
	b.socks = calloc((size_t)b.n, sizeof(*b.socks));
	for (p = 0; p < BENCH_NPHASES; p++) {
		t[p] = calloc((size_t)repeats, sizeof(double));
		base[p] = calloc((size_t)repeats, sizeof(double));
		cpu[p] = calloc((size_t)repeats, sizeof(double));
		if (t[p] == NULL || base[p] == NULL || cpu[p] == NULL)
			bench_die("out of memory");
	}
	if (b.acks == NULL || b.kids == NULL || b.socks == NULL)
		bench_die("out of memory");
	snprintf(b.dir, sizeof(b.dir), "%s/dr-bench.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(b.dir) == NULL)
		bench_die("mkdtemp: %s", strerror(errno));
	snprintf(b.sock, sizeof(b.sock), "%s/exitd.sock", b.dir);
	bench_current = &b;
	bench_start_exitd(&b);
	bench_start_acks(&b);
	bench_start_kids(&b);

	/* One operation to warm up, then the measured ones. */
	bench_operation(&b, tt, bb, cc);
	for (i = 0; i < repeats; i++) {
		bench_operation(&b, tt, bb, cc);
		for (p = 0; p < BENCH_NPHASES; p++) {
			t[p][i] = tt[p];
			base[p][i] = bb[p];
			cpu[p][i] = cc[p];
		}
	}
	printf("dr_reconfig: %d shim processes, median of %d operations "
	    "(state in %s)\n", b.n, repeats, b.dir);
	printf("%-9s %12s %14s %7s %16s\n", "phase", "exitd (ms)",
	    "baseline (ms)", "ratio", "exitd CPU (ms)");
	for (p = 0; p < BENCH_NPHASES; p++) {
		mt = bench_median(t[p], repeats);
		mb = bench_median(base[p], repeats);
		printf("%-9s %12.2f %14.2f %7.2f %16.2f\n", bench_phases[p],
		    mt, mb, mt / mb, bench_median(cpu[p], repeats));
		if (mt / mb > worst)
			worst = mt / mb;
	}
	printf("baseline: %d sigqueue(%d) + one byte back on %d sockets, "
	    "same run; target ratio <= 1.50: %s\n", b.n, BENCH_SIGNAL, b.n,
	    worst <= 1.5 ? "met" : "missed");
	bench_cleanup(&b);
	return (0);
}
