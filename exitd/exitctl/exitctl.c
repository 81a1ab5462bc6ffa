/*
 * exitctl: the operator's command-line interface to exitpt.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <jansson.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitctl.h"

/* getopt_long values of the common options, beyond any short option. */
#define CTL_OPT_JSON	0x100
#define CTL_OPT_SOCKET	0x101

struct ctl_options ctl_opts;

static const struct ctl_command {
	const char	*name;
	int		 (*fn)(int, char **);
	const char	*usage;
} ctl_commands[] = {
	{ "add", ctl_registry_add, "add EXIT_POINT PROGRAM --number N|*LOW|*HIGH "
	    "[--data TEXT] [--user NAME] [--replace] [--check-timeout SECONDS] "
	    "[--complete-timeout SECONDS] [--text DESCRIPTION] [--format FORMAT]" },
	{ "remove", ctl_registry_remove, "remove EXIT_POINT NUMBER" },
	{ "list", ctl_registry_list, "list [EXIT_POINT] [--json]" },

	/* phase engine */
	{ "check", ctl_phase_check, "check [--action migration|hibernation] "
	    "[--validate] [--force] [--json]" },
	{ "prepare", ctl_phase_prepare, "prepare [--operation ID] [--json]" },
	{ "cancel", ctl_phase_cancel, "cancel [--operation ID] [--json]" },
	{ "complete", ctl_phase_complete, "complete [--system-state 0|1] "
	    "[--operation ID] [--json]" },
	{ "migrate", ctl_phase_migrate, "migrate [--suspend-seconds N] "
	    "[--system-state 0|1] [--force] [--json]" },
	{ "hibernate", ctl_phase_hibernate, "hibernate [--suspend-seconds N] "
	    "[--system-state 0|1] [--force] [--json]" },
	{ "status", ctl_status, "status [--follow|--follow-all|--once] "
	    "[--json]" },
	{ "journal", ctl_journal, "journal [--json]" },

	/* critical sections and object locks */
	{ "critical", ctl_critical, "critical NAME [--wait S] "
	    "[--fail-if-pending] -- COMMAND...\n"
	    "       exitctl critical list [--json]\n"
	    "       exitctl critical pending on [OPERATION_ID] | off\n"
	    "       exitctl critical pending show [--json]" },
	{ "lock", ctl_lock, "lock NAME STATE [--wait S] -- COMMAND...\n"
	    "       exitctl lock list [--json]" },

	/* data queues */
	{ "dtaq", ctl_dtaq, "dtaq create NAME [--type fifo|lifo|keyed] "
	    "[--key-length N] [--max-length N] [--capacity N] [--sender-info] "
	    "[--mode OCTAL]\n"
	    "       exitctl dtaq delete NAME\n"
	    "       exitctl dtaq send NAME [--key KEY] [--hex] [--wait S] "
	    "[DATA]\n"
	    "       exitctl dtaq receive NAME [--key KEY [--order OP]] [--hex] "
	    "[--wait S] [--json]\n"
	    "       exitctl dtaq peek NAME [--first|--last|--all] "
	    "[--key KEY [--order OP]] [--hex] [--json]\n"
	    "       exitctl dtaq clear NAME [--key KEY [--order OP]] [--hex]\n"
	    "       exitctl dtaq list [--json]" },

	/* data areas */
	{ "dtaara", ctl_dtaara, "dtaara create NAME --type *CHAR|*DEC|*LGL "
	    "[--length N] [--decimals D] [--value V] [--mode MODE]\n"
	    "       exitctl dtaara delete NAME\n"
	    "       exitctl dtaara show NAME [--start S --length L] [--json]\n"
	    "       exitctl dtaara change NAME VALUE [--start S --length L] "
	    "[--wait S]\n"
	    "       exitctl dtaara change NAME --add DECIMAL [--wait S]\n"
	    "       exitctl dtaara list [--json]" },

	/* job interrupt */
	{ "interrupt", ctl_interrupt, "interrupt PID HANDLER [--data TEXT] "
	    "[--wait SECONDS|forever] [--json]" },

	/* participants of every kind; D-Bus inhibitor locks */
	{ "participants", ctl_participants, "participants [--json]" },
	{ "inhibit", ctl_inhibit, "inhibit --who WHO --why WHY "
	    "[--mode block|delay] [--wait-time S] [--session-bus] "
	    "-- COMMAND..." },
};

