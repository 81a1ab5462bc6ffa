/*
 * The registration facility: add, remove, list, replace, *LOW and *HIGH,
 * duplicates, limits, unknown exit points and users, escaping of program
 * data, and the safety check applied to programs.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitpt-int.h"
#include "tap.h"

static char	 dir[PATH_MAX];
static int	 warnings;

/* Count warnings about malformed entries. */
static void
warn_cb(const char *msg, void *arg)
{
	warnings++;
	printf("# warning: %s\n", msg);
}

/* Register program path as number on point with default fields. */
static int
add(int point, int32_t number, const char *path, const char *data,
    int flags, int32_t *got)
{
	struct registry_entry	e = {
		.point = point, .number = number, .program = (char *)path,
		.user = "root", .data = (char *)data, .text = "test",
		.check_timeout = 30, .complete_timeout = 300,
	};
	int			error;

	error = registry_add(dir, &e, flags);
	if (got != NULL)
		*got = e.number;
	return (error);
}

/* Number of entries on point, or -1. */
static int
count(int point)
{
	struct registry_list	l;
	int			n;

	if (registry_load(dir, point, warn_cb, NULL, &l) != 0)
		return (-1);
	n = (int)l.count;
	registry_list_clear(&l);
	return (n);
}

static void
test_add_remove_list(void)
{
	struct registry_list	l;
	int32_t			got;

	is_int(count(-1), 0, "an empty state directory lists nothing");
	is_int(add(REGISTRY_SUSPEND, 20, "/bin/true", "", 0, NULL), 0,
	    "add number 20");
	is_int(add(REGISTRY_SUSPEND, 5, "/bin/false", "x", 0, NULL), 0,
	    "add number 5");
	is_int(add(REGISTRY_RESUME, 7, "/bin/true", "", 0, NULL), 0,
	    "add number 7 on the resume exit point");
	is_int(registry_load(dir, REGISTRY_SUSPEND, warn_cb, NULL, &l), 0,
	    "load suspend");
	is_int(l.count, 2, "two suspend programs");
	if (l.count == 2) {
		is_int(l.entries[0].number, 5, "listed in ascending number");
		is_int(l.entries[1].number, 20, "then 20");
		is_str(l.entries[0].program, "/bin/false", "program kept");
		is_str(l.entries[0].data, "x", "data kept");
		is_int(l.entries[0].check_timeout, 30, "check timeout kept");
	}
	registry_list_clear(&l);
	is_int(count(-1), 3, "all exit points list three");
	is_int(add(REGISTRY_SUSPEND, 5, "/bin/echo", "", 0, NULL),
	    EXITPT_E_DUPLICATE, "a duplicate number is an error");
	is_int(add(REGISTRY_SUSPEND, 5, "/bin/echo", "", REGISTRY_REPLACE,
	    NULL), 0, "replace is allowed when asked for");
	is_int(registry_load(dir, REGISTRY_SUSPEND, NULL, NULL, &l), 0,
	    "reload");
	if (l.count > 0)
		is_str(l.entries[0].program, "/bin/echo", "replaced program");
	registry_list_clear(&l);
	is_int(count(REGISTRY_SUSPEND), 2, "replace keeps the count");
	is_int(registry_remove(dir, REGISTRY_SUSPEND, 20), 0, "remove 20");
	is_int(registry_remove(dir, REGISTRY_SUSPEND, 20),
	    EXITPT_E_NOT_REGISTERED, "removing it again is an error");
	is_int(registry_remove(dir, REGISTRY_SUSPEND, 0), EXITPT_E_NUMBER,
	    "remove number 0 is out of range");
	is_int(count(REGISTRY_SUSPEND), 1, "one suspend program left");
	is_int(add(REGISTRY_SUSPEND, REGISTRY_LOW, "/bin/true", "", 0, &got),
	    0, "*LOW");
	is_int(got, 1, "*LOW picks 1 when 1 is free");
	is_int(add(REGISTRY_SUSPEND, REGISTRY_LOW, "/bin/true", "", 0, &got),
	    0, "*LOW again");
	is_int(got, 2, "*LOW picks the lowest free number (2)");
	is_int(add(REGISTRY_SUSPEND, REGISTRY_LOW, "/bin/true", "", 0, &got),
	    0, "*LOW again");
	is_int(got, 3, "*LOW skips 1, 2 and picks 3");
	is_int(add(REGISTRY_SUSPEND, REGISTRY_LOW, "/bin/true", "", 0, &got),
	    0, "*LOW again");
	is_int(got, 4, "*LOW picks 4, below the used 5");
	is_int(add(REGISTRY_SUSPEND, REGISTRY_LOW, "/bin/true", "", 0, &got),
	    0, "*LOW again");
	is_int(got, 6, "*LOW skips the used 5");
	is_int(add(REGISTRY_SUSPEND, REGISTRY_HIGH, "/bin/true", "", 0, &got),
	    0, "*HIGH");
	is_int(got, INT32_MAX, "*HIGH picks 2147483647 when free");
	is_int(add(REGISTRY_SUSPEND, REGISTRY_HIGH, "/bin/true", "", 0, &got),
	    0, "*HIGH again");
	is_int(got, INT32_MAX - 1, "*HIGH picks the highest free number");
	is_int(add(REGISTRY_RESUME, REGISTRY_HIGH, "/bin/true", "", 0, &got),
	    0, "*HIGH on the other exit point");
	is_int(got, INT32_MAX, "numbers are per exit point");
}

