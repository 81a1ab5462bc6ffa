/*
 * exitctl's observing commands: status (a snapshot, or a live view that
 * follows operations as they come) and journal.  Neither needs privilege.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitctl.h"

/* While following on a terminal, refresh the window countdown this often. */
#define CTL_STATUS_TICK_MS	500

/* What status shows. */
enum ctl_follow {
	CTL_FOLLOW_ONCE,	/* one snapshot */
	CTL_FOLLOW_PHASE,	/* on a terminal: the phase running now */
	CTL_FOLLOW_ONE,		/* --follow: the operation running, else the
				   next one, to its end */
	CTL_FOLLOW_ALL,		/* --follow-all: operation after operation */
};

struct ctl_journal_ctx {
	json_t	*all;		/* --json: the records, as an array */
	size_t	 bad;
};

static int	 ctl_status_over(const struct exitpt_report *);
static int	 ctl_status_show(const struct exitpt_report *, enum ctl_follow,
		     int);
static json_t	*ctl_journal_render(json_t *);
static void	 ctl_journal_text(json_t *, int64_t);
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
 * Print one snapshot: JSON (one line per snapshot when following), or
 * text, redrawn in place when following on a terminal.
 */
static int
ctl_status_show(const struct exitpt_report *r, enum ctl_follow follow,
    int tty)
{
	json_t	*o;
	int	 rv;

	if (ctl_opts.json && follow == CTL_FOLLOW_ONCE)
		return (ctl_json_print(driver_report_json(r)));
	if (ctl_opts.json) {
		if ((o = driver_report_json(r)) == NULL)
			return (ctl_fail("status", -ENOMEM, "output"));
		rv = json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
		json_decref(o);
		if (rv != 0 || fputc('\n', stdout) == EOF)
			return (DRIVER_EXIT_IO);
	} else {
		if (follow != CTL_FOLLOW_ONCE && tty)
			fputs("\033[H\033[2J", stdout);
		driver_report_print(stdout, r, NULL, NULL);
	}
	return (fflush(stdout) == EOF ? DRIVER_EXIT_IO : DRIVER_EXIT_OK);
}

/*
 * exitctl status [--follow|--follow-all|--once] [--json]: print the
 * current or last operation.  On a terminal the view is redrawn in place
 * while a phase runs.  --follow follows the operation that runs to its
 * end, or, when none runs, waits for the next one (like journalctl -f);
 * --follow-all goes on with the next operation until interrupted.  Every
 * wait is exitpt_client_wait() on the status generation: no polling.
 */
