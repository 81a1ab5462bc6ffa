/*
 * exitd: the exitpt daemon.  It listens on the control socket, runs the
 * phase engine and its exit programs, and keeps the journal.  Everything
 * happens on one libevent loop; nothing wakes it while no operation runs.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitd.h"

#define EXITD_MMAP_THRESHOLD	(64 * 1024)

static struct event_base	*exitd_base;
static struct config		 exitd_cfg;
static const char		*exitd_config_path;

static void	 exitd_usage(void) __attribute__((noreturn));
static void	 exitd_term_cb(evutil_socket_t, short, void *);
static void	 exitd_hup_cb(evutil_socket_t, short, void *);
static void	 exitd_ready(int);
static void	 exitd_grant(const char *);
static void	 exitd_check_private(const struct stat *, const char *,
		     const char *, gid_t);
static void	 exitd_check_state(const char *, char *, size_t);

/* Print the usage and exit. */
static void
exitd_usage(void)
{
	fprintf(stderr, "usage: exitd [-fv] [--socket PATH] [--state-dir DIR] "
	    "[--config FILE] [--ready-fd FD]\n"
	    "             [--session-bus | --no-dbus]\n");
	exit(64);
}

/* SIGTERM or SIGINT: leave the loop; main journals and cleans up. */
static void
exitd_term_cb(evutil_socket_t sig, short events, void *arg)
{
	log_info("signal %d: shutting down", (int)sig);
	event_base_loopbreak(exitd_base);
}

/*
 * SIGHUP: reload the configuration.  A bad file keeps the running one, so
 * that a typo cannot take exitd down.  The registry needs no reload: each
 * phase reads it fresh.
 */
static void
exitd_hup_cb(evutil_socket_t sig, short events, void *arg)
{
	struct config	cfg;
	char		err[512];
	int		error;

	if ((error = config_load(exitd_config_path, &cfg, err,
	    sizeof(err))) != 0) {
		log_warnx("SIGHUP: configuration not reloaded: %s", err);
		return;
	}
	config_clear(&exitd_cfg);
	exitd_cfg = cfg;
	log_info("SIGHUP: configuration reloaded");
}

/*
 * Tell whoever started exitd that the socket is listening: write a line
 * to the descriptor it gave and close it.
 */
static void
exitd_ready(int fd)
{
	static const char	msg[] = "READY=1\n";

	if (fd < 0)
		return;
	if (write(fd, msg, sizeof(msg) - 1) != (ssize_t)sizeof(msg) - 1)
		log_warn("ready-fd %d", fd);
	close(fd);
}

/*
 * Let the configured admin group change the registry too (root's exitd
 * at start, as exitctl does when root runs it).
 */
static void
exitd_grant(const char *state)
{
	struct group	*gr;
	int		 error;

	if (geteuid() != 0 || exitd_cfg.admin_group == NULL)
		return;
	if ((gr = getgrnam(exitd_cfg.admin_group)) == NULL) {
		log_warnx("admin-group %s: no such group",
		    exitd_cfg.admin_group);
		return;
	}
	if ((error = registry_grant(state, gr->gr_gid)) != 0)
		log_warnx("cannot open the registry to group %s: %s",
		    exitd_cfg.admin_group, exitpt_strerror(error));
}

/*
 * Check one directory or file of the state directory: owned by root or
 * exitd's user, and writable by nobody else (group writable only by the
 * admin group, when group_ok names it).  fatalx with what to fix.
 */
static void
exitd_check_private(const struct stat *st, const char *what,
    const char *path, gid_t group_ok)
{
	uid_t	euid = geteuid();

	if (st->st_uid != 0 && st->st_uid != euid)
		fatalx("%s %s is owned by uid %lu, not by exitd's user (uid "
		    "%lu): exitd refuses it; run chown %lu '%s'", what, path,
		    (unsigned long)st->st_uid, (unsigned long)euid,
		    (unsigned long)euid, path);
	if ((st->st_mode & S_IWOTH) || ((st->st_mode & S_IWGRP) &&
	    st->st_gid != group_ok))
		fatalx("%s %s is %s-writable (mode %04o): exitd refuses it; "
		    "run chmod %s '%s'", what, path,
		    (st->st_mode & S_IWOTH) ? "world" : "group",
		    (unsigned int)(st->st_mode & 07777), (st->st_mode &
		    S_IWOTH) ? "go-w" : "g-w", path);
}

