/*
 * Data areas: the semantics as tables (decimal parsing and overflow,
 * substring bounds, *LGL values, creation limits), errors (names, types,
 * sizes, permissions), the update lock between processes, recovery after
 * kill -9 of a lock holder and of a changer, concurrent read-modify-write
 * increments, and readers never seeing a half-written value.  Objects live
 * under a private EXITPT_IPC_PREFIX.
 */
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"
#include "ipctest.h"
#include "tap.h"

#define INCR_PROCS	4
#define INCR_EACH	250
#define TORN_ROUNDS	3000

/* Open a data area or bail out. */
static struct exitpt_dtaara *
xopen(const char *name)
{
	struct exitpt_dtaara	*d;
	int			 rv;

	if ((rv = exitpt_dtaara_open(name, &d)) != 0) {
		printf("# open %s: %s\n", name, exitpt_strerror(rv));
		tap_bail("cannot open a data area");
	}
	return (d);
}

/* Retrieve the whole value of an open data area as text. */
static const char *
value(struct exitpt_dtaara *d)
{
	static char	buf[EXITPT_DTAARA_CHAR_MAX + 1];
	int		rv;

	if ((rv = exitpt_dtaara_retrieve(d, EXITPT_DTAARA_ALL, 0, buf,
	    sizeof(buf), NULL)) != 0)
		snprintf(buf, sizeof(buf), "(error %s)", exitpt_strerror(rv));
	return (buf);
}