int
ctl_status(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "follow-all", no_argument, NULL, 'F' },
		{ "once", no_argument, NULL, '1' },
		{ NULL, 0, NULL, 0 }
	};
	struct exitpt_client	*c;
	struct exitpt_report	*r = NULL, *n;
	const char		*cmd = argv[0];
	enum ctl_follow		 follow;
	uint64_t		 done_op = 0;
	int			 ch, error, rv = DRIVER_EXIT_OK, tty, given;
	int			 timeout, have_done, said = 0;

	tty = isatty(STDOUT_FILENO);
	given = 0;
	follow = CTL_FOLLOW_ONCE;
	while ((ch = ctl_getopt(argc, argv, longopts)) != -1) {
		switch (ch) {
		case 'f':
			follow = CTL_FOLLOW_ONE;
			break;
		case 'F':
			follow = CTL_FOLLOW_ALL;
			break;
		case '1':
			follow = CTL_FOLLOW_ONCE;
			break;
		default:
			return (ctl_usage_error(cmd, "unknown option"));
		}
		given = 1;
	}
	if (optind != argc)
		return (ctl_usage_error(cmd, "unexpected argument '%s'",
		    argv[optind]));
	/* On a terminal the view follows the phase that runs now. */
	if (!given && tty && !ctl_opts.json)
		follow = CTL_FOLLOW_PHASE;
	if ((rv = ctl_open(cmd, &c)) != 0)
		return (rv);
	if ((error = exitpt_client_status(c, &r)) != 0) {
		rv = ctl_fail(cmd, error, "status");
		goto out;
	}
	/* Following: an operation already over is not the one to show. */
	have_done = follow >= CTL_FOLLOW_ONE && ctl_status_over(r);
	if (have_done)
		done_op = exitpt_report_operation(r);
	for (;;) {
		if (have_done && ctl_status_over(r) &&
		    exitpt_report_operation(r) == done_op) {
			/* With --json, stdout holds nothing but JSON. */
			if (!said && ctl_opts.json)
				fprintf(stderr, "exitctl: status: no operation "
				    "running; waiting for the next one\n");
			else if (!said) {
				printf("no operation running; waiting for "
				    "the next one\n");
				if (fflush(stdout) == EOF) {
					rv = DRIVER_EXIT_IO;
					break;
				}
			}
			said = 1;
		} else {
			if ((rv = ctl_status_show(r, follow, tty)) != 0)
				break;
			said = 0;
			if (follow == CTL_FOLLOW_ONCE ||
			    (follow == CTL_FOLLOW_PHASE &&
			    exitpt_report_outcome(r) != EXITPT_OUTCOME_RUNNING))
				break;
			if (ctl_status_over(r)) {
				if (follow == CTL_FOLLOW_ONE)
					break;
				have_done = 1;
				done_op = exitpt_report_operation(r);
				continue;
			}
		}
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

/*
 * A journal record in exitctl's conventions: "time" (milliseconds since
 * the epoch in the journal) as ISO 8601, and the members the journal keeps
 * in seconds as milliseconds under *_ms names, in nested objects too.
 * Returns a new object, or NULL when out of memory.
 */
static json_t *
ctl_journal_render(json_t *rec)
{
	static const char	*const seconds[] = {
		"window", "wait", "check_timeout", "cancel_timeout",
		"complete_timeout", "recovery_timeout",
	};
	json_t			*out, *v, *nv;
	const char		*key;
	char			 name[64], when[64];
	size_t			 i;

	if ((out = json_object()) == NULL)
		return (NULL);
	json_object_foreach(rec, key, v) {
		snprintf(name, sizeof(name), "%s", key);
		if (json_is_object(v))
			nv = ctl_journal_render(v);
		else if (strcmp(key, "time") == 0 && json_is_integer(v) &&
		    text_time_iso(json_integer_value(v), when,
		    sizeof(when)) == 0)
			nv = json_string(when);
		else
			nv = json_incref(v);
		for (i = 0; i < nitems(seconds) && json_is_integer(v); i++) {
			if (strcmp(key, seconds[i]) != 0)
				continue;
			snprintf(name, sizeof(name), "%s_ms", key);
			json_decref(nv);
			nv = json_integer(json_integer_value(v) * 1000);
		}
		if (nv == NULL || json_object_set_new(out, name, nv) != 0) {
			json_decref(out);
			return (NULL);
		}
	}
	return (out);
}

/* Print a rendered journal record as one readable line. */
static void
ctl_journal_text(json_t *rec, int64_t ms)
{
	const char	*key, *op, *event;
	json_t		*v;
	char		 when[32], *s;

	ctl_time(ms, when, sizeof(when));
	op = json_string_value(json_object_get(rec, "op"));
	event = json_string_value(json_object_get(rec, "event"));
	printf("%s %s %s", when, op != NULL ? op : "-",
	    event != NULL ? event : "-");
	json_object_foreach(rec, key, v) {
		if (strcmp(key, "time") == 0 || strcmp(key, "op") == 0 ||
		    strcmp(key, "event") == 0)
			continue;
		if (json_is_string(v)) {
			printf(" %s=\"", key);
			driver_put_text(stdout, json_string_value(v));
			putchar('"');
		}
		else if (json_is_integer(v))
			printf(" %s=%" JSON_INTEGER_FORMAT, key,
			    json_integer_value(v));
		else if (json_is_boolean(v))
			printf(" %s=%s", key, json_is_true(v) ? "true" :
			    "false");
		else if (json_is_object(v)) {
			s = json_dumps(v, JSON_COMPACT);
			printf(" %s=%s", key, s != NULL ? s : "?");
			free(s);
		}
	}
	putchar('\n');
}

/* Print one journal record as a readable line, or collect it. */
static int
ctl_journal_line_cb(const char *line, void *arg)
{
	struct ctl_journal_ctx	*ctx = arg;
	json_error_t		 jerr;
	json_t			*rec, *out;
	int64_t			 ms;

	if ((rec = json_loads(line, 0, &jerr)) == NULL ||
	    !json_is_object(rec)) {
		json_decref(rec);
		ctx->bad++;
		fprintf(stderr, "exitctl: journal: torn or malformed record "
		    "skipped: %.60s\n", line);
		return (0);
	}
	ms = json_integer_value(json_object_get(rec, "time"));
	out = ctl_journal_render(rec);
	json_decref(rec);
	if (out == NULL)
		return (-ENOMEM);
	if (ctx->all != NULL)
		return (json_array_append_new(ctx->all, out) != 0 ? -ENOMEM :
		    0);
	ctl_journal_text(out, ms);
	json_decref(out);
	return (0);
}

/* exitctl journal [--json]: print exitd's journal. */
int
ctl_journal(int argc, char **argv)
{
	struct ctl_journal_ctx	 ctx;
	struct exitpt_client	*c;
	const char		*cmd = argv[0];
	int			 error, rv;

	if ((rv = ctl_noopt(cmd, argc, argv)) != 0)
		return (rv);
	if (optind != argc)
		return (ctl_usage_error(cmd, "unexpected argument '%s'",
		    argv[optind]));
	memset(&ctx, 0, sizeof(ctx));
	if (ctl_opts.json && (ctx.all = json_array()) == NULL)
		return (ctl_fail(cmd, -ENOMEM, "output"));
	if ((rv = ctl_open(cmd, &c)) != 0) {
		json_decref(ctx.all);
		return (rv);
	}
	if ((error = exitpt_client_journal(c, ctl_journal_line_cb,
	    &ctx)) != 0)
		rv = ctl_fail(cmd, error, "cannot read the journal");
	exitpt_client_close(c);
	if (ctx.all != NULL) {
		if (rv == DRIVER_EXIT_OK)
			rv = ctl_json_print(ctx.all);
		else
			json_decref(ctx.all);
	}
	return (rv);
}