/*
 * Refuse a state directory that someone other than root and exitd's user
 * could change: the directory, every directory and symbolic link on the
 * way to it, its registry, and its journal (which must not be a symbolic
 * link: exitctl journal would show whatever it points to).  The
 * instance name for the cgroup directory (one per state directory, so a
 * restarted exitd finds what the last one left) goes to instance.
 */
static void
exitd_check_state(const char *state, char *instance, size_t len)
{
	struct stat	 st;
	struct group	*gr;
	char		 walked[PATH_MAX], why[PATH_MAX + 128];
	char		 path[PATH_MAX + 64];
	const char	*sub[] = { "registry", "registry/" EXITPT_EXIT_POINT_SUSPEND,
			    "registry/" EXITPT_EXIT_POINT_RESUME };
	gid_t		 admin = 0;
	size_t		 i;
	int		 fd, error;

	if (exitd_cfg.admin_group != NULL &&
	    (gr = getgrnam(exitd_cfg.admin_group)) != NULL)
		admin = gr->gr_gid;
	if ((error = progcheck_walk(state, geteuid(), O_RDONLY | O_DIRECTORY,
	    "exitd's user", &fd, &st, walked, sizeof(walked), why,
	    sizeof(why))) != 0)
		fatalx("state directory %s: %s", state, why[0] != '\0' ? why :
		    strerror(-error));
	if (!S_ISDIR(st.st_mode))
		fatalx("state directory %s is not a directory", state);
	exitd_check_private(&st, "state directory", state, (gid_t)-1);
	snprintf(instance, len, "exitpt-%lx-%lx", (unsigned long)st.st_dev,
	    (unsigned long)st.st_ino);
	for (i = 0; i < nitems(sub); i++) {
		snprintf(path, sizeof(path), "%s/%s", state, sub[i]);
		if (fstatat(fd, sub[i], &st, AT_SYMLINK_NOFOLLOW) == -1) {
			if (errno == ENOENT)
				continue;
			fatal("%s", path);
		}
		if (!S_ISDIR(st.st_mode))
			fatalx("%s is not a directory: exitd refuses it; "
			    "remove it", path);
		exitd_check_private(&st, "registry directory", path,
		    admin != 0 ? admin : (gid_t)-1);
	}
	snprintf(path, sizeof(path), "%s/journal", state);
	if (fstatat(fd, "journal", &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISREG(st.st_mode))
			fatalx("journal %s is not a regular file (%s): exitd "
			    "refuses it; remove it", path, S_ISLNK(st.st_mode) ?
			    "a symbolic link" : "a special file");
		exitd_check_private(&st, "journal", path, (gid_t)-1);
	} else if (errno != ENOENT)
		fatal("%s", path);
	close(fd);
}

