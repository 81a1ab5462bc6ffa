/*
 * Containment of exit programs: nothing a program starts may outlive its
 * call, even a descendant that left the program's process group
 * (setsid, a double fork, a daemon).
 *
 * Where the system offers a delegated, writable cgroup v2 directory, the
 * runner clones every program straight into a cgroup below it, named
 * after exitd's state directory: one for all runs (CONTAIN_CGROUP), or
 * one per run (CONTAIN_CGROUP_RUN).  A cgroup's "populated" flag says
 * whether anything of its runs is still alive, and cgroup.kill ends all
 * of it at once.  Creating and removing a cgroup costs more than starting
 * a program, so emptied cgroups are kept in a pool and reused: as many as
 * the busiest moment of the last batch of starts needed (the next phase
 * of an operation needs as many), all removed when exitd stops.  A
 * cgroup that had cgroup.kill is never cloned into again, nor reused:
 * some kernels (6.x, whose fork path compares the kill sequence of the
 * parent's cgroup with the target's) kill every child cloned into it
 * with CLONE_INTO_CGROUP at birth.
 *
 * Except with a cgroup per run, exitd is also a child subreaper: a
 * descendant whose parent dies is re-parented to exitd instead of init,
 * so everything a program started stays within exitd's process tree.  A
 * sweep (contain_sweep_round) walks that tree from exitd down through
 * the kernel's lists of children and signals each process the moment it
 * is found, before looking at its own children: a process that keeps
 * forking, letting its parent exit and calling setsid is gone before a
 * scan of the whole of /proc ends, but not before a look at exitd's
 * children, and once it has SIGKILL pending its forks fail, so nothing
 * it starts escapes the look at its children that follows.  The caller
 * repeats rounds until one finds nothing.  exitd's own children are
 * signalled by pid (exitd alone reaps them, so their pids cannot be
 * reused meanwhile); deeper ones through a pidfd, after their parent is
 * checked, so a reused pid is never hit.  Where the kernel lists no
 * children (no CONFIG_PROC_CHILDREN), contain_scan() reads /proc instead.
 */
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "exitd.h"

#define CONTAIN_LINE_MAX	(PATH_MAX + 64)
#define CONTAIN_SWEEP_DEPTH	16	/* levels below exitd per round */

struct contain_cg {
	TAILQ_ENTRY(contain_cg)	 entry;
	char			 name[32];	/* run-N */
	int			 dirfd;		/* for CLONE_INTO_CGROUP */
	int			 eventsfd;	/* cgroup.events */
	int			 procsfd;	/* cgroup.procs, opened on demand */
	int			 wd;		/* inotify watch, or -1 */
	void			(*cb)(void *);	/* populated changed */
	void			*arg;
	int			 killed;	/* had cgroup.kill */
};
TAILQ_HEAD(contain_cgs, contain_cg);

static struct event_base	*contain_base;
static int			 contain_mode_used = CONTAIN_SUBREAPER;
static char			*contain_dir;	/* the instance's cgroup dir */
static int			 contain_dirfd = -1;
static unsigned int		 contain_seq;
static struct contain_cgs	 contain_pool =
    TAILQ_HEAD_INITIALIZER(contain_pool);	/* empty, for reuse */
static struct contain_cgs	 contain_busy =
    TAILQ_HEAD_INITIALIZER(contain_busy);	/* given to a run */
static size_t			 contain_nbusy;
static size_t			 contain_npool;
static size_t			 contain_peak;	/* most busy at once lately */
static int			 contain_ifd = -1;	/* inotify */
static struct event		*contain_iev;
/* Run cgroups a previous exitd left, and how they were ended. */
static struct {
	char			 name[32];
	const char		*how;
}				*contain_stale;
static size_t			 contain_nstale;

static void	 contain_inotify_cb(evutil_socket_t, short, void *);

/*
 * Find exitd's own cgroup v2 directory: the "0::" line of
 * /proc/self/cgroup (copied to rel) below the cgroup2 mount of
 * /proc/self/mountinfo.  Returns a fresh path or NULL with why filled.
 */