static void
test_limits(void)
{
	char	data[EXITPT_DATA_MAX + 2];
	int32_t	n;

	memset(data, 'd', sizeof(data));
	data[EXITPT_DATA_MAX] = '\0';
	is_int(add(REGISTRY_RESUME, 100, "/bin/true", data, 0, NULL), 0,
	    "2048 bytes of program data are accepted");
	data[EXITPT_DATA_MAX] = 'd';
	data[EXITPT_DATA_MAX + 1] = '\0';
	is_int(add(REGISTRY_RESUME, 101, "/bin/true", data, 0, NULL),
	    EXITPT_E_DATA_LENGTH, "2049 bytes of program data are refused");
	is_int(registry_number_parse("1", &n), 0, "number 1 parses");
	is_int(registry_number_parse("2147483647", &n), 0,
	    "number 2147483647 parses");
	is_int(n, INT32_MAX, "to 2147483647");
	is_int(registry_number_parse("2147483648", &n), EXITPT_E_NUMBER,
	    "number 2147483648 is out of range");
	is_int(registry_number_parse("0", &n), EXITPT_E_NUMBER,
	    "number 0 is out of range");
	is_int(registry_number_parse("-3", &n), EXITPT_E_NUMBER,
	    "a negative number is out of range");
	is_int(registry_number_parse("12x", &n), EXITPT_E_NUMBER,
	    "trailing junk is refused");
	is_int(registry_number_parse("", &n), EXITPT_E_NUMBER,
	    "an empty number is refused");
	is_int(registry_number_parse("*LOW", &n), 0, "*LOW parses");
	is_int(registry_number_parse("*low", &n), EXITPT_E_NUMBER,
	    "*low in lower case is refused, as on IBM i");
	is_int(registry_point_parse("QIBM_QWC_SUSPEND"), REGISTRY_SUSPEND,
	    "suspend exit point parses");
	is_int(registry_point_parse("QIBM_QWC_PWRDWNSYS"),
	    EXITPT_E_EXIT_POINT, "an unknown exit point is an error");
	is_int(registry_point_parse("qibm_qwc_suspend"), EXITPT_E_EXIT_POINT,
	    "exit point names are exact");
	{
		struct registry_entry	e = {
			.point = REGISTRY_SUSPEND, .number = 9,
			.program = "/bin/true", .user = "no-such-user-xyz",
			.data = "", .text = "", .check_timeout = 30,
			.complete_timeout = 300,
		};
		is_int(registry_add(dir, &e, 0), EXITPT_E_USER,
		    "an unknown run-as user is an error");
		e.user = "root";
		e.program = "relative/prog";
		is_int(registry_add(dir, &e, 0), EXITPT_E_VALUE,
		    "a relative program path is refused");
		e.program = "/bin/tr\nue";
		is_int(registry_add(dir, &e, 0), EXITPT_E_VALUE,
		    "a program path with a control character is refused");
		e.program = "/bin/true";
		e.check_timeout = 0;
		is_int(registry_add(dir, &e, 0), EXITPT_E_VALUE,
		    "a check timeout of 0 is refused");
		e.check_timeout = 30;
		e.point = 7;
		is_int(registry_add(dir, &e, 0), EXITPT_E_EXIT_POINT,
		    "an exit point index out of range is refused");
	}
}

