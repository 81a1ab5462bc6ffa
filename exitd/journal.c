/*
 * The journal: an append-only file of JSON lines in the state directory,
 * one record per operation start/end, phase start/end, participant call
 * and participant answer.  It is synced at phase boundaries, and read back
 * at start-up to rebuild an operation that exitd did not finish.
 */
#include <sys/stat.h>
#include <sys/statvfs.h>

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
#include "protocol.h"

#define JOURNAL_NAME		"journal"
#define JOURNAL_LINE_MAX	(64 * 1024)
/*
 * Space reserved for an operation: a base for its own records, and per
 * participant room for nine records (call, process and answer in three
 * phases), each with a fixed part, its key, name and identity (up to six
 * bytes a byte once escaped), and its reason.
 */
#define JOURNAL_RESERVE_BASE	(16 * 1024)
#define JOURNAL_RECORD_FIXED	768
#define JOURNAL_REASON_MAX	(6 * 256)

static int			 journal_fd = -1;
static char			*journal_file;
static struct engine_observer	*journal_observer;
/* Why the last operation could not start ("": it could). */
static char			 journal_refusal[PROTO_REASON_MAX];
/* Records of the current operation that could not be written. */
static char			 journal_loss[PROTO_REASON_MAX];
static unsigned int		 journal_lost;

static const char *journal_phase_names[PHASE_NKINDS] = {
	"none", "check", "prepare", "cancel", "complete"
};

static void	 journal_write(json_t *);
static void	 journal_failed(int);
static json_t	*journal_record(const struct engine_event *, const char *);
static void	 journal_event_cb(const struct engine_event *, void *);
static void	 journal_call(json_t *, const struct engine_event *);
static int	 journal_phase_kind(const char *);
static int	 journal_parse(json_t *, struct engine_record *, char *,
		     size_t);

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
	phase_unobserve(journal_observer);
	journal_observer = NULL;
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
	if (journal_fd != -1 && fdatasync(journal_fd) == -1) {
		log_warn("journal: fdatasync %s", journal_file);
		journal_failed(errno);
	}
}

/*
 * Make sure the journal can take an operation of nparts participants
 * whose keys add up to keybytes: reserve the space its records need
 * beyond the end of the file (fallocate, without changing its size), or
 * where that is not supported, check that the file system has it.
 * Returns 0, or -errno with journal_problem() saying what failed.
 */
int
journal_reserve(size_t nparts, size_t keybytes)
{
	struct statvfs	 vfs;
	struct stat	 st;
	off_t		 need;
	int		 error = 0;

	need = JOURNAL_RESERVE_BASE + (off_t)nparts * (9 * JOURNAL_RECORD_FIXED +
	    3 * JOURNAL_REASON_MAX) + (off_t)keybytes * 9 * 3 * 6;
	if (journal_fd == -1)
		error = -EBADF;
	else if (fstat(journal_fd, &st) == -1)
		error = -errno;
	else if (fallocate(journal_fd, FALLOC_FL_KEEP_SIZE, st.st_size,
	    need) == -1) {
		error = -errno;
		if ((error == -EOPNOTSUPP || error == -ENOSYS) &&
		    fstatvfs(journal_fd, &vfs) == 0)
			error = (off_t)vfs.f_bavail * (off_t)vfs.f_frsize >=
			    need ? 0 : -ENOSPC;
	}
	if (error != 0) {
		snprintf(journal_refusal, sizeof(journal_refusal), "journal "
		    "%s: %s (an operation with %zu participants needs %lld "
		    "KiB)", journal_file, strerror(-error), nparts,
		    (long long)(need + 1023) / 1024);
		log_warnx("%s", journal_refusal);
		return (error);
	}
	journal_refusal[0] = '\0';
	return (0);
}

/* Why the last reservation failed (the refused operation), or NULL. */
const char *
journal_problem(void)
{
	return (journal_refusal[0] != '\0' ? journal_refusal : NULL);
}

/* How many records of the current operation were lost, or NULL. */
const char *
journal_warning(void)
{
	return (journal_lost > 0 ? journal_loss : NULL);
}

