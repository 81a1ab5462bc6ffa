/*
 * The journal: an append-only file of JSON lines in the state directory,
 * one record per operation start/end, phase start/end, participant call
 * and participant answer.  It is synced at the phase boundaries of an
 * operation that calls participants who outlive a reboot (exit programs),
 * and read back at start-up to rebuild an operation that exitd did not
 * finish.
 *
 * Records are gathered and written together: a fan-out of a thousand
 * calls and their answers would otherwise cost a write each.  What is
 * gathered reaches the file at the engine's barriers (the calls of a
 * batch, before any of them starts), with every record that is synced
 * (operation and phase boundaries) or that a restarted exitd needs to end
 * a running program (its process), before a journal read, once enough
 * has gathered, and at the end of the event loop's turn at the latest.
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
#define JOURNAL_GATHER_MAX	(64 * 1024)	/* bytes gathered at most */

static int			 journal_fd = -1;
static char			*journal_file;
static struct engine_observer	*journal_observer;
static struct event		*journal_flush_ev;	/* end of the turn */
static int			 journal_flush_armed;
static int			 journal_unsynced;	/* a boundary awaits */
/* Why the last operation could not start ("": it could). */
static char			 journal_refusal[PROTO_REASON_MAX];
/* Records of the current operation that could not be written. */
static char			 journal_loss[PROTO_REASON_MAX];
static unsigned int		 journal_lost;
/* The file ends in part of a record that could not be cut off. */
static int			 journal_torn;

static const char *journal_phase_names[PHASE_NKINDS] = {
	"none", "check", "prepare", "cancel", "complete"
};

struct journal_line;
static void	 journal_end(struct journal_line *);
static void	 journal_failed(int, unsigned int);
static void	 journal_untear(const char *, size_t);
static void	 journal_flush_cb(evutil_socket_t, short, void *);
static void	 journal_event_cb(const struct engine_event *, void *);
static void	 journal_call(struct journal_line *,
		     const struct engine_event *);
static int	 journal_op_id(const char *);
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
	journal_flush();
	if (journal_flush_ev != NULL)
		event_free(journal_flush_ev);
	journal_flush_ev = NULL;
	journal_flush_armed = 0;
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

/*
 * Push the journal to disk: called at the phase boundaries of operations
 * that call durable participants, and on closing.
 */