static const struct option ctl_longopts[] = {
	{ "state-dir", required_argument, NULL, 's' },
	{ "config", required_argument, NULL, 'c' },
	{ "socket", required_argument, NULL, 'S' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* Print the usage summary to fp. */
static void
ctl_usage(FILE *fp)
{
	size_t	i;

	fprintf(fp, "usage: exitctl [--state-dir DIR] [--config FILE] "
	    "[--socket PATH] [--json] COMMAND [ARGS]\n");
	for (i = 0; i < nitems(ctl_commands); i++)
		fprintf(fp, "       exitctl %s\n", ctl_commands[i].usage);
}

/* Report a usage error of a command and return the usage exit status. */
int
ctl_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list	ap;
	size_t	i;

	fprintf(stderr, "exitctl: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	for (i = 0; i < nitems(ctl_commands); i++) {
		if (strcmp(ctl_commands[i].name, cmd) == 0)
			fprintf(stderr, "usage: exitctl %s\n",
			    ctl_commands[i].usage);
	}
	return (DRIVER_EXIT_USAGE);
}

/*
 * Print "exitctl: CMD: message: error text" on one line and return the
 * matching exit status.
 */
int
ctl_fail(const char *cmd, int error, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "exitctl: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (error != 0)
		fprintf(stderr, ": %s", exitpt_strerror(error));
	/* Which object (or directory), and what is wrong with it. */
	if ((error == EXITPT_E_DAMAGED || error == EXITPT_E_RUNTIME_DIR) &&
	    *exitpt_ipc_detail() != '\0')
		fprintf(stderr, ": %s", exitpt_ipc_detail());
	fputc('\n', stderr);
	return (driver_exit_error(error));
}

/* The name of a user, or its number when it has none. */
const char *
ctl_user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd	*pw;

	if ((pw = getpwuid(uid)) != NULL)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "%lu", (unsigned long)uid);
	return (buf);
}

/*
 * Refuse commands that change state unless the caller is root or in the
 * configured admin group.  Root also opens the registry to that group, so
 * that membership means what it says.  Returns 0 or an exit status.
 */
int
ctl_require_admin(const char *cmd, const char *what)
{
	struct config	 cfg;
	struct group	*gr;
	char		 err[512];
	int		 error, admin;

	if ((error = config_load(ctl_opts.config_path, &cfg, err,
	    sizeof(err))) != 0) {
		fprintf(stderr, "exitctl: %s: %s\n", cmd, err);
		return (DRIVER_EXIT_CONFIG);
	}
	admin = config_is_admin(&cfg, getuid(), getgid());
	ctl_opts.lock_timeout = cfg.lock_timeout;
	registry_set_lock_timeout(cfg.lock_timeout);
	if (getuid() == 0 && cfg.admin_group != NULL &&
	    (gr = getgrnam(cfg.admin_group)) != NULL &&
	    (error = registry_grant(ctl_opts.state_dir, gr->gr_gid)) != 0)
		fprintf(stderr, "exitctl: %s: warning: cannot open the registry "
		    "to group '%s': %s\n", cmd, cfg.admin_group,
		    exitpt_strerror(error));
	if (!admin) {
		if (cfg.admin_group != NULL)
			fprintf(stderr, "exitctl: %s: %s requires root or "
			    "membership of group '%s'\n", cmd, what,
			    cfg.admin_group);
		else
			fprintf(stderr, "exitctl: %s: %s requires root (no "
			    "admin-group is configured)\n", cmd, what);
	}
	config_clear(&cfg);
	return (admin ? 0 : DRIVER_EXIT_NOPERM);
}