/* A record could not be written: say so once, then count. */
static void
journal_failed(int error)
{
	journal_lost++;
	snprintf(journal_loss, sizeof(journal_loss), "journal %s: %s; %u "
	    "record%s of this operation could not be written", journal_file,
	    strerror(error), journal_lost, journal_lost == 1 ? "" : "s");
	if (journal_lost == 1)
		log_warnx("%s", journal_loss);
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
		journal_failed(ENOMEM);
		return;
	}
	len = strlen(line);
	line[len++] = '\n';	/* json_dumps leaves room: replace the NUL */
	while (off < len) {
		if ((n = write(journal_fd, line + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			journal_failed(errno);
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
json_t *
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
journal_record(const struct engine_event *ev, const char *event)
{
	struct timespec	ts;
	char		id[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(id, sizeof(id), "%016" PRIx64, ev->operation);
	return (json_pack("{s:I, s:s, s:s}", "time", (json_int_t)ts.tv_sec *
	    1000 + ts.tv_nsec / 1000000, "op", id, "event", event));
}

/*
 * The fields of a call, answer or late-answer record that name the
 * participant: its kind, key, exit point, number and name, and on a call
 * record its identity ("id", everything a restarted exitd needs to reach
 * it again) and what it was given.
 */
static void
journal_call(json_t *rec, const struct engine_event *ev)
{
	const struct engine_call_view	*v = ev->call;
	const struct part		*p = ev->part;
	json_t				*id;

	json_object_set_new(rec, "phase",
	    json_string(journal_phase_names[ev->phase]));
	if (ev->type == ENGINE_LATE_ANSWER)
		json_object_set_new(rec, "call", json_integer((json_int_t)
		    v->id));
	if (p == NULL && v != NULL && v->key != NULL && *v->key != '\0') {
		/* A call of an operation that ended, as its status kept it. */
		json_object_set_new(rec, "kind", json_string(v->kind_name));
		json_object_set_new(rec, "key", journal_string(v->key));
		json_object_set_new(rec, "point",
		    json_string(registry_point_name(v->point)));
		json_object_set_new(rec, "number", json_integer(v->number));
		json_object_set_new(rec, "who", journal_string(v->who));
		return;
	}
	if (p == NULL)
		return;
	json_object_set_new(rec, "kind", json_string(part_ops(p)->name));
	json_object_set_new(rec, "key", journal_string(part_key(p)));
	json_object_set_new(rec, "point",
	    json_string(registry_point_name(part_point(p))));
	json_object_set_new(rec, "number", json_integer(part_number(p)));
	json_object_set_new(rec, "who", journal_string(part_who(p)));
	if (ev->type != ENGINE_CALL_STARTED)
		return;
	if ((id = part_ops(p)->identity(p)) == NULL) {
		log_warnx("journal: the identity of %s participant %s cannot "
		    "be recorded", part_ops(p)->name, part_key(p));
		id = json_object();
	}
	json_object_set_new(rec, "id", id);
	json_object_set_new(rec, "given", json_pack("{s:i, s:i, s:i}",
	    "action", ev->action,
	    "request", ev->phase == EXITPT_OP_CANCEL ? EXITPT_REQUEST_CANCEL :
	    ev->phase == EXITPT_OP_PREPARE ? EXITPT_REQUEST_PREPARE : 0,
	    ev->phase == EXITPT_OP_COMPLETE ? "system_state" : "window",
	    ev->phase == EXITPT_OP_COMPLETE ? ev->system_state : ev->window));
}

/*
 * The journal as an observer of the engine: one record per operation
 * start and end, phase start and end, call, answer and late answer.  It
 * syncs at operation and phase boundaries; a call is written before its
 * participant starts, so that after a crash it counts as reached.
 */
static void
journal_event_cb(const struct engine_event *ev, void *arg)
{
	const struct engine_call_view	*v = ev->call;
	json_t				*rec;
	int				 sync = 1;

	switch (ev->type) {
	case ENGINE_OPERATION_STARTED:
		journal_lost = 0;
		rec = journal_record(ev, "operation-start");
		json_object_set_new(rec, "action", json_integer(ev->action));
		json_object_set_new(rec, "validate_only",
		    json_boolean(ev->validate_only));
		json_object_set_new(rec, "driver", journal_string(ev->driver));
		if (ev->force)
			json_object_set_new(rec, "force", json_true());
		break;
	case ENGINE_OPERATION_INTERRUPTED:
		rec = journal_record(ev, "interrupted");
		json_object_set_new(rec, "phase",
		    json_string(journal_phase_names[ev->phase]));
		break;
	case ENGINE_OPERATION_ENDED:
		rec = journal_record(ev, "operation-end");
		json_object_set_new(rec, "outcome",
		    json_string(exitpt_outcome_name(ev->outcome)));
		break;
	case ENGINE_PHASE_STARTED:
	case ENGINE_PHASE_ENDED:
		rec = journal_record(ev, ev->type == ENGINE_PHASE_STARTED ?
		    "phase-start" : "phase-end");
		json_object_set_new(rec, "phase",
		    json_string(journal_phase_names[ev->phase]));
		json_object_set_new(rec, "window", json_integer(ev->window));
		if (ev->phase == EXITPT_OP_COMPLETE)
			json_object_set_new(rec, "system_state",
			    json_integer(ev->system_state));
		if (ev->type == ENGINE_PHASE_ENDED)
			json_object_set_new(rec, "outcome",
			    json_string(exitpt_outcome_name(ev->outcome)));
		else {
			json_object_set_new(rec, "participants",
			    json_integer((json_int_t)ev->ncalls));
			if (ev->driver != NULL)
				json_object_set_new(rec, "driver",
				    journal_string(ev->driver));
		}
		break;
	case ENGINE_CALL_STARTED:
		rec = journal_record(ev, "call");
		journal_call(rec, ev);
		sync = 0;
		break;
	case ENGINE_ANSWER:
	case ENGINE_LATE_ANSWER:
		rec = journal_record(ev, ev->type == ENGINE_ANSWER ?
		    "answer" : "late-answer");
		journal_call(rec, ev);
		if (ev->phase == EXITPT_OP_CHECK) {
			json_object_set_new(rec, "status",
			    json_integer(v->status));
			json_object_set_new(rec, "wait", json_integer(v->wait));
			if (ev->type == ENGINE_ANSWER)
				json_object_set_new(rec, "effective",
				    json_string(v->effective ? "allow" :
				    "veto"));
		}
		json_object_set_new(rec, "end",
		    json_string(exitpt_end_name(v->end)));
		json_object_set_new(rec, "code", json_integer(v->code));
		json_object_set_new(rec, "reason", journal_string(v->reason));
		if (ev->type == ENGINE_LATE_ANSWER)
			json_object_set_new(rec, "late", json_string(ev->late));
		else
			json_object_set_new(rec, "duration_ms",
			    json_integer((json_int_t)v->duration_ms));
		if (v->pid > 0)
			json_object_set_new(rec, "pid", json_integer(v->pid));
		if (v->output_dropped > 0)
			json_object_set_new(rec, "output_dropped",
			    json_integer((json_int_t)v->output_dropped));
		sync = 0;
		break;
	case ENGINE_CALL_PROCESS:
		rec = journal_record(ev, "process");
		journal_call(rec, ev);
		json_object_set_new(rec, "call", json_integer((json_int_t)
		    v->id));
		json_object_set(rec, "process", ev->process);
		sync = 0;
		break;
	case ENGINE_STALE_ENDED:
		rec = journal_record(ev, "stale-ended");
		journal_call(rec, ev);
		json_object_set_new(rec, "how", journal_string(ev->how));
		break;
	default:
		return;
	}
	journal_write(rec);
	if (sync)
		journal_sync();
	if (ev->type == ENGINE_PHASE_ENDED && journal_lost > 0)
		log_warnx("operation %016" PRIx64 ": %s", ev->operation,
		    journal_loss);
}

/* Subscribe the journal to the engine's events. */
void
journal_observe(void)
{
	if (journal_observer == NULL)
		journal_observer = phase_observe(journal_event_cb, NULL);
}

/* Map a phase name of the journal to its kind, or 0. */
static int
journal_phase_kind(const char *name)
{
	int	i;

	for (i = 1; i < PHASE_NKINDS; i++) {
		if (name != NULL && strcmp(name, journal_phase_names[i]) == 0)
			return (i);
	}
	return (0);
}

/* An integer member of a record, or def when absent or not an integer. */
static json_int_t
journal_int(json_t *rec, const char *name, json_int_t def)
{
	json_t	*v = json_object_get(rec, name);

	return (json_is_integer(v) ? json_integer_value(v) : def);
}

/*
 * Parse one record into what recovery needs.  Returns 0, or -1 for a
 * record recovery does not use.  Records written before participants had
 * a key (exitd before protocol 2, when only exit programs were reached
 * again) name a participant by number and path: that becomes its key,
 * and the record itself its identity.
 */
static int
journal_parse(json_t *j, struct engine_record *rec, char *key, size_t keylen)
{
	const char	*event, *v;
	json_t		*eff;

	memset(rec, 0, sizeof(*rec));
	event = json_string_value(json_object_get(j, "event"));
	if (strcmp(event, "operation-start") == 0)
		rec->type = ENGINE_OPERATION_STARTED;
	else if (strcmp(event, "operation-end") == 0)
		rec->type = ENGINE_OPERATION_ENDED;
	else if (strcmp(event, "phase-start") == 0)
		rec->type = ENGINE_PHASE_STARTED;
	else if (strcmp(event, "phase-end") == 0)
		rec->type = ENGINE_PHASE_ENDED;
	else if (strcmp(event, "call") == 0)
		rec->type = ENGINE_CALL_STARTED;
	else if (strcmp(event, "answer") == 0)
		rec->type = ENGINE_ANSWER;
	else if (strcmp(event, "process") == 0)
		rec->type = ENGINE_CALL_PROCESS;
	else
		return (-1);
	rec->operation = strtoull(json_string_value(json_object_get(j, "op")),
	    NULL, 16);
	rec->action = (int)journal_int(j, "action", 0);
	rec->validate_only = json_is_true(json_object_get(j, "validate_only"));
	rec->force = json_is_true(json_object_get(j, "force"));
	rec->phase = journal_phase_kind(json_string_value(json_object_get(j,
	    "phase")));
	rec->window = (int)journal_int(j, "window", -1);
	rec->system_state = (int)journal_int(j, "system_state", -1);
	rec->driver = json_string_value(json_object_get(j, "driver"));
	rec->kind = json_string_value(json_object_get(j, "kind"));
	rec->point = registry_point_parse(json_string_value(json_object_get(j,
	    "point")));
	if (rec->point < 0)
		rec->point = REGISTRY_SUSPEND;
	rec->who = json_string_value(json_object_get(j, "who"));
	rec->number = (int32_t)journal_int(j, "number", 0);
	rec->key = json_string_value(json_object_get(j, "key"));
	if (rec->key == NULL && rec->who != NULL) {
		snprintf(key, keylen, "%ld %s", (long)rec->number, rec->who);
		rec->key = key;
	}
	if ((rec->identity = json_object_get(j, "id")) == NULL)
		rec->identity = j;
	rec->process = json_object_get(j, "process");
	eff = json_object_get(j, "effective");
	rec->effective = -1;
	if ((v = json_string_value(eff)) != NULL)
		rec->effective = strcmp(v, "veto") != 0;
	return (0);
}

/*
 * Read the journal and rebuild the last operation if it did not end,
 * handing each of its records to phase_replay().  Returns 1 when an
 * operation is left open, 0 when none is, or -errno.  A torn or
 * malformed line (exitd died mid-append) is reported and skipped; a
 * torn last line is closed with a newline so that the next record starts
 * on a line of its own.
 */
int
journal_recover(struct engine_op *op)
{
	struct engine_record	 rec;
	FILE			*fp;
	json_t			*j;
	json_error_t		 jerr;
	char			*line = NULL, *key;
	const char		*id, *event;
	size_t			 cap = 0;
	ssize_t			 n;
	int			 fd, lineno = 0, torn = 0, open_op = 0;
	char			 cur[32] = "";

	/* Never through a symbolic link: see exitd_check_state(). */
	if ((fd = open(journal_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) ==
	    -1)
		return (errno == ENOENT ? 0 : -errno);
	if ((fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		return (-errno);
	}
	key = xmalloc(PART_KEY_MAX);
	while ((n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		torn = line[n - 1] != '\n';
		if ((j = json_loadb(line, (size_t)n, 0, &jerr)) == NULL ||
		    !json_is_object(j)) {
			log_warnx("journal: %s:%d: %s record skipped",
			    journal_file, lineno, torn ? "torn" : "malformed");
			json_decref(j);
			continue;
		}
		id = json_string_value(json_object_get(j, "op"));
		event = json_string_value(json_object_get(j, "event"));
		if (id == NULL || event == NULL) {
			log_warnx("journal: %s:%d: record without op or "
			    "event skipped", journal_file, lineno);
			json_decref(j);
			continue;
		}
		if (strcmp(event, "operation-start") == 0) {
			snprintf(cur, sizeof(cur), "%s", id);
			open_op = 1;
		} else if (strcmp(id, cur) != 0 || !open_op) {
			json_decref(j);
			continue;
		}
		if (strcmp(event, "operation-end") == 0)
			open_op = 0;
		else if (journal_parse(j, &rec, key, PART_KEY_MAX) == 0)
			phase_replay(op, &rec);
		json_decref(j);
	}
	free(key);
	free(line);
	fclose(fp);
	if (torn && write(journal_fd, "\n", 1) != 1)
		log_warn("journal: cannot close the torn line");
	return (open_op);
}
