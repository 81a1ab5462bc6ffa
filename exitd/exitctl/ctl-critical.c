/*
 * exitctl's critical section commands: list the holders, show or set the
 * suspend-pending flag, and hold a section while a command runs (like
 * flock(1)).
 *
 * The section of "exitctl critical NAME -- COMMAND" is entered by the
 * process that then becomes COMMAND (exec keeps the pid and start time
 * that identify a holder), so it lasts exactly as long as COMMAND runs:
 * killing exitctl, even by SIGKILL, does not end it early, and nothing
 * holds it after COMMAND has ended.  exitctl lock works the same way.
 */
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitctl.h"

/*
 * What the child of ctl_critical_run says when it could not take what
 * the command must hold: the error, and what exitpt_ipc_detail() said of
 * it there (which object or directory, and what is wrong with it).
 */
struct ctl_took {
	int	error;
	char	detail[256];
};

/* What the child of ctl_critical_hold enters. */
struct ctl_critical_take {
	const char	*name;
	int		 flags;
	double		 wait;
};

static int	 ctl_critical_list(int, char **);
static int	 ctl_critical_pending(int, char **);
static int	 ctl_critical_hold(int, char **);
static int	 ctl_critical_take_cb(void *);

/*
 * Run a command and wait for it; returns its exit status, 128 + signal
 * when killed, 127 when it cannot be found and 126 when it cannot run.
 * The child first calls take (if any), which takes what the command must
 * hold: a failure there is passed back in *took (nonzero) and the command
 * does not run.  Until it holds it, the child dies with exitctl (a killed
 * exitctl must not leave a command to run later); from then on it is the
 * command's, and outlives exitctl.
 */
int
ctl_critical_run(const char *cmd, char **argv, ctl_take_cb take, void *arg,
    int *took)
{
	struct ctl_took	t;
	ssize_t		n;
	pid_t		pid, parent = getpid();
	int		p[2], status, err;

	*took = 0;
	fflush(stdout);
	if (pipe2(p, O_CLOEXEC) == -1)
		return (ctl_fail(cmd, -errno, "pipe"));
	if ((pid = fork()) == -1) {
		err = errno;
		close(p[0]);
		close(p[1]);
		return (ctl_fail(cmd, -err, "fork"));
	}
	if (pid == 0) {
		close(p[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 ||
		    getppid() != parent)
			_exit(70);
		if (take != NULL && (t.error = take(arg)) != 0) {
			snprintf(t.detail, sizeof(t.detail), "%s",
			    exitpt_ipc_detail());
			if (write(p[1], &t, sizeof(t)) != sizeof(t))
				_exit(70);
			_exit(0);
		}
		if (prctl(PR_SET_PDEATHSIG, 0) == -1 || getppid() != parent)
			_exit(70);
		/* The pipe closes on exec: the parent reads end of file. */
		execvp(argv[0], argv);
		err = errno;
		fprintf(stderr, "exitctl: %s: %s: %s\n", cmd, argv[0],
		    strerror(err));
		_exit(err == ENOENT ? 127 : 126);
	}
	close(p[1]);
	while ((n = read(p[0], &t, sizeof(t))) == -1 && errno == EINTR)
		;
	close(p[0]);
	if (n == (ssize_t)sizeof(t) && t.error != 0) {
		*took = t.error;
		/* For ctl_fail, as if this process had found it. */
		t.detail[sizeof(t.detail) - 1] = '\0';
		if (t.detail[0] != '\0')
			ipcobj_damaged("%s", t.detail);
	}
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			return (ctl_fail(cmd, -errno, "waitpid"));
	}
	if (*took != 0)
		return (0);
	if (WIFSIGNALED(status))
		return (128 + WTERMSIG(status));
	return (WEXITSTATUS(status));
}

/*
 * Enter the section in the process that will become the command; the
 * handle is left behind on purpose: the slot's holder is this process,
 * whatever program it runs, until it ends.
 */
static int
ctl_critical_take_cb(void *arg)
{
	struct ctl_critical_take	*t = arg;
	struct exitpt_critical		*c;

	return (exitpt_critical_enter(t->name, t->flags, t->wait, &c));
}