void
journal_sync(void)
{
	journal_unsynced = 0;
	if (journal_fd != -1 && fdatasync(journal_fd) == -1) {
		log_warn("journal: fdatasync %s", journal_file);
		journal_failed(errno, 1);
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

/* Records could not be written: say so once, then count. */
static void
journal_failed(int error, unsigned int n)
{
	journal_lost += n;
	snprintf(journal_loss, sizeof(journal_loss), "journal %s: %s; %u "
	    "record%s of this operation could not be written", journal_file,
	    strerror(error), journal_lost, journal_lost == 1 ? "" : "s");
	if (journal_lost == 1)
		log_warnx("%s", journal_loss);
}

/*
 * A record being built: one JSON object on one line, written as compact
 * ASCII JSON the way jansson's json_dumps(JSON_COMPACT | JSON_ENSURE_ASCII)
 * writes it, members in the order they are added.  Building the line by
 * hand costs a fraction of building and dumping a json_t, which mattered
 * at three records for every program a phase starts.
 */
struct journal_line {
	char	*buf;
	size_t	 len;
	size_t	 cap;
};
/* The records gathered and not written yet, each a whole line. */
static struct journal_line	 journal_out;

/* Append n bytes. */
static void
journal_raw(struct journal_line *l, const char *s, size_t n)
{
	if (l->len + n + 2 > l->cap) {
		while (l->len + n + 2 > l->cap)
			l->cap = l->cap ? l->cap * 2 : 512;
		l->buf = xreallocarray(l->buf, l->cap, 1);
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

/* Start the next member: a comma, unless it is the first, and its name. */
static void
journal_put_key(struct journal_line *l, const char *key)
{
	int	first = l->len > 0 && l->buf[l->len - 1] == '{';

	journal_raw(l, first ? "\"" : ",\"", first ? 1 : 2);
	journal_raw(l, key, strlen(key));
	journal_raw(l, "\":", 2);
}

/* Decode one UTF-8 sequence at s (n bytes left): its length, or 0. */
static size_t
journal_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t	len, i;
	uint32_t v;

	if (s[0] < 0x80) {
		*cp = s[0];
		return (1);
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, v = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, v = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, v = s[0] & 0x07;
	else
		return (0);
	if (len > n)
		return (0);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		v = v << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF are not UTF-8. */
	if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) ||
	    (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
		return (0);
	*cp = v;
	return (len);
}

/*
 * Append n bytes of text as a JSON string.  Text that is not UTF-8 has
 * its bytes above 0x7f replaced by '?', so that a record is never lost
 * for an odd byte; other characters outside ASCII are escaped.
 */
static void
journal_put_text(struct journal_line *l, const char *text, size_t n)
{
	const unsigned char	*s = (const unsigned char *)text;
	size_t			 i, k;
	uint32_t		 cp;
	char			 esc[16];
	int			 valid = 1;

	journal_raw(l, "\"", 1);
	/* Most text is plain ASCII with nothing to escape: copy it whole. */
	for (i = 0; i < n && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' &&
	    s[i] != '\\'; i++)
		;
	if (i == n) {
		journal_raw(l, (const char *)s, n);
		journal_raw(l, "\"", 1);
		return;
	}
	for (i = 0; i < n; i += k) {
		if ((k = journal_utf8(s + i, n - i, &cp)) == 0) {
			valid = 0;
			break;
		}
	}
	for (i = 0; i < n; i += k) {
		if (!valid || (k = journal_utf8(s + i, n - i, &cp)) == 0) {
			k = 1;
			cp = s[i] < 0x80 ? s[i] : '?';
		}
		if (cp == '"' || cp == '\\') {
			esc[0] = '\\';
			esc[1] = (char)cp;
			journal_raw(l, esc, 2);
		} else if (cp == '\b' || cp == '\f' || cp == '\n' ||
		    cp == '\r' || cp == '\t') {
			esc[0] = '\\';
			esc[1] = cp == '\b' ? 'b' : cp == '\f' ? 'f' :
			    cp == '\n' ? 'n' : cp == '\r' ? 'r' : 't';
			journal_raw(l, esc, 2);
		} else if (cp < 0x20 || (cp > 0x7f && cp < 0x10000))
			journal_raw(l, esc, (size_t)snprintf(esc, sizeof(esc),
			    "\\u%04X", (unsigned int)cp));
		else if (cp >= 0x10000)
			journal_raw(l, esc, (size_t)snprintf(esc, sizeof(esc),
			    "\\u%04X\\u%04X", (unsigned int)(0xd800 +
			    ((cp - 0x10000) >> 10)), (unsigned int)(0xdc00 +
			    ((cp - 0x10000) & 0x3ff))));
		else {
			esc[0] = (char)cp;
			journal_raw(l, esc, 1);
		}
	}
	journal_raw(l, "\"", 1);
}

/* Append a string value (NULL: the empty string). */
static void
journal_put_str(struct journal_line *l, const char *key, const char *str)
{
	journal_put_key(l, key);
	if (str == NULL)
		str = "";
	journal_put_text(l, str, strlen(str));
}

/*
 * Append an integer in decimal, as printf's %lld writes it: by hand, as
 * a record has several and snprintf's cost showed at a thousand records
 * a phase.
 */
static void
journal_put_num(struct journal_line *l, long long v)
{
	unsigned long long	u;
	char			num[24], *p = num + sizeof(num);

	u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	journal_raw(l, p, (size_t)(num + sizeof(num) - p));
}

/* Append an integer value. */
static void
journal_put_int(struct journal_line *l, const char *key, long long v)
{
	journal_put_key(l, key);
	journal_put_num(l, v);
}

/* Append an operation id as a string of 16 lower-case hex digits. */
static void
journal_put_id(struct journal_line *l, const char *key, uint64_t id)
{
	char	hex[18];
	int	i;

	hex[0] = hex[17] = '"';
	for (i = 16; i > 0; i--, id >>= 4)
		hex[i] = "0123456789abcdef"[id & 15];
	journal_put_key(l, key);
	journal_raw(l, hex, sizeof(hex));
}

/* Append a boolean value. */
static void
journal_put_bool(struct journal_line *l, const char *key, int v)
{
	journal_put_key(l, key);
	journal_raw(l, v ? "true" : "false", v ? 4 : 5);
}

/*
 * Append a JSON value as json_dumps(JSON_COMPACT | JSON_ENSURE_ASCII)
 * writes it, members in their order; jansson itself writes what is rare
 * in an identity (reals), and what it cannot write becomes null.
 */
static void
journal_put_value(struct journal_line *l, json_t *v)
{
	const char	*k;
	json_t		*m;
	size_t		 i;
	char		*text;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		journal_raw(l, "{", 1);
		i = 0;
		json_object_foreach(v, k, m) {
			if (i++ > 0)
				journal_raw(l, ",", 1);
			journal_put_text(l, k, strlen(k));
			journal_raw(l, ":", 1);
			journal_put_value(l, m);
		}
		journal_raw(l, "}", 1);
		break;
	case JSON_ARRAY:
		journal_raw(l, "[", 1);
		json_array_foreach(v, i, m) {
			if (i > 0)
				journal_raw(l, ",", 1);
			journal_put_value(l, m);
		}
		journal_raw(l, "]", 1);
		break;
	case JSON_STRING:
		journal_put_text(l, json_string_value(v),
		    json_string_length(v));
		break;
	case JSON_INTEGER:
		journal_put_num(l, json_integer_value(v));
		break;
	case JSON_TRUE:
		journal_raw(l, "true", 4);
		break;
	case JSON_FALSE:
		journal_raw(l, "false", 5);
		break;
	case JSON_REAL:
		if ((text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) !=
		    NULL) {
			journal_raw(l, text, strlen(text));
			free(text);
			break;
		}
		/* FALLTHROUGH */
	default:
		journal_raw(l, "null", 4);
		break;
	}
}

/* Append a JSON value a participant kind built (its identity, process). */
static void
journal_put_json(struct journal_line *l, const char *key, json_t *v)
{
	journal_put_key(l, key);
	if (v == NULL)
		journal_raw(l, "{}", 2);
	else
		journal_put_value(l, v);
}

/* Start a record with the time, the operation id and the event name. */
static void
journal_begin(struct journal_line *l, const struct engine_event *ev,
    const char *event)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	journal_raw(l, "{", 1);
	journal_put_int(l, "time", (long long)ts.tv_sec * 1000 +
	    ts.tv_nsec / 1000000);
	journal_put_id(l, "op", ev->operation);
	journal_put_str(l, "event", event);
}

/* End a record: one line among those gathered. */
static void
journal_end(struct journal_line *l)
{
	journal_raw(l, "}\n", 2);
}

/*
 * After a write failed part of the way (the disk is full), cut off the
 * part of a record that did reach the file, or if that fails too, have
 * the next write start a line of its own, so that the part written never
 * swallows the next record; buf and done are what the last write was
 * given and how much of it was written.
 */
static void
journal_untear(const char *buf, size_t done)
{
	struct stat	st;
	size_t		torn = 0;

	while (torn < done && buf[done - torn - 1] != '\n')
		torn++;
	if (torn == 0)
		return;
	if (fstat(journal_fd, &st) == -1 || (off_t)torn > st.st_size ||
	    ftruncate(journal_fd, st.st_size - (off_t)torn) == -1)
		journal_torn = 1;	/* the next write starts a line */
}

/*
 * Write what is gathered, in one write unless the file takes less.
 * Records that cannot be written are counted as lost, and a record cut
 * by a failed write is removed again.
 */
void
journal_flush(void)
{
	struct journal_line	*l = &journal_out;
	unsigned int		 lost = 0;
	size_t			 off = 0, i;
	ssize_t			 n;
	int			 error = 0;

	if (l->len > 0 && journal_torn && write(journal_fd, "\n", 1) == 1)
		journal_torn = 0;
	while (off < l->len) {
		if ((n = write(journal_fd, l->buf + off, l->len - off)) ==
		    -1) {
			if (errno == EINTR)
				continue;
			error = errno;
			break;
		}
		off += (size_t)n;
	}
	if (error != 0) {
		for (i = off; i < l->len; i++)
			lost += l->buf[i] == '\n';
		journal_untear(l->buf, off);
		journal_failed(error, lost);
	}
	l->len = 0;
}

/*
 * The loop's turn is over: write what it gathered, and sync a boundary
 * that its follower did not.
 */
static void
journal_flush_cb(evutil_socket_t fd, short events, void *arg)
{
	journal_flush_armed = 0;
	journal_flush();
	if (journal_unsynced)
		journal_sync();
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

/*
 * The fields of a call, answer or late-answer record that name the
 * participant: its kind, key, exit point, number and name, and on a call
 * record its identity ("id", everything a restarted exitd needs to reach
 * it again) and what it was given.
 */
static void
journal_call(struct journal_line *l, const struct engine_event *ev)
{
	const struct engine_call_view	*v = ev->call;
	const struct part		*p = ev->part;
	json_t				*id;

	journal_put_str(l, "phase", journal_phase_names[ev->phase]);
	if (ev->type == ENGINE_LATE_ANSWER)
		journal_put_int(l, "call", (long long)v->id);
	if (p == NULL && v != NULL && v->key != NULL && *v->key != '\0') {
		/* A call of an operation that ended, as its status kept it. */
		journal_put_str(l, "kind", v->kind_name);
		journal_put_str(l, "key", v->key);
		journal_put_str(l, "point", registry_point_name(v->point));
		journal_put_int(l, "number", v->number);
		journal_put_str(l, "who", v->who);
		return;
	}
	if (p == NULL)
		return;
	journal_put_str(l, "kind", part_ops(p)->name);
	journal_put_str(l, "key", part_key(p));
	journal_put_str(l, "point", registry_point_name(part_point(p)));
	journal_put_int(l, "number", part_number(p));
	journal_put_str(l, "who", part_who(p));
	if (ev->type != ENGINE_CALL_STARTED)
		return;
	if ((id = part_ops(p)->identity(p)) == NULL)
		log_warnx("journal: the identity of %s participant %s cannot "
		    "be recorded", part_ops(p)->name, part_key(p));
	journal_put_json(l, "id", id);
	json_decref(id);
	journal_put_key(l, "given");
	journal_raw(l, "{", 1);
	journal_put_int(l, "action", ev->action);
	journal_put_int(l, "request", ev->phase == EXITPT_OP_CANCEL ?
	    EXITPT_REQUEST_CANCEL : ev->phase == EXITPT_OP_PREPARE ?
	    EXITPT_REQUEST_PREPARE : 0);
	if (ev->phase == EXITPT_OP_COMPLETE)
		journal_put_int(l, "system_state", ev->system_state);
	else
		journal_put_int(l, "window", ev->window);
	journal_raw(l, "}", 1);
}

/*
 * The journal as an observer of the engine: one record per operation
 * start and end, phase start and end, call, answer and late answer.  It
 * syncs at operation and phase boundaries of an operation with durable
 * participants; the calls of a batch are written at the barrier before
 * their participants start, so that after a crash they count as reached.
 */
static void
journal_event_cb(const struct engine_event *ev, void *arg)
{
	struct journal_line		*l = &journal_out;
	const struct engine_call_view	*v = ev->call;
	int				 boundary = 1, sync, now = 0;

	switch (ev->type) {
	case ENGINE_BARRIER:
		journal_flush();
		return;
	case ENGINE_OPERATION_STARTED:
		journal_lost = 0;
		journal_begin(l, ev, "operation-start");
		journal_put_int(l, "action", ev->action);
		journal_put_bool(l, "validate_only", ev->validate_only);
		journal_put_str(l, "driver", ev->driver);
		if (ev->force)
			journal_put_bool(l, "force", 1);
		if (ev->resume_only)
			journal_put_bool(l, "resume_only", 1);
		break;
	case ENGINE_OPERATION_INTERRUPTED:
		journal_begin(l, ev, "interrupted");
		journal_put_str(l, "phase", journal_phase_names[ev->phase]);
		break;
	case ENGINE_OPERATION_ENDED:
		journal_begin(l, ev, "operation-end");
		journal_put_str(l, "outcome", exitpt_outcome_name(ev->outcome));
		if (ev->superseded_by != 0)
			journal_put_id(l, "superseded_by", ev->superseded_by);
		break;
	case ENGINE_PHASE_STARTED:
	case ENGINE_PHASE_ENDED:
		journal_begin(l, ev, ev->type == ENGINE_PHASE_STARTED ?
		    "phase-start" : "phase-end");
		journal_put_str(l, "phase", journal_phase_names[ev->phase]);
		journal_put_int(l, "window", ev->window);
		if (ev->phase == EXITPT_OP_COMPLETE)
			journal_put_int(l, "system_state", ev->system_state);
		if (ev->type == ENGINE_PHASE_ENDED)
			journal_put_str(l, "outcome",
			    exitpt_outcome_name(ev->outcome));
		else {
			journal_put_int(l, "participants", (long long)ev->ncalls);
			if (ev->driver != NULL)
				journal_put_str(l, "driver", ev->driver);
		}
		break;
	case ENGINE_CALL_STARTED:
		journal_begin(l, ev, "call");
		journal_call(l, ev);
		boundary = 0;
		break;
	case ENGINE_ANSWER:
	case ENGINE_LATE_ANSWER:
		journal_begin(l, ev, ev->type == ENGINE_ANSWER ? "answer" :
		    "late-answer");
		journal_call(l, ev);
		if (ev->phase == EXITPT_OP_CHECK) {
			journal_put_int(l, "status", v->status);
			journal_put_int(l, "wait", v->wait);
			if (ev->type == ENGINE_ANSWER)
				journal_put_str(l, "effective", v->effective ?
				    "allow" : "veto");
		}
		journal_put_str(l, "end", exitpt_end_name(v->end));
		journal_put_int(l, "code", v->code);
		journal_put_str(l, "reason", v->reason);
		if (ev->type == ENGINE_LATE_ANSWER)
			journal_put_str(l, "late", ev->late);
		else
			journal_put_int(l, "duration_ms",
			    (long long)v->duration_ms);
		if (v->pid > 0)
			journal_put_int(l, "pid", v->pid);
		if (v->output_dropped > 0)
			journal_put_int(l, "output_dropped",
			    (long long)v->output_dropped);
		boundary = 0;
		break;
	case ENGINE_CALL_PROCESS:
		journal_begin(l, ev, "process");
		journal_call(l, ev);
		journal_put_int(l, "call", (long long)v->id);
		journal_put_key(l, "process");
		journal_raw(l, ev->process, strlen(ev->process));
		boundary = 0;
		/* The program runs already: a restarted exitd must know it. */
		now = 1;
		break;
	case ENGINE_STALE_ENDED:
		journal_begin(l, ev, "stale-ended");
		journal_call(l, ev);
		journal_put_str(l, "how", ev->how);
		break;
	default:
		return;
	}
	journal_end(l);
	/*
	 * A boundary is written at once, and synced only when the operation
	 * reaches a participant that outlives a reboot (see durable in
	 * struct part_ops): after an OS crash, nobody else could be told
	 * anything anyway.  One followed by another at once is written and
	 * synced with it.
	 */
	if (boundary && ev->followed && journal_flush_ev != NULL) {
		boundary = 0;
		journal_unsynced |= ev->durable;
	}
	sync = boundary && (ev->durable || journal_unsynced);
	if (boundary || now || l->len >= JOURNAL_GATHER_MAX ||
	    journal_flush_ev == NULL)
		journal_flush();
	else if (!journal_flush_armed) {
		/* Active events run in order: this one ends the turn. */
		event_active(journal_flush_ev, EV_TIMEOUT, 1);
		journal_flush_armed = 1;
	}
	if (sync)
		journal_sync();
	if (((ev->type == ENGINE_PHASE_ENDED && !ev->followed) ||
	    ev->type == ENGINE_OPERATION_ENDED) && journal_lost > 0)
		log_warnx("operation %016" PRIx64 ": %s", ev->operation,
		    journal_loss);
	/* What gathered for a thousand participants is not kept around. */
	if (boundary && l->cap > 4096) {
		free(l->buf);
		memset(l, 0, sizeof(*l));
	}
}

/*
 * Subscribe the journal to the engine's events; what a turn of base's
 * loop gathered is written at its end.
 */
void
journal_observe(struct event_base *base)
{
	if (journal_flush_ev == NULL &&
	    (journal_flush_ev = event_new(base, -1, 0, journal_flush_cb,
	    NULL)) == NULL)
		fatalx("journal: cannot create the flush event");
	if (journal_observer == NULL)
		journal_observer = phase_observe(journal_event_cb, NULL);
}

/*
 * Whether id is an operation id as exitd writes it: 16 hex digits, not
 * all zero (0 means "no operation" everywhere).
 */
static int
journal_op_id(const char *id)
{
	size_t	i;

	for (i = 0; id[i] != '\0'; i++) {
		if (i == 16 || strchr("0123456789abcdef", id[i]) == NULL)
			return (0);
	}
	return (i == 16 && strspn(id, "0") != 16);
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
	rec->resume_only = json_is_true(json_object_get(j, "resume_only"));
	rec->phase = journal_phase_kind(json_string_value(json_object_get(j,
	    "phase")));
	/* Values exitd cannot have written count as not recorded. */
	rec->window = (int)journal_int(j, "window", -1);
	if (rec->window < 0 || rec->window > EXITPT_WAIT_MAX)
		rec->window = -1;
	rec->system_state = (int)journal_int(j, "system_state", -1);
	if (rec->system_state != EXITPT_SYSTEM_NORMAL &&
	    rec->system_state != EXITPT_SYSTEM_RESTRICTED)
		rec->system_state = -1;
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
		if (!journal_op_id(id)) {
			log_warnx("journal: %s:%d: record with a malformed "
			    "operation id '%.20s' skipped", journal_file,
			    lineno, id);
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
