/*
 * Exit formats and the Check-answer rules (SPEC sections 2 and 3):
 * layouts, invalid status counts as allow, wait time clamping, and the
 * prepare window as the maximum of the wait times, capped at 900 s.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>

#include "exitpt-int.h"
#include "tap.h"

/* Offsets by writing through the struct and reading raw bytes back. */
static void
test_layouts(void)
{
	struct exitpt_bmgf0100	b1;
	struct exitpt_bmgf0200	b2;
	struct exitpt_amgf0100	a1;
	unsigned char		raw[16];
	int32_t			v;

	is_int(sizeof(b1), 16, "BMGF0100 is 16 bytes");
	is_int(sizeof(b2), 16, "BMGF0200 is 16 bytes");
	is_int(sizeof(a1), 12, "AMGF0100 is 12 bytes");
	b1 = (struct exitpt_bmgf0100){ 16, 1, 0x01020304, 900 };
	memcpy(raw, &b1, sizeof(b1));
	memcpy(&v, raw + 8, 4);
	is_int(v, 0x01020304, "BMGF0100 status flag at offset 8");
	memcpy(&v, raw + 12, 4);
	is_int(v, 900, "BMGF0100 wait time at offset 12");
	memcpy(&v, raw + 4, 4);
	is_int(v, 1, "BMGF0100 action at offset 4");
	memcpy(&v, raw, 4);
	is_int(v, 16, "BMGF0100 length at offset 0");
	b2 = (struct exitpt_bmgf0200){ 16, 2, 2, 120 };
	memcpy(raw, &b2, sizeof(b2));
	memcpy(&v, raw + 8, 4);
	is_int(v, EXITPT_REQUEST_CANCEL, "BMGF0200 request at offset 8");
	memcpy(&v, raw + 12, 4);
	is_int(v, 120, "BMGF0200 window at offset 12");
	a1 = (struct exitpt_amgf0100){ 12, 2, 1 };
	memcpy(raw, &a1, sizeof(a1));
	memcpy(&v, raw + 8, 4);
	is_int(v, EXITPT_SYSTEM_RESTRICTED, "AMGF0100 system state at 8");
	memcpy(&v, raw + 4, 4);
	is_int(v, EXITPT_ACTION_HIBERNATION, "AMGF0100 action at offset 4");
}

/* Constants have the values SPEC section 2 and 3 give. */
static void
test_constants(void)
{
	is_int(EXITPT_PHASE_CHECK, '1', "phase Check is '1'");
	is_int(EXITPT_PHASE_PREPARE, '2', "phase Prepare/Cancel is '2'");
	is_int(EXITPT_PHASE_COMPLETE, '4', "phase Complete is '4'");
	is_int(EXITPT_ACTION_MIGRATION, 1, "action migration is 1");
	is_int(EXITPT_ACTION_HIBERNATION, 2, "action hibernation is 2");
	is_int(EXITPT_STATUS_VETO, 0, "status veto is 0");
	is_int(EXITPT_STATUS_ALLOW, 1, "status allow is 1");
	is_int(EXITPT_REQUEST_PREPARE, 1, "request prepare is 1");
	is_int(EXITPT_REQUEST_CANCEL, 2, "request cancel is 2");
	is_int(EXITPT_SYSTEM_NORMAL, 0, "system state normal is 0");
	is_int(EXITPT_SYSTEM_RESTRICTED, 1, "system state restricted is 1");
	is_str(exitpt_exit_point_format("QIBM_QWC_SUSPEND"), "SSPS0100",
	    "QIBM_QWC_SUSPEND registers with SSPS0100");
	is_str(exitpt_exit_point_format("QIBM_QWC_RESUME"), "RSMS0100",
	    "QIBM_QWC_RESUME registers with RSMS0100");
	ok(exitpt_exit_point_format("QIBM_QWC_PWRDWNSYS") == NULL,
	    "unknown exit point has no format");
	ok(exitpt_exit_point_format(NULL) == NULL, "NULL exit point");
	is_int(exitpt_format_length("BMGF0100"), 16, "BMGF0100 length");
	is_int(exitpt_format_length("BMGF0200"), 16, "BMGF0200 length");
	is_int(exitpt_format_length("AMGF0100"), 12, "AMGF0100 length");
	is_int(exitpt_format_length("XXXX0100"), 0, "unknown format length");
}