/* exitctl critical list: the live holders of critical sections. */
static int
ctl_critical_list(int argc, char **argv)
{
	struct exitpt_critical_list	*l;
	json_t				*arr, *obj;
	char				 when[64], user[64];
	size_t				 i, n;
	int				 error, rv;

	if ((rv = ctl_noopt("critical", argc, argv)) != 0)
		return (rv);
	if (optind != argc)
		return (ctl_usage_error("critical", "list takes no argument"));
	if ((error = exitpt_critical_list_get(&l)) != 0)
		return (ctl_fail("critical", error, "cannot list holders"));
	/* Another user's damaged table is skipped, and said. */
	for (i = 0; i < exitpt_critical_list_damaged(l); i++)
		fprintf(stderr, "exitctl: critical: skipped, damaged: %s\n",
		    exitpt_critical_list_damage(l, i));
	n = exitpt_critical_list_count(l);
	if (ctl_opts.json) {
		if ((arr = json_array()) == NULL) {
			exitpt_critical_list_free(l);
			return (ctl_fail("critical", -ENOMEM, "json"));
		}
		for (i = 0; i < n; i++) {
			text_time_iso(exitpt_critical_list_since(l, i) *
			    1000, when, sizeof(when));
			obj = json_pack("{s:s, s:b, s:I, s:I, s:s, s:s, s:o}",
			    "name", exitpt_critical_list_name(l, i),
			    "entering", exitpt_critical_list_entering(l, i),
			    "pid", (json_int_t)exitpt_critical_list_pid(l, i),
			    "uid", (json_int_t)exitpt_critical_list_uid(l, i),
			    "user", ctl_user_name(
			    exitpt_critical_list_uid(l, i), user, sizeof(user)),
			    "since", when, "operation",
			    exitpt_critical_list_operation(l, i) == 0 ?
			    json_null() : json_sprintf("%016llx",
			    (unsigned long long)
			    exitpt_critical_list_operation(l, i)));
			if (obj == NULL || json_array_append_new(arr,
			    obj) != 0) {
				json_decref(arr);
				exitpt_critical_list_free(l);
				return (ctl_fail("critical", -ENOMEM, "json"));
			}
		}
		exitpt_critical_list_free(l);
		return (ctl_json_print(arr));
	}
	if (n > 0)
		printf("%-32s %8s %-12s %s\n", "NAME", "PID", "USER", "SINCE");
	for (i = 0; i < n; i++) {
		ctl_time(exitpt_critical_list_since(l, i) * 1000, when,
		    sizeof(when));
		printf("%-32s %8ld %-12s %s%s", exitpt_critical_list_name(l, i),
		    (long)exitpt_critical_list_pid(l, i),
		    ctl_user_name(exitpt_critical_list_uid(l, i), user,
		    sizeof(user)), when, exitpt_critical_list_entering(l, i) ?
		    " (entering)" : "");
		if (exitpt_critical_list_operation(l, i) != 0)
			printf(" (participant of %016llx)", (unsigned long long)
			    exitpt_critical_list_operation(l, i));
		putchar('\n');
	}
	exitpt_critical_list_free(l);
	return (DRIVER_EXIT_OK);
}

/*
 * exitctl critical pending on [ID] | off | show: the suspend flag.  The
 * operation id is given and shown in hex, as everywhere.
 */