static void
test_escaping(void)
{
	const char		*odd = "line1\nline2\t\\x41 \x01 caf\xc3\xa9 =";
	struct registry_list	 l;
	char			 buf[64];
	size_t			 i, len;
	int			 found = 0;

	is_int(add(REGISTRY_RESUME, 200, "/bin/true", odd, 0, NULL), 0,
	    "program data with newlines, tabs, backslashes and UTF-8");
	is_int(registry_load(dir, REGISTRY_RESUME, warn_cb, NULL, &l), 0,
	    "reload");
	for (i = 0; i < l.count; i++) {
		if (l.entries[i].number == 200) {
			is_str(l.entries[i].data, odd,
			    "program data round-trips exactly");
			found = 1;
		}
	}
	ok(found, "entry 200 found");
	registry_list_clear(&l);
	is_int(text_unescape(buf, sizeof(buf), "a\\q", &len), -EINVAL,
	    "an unknown escape is refused");
	is_int(text_unescape(buf, sizeof(buf), "a\\x00", &len), -EINVAL,
	    "an escaped NUL is refused");
	is_int(text_unescape(buf, sizeof(buf), "a\\x4", &len), -EINVAL,
	    "a short hex escape is refused");
	is_int(text_unescape(buf, 4, "abcdef", &len), -ENAMETOOLONG,
	    "a value longer than its limit is refused");
	is_int(warnings, 0, "no warnings for well-formed entries");
}

static void
test_progcheck(void)
{
	char	prog[PATH_MAX], why[PATH_MAX + 128];
	int	fd;

	snprintf(prog, sizeof(prog), "%s/prog", dir);
	is_int(progcheck_path(prog, 0, why, sizeof(why)), -ENOENT,
	    "a missing program is flagged");
	if ((fd = open(prog, O_WRONLY | O_CREAT, 0644)) == -1)
		tap_bail("cannot create program");
	write(fd, "#!/bin/sh\n", 10);
	close(fd);
	is_int(progcheck_path(prog, 0, why, sizeof(why)), -EACCES,
	    "a program that is not executable is flagged");
	chmod(prog, 0757);
	is_int(progcheck_path(prog, 0, why, sizeof(why)), -EPERM,
	    "a program writable by everyone is flagged");
	ok(strstr(why, "writable by everyone") != NULL, "reason: %s", why);
	chmod(prog, 0775);
	chown(prog, 0, 100);
	is_int(progcheck_path(prog, 0, why, sizeof(why)), -EPERM,
	    "a program writable by a non-root group is flagged");
	chmod(prog, 0755);
	is_int(progcheck_path(prog, 0, why, sizeof(why)), 0,
	    "a root-owned 0755 program in a private directory is safe");
	chmod(dir, 0777);
	is_int(progcheck_path(prog, 0, why, sizeof(why)), -EPERM,
	    "a program in a world-writable directory is flagged");
	chmod(dir, 0700);
	is_int(progcheck_path("relative", 0, why, sizeof(why)), -EACCES,
	    "a relative path is refused");
	unlink(prog);
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "%s/exitpt-registry.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL)
		tap_bail("mkdtemp");
	test_add_remove_list();
	test_limits();
	test_escaping();
	if (geteuid() == 0)
		test_progcheck();
	else
		printf("# skipping program safety checks: not root\n");
	{
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return (tap_done());
}
