/*
 * exitpt configuration file (exitd.conf): one setting per line,
 *
 *	admin-group NAME
 *	recovery-timeout SECONDS
 *	containment auto|cgroup|cgroup-per-run|subreaper
 *	registry-lock-timeout SECONDS
 *	exit-point EXIT_POINT check-failure allow|veto
 *	exit-point EXIT_POINT order parallel|serial
 *	drmgr-identity-file PATH
 *	drmgr-timeout SECONDS
 *	dr-timeout SECONDS
 *	dr-veto user|group NAME		(repeatable)
 *	voter-timeout-max SECONDS
 *
 * plus the locations of the state directory and the file itself, which the
 * environment may override (tests use that).
 */
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitpt-int.h"

#define CONFIG_LINE_MAX		1024
#define CONFIG_RECOVERY_DEFAULT	300
#define CONFIG_DRMGR_TIMEOUT	1200
#define CONFIG_DRMGR_IDENTITY	"/proc/device-tree/system-id"
#define CONFIG_LOCK_DEFAULT	10
#define CONFIG_WORDS		5
#define CONFIG_DR_VETO_MAX	64	/* dr-veto lines */

static int	 config_split(char *, char **);
static int	 config_seconds(char **, int, int, int *, char *, size_t);
static int	 config_line(struct config *, char **, int, char *, size_t);

/* Path of the configuration file: $EXITPT_CONFIG or the built-in path. */
const char *
config_default_path(void)
{
	const char	*p;

	if ((p = getenv("EXITPT_CONFIG")) != NULL && *p != '\0')
		return (p);
	return (EXITPT_SYSCONFDIR "/exitpt/exitd.conf");
}

/* State directory: the given one, $EXITPT_STATE_DIR, or the built-in. */
const char *
config_state_dir(const char *override)
{
	const char	*p;

	if (override != NULL && *override != '\0')
		return (override);
	if ((p = getenv("EXITPT_STATE_DIR")) != NULL && *p != '\0')
		return (p);
	return (EXITPT_LOCALSTATEDIR "/lib/exitpt");
}

/* Split line into at most CONFIG_WORDS blank-separated words. */
static int
config_split(char *line, char **word)
{
	int	 n = 0;
	char	*p;

	for (p = strtok(line, " \t\r\n"); p != NULL;
	    p = strtok(NULL, " \t\r\n")) {
		if (*p == '#')
			break;
		if (n == CONFIG_WORDS)
			return (-1);
		word[n++] = p;
	}
	return (n);
}

/*
 * A setting "NAME SECONDS", min..max, into *out; fill err with the reason
 * on failure.
 */
static int
config_seconds(char **w, int min, int max, int *out, char *err,
    size_t errlen)
{
	long long	v;

	if (text_parse_int(w[1], min, max, &v) != 0) {
		snprintf(err, errlen, "%s must be %d..%d seconds, not '%s'",
		    w[0], min, max, w[1]);
		return (EXITPT_E_VALUE);
	}
	*out = (int)v;
	return (0);
}

/*
 * dr-veto user|group NAME: let a user, or the members of a group, veto
 * with DR_EVENT_FAIL (root always may).
 */
static int
config_dr_veto(struct config *cfg, const char *what, const char *name,
    char *err, size_t errlen)
{
	struct passwd	*pw;
	struct group	*gr;
	void		*p;

	if (cfg->dr_veto_nuids + cfg->dr_veto_ngids >= CONFIG_DR_VETO_MAX) {
		snprintf(err, errlen, "more than %d dr-veto lines",
		    CONFIG_DR_VETO_MAX);
		return (EXITPT_E_VALUE);
	}
	if (strcmp(what, "user") == 0) {
		if ((pw = getpwnam(name)) == NULL) {
			snprintf(err, errlen, "unknown user '%s'", name);
			return (EXITPT_E_USER);
		}
		if ((p = reallocarray(cfg->dr_veto_uids,
		    cfg->dr_veto_nuids + 1, sizeof(uid_t))) == NULL)
			return (-ENOMEM);
		cfg->dr_veto_uids = p;
		cfg->dr_veto_uids[cfg->dr_veto_nuids++] = pw->pw_uid;
		return (0);
	}
	if (strcmp(what, "group") == 0) {
		if ((gr = getgrnam(name)) == NULL) {
			snprintf(err, errlen, "unknown group '%s'", name);
			return (EXITPT_E_USER);
		}
		if ((p = reallocarray(cfg->dr_veto_gids,
		    cfg->dr_veto_ngids + 1, sizeof(gid_t))) == NULL)
			return (-ENOMEM);
		cfg->dr_veto_gids = p;
		cfg->dr_veto_gids[cfg->dr_veto_ngids++] = gr->gr_gid;
		return (0);
	}
	snprintf(err, errlen, "dr-veto takes 'user NAME' or 'group NAME', "
	    "not '%s'", what);
	return (EXITPT_E_MALFORMED);
}

