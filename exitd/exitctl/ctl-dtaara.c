/*
 * exitctl dtaara: create, delete, show, change and list data areas, after
 * IBM i's CRTDTAARA, DLTDTAARA, RTVDTAARA/DSPDTAARA, CHGDTAARA and
 * WRKDTAARA.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitctl.h"

#define CTL_DTAARA_CHAR_LEN	32	/* CRTDTAARA defaults */
#define CTL_DTAARA_DEC_LEN	15
#define CTL_DTAARA_DEC_DEC	5
/*
 * How long change waits for the area's lock unless told (--wait): an IBM
 * i job's default wait time (DFTWAIT), which bounds CHGDTAARA's.
 */
#define CTL_DTAARA_WAIT		30.0	/* seconds */

static int	ctl_dtaara_fail(const char *, int, const char *);
static int	ctl_dtaara_num(const char *, const char *, const char *,
		    long long, long long, long long *);
static int	ctl_dtaara_open(const char *, const char *,
		    struct exitpt_dtaara **);
static json_t	*ctl_dtaara_json(const char *, struct exitpt_dtaara *);
static int	ctl_dtaara_create(int, char **);
static int	ctl_dtaara_delete(int, char **);
static int	ctl_dtaara_show(int, char **);
static int	ctl_dtaara_change(int, char **);
static int	ctl_dtaara_list(int, char **);

/* Report an error about data area name with a hint for bad names. */
static int
ctl_dtaara_fail(const char *cmd, int error, const char *name)
{
	if (error == EXITPT_E_NAME)
		return (ctl_fail(cmd, error, "'%s' (1..%d of A-Z a-z 0-9 _ . $ "
		    "# @ -, not starting with . or -)", name, EXITPT_NAME_MAX));
	if (error == -ENOENT) {
		ctl_fail(cmd, 0, "no data area '%s'", name);
		return (driver_exit_error(error));
	}
	if (error == -EEXIST) {
		ctl_fail(cmd, 0, "data area '%s' already exists", name);
		return (DRIVER_EXIT_DATA);
	}
	if (error == EXITPT_E_TYPE)
		return (ctl_fail(cmd, error, "'%s' is not a data area", name));
	return (ctl_fail(cmd, error, "data area '%s'", name));
}

/* Parse a whole number option in [min, max] or report a usage error. */
static int
ctl_dtaara_num(const char *cmd, const char *opt, const char *s,
    long long min, long long max, long long *v)
{
	if (text_parse_int(s, min, max, v) != 0)
		return (ctl_usage_error(cmd, "%s must be %lld..%lld, not '%s'",
		    opt, min, max, s));
	return (0);
}

/* Open a data area or report why not. */
static int
ctl_dtaara_open(const char *cmd, const char *name, struct exitpt_dtaara **dp)
{
	int	error;

	if ((error = exitpt_dtaara_open(name, dp)) != 0)
		return (ctl_dtaara_fail(cmd, error, name));
	return (0);
}

/*
 * A data area as a JSON object: name, type, length, decimals, owner,
 * mode, locked_by, changes and (when readable as UTF-8) value.
 */
static json_t *
ctl_dtaara_json(const char *name, struct exitpt_dtaara *d)
{
	struct exitpt_dtaara_info	 info;
	char				 value[EXITPT_DTAARA_CHAR_MAX + 1];
	char				 mode[8], owner[32];
	json_t				*o, *v = NULL;
	size_t				 len;

	if (exitpt_dtaara_info(d, &info) != 0)
		return (json_null());
	if (exitpt_dtaara_retrieve(d, EXITPT_DTAARA_ALL, 0, value,
	    sizeof(value), &len) == 0)
		v = json_stringn(value, len);
	snprintf(mode, sizeof(mode), "%04o", (unsigned int)info.mode);
	ctl_user_name(info.owner, owner, sizeof(owner));
	o = json_pack("{s:s, s:s, s:I, s:i, s:s, s:s, s:I, s:I}", "name", name,
	    "type", exitpt_dtaara_type_name(info.type), "length",
	    (json_int_t)info.length, "decimals", (int)info.decimals, "owner",
	    owner, "mode", mode, "locked_by", (json_int_t)info.locked_by,
	    "changes", (json_int_t)info.changes);
	if (o != NULL)
		json_object_set_new(o, "value", v != NULL ? v : json_null());
	else
		json_decref(v);
	return (o);
}

