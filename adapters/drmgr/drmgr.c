/*
 * exitpt's hook for powerpc-utils drmgr partition migration (PowerVM Live
 * Partition Mobility), installed as DRMGR_HOOK_DIR/exitpt.  drmgr runs it
 * once per phase with no arguments, cwd /, nearly every signal blocked and
 * only DRC_TYPE, ACTION, PHASE and DRC_COUNT in its environment, waits for
 * it forever, and shows its output to the HMC user.  The mapping:
 *
 *	check		Check (a veto exits 1: drmgr then runs undocheck on
 *			every hook and refuses the migration)
 *	undocheck	Cancel of the operation this hook's check opened
 *	pre		Prepare of that operation (a new Check first when it
 *			is gone); drmgr repeats pre on a retry
 *	post		Complete when the machine identity changed since pre,
 *			else Cancel: drmgr runs post whether or not the
 *			partition moved and does not say which
 *
 * Between its runs the hook keeps, in exitd's state directory, the
 * operation its check opened and the identity recorded at pre.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adapter.h"

#define DRMGR_PROG		"exitpt"	/* starts every line */
#define DRMGR_DRIVER		"drmgr"		/* exitd's name for us */
#define DRMGR_RECORD		"drmgr.state"
#define DRMGR_RECORD_MAGIC	"exitpt-drmgr 1"
#define DRMGR_IDENTITY_MAX	1024	/* bytes of the identity file */
#define DRMGR_RECORD_LINE	(2 * DRMGR_IDENTITY_MAX + 64)

enum drmgr_phase {
	DRMGR_CHECK,
	DRMGR_UNDOCHECK,
	DRMGR_PRE,
	DRMGR_POST,
};

/* drmgr's environment, parsed. */
struct drmgr_env {
	enum drmgr_phase phase;
	int		 count;		/* DRC_COUNT: 0 for pmig */
};

/* What the hook keeps between its runs. */
struct drmgr_record {
	uint64_t	 operation;	/* opened by check; 0: none */
	int		 prepared;	/* pre ran for it */
	int		 has_identity;	/* identity read at pre */
	size_t		 identity_len;
	unsigned char	 identity[DRMGR_IDENTITY_MAX];
};

static int	 drmgr_env_parse(struct adapter *, struct drmgr_env *);
static int	 drmgr_identity(struct adapter *, const char *,
		     unsigned char *, size_t *);
static int	 drmgr_state_dir(struct adapter *, int);
static void	 drmgr_record_load(struct adapter *, struct drmgr_record *);
static int	 drmgr_record_parse(const char *, struct drmgr_record *);
static void	 drmgr_record_save(struct adapter *,
		     const struct drmgr_record *);
static void	 drmgr_record_remove(struct adapter *);
static int	 drmgr_check(struct adapter *);
static int	 drmgr_open_check(struct adapter *, struct exitpt_client *,
		     const char *, struct drmgr_record *);
static int	 drmgr_undocheck(struct adapter *);
static int	 drmgr_pre(struct adapter *);
static int	 drmgr_prepare(struct adapter *, struct exitpt_client *,
		     struct drmgr_record *);
static int	 drmgr_post(struct adapter *);

/*
 * Read drmgr's variables.  Anything but a pmig migration phase means the
 * hook was installed or run where it does not belong: say so, do nothing.
 */
static int
drmgr_env_parse(struct adapter *a, struct drmgr_env *env)
{
	static const char *const phases[] = {
		[DRMGR_CHECK] = "check",
		[DRMGR_UNDOCHECK] = "undocheck",
		[DRMGR_PRE] = "pre",
		[DRMGR_POST] = "post",
	};
	const char	*type, *action, *phase, *count;
	long long	 v = 0;
	size_t		 i;

	type = getenv("DRC_TYPE");
	action = getenv("ACTION");
	phase = getenv("PHASE");
	count = getenv("DRC_COUNT");
	if (type == NULL || phase == NULL) {
		adapter_say(a, "DRC_TYPE and PHASE are not set: this is a "
		    "drmgr hook, run by drmgr from its pmig hook directory; "
		    "nothing was done");
		return (-1);
	}
	if (strcmp(type, "pmig") != 0) {
		adapter_say(a, "DRC_TYPE is '%s', not 'pmig': install this "
		    "hook in drmgr's pmig hook directory only; nothing was "
		    "done", type);
		return (-1);
	}
	if (action != NULL && strcmp(action, "migrate") != 0) {
		adapter_say(a, "ACTION is '%s', not 'migrate': this drmgr is "
		    "newer than the hook; nothing was done", action);
		return (-1);
	}
	if (count != NULL && text_parse_int(count, 0, INT_MAX, &v) != 0) {
		adapter_say(a, "DRC_COUNT is '%s', not a count: this drmgr is "
		    "not one the hook knows; nothing was done", count);
		return (-1);
	}
	env->count = (int)v;
	for (i = 0; i < nitems(phases); i++) {
		if (strcmp(phase, phases[i]) == 0) {
			env->phase = (enum drmgr_phase)i;
			return (0);
		}
	}
	adapter_say(a, "PHASE is '%s', not check, undocheck, pre or post: "
	    "this drmgr is newer than the hook; nothing was done", phase);
	return (-1);
}