/* Apply one parsed line to cfg; fill err with the reason on failure. */
static int
config_line(struct config *cfg, char **w, int n, char *err, size_t errlen)
{
	int	point;

	if (strcmp(w[0], "admin-group") == 0 && n == 2) {
		if (getgrnam(w[1]) == NULL) {
			snprintf(err, errlen, "unknown group '%s'", w[1]);
			return (EXITPT_E_USER);
		}
		free(cfg->admin_group);
		if ((cfg->admin_group = strdup(w[1])) == NULL)
			return (-ENOMEM);
		return (0);
	}
	if (strcmp(w[0], "recovery-timeout") == 0 && n == 2)
		return (config_seconds(w, 1, 86400, &cfg->recovery_timeout,
		    err, errlen));
	if (strcmp(w[0], "drmgr-identity-file") == 0 && n == 2) {
		if (w[1][0] != '/') {
			snprintf(err, errlen, "drmgr-identity-file must be an "
			    "absolute path, not '%s'", w[1]);
			return (EXITPT_E_VALUE);
		}
		free(cfg->drmgr_identity_file);
		if ((cfg->drmgr_identity_file = strdup(w[1])) == NULL)
			return (-ENOMEM);
		return (0);
	}
	if (strcmp(w[0], "drmgr-timeout") == 0 && n == 2)
		return (config_seconds(w, 1, 86400, &cfg->drmgr_timeout, err,
		    errlen));
	if (strcmp(w[0], "dr-timeout") == 0 && n == 2)
		return (config_seconds(w, EXITPT_WAIT_MIN, EXITPT_WAIT_MAX,
		    &cfg->dr_timeout, err, errlen));
	if (strcmp(w[0], "voter-timeout-max") == 0 && n == 2)
		return (config_seconds(w, 1, 3600, &cfg->voter_timeout_max, err,
		    errlen));
	if (strcmp(w[0], "dr-veto") == 0 && n == 3)
		return (config_dr_veto(cfg, w[1], w[2], err, errlen));
	if (strcmp(w[0], "registry-lock-timeout") == 0 && n == 2)
		return (config_seconds(w, 1, 3600, &cfg->lock_timeout, err,
		    errlen));
	if (strcmp(w[0], "containment") == 0 && n == 2) {
		if (strcmp(w[1], "auto") == 0)
			cfg->containment = CONFIG_CONTAIN_AUTO;
		else if (strcmp(w[1], "cgroup") == 0)
			cfg->containment = CONFIG_CONTAIN_CGROUP;
		else if (strcmp(w[1], "cgroup-per-run") == 0)
			cfg->containment = CONFIG_CONTAIN_CGROUP_RUN;
		else if (strcmp(w[1], "subreaper") == 0)
			cfg->containment = CONFIG_CONTAIN_SUBREAPER;
		else {
			snprintf(err, errlen, "containment must be auto, "
			    "cgroup, cgroup-per-run or subreaper, not '%s'",
			    w[1]);
			return (EXITPT_E_VALUE);
		}
		return (0);
	}
	if (strcmp(w[0], "exit-point") == 0 && n == 4) {
		if ((point = registry_point_parse(w[1])) < 0) {
			snprintf(err, errlen, "unknown exit point '%s'", w[1]);
			return (EXITPT_E_EXIT_POINT);
		}
		if (strcmp(w[2], "check-failure") == 0 &&
		    (strcmp(w[3], "allow") == 0 || strcmp(w[3], "veto") == 0)) {
			cfg->point[point].check_failure_veto =
			    strcmp(w[3], "veto") == 0;
			return (0);
		}
		if (strcmp(w[2], "order") == 0 && (strcmp(w[3], "parallel") ==
		    0 || strcmp(w[3], "serial") == 0)) {
			cfg->point[point].serial = strcmp(w[3], "serial") == 0;
			return (0);
		}
	}
	snprintf(err, errlen, "unknown setting '%s' (or wrong number of "
	    "words)", w[0]);
	return (EXITPT_E_MALFORMED);
}

/*
 * A time in seconds that a D-Bus voter or inhibitor lock of uid asked for
 * (a timeout, a wait time), capped at voter-timeout-max for every uid but
 * root when the configuration sets one (as logind's InhibitDelayMaxSec).
 */