/* Wait for a child and say whether it exited 0. */
static int
child_ok(pid_t pid)
{
	int	ws;

	while (waitpid(pid, &ws, 0) == -1 && errno == EINTR)
		;
	return (WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
}

/* Decimal text parsing and formatting, as a table. */
static void
test_decimal_table(void)
{
	static const struct {
		const char	*in;
		unsigned int	 digits, decimals;
		int		 rv;
		const char	*out;
	} t[] = {
		{ "0", 15, 5, 0, "0.00000" },
		{ "1", 15, 5, 0, "1.00000" },
		{ "-1", 15, 5, 0, "-1.00000" },
		{ "+2.5", 15, 5, 0, "2.50000" },
		{ ".5", 5, 2, 0, "0.50" },
		{ "5.", 5, 2, 0, "5.00" },
		{ "-0", 5, 2, 0, "0.00" },
		{ "-0.00", 5, 2, 0, "0.00" },
		{ "000123.40", 5, 2, 0, "123.40" },
		{ "999.99", 5, 2, 0, "999.99" },
		{ "-999.99", 5, 2, 0, "-999.99" },
		{ "1000", 5, 2, EXITPT_E_DECIMAL, NULL },	/* overflow */
		{ "1.234", 5, 2, EXITPT_E_DECIMAL, NULL },	/* no rounding */
		{ "1.230000", 5, 2, 0, "1.23" },		/* zeros are fine */
		{ "7", 3, 0, 0, "7" },
		{ "1.5", 3, 0, EXITPT_E_DECIMAL, NULL },
		{ "999999999999999.999999999", 24, 9, 0,
		    "999999999999999.999999999" },
		{ "-999999999999999.999999999", 24, 9, 0,
		    "-999999999999999.999999999" },
		{ "1000000000000000", 24, 9, EXITPT_E_DECIMAL, NULL },
		{ "999999999999999999999999", 24, 0, 0,
		    "999999999999999999999999" },
		{ "1000000000000000000000000", 24, 0, EXITPT_E_DECIMAL, NULL },
		{ "0.000000001", 24, 9, 0, "0.000000001" },
		{ "0.5", 1, 1, 0, "0.5" },
		{ "1", 1, 1, EXITPT_E_DECIMAL, NULL },
		{ "", 5, 2, EXITPT_E_DECIMAL, NULL },
		{ "-", 5, 2, EXITPT_E_DECIMAL, NULL },
		{ ".", 5, 2, EXITPT_E_DECIMAL, NULL },
		{ " 1", 5, 2, EXITPT_E_DECIMAL, NULL },
		{ "1 ", 5, 2, EXITPT_E_DECIMAL, NULL },
		{ "1,5", 5, 2, EXITPT_E_DECIMAL, NULL },
		{ "1e3", 5, 2, EXITPT_E_DECIMAL, NULL },
		{ "0x10", 5, 2, EXITPT_E_DECIMAL, NULL },
		{ "--1", 5, 2, EXITPT_E_DECIMAL, NULL },
		{ "1.2.3", 5, 2, EXITPT_E_DECIMAL, NULL },
		{ "nan", 5, 2, EXITPT_E_DECIMAL, NULL },
	};
	__int128	v;
	char		buf[64];
	size_t		i;
	int		rv;

	for (i = 0; i < nitems(t); i++) {
		rv = dtaara_dec_parse(t[i].in, strlen(t[i].in), t[i].digits,
		    t[i].decimals, &v);
		if (t[i].rv != 0) {
			is_int(rv, t[i].rv, "decimal_table: '%s' in (%u %u) is "
			    "refused", t[i].in, t[i].digits, t[i].decimals);
			continue;
		}
		if (rv == 0)
			dtaara_dec_format(v, t[i].decimals, buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "error %d", rv);
		is_str(buf, t[i].out, "decimal_table: '%s' in (%u %u) is %s",
		    t[i].in, t[i].digits, t[i].decimals, t[i].out);
	}
	is_int(dtaara_dec_format(-12345, 2, buf, 7), 0,
	    "decimal_format: too small a buffer gives 0");
	is_int(dtaara_dec_format(-12345, 2, buf, 8), 7,
	    "decimal_format: exactly enough room");
	is_str(buf, "-123.45", "decimal_format: -123.45");
}

/* Creation limits, bad names and the default values, as a table. */
static void
test_create_table(void)
{
	static const struct {
		const char	*name;
		int		 type;
		size_t		 length;
		unsigned int	 decimals;
		const char	*value;
		mode_t		 mode;
		int		 rv;
		const char	*want;
	} t[] = {
		{ "c1", EXITPT_DTAARA_CHAR, 5, 0, NULL, 0600, 0, "     " },
		{ "c2", EXITPT_DTAARA_CHAR, 5, 0, "ab", 0600, 0, "ab   " },
		{ "c3", EXITPT_DTAARA_CHAR, 2000, 0, "x", 0600, 0, NULL },
		{ "c4", EXITPT_DTAARA_CHAR, 2001, 0, NULL, 0600,
		    EXITPT_E_VALUE, NULL },
		{ "c5", EXITPT_DTAARA_CHAR, 0, 0, NULL, 0600, EXITPT_E_VALUE,
		    NULL },
		{ "c6", EXITPT_DTAARA_CHAR, 3, 0, "abcd", 0600,
		    EXITPT_E_TOO_LONG, NULL },
		{ "c7", EXITPT_DTAARA_CHAR, 3, 1, NULL, 0600, EXITPT_E_VALUE,
		    NULL },
		{ "d1", EXITPT_DTAARA_DEC, 15, 5, NULL, 0600, 0, "0.00000" },
		{ "d2", EXITPT_DTAARA_DEC, 24, 9, "-1.5", 0600, 0,
		    "-1.500000000" },
		{ "d3", EXITPT_DTAARA_DEC, 25, 0, NULL, 0600, EXITPT_E_VALUE,
		    NULL },
		{ "d4", EXITPT_DTAARA_DEC, 15, 10, NULL, 0600, EXITPT_E_VALUE,
		    NULL },
		{ "d5", EXITPT_DTAARA_DEC, 3, 4, NULL, 0600, EXITPT_E_VALUE,
		    NULL },
		{ "d6", EXITPT_DTAARA_DEC, 3, 0, "1000", 0600,
		    EXITPT_E_DECIMAL, NULL },
		{ "d7", EXITPT_DTAARA_DEC, 3, 3, "0.999", 0600, 0, "0.999" },
		{ "l1", EXITPT_DTAARA_LGL, 1, 0, NULL, 0600, 0, "0" },
		{ "l2", EXITPT_DTAARA_LGL, 1, 0, "1", 0600, 0, "1" },
		{ "l3", EXITPT_DTAARA_LGL, 1, 0, "2", 0600, EXITPT_E_VALUE,
		    NULL },
		{ "l4", EXITPT_DTAARA_LGL, 2, 0, NULL, 0600, EXITPT_E_VALUE,
		    NULL },
		{ "x1", 0, 1, 0, NULL, 0600, EXITPT_E_VALUE, NULL },
		{ "x2", 4, 1, 0, NULL, 0600, EXITPT_E_VALUE, NULL },
		{ "m1", EXITPT_DTAARA_CHAR, 1, 0, NULL, 0755, EXITPT_E_VALUE,
		    NULL },
		{ "", EXITPT_DTAARA_CHAR, 1, 0, NULL, 0600, EXITPT_E_NAME,
		    NULL },
		{ "a/b", EXITPT_DTAARA_CHAR, 1, 0, NULL, 0600, EXITPT_E_NAME,
		    NULL },
		{ "../etc", EXITPT_DTAARA_CHAR, 1, 0, NULL, 0600,
		    EXITPT_E_NAME, NULL },
		{ ".hidden", EXITPT_DTAARA_CHAR, 1, 0, NULL, 0600,
		    EXITPT_E_NAME, NULL },
		{ "-opt", EXITPT_DTAARA_CHAR, 1, 0, NULL, 0600, EXITPT_E_NAME,
		    NULL },
		{ "sp ace", EXITPT_DTAARA_CHAR, 1, 0, NULL, 0600,
		    EXITPT_E_NAME, NULL },
		{ "n23456789012345678901234567890123", EXITPT_DTAARA_CHAR, 1,
		    0, NULL, 0600, EXITPT_E_NAME, NULL },
		{ "n2345678901234567890123456789012", EXITPT_DTAARA_CHAR, 1, 0,
		    "$", 0600, 0, "$" },
		{ "Q$#@_.-9", EXITPT_DTAARA_CHAR, 1, 0, "y", 0600, 0, "y" },
	};
	struct exitpt_dtaara	*d;
	size_t			 i;
	int			 rv;

	for (i = 0; i < nitems(t); i++) {
		rv = exitpt_dtaara_create(t[i].name, t[i].type, t[i].length,
		    t[i].decimals, t[i].value, t[i].value != NULL ?
		    strlen(t[i].value) : 0, t[i].mode);
		is_int(rv, t[i].rv, "create_table: '%s' type %d length %zu "
		    "decimals %u value %s: %s", t[i].name, t[i].type,
		    t[i].length, t[i].decimals, t[i].value ? t[i].value :
		    "(default)", t[i].rv ? exitpt_strerror(t[i].rv) : "ok");
		if (rv != 0 || t[i].want == NULL)
			continue;
		d = xopen(t[i].name);
		is_str(value(d), t[i].want, "create_table: '%s' starts as "
		    "'%s'", t[i].name, t[i].want);
		exitpt_dtaara_close(d);
	}
	is_int(exitpt_dtaara_create("c1", EXITPT_DTAARA_CHAR, 5, 0, NULL, 0,
	    0600), -EEXIST, "create_existing_is_eexist");
	is_int(exitpt_dtaara_open("nosuch", &d), -ENOENT,
	    "open_missing_is_enoent");
	is_int(exitpt_dtaara_delete("nosuch"), -ENOENT,
	    "delete_missing_is_enoent");
	is_int(exitpt_dtaara_open("bad name", &d), EXITPT_E_NAME,
	    "open_bad_name_is_e_name");
}

/* *CHAR substrings, RTVDTAARA / CHGDTAARA style, as a table. */
static void
test_substring_table(void)
{
	static const struct {
		size_t		 start, length;
		const char	*set;		/* NULL: retrieve only */
		int		 rv;
		const char	*want;	/* retrieved, or whole after */
	} t[] = {
		{ 1, 10, NULL, 0, "abcdefghij" },
		{ 1, 1, NULL, 0, "a" },
		{ 10, 1, NULL, 0, "j" },
		{ 3, 4, NULL, 0, "cdef" },
		{ 0, 0, NULL, 0, "abcdefghij" },
		{ 0, 3, NULL, EXITPT_E_VALUE, NULL },
		{ 11, 1, NULL, EXITPT_E_VALUE, NULL },
		{ 10, 2, NULL, EXITPT_E_VALUE, NULL },
		{ 1, 11, NULL, EXITPT_E_VALUE, NULL },
		{ 5, 0, NULL, EXITPT_E_VALUE, NULL },
		{ (size_t)-1, 1, NULL, EXITPT_E_VALUE, NULL },
		{ 3, 4, "XY", 0, "abXY  ghij" },		/* padded */
		{ 3, 4, "WXYZ", 0, "abWXYZghij" },
		{ 3, 4, "VWXYZ", EXITPT_E_TOO_LONG, "abWXYZghij" },
		{ 10, 1, "!", 0, "abWXYZghi!" },
		{ 10, 2, "!!", EXITPT_E_VALUE, "abWXYZghi!" },
		{ 1, 1, "", 0, " bWXYZghi!" },
		{ 0, 0, "short", 0, "short     " },	/* whole, padded */
		{ 0, 0, "0123456789", 0, "0123456789" },
		{ 0, 0, "0123456789X", EXITPT_E_TOO_LONG, "0123456789" },
	};
	struct exitpt_dtaara	*d;
	char			 buf[32];
	size_t			 i, len;
	int			 rv;

	if (exitpt_dtaara_create("sub", EXITPT_DTAARA_CHAR, 10, 0,
	    "abcdefghij", 10, 0600) != 0)
		tap_bail("create sub");
	d = xopen("sub");
	for (i = 0; i < nitems(t); i++) {
		if (t[i].set == NULL) {
			rv = exitpt_dtaara_retrieve(d, t[i].start,
			    t[i].length, buf, sizeof(buf), &len);
			is_int(rv, t[i].rv, "substring_table: retrieve (%zd, "
			    "%zu)", (ssize_t)t[i].start, t[i].length);
			if (rv == 0)
				is_str(buf, t[i].want, "substring_table: "
				    "(%zu, %zu) is '%s'", t[i].start,
				    t[i].length, t[i].want);
			continue;
		}
		rv = exitpt_dtaara_change(d, t[i].start, t[i].length,
		    t[i].set, strlen(t[i].set), EXITPT_WAIT_NOWAIT);
		is_int(rv, t[i].rv, "substring_table: change (%zu, %zu) to "
		    "'%s'", t[i].start, t[i].length, t[i].set);
		is_str(value(d), t[i].want, "substring_table: then the value "
		    "is '%s'", t[i].want);
	}
	is_int(exitpt_dtaara_retrieve(d, 0, 0, buf, 10, &len),
	    EXITPT_E_TOO_LONG, "retrieve into a too small buffer");
	is_int(len, 10, "and says how long the value is");
	exitpt_dtaara_close(d);
}

/* *LGL and *DEC values and substrings, as a table. */
static void
test_lgl_dec_table(void)
{
	static const struct {
		const char	*name;
		const char	*set;
		size_t		 start, length;
		int		 rv;
		const char	*want;
	} t[] = {
		{ "lgl", "1", 0, 0, 0, "1" },
		{ "lgl", "0", 0, 0, 0, "0" },
		{ "lgl", "2", 0, 0, EXITPT_E_VALUE, "0" },
		{ "lgl", "", 0, 0, EXITPT_E_VALUE, "0" },
		{ "lgl", "01", 0, 0, EXITPT_E_VALUE, "0" },
		{ "lgl", "T", 0, 0, EXITPT_E_VALUE, "0" },
		{ "lgl", "1", 1, 1, EXITPT_E_VALUE, "0" },
		{ "dec", "12.5", 0, 0, 0, "12.50" },
		{ "dec", "-999.99", 0, 0, 0, "-999.99" },
		{ "dec", "1000", 0, 0, EXITPT_E_DECIMAL, "-999.99" },
		{ "dec", "0.001", 0, 0, EXITPT_E_DECIMAL, "-999.99" },
		{ "dec", "abc", 0, 0, EXITPT_E_DECIMAL, "-999.99" },
		{ "dec", "1", 1, 1, EXITPT_E_VALUE, "-999.99" },
	};
	struct exitpt_dtaara	*d;
	char			 buf[8];
	size_t			 i;

	if (exitpt_dtaara_create("lgl", EXITPT_DTAARA_LGL, 1, 0, NULL, 0,
	    0600) != 0 || exitpt_dtaara_create("dec", EXITPT_DTAARA_DEC, 5, 2,
	    NULL, 0, 0600) != 0)
		tap_bail("create lgl, dec");
	for (i = 0; i < nitems(t); i++) {
		d = xopen(t[i].name);
		is_int(exitpt_dtaara_change(d, t[i].start, t[i].length,
		    t[i].set, strlen(t[i].set), 0), t[i].rv, "lgl_dec_table: "
		    "%s set to '%s' (%zu, %zu)", t[i].name, t[i].set,
		    t[i].start, t[i].length);
		is_str(value(d), t[i].want, "lgl_dec_table: %s is then '%s'",
		    t[i].name, t[i].want);
		exitpt_dtaara_close(d);
	}
	d = xopen("dec");
	is_int(exitpt_dtaara_retrieve(d, 1, 1, buf, sizeof(buf), NULL),
	    EXITPT_E_VALUE, "no substring of a *DEC");
	is_int(exitpt_dtaara_add(d, "999.99", 0, buf, sizeof(buf)), 0,
	    "add 999.99 to -999.99");
	is_str(buf, "0.00", "add returns the sum");
	is_int(exitpt_dtaara_add(d, "999.99", 0, NULL, 0), 0, "add again");
	is_int(exitpt_dtaara_add(d, "0.01", 0, buf, sizeof(buf)),
	    EXITPT_E_DECIMAL, "add_overflow_is_e_decimal");
	is_str(value(d), "999.99", "and leaves the value unchanged");
	is_int(exitpt_dtaara_add(d, "-0.001", 0, NULL, 0), EXITPT_E_DECIMAL,
	    "add of more decimals than the area is refused");
	is_int(exitpt_dtaara_add(d, "-1999.98", 0, NULL, 0), EXITPT_E_DECIMAL,
	    "an addend that does not fit is refused");
	is_int(exitpt_dtaara_add(d, "-1999.97", 0, NULL, 0), EXITPT_E_DECIMAL,
	    "add_underflow_is_e_decimal");
	exitpt_dtaara_close(d);
	d = xopen("lgl");
	is_int(exitpt_dtaara_add(d, "1", 0, NULL, 0), EXITPT_E_TYPE,
	    "add_to_non_dec_is_e_type");
	exitpt_dtaara_close(d);
}

/* An object of another type under the same name space. */
static void
test_wrong_type(void)
{
	struct exitpt_dtaara	*d;
	struct ipcobj		*o;

	if (ipcobj_create(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "aqueue", 0600, 64,
	    NULL, NULL, &o) != 0)
		tap_bail("create a data queue object");
	ipcobj_close(o);
	is_int(exitpt_dtaara_open("aqueue", &d), EXITPT_E_TYPE,
	    "open_data_queue_as_data_area_is_e_type");
	is_int(exitpt_dtaara_delete("aqueue"), EXITPT_E_TYPE,
	    "delete_data_queue_as_data_area_is_e_type");
	is_int(exitpt_dtaara_create("aqueue", EXITPT_DTAARA_LGL, 1, 0, NULL,
	    0, 0600), -EEXIST, "create over a data queue is eexist");
	ipcobj_unlink(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "aqueue");
}

/* The update lock: readers pass, other changers and lockers wait. */
static void
test_update_lock(void)
{
	struct exitpt_dtaara	*d, *d2;
	struct exitpt_dtaara_info info;
	double			 t0, el;
	pid_t			 pid;
	int			 p[2];
	char			 c;

	if (exitpt_dtaara_create("lk", EXITPT_DTAARA_CHAR, 4, 0, "init", 4,
	    0600) != 0)
		tap_bail("create lk");
	d = xopen("lk");
	is_int(exitpt_dtaara_unlock(d), EXITPT_E_NOT_HELD,
	    "unlock_without_lock_is_not_held");
	is_int(exitpt_dtaara_lock(d, 0), 0, "lock");
	is_int(exitpt_dtaara_lock(d, 0), -EALREADY, "lock twice is ealready");
	d2 = xopen("lk");
	is_int(exitpt_dtaara_lock(d2, 0), -EALREADY, "another handle of the "
	    "same process shares the lock");
	exitpt_dtaara_close(d2);
	is_int(exitpt_dtaara_change(d, 0, 0, "mine", 4, 0), 0,
	    "the holder may change");
	exitpt_dtaara_info(d, &info);
	is_int(info.locked_by, getpid(), "info names the holder");

	if (pipe(p) == -1)
		tap_bail("pipe");
	if ((pid = fork()) == 0) {
		struct exitpt_dtaara	*c2 = xopen("lk");
		int			 bad = 0;

		/* Readers are not blocked by *EXCLRD... */
		bad |= strcmp(value(c2), "mine") != 0;
		/* ...changers and lockers are, until their wait ends. */
		bad |= exitpt_dtaara_change(c2, 0, 0, "othr", 4, 0.2) !=
		    EXITPT_E_TIMEOUT;
		bad |= exitpt_dtaara_lock(c2, EXITPT_WAIT_NOWAIT) !=
		    EXITPT_E_TIMEOUT;
		bad |= exitpt_dtaara_unlock(c2) != EXITPT_E_NOT_HELD;
		if (write(p[1], "w", 1) != 1)
			_exit(2);
		/* This one waits for the parent's unlock. */
		bad |= exitpt_dtaara_change(c2, 0, 0, "othr", 4, 10) != 0;
		exitpt_dtaara_close(c2);
		_exit(bad);
	}
	close(p[1]);
	ok(read(p[0], &c, 1) == 1, "other process tried while locked");
	t0 = ipctest_now();
	is_int(exitpt_dtaara_unlock(d), 0, "unlock");
	ok(child_ok(pid), "reader_passes_lock_changer_waits_then_proceeds");
	el = ipctest_now() - t0;
	ok(el < 2.0, "the waiting change ran at the unlock (%.3f s)", el);
	is_str(value(d), "othr", "the waiting change landed");
	close(p[0]);

	/* Closing the handle that locked releases the lock. */
	is_int(exitpt_dtaara_lock(d, 0), 0, "lock again");
	exitpt_dtaara_close(d);
	d = xopen("lk");
	exitpt_dtaara_info(d, &info);
	is_int(info.locked_by, 0, "close_releases_the_lock");
	exitpt_dtaara_close(d);
}

/* kill -9 of the update lock holder, and of a changer mid-change. */
static void
test_killed_holders(void)
{
	struct exitpt_dtaara	*d;
	struct dtaara_data	*a;
	double			 t0, el;
	pid_t			 pid;
	int			 p[2], ws;
	char			 c, cmd[PATH_MAX + 64];
	const char		*exitctl;

	if (exitpt_dtaara_create("kl", EXITPT_DTAARA_CHAR, 8, 0, "before",
	    6, 0600) != 0)
		tap_bail("create kl");
	if (pipe(p) == -1)
		tap_bail("pipe");
	if ((pid = fork()) == 0) {
		d = xopen("kl");
		if (exitpt_dtaara_lock(d, 0) != 0 ||
		    write(p[1], "l", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	ok(read(p[0], &c, 1) == 1, "killed_lock_holder: child holds the lock");
	close(p[0]);
	d = xopen("kl");
	is_int(exitpt_dtaara_change(d, 0, 0, "x", 1, 0.1), EXITPT_E_TIMEOUT,
	    "killed_lock_holder: locked while it lives");
	/* exitctl(8): an IPC wait that elapsed exits 3, saying who holds it. */
	if ((exitctl = getenv("EXITCTL")) == NULL)
		tap_bail("EXITCTL is not set");
	snprintf(cmd, sizeof(cmd), "'%s' dtaara change kl y --wait 0.2 "
	    "2>/dev/null", exitctl);
	ws = system(cmd);
	is_int(WIFEXITED(ws) ? WEXITSTATUS(ws) : -1, 3,
	    "exitctl_dtaara_change_whose_wait_elapses_exits_3");
	kill(pid, SIGKILL);
	waitpid(pid, &ws, 0);
	t0 = ipctest_now();
	is_int(exitpt_dtaara_lock(d, 5), 0, "killed_lock_holder: the lock is "
	    "free again after kill -9");
	el = ipctest_now() - t0;
	ok(el < 1.0, "killed_lock_holder: at once (%.3f s)", el);
	is_str(value(d), "before  ", "killed_lock_holder: value intact");
	exitpt_dtaara_unlock(d);

	/*
	 * A changer killed while holding the consistency mutex, halfway
	 * through writing the spare copy: readers still see the old value.
	 */
	if (pipe(p) == -1)
		tap_bail("pipe");
	if ((pid = fork()) == 0) {
		struct exitpt_dtaara	*c2 = xopen("kl");
		struct ipcobj_deadline	 dl;

		ipcobj_deadline_set(&dl, 1);
		if (ipcobj_lock(dtaara_obj(c2), &dl) != 0)
			_exit(1);
		a = ipcobj_data(dtaara_obj(c2));
		memcpy(a->chr[(a->current + 1) & 1], "TORN", 4);
		if (write(p[1], "m", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	ok(read(p[0], &c, 1) == 1, "killed_changer: child is mid-change");
	close(p[0]);
	kill(pid, SIGKILL);
	waitpid(pid, &ws, 0);
	is_str(value(d), "before  ", "killed_changer: reader sees the old "
	    "value, not a half-written one");
	is_int(exitpt_dtaara_change(d, 1, 3, "aft", 3, 0), 0,
	    "killed_changer: the next change works (no deadlock)");
	is_str(value(d), "aftore  ", "killed_changer: and is built on the "
	    "intact value");
	exitpt_dtaara_close(d);
}

/* Several processes increment one *DEC under the update lock. */
static void
test_concurrent_increments(void)
{
	struct exitpt_dtaara	*d;
	pid_t			 pids[INCR_PROCS];
	int			 i, failed = 0;

	if (exitpt_dtaara_create("ctr", EXITPT_DTAARA_DEC, 12, 2, "0.5", 3,
	    0600) != 0)
		tap_bail("create ctr");
	for (i = 0; i < INCR_PROCS; i++) {
		if ((pids[i] = fork()) == 0) {
			char		 buf[64];
			__int128	 v;
			int		 j;

			d = xopen("ctr");
			for (j = 0; j < INCR_EACH; j++) {
				/* Read-modify-write, safe under the lock. */
				if (exitpt_dtaara_lock(d, 10) != 0 ||
				    exitpt_dtaara_retrieve(d, 0, 0, buf,
				    sizeof(buf), NULL) != 0 ||
				    dtaara_dec_parse(buf, strlen(buf), 12, 2,
				    &v) != 0)
					_exit(1);
				dtaara_dec_format(v + 101, 2, buf, sizeof(buf));
				if (exitpt_dtaara_change(d, 0, 0, buf,
				    strlen(buf), 0) != 0 ||
				    exitpt_dtaara_unlock(d) != 0)
					_exit(1);
				if (exitpt_dtaara_add(d, "-0.01", 10, NULL,
				    0) != 0)
					_exit(1);
			}
			exitpt_dtaara_close(d);
			_exit(0);
		}
	}
	for (i = 0; i < INCR_PROCS; i++)
		failed += !child_ok(pids[i]);
	is_int(failed, 0, "concurrent_increments: every process finished");
	d = xopen("ctr");
	/* 0.5 + 4 * 250 * (1.01 - 0.01) */
	is_str(value(d), "1000.50", "concurrent_increments_under_lock_are_"
	    "exact");
	exitpt_dtaara_close(d);
}

/* A reader racing a writer of whole values never sees a mix of two. */
static void
test_no_torn_reads(void)
{
	struct exitpt_dtaara	*d;
	char			 a[EXITPT_DTAARA_CHAR_MAX];
	char			 buf[EXITPT_DTAARA_CHAR_MAX + 1];
	volatile int		*stop;
	pid_t			 pid;
	int			 i, j, p[2], torn = 0, seen[2] = { 0, 0 };
	char			 c;

	memset(a, 'A', sizeof(a));
	if (exitpt_dtaara_create("torn", EXITPT_DTAARA_CHAR, sizeof(a), 0, a,
	    sizeof(a), 0600) != 0)
		tap_bail("create torn");
	stop = mmap(NULL, sizeof(*stop), PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_ANONYMOUS, -1, 0);
	if (stop == MAP_FAILED || pipe(p) == -1)
		tap_bail("mmap, pipe");
	if ((pid = fork()) == 0) {
		d = xopen("torn");
		if (write(p[1], "s", 1) != 1)
			_exit(1);
		for (i = 0; !*stop; i++) {
			memset(a, i % 2 ? 'A' : 'B', sizeof(a));
			if (exitpt_dtaara_change(d, 0, 0, a, sizeof(a),
			    1) != 0)
				_exit(1);
		}
		exitpt_dtaara_close(d);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		tap_bail("writer did not start");
	close(p[0]);
	d = xopen("torn");
	/* Until both values were seen often, within a bounded effort. */
	for (i = 0; i < TORN_ROUNDS * 100 && (i < TORN_ROUNDS ||
	    seen[0] < 100 || seen[1] < 100); i++) {
		if (exitpt_dtaara_retrieve(d, 0, 0, buf, sizeof(buf),
		    NULL) != 0) {
			torn++;
			break;
		}
		for (j = 1; j < (int)sizeof(a); j++) {
			if (buf[j] != buf[0]) {
				torn++;
				break;
			}
		}
		seen[buf[0] == 'B']++;
	}
	*stop = 1;
	ok(child_ok(pid), "no_torn_reads: the writer finished");
	ok(seen[0] > 0 && seen[1] > 0, "no_torn_reads: the reader saw both "
	    "values (A %d, B %d)", seen[0], seen[1]);
	is_int(torn, 0, "reader_never_sees_a_half_written_value");
	exitpt_dtaara_close(d);
	munmap((void *)stop, sizeof(*stop));
}

/* Deleting a data area that others hold open. */
static void
test_delete_open(void)
{
	struct exitpt_dtaara	*d;
	char			 buf[8];

	if (exitpt_dtaara_create("del", EXITPT_DTAARA_LGL, 1, 0, "1", 1,
	    0600) != 0)
		tap_bail("create del");
	d = xopen("del");
	is_int(exitpt_dtaara_delete("del"), 0, "delete");
	is_int(exitpt_dtaara_retrieve(d, 0, 0, buf, sizeof(buf), NULL),
	    -ENOENT, "a handle to a deleted data area sees enoent");
	is_int(exitpt_dtaara_change(d, 0, 0, "0", 1, 0), -ENOENT,
	    "and cannot change it");
	exitpt_dtaara_close(d);
	is_int(exitpt_dtaara_create("del", EXITPT_DTAARA_LGL, 1, 0, NULL, 0,
	    0600), 0, "the name may be used again");
	d = xopen("del");
	is_str(value(d), "0", "by a new data area");
	exitpt_dtaara_close(d);
}

/* Modes as another user sees them (needs root and user nobody). */
static void
test_permissions(void)
{
	struct passwd	*pw;
	pid_t		 pid;

	if (geteuid() != 0 || (pw = getpwnam("nobody")) == NULL) {
		ok(1, "# SKIP permission tests need root and user nobody");
		return;
	}
	if (exitpt_dtaara_create("p600", EXITPT_DTAARA_CHAR, 4, 0, "priv", 4,
	    0600) != 0 || exitpt_dtaara_create("p644", EXITPT_DTAARA_CHAR, 4,
	    0, "read", 4, 0644) != 0 || exitpt_dtaara_create("p666",
	    EXITPT_DTAARA_DEC, 5, 0, NULL, 0, 0666) != 0)
		tap_bail("create p*");
	if ((pid = fork()) == 0) {
		struct exitpt_dtaara	*d;
		int			 step = 0;

		if (setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1)
			_exit(100);
		step++;
		if (exitpt_dtaara_open("p600", &d) != -EACCES)
			_exit(step);
		step++;
		if (exitpt_dtaara_open("p644", &d) != 0 ||
		    strcmp(value(d), "read") != 0)
			_exit(step);
		step++;
		if (exitpt_dtaara_change(d, 0, 0, "x", 1, 0) != -EACCES)
			_exit(step);
		step++;
		if (exitpt_dtaara_lock(d, 0) != -EACCES)
			_exit(step);
		exitpt_dtaara_close(d);
		step++;
		if (exitpt_dtaara_delete("p644") != -EACCES)
			_exit(step);
		step++;
		if (exitpt_dtaara_open("p666", &d) != 0 ||
		    exitpt_dtaara_add(d, "5", 0, NULL, 0) != 0)
			_exit(step);
		exitpt_dtaara_close(d);
		step++;
		if (exitpt_dtaara_delete("p666") != -EACCES)
			_exit(step);
		_exit(0);
	}
	ok(child_ok(pid), "permission_denied: nobody cannot open 0600, may "
	    "read but not change, lock or delete 0644, may change 0666 but "
	    "not delete it");
}

/* Run every data area test under a private object prefix. */
int
main(void)
{
	char	  prefix[64], **names;
	size_t	  n;

	snprintf(prefix, sizeof(prefix), "dtaara-test-%ld", (long)getpid());
	setenv(EXITPT_IPC_PREFIX_ENV, prefix, 1);
	alarm(60);	/* a hung test fails instead of hanging the suite */
	ipctest_atexit();
	test_decimal_table();
	test_create_table();
	test_substring_table();
	test_lgl_dec_table();
	test_wrong_type();
	test_update_lock();
	test_killed_holders();
	test_concurrent_increments();
	test_no_torn_reads();
	test_delete_open();
	test_permissions();
	ok(exitpt_dtaara_list(&names, &n) == 0 && n > 0 &&
	    strcmp(names[0], "Q$#@_.-9") == 0, "list is sorted (%zu areas)",
	    n);
	exitpt_dtaara_list_free(names, n);
	return (tap_done());
}
