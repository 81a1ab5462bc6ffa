/*
 * Participant kind "script", compiled only into tests/exitd-script: a
 * participant whose answers a test writes down, so that the engine's
 * rules (SPEC section 2) are tested for a kind other than programs,
 * including what programs cannot do on cue: answer late, answer twice,
 * never answer, go away.
 *
 * The script is the file "script" in the state directory, read at every
 * Check and Complete; one participant per line, '#' starts a comment:
 *
 *	NAME [point=suspend|resume] [status=N] [wait=N] [timeout=S]
 *	     [check=DO] [prepare=DO] [cancel=DO] [complete=DO] [reason=TEXT]
 *
 * status and wait are its Check answer (default 1 and 1), timeout the
 * time limit of its Check, Cancel and Complete calls in seconds (default
 * 30; 0: none), reason the rest of the line.  DO says what it does when
 * called in that phase, after MS milliseconds (default 0):
 *
 *	answer[:MS]	answer (end "answered")
 *	twice[:MS]	answer, then answer the same call again
 *	error[:MS]	answer with an error (end "error")
 *	gone[:MS]	go away without answering (end "gone")
 *	lost		never answer: the engine's limit (or window) ends it
 *	crash		exitd dies (SIGKILL) as the call starts, as a crash
 *			in the middle of starting a fan-out would
 *
 * A call that the engine stops answers "timed-out" at once, and whatever
 * it was about to do still happens later, as an asynchronous participant
 * would: its answer then arrives late.  Every call and every stop is
 * appended to "script.calls" in the state directory as "NAME PHASE" or
 * "NAME PHASE stop".
 */
#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitd.h"

#define SCRIPT_KIND		99	/* no EXITPT_PARTICIPANT_*: tests only */
#define SCRIPT_FILE		"script"
#define SCRIPT_CALLS		"script.calls"
#define SCRIPT_LINE_MAX		1024

enum script_do {
	SCRIPT_ANSWER,
	SCRIPT_TWICE,
	SCRIPT_ERROR,
	SCRIPT_GONE,
	SCRIPT_LOST,
	SCRIPT_CRASH,
};

/* One participant as its script line says. */
struct script_spec {
	char		*line;		/* as written: its journal identity */
	char		 name[64];
	int		 point;		/* REGISTRY_* */
	int32_t		 status;
	int32_t		 wait;
	int		 timeout;	/* seconds, 0: none */
	enum script_do	 what[PHASE_NKINDS];
	int		 ms[PHASE_NKINDS];
	char		 reason[EXITD_REASON_MAX];
};

/* An answer due later (or a second one). */
struct script_due {
	TAILQ_ENTRY(script_due)	 entry;
	struct event		*ev;
	uint64_t		 call;
	struct part_answer	 answer;
	char			 reason[EXITD_REASON_MAX];
	int			 again;		/* answer twice */
};
TAILQ_HEAD(script_dues, script_due);

static struct event_base	*script_base;
static const char		*script_dir;
static struct script_dues	 script_dues =
				    TAILQ_HEAD_INITIALIZER(script_dues);

static void	 script_init(struct event_base *, const char *,
		     struct config *);
static int	 script_collect(struct engine_op *, int);
static void	 script_start(struct call *);
static void	 script_stop(struct call *);
static json_t	*script_identity(const struct part *);
static int	 script_restore(struct part *, json_t *);
static void	 script_free(struct part *);
static void	 script_list(part_list_cb, void *);
static void	 script_shutdown(void);
static void	 script_due_cb(evutil_socket_t, short, void *);

const struct part_ops part_script_ops = {
	.kind = SCRIPT_KIND,
	.name = "script",
	.durable = 0,		/* as the asynchronous kinds */
	.init = script_init,
	.collect = script_collect,
	.takes_part = NULL,
	.start = script_start,
	.stop = script_stop,
	.identity = script_identity,
	.restore = script_restore,
	.free = script_free,
	.list = script_list,
	.shutdown = script_shutdown,
};

/* Remember the event base and where the script is. */
static void
script_init(struct event_base *base, const char *state_dir,
    struct config *cfg)
{
	script_base = base;
	script_dir = state_dir;
}

/* The phase a script key names ("check" ... "complete"), or 0. */
static int
script_phase(const char *name)
{
	int	i;

	for (i = EXITPT_OP_CHECK; i <= EXITPT_OP_COMPLETE; i++) {
		if (strcmp(name, exitpt_phase_name(i)) == 0)
			return (i);
	}
	return (0);
}

/* Parse "DO[:MS]" for one phase; 0 or -1. */
static int
script_parse_do(const char *v, enum script_do *what, int *ms)
{
	static const char *const names[] = {
		"answer", "twice", "error", "gone", "lost", "crash"
	};
	const char	*colon = strchr(v, ':');
	size_t		 len = colon != NULL ? (size_t)(colon - v) : strlen(v);
	long long	 n = 0;
	size_t		 i;

	for (i = 0; i < nitems(names); i++) {
		if (strlen(names[i]) == len && strncmp(v, names[i], len) == 0)
			break;
	}
	if (i == nitems(names) || (colon != NULL &&
	    text_parse_int(colon + 1, 0, 3600000, &n) != 0))
		return (-1);
	*what = (enum script_do)i;
	*ms = (int)n;
	return (0);
}

