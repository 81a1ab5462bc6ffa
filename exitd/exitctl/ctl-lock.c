/*
 * exitctl's object lock commands: list who holds what (like WRKOBJLCK)
 * and hold a lock state while a command runs.
 */
#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitctl.h"

/* What the child of ctl_lock_hold takes. */
struct ctl_lock_take {
	const char	*name;
	int		 state;
	double		 wait;
};

static int	 ctl_lock_list(int, char **);
static int	 ctl_lock_hold(int, char **);
static int	 ctl_lock_take_cb(void *);

/* exitctl lock list: every live lock. */
static int
ctl_lock_list(int argc, char **argv)
{
	struct exitpt_objlock_list	*l;
	json_t				*arr, *obj;
	int64_t				 ms;
	char				 when[64], user[64];
	size_t				 i, n;
	int				 error, rv;

	if ((rv = ctl_noopt("lock", argc, argv)) != 0)
		return (rv);
	if (optind != argc)
		return (ctl_usage_error("lock", "list takes no argument"));
	if ((error = exitpt_objlock_list_get(&l)) != 0)
		return (ctl_fail("lock", error, "cannot list locks"));
	/* Another user's damaged table is skipped, and said. */
	for (i = 0; i < exitpt_objlock_list_damaged(l); i++)
		fprintf(stderr, "exitctl: lock: skipped, damaged: %s\n",
		    exitpt_objlock_list_damage(l, i));
	n = exitpt_objlock_list_count(l);
	if ((arr = ctl_opts.json ? json_array() : NULL) == NULL &&
	    ctl_opts.json) {
		exitpt_objlock_list_free(l);
		return (ctl_fail("lock", -ENOMEM, "json"));
	}
	if (!ctl_opts.json && n > 0)
		printf("%-32s %-8s %5s %8s %-12s %s\n", "OBJECT", "STATE",
		    "TAKES", "PID", "USER", "SINCE");
	for (i = 0; i < n; i++) {
		ms = (int64_t)exitpt_objlock_list_since(l, i) * 1000;
		if (ctl_opts.json)
			text_time_iso(ms, when, sizeof(when));
		else
			ctl_time(ms, when, sizeof(when));
		ctl_user_name(exitpt_objlock_list_uid(l, i), user,
		    sizeof(user));
		if (!ctl_opts.json) {
			printf("%-32s %-8s %5u %8ld %-12s %s\n",
			    exitpt_objlock_list_object(l, i),
			    exitpt_objlock_state_name(
			    exitpt_objlock_list_state(l, i)),
			    exitpt_objlock_list_takes(l, i),
			    (long)exitpt_objlock_list_pid(l, i), user, when);
			continue;
		}
		obj = json_pack("{s:s, s:s, s:I, s:I, s:I, s:s, s:s}",
		    "object", exitpt_objlock_list_object(l, i),
		    "state", exitpt_objlock_state_name(
		    exitpt_objlock_list_state(l, i)),
		    "takes", (json_int_t)exitpt_objlock_list_takes(l, i),
		    "pid", (json_int_t)exitpt_objlock_list_pid(l, i),
		    "uid", (json_int_t)exitpt_objlock_list_uid(l, i),
		    "user", user,
		    "since", when);
		if (obj == NULL || json_array_append_new(arr, obj) != 0) {
			json_decref(arr);
			exitpt_objlock_list_free(l);
			return (ctl_fail("lock", -ENOMEM, "json"));
		}
	}
	exitpt_objlock_list_free(l);
	return (ctl_opts.json ? ctl_json_print(arr) : DRIVER_EXIT_OK);
}

/*
 * Take the lock in the process that will become the command (see
 * ctl-critical.c): it lasts exactly as long as the command runs.
 */
static int
ctl_lock_take_cb(void *arg)
{
	struct ctl_lock_take	*t = arg;

	return (exitpt_objlock_lock(t->name, t->state, t->wait));
}

/*
 * exitctl lock NAME STATE [--wait S] -- COMMAND...: hold the lock state
 * while the command runs and exit with its status.
 */
static int
ctl_lock_hold(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "wait", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl_lock_take		 t;
	const char			*name = argv[0];
	double				 wait = EXITPT_WAIT_FOREVER;
	int				 ch, error, state, rv;

	if (argc < 2)
		return (ctl_usage_error("lock", "missing lock state"));
	if (exitpt_objlock_state_parse(argv[1], &state) != 0)
		return (ctl_usage_error("lock", "unknown lock state '%s' "
		    "(*SHRRD, *SHRUPD, *SHRNUP, *EXCLRD or *EXCL)", argv[1]));
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (ch != 'w')
			return (ctl_usage_error("lock", "bad option"));
		if (exitpt_ipc_wait_parse(optarg, &wait) != 0)
			return (ctl_usage_error("lock", "--wait takes "
			    "seconds (0..%g), 'none' or 'forever', not '%s'",
			    EXITPT_IPC_WAIT_MAX, optarg));
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return (ctl_usage_error("lock", "no command to run"));
	if (exitpt_ipc_name_check(name) != 0)
		return (ctl_fail("lock", EXITPT_E_NAME, "'%s'", name));
	t.name = name;
	t.state = state;
	t.wait = wait;
	rv = ctl_critical_run("lock", argv, ctl_lock_take_cb, &t, &error);
	if (error == EXITPT_E_TIMEOUT) {
		ctl_fail("lock", error, "%s %s", name,
		    exitpt_objlock_state_name(state));
		return (DRIVER_EXIT_BUSY);
	}
	if (error != 0)
		return (ctl_fail("lock", error, "%s %s", name,
		    exitpt_objlock_state_name(state)));
	return (rv);
}

/* exitctl lock: dispatch list, or hold NAME STATE. */
int
ctl_lock(int argc, char **argv)
{
	if (argc < 2)
		return (ctl_usage_error("lock", "missing argument"));
	if (strcmp(argv[1], "list") == 0)
		return (ctl_lock_list(argc - 1, argv + 1));
	return (ctl_lock_hold(argc - 1, argv + 1));
}