/* Status: only 0 vetoes; anything but 0/1 is invalid and allows. */
static void
test_status(void)
{
	static const struct {
		int32_t	in;
		int	valid;
		int32_t	effective;
	} t[] = {
		{ 0, 1, EXITPT_STATUS_VETO },
		{ 1, 1, EXITPT_STATUS_ALLOW },
		{ -1, 0, EXITPT_STATUS_ALLOW },	/* no answer */
		{ 2, 0, EXITPT_STATUS_ALLOW },
		{ 900, 0, EXITPT_STATUS_ALLOW },
		{ INT32_MIN, 0, EXITPT_STATUS_ALLOW },
		{ INT32_MAX, 0, EXITPT_STATUS_ALLOW },
	};
	size_t	i;

	for (i = 0; i < nitems(t); i++) {
		is_int(exitpt_check_status_valid(t[i].in), t[i].valid,
		    "status %d valid=%d", t[i].in, t[i].valid);
		is_int(exitpt_check_status(t[i].in), t[i].effective,
		    "status %d counts as %s", t[i].in,
		    t[i].effective ? "allow" : "veto");
	}
}

/* Wait time: outside 1..900 is invalid and counts as 1 s. */
static void
test_wait(void)
{
	static const struct {
		int32_t	in;
		int	valid;
		int32_t	effective;
	} t[] = {
		{ 0, 0, 1 }, { 1, 1, 1 }, { 2, 1, 2 }, { 899, 1, 899 },
		{ 900, 1, 900 }, { 901, 0, 1 }, { -1, 0, 1 },
		{ INT32_MIN, 0, 1 }, { INT32_MAX, 0, 1 },
	};
	size_t	i;

	for (i = 0; i < nitems(t); i++) {
		is_int(exitpt_check_wait_valid(t[i].in), t[i].valid,
		    "wait %d valid=%d", t[i].in, t[i].valid);
		is_int(exitpt_check_wait(t[i].in), t[i].effective,
		    "wait %d counts as %d s", t[i].in, t[i].effective);
	}
}

/* The prepare window is the maximum, never the sum, capped at 900. */
static void
test_window(void)
{
	static const struct {
		int32_t	waits[4];
		size_t	n;
		int32_t	window;
	} t[] = {
		{ { 0 }, 0, 0 },
		{ { 1 }, 1, 1 },
		{ { 120, 30, 60 }, 3, 120 },
		{ { 600, 600 }, 2, 600 },		/* not 1200 */
		{ { 900, 900, 900 }, 3, 900 },
		{ { 901 }, 1, 1 },			/* invalid: 1 s */
		{ { 901, 5 }, 2, 5 },
		{ { -1, 0 }, 2, 1 },
		{ { INT32_MAX, INT32_MIN }, 2, 1 },
		{ { 500, 450, 899, 2 }, 4, 899 },
	};
	size_t	i, j;
	int32_t	w;

	for (i = 0; i < nitems(t); i++) {
		w = 0;
		for (j = 0; j < t[i].n; j++)
			w = exitpt_window_fold(w, t[i].waits[j]);
		is_int(w, t[i].window, "window case %zu is %d s", i,
		    t[i].window);
	}
	is_int(exitpt_window_fold(5000, 10), 900, "a window above 900 caps");
}

/* Every exitpt error code has its own description. */
static void
test_strerror(void)
{
	static const int codes[] = {
		EXITPT_E_EXIT_POINT, EXITPT_E_FORMAT, EXITPT_E_NUMBER,
		EXITPT_E_DUPLICATE, EXITPT_E_NO_FREE, EXITPT_E_DATA_LENGTH,
		EXITPT_E_NOT_REGISTERED, EXITPT_E_MALFORMED, EXITPT_E_USER,
		EXITPT_E_AUTH, EXITPT_E_VALUE, EXITPT_E_PROTOCOL,
		EXITPT_E_VERSION, EXITPT_E_BUSY, EXITPT_E_NO_OPERATION,
		EXITPT_E_PHASE, EXITPT_E_LIMIT, EXITPT_E_NAME, EXITPT_E_TYPE,
		EXITPT_E_TOO_LONG, EXITPT_E_TIMEOUT, EXITPT_E_PENDING,
		EXITPT_E_NOT_ENABLED, EXITPT_E_NO_HANDLER, EXITPT_E_DECIMAL,
		EXITPT_E_NOT_HELD, EXITPT_E_FULL, EXITPT_E_KEY, EXITPT_E_DEAD,
	};
	size_t	i, j;
	int	distinct = 1;

	for (i = 0; i < nitems(codes); i++) {
		if (strcmp(exitpt_strerror(codes[i]), "unknown error") == 0)
			distinct = 0;
		for (j = 0; j < i; j++) {
			if (strcmp(exitpt_strerror(codes[i]),
			    exitpt_strerror(codes[j])) == 0)
				distinct = 0;
		}
	}
	ok(distinct, "every exitpt error code has its own description");
	is_str(exitpt_strerror(-ENOENT), strerror(ENOENT),
	    "negated errno is described by strerror");
	is_str(exitpt_strerror(0), "success", "0 is success");
	is_str(exitpt_strerror(-99999), "unknown error", "unknown code");
}

int
main(void)
{
	test_layouts();
	test_constants();
	test_status();
	test_wait();
	test_window();
	test_strerror();
	return (tap_done());
}