/* Parse one script line into spec; 0, or -1 with why. */
static int
script_parse(const char *line, struct script_spec *spec, char *why,
    size_t whylen)
{
	char		*copy, *p, *tok, *v;
	long long	 n;
	int		 phase, rv = -1;

	memset(spec, 0, sizeof(*spec));
	spec->point = REGISTRY_SUSPEND;
	spec->status = EXITPT_STATUS_ALLOW;
	spec->wait = 1;
	spec->timeout = 30;
	copy = xstrdup(line);
	p = copy;
	if ((tok = strsep(&p, " \t")) == NULL || *tok == '\0' ||
	    strlen(tok) >= sizeof(spec->name)) {
		snprintf(why, whylen, "no name, or a name too long");
		goto out;
	}
	strcpy(spec->name, tok);
	while (p != NULL && (tok = strsep(&p, " \t")) != NULL) {
		if (*tok == '\0')
			continue;
		if ((v = strchr(tok, '=')) == NULL) {
			snprintf(why, whylen, "'%s' is not KEY=VALUE", tok);
			goto out;
		}
		*v++ = '\0';
		if (strcmp(tok, "reason") == 0) {
			snprintf(spec->reason, sizeof(spec->reason), "%s%s%s",
			    v, p != NULL ? " " : "", p != NULL ? p : "");
			break;
		}
		if (strcmp(tok, "point") == 0 && (strcmp(v, "suspend") == 0 ||
		    strcmp(v, "resume") == 0))
			spec->point = strcmp(v, "suspend") == 0 ?
			    REGISTRY_SUSPEND : REGISTRY_RESUME;
		else if (strcmp(tok, "status") == 0 &&
		    text_parse_int(v, INT32_MIN, INT32_MAX, &n) == 0)
			spec->status = (int32_t)n;
		else if (strcmp(tok, "wait") == 0 &&
		    text_parse_int(v, INT32_MIN, INT32_MAX, &n) == 0)
			spec->wait = (int32_t)n;
		else if (strcmp(tok, "timeout") == 0 &&
		    text_parse_int(v, 0, 3600, &n) == 0)
			spec->timeout = (int)n;
		else if ((phase = script_phase(tok)) > 0) {
			if (script_parse_do(v, &spec->what[phase],
			    &spec->ms[phase]) != 0) {
				snprintf(why, whylen, "%s=%s: not answer, "
				    "twice, error, gone or lost[:MS]", tok, v);
				goto out;
			}
		} else {
			snprintf(why, whylen, "bad %s=%s", tok, v);
			goto out;
		}
	}
	spec->line = xstrdup(line);
	rv = 0;
out:
	free(copy);
	return (rv);
}

/* A spec as the participant's data, its limits set. */
static void
script_attach(struct part *p, struct script_spec *spec)
{
	struct script_spec	*own = xmalloc(sizeof(*own));

	*own = *spec;
	part_set_data(p, own);
	part_set_timeout(p, EXITPT_OP_CHECK, spec->timeout);
	part_set_timeout(p, EXITPT_OP_CANCEL, spec->timeout);
	part_set_timeout(p, EXITPT_OP_COMPLETE, spec->timeout);
}

/*
 * Read the script and call cb for each well-formed line; a malformed
 * line is logged and skipped.  A missing script means no participant.
 */
static int
script_read(void (*cb)(struct script_spec *, void *), void *arg)
{
	struct script_spec	 spec;
	FILE			*fp;
	char			 path[4096], line[SCRIPT_LINE_MAX];
	char			 why[256];
	char			*s;
	int			 lineno = 0;

	snprintf(path, sizeof(path), "%s/%s", script_dir, SCRIPT_FILE);
	if ((fp = fopen(path, "re")) == NULL)
		return (errno == ENOENT ? 0 : -errno);
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		if (*s == '\0' || *s == '#')
			continue;
		if (script_parse(s, &spec, why, sizeof(why)) != 0) {
			log_warnx("script: %s:%d: %s; line skipped", path,
			    lineno, why);
			continue;
		}
		cb(&spec, arg);
	}
	fclose(fp);
	return (0);
}

struct script_collecting {
	struct engine_op	*op;
	int			 point;
};

/* Add one scripted participant of the exit point being collected. */
static void
script_collect_cb(struct script_spec *spec, void *arg)
{
	struct script_collecting	*sc = arg;
	struct part			*p;

	if (spec->point != sc->point || (p = phase_add_part(sc->op,
	    &part_script_ops, spec->point, spec->name, spec->name)) == NULL) {
		free(spec->line);
		return;
	}
	script_attach(p, spec);
}

/* The scripted participants of phase's exit point. */
static int
script_collect(struct engine_op *op, int phase)
{
	struct script_collecting	sc;

	sc.op = op;
	sc.point = phase == EXITPT_OP_COMPLETE ? REGISTRY_RESUME :
	    REGISTRY_SUSPEND;
	return (script_read(script_collect_cb, &sc));
}

