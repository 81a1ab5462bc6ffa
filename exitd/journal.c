/*
 * The journal: an append-only file of JSON lines in the state directory,
 * one record per operation start/end, phase start/end, participant call
 * and participant answer.  It is synced at phase boundaries, and read back
 * at start-up to rebuild an operation that exitd did not finish.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitd.h"

#define JOURNAL_NAME		"journal"
#define JOURNAL_LINE_MAX	(64 * 1024)

static int	 journal_fd = -1;
static char	*journal_file;

static const char *journal_phase_names[PHASE_NKINDS] = {
	"none", "check", "prepare", "cancel", "complete"
};

static void	 journal_write(json_t *);
static json_t	*journal_string(const char *);
static json_t	*journal_record(const struct operation *, const char *);
static int	 journal_phase_kind(const char *);
static void	 journal_replay(struct operation *, json_t *);
static struct participant *journal_part(struct operation *, json_t *, int);
static void	 journal_forget(struct operation *);

/* Open (creating) the journal in the state directory for appending. */
int
journal_open(const char *state_dir)
{
	xasprintf(&journal_file, "%s/%s", state_dir, JOURNAL_NAME);
	/* Never through a symbolic link: see exitd_check_state(). */
	journal_fd = open(journal_file, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC | O_NOFOLLOW, 0644);
	if (journal_fd == -1)
		return (-errno);
	return (0);
}

/* Sync and close the journal. */
void
journal_close(void)
{
	if (journal_fd != -1) {
		journal_sync();
		close(journal_fd);
	}
	journal_fd = -1;
	free(journal_file);
	journal_file = NULL;
}

/* Path of the journal file, for readers. */
const char *
journal_path(void)
{
	return (journal_file);
}

/* Push the journal to disk: called at every phase boundary. */
void
journal_sync(void)
{
	if (journal_fd != -1 && fdatasync(journal_fd) == -1)
		log_warn("journal: fdatasync %s", journal_file);
}

