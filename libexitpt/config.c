/*
 * exitpt configuration file (exitd.conf): one setting per line,
 *
 *	admin-group NAME
 *	recovery-timeout SECONDS
 *	containment auto|cgroup|cgroup-per-run|subreaper
 *	registry-lock-timeout SECONDS
 *	exit-point EXIT_POINT check-failure allow|veto
 *	exit-point EXIT_POINT order parallel|serial
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
#define CONFIG_LOCK_DEFAULT	10
#define CONFIG_WORDS		5

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

/* Apply one parsed line to cfg; fill err with the reason on failure. */
static int
config_line(struct config *cfg, char **w, int n, char *err, size_t errlen)
{
	long long	 v;
	int		 point;

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
	if (strcmp(w[0], "recovery-timeout") == 0 && n == 2) {
		if (text_parse_int(w[1], 1, 86400, &v) != 0) {
			snprintf(err, errlen, "recovery-timeout must be "
			    "1..86400 seconds, not '%s'", w[1]);
			return (EXITPT_E_VALUE);
		}
		cfg->recovery_timeout = (int)v;
		return (0);
	}
	if (strcmp(w[0], "registry-lock-timeout") == 0 && n == 2) {
		if (text_parse_int(w[1], 1, 3600, &v) != 0) {
			snprintf(err, errlen, "registry-lock-timeout must be "
			    "1..3600 seconds, not '%s'", w[1]);
			return (EXITPT_E_VALUE);
		}
		cfg->lock_timeout = (int)v;
		return (0);
	}
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

	memset(cfg, 0, sizeof(*cfg));
	cfg->recovery_timeout = CONFIG_RECOVERY_DEFAULT;
	cfg->lock_timeout = CONFIG_LOCK_DEFAULT;
	if (EXITPT_DEFAULT_ADMIN_GROUP[0] != '\0' &&
	    (cfg->admin_group = strdup(EXITPT_DEFAULT_ADMIN_GROUP)) == NULL)
		return (-ENOMEM);
	file = path != NULL ? path : config_default_path();
	if ((fp = fopen(file, "re")) == NULL) {
		error = -errno;
		if (path == NULL && error == -ENOENT)
			return (0);
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
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
}

/*
 * Tell whether a user may change the registry and drive phases: root, or
 * a member of the configured admin group.
 */
int
config_is_admin(const struct config *cfg, uid_t uid, gid_t gid)
{
	struct group	*gr;
	struct passwd	*pw;
	gid_t		 admin, groups[256];
	int		 i, n = (int)nitems(groups);

	if (uid == 0)
		return (1);
	if (cfg->admin_group == NULL || (gr = getgrnam(cfg->admin_group)) ==
	    NULL)
		return (0);
	admin = gr->gr_gid;
	if (gid == admin)
		return (1);
	if ((pw = getpwuid(uid)) == NULL)
		return (0);
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) == -1)
		return (0);
	for (i = 0; i < n; i++) {
		if (groups[i] == admin)
			return (1);
	}
	return (0);
}