/* Append "NAME PHASE[ stop]" to script.calls, for the tests to count. */
static void
script_note(const struct call *c, const char *what)
{
	const struct script_spec	*spec = part_data(call_part(c));
	char				 path[4096], line[128];
	int				 fd, n;

	snprintf(path, sizeof(path), "%s/%s", script_dir, SCRIPT_CALLS);
	n = snprintf(line, sizeof(line), "%s %s%s%s\n", spec->name,
	    exitpt_phase_name(call_phase(c)), what != NULL ? " " : "",
	    what != NULL ? what : "");
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) == -1 || write(fd, line, (size_t)n) != n)
		log_warn("script: %s", path);
	if (fd != -1)
		close(fd);
}

/* Call the participant: arrange what its script says. */
static void
script_start(struct call *c)
{
	const struct script_spec	*spec = part_data(call_part(c));
	struct script_due		*d;
	struct timeval			 tv;
	int				 phase = call_phase(c);

	script_note(c, NULL);
	if (spec->what[phase] == SCRIPT_CRASH)
		kill(getpid(), SIGKILL);
	if (spec->what[phase] == SCRIPT_LOST)
		return;
	d = xcalloc(1, sizeof(*d));
	d->call = call_id(c);
	d->answer.status = spec->status;
	d->answer.wait = spec->wait;
	memcpy(d->reason, spec->reason, sizeof(d->reason));
	switch (spec->what[phase]) {
	case SCRIPT_ERROR:
		d->answer.end = EXITPT_END_ERROR;
		break;
	case SCRIPT_GONE:
		d->answer.end = EXITPT_END_GONE;
		snprintf(d->reason, sizeof(d->reason), "went away");
		break;
	default:
		d->answer.end = EXITPT_END_ANSWERED;
		d->again = spec->what[phase] == SCRIPT_TWICE;
		break;
	}
	d->answer.reason = d->reason;
	if ((d->ev = evtimer_new(script_base, script_due_cb, d)) == NULL)
		fatalx("script: cannot create a timer");
	TAILQ_INSERT_TAIL(&script_dues, d, entry);
	tv.tv_sec = spec->ms[phase] / 1000;
	tv.tv_usec = (spec->ms[phase] % 1000) * 1000;
	evtimer_add(d->ev, &tv);
}

/* An answer is due: hand it over (twice when scripted so). */
static void
script_due_cb(evutil_socket_t fd, short events, void *arg)
{
	struct script_due	*d = arg;

	phase_answer(d->call, &d->answer);
	if (d->again)
		phase_answer(d->call, &d->answer);
	TAILQ_REMOVE(&script_dues, d, entry);
	event_free(d->ev);
	free(d);
}

/* The engine stops the call: it ends at once; what was due still comes. */
static void
script_stop(struct call *c)
{
	struct part_answer	a;

	script_note(c, "stop");
	memset(&a, 0, sizeof(a));
	a.end = EXITPT_END_TIMEDOUT;
	a.status = EXITPT_STATUS_NONE;
	a.wait = EXITPT_WAIT_NONE;
	a.reason = "stopped by exitd";
	phase_answer(call_id(c), &a);
}

/* The journal keeps the script line itself. */
static json_t *
script_identity(const struct part *p)
{
	const struct script_spec	*spec = part_data(p);

	return (json_pack("{s:s}", "line", spec->line));
}

/* Rebuild a participant from its script line. */
static int
script_restore(struct part *p, json_t *id)
{
	struct script_spec	 spec;
	const char		*line;
	char			 why[256];

	if ((line = json_string_value(json_object_get(id, "line"))) == NULL ||
	    script_parse(line, &spec, why, sizeof(why)) != 0)
		return (-1);
	if (strcmp(spec.name, part_key(p)) != 0) {
		free(spec.line);
		return (-1);
	}
	script_attach(p, &spec);
	return (0);
}

/* Free a participant's spec. */
static void
script_free(struct part *p)
{
	struct script_spec	*spec = part_data(p);

	if (spec == NULL)
		return;
	free(spec->line);
	free(spec);
}

struct script_listing {
	part_list_cb	 cb;
	void		*arg;
};

/* List one scripted participant. */
static void
script_list_cb(struct script_spec *spec, void *arg)
{
	struct script_listing	*sl = arg;

	sl->cb(sl->arg, SCRIPT_KIND, spec->name, 0, json_pack("{s:s}",
	    "line", spec->line));
	free(spec->line);
}

/* Every participant the script names now. */
static void
script_list(part_list_cb cb, void *arg)
{
	struct script_listing	sl = { cb, arg };

	script_read(script_list_cb, &sl);
}

/* exitd is stopping: drop every answer still due. */
static void
script_shutdown(void)
{
	struct script_due	*d;

	while ((d = TAILQ_FIRST(&script_dues)) != NULL) {
		TAILQ_REMOVE(&script_dues, d, entry);
		event_free(d->ev);
		free(d);
	}
}