/* Append one record as a line with a single write, then free it. */
static void
journal_write(json_t *rec)
{
	char	*line;
	size_t	 len, off = 0;
	ssize_t	 n;

	line = json_dumps(rec, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(rec);
	if (line == NULL) {
		log_warnx("journal: cannot encode a record");
		return;
	}
	len = strlen(line);
	line[len++] = '\n';	/* json_dumps leaves room: replace the NUL */
	while (off < len) {
		if ((n = write(journal_fd, line + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("journal: write %s", journal_file);
			break;
		}
		off += (size_t)n;
	}
	free(line);
}

/*
 * A JSON string of text that exit programs and operators chose (paths,
 * reasons, program data): bytes that are not UTF-8 become '?', so that a
 * record is never lost for an odd byte.
 */
static json_t *
journal_string(const char *s)
{
	json_t	*v;
	char	*copy, *p;

	if ((v = json_string(s != NULL ? s : "")) != NULL)
		return (v);
	copy = xstrdup(s);
	for (p = copy; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	}
	v = json_string(copy);
	free(copy);
	return (v);
}

/* Start a record with the time, the operation id and the event name. */
static json_t *
journal_record(const struct operation *op, const char *event)
{
	struct timespec	ts;
	char		id[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(id, sizeof(id), "%016" PRIx64, op->id);
	return (json_pack("{s:I, s:s, s:s}", "time", (json_int_t)ts.tv_sec *
	    1000 + ts.tv_nsec / 1000000, "op", id, "event", event));
}

/*
 * Record an operation's start ("start"), its end ("end"), or that exitd
 * stopped while it was open ("interrupted"), and sync.
 */
void
journal_operation(const struct operation *op, const char *what)
{
	json_t	*rec;

	if (strcmp(what, "start") == 0) {
		rec = journal_record(op, "operation-start");
		json_object_set_new(rec, "action", json_integer(op->action));
		json_object_set_new(rec, "validate_only",
		    json_boolean(op->validate_only));
	} else if (strcmp(what, "interrupted") == 0) {
		rec = journal_record(op, "interrupted");
		json_object_set_new(rec, "phase",
		    json_string(journal_phase_names[op->cur]));
	} else {
		rec = journal_record(op, "operation-end");
		json_object_set_new(rec, "outcome",
		    json_string(exitpt_outcome_name(op->outcome)));
	}
	journal_write(rec);
	journal_sync();
}

/* Record a phase start ("start") or end ("end"), and sync. */
void
journal_phase(const struct operation *op, const struct phase *ph,
    const char *what)
{
	json_t	*rec;

	rec = journal_record(op, strcmp(what, "start") == 0 ? "phase-start" :
	    "phase-end");
	json_object_set_new(rec, "phase",
	    json_string(journal_phase_names[ph->kind]));
	json_object_set_new(rec, "window", json_integer(op->window));
	if (ph->kind == EXITPT_OP_COMPLETE)
		json_object_set_new(rec, "system_state",
		    json_integer(op->system_state));
	if (strcmp(what, "start") == 0)
		json_object_set_new(rec, "participants",
		    json_integer((json_int_t)ph->ncalls));
	else
		json_object_set_new(rec, "outcome",
		    json_string(exitpt_outcome_name(ph->outcome)));
	journal_write(rec);
	journal_sync();
}

/*
 * Record that a participant is being called and with what: written
 * before the program starts, so that after a crash exitd knows it was
 * reached and does not call it twice.
 */
void
journal_call_start(const struct operation *op, const struct phase *ph,
    const struct call *c)
{
	const struct registry_entry	*e = &c->part->entry;
	json_t				*rec;

	rec = journal_record(op, "call");
	json_object_set_new(rec, "phase",
	    json_string(journal_phase_names[ph->kind]));
	json_object_set_new(rec, "kind",
	    json_string(exitpt_participant_name(c->part->kind)));
	json_object_set_new(rec, "point",
	    json_string(registry_point_name(e->point)));
	json_object_set_new(rec, "number", json_integer(e->number));
	json_object_set_new(rec, "who", journal_string(e->program));
	json_object_set_new(rec, "user", journal_string(e->user));
	json_object_set_new(rec, "data", journal_string(e->data));
	json_object_set_new(rec, "check_timeout",
	    json_integer(e->check_timeout));
	json_object_set_new(rec, "complete_timeout",
	    json_integer(e->complete_timeout));
	json_object_set_new(rec, "given", json_pack("{s:i, s:i, s:i}",
	    "action", op->action,
	    "request", ph->kind == EXITPT_OP_CANCEL ? EXITPT_REQUEST_CANCEL :
	    ph->kind == EXITPT_OP_PREPARE ? EXITPT_REQUEST_PREPARE : 0,
	    ph->kind == EXITPT_OP_COMPLETE ? "system_state" : "window",
	    ph->kind == EXITPT_OP_COMPLETE ? op->system_state : op->window));
	journal_write(rec);
}

/* Record a participant's answer and how its call ended. */
void
journal_answer(const struct operation *op, const struct phase *ph,
    const struct call *c)
{
	json_t	*rec;

	rec = journal_record(op, "answer");
	json_object_set_new(rec, "phase",
	    json_string(journal_phase_names[ph->kind]));
	json_object_set_new(rec, "kind",
	    json_string(exitpt_participant_name(c->part->kind)));
	json_object_set_new(rec, "point",
	    json_string(registry_point_name(c->part->entry.point)));
	json_object_set_new(rec, "number", json_integer(c->part->entry.number));
	json_object_set_new(rec, "who", journal_string(c->part->entry.program));
	if (ph->kind == EXITPT_OP_CHECK) {
		json_object_set_new(rec, "status", json_integer(c->status));
		json_object_set_new(rec, "wait", json_integer(c->wait));
		json_object_set_new(rec, "effective", json_string(c->effective ?
		    "allow" : "veto"));
	}
	json_object_set_new(rec, "end", json_string(exitpt_end_name(c->end)));
	json_object_set_new(rec, "code", json_integer(c->code));
	json_object_set_new(rec, "reason", journal_string(c->reason));
	json_object_set_new(rec, "duration_ms",
	    json_integer((json_int_t)c->duration_ms));
	if (c->output_dropped > 0)
		json_object_set_new(rec, "output_dropped",
		    json_integer((json_int_t)c->output_dropped));
	journal_write(rec);
}

/* Map a phase name of the journal to its kind, or -1. */
static int
journal_phase_kind(const char *name)
{
	int	i;

	for (i = 1; i < PHASE_NKINDS; i++) {
		if (name != NULL && strcmp(name, journal_phase_names[i]) == 0)
			return (i);
	}
	return (-1);
}

/*
 * Find the suspend participant a record names (number and program), or
 * add it when add is set; NULL if it is not known.
 */
static struct participant *
journal_part(struct operation *op, json_t *rec, int add)
{
	struct participant	*p;
	const char		*who, *user, *data;
	json_int_t		 number, ct, pt;
	size_t			 i;

	who = json_string_value(json_object_get(rec, "who"));
	number = json_integer_value(json_object_get(rec, "number"));
	if (who == NULL)
		return (NULL);
	for (i = 0; i < op->nparts; i++) {
		p = &op->parts[i];
		if (p->entry.number == number && strcmp(p->entry.program,
		    who) == 0)
			return (p);
	}
	if (!add)
		return (NULL);
	user = json_string_value(json_object_get(rec, "user"));
	data = json_string_value(json_object_get(rec, "data"));
	ct = json_integer_value(json_object_get(rec, "check_timeout"));
	pt = json_integer_value(json_object_get(rec, "complete_timeout"));
	op->parts = xreallocarray(op->parts, op->nparts + 1, sizeof(*p));
	p = &op->parts[op->nparts++];
	memset(p, 0, sizeof(*p));
	p->kind = EXITPT_PARTICIPANT_PROGRAM;
	p->entry.point = REGISTRY_SUSPEND;
	p->entry.number = (int32_t)number;
	p->entry.program = xstrdup(who);
	p->entry.user = xstrdup(user != NULL ? user : "root");
	p->entry.data = xstrdup(data != NULL ? data : "");
	p->entry.text = xstrdup("");
	p->entry.check_timeout = ct > 0 ? (int)ct : REGISTRY_CHECK_TIMEOUT;
	p->entry.complete_timeout = pt > 0 ? (int)pt :
	    REGISTRY_COMPLETE_TIMEOUT;
	/* Reached by Check but no answer recorded: counts as allow. */
	p->allowed = 1;
	return (p);
}

/* Apply one journal record of the operation being rebuilt. */
static void
journal_replay(struct operation *op, json_t *rec)
{
	const char		*event, *who, *pkind;
	struct participant	*p;
	int			 kind;
	json_t			*v;

	event = json_string_value(json_object_get(rec, "event"));
	kind = journal_phase_kind(json_string_value(json_object_get(rec,
	    "phase")));
	if (event == NULL)
		return;
	/*
	 * Only exit programs are participants to reach again after a
	 * restart; the critical sections' answer is Check's own record.
	 */
	pkind = json_string_value(json_object_get(rec, "kind"));
	if (pkind != NULL && strcmp(pkind, "program") != 0)
		return;
	if (strcmp(event, "phase-start") == 0 && kind > 0) {
		op->cur = kind;
		if (kind == EXITPT_OP_COMPLETE)
			op->system_state = (int)json_integer_value(
			    json_object_get(rec, "system_state"));
	} else if (strcmp(event, "phase-end") == 0 && kind > 0) {
		if ((v = json_object_get(rec, "window")) != NULL)
			op->window = (int)json_integer_value(v);
	} else if (strcmp(event, "call") == 0 && kind == EXITPT_OP_CHECK)
		journal_part(op, rec, 1);
	else if (strcmp(event, "call") == 0 && kind == EXITPT_OP_CANCEL) {
		if ((p = journal_part(op, rec, 1)) != NULL)
			p->cancel_sent = 1;
	} else if (strcmp(event, "call") == 0 && kind == EXITPT_OP_COMPLETE) {
		if ((who = json_string_value(json_object_get(rec, "who"))) ==
		    NULL)
			return;
		op->resumed = xreallocarray(op->resumed, op->nresumed + 1,
		    sizeof(*op->resumed));
		xasprintf(&op->resumed[op->nresumed++], "%lld %s",
		    (long long)json_integer_value(json_object_get(rec,
		    "number")), who);
	} else if (strcmp(event, "answer") == 0 && kind == EXITPT_OP_CHECK) {
		v = json_object_get(rec, "effective");
		if ((p = journal_part(op, rec, 0)) != NULL &&
		    json_string_value(v) != NULL)
			p->allowed = strcmp(json_string_value(v), "veto") != 0;
	}
}

/* Free what a rebuilt operation holds. */
static void
journal_forget(struct operation *op)
{
	size_t	i;

	for (i = 0; i < op->nparts; i++) {
		free(op->parts[i].entry.program);
		free(op->parts[i].entry.user);
		free(op->parts[i].entry.data);
		free(op->parts[i].entry.text);
	}
	for (i = 0; i < op->nresumed; i++)
		free(op->resumed[i]);
	free(op->parts);
	free(op->resumed);
	memset(op, 0, sizeof(*op));
}

/*
 * Read the journal and rebuild the last operation if it did not end.
 * Returns 1 with op filled, 0 when nothing is left open, or -errno.  A
 * torn or malformed line (exitd died mid-append) is reported and
 * skipped; a torn last line is closed with a newline so that the next
 * record starts on a line of its own.
 */
int
journal_recover(struct operation *op)
{
	FILE		*fp;
	json_t		*rec;
	json_error_t	 jerr;
	char		*line = NULL;
	const char	*id, *event;
	size_t		 cap = 0;
	ssize_t		 n;
	int		 fd, lineno = 0, torn = 0;
	char		 cur[32] = "";

	memset(op, 0, sizeof(*op));
	if ((fd = open(journal_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) ==
	    -1)
		return (errno == ENOENT ? 0 : -errno);
	if ((fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		return (-errno);
	}
	while ((n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		torn = line[n - 1] != '\n';
		if ((rec = json_loadb(line, (size_t)n, 0, &jerr)) == NULL ||
		    !json_is_object(rec)) {
			log_warnx("journal: %s:%d: %s record skipped",
			    journal_file, lineno, torn ? "torn" : "malformed");
			json_decref(rec);
			continue;
		}
		id = json_string_value(json_object_get(rec, "op"));
		event = json_string_value(json_object_get(rec, "event"));
		if (id == NULL || event == NULL) {
			log_warnx("journal: %s:%d: record without op or "
			    "event skipped", journal_file, lineno);
			json_decref(rec);
			continue;
		}
		if (strcmp(event, "operation-start") == 0) {
			journal_forget(op);
			snprintf(cur, sizeof(cur), "%s", id);
			op->id = strtoull(id, NULL, 16);
			op->action = (int)json_integer_value(
			    json_object_get(rec, "action"));
			op->validate_only = json_is_true(json_object_get(rec,
			    "validate_only"));
			op->system_state = -1;
			op->open = 1;
		} else if (strcmp(id, cur) == 0 && op->open) {
			if (strcmp(event, "operation-end") == 0)
				op->open = 0;
			else
				journal_replay(op, rec);
		}
		json_decref(rec);
	}
	free(line);
	fclose(fp);
	if (torn && write(journal_fd, "\n", 1) != 1)
		log_warn("journal: cannot close the torn line");
	if (!op->open) {
		journal_forget(op);
		return (0);
	}
	return (1);
}
