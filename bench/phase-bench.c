/*
 * Phase engine benchmark: Check, Prepare and Complete through a real exitd
 * with N registered no-op C exit programs (N = 50, 200, 1000), each beside
 * a baseline measured in the same run: a plain C program that posix_spawns
 * the same N programs at once and waits for all of them.  run-parts over N
 * no-op shell scripts is printed for reference.  Then exitd's resident
 * memory when idle with 1000 programs registered, and its wake-ups over 10
 * idle seconds.
 *
 *	bench/phase-bench [-C auto|cgroup|subreaper] [-e EXITD] [-p NOOP]
 *	    [-r REPEATS] [-n N ...]
 *
 * -C sets exitd's containment (exitd.conf "containment"; default auto).
 */
#include <sys/stat.h>
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

#define BENCH_MAXN	4096
#define BENCH_IDLE_S	10

extern char	**environ;

struct bench {
	const char	*exitd;		/* exitd binary */
	const char	*noop;		/* no-op exit program */
	char		 dir[PATH_MAX];	/* temporary directory */
	char		 state[PATH_MAX + 16];
	char		 sock[PATH_MAX + 16];
	pid_t		 pid;		/* running exitd, or -1 */
	int		 repeats;
};

static struct bench	*bench_current;

static double	bench_spawn(const struct bench *, int);

/* Print a message and exit: a benchmark cannot go on without its setup. */
static void __attribute__((noreturn, format(printf, 1, 2)))
bench_die(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "phase-bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (bench_current != NULL && bench_current->pid > 0)
		kill(bench_current->pid, SIGKILL);
	exit(1);
}