static char *
contain_own_cgroup(char *rel, size_t rsize, char *why, size_t len)
{
	FILE	*fp;
	char	 line[CONTAIN_LINE_MAX], cg[PATH_MAX] = "", mnt[PATH_MAX] = "";
	char	 root[PATH_MAX] = "", *dash, *path = NULL;
	size_t	 rlen;

	if ((fp = fopen("/proc/self/cgroup", "re")) == NULL) {
		snprintf(why, len, "/proc/self/cgroup: %s", strerror(errno));
		return (NULL);
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(cg, sizeof(cg), "%s", line + 3);
		}
	}
	fclose(fp);
	if (cg[0] != '/') {
		snprintf(why, len, "exitd is in no cgroup v2 (no 0:: line in "
		    "/proc/self/cgroup)");
		return (NULL);
	}
	snprintf(rel, rsize, "%s", cg);
	if ((fp = fopen("/proc/self/mountinfo", "re")) == NULL) {
		snprintf(why, len, "/proc/self/mountinfo: %s", strerror(errno));
		return (NULL);
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		/* id parent dev root mountpoint options... - fstype ... */
		if ((dash = strstr(line, " - ")) == NULL ||
		    strncmp(dash + 3, "cgroup2 ", 8) != 0)
			continue;
		if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) == 2)
			break;
		mnt[0] = '\0';
	}
	fclose(fp);
	if (mnt[0] == '\0') {
		snprintf(why, len, "no cgroup2 file system is mounted");
		return (NULL);
	}
	/* A mount of a subtree shows paths below its own root. */
	rlen = strcmp(root, "/") == 0 ? 0 : strlen(root);
	if (rlen > 0 && (strncmp(cg, root, rlen) != 0 ||
	    (cg[rlen] != '/' && cg[rlen] != '\0'))) {
		snprintf(why, len, "exitd's cgroup %s is outside the mounted "
		    "cgroup2 tree %s", cg, root);
		return (NULL);
	}
	xasprintf(&path, "%s%s", mnt, strcmp(cg + rlen, "/") == 0 ? "" :
	    cg + rlen);
	return (path);
}

/*
 * Whether exitd may create cgroups below dir: the root of its cgroup
 * namespace is its own, and below it a service manager marks what it
 * delegated (systemd's Delegate=yes sets trusted.delegate or
 * user.delegate to 1).
 */
static int
contain_delegated(const char *dir, const char *mnt_relative)
{
	char	v[8];
	ssize_t	n;

	if (strcmp(mnt_relative, "/") == 0)
		return (1);
	if ((n = getxattr(dir, "trusted.delegate", v, sizeof(v) - 1)) > 0 ||
	    (n = getxattr(dir, "user.delegate", v, sizeof(v) - 1)) > 0) {
		v[n] = '\0';
		return (strcmp(v, "1") == 0);
	}
	return (0);
}

/* Read the populated flag of an open cgroup.events: 1, 0 or -errno. */
static int
contain_events_populated(int fd)
{
	char	buf[256], *p;
	ssize_t	n;

	if ((n = pread(fd, buf, sizeof(buf) - 1, 0)) == -1)
		return (-errno);
	buf[n] = '\0';
	if ((p = strstr(buf, "populated ")) == NULL)
		return (-EINVAL);
	return (p[10] == '1');
}

/* Write a short value into a file of a cgroup directory. */
static int
contain_write(int dirfd, const char *file, const char *value)
{
	int	fd, error = 0;

	if ((fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC)) == -1)
		return (-errno);
	if (write(fd, value, strlen(value)) == -1)
		error = -errno;
	close(fd);
	return (error);
}

/*
 * Wait, at most ms milliseconds, until a cgroup directory is empty (only
 * while exitd starts or stops; runs are waited for through inotify).
 * Returns 0 once it is, -EBUSY if it is not.
 */
static int
contain_wait_empty(int dirfd, int ms)
{
	struct timespec	ts = { 0, 10 * 1000 * 1000 };
	int		fd, i, populated = 1;

	if ((fd = openat(dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC)) == -1)
		return (-errno);
	for (i = 0; (populated = contain_events_populated(fd)) > 0 &&
	    i < ms / 10; i++)
		nanosleep(&ts, NULL);
	close(fd);
	return (populated == 0 ? 0 : -EBUSY);
}

/*
 * End what runs in a cgroup a previous exitd of this state directory
 * left: SIGTERM, SIGKILL after the grace.  Returns how, for the journal.
 */
