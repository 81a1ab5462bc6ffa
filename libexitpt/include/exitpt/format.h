/*
 * Exit information formats and constants (SPEC section 3).
 *
 * The formats are fixed layouts of native-byte-order 32-bit integers, as
 * IBM i's Binary(4) fields; every offset and size is checked at compile time.
 */
#ifndef EXITPT_FORMAT_H
#define EXITPT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include <exitpt/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exit points and their registration formats. */
#define EXITPT_EXIT_POINT_SUSPEND	"QIBM_QWC_SUSPEND"
#define EXITPT_EXIT_POINT_RESUME	"QIBM_QWC_RESUME"
#define EXITPT_REGFMT_SUSPEND		"SSPS0100"
#define EXITPT_REGFMT_RESUME		"RSMS0100"

/* Exit information format names. */
#define EXITPT_FORMAT_BMGF0100		"BMGF0100"
#define EXITPT_FORMAT_BMGF0200		"BMGF0200"
#define EXITPT_FORMAT_AMGF0100		"AMGF0100"

/* Phase characters. */
#define EXITPT_PHASE_CHECK		'1'
#define EXITPT_PHASE_PREPARE		'2'	/* also Cancel, by request */
#define EXITPT_PHASE_COMPLETE		'4'

/* Action. */
#define EXITPT_ACTION_MIGRATION		1
#define EXITPT_ACTION_HIBERNATION	2

/* Status flag (BMGF0100, output). */
#define EXITPT_STATUS_NONE		(-1)	/* prefilled: no answer */
#define EXITPT_STATUS_VETO		0
#define EXITPT_STATUS_ALLOW		1

/* Wait time bounds (BMGF0100, output), in seconds. */
#define EXITPT_WAIT_NONE		0	/* prefilled: no answer */
#define EXITPT_WAIT_MIN			1
#define EXITPT_WAIT_MAX			900

/* Request (BMGF0200). */
#define EXITPT_REQUEST_PREPARE		1
#define EXITPT_REQUEST_CANCEL		2

/* System state (AMGF0100). */
#define EXITPT_SYSTEM_NORMAL		0
#define EXITPT_SYSTEM_RESTRICTED	1

/* Program numbers. */
#define EXITPT_NUMBER_MIN		1
#define EXITPT_NUMBER_MAX		INT32_MAX

/* Longest program data, in bytes. */
#define EXITPT_DATA_MAX			2048

/* BMGF0100: Check (phase '1') on QIBM_QWC_SUSPEND. */
struct exitpt_bmgf0100 {
	int32_t	length;		/* 16, set by exitd */
	int32_t	action;		/* EXITPT_ACTION_* */
	int32_t	status;		/* out: EXITPT_STATUS_* */
	int32_t	wait_time;	/* out: seconds, 1..900 */
};

/* BMGF0200: Prepare or Cancel (phase '2') on QIBM_QWC_SUSPEND. */
struct exitpt_bmgf0200 {
	int32_t	length;		/* 16, set by exitd */
	int32_t	action;		/* EXITPT_ACTION_* */
	int32_t	request;	/* EXITPT_REQUEST_* */
	int32_t	window;		/* prepare window granted, seconds */
};

/* AMGF0100: Complete (phase '4') on QIBM_QWC_RESUME. */
struct exitpt_amgf0100 {
	int32_t	length;		/* 12, set by exitd */
	int32_t	action;		/* EXITPT_ACTION_* */
	int32_t	system_state;	/* EXITPT_SYSTEM_* */
};

#ifdef __cplusplus
#define EXITPT_FORMAT_ASSERT(c, m)	static_assert(c, m)
#else
#define EXITPT_FORMAT_ASSERT(c, m)	_Static_assert(c, m)
#endif
EXITPT_FORMAT_ASSERT(sizeof(struct exitpt_bmgf0100) == 16, "BMGF0100 size");
EXITPT_FORMAT_ASSERT(offsetof(struct exitpt_bmgf0100, length) == 0, "BMGF0100 length");
EXITPT_FORMAT_ASSERT(offsetof(struct exitpt_bmgf0100, action) == 4, "BMGF0100 action");
EXITPT_FORMAT_ASSERT(offsetof(struct exitpt_bmgf0100, status) == 8, "BMGF0100 status");
EXITPT_FORMAT_ASSERT(offsetof(struct exitpt_bmgf0100, wait_time) == 12, "BMGF0100 wait");
EXITPT_FORMAT_ASSERT(sizeof(struct exitpt_bmgf0200) == 16, "BMGF0200 size");
EXITPT_FORMAT_ASSERT(offsetof(struct exitpt_bmgf0200, length) == 0, "BMGF0200 length");
EXITPT_FORMAT_ASSERT(offsetof(struct exitpt_bmgf0200, action) == 4, "BMGF0200 action");
EXITPT_FORMAT_ASSERT(offsetof(struct exitpt_bmgf0200, request) == 8, "BMGF0200 request");
EXITPT_FORMAT_ASSERT(offsetof(struct exitpt_bmgf0200, window) == 12, "BMGF0200 window");
EXITPT_FORMAT_ASSERT(sizeof(struct exitpt_amgf0100) == 12, "AMGF0100 size");
EXITPT_FORMAT_ASSERT(offsetof(struct exitpt_amgf0100, length) == 0, "AMGF0100 length");
EXITPT_FORMAT_ASSERT(offsetof(struct exitpt_amgf0100, action) == 4, "AMGF0100 action");
EXITPT_FORMAT_ASSERT(offsetof(struct exitpt_amgf0100, system_state) == 8, "AMGF0100 state");

/*
 * Registration format of an exit point, or NULL if the exit point is
 * unknown.
 */
EXITPT_EXPORT const char *exitpt_exit_point_format(const char *exit_point);

/* Length in bytes of an exit information format, or 0 if unknown. */
EXITPT_EXPORT size_t exitpt_format_length(const char *format);

/* 1 if status is a valid Check answer (0 or 1), else 0. */
EXITPT_EXPORT int exitpt_check_status_valid(int32_t status);

/* 1 if wait is a valid Check wait time (1..900), else 0. */
EXITPT_EXPORT int exitpt_check_wait_valid(int32_t wait);

/*
 * Effective status of a Check answer: EXITPT_STATUS_VETO only for 0;
 * anything else (1, no answer, invalid) allows.
 */
EXITPT_EXPORT int32_t exitpt_check_status(int32_t status);

/* Effective wait time of a Check answer: wait if 1..900, else 1. */
EXITPT_EXPORT int32_t exitpt_check_wait(int32_t wait);

/*
 * Fold one Check wait time into a prepare window: the maximum of the
 * effective wait times, never their sum, capped at 900 s.  Start with 0.
 */
EXITPT_EXPORT int32_t exitpt_window_fold(int32_t window, int32_t wait);

#ifdef __cplusplus
}
#endif

#endif /* EXITPT_FORMAT_H */
