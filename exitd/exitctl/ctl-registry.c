/*
 * exitctl's registry commands: add, remove and list, after IBM i's
 * ADDEXITPGM, RMVEXITPGM and WRKREGINF.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitctl.h"

static int	ctl_registry_locked(const char *);

/* Parse an exit point argument; print the error and fail if unknown. */
static int
ctl_registry_point(const char *cmd, const char *name, int *point)
{
	if ((*point = registry_point_parse(name)) < 0) {
		fprintf(stderr, "exitctl: %s: unknown exit point '%s' (known: "
		    "%s, %s)\n", cmd, name, EXITPT_EXIT_POINT_SUSPEND,
		    EXITPT_EXIT_POINT_RESUME);
		return (DRIVER_EXIT_DATA);
	}
	return (0);
}

/* Parse a timeout option value in seconds. */
static int
ctl_registry_timeout(const char *cmd, const char *opt, const char *s,
    int *out)
{
	long long	v;

	if (text_parse_int(s, 1, REGISTRY_TIMEOUT_MAX, &v) != 0)
		return (ctl_usage_error(cmd, "%s must be 1..%d seconds, not "
		    "'%s'", opt, REGISTRY_TIMEOUT_MAX, s));
	*out = (int)v;
	return (0);
}

/* Print the warning of a malformed registry entry. */
static void
ctl_registry_warn_cb(const char *msg, void *arg)
{
	fprintf(stderr, "exitctl: warning: %s\n", msg);
}