static const char *
contain_end_stale(const char *name)
{
	struct contain_cg	cg;
	const char		*how = "it had already ended";

	memset(&cg, 0, sizeof(cg));
	snprintf(cg.name, sizeof(cg.name), "%s", name);
	if ((cg.dirfd = openat(contain_dirfd, name, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return (how);
	if (contain_wait_empty(cg.dirfd, 0) != 0) {
		how = "ended by SIGTERM";
		contain_cg_signal(&cg, SIGTERM);
		if (contain_wait_empty(cg.dirfd, EXITD_GRACE * 1000) != 0) {
			how = "killed (SIGKILL) after the grace period";
			contain_write(cg.dirfd, "cgroup.kill", "1");
			if (contain_wait_empty(cg.dirfd, 1000) != 0)
				how = "still running after SIGKILL";
		}
	}
	close(cg.dirfd);
	return (how);
}

/*
 * Before anything runs: end what the run cgroups a previous exitd of
 * this state directory left still hold, remember how for the journal
 * (contain_stale), remove them, and number new runs after them.
 */
static void
contain_sweep_stale(void)
{
	DIR		*dir;
	struct dirent	*de;
	const char	*how;
	unsigned long	 n;
	char		*end;
	int		 dfd;

	if ((dfd = openat(contain_dirfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || (dir = fdopendir(dfd)) == NULL) {
		if (dfd != -1)
			close(dfd);
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		if (strncmp(de->d_name, "run-", 4) != 0)
			continue;
		n = strtoul(de->d_name + 4, &end, 10);
		if (*end == '\0' && n > contain_seq && n < UINT_MAX)
			contain_seq = (unsigned int)n;
		how = contain_end_stale(de->d_name);
		contain_stale = xreallocarray(contain_stale, contain_nstale + 1,
		    sizeof(*contain_stale));
		snprintf(contain_stale[contain_nstale].name,
		    sizeof(contain_stale[contain_nstale].name), "%s",
		    de->d_name);
		contain_stale[contain_nstale++].how = how;
		if (unlinkat(contain_dirfd, de->d_name, AT_REMOVEDIR) == 0)
			log_info("containment: %s/%s, left by a previous exitd: "
			    "%s; removed", contain_dir, de->d_name, how);
	}
	closedir(dir);
}

/*
 * How exitd ended, at start, what ran in the run cgroup name (as a
 * previous exitd journalled it), or NULL if there was no such cgroup.
 */
const char *
contain_stale_how(const char *name)
{
	size_t	i;

	for (i = 0; i < contain_nstale; i++) {
		if (strcmp(contain_stale[i].name, name) == 0)
			return (contain_stale[i].how);
	}
	return (NULL);
}

/*
 * Set up cgroup containment below exitd's own cgroup in a directory
 * named instance.  Returns 0, or -1 with why filled.
 */
static int
contain_cgroup_init(const char *instance, int forced, char *why, size_t len)
{
	char	*own, rel[PATH_MAX];
	int	 error;

	if ((own = contain_own_cgroup(rel, sizeof(rel), why, len)) == NULL)
		return (-1);
	if (!forced && !contain_delegated(own, rel)) {
		snprintf(why, len, "cgroup %s was not delegated to exitd "
		    "(Delegate=yes in its unit)", rel);
		free(own);
		return (-1);
	}
	xasprintf(&contain_dir, "%s/%s", own, instance);
	free(own);
	if (mkdir(contain_dir, 0755) == -1 && errno != EEXIST) {
		snprintf(why, len, "cannot create %s: %s", contain_dir,
		    strerror(errno));
		goto fail;
	}
	if ((contain_dirfd = open(contain_dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		snprintf(why, len, "%s: %s", contain_dir, strerror(errno));
		goto fail;
	}
	if (faccessat(contain_dirfd, "cgroup.kill", W_OK, 0) == -1) {
		error = errno;
		snprintf(why, len, "%s/cgroup.kill: %s (Linux 5.14 or later "
		    "needed)", contain_dir, strerror(error));
		goto fail;
	}
	contain_sweep_stale();
	return (0);
fail:
	if (contain_dirfd != -1)
		close(contain_dirfd);
	contain_dirfd = -1;
	if (contain_dir != NULL)
		rmdir(contain_dir);
	free(contain_dir);
	contain_dir = NULL;
	return (-1);
}

/*
 * Choose the containment: CONTAIN_CGROUP (every run in one cgroup of
 * exitd's, exitd as subreaper too), CONTAIN_CGROUP_RUN (a cgroup per
 * run), CONTAIN_SUBREAPER, or CONTAIN_AUTO (CONTAIN_CGROUP where a cgroup
 * was delegated, else the subreaper).  instance names exitd's cgroup
 * directory (one per state directory).  Returns the containment in
 * effect.
 */
int
contain_init(struct event_base *base, int mode, const char *instance)
{
	char	why[PATH_MAX + 128];

	contain_base = base;
	contain_mode_used = CONTAIN_SUBREAPER;
	if (mode != CONTAIN_SUBREAPER) {
		if (contain_cgroup_init(instance, mode != CONTAIN_AUTO, why,
		    sizeof(why)) == 0) {
			contain_mode_used = mode == CONTAIN_CGROUP_RUN ?
			    CONTAIN_CGROUP_RUN : CONTAIN_CGROUP;
			log_info("containment: %s, below %s",
			    contain_mode_used == CONTAIN_CGROUP_RUN ?
			    "a cgroup per exit program run" : "exit programs "
			    "run in a cgroup of exitd's", contain_dir);
		} else if (mode != CONTAIN_AUTO)
			log_warnx("containment: cgroups configured but not "
			    "usable: %s; using the subreaper", why);
		else
			log_info("containment: no cgroup (%s); exitd is the "
			    "subreaper of its exit programs", why);
	} else
		log_info("containment: exitd is the subreaper of its exit "
		    "programs (configured)");
	/* With a cgroup per run, each run's cgroup finds what it left. */
	if (contain_mode_used != CONTAIN_CGROUP_RUN &&
	    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == -1)
		fatal("prctl PR_SET_CHILD_SUBREAPER");
	return (contain_mode_used);
}

/* The containment in effect. */
int
contain_mode(void)
{
	return (contain_mode_used);
}

/*
 * A cgroup for one run, from the pool or freshly made.  Returns NULL
 * (and logs why) when none can be had.
 */
struct contain_cg *
contain_cg_get(void)
{
	struct contain_cg	*cg;

	if (++contain_nbusy > contain_peak)
		contain_peak = contain_nbusy;
	if ((cg = TAILQ_FIRST(&contain_pool)) != NULL) {
		TAILQ_REMOVE(&contain_pool, cg, entry);
		contain_npool--;
		TAILQ_INSERT_TAIL(&contain_busy, cg, entry);
		return (cg);
	}
	cg = xcalloc(1, sizeof(*cg));
	cg->wd = cg->procsfd = cg->eventsfd = -1;
	/* A fresh name: never one that something may still run in. */
	for (;;) {
		snprintf(cg->name, sizeof(cg->name), "run-%u", ++contain_seq);
		if (mkdirat(contain_dirfd, cg->name, 0755) == 0)
			break;
		if (errno != EEXIST) {
			log_warn("containment: mkdir %s/%s", contain_dir,
			    cg->name);
			free(cg);
			contain_nbusy--;
			return (NULL);
		}
	}
	if ((cg->dirfd = openat(contain_dirfd, cg->name, O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    (cg->eventsfd = openat(cg->dirfd, "cgroup.events", O_RDONLY |
	    O_CLOEXEC)) == -1) {
		log_warn("containment: %s/%s", contain_dir, cg->name);
		if (cg->dirfd != -1)
			close(cg->dirfd);
		unlinkat(contain_dirfd, cg->name, AT_REMOVEDIR);
		free(cg);
		contain_nbusy--;
		return (NULL);
	}
	TAILQ_INSERT_TAIL(&contain_busy, cg, entry);
	return (cg);
}

/* Remove a cgroup for good (it must be empty). */
static void
contain_cg_destroy(struct contain_cg *cg)
{
	if (cg->procsfd != -1)
		close(cg->procsfd);
	close(cg->eventsfd);
	close(cg->dirfd);
	if (unlinkat(contain_dirfd, cg->name, AT_REMOVEDIR) == -1)
		log_warn("containment: rmdir %s/%s", contain_dir, cg->name);
	free(cg);
}

/*
 * Give back the cgroup of a run that has nothing left: for reuse, unless
 * it had cgroup.kill (see above), in which case it is removed.
 */
void
contain_cg_put(struct contain_cg *cg)
{
	contain_cg_unwatch(cg);
	TAILQ_REMOVE(&contain_busy, cg, entry);
	contain_nbusy--;
	if (cg->killed) {
		contain_cg_destroy(cg);
		return;
	}
	TAILQ_INSERT_HEAD(&contain_pool, cg, entry);
	contain_npool++;
}

/*
 * No run is busy: keep as many spare cgroups as the busiest moment since
 * the last trim needed (the next phase of an operation likely needs as
 * many), and remove the others; each costs the kernel some 8 KiB.
 */
void
contain_trim(void)
{
	struct contain_cg	*cg;

	while (contain_npool > contain_peak &&
	    (cg = TAILQ_LAST(&contain_pool, contain_cgs)) != NULL) {
		TAILQ_REMOVE(&contain_pool, cg, entry);
		contain_npool--;
		contain_cg_destroy(cg);
	}
	contain_peak = contain_nbusy;
}

/*
 * Give up the cgroup of a run that something survived (SIGKILL did not
 * end it yet): it is not reused, and the next exitd of this state
 * directory removes it.
 */
void
contain_cg_drop(struct contain_cg *cg)
{
	contain_cg_unwatch(cg);
	TAILQ_REMOVE(&contain_busy, cg, entry);
	contain_nbusy--;
	log_warnx("containment: %s/%s is still populated; left behind",
	    contain_dir, cg->name);
	if (cg->procsfd != -1)
		close(cg->procsfd);
	close(cg->eventsfd);
	close(cg->dirfd);
	free(cg);
}

/*
 * Whether the cgroup had cgroup.kill: a child must then move itself in
 * (contain_cg_procs) rather than be cloned into it.
 */
int
contain_cg_killed(const struct contain_cg *cg)
{
	return (cg->killed);
}

/* The cgroup's directory descriptor, for clone3's CLONE_INTO_CGROUP. */
int
contain_cg_fd(const struct contain_cg *cg)
{
	return (cg->dirfd);
}

/* The cgroup's name below exitd's cgroup directory (for the journal). */
const char *
contain_cg_name(const struct contain_cg *cg)
{
	return (cg->name);
}

/*
 * Descriptor of the cgroup's cgroup.procs, for a child that moves itself
 * in where clone3 cannot place it; -1 with errno on failure.
 */
int
contain_cg_procs(struct contain_cg *cg)
{
	if (cg->procsfd == -1)
		cg->procsfd = openat(cg->dirfd, "cgroup.procs", O_WRONLY |
		    O_CLOEXEC);
	return (cg->procsfd);
}

/* 1 while a process of the run is alive, 0 once none is, or -errno. */
int
contain_cg_populated(struct contain_cg *cg)
{
	return (contain_events_populated(cg->eventsfd));
}

/*
 * Send sig to every process of the run: SIGKILL through cgroup.kill,
 * any other signal to each member through a pidfd, after checking that
 * the pid still belongs to this cgroup.  Returns the number of processes
 * signalled (SIGKILL: 1 when done), or -errno.
 */
int
contain_cg_signal(struct contain_cg *cg, int sig)
{
	char	 path[64], buf[256], want[64];
	FILE	*fp;
	long	 pid;
	int	 fd, pidfd, n = 0, ok;
	ssize_t	 len;

	if (sig == SIGKILL) {
		cg->killed = 1;
		return (contain_write(cg->dirfd, "cgroup.kill", "1") == 0 ? 1 :
		    -errno);
	}
	if ((fd = openat(cg->dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC)) ==
	    -1 || (fp = fdopen(fd, "r")) == NULL) {
		if (fd != -1)
			close(fd);
		return (-errno);
	}
	snprintf(want, sizeof(want), "/%s/%s\n", strrchr(contain_dir, '/') +
	    1, cg->name);
	while (fscanf(fp, "%ld", &pid) == 1) {
		if ((pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0)) ==
		    -1)
			continue;
		/*
		 * The pidfd holds the process; if the pid now names a
		 * process outside this cgroup, the one it held is gone and
		 * pidfd_send_signal fails instead of hitting another.
		 */
		snprintf(path, sizeof(path), "/proc/%ld/cgroup", pid);
		ok = 0;
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
			if ((len = read(fd, buf, sizeof(buf) - 1)) > 0) {
				buf[len] = '\0';
				ok = strstr(buf, want) != NULL;
			}
			close(fd);
		}
		if (ok && syscall(SYS_pidfd_send_signal, pidfd, sig, NULL,
		    0) == 0)
			n++;
		close(pidfd);
	}
	fclose(fp);
	return (n);
}

/* inotify: a watched cgroup.events changed; tell its run. */
static void
contain_inotify_cb(evutil_socket_t fd, short events, void *arg)
{
	char			 buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	struct inotify_event	*ie;
	struct contain_cg	*cg;
	ssize_t			 n;
	char			*p;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (p = buf; p < buf + n; p += sizeof(*ie) + ie->len) {
			ie = (struct inotify_event *)p;
			/* A watch is one cgroup's; its callback may free it. */
			TAILQ_FOREACH(cg, &contain_busy, entry) {
				if (cg->wd == ie->wd)
					break;
			}
			if (cg != NULL && cg->cb != NULL)
				cg->cb(cg->arg);
		}
	}
}

/*
 * Call cb(arg) from the event loop whenever the run's cgroup.events
 * changes, until contain_cg_unwatch.  Returns 0 or -errno.
 */
int
contain_cg_watch(struct contain_cg *cg, void (*cb)(void *), void *arg)
{
	char	path[PATH_MAX];

	if (contain_ifd == -1) {
		if ((contain_ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) ==
		    -1)
			return (-errno);
		contain_iev = event_new(contain_base, contain_ifd, EV_READ |
		    EV_PERSIST, contain_inotify_cb, NULL);
		if (contain_iev == NULL || event_add(contain_iev, NULL) == -1)
			fatalx("containment: cannot watch cgroup events");
	}
	snprintf(path, sizeof(path), "%s/%s/cgroup.events", contain_dir,
	    cg->name);
	if ((cg->wd = inotify_add_watch(contain_ifd, path, IN_MODIFY)) == -1)
		return (-errno);
	cg->cb = cb;
	cg->arg = arg;
	return (0);
}

/* Stop calling back about a run's cgroup. */
void
contain_cg_unwatch(struct contain_cg *cg)
{
	if (cg->wd != -1)
		inotify_rm_watch(contain_ifd, cg->wd);
	cg->wd = -1;
	cg->cb = NULL;
	cg->arg = NULL;
}

/*
 * The procstat of a live process, for a sweep.  Returns 0, or -ESRCH
 * when the process is gone (or a zombie).
 */
int
contain_stat(pid_t pid, struct procstat *p)
{
	if (procstat_read(pid, p) != 0 || p->state == 'Z' || p->state == 'X')
		return (-ESRCH);
	return (0);
}

/*
 * Every process of process group pgid in session sid started at or after
 * start (what is left of a program a previous exitd started: a process
 * that reused the group's id would not match all three).  Returns 0 with
 * a fresh array in *procs (*nprocs entries), or -errno.
 */
int
contain_group(pid_t pgid, pid_t sid, uint64_t start, struct procstat **procs,
    size_t *nprocs)
{
	DIR			*dir;
	struct dirent		*de;
	struct procstat	 p;
	char			*end;
	long			 pid;

	*procs = NULL;
	*nprocs = 0;
	if ((dir = opendir("/proc")) == NULL)
		return (-errno);
	while ((de = readdir(dir)) != NULL) {
		pid = strtol(de->d_name, &end, 10);
		if (*end != '\0' || pid <= 0 ||
		    contain_stat((pid_t)pid, &p) != 0 || p.pgid != pgid ||
		    p.sid != sid || p.start < start)
			continue;
		*procs = xreallocarray(*procs, *nprocs + 1, sizeof(**procs));
		(*procs)[(*nprocs)++] = p;
	}
	closedir(dir);
	return (0);
}

/*
 * Every process below exitd in the process tree that is not below one of
 * the running programs mains[0..nmains-1]: what programs left behind,
 * re-parented to exitd (the subreaper).  Returns 0 with a fresh array in
 * *procs (*nprocs entries), or -errno.
 */
int
contain_scan(const pid_t *mains, size_t nmains, struct procstat **procs,
    size_t *nprocs)
{
	DIR			*dir;
	struct dirent		*de;
	struct procstat	*all = NULL, *out = NULL, p;
	size_t			 n = 0, cap = 0, nout = 0, i, j, k;
	pid_t			 self = getpid(), up;
	char			*end;
	long			 pid;
	int			 keep, hops;

	*procs = NULL;
	*nprocs = 0;
	if ((dir = opendir("/proc")) == NULL)
		return (-errno);
	while ((de = readdir(dir)) != NULL) {
		pid = strtol(de->d_name, &end, 10);
		if (*end != '\0' || pid <= 0 || pid == self ||
		    contain_stat((pid_t)pid, &p) != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			all = xreallocarray(all, cap, sizeof(*all));
		}
		all[n++] = p;
	}
	closedir(dir);
	for (i = 0; i < n; i++) {
		/* Climb the parents within the snapshot up to exitd. */
		keep = 0;
		up = all[i].pid;
		for (hops = 0; hops < 4096; hops++) {
			for (k = 0; k < nmains && mains[k] != up; k++)
				;
			if (k < nmains)
				break;		/* a running program's own */
			for (j = 0; j < n && all[j].pid != up; j++)
				;
			if (j == n)
				break;
			if (all[j].ppid == self) {
				keep = 1;
				break;
			}
			up = all[j].ppid;
		}
		if (!keep)
			continue;
		out = xreallocarray(out, nout + 1, sizeof(*out));
		out[nout++] = all[i];
	}
	free(all);
	*procs = out;
	*nprocs = nout;
	return (0);
}

/*
 * Send sig to a process found by contain_scan, unless it is no longer
 * the same process (its start time changed: the pid was reused).
 * Returns 0, -ESRCH when it is gone, or -errno.
 */
int
contain_proc_signal(const struct procstat *p, int sig)
{
	struct procstat	now;
	int			pidfd, error = 0;

	if ((pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0)) == -1)
		return (errno == ESRCH ? -ESRCH : -errno);
	/* The pidfd pins the process the pid names now: is it ours? */
	if (contain_stat(p->pid, &now) != 0 || now.start != p->start)
		error = -ESRCH;
	else if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) == -1)
		error = -errno;
	close(pidfd);
	return (error);
}

/* Append pid v, if one, to a list of children (see contain_children). */
static void
contain_kid_add(pid_t **kids, size_t *nkids, size_t *cap, long v)
{
	if (v <= 0)
		return;
	if (*nkids == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*kids = xreallocarray(*kids, *cap, sizeof(**kids));
	}
	(*kids)[(*nkids)++] = (pid_t)v;
}

/*
 * Append the children of process pid (those of each of its threads:
 * /proc/PID/task/TID/children) to *kids (*nkids entries, room for *cap).
 * Returns 0, -ENOTSUP when the kernel lists no children, or -errno
 * (-ENOENT: the process is gone).
 */
static int
contain_children(pid_t pid, pid_t **kids, size_t *nkids, size_t *cap)
{
	char		 path[64], buf[4096];
	DIR		*dir;
	struct dirent	*de;
	ssize_t		 n, i;
	long		 v;
	int		 fd, error = 0;

	snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
	if ((dir = opendir(path)) == NULL)
		return (-errno);
	while (error == 0 && (de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%.20s/children", de->d_name);
		if ((fd = openat(dirfd(dir), path, O_RDONLY | O_CLOEXEC)) ==
		    -1) {
			/* The thread's directory is there, its list not. */
			if (errno == ENOENT && faccessat(dirfd(dir),
			    de->d_name, F_OK, 0) == 0)
				error = -ENOTSUP;
			continue;
		}
		/* "pid pid ... ": a number may straddle two reads. */
		v = 0;
		do {
			n = read(fd, buf, sizeof(buf));
			for (i = 0; i < n; i++) {
				if (buf[i] >= '0' && buf[i] <= '9') {
					if (v < INT_MAX / 10)
						v = v * 10 + (buf[i] - '0');
					continue;
				}
				contain_kid_add(kids, nkids, cap, v);
				v = 0;
			}
		} while (n > 0 || (n == -1 && errno == EINTR));
		contain_kid_add(kids, nkids, cap, v);
		close(fd);
	}
	closedir(dir);
	return (error);
}

/*
 * A sweep has found the live process p (its pidfd, or -1 for a child of
 * exitd's): signal it if it is in the sweep's process group.  Other
 * signals than SIGKILL go to each process once.  Returns 1 when that
 * calls for another round (a process was signalled: SIGKILL, until it
 * is gone; another signal, the first time), else 0.
 */
static int
contain_sweep_hit(struct contain_sweep *sw, const struct procstat *p,
    int pidfd)
{
	size_t	i;

	if (sw->pgid != -1 && p->pgid != sw->pgid)
		return (0);
	if (sw->sig != SIGKILL) {
		for (i = 0; i < sw->nsent; i++) {
			if (sw->sent[i].pid == p->pid &&
			    sw->sent[i].start == p->start)
				return (0);
		}
	}
	if ((pidfd == -1 ? kill(p->pid, sw->sig) : (int)syscall(
	    SYS_pidfd_send_signal, pidfd, sw->sig, NULL, 0)) == -1)
		return (0);
	sw->signalled++;
	if (sw->sig != SIGKILL) {
		sw->sent = xreallocarray(sw->sent, sw->nsent + 1,
		    sizeof(*sw->sent));
		sw->sent[sw->nsent++] = *p;
	}
	return (1);
}

/*
 * Sweep the processes below parent, depth levels down at most: exitd
 * itself (pfd -1), one of exitd's children (pfd -1: exitd alone reaps
 * it, so its pid stays its own), or a deeper process its pidfd pfd
 * holds.  Each process found is signalled before its children are
 * looked at.  Returns how many processes call for another round (see
 * contain_sweep_hit; a zombie child of exitd's, reaped here, counts),
 * or, for exitd itself, -ENOTSUP or -errno.
 */
static int
contain_sweep_below(struct contain_sweep *sw, pid_t parent, int pfd,
    int depth)
{
	struct procstat	 p;
	pid_t		*kids = NULL, self = getpid();
	size_t		 nkids = 0, cap = 0, i;
	int		 qfd, n = 0, error;

	if ((error = contain_children(parent, &kids, &nkids, &cap)) != 0 &&
	    parent == self) {
		free(kids);
		return (error);
	}
	for (i = 0; i < nkids; i++) {
		qfd = -1;
		if (parent == self) {
			/* A running program and its own are not ours. */
			if (sw->running != NULL && sw->running(kids[i]))
				continue;
			if (procstat_read(kids[i], &p) != 0)
				continue;
			if (p.state == 'Z' || p.state == 'X') {
				if (waitpid(kids[i], NULL, WNOHANG) > 0) {
					sw->reaped++;
					n++;
				}
				continue;
			}
		} else {
			/*
			 * The pidfd holds what the pid named when it was
			 * opened; the stat read after it describes that
			 * process unless it was reaped meanwhile, and then
			 * signals through the pidfd fail.  Its parent must
			 * still be the process we came from (held by pfd
			 * and not yet reaped), or the pid it names may
			 * since have been reused.
			 */
			if ((qfd = (int)syscall(SYS_pidfd_open, kids[i], 0)) ==
			    -1)
				continue;
			error = contain_stat(kids[i], &p);
			/* Re-parented to exitd meanwhile: the next round's. */
			if (error == 0 && p.ppid == self)
				n++;
			if (error != 0 || p.ppid != parent || (pfd != -1 &&
			    syscall(SYS_pidfd_send_signal, pfd, 0, NULL, 0) ==
			    -1)) {
				close(qfd);
				continue;
			}
		}
		n += contain_sweep_hit(sw, &p, qfd);
		if (depth > 0)
			n += contain_sweep_below(sw, p.pid, qfd, depth - 1);
		if (qfd != -1)
			close(qfd);
	}
	free(kids);
	return (n);
}

/*
 * One round of a sweep (subreaper): walk exitd's descendants, except
 * each running program (sw->running says which of exitd's children is
 * one) and all below it, and send sw->sig to each in process group
 * sw->pgid (any, if -1) as soon as it is found.  exitd's zombie children
 * other than running programs are reaped (sw->reaped counts them).
 * Processes deeper than CONTAIN_SWEEP_DEPTH below exitd wait for a later
 * round, by when their parents died (SIGKILL) or not.  Returns the
 * number of processes that call for another round: with SIGKILL, every
 * one found alive or reaped (a round that returns 0 saw none alive of
 * exitd's children in the group); with another signal, those signalled
 * for the first time or reaped.  -ENOTSUP: the kernel lists no children
 * (use contain_scan); another -errno: /proc cannot be read.
 */
int
contain_sweep_round(struct contain_sweep *sw)
{
	return (contain_sweep_below(sw, getpid(), -1, CONTAIN_SWEEP_DEPTH));
}

/* Forget what a sweep signalled. */
void
contain_sweep_clear(struct contain_sweep *sw)
{
	free(sw->sent);
	sw->sent = NULL;
	sw->nsent = 0;
}

/*
 * exitd stops: end what runs in the busy cgroups and remove every
 * cgroup of the pool and the instance directory.
 */
void
contain_shutdown(void)
{
	struct contain_cg	*cg;

	while ((cg = TAILQ_FIRST(&contain_busy)) != NULL) {
		contain_cg_unwatch(cg);
		TAILQ_REMOVE(&contain_busy, cg, entry);
		contain_nbusy--;
		contain_write(cg->dirfd, "cgroup.kill", "1");
		if (contain_wait_empty(cg->dirfd, 1000) != 0)
			log_warnx("containment: processes in %s/%s survive "
			    "cgroup.kill", contain_dir, cg->name);
		contain_cg_destroy(cg);
	}
	while ((cg = TAILQ_FIRST(&contain_pool)) != NULL) {
		TAILQ_REMOVE(&contain_pool, cg, entry);
		contain_npool--;
		contain_cg_destroy(cg);
	}
	if (contain_iev != NULL)
		event_free(contain_iev);
	contain_iev = NULL;
	if (contain_ifd != -1)
		close(contain_ifd);
	contain_ifd = -1;
	if (contain_dirfd != -1) {
		close(contain_dirfd);
		if (rmdir(contain_dir) == -1 && errno != ENOENT)
			log_warn("containment: rmdir %s", contain_dir);
	}
	contain_dirfd = -1;
	free(contain_dir);
	contain_dir = NULL;
	free(contain_stale);
	contain_stale = NULL;
	contain_nstale = 0;
}