static int
ctl_critical_pending(int argc, char **argv)
{
	uint64_t			 op = 1;
	int64_t				 since;
	char				 when[64], id[DRIVER_OP_LEN];
	int				 error, rv;

	if ((rv = ctl_noopt("critical", argc, argv)) != 0)
		return (rv);
	argc -= optind;
	argv += optind;
	if (argc == 0 || argc > 2 || (argc == 2 && strcmp(argv[0], "on") != 0))
		return (ctl_usage_error("critical",
		    "pending takes on [OPERATION_ID], off or show"));
	if (strcmp(argv[0], "show") == 0) {
		if ((rv = critical_get_pending(&op, &since)) < 0)
			return (ctl_fail("critical", rv, "cannot read the "
			    "pending flag"));
		if (ctl_opts.json) {
			text_time_iso(since * 1000, when, sizeof(when));
			return (ctl_json_print(json_pack("{s:b, s:o, s:o}",
			    "pending", rv, "operation", rv == 0 || op == 0 ?
			    json_null() : json_string(driver_operation_text(op,
			    id)), "since", rv == 0 ? json_null() :
			    json_string(when))));
		}
		if (rv == 0) {
			printf("pending: no\n");
			return (DRIVER_EXIT_OK);
		}
		ctl_time(since * 1000, when, sizeof(when));
		printf("pending: yes (operation %s, since %s)\n",
		    driver_operation_text(op, id), when);
		return (DRIVER_EXIT_OK);
	}
	if (strcmp(argv[0], "on") != 0 && strcmp(argv[0], "off") != 0)
		return (ctl_usage_error("critical", "pending takes on "
		    "[OPERATION_ID], off or show, not '%s'", argv[0]));
	if (argc == 2 && driver_operation_parse(argv[1], &op) != 0)
		return (ctl_usage_error("critical", "operation id must be "
		    "1 to 16 hex digits, not '%s'", argv[1]));
	if (strcmp(argv[0], "on") != 0)
		op = 0;
	/*
	 * The flag is a file of root's, exitd's (a private instance's: of
	 * the user who made it); the admin group drives exitd, not it.
	 */
	if ((error = critical_set_pending(op)) == -EACCES) {
		fprintf(stderr, "exitctl: critical: setting the pending flag "
		    "requires root (the owner of the runtime directory)\n");
		return (DRIVER_EXIT_NOPERM);
	}
	if (error != 0)
		return (ctl_fail("critical", error, "cannot set the pending "
		    "flag"));
	return (DRIVER_EXIT_OK);
}

/*
 * exitctl critical NAME [--wait S] [--fail-if-pending] -- COMMAND...:
 * hold the section while the command runs and exit with its status.
 */
static int
ctl_critical_hold(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "wait", required_argument, NULL, 'w' },
		{ "fail-if-pending", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl_critical_take	 t;
	const char			*name = argv[0];
	double				 wait = EXITPT_WAIT_FOREVER;
	int				 ch, error, flags = 0, rv;

	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (ch) {
		case 'w':
			if (exitpt_ipc_wait_parse(optarg, &wait) != 0)
				return (ctl_usage_error("critical", "--wait "
				    "takes seconds (0..%g), 'none' or "
				    "'forever', not '%s'", EXITPT_IPC_WAIT_MAX,
				    optarg));
			break;
		case 'f':
			flags |= EXITPT_CRITICAL_FAIL_IF_PENDING;
			break;
		default:
			return (ctl_usage_error("critical", "bad option"));
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return (ctl_usage_error("critical", "no command to run"));
	if (exitpt_ipc_name_check(name) != 0)
		return (ctl_fail("critical", EXITPT_E_NAME, "'%s'", name));
	t.name = name;
	t.flags = flags;
	t.wait = wait;
	rv = ctl_critical_run("critical", argv, ctl_critical_take_cb, &t,
	    &error);
	if (error == EXITPT_E_PENDING || error == EXITPT_E_TIMEOUT) {
		ctl_fail("critical", error, "%s", name);
		return (DRIVER_EXIT_BUSY);
	}
	if (error != 0)
		return (ctl_fail("critical", error, "%s", name));
	return (rv);
}

/* exitctl critical: dispatch list, pending, or hold NAME. */
int
ctl_critical(int argc, char **argv)
{
	if (argc < 2)
		return (ctl_usage_error("critical", "missing argument"));
	if (strcmp(argv[1], "list") == 0)
		return (ctl_critical_list(argc - 1, argv + 1));
	if (strcmp(argv[1], "pending") == 0)
		return (ctl_critical_pending(argc - 1, argv + 1));
	return (ctl_critical_hold(argc - 1, argv + 1));
}
