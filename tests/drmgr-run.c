/*
 * drmgr-run: run drmgr's partition migration hooks exactly as powerpc-utils
 * drmgr does (src/drmgr/common.c run_hooks and drmig_chrp_pmig.c), so that
 * tests exercise the exitpt hook under drmgr's conditions without a
 * PowerVM partition:
 *
 *	drmgr-run ROOT PHASE...
 *
 * ROOT plays /etc/drmgr.d: the hooks are ROOT/pmig/ entries that are
 * regular files or symbolic links, in versionsort order; each is stat()ed
 * through links and run only if it is a regular file with the owner
 * execute bit.  Each runs to completion, one after another, waited for
 * without any timeout, in a child with cwd /, an environment holding only
 * DRC_TYPE=pmig, DRC_COUNT=0, ACTION=migrate and PHASE, argv {path}, and
 * drmgr's signal mask (everything blocked but the signals sig_setup()
 * leaves open).  A hook killed by a signal counts as status 1.
 *
 * PHASE check runs check on every hook and, if any failed, undocheck on
 * every hook, and makes drmgr-run exit 1 (drmgr refuses the migration);
 * pre, post and undocheck run that phase and ignore the statuses.  Each
 * hook's start and end go to standard error, as drmgr's log has them.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int	 run_mask(void);
static int	 run_filter(const struct dirent *);
static int	 run_one(const char *, const char *);
static int	 run_phase(const char *, const char *);

/* Block what drmgr's sig_setup() blocks: all but the listed signals. */
static int
run_mask(void)
{
	static const int open_signals[] = {
		SIGBUS, SIGXFSZ, SIGSEGV, SIGTRAP, SIGILL, SIGFPE, SIGSYS,
		SIGPIPE, SIGVTALRM, SIGALRM, SIGQUIT, SIGABRT,
	};
	sigset_t	set;
	size_t		i;

	sigfillset(&set);
	for (i = 0; i < sizeof(open_signals) / sizeof(open_signals[0]); i++)
		sigdelset(&set, open_signals[i]);
	return (sigprocmask(SIG_BLOCK, &set, NULL));
}

/* scandirat filter: what drmgr keeps (regular files and links). */
static int
run_filter(const struct dirent *de)
{
	return (de->d_type == DT_REG || de->d_type == DT_LNK);
}

/* Run one hook as drmgr does and return its status (signal: 1). */
static int
run_one(const char *path, const char *phase)
{
	pid_t	pid;
	int	status;

	fflush(NULL);
	if ((pid = fork()) == -1) {
		fprintf(stderr, "drmgr-run: fork: %s\n", strerror(errno));
		return (-1);
	}
	if (pid == 0) {
		if (chdir("/") == -1 || clearenv() != 0 ||
		    setenv("DRC_TYPE", "pmig", 1) == -1 ||
		    setenv("DRC_COUNT", "0", 1) == -1 ||
		    setenv("ACTION", "migrate", 1) == -1 ||
		    setenv("PHASE", phase, 1) == -1)
			_exit(255);
		execl(path, path, (char *)NULL);
		fprintf(stderr, "drmgr-run: cannot exec %s: %s\n", path,
		    strerror(errno));
		_exit(255);
	}
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			fprintf(stderr, "drmgr-run: waitpid: %s\n",
			    strerror(errno));
			return (-1);
		}
	}
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "drmgr-run: hook '%s' terminated by signal "
		    "%d\n", path, WTERMSIG(status));
		return (1);
	}
	fprintf(stderr, "drmgr-run: hook '%s' exited with status %d\n", path,
	    WEXITSTATUS(status));
	return (WEXITSTATUS(status));
}

/* Run every hook of ROOT/pmig for phase; 1 if any returned non-zero. */
static int
run_phase(const char *root, const char *phase)
{
	struct dirent	**entries = NULL;
	struct stat	  st;
	char		  path[PATH_MAX];
	int		  dfd, n, i, rv = 0;

	if ((dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return (0);
		fprintf(stderr, "drmgr-run: %s: %s\n", root, strerror(errno));
		return (-1);
	}
	n = scandirat(dfd, "pmig", &entries, run_filter, versionsort);
	close(dfd);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/pmig/%s", root,
		    entries[i]->d_name);
		if (stat(path, &st) == -1)
			fprintf(stderr, "drmgr-run: cannot stat %s: %s\n",
			    path, strerror(errno));
		else if (S_ISREG(st.st_mode) && (st.st_mode & S_IXUSR) &&
		    run_one(path, phase) != 0)
			rv = 1;
		free(entries[i]);
	}
	free(entries);
	return (rv);
}

/* drmgr-run ROOT PHASE...: run the phases in order, as drmgr would. */
int
main(int argc, char **argv)
{
	int	i, rv = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: drmgr-run ROOT "
		    "check|undocheck|pre|post...\n");
		return (64);
	}
	if (run_mask() == -1) {
		fprintf(stderr, "drmgr-run: sigprocmask: %s\n",
		    strerror(errno));
		return (70);
	}
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "check") == 0) {
			if (run_phase(argv[1], "check") != 0) {
				run_phase(argv[1], "undocheck");
				rv = 1;
			}
		} else if (strcmp(argv[i], "undocheck") == 0 ||
		    strcmp(argv[i], "pre") == 0 ||
		    strcmp(argv[i], "post") == 0)
			run_phase(argv[1], argv[i]);
		else {
			fprintf(stderr, "drmgr-run: unknown phase '%s'\n",
			    argv[i]);
			return (64);
		}
	}
	return (rv);
}