/* exitctl add: register an exit program. */
int
ctl_registry_add(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "number", required_argument, NULL, 'n' },
		{ "data", required_argument, NULL, 'd' },
		{ "user", required_argument, NULL, 'u' },
		{ "replace", no_argument, NULL, 'r' },
		{ "check-timeout", required_argument, NULL, 'C' },
		{ "complete-timeout", required_argument, NULL, 'P' },
		{ "text", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct registry_entry		 e;
	const char			*format = NULL, *number = NULL;
	char				 path[PATH_MAX], cwd[PATH_MAX];
	char				 why[PATH_MAX + 128];
	struct passwd			*pw;
	int				 ch, rv, flags = 0;

	memset(&e, 0, sizeof(e));
	e.user = "root";
	e.data = "";
	e.text = "";
	e.check_timeout = REGISTRY_CHECK_TIMEOUT;
	e.complete_timeout = REGISTRY_COMPLETE_TIMEOUT;
	while ((ch = ctl_getopt(argc, argv, longopts)) != -1) {
		switch (ch) {
		case 'n':
			number = optarg;
			break;
		case 'd':
			e.data = optarg;
			break;
		case 'u':
			e.user = optarg;
			break;
		case 'r':
			flags |= REGISTRY_REPLACE;
			break;
		case 'C':
			if ((rv = ctl_registry_timeout("add", "--check-timeout",
			    optarg, &e.check_timeout)) != 0)
				return (rv);
			break;
		case 'P':
			if ((rv = ctl_registry_timeout("add",
			    "--complete-timeout", optarg,
			    &e.complete_timeout)) != 0)
				return (rv);
			break;
		case 't':
			e.text = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		default:
			return (ctl_usage_error("add", "bad option"));
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		return (ctl_usage_error("add", "expected EXIT_POINT and "
		    "PROGRAM"));
	if (number == NULL)
		return (ctl_usage_error("add", "--number is required"));
	if ((rv = ctl_registry_point("add", argv[0], &e.point)) != 0)
		return (rv);
	if (format != NULL && strcmp(format,
	    exitpt_exit_point_format(argv[0])) != 0) {
		fprintf(stderr, "exitctl: add: format '%s' does not match exit "
		    "point %s (which takes %s)\n", format, argv[0],
		    exitpt_exit_point_format(argv[0]));
		return (DRIVER_EXIT_DATA);
	}
	if (registry_number_parse(number, &e.number) != 0)
		return (ctl_usage_error("add", "program number must be "
		    "1..2147483647, *LOW or *HIGH, not '%s'", number));
	if (strlen(e.data) > EXITPT_DATA_MAX)
		return (ctl_fail("add", EXITPT_E_DATA_LENGTH, "--data is %zu "
		    "bytes", strlen(e.data)));
	if (strlen(e.text) > REGISTRY_TEXT_MAX)
		return (ctl_usage_error("add", "--text is longer than %d "
		    "bytes", REGISTRY_TEXT_MAX));
	if ((pw = getpwnam(e.user)) == NULL)
		return (ctl_fail("add", EXITPT_E_USER, "run-as user '%s'",
		    e.user));
	if (text_has_control(argv[1]))
		return (ctl_usage_error("add", "the program's path holds a "
		    "control character (a newline, a tab, ...): rename it"));
	if (argv[1][0] == '/')
		e.program = argv[1];
	else {
		if (getcwd(cwd, sizeof(cwd)) == NULL ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", cwd,
		    argv[1]) >= sizeof(path))
			return (ctl_fail("add", -ENAMETOOLONG, "%s", argv[1]));
		e.program = path;
	}
	if ((rv = ctl_require_admin("add", "changing the registry")) != 0)
		return (rv);
	if ((rv = registry_add(ctl_opts.state_dir, &e, flags)) != 0) {
		if (rv == EXITPT_E_TIMEOUT)
			return (ctl_registry_locked("add"));
		if (rv == EXITPT_E_DUPLICATE)
			return (ctl_fail("add", rv, "program number %s on %s "
			    "(use --replace)", number, argv[0]));
		return (ctl_fail("add", rv, "%s", ctl_opts.state_dir));
	}
	if (progcheck_path(e.program, pw->pw_uid, why, sizeof(why)) != 0)
		fprintf(stderr, "exitctl: add: warning: %s; exitd will not "
		    "run it until this is fixed\n", why);
	printf("%s %d %s\n", argv[0], e.number, e.program);
	return (DRIVER_EXIT_OK);
}

/*
 * The writers' lock stayed held past registry-lock-timeout: say by whom
 * (from /proc/locks) and how long exitctl waited.
 */
static int
ctl_registry_locked(const char *cmd)
{
	char	 comm[64] = "", path[64];
	FILE	*fp;
	pid_t	 pid;

	if ((pid = registry_lock_holder(ctl_opts.state_dir)) > 0) {
		snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
		if ((fp = fopen(path, "re")) != NULL) {
			if (fgets(comm, sizeof(comm), fp) != NULL)
				comm[strcspn(comm, "\n")] = '\0';
			fclose(fp);
		}
		ctl_fail(cmd, EXITPT_E_TIMEOUT, "the registry in %s is locked "
		    "by pid %ld (%s); gave up after %d s (registry-lock-timeout "
		    "in exitd.conf)", ctl_opts.state_dir, (long)pid,
		    comm[0] != '\0' ? comm : "?", ctl_opts.lock_timeout);
	} else
		ctl_fail(cmd, EXITPT_E_TIMEOUT, "the registry in %s is locked "
		    "(%s/registry/.writers.lock); gave up after %d s "
		    "(registry-lock-timeout in exitd.conf)", ctl_opts.state_dir,
		    ctl_opts.state_dir, ctl_opts.lock_timeout);
	return (DRIVER_EXIT_BUSY);
}

/* exitctl remove: remove an exit program by number. */
int
ctl_registry_remove(int argc, char **argv)
{
	int32_t	number;
	int	point, rv;

	if ((rv = ctl_noopt("remove", argc, argv)) != 0)
		return (rv);
	argc -= optind;
	argv += optind;
	if (argc != 2)
		return (ctl_usage_error("remove", "expected EXIT_POINT and "
		    "NUMBER"));
	if ((rv = ctl_registry_point("remove", argv[0], &point)) != 0)
		return (rv);
	if (registry_number_parse(argv[1], &number) != 0 || number < 1)
		return (ctl_usage_error("remove", "program number must be "
		    "1..2147483647, not '%s'", argv[1]));
	if ((rv = ctl_require_admin("remove", "changing the registry")) != 0)
		return (rv);
	if ((rv = registry_remove(ctl_opts.state_dir, point, number)) != 0) {
		if (rv == EXITPT_E_TIMEOUT)
			return (ctl_registry_locked("remove"));
		return (ctl_fail("remove", rv, "program %d on %s", number,
		    argv[0]));
	}
	return (DRIVER_EXIT_OK);
}

/* Classify an entry's program: ok, missing, not-executable or unsafe. */
static const char *
ctl_registry_state(const struct registry_entry *e, char *why, size_t len)
{
	struct passwd	*pw;

	if ((pw = getpwnam(e->user)) == NULL) {
		snprintf(why, len, "run-as user %s does not exist", e->user);
		return ("bad-user");
	}
	switch (progcheck_path(e->program, pw->pw_uid, why, len)) {
	case 0:
		return ("ok");
	case -ENOENT:
		return ("missing");
	case -EPERM:
		return ("unsafe");
	default:
		return ("not-executable");
	}
}

/* Build the JSON object of one entry. */
static json_t *
ctl_registry_json(const struct registry_entry *e)
{
	char		 why[PATH_MAX + 128];
	const char	*state;

	state = ctl_registry_state(e, why, sizeof(why));
	return (json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:I, s:I, "
	    "s:s, s:s}",
	    "exit_point", registry_point_name(e->point),
	    "format", exitpt_exit_point_format(registry_point_name(e->point)),
	    "number", (json_int_t)e->number,
	    "program", e->program,
	    "user", e->user,
	    "data", e->data,
	    "text", e->text,
	    "check_timeout_ms", (json_int_t)e->check_timeout * 1000,
	    "complete_timeout_ms", (json_int_t)e->complete_timeout * 1000,
	    "state", state,
	    "problem", why));
}

