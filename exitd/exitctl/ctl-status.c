/*
 * exitctl's observing commands: status (a snapshot, or a live view that
 * follows the operation) and journal.  Neither needs privilege.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitctl.h"

/* While following, refresh the window countdown this often. */
#define CTL_STATUS_TICK_MS	500

static int	 ctl_status_over(const struct exitpt_report *);
static int	 ctl_journal_line_cb(const char *, void *);

/* Tell whether the operation a report describes is no longer running. */
static int
ctl_status_over(const struct exitpt_report *r)
{
	int	o = exitpt_report_outcome(r);

	if (exitpt_report_operation(r) == 0)
		return (1);
	return (o == EXITPT_OUTCOME_VALIDATED ||
	    o == EXITPT_OUTCOME_COMPLETED || o == EXITPT_OUTCOME_CANCELLED ||
	    (o == EXITPT_OUTCOME_VETOED &&
	    exitpt_report_phase(r) != EXITPT_OP_CHECK));
}

/*
 * exitctl status [--follow|--once] [--json]: print the current or last
 * operation.  On a terminal the view is redrawn in place while a phase
 * runs; with --follow every change is printed until the operation is
 * over (redrawn on a terminal, otherwise as plain lines).
 */
int
ctl_status(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "once", no_argument, NULL, '1' },
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	struct exitpt_client	*c;
	struct exitpt_report	*r = NULL, *n;
	const char		*cmd = argv[0];
	int			 ch, error, rv = CTL_EXIT_OK, tty, follow;
	int			 timeout;

	tty = isatty(STDOUT_FILENO);
	follow = -1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			follow = 1;
			break;
		case '1':
			follow = 0;
			break;
		case 'j':
			ctl_opts.json = 1;
			break;
		case 'S':
			ctl_opts.socket_path = optarg;
			break;
		default:
			return (ctl_usage_error(cmd, "unknown option"));
		}
	}
	if (optind != argc)
		return (ctl_usage_error(cmd, "unexpected argument '%s'",
		    argv[optind]));
	/*
	 * On a terminal the view follows the phase that runs now; asked
	 * explicitly, it follows the operation to its end.
	 */
	if (follow == -1)
		follow = tty && !ctl_opts.json ? 2 : 0;
	if ((error = exitpt_client_open(&c, ctl_opts.socket_path)) != 0)
		return (ctl_fail(cmd, error, "cannot reach exitd"));
	if ((error = exitpt_client_status(c, &r)) != 0) {
		rv = ctl_fail(cmd, error, "status");
		goto out;
	}
	for (;;) {
		if (ctl_opts.json) {
			if ((rv = ctl_json_print(ctl_phase_json(r))) != 0)
				break;
		} else {
			if (follow && tty)
				fputs("\033[H\033[2J", stdout);
			ctl_phase_print(stdout, r);
		}
		fflush(stdout);
		if (!follow || ctl_status_over(r) || (follow == 2 &&
		    exitpt_report_outcome(r) != EXITPT_OUTCOME_RUNNING))
			break;
		/*
		 * Wake on every change; on a terminal also now and then so
		 * that the window countdown moves.
		 */
		timeout = tty && exitpt_report_window_left_ms(r) > 0 ?
		    CTL_STATUS_TICK_MS : -1;
		error = exitpt_client_wait(c, exitpt_report_generation(r),
		    timeout, &n);
		if (error == -ETIMEDOUT)
			error = exitpt_client_status(c, &n);
		if (error != 0) {
			rv = ctl_fail(cmd, error, "status");
			break;
		}
		exitpt_report_free(r);
		r = n;
	}
out:
	exitpt_report_free(r);
	exitpt_client_close(c);
	return (rv);
}

struct ctl_journal_ctx {
	json_t	*all;		/* --json: the records, as an array */
	size_t	 bad;
};

/* Print one journal record as a readable line, or collect it. */
static int
ctl_journal_line_cb(const char *line, void *arg)
{
	struct ctl_journal_ctx	*ctx = arg;
	json_error_t		 jerr;
	json_t			*rec, *v;
	const char		*key;
	time_t			 t;
	struct tm		 tm;
	char			 when[32];

	if ((rec = json_loads(line, 0, &jerr)) == NULL ||
	    !json_is_object(rec)) {
		json_decref(rec);
		ctx->bad++;
		fprintf(stderr, "exitctl: journal: torn or malformed record "
		    "skipped: %.60s\n", line);
		return (0);
	}
	if (ctx->all != NULL) {
		json_array_append_new(ctx->all, rec);
		return (0);
	}
	t = (time_t)(json_integer_value(json_object_get(rec, "time")) / 1000);
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%s %s %s", when,
	    json_string_value(json_object_get(rec, "op")) != NULL ?
	    json_string_value(json_object_get(rec, "op")) : "-",
	    json_string_value(json_object_get(rec, "event")) != NULL ?
	    json_string_value(json_object_get(rec, "event")) : "-");
	json_object_foreach(rec, key, v) {
		if (strcmp(key, "time") == 0 || strcmp(key, "op") == 0 ||
		    strcmp(key, "event") == 0)
			continue;
		if (json_is_string(v))
			printf(" %s=\"%s\"", key, json_string_value(v));
		else if (json_is_integer(v))
			printf(" %s=%" JSON_INTEGER_FORMAT, key,
			    json_integer_value(v));
		else if (json_is_boolean(v))
			printf(" %s=%s", key, json_is_true(v) ? "true" :
			    "false");
		else if (json_is_object(v)) {
			char	*s = json_dumps(v, JSON_COMPACT);

			printf(" %s=%s", key, s != NULL ? s : "?");
			free(s);
		}
	}
	putchar('\n');
	json_decref(rec);
	return (0);
}

/* exitctl journal [--json]: print exitd's journal. */
int
ctl_journal(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl_journal_ctx	 ctx;
	struct exitpt_client	*c;
	const char		*cmd = argv[0];
	int			 ch, error, rv = CTL_EXIT_OK;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			ctl_opts.json = 1;
			break;
		case 'S':
			ctl_opts.socket_path = optarg;
			break;
		default:
			return (ctl_usage_error(cmd, "unknown option"));
		}
	}
	if (optind != argc)
		return (ctl_usage_error(cmd, "unexpected argument '%s'",
		    argv[optind]));
	memset(&ctx, 0, sizeof(ctx));
	if (ctl_opts.json)
		ctx.all = json_array();
	if ((error = exitpt_client_open(&c, ctl_opts.socket_path)) != 0) {
		json_decref(ctx.all);
		return (ctl_fail(cmd, error, "cannot reach exitd"));
	}
	if ((error = exitpt_client_journal(c, ctl_journal_line_cb,
	    &ctx)) != 0)
		rv = ctl_fail(cmd, error, "cannot read the journal");
	exitpt_client_close(c);
	if (ctx.all != NULL) {
		if (rv == CTL_EXIT_OK)
			rv = ctl_json_print(ctx.all);
		else
			json_decref(ctx.all);
	}
	return (rv);
}