/* Parse the options, set up socket, journal and engine, run the loop. */
int
main(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "socket", required_argument, NULL, 'S' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ "session-bus", no_argument, NULL, 'B' },
		{ "no-dbus", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct event	*ev_term, *ev_int, *ev_hup;
	const char	*sock = NULL, *state = NULL;
	char		 err[512], instance[64];
	long long	 v;
	int		 ch, error, foreground = 0, verbose = 0, ready = -1;
	int		 bus = EXITD_BUS_SYSTEM;

	while ((ch = getopt_long(argc, argv, "fvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			foreground = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'S':
			sock = optarg;
			break;
		case 's':
			state = optarg;
			break;
		case 'c':
			exitd_config_path = optarg;
			break;
		case 'r':
			if (text_parse_int(optarg, 0, 65535, &v) != 0) {
				fprintf(stderr, "exitd: --ready-fd: not a "
				    "descriptor: '%s'\n", optarg);
				exit(64);
			}
			ready = (int)v;
			break;
		case 'B':
			bus = EXITD_BUS_SESSION;
			break;
		case 'N':
			bus = EXITD_BUS_NONE;
			break;
		default:
			exitd_usage();
		}
	}
	if (optind != argc)
		exitd_usage();
	log_init(1, verbose);
	/*
	 * A phase over a thousand programs makes large short-lived blocks
	 * (the report of every answer, the snapshot of a phase): give them
	 * their own mappings, returned at free, rather than the heap, where
	 * they would keep an idle exitd large.  A fixed threshold also stops
	 * glibc from raising it after such a block is freed.
	 */
	mallopt(M_MMAP_THRESHOLD, EXITD_MMAP_THRESHOLD);

	if (sock == NULL && ((sock = getenv(EXITPT_SOCKET_ENV)) == NULL ||
	    *sock == '\0'))
		sock = EXITPT_SOCKET_DEFAULT;
	state = config_state_dir(state);
	if (config_load(exitd_config_path, &exitd_cfg, err, sizeof(err)) != 0)
		fatalx("configuration: %s", err);
	if ((error = atomicfile_mkdirs(state, 0755)) != 0)
		fatalx("state directory %s: %s", state, exitpt_strerror(error));
	exitd_check_state(state, instance, sizeof(instance));
	signal(SIGPIPE, SIG_IGN);

	if ((exitd_base = event_base_new()) == NULL)
		fatalx("cannot create the event base");
	/*
	 * The journal observes the engine first, so that every other
	 * observer acts on an event already recorded.
	 */
	if ((error = journal_open(state)) != 0)
		fatalx("journal in %s: %s", state, strerror(-error));
	journal_observe(exitd_base);
	if ((error = control_listen(exitd_base, sock, &exitd_cfg)) != 0) {
		if (error == -EADDRINUSE)
			fatalx("another exitd is listening on %s", sock);
		fatalx("control socket %s: %s", sock, strerror(-error));
	}

	if (!foreground) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_init(0, verbose);
		if (event_reinit(exitd_base) == -1)
			fatalx("cannot reinitialise the event base");
	}

	exitd_grant(state);
	/*
	 * The IPC helpers' runtime directory is root's: system objects live
	 * there, and users get their own directories under it (libexitpt(3)).
	 */
	if ((error = ipcdir_init()) != 0)
		log_warnx("IPC runtime directory: %s: %s",
		    exitpt_strerror(error), exitpt_ipc_detail());
	/* The program participant kind starts the runner in phase_init. */
	runner_contain(exitd_cfg.containment, instance);
	phase_init(exitd_base, state, &exitd_cfg);
	ev_term = evsignal_new(exitd_base, SIGTERM, exitd_term_cb, NULL);
	ev_int = evsignal_new(exitd_base, SIGINT, exitd_term_cb, NULL);
	ev_hup = evsignal_new(exitd_base, SIGHUP, exitd_hup_cb, NULL);
	if (ev_term == NULL || ev_int == NULL || ev_hup == NULL ||
	    evsignal_add(ev_term, NULL) == -1 ||
	    evsignal_add(ev_int, NULL) == -1 ||
	    evsignal_add(ev_hup, NULL) == -1)
		fatalx("cannot install the signal events");

	log_info("listening on %s, state in %s", sock, state);
	dbus_service_init(&exitd_cfg);
	dbus_start(exitd_base, bus, dbus_service_up, dbus_service_down);
	exitd_ready(ready);
	if (event_base_dispatch(exitd_base) == -1)
		fatalx("event loop failed");

	/* Front ends forget their drives before the engine goes. */
	dbus_service_shutdown();
	control_shutdown();
	phase_shutdown();
	dbus_stop();
	journal_close();
	event_free(ev_term);
	event_free(ev_int);
	event_free(ev_hup);
	event_base_free(exitd_base);
	config_clear(&exitd_cfg);
	log_info("stopped");
	return (0);
}