/* Print a JSON value on stdout and release it. */
int
ctl_json_print(json_t *v)
{
	int	rv;

	if (v == NULL)
		return (ctl_fail("json", -ENOMEM, "cannot build output"));
	rv = json_dumpf(v, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	json_decref(v);
	if (rv != 0 || fputc('\n', stdout) == EOF)
		return (DRIVER_EXIT_IO);
	return (DRIVER_EXIT_OK);
}

/*
 * getopt_long over a command's own long options (own, NULL-terminated,
 * at most CTL_OPTIONS_MAX; may be NULL) and the options every command
 * takes after its name, --json and --socket PATH, which it handles itself.
 * Returns the next own option's value, '?' for an unknown one, -1 at the
 * end.
 */
int
ctl_getopt(int argc, char **argv, const struct option *own)
{
	static const struct option	 common[] = {
		{ "json", no_argument, NULL, CTL_OPT_JSON },
		{ "socket", required_argument, NULL, CTL_OPT_SOCKET },
	};
	struct option			 all[CTL_OPTIONS_MAX + nitems(common)
					     + 1];
	size_t				 n = 0;
	int				 ch;

	while (own != NULL && own[n].name != NULL && n < CTL_OPTIONS_MAX)
		n++;
	if (n > 0)
		memcpy(all, own, n * sizeof(*all));
	memcpy(all + n, common, sizeof(common));
	memset(&all[n + nitems(common)], 0, sizeof(all[0]));
	while ((ch = getopt_long(argc, argv, "", all, NULL)) != -1) {
		if (ch == CTL_OPT_JSON)
			ctl_opts.json = 1;
		else if (ch == CTL_OPT_SOCKET)
			ctl_opts.socket_path = optarg;
		else
			return (ch);
	}
	return (-1);
}

/*
 * Parse the options of a command that has only the common ones.  Returns
 * 0, or the usage exit status after saying what is wrong.
 */
int
ctl_noopt(const char *cmd, int argc, char **argv)
{
	if (ctl_getopt(argc, argv, NULL) != -1)
		return (ctl_usage_error(cmd, "unknown option"));
	return (0);
}

/*
 * Parse the --mode of a new data queue or data area: octal permission
 * bits within 0666, and write only where read is given too (a writer
 * must read to keep an object consistent, so the library refuses it).
 * Returns 0, or the usage exit status after saying what is wrong.
 */
int
ctl_mode_parse(const char *cmd, const char *text, mode_t *mode)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(text, &end, 8);
	if (*text == '\0' || *end != '\0' || errno != 0 || v < 0 ||
	    (v & ~0666L) != 0)
		return (ctl_usage_error(cmd, "--mode must be octal within "
		    "0666, not '%s'", text));
	if ((v & 0222 & ~((v & 0444) >> 1)) != 0)
		return (ctl_usage_error(cmd, "--mode %s gives write without "
		    "read, which cannot be honoured: a writer must read",
		    text));
	*mode = (mode_t)v;
	return (0);
}

/* Connect to exitd, with a clear message naming the socket when not. */
int
ctl_open(const char *cmd, struct exitpt_client **cp)
{
	int	error;

	if ((error = driver_open(ctl_opts.socket_path, cp)) != 0)
		return (ctl_fail(cmd, error, "cannot reach exitd at %s",
		    driver_socket(ctl_opts.socket_path)));
	return (0);
}

/*
 * Format ms milliseconds since the epoch for text output: local
 * "YYYY-MM-DD HH:MM:SS" (JSON uses text_time_iso()).  Returns 0 or
 * -EINVAL.
 */
int
ctl_time(int64_t ms, char *buf, size_t len)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0) {
		snprintf(buf, len, "%lld", (long long)t);
		return (-EINVAL);
	}
	return (0);
}

int
main(int argc, char **argv)
{
	size_t	i;
	int	ch, rv;

	while ((ch = getopt_long(argc, argv, "+h", ctl_longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			ctl_opts.state_dir = optarg;
			break;
		case 'c':
			ctl_opts.config_path = optarg;
			break;
		case 'S':
			ctl_opts.socket_path = optarg;
			break;
		case 'j':
			ctl_opts.json = 1;
			break;
		case 'h':
			ctl_usage(stdout);
			return (DRIVER_EXIT_OK);
		default:
			ctl_usage(stderr);
			return (DRIVER_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		ctl_usage(stderr);
		return (DRIVER_EXIT_USAGE);
	}
	ctl_opts.state_dir = config_state_dir(ctl_opts.state_dir);
	for (i = 0; i < nitems(ctl_commands); i++) {
		if (strcmp(argv[0], ctl_commands[i].name) == 0) {
			optind = 0;
			rv = ctl_commands[i].fn(argc, argv);
			if (fflush(stdout) == EOF && rv == DRIVER_EXIT_OK)
				rv = DRIVER_EXIT_IO;
			return (rv);
		}
	}
	fprintf(stderr, "exitctl: unknown command '%s'\n", argv[0]);
	ctl_usage(stderr);
	return (DRIVER_EXIT_USAGE);
}