/*
 * Read the machine identity from path (at most DRMGR_IDENTITY_MAX bytes).
 * Returns 0, or -errno after saying why it could not.
 */
static int
drmgr_identity(struct adapter *a, const char *path, unsigned char *buf,
    size_t *lenp)
{
	ssize_t	n;
	size_t	len = 0;
	int	fd, error = 0;

	adapter_work(a, "reading the machine identity %s", path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		error = -errno;
		adapter_end(a);
		adapter_say(a, "cannot read the machine identity %s: %s (set "
		    "drmgr-identity-file in exitd.conf)", path,
		    strerror(-error));
		return (error);
	}
	for (;;) {
		n = read(fd, buf + len, DRMGR_IDENTITY_MAX - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			error = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == DRMGR_IDENTITY_MAX) {
			error = -EFBIG;
			break;
		}
	}
	close(fd);
	adapter_end(a);
	if (error != 0) {
		adapter_say(a, "cannot read the machine identity %s: %s (set "
		    "drmgr-identity-file in exitd.conf to a file under %d "
		    "bytes)", path, strerror(-error), DRMGR_IDENTITY_MAX);
		return (error);
	}
	*lenp = len;
	return (0);
}

/*
 * Open exitd's state directory, where the record lives; -1 if not (said
 * when loud: exitd creates the directory, so it should be there).
 */
static int
drmgr_state_dir(struct adapter *a, int loud)
{
	const char	*dir = config_state_dir(NULL);
	int		 fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 && loud)
		adapter_say(a, "cannot open exitd's state directory %s: %s",
		    dir, strerror(errno));
	return (fd);
}

/*
 * Parse a record: the magic line, then "operation HEX", "prepared 0|1"
 * and "identity HEX|-".  Returns 0, or the 1-based line that is wrong.
 */
static int
drmgr_record_parse(const char *text, struct drmgr_record *rec)
{
	char		 hex[3] = "", *end;
	const char	*p = text, *nl;
	size_t		 i, len;
	int		 line;

	memset(rec, 0, sizeof(*rec));
	for (line = 1; line <= 4; line++) {
		if ((nl = strchr(p, '\n')) == NULL)
			return (line);
		len = (size_t)(nl - p);
		switch (line) {
		case 1:
			if (len != strlen(DRMGR_RECORD_MAGIC) ||
			    strncmp(p, DRMGR_RECORD_MAGIC, len) != 0)
				return (line);
			break;
		case 2:
			if (len != 10 + 16 || strncmp(p, "operation ", 10))
				return (line);
			errno = 0;
			rec->operation = strtoull(p + 10, &end, 16);
			if (errno != 0 || end != nl || rec->operation == 0)
				return (line);
			break;
		case 3:
			if (len != 10 || strncmp(p, "prepared ", 9) != 0 ||
			    (p[9] != '0' && p[9] != '1'))
				return (line);
			rec->prepared = p[9] == '1';
			break;
		case 4:
			if (len < 9 || strncmp(p, "identity ", 9) != 0)
				return (line);
			if (len == 10 && p[9] == '-')
				break;
			len -= 9;
			if (len % 2 != 0 || len / 2 > DRMGR_IDENTITY_MAX)
				return (line);
			for (i = 0; i < len / 2; i++) {
				memcpy(hex, p + 9 + 2 * i, 2);
				if (!isxdigit((unsigned char)hex[0]) ||
				    !isxdigit((unsigned char)hex[1]))
					return (line);
				rec->identity[i] = (unsigned char)strtoul(hex,
				    NULL, 16);
			}
			rec->identity_len = len / 2;
			rec->has_identity = 1;
			break;
		}
		p = nl + 1;
	}
	return (*p == '\0' ? 0 : 5);
}

