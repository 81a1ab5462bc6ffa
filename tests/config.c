/*
 * exitd.conf: the adapters' keys (drmgr-identity-file, drmgr-timeout) have
 * their defaults, take valid values, and refuse bad ones with the file,
 * the line and the reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitpt-int.h"
#include "tap.h"

static char	 conf_path[] = "/tmp/exitpt-config.XXXXXX";

static int	 load(const char *, struct config *, char *, size_t);

/* Write text as the configuration file and load it. */
static int
load(const char *text, struct config *cfg, char *err, size_t errlen)
{
	FILE	*fp;

	if ((fp = fopen(conf_path, "w")) == NULL)
		tap_bail("cannot write the configuration file");
	fputs(text, fp);
	fclose(fp);
	err[0] = '\0';
	return (config_load(conf_path, cfg, err, errlen));
}

/* The adapters' settings, good and bad. */
int
main(void)
{
	struct config	 cfg;
	char		 err[512];
	int		 fd, rv;

	if ((fd = mkstemp(conf_path)) == -1)
		tap_bail("mkstemp");
	close(fd);

	rv = load("# nothing\n", &cfg, err, sizeof(err));
	is_int(rv, 0, "an empty file loads");
	is_int(cfg.drmgr_timeout, 1200, "drmgr_timeout_defaults_to_1200_s");
	ok(strcmp(cfg.drmgr_identity_file, "/proc/device-tree/system-id") ==
	    0, "drmgr_identity_defaults_to_the_device_tree_system_id");
	config_clear(&cfg);

	rv = load("drmgr-timeout 30\ndrmgr-identity-file /etc/machine-id\n",
	    &cfg, err, sizeof(err));
	is_int(rv, 0, "both keys load");
	is_int(cfg.drmgr_timeout, 30, "drmgr-timeout 30 is 30 s");
	ok(strcmp(cfg.drmgr_identity_file, "/etc/machine-id") == 0,
	    "drmgr-identity-file is the path given");
	config_clear(&cfg);

	rv = load("recovery-timeout 60\n\ndrmgr-timeout 0\n", &cfg, err,
	    sizeof(err));
	is_int(rv, EXITPT_E_VALUE, "drmgr_timeout_0_is_refused");
	ok(strstr(err, ":3: drmgr-timeout must be 1..86400 seconds, not "
	    "'0'") != NULL, "naming the line and the range (%s)", err);
	ok(cfg.drmgr_identity_file == NULL, "and nothing is left allocated");

	rv = load("drmgr-timeout 86401\n", &cfg, err, sizeof(err));
	is_int(rv, EXITPT_E_VALUE, "drmgr-timeout 86401 is refused");
	rv = load("drmgr-timeout 12s\n", &cfg, err, sizeof(err));
	is_int(rv, EXITPT_E_VALUE, "drmgr-timeout 12s is refused");
	rv = load("drmgr-timeout\n", &cfg, err, sizeof(err));
	is_int(rv, EXITPT_E_MALFORMED, "drmgr-timeout without a value is "
	    "malformed");

	rv = load("drmgr-identity-file etc/machine-id\n", &cfg, err,
	    sizeof(err));
	is_int(rv, EXITPT_E_VALUE, "drmgr_identity_file_must_be_absolute");
	ok(strstr(err, ":1: drmgr-identity-file must be an absolute path, "
	    "not 'etc/machine-id'") != NULL, "with a clear error (%s)", err);
	rv = load("drmgr-identity-file /a /b\n", &cfg, err, sizeof(err));
	is_int(rv, EXITPT_E_MALFORMED, "two paths are malformed");

	rv = load("drmgr-identity-file /x\ndrmgr-identity-file /y\n", &cfg,
	    err, sizeof(err));
	ok(rv == 0 && strcmp(cfg.drmgr_identity_file, "/y") == 0,
	    "the last of repeated keys wins");
	config_clear(&cfg);

	unlink(conf_path);
	return (tap_done());
}