/* Remove the temporary directory with everything in it. */
static void
bench_cleanup(struct bench *b)
{
	pid_t	pid;
	int	status;

	if (b->pid > 0) {
		kill(b->pid, SIGTERM);
		waitpid(b->pid, NULL, 0);
		b->pid = -1;
	}
	if (b->dir[0] == '\0')
		return;
	if ((pid = fork()) == 0) {
		execlp("rm", "rm", "-rf", b->dir, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
}

/* Register n copies of the no-op program on both exit points. */
static void
bench_register(struct bench *b, int n)
{
	struct registry_entry	e;
	int			i, p, error;

	for (p = 0; p < REGISTRY_NPOINTS; p++) {
		for (i = 1; i <= n; i++) {
			memset(&e, 0, sizeof(e));
			e.point = p;
			e.number = i;
			e.program = (char *)b->noop;
			e.user = (char *)"root";
			e.data = (char *)"";
			e.text = (char *)"";
			e.check_timeout = REGISTRY_CHECK_TIMEOUT;
			e.complete_timeout = REGISTRY_COMPLETE_TIMEOUT;
			error = registry_add(b->state, &e, REGISTRY_REPLACE);
			if (error != 0)
				bench_die("register %d: %s", i,
				    exitpt_strerror(error));
		}
	}
}

/* Unregister every program above n (a new, smaller N). */
static void
bench_unregister(struct bench *b, int from, int to)
{
	int	i, p;

	for (p = 0; p < REGISTRY_NPOINTS; p++)
		for (i = from; i <= to; i++)
			registry_remove(b->state, p, i);
}

/* Start exitd on the private socket and wait for its ready line. */
static void
bench_start_exitd(struct bench *b)
{
	char	fdarg[16], line[64];
	int	p[2];
	ssize_t	n;

	if (pipe(p) == -1)
		bench_die("pipe: %s", strerror(errno));
	snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
	if ((b->pid = fork()) == -1)
		bench_die("fork: %s", strerror(errno));
	if (b->pid == 0) {
		close(p[0]);
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(127);
		execl(b->exitd, b->exitd, "-f", "--socket", b->sock,
		    "--state-dir", b->state, "--ready-fd", fdarg,
		    (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	n = read(p[0], line, sizeof(line));
	close(p[0]);
	if (n <= 0)
		bench_die("%s did not start", b->exitd);
}

/* Stop exitd with SIGTERM and reap it. */
static void
bench_stop_exitd(struct bench *b)
{
	kill(b->pid, SIGTERM);
	waitpid(b->pid, NULL, 0);
	b->pid = -1;
}

/*
 * One whole operation: each phase's milliseconds in t[0..2] and, when base
 * is not NULL, a baseline of n programs measured right after each phase in
 * base[0..2], so that each pair sees the same load on a noisy machine.
 */
static void
bench_operation(struct bench *b, int n, double *t, double *base)
{
	struct exitpt_client	*c;
	struct exitpt_report	*r = NULL;
	uint64_t		 op;
	double			 t0;
	int			 error;

	if ((error = exitpt_client_open(&c, b->sock)) != 0)
		bench_die("connect: %s", exitpt_strerror(error));
	t0 = bench_now_ms();
	if ((error = exitpt_client_check(c, EXITPT_ACTION_MIGRATION, 0,
	    &r)) != 0 || exitpt_report_outcome(r) != EXITPT_OUTCOME_ALLOWED)
		bench_die("check: %s", error ? exitpt_strerror(error) :
		    exitpt_outcome_name(exitpt_report_outcome(r)));
	t[0] = bench_now_ms() - t0;
	if (base != NULL)
		base[0] = bench_spawn(b, n);
	op = exitpt_report_operation(r);
	exitpt_report_free(r);
	t0 = bench_now_ms();
	if ((error = exitpt_client_prepare(c, op, &r)) != 0)
		bench_die("prepare: %s", exitpt_strerror(error));
	t[1] = bench_now_ms() - t0;
	if (base != NULL)
		base[1] = bench_spawn(b, n);
	exitpt_report_free(r);
	t0 = bench_now_ms();
	if ((error = exitpt_client_complete(c, op, EXITPT_SYSTEM_NORMAL,
	    &r)) != 0)
		bench_die("complete: %s", exitpt_strerror(error));
	t[2] = bench_now_ms() - t0;
	if (base != NULL)
		base[2] = bench_spawn(b, n);
	exitpt_report_free(r);
	exitpt_client_close(c);
}

/* Baseline: posix_spawn n no-op programs at once and wait for all. */
static double
bench_spawn(const struct bench *b, int n)
{
	char	*argv[] = { (char *)b->noop, (char *)"BMGF0100",
		    (char *)"1", NULL };
	pid_t	 pid;
	double	 t0;
	int	 i;

	t0 = bench_now_ms();
	for (i = 0; i < n; i++) {
		if (posix_spawn(&pid, b->noop, NULL, NULL, argv,
		    environ) != 0)
			bench_die("posix_spawn: %s", strerror(errno));
	}
	for (i = 0; i < n; i++) {
		if (wait(NULL) == -1)
			bench_die("wait: %s", strerror(errno));
	}
	return (bench_now_ms() - t0);
}

/* Reference: run-parts over n no-op shell scripts. */
static double
bench_run_parts(const struct bench *b, int n)
{
	char	 dir[PATH_MAX + 16], path[PATH_MAX + 32];
	pid_t	 pid;
	double	 t0;
	int	 i, fd, status;

	snprintf(dir, sizeof(dir), "%s/parts", b->dir);
	mkdir(dir, 0755);
	for (i = 0; i < BENCH_MAXN; i++) {
		snprintf(path, sizeof(path), "%s/%05d-noop", dir, i);
		if (i >= n) {
			unlink(path);
			continue;
		}
		if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755)) == -1)
			bench_die("%s: %s", path, strerror(errno));
		dprintf(fd, "#!/bin/sh\nexit 0\n");
		close(fd);
	}
	t0 = bench_now_ms();
	if ((pid = fork()) == 0) {
		execlp("run-parts", "run-parts", dir, (char *)NULL);
		_exit(127);
	}
	if (pid == -1 || waitpid(pid, &status, 0) == -1 ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return (-1);
	return (bench_now_ms() - t0);
}

/* A field of /proc/PID/status in its own unit (kB or a count). */
static long
bench_proc_status(pid_t pid, const char *key)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 v = -1;
	size_t	 len = strlen(key);

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, len) == 0 && line[len] == ':') {
			v = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return (v);
}

/* Context switches of a process so far (each one is a wake-up). */
static long
bench_switches(pid_t pid)
{
	return (bench_proc_status(pid, "voluntary_ctxt_switches") +
	    bench_proc_status(pid, "nonvoluntary_ctxt_switches"));
}

/* Print usage and exit. */
static void __attribute__((noreturn))
bench_usage(void)
{
	fprintf(stderr, "usage: phase-bench [-C auto|cgroup|subreaper] "
	    "[-e EXITD] [-p NOOP] [-r REPEATS] [-n N ...]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct bench	 b;
	char		 self[PATH_MAX], *bindir, exitd[PATH_MAX + 32];
	char		 noop[PATH_MAX + 32], conf[PATH_MAX + 16];
	const char	*contain = "auto";
	FILE		*fp;
	double		 t[3], base[3], *samples[9], med[9], rp;
	int		 ns[8] = { 50, 200, 1000 }, nn = 3, prev = 0;
	int		 ch, i, k, r, nset = 0;
	long long	 v;
	long		 rss_idle, rss_after, anon_idle, anon_after, sw0, sw1;

	memset(&b, 0, sizeof(b));
	b.pid = -1;
	b.repeats = 5;
	bench_current = &b;
	if (realpath(argv[0], self) == NULL)
		bench_die("%s: %s", argv[0], strerror(errno));
	bindir = dirname(self);
	snprintf(exitd, sizeof(exitd), "%s/../exitd/exitd", bindir);
	snprintf(noop, sizeof(noop), "%s/noop", bindir);
	b.exitd = exitd;
	b.noop = noop;
	while ((ch = getopt(argc, argv, "C:e:n:p:r:")) != -1) {
		switch (ch) {
		case 'C':
			contain = optarg;
			break;
		case 'e':
			b.exitd = optarg;
			break;
		case 'p':
			b.noop = optarg;
			break;
		case 'r':
			if (text_parse_int(optarg, 1, 100, &v) != 0)
				bench_usage();
			b.repeats = (int)v;
			break;
		case 'n':
			if (!nset) {
				nn = 0;
				nset = 1;
			}
			if (nn == (int)nitems(ns) || text_parse_int(optarg, 1,
			    BENCH_MAXN, &v) != 0)
				bench_usage();
			ns[nn++] = (int)v;
			break;
		default:
			bench_usage();
		}
	}
	if (access(b.exitd, X_OK) == -1 || access(b.noop, X_OK) == -1)
		bench_die("need %s and %s (build first, or -e/-p)", b.exitd,
		    b.noop);

	snprintf(b.dir, sizeof(b.dir), "/tmp/exitpt-bench.XXXXXX");
	if (mkdtemp(b.dir) == NULL)
		bench_die("mkdtemp: %s", strerror(errno));
	chmod(b.dir, 0755);
	snprintf(b.state, sizeof(b.state), "%s/state", b.dir);
	snprintf(b.sock, sizeof(b.sock), "%s/exitd.sock", b.dir);
	snprintf(conf, sizeof(conf), "%s/exitd.conf", b.dir);
	if ((fp = fopen(conf, "w")) == NULL)
		bench_die("%s: %s", conf, strerror(errno));
	fprintf(fp, "containment %s\n", contain);
	fclose(fp);
	setenv("EXITPT_CONFIG", conf, 1);
	/* exitd per phase, baseline per phase, ratio per phase */
	for (i = 0; i < 9; i++)
		if ((samples[i] = calloc((size_t)b.repeats,
		    sizeof(double))) == NULL)
			bench_die("out of memory");

	printf("phase-bench: %d runs each, medians; the ratio is the median of "
	    "each phase over the baseline measured right after it; %ld CPUs; "
	    "containment %s\n", b.repeats, sysconf(_SC_NPROCESSORS_ONLN),
	    contain);
	printf("%6s %-9s %10s %12s %7s %12s\n", "N", "phase", "exitd ms",
	    "baseline ms", "ratio", "run-parts ms");
	for (k = 0; k < nn; k++) {
		if (ns[k] < prev)
			bench_unregister(&b, ns[k] + 1, prev);
		bench_register(&b, ns[k]);
		prev = ns[k];
		bench_start_exitd(&b);
		/* One warm-up operation: page cache, exitd's first allocs. */
		bench_operation(&b, ns[k], t, NULL);
		for (r = 0; r < b.repeats; r++) {
			bench_operation(&b, ns[k], t, base);
			for (i = 0; i < 3; i++) {
				samples[i][r] = t[i];
				samples[3 + i][r] = base[i];
				samples[6 + i][r] = t[i] / base[i];
			}
		}
		for (i = 0; i < 9; i++)
			med[i] = bench_median(samples[i], b.repeats);
		rp = bench_run_parts(&b, ns[k]);
		for (i = 0; i < 3; i++)
			printf("%6d %-9s %10.1f %12.1f %6.2fx %12.1f\n", ns[k],
			    i == 0 ? "check" : i == 1 ? "prepare" : "complete",
			    med[i], med[3 + i], med[6 + i], rp);
		if (k + 1 < nn)
			bench_stop_exitd(&b);
	}

	/* Idle: a fresh exitd with the last N registered, then after use. */
	bench_stop_exitd(&b);
	bench_start_exitd(&b);
	rss_idle = bench_proc_status(b.pid, "VmRSS");
	anon_idle = bench_proc_status(b.pid, "RssAnon");
	bench_operation(&b, prev, t, NULL);
	rss_after = bench_proc_status(b.pid, "VmRSS");
	anon_after = bench_proc_status(b.pid, "RssAnon");
	/* Let exitd see the closed connection before counting. */
	usleep(500000);
	sw0 = bench_switches(b.pid);
	sleep(BENCH_IDLE_S);
	sw1 = bench_switches(b.pid);
	printf("exitd idle with %d programs on each exit point: VmRSS %ld "
	    "KiB fresh, %ld KiB after an operation (target <= 4096 KiB)\n",
	    prev, rss_idle, rss_after);
	printf("  of which exitd's own memory (RssAnon): %ld KiB fresh, %ld KiB "
	    "after; the rest is pages of shared libraries (RssFile)\n",
	    anon_idle, anon_after);
	printf("exitd wake-ups over %d idle seconds: %ld (target 0)\n",
	    BENCH_IDLE_S, sw1 - sw0);
	bench_cleanup(&b);
	for (i = 0; i < 9; i++)
		free(samples[i]);
	return (0);
}