/*
 * Load the record (none: operation 0).  A malformed record is reported
 * and dropped: the hook then behaves as if no check had run.
 */
static void
drmgr_record_load(struct adapter *a, struct drmgr_record *rec)
{
	char		 text[4 * DRMGR_RECORD_LINE];
	ssize_t		 n;
	size_t		 len = 0;
	int		 dfd, fd, line = 0;

	memset(rec, 0, sizeof(*rec));
	if ((dfd = drmgr_state_dir(a, 0)) == -1)
		return;
	if ((fd = openat(dfd, DRMGR_RECORD, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1) {
		close(dfd);
		return;
	}
	while (len < sizeof(text) - 1 && (n = read(fd, text + len,
	    sizeof(text) - 1 - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			break;
		len += (size_t)n;
	}
	close(fd);
	text[len] = '\0';
	if (strlen(text) == len && (line = drmgr_record_parse(text,
	    rec)) == 0) {
		close(dfd);
		return;
	}
	memset(rec, 0, sizeof(*rec));
	adapter_say(a, "%s/%s is malformed (line %d); removed it: the "
	    "hook's next check starts afresh", config_state_dir(NULL),
	    DRMGR_RECORD, line);
	unlinkat(dfd, DRMGR_RECORD, 0);
	close(dfd);
}

/* Write the record atomically; failing is said, not fatal. */
static void
drmgr_record_save(struct adapter *a, const struct drmgr_record *rec)
{
	char	 text[4 * DRMGR_RECORD_LINE];
	size_t	 len, i;
	int	 dfd, error;

	len = (size_t)snprintf(text, sizeof(text), "%s\noperation %016"
	    PRIx64 "\nprepared %d\nidentity ", DRMGR_RECORD_MAGIC,
	    rec->operation, rec->prepared ? 1 : 0);
	if (!rec->has_identity)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "-");
	for (i = 0; rec->has_identity && i < rec->identity_len; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "%02x", rec->identity[i]);
	len += (size_t)snprintf(text + len, sizeof(text) - len, "\n");
	if ((dfd = drmgr_state_dir(a, 1)) == -1)
		return;
	if ((error = atomicfile_write(dfd, DRMGR_RECORD, text, len, 0600)) !=
	    0)
		adapter_say(a, "cannot write %s/%s: %s; a later post cannot "
		    "tell a migration from a failed one", config_state_dir(
		    NULL), DRMGR_RECORD, strerror(-error));
	close(dfd);
}

/* Forget the record: its operation is over. */
static void
drmgr_record_remove(struct adapter *a)
{
	int	dfd;

	if ((dfd = drmgr_state_dir(a, 0)) == -1)
		return;
	if (unlinkat(dfd, DRMGR_RECORD, 0) == -1 && errno != ENOENT)
		adapter_say(a, "cannot remove %s/%s: %s", config_state_dir(
		    NULL), DRMGR_RECORD, strerror(errno));
	close(dfd);
}

/*
 * Run Check for a migration and keep the operation it opened.  Returns
 * DRIVER_EXIT_OK when allowed (rec filled), DRIVER_EXIT_VETOED or _BUSY
 * (said), or -1 when exitd could not be consulted (said).
 */
static int
drmgr_open_check(struct adapter *a, struct exitpt_client *c,
    const char *what, struct drmgr_record *rec)
{
	struct driver_request	 req = { .phase = EXITPT_OP_CHECK,
	    .action = EXITPT_ACTION_MIGRATION };
	struct exitpt_report	*r = NULL;
	int			 error, rv;

	error = adapter_drive(a, c, &req, what, &r);
	if (error != 0) {
		adapter_refused(a, what, error, r);
		rv = error == EXITPT_E_BUSY ? DRIVER_EXIT_BUSY : -1;
	} else if (exitpt_report_outcome(r) == EXITPT_OUTCOME_VETOED) {
		adapter_vetoes(a, r);
		drmgr_record_remove(a);
		rv = DRIVER_EXIT_VETOED;
	} else {
		memset(rec, 0, sizeof(*rec));
		rec->operation = exitpt_report_operation(r);
		drmgr_record_save(a, rec);
		rv = DRIVER_EXIT_OK;
	}
	exitpt_report_free(r);
	return (rv);
}

/*
 * PHASE=check: Check; a veto or a busy exitd fails drmgr's check.  A
 * check supersedes the operation an earlier check of this hook left
 * waiting (an HMC Validate, or a migration that never came to pre).
 */
static int
drmgr_check(struct adapter *a)
{
	struct exitpt_client	*c;
	struct drmgr_record	 rec;
	int			 rv;

	if (adapter_open(a, "the migration check", &c) != 0)
		return (DRIVER_EXIT_OK);
	exitpt_client_set_supersede(c, 1);
	rv = drmgr_open_check(a, c, "the migration check", &rec);
	exitpt_client_close(c);
	return (rv == -1 ? DRIVER_EXIT_OK : rv);
}

/*
 * PHASE=undocheck: some hook's check failed.  Cancel the operation this
 * hook's check opened; exitd sends Cancel only to those that allowed.
 * With no such operation (none, or the veto already ended it) there is
 * nothing to undo.
 */
static int
drmgr_undocheck(struct adapter *a)
{
	struct driver_request	 req = { .phase = EXITPT_OP_CANCEL };
	const char		*what = "the cancel of the migration check";
	struct exitpt_client	*c;
	struct exitpt_report	*r = NULL;
	struct drmgr_record	 rec;
	int			 error;

	drmgr_record_load(a, &rec);
	if (rec.operation == 0 || rec.prepared)
		return (DRIVER_EXIT_OK);
	if (adapter_open(a, what, &c) != 0)
		return (DRIVER_EXIT_OK);
	req.operation = rec.operation;
	error = adapter_drive(a, c, &req, what, &r);
	if (error != 0 && error != EXITPT_E_NO_OPERATION)
		adapter_refused(a, what, error, r);
	else
		drmgr_record_remove(a);
	exitpt_report_free(r);
	exitpt_client_close(c);
	return (DRIVER_EXIT_OK);
}

/*
 * Prepare rec's operation, recording the machine identity first so that
 * post can tell where it runs even if this hook gives up mid-Prepare.
 * exitd runs Prepare once per operation: drmgr's retry of pre waits for
 * it or gets its report.  Returns the error when the operation cannot be
 * prepared any more (over, or recovered by a restarted exitd), else 0.
 */
static int
drmgr_prepare(struct adapter *a, struct exitpt_client *c,
    struct drmgr_record *rec)
{
	struct driver_request	 req = { .phase = EXITPT_OP_PREPARE };
	const char		*what = "Prepare for the migration";
	struct exitpt_report	*r = NULL;
	int			 error;

	if (!rec->prepared) {
		rec->prepared = 1;
		rec->has_identity = drmgr_identity(a,
		    a->cfg.drmgr_identity_file, rec->identity,
		    &rec->identity_len) == 0;
		drmgr_record_save(a, rec);
	}
	req.operation = rec->operation;
	error = adapter_drive(a, c, &req, what, &r);
	if (error == EXITPT_E_NO_OPERATION || error == EXITPT_E_PHASE) {
		exitpt_report_free(r);
		return (error);
	}
	if (error != 0)
		adapter_refused(a, what, error, r);
	else if (exitpt_report_outcome(r) == EXITPT_OUTCOME_CANCELLED) {
		adapter_say(a, "operation %016" PRIx64 " was cancelled during "
		    "Prepare (see exitctl journal): applications are not "
		    "prepared for this migration", rec->operation);
		drmgr_record_remove(a);
	}
	exitpt_report_free(r);
	return (0);
}

/*
 * PHASE=pre: Prepare the operation this hook's check opened.  When there
 * is none, or it cannot be prepared any more (exitd's recovery timeout
 * may end it while the HMC takes its time between check and pre; a
 * restarted exitd does not prepare what it recovered), a new Check runs
 * first, superseding what is left of it: applications hear of the
 * migration either way.  pre cannot stop drmgr, so a veto here is only
 * reported.
 */
static int
drmgr_pre(struct adapter *a)
{
	struct exitpt_client	*c;
	struct drmgr_record	 rec;
	int			 rv = DRIVER_EXIT_OK;

	drmgr_record_load(a, &rec);
	if (adapter_open(a, "Prepare for the migration", &c) != 0)
		return (DRIVER_EXIT_OK);
	exitpt_client_set_supersede(c, 1);
	if (rec.operation != 0 && drmgr_prepare(a, c, &rec) == 0)
		goto out;
	if (rec.operation != 0)
		adapter_say(a, "operation %016" PRIx64 " of the migration "
		    "check cannot be prepared any more (see exitctl journal; "
		    "raise recovery-timeout in exitd.conf if the HMC waits "
		    "longer between check and pre); checking again",
		    rec.operation);
	rv = drmgr_open_check(a, c, "the check before Prepare", &rec);
	if (rv == DRIVER_EXIT_OK && drmgr_prepare(a, c, &rec) != 0)
		adapter_say(a, "operation %016" PRIx64 " ended before "
		    "Prepare could start: see exitctl journal", rec.operation);
	else if (rv > 0)
		adapter_say(a, "drmgr migrates regardless: pre cannot stop "
		    "a migration");
	if (rv < 0)
		rv = DRIVER_EXIT_OK;
out:
	exitpt_client_close(c);
	return (rv);
}

/*
 * PHASE=post: the migration was attempted; drmgr does not say whether it
 * happened.  A machine identity that differs from the one recorded at
 * pre means the partition now runs elsewhere: Complete.  The same
 * identity means it did not move: Cancel.  An identity that cannot be
 * compared counts as moved: resume programs then run, which is what a
 * partition that did move needs most.  When exitd ended the operation
 * before post (its recovery timeout), a partition that moved still gets
 * Complete, as a resume-only operation.
 */
static int
drmgr_post(struct adapter *a)
{
	struct driver_request	 req = { .system_state = EXITPT_SYSTEM_NORMAL,
	    .action = EXITPT_ACTION_MIGRATION };
	struct exitpt_client	*c;
	struct exitpt_report	*r = NULL;
	struct drmgr_record	 rec;
	unsigned char		 now[DRMGR_IDENTITY_MAX];
	const char		*what;
	size_t			 len = 0;
	int			 moved, error;

	drmgr_record_load(a, &rec);
	if (rec.operation == 0 || !rec.prepared)
		return (DRIVER_EXIT_OK);
	if (!rec.has_identity || drmgr_identity(a,
	    a->cfg.drmgr_identity_file, now, &len) != 0) {
		moved = 1;
		adapter_say(a, "cannot compare machine identities; running "
		    "Complete as after a migration");
	} else
		moved = len != rec.identity_len ||
		    memcmp(now, rec.identity, len) != 0;
	req.phase = moved ? EXITPT_OP_COMPLETE : EXITPT_OP_CANCEL;
	req.operation = rec.operation;
	what = moved ? "Complete after the migration" :
	    "the cancel of the migration that did not happen";
	if (adapter_open(a, what, &c) != 0)
		return (DRIVER_EXIT_OK);
	error = adapter_drive(a, c, &req, what, &r);
	if (error == EXITPT_E_NO_OPERATION) {
		adapter_say(a, "operation %016" PRIx64 " was over before "
		    "post%s: raise recovery-timeout in exitd.conf above the "
		    "longest migration (see exitctl journal)", rec.operation,
		    moved ? "; running Complete alone" : "");
		exitpt_report_free(r);
		r = NULL;
		req.operation = 0;
		req.resume_only = 1;
		what = "Complete alone after the migration";
		if (moved && (error = adapter_drive(a, c, &req, what, &r)) ==
		    EXITPT_E_NO_OPERATION)
			error = 0;
	}
	if (error != 0 && error != EXITPT_E_NO_OPERATION)
		adapter_refused(a, what, error, r);
	drmgr_record_remove(a);
	exitpt_report_free(r);
	exitpt_client_close(c);
	return (DRIVER_EXIT_OK);
}

/* The hook: parse drmgr's environment, run the phase, say what failed. */
int
main(int argc, char **argv)
{
	struct adapter		*a;
	struct drmgr_env	 env;
	int			 rv = DRIVER_EXIT_OK;

	a = adapter_init(DRMGR_PROG, DRMGR_DRIVER, stdout);
	if (argc > 1) {
		adapter_say(a, "takes no arguments: drmgr runs it with "
		    "DRC_TYPE, ACTION and PHASE in its environment");
		adapter_finish(a);
		return (DRIVER_EXIT_USAGE);
	}
	if (drmgr_env_parse(a, &env) == 0) {
		switch (env.phase) {
		case DRMGR_CHECK:
			rv = drmgr_check(a);
			break;
		case DRMGR_UNDOCHECK:
			rv = drmgr_undocheck(a);
			break;
		case DRMGR_PRE:
			rv = drmgr_pre(a);
			break;
		case DRMGR_POST:
			rv = drmgr_post(a);
			break;
		}
	}
	adapter_finish(a);
	return (rv);
}