/* exitctl list: show the registry in ascending program number. */
int
ctl_registry_list(int argc, char **argv)
{
	struct registry_list		 list;
	const struct registry_entry	*e;
	json_t				*arr = NULL, *obj;
	char				 why[PATH_MAX + 128];
	const char			*state;
	size_t				 i;
	int				 rv, point = -1;

	if ((rv = ctl_noopt("list", argc, argv)) != 0)
		return (rv);
	argc -= optind;
	argv += optind;
	if (argc > 1)
		return (ctl_usage_error("list", "too many arguments"));
	if (argc == 1 && (rv = ctl_registry_point("list", argv[0], &point)) !=
	    0)
		return (rv);
	if ((rv = registry_load(ctl_opts.state_dir, point,
	    ctl_registry_warn_cb, NULL, &list)) != 0)
		return (ctl_fail("list", rv, "%s", ctl_opts.state_dir));
	if (ctl_opts.json) {
		if ((arr = json_array()) == NULL) {
			registry_list_clear(&list);
			return (ctl_fail("list", -ENOMEM, "json"));
		}
		for (i = 0; i < list.count; i++) {
			obj = ctl_registry_json(&list.entries[i]);
			if (obj == NULL || json_array_append_new(arr, obj)) {
				json_decref(arr);
				registry_list_clear(&list);
				return (ctl_fail("list", -ENOMEM, "json"));
			}
		}
		registry_list_clear(&list);
		return (ctl_json_print(arr));
	}
	if (list.count > 0)
		printf("%-16s %-8s %10s %-8s %5s %-14s %s\n", "EXIT POINT",
		    "FORMAT", "NUMBER", "USER", "CHECK", "STATE", "PROGRAM");
	for (i = 0; i < list.count; i++) {
		e = &list.entries[i];
		state = ctl_registry_state(e, why, sizeof(why));
		printf("%-16s %-8s %10d %-8s %4ds %-14s %s\n",
		    registry_point_name(e->point),
		    exitpt_exit_point_format(registry_point_name(e->point)),
		    e->number, e->user, e->check_timeout, state, e->program);
		if (e->text[0] != '\0')
			printf("%47s text: %s\n", "", e->text);
		if (why[0] != '\0' && strcmp(state, "ok") != 0)
			printf("%47s problem: %s\n", "", why);
	}
	registry_list_clear(&list);
	return (DRIVER_EXIT_OK);
}