/* exitctl dtaara create NAME --type T [--length N] [--decimals D] ... */
static int
ctl_dtaara_create(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "length", required_argument, NULL, 'l' },
		{ "decimals", required_argument, NULL, 'd' },
		{ "value", required_argument, NULL, 'v' },
		{ "mode", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	const char			*value = NULL, *type = NULL, *cmd;
	long long			 length = -1, decimals = -1;
	mode_t				 mode;
	int				 ch, rv, t;

	cmd = "dtaara create";
	mode = EXITPT_IPC_MODE_DEFAULT;
	while ((ch = ctl_getopt(argc, argv, longopts)) != -1) {
		switch (ch) {
		case 't':
			type = optarg;
			break;
		case 'l':
			if ((rv = ctl_dtaara_num(cmd, "--length", optarg, 1,
			    EXITPT_DTAARA_CHAR_MAX, &length)) != 0)
				return (rv);
			break;
		case 'd':
			if ((rv = ctl_dtaara_num(cmd, "--decimals", optarg, 0,
			    EXITPT_DTAARA_DEC_DECIMALS, &decimals)) != 0)
				return (rv);
			break;
		case 'v':
			value = optarg;
			break;
		case 'm':
			if ((rv = ctl_mode_parse(cmd, optarg, &mode)) != 0)
				return (rv);
			break;
		default:
			return (ctl_usage_error(cmd, "bad option"));
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		return (ctl_usage_error(cmd, "expected NAME"));
	if (type == NULL)
		return (ctl_usage_error(cmd, "--type is required"));
	if ((t = exitpt_dtaara_type_parse(type)) < 0)
		return (ctl_usage_error(cmd, "--type must be *CHAR, *DEC or "
		    "*LGL, not '%s'", type));
	switch (t) {
	case EXITPT_DTAARA_CHAR:
		if (decimals > 0)
			return (ctl_usage_error(cmd, "--decimals is for *DEC"));
		if (length == -1)
			length = CTL_DTAARA_CHAR_LEN;
		decimals = 0;
		break;
	case EXITPT_DTAARA_DEC:
		if (length == -1) {
			length = CTL_DTAARA_DEC_LEN;
			if (decimals == -1)
				decimals = CTL_DTAARA_DEC_DEC;
		}
		if (decimals == -1)
			decimals = 0;
		if (length > EXITPT_DTAARA_DEC_DIGITS || decimals > length)
			return (ctl_usage_error(cmd, "*DEC takes --length "
			    "1..%d digits and --decimals 0..%d, at most the "
			    "length", EXITPT_DTAARA_DEC_DIGITS,
			    EXITPT_DTAARA_DEC_DECIMALS));
		break;
	case EXITPT_DTAARA_LGL:
		if ((length != -1 && length != 1) || decimals > 0)
			return (ctl_usage_error(cmd, "*LGL has length 1 and "
			    "no decimals"));
		length = 1;
		decimals = 0;
		break;
	}
	rv = exitpt_dtaara_create(argv[0], t, (size_t)length,
	    (unsigned int)decimals, value, value != NULL ? strlen(value) : 0,
	    mode);
	if (rv == EXITPT_E_TOO_LONG)
		return (ctl_fail(cmd, rv, "--value is %zu bytes, the data area "
		    "%lld", strlen(value), length));
	if (rv == EXITPT_E_DECIMAL)
		return (ctl_fail(cmd, rv, "--value '%s' does not fit *DEC "
		    "(%lld %lld)", value, length, decimals));
	if (rv == EXITPT_E_VALUE && t == EXITPT_DTAARA_LGL && value != NULL)
		return (ctl_fail(cmd, rv, "*LGL value must be 0 or 1, not "
		    "'%s'", value));
	if (rv != 0)
		return (ctl_dtaara_fail(cmd, rv, argv[0]));
	return (DRIVER_EXIT_OK);
}

/* exitctl dtaara delete NAME */
static int
ctl_dtaara_delete(int argc, char **argv)
{
	int	rv;

	if ((rv = ctl_noopt("dtaara delete", argc, argv)) != 0)
		return (rv);
	argc -= optind;
	argv += optind;
	if (argc != 1)
		return (ctl_usage_error("dtaara delete", "expected NAME"));
	if ((rv = exitpt_dtaara_delete(argv[0])) != 0)
		return (ctl_dtaara_fail("dtaara delete", rv, argv[0]));
	return (DRIVER_EXIT_OK);
}

/* exitctl dtaara show NAME [--start S --length L] [--json] */
static int
ctl_dtaara_show(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "start", required_argument, NULL, 's' },
		{ "length", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	struct exitpt_dtaara		*d;
	const char			*cmd = "dtaara show";
	char				 value[EXITPT_DTAARA_CHAR_MAX + 1], *text;
	long long			 start = 0, length = 0;
	size_t				 len;
	int				 ch, rv;

	while ((ch = ctl_getopt(argc, argv, longopts)) != -1) {
		switch (ch) {
		case 's':
			if ((rv = ctl_dtaara_num(cmd, "--start", optarg, 1,
			    EXITPT_DTAARA_CHAR_MAX, &start)) != 0)
				return (rv);
			break;
		case 'l':
			if ((rv = ctl_dtaara_num(cmd, "--length", optarg, 1,
			    EXITPT_DTAARA_CHAR_MAX, &length)) != 0)
				return (rv);
			break;
		default:
			return (ctl_usage_error(cmd, "bad option"));
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		return (ctl_usage_error(cmd, "expected NAME"));
	if ((start == 0) != (length == 0))
		return (ctl_usage_error(cmd, "--start and --length go "
		    "together"));
	if (ctl_opts.json && start != 0)
		return (ctl_usage_error(cmd, "--json shows the whole value"));
	if ((rv = ctl_dtaara_open(cmd, argv[0], &d)) != 0)
		return (rv);
	if (ctl_opts.json) {
		rv = ctl_json_print(ctl_dtaara_json(argv[0], d));
		exitpt_dtaara_close(d);
		return (rv);
	}
	rv = exitpt_dtaara_retrieve(d, (size_t)start, (size_t)length, value,
	    sizeof(value), &len);
	exitpt_dtaara_close(d);
	if (rv == EXITPT_E_VALUE)
		return (ctl_fail(cmd, rv, "substring %lld,%lld of '%s' (a "
		    "*CHAR substring inside the value)", start, length,
		    argv[0]));
	if (rv != 0)
		return (ctl_dtaara_fail(cmd, rv, argv[0]));
	/* Another user's value must not drive the terminal: escaped. */
	if ((text = ctl_dtaq_encode(value, len, 0)) == NULL)
		return (ctl_fail(cmd, -ENOMEM, "'%s'", argv[0]));
	printf("%s\n", text);
	free(text);
	return (DRIVER_EXIT_OK);
}

/* exitctl dtaara change NAME VALUE|--add DEC [--start S --length L] */
static int
ctl_dtaara_change(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "start", required_argument, NULL, 's' },
		{ "length", required_argument, NULL, 'l' },
		{ "add", required_argument, NULL, 'a' },
		{ "wait", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	struct exitpt_dtaara		*d;
	const char			*cmd = "dtaara change", *add = NULL;
	char				 result[64];	/* *DEC text */
	long long			 start = 0, length = 0;
	double				 wait = CTL_DTAARA_WAIT;
	int				 ch, rv;

	while ((ch = ctl_getopt(argc, argv, longopts)) != -1) {
		switch (ch) {
		case 's':
			if ((rv = ctl_dtaara_num(cmd, "--start", optarg, 1,
			    EXITPT_DTAARA_CHAR_MAX, &start)) != 0)
				return (rv);
			break;
		case 'l':
			if ((rv = ctl_dtaara_num(cmd, "--length", optarg, 1,
			    EXITPT_DTAARA_CHAR_MAX, &length)) != 0)
				return (rv);
			break;
		case 'a':
			add = optarg;
			break;
		case 'w':
			if (exitpt_ipc_wait_parse(optarg, &wait) != 0)
				return (ctl_usage_error(cmd, "--wait must be "
				    "forever, none or seconds, not '%s'",
				    optarg));
			break;
		default:
			return (ctl_usage_error(cmd, "bad option"));
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != (add != NULL ? 1 : 2))
		return (ctl_usage_error(cmd, add != NULL ? "expected NAME "
		    "with --add" : "expected NAME and VALUE"));
	if ((start == 0) != (length == 0))
		return (ctl_usage_error(cmd, "--start and --length go "
		    "together"));
	if (add != NULL && start != 0)
		return (ctl_usage_error(cmd, "--add changes the whole value"));
	if ((rv = ctl_dtaara_open(cmd, argv[0], &d)) != 0)
		return (rv);
	if (add != NULL)
		rv = exitpt_dtaara_add(d, add, wait, result, sizeof(result));
	else
		rv = exitpt_dtaara_change(d, (size_t)start, (size_t)length,
		    argv[1], strlen(argv[1]), wait);
	exitpt_dtaara_close(d);
	switch (rv) {
	case 0:
		if (add != NULL)
			printf("%s\n", result);
		return (DRIVER_EXIT_OK);
	case EXITPT_E_TOO_LONG:
		return (ctl_fail(cmd, rv, "%zu bytes for %s of '%s'",
		    strlen(argv[1]), start != 0 ? "a substring" : "the value",
		    argv[0]));
	case EXITPT_E_DECIMAL:
		return (ctl_fail(cmd, rv, "'%s' for *DEC data area '%s'",
		    add != NULL ? add : argv[1], argv[0]));
	case EXITPT_E_TYPE:
		return (ctl_fail(cmd, rv, "--add needs a *DEC data area, "
		    "'%s' is not", argv[0]));
	case EXITPT_E_VALUE:
		if (start != 0)
			return (ctl_fail(cmd, rv, "substring %lld,%lld of '%s' "
			    "(a *CHAR substring inside the value)", start,
			    length, argv[0]));
		return (ctl_fail(cmd, rv, "*LGL data area '%s' takes 0 or 1, "
		    "not '%s'", argv[0], argv[1]));
	case EXITPT_E_TIMEOUT:
		return (ctl_fail(cmd, rv, "data area '%s' is locked by "
		    "another process", argv[0]));
	}
	return (ctl_dtaara_fail(cmd, rv, argv[0]));
}

/* exitctl dtaara list [--json] */
static int
ctl_dtaara_list(int argc, char **argv)
{
	struct exitpt_dtaara_info	 info;
	struct exitpt_dtaara		*d;
	char				**names, size[32], owner[32];
	json_t				*arr = NULL, *o;
	size_t				 n, i;
	int				 rv, header = 0;

	if ((rv = ctl_noopt("dtaara list", argc, argv)) != 0)
		return (rv);
	if (argc != optind)
		return (ctl_usage_error("dtaara list", "no arguments"));
	if ((rv = exitpt_dtaara_list(&names, &n)) != 0)
		return (ctl_fail("dtaara list", rv, "listing data areas"));
	if (ctl_opts.json && (arr = json_array()) == NULL) {
		exitpt_dtaara_list_free(names, n);
		return (ctl_fail("dtaara list", -ENOMEM, "output"));
	}
	for (i = 0; i < n; i++) {
		/* Gone or unreadable since listed: leave it out. */
		if (exitpt_dtaara_open(names[i], &d) != 0)
			continue;
		if (ctl_opts.json) {
			if ((o = ctl_dtaara_json(names[i], d)) != NULL)
				json_array_append_new(arr, o);
		} else if (exitpt_dtaara_info(d, &info) == 0) {
			if (info.type == EXITPT_DTAARA_DEC)
				snprintf(size, sizeof(size), "%zu,%u",
				    info.length, info.decimals);
			else
				snprintf(size, sizeof(size), "%zu",
				    info.length);
			if (!header++)
				printf("%-32s %-5s %6s %-10s %s\n", "NAME",
				    "TYPE", "LENGTH", "OWNER", "MODE");
			printf("%-32s %-5s %6s %-10s %04o", names[i],
			    exitpt_dtaara_type_name(info.type), size,
			    ctl_user_name(info.owner, owner,
			    sizeof(owner)), (unsigned int)info.mode);
			if (info.locked_by != 0)
				printf(" locked by %ld", (long)info.locked_by);
			putchar('\n');
		}
		exitpt_dtaara_close(d);
	}
	exitpt_dtaara_list_free(names, n);
	if (ctl_opts.json)
		return (ctl_json_print(arr));
	return (DRIVER_EXIT_OK);
}

/* exitctl dtaara SUBCOMMAND ... */
int
ctl_dtaara(int argc, char **argv)
{
	static const struct {
		const char	*name;
		int		 (*fn)(int, char **);
	} subs[] = {
		{ "create", ctl_dtaara_create },
		{ "delete", ctl_dtaara_delete },
		{ "show", ctl_dtaara_show },
		{ "change", ctl_dtaara_change },
		{ "list", ctl_dtaara_list },
	};
	size_t	i;

	if (argc < 2)
		return (ctl_usage_error("dtaara", "expected create, delete, "
		    "show, change or list"));
	for (i = 0; i < nitems(subs); i++) {
		if (strcmp(argv[1], subs[i].name) == 0) {
			optind = 0;
			return (subs[i].fn(argc - 1, argv + 1));
		}
	}
	return (ctl_usage_error("dtaara", "unknown subcommand '%s'",
	    argv[1]));
}