int
config_voter_cap(const struct config *cfg, uid_t uid, int seconds)
{
	if (uid != 0 && cfg->voter_timeout_max > 0 &&
	    seconds > cfg->voter_timeout_max)
		return (cfg->voter_timeout_max);
	return (seconds);
}

/* Fill cfg with the built-in settings; 0 or -ENOMEM. */
int
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->recovery_timeout = CONFIG_RECOVERY_DEFAULT;
	cfg->drmgr_timeout = CONFIG_DRMGR_TIMEOUT;
	cfg->dr_timeout = CONFIG_DR_TIMEOUT;
	cfg->lock_timeout = CONFIG_LOCK_DEFAULT;
	if ((cfg->drmgr_identity_file = strdup(CONFIG_DRMGR_IDENTITY)) ==
	    NULL)
		return (-ENOMEM);
	if (EXITPT_DEFAULT_ADMIN_GROUP[0] != '\0' &&
	    (cfg->admin_group = strdup(EXITPT_DEFAULT_ADMIN_GROUP)) == NULL) {
		config_clear(cfg);
		return (-ENOMEM);
	}
	return (0);
}

/*
 * Load the configuration from path (NULL: the default path, which may be
 * missing).  On failure err holds "file:line: reason".
 */
int
config_load(const char *path, struct config *cfg, char *err, size_t errlen)
{
	FILE		*fp;
	char		 line[CONFIG_LINE_MAX], why[256], *w[CONFIG_WORDS];
	const char	*file;
	int		 n, lineno = 0, error = 0;

	if ((error = config_defaults(cfg)) != 0)
		return (error);
	file = path != NULL ? path : config_default_path();
	if ((fp = fopen(file, "re")) == NULL) {
		error = -errno;
		if (path == NULL && error == -ENOENT)
			return (0);
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		config_clear(cfg);
		return (error);
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			snprintf(err, errlen, "%s:%d: line too long", file,
			    lineno);
			error = EXITPT_E_MALFORMED;
			break;
		}
		if ((n = config_split(line, w)) == 0)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s:%d: too many words", file,
			    lineno);
			error = EXITPT_E_MALFORMED;
			break;
		}
		if ((error = config_line(cfg, w, n, why, sizeof(why))) != 0) {
			snprintf(err, errlen, "%s:%d: %s", file, lineno, why);
			break;
		}
	}
	fclose(fp);
	if (error != 0)
		config_clear(cfg);
	return (error);
}

/* Free what config_load allocated. */
void
config_clear(struct config *cfg)
{
	free(cfg->admin_group);
	cfg->admin_group = NULL;
	free(cfg->drmgr_identity_file);
	cfg->drmgr_identity_file = NULL;
	free(cfg->dr_veto_uids);
	cfg->dr_veto_uids = NULL;
	cfg->dr_veto_nuids = 0;
	free(cfg->dr_veto_gids);
	cfg->dr_veto_gids = NULL;
	cfg->dr_veto_ngids = 0;
}

/*
 * Whether the user uid, whose primary group (as the kernel gave it) is
 * gid, belongs to group want: primary or supplementary.
 */
static int
config_in_group(uid_t uid, gid_t gid, gid_t want)
{
	struct passwd	*pw;
	gid_t		 groups[256];
	int		 i, n = (int)nitems(groups);

	if (gid == want)
		return (1);
	if ((pw = getpwuid(uid)) == NULL)
		return (0);
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) == -1)
		return (0);
	for (i = 0; i < n; i++) {
		if (groups[i] == want)
			return (1);
	}
	return (0);
}

/*
 * Tell whether a user may change the registry and drive phases: root, or
 * a member of the configured admin group.
 */
int
config_is_admin(const struct config *cfg, uid_t uid, gid_t gid)
{
	struct group	*gr;

	if (uid == 0)
		return (1);
	if (cfg->admin_group == NULL || (gr = getgrnam(cfg->admin_group)) ==
	    NULL)
		return (0);
	return (config_in_group(uid, gid, gr->gr_gid));
}

/*
 * Tell whether a dr_reconfig() process of this user may veto with
 * DR_EVENT_FAIL: root (as on AIX), or a user or group named by dr-veto.
 */
int
config_dr_may_veto(const struct config *cfg, uid_t uid, gid_t gid)
{
	size_t	i;

	if (uid == 0)
		return (1);
	for (i = 0; i < cfg->dr_veto_nuids; i++) {
		if (cfg->dr_veto_uids[i] == uid)
			return (1);
	}
	for (i = 0; i < cfg->dr_veto_ngids; i++) {
		if (config_in_group(uid, gid, cfg->dr_veto_gids[i]))
			return (1);
	}
	return (0);
}
