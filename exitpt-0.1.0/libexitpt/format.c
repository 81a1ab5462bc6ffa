/*
 * Exit information formats and the Check-answer rules of SPEC section 2.
 */
#include <string.h>

#include "exitpt-int.h"

static const struct {
	const char	*point;
	const char	*format;
} format_points[] = {
	{ EXITPT_EXIT_POINT_SUSPEND, EXITPT_REGFMT_SUSPEND },
	{ EXITPT_EXIT_POINT_RESUME, EXITPT_REGFMT_RESUME },
};

/* Map an exit point name to its registration format. */
const char *
exitpt_exit_point_format(const char *exit_point)
{
	size_t	i;

	if (exit_point == NULL)
		return (NULL);
	for (i = 0; i < nitems(format_points); i++) {
		if (strcmp(format_points[i].point, exit_point) == 0)
			return (format_points[i].format);
	}
	return (NULL);
}

/* Map an exit information format name to its length. */
size_t
exitpt_format_length(const char *format)
{
	if (format == NULL)
		return (0);
	if (strcmp(format, EXITPT_FORMAT_BMGF0100) == 0)
		return (sizeof(struct exitpt_bmgf0100));
	if (strcmp(format, EXITPT_FORMAT_BMGF0200) == 0)
		return (sizeof(struct exitpt_bmgf0200));
	if (strcmp(format, EXITPT_FORMAT_AMGF0100) == 0)
		return (sizeof(struct exitpt_amgf0100));
	return (0);
}

/* Tell whether a Check status is one of the two defined values. */
int
exitpt_check_status_valid(int32_t status)
{
	return (status == EXITPT_STATUS_VETO || status == EXITPT_STATUS_ALLOW);
}

/* Tell whether a Check wait time lies within 1..900 seconds. */
int
exitpt_check_wait_valid(int32_t wait)
{
	return (wait >= EXITPT_WAIT_MIN && wait <= EXITPT_WAIT_MAX);
}

/* Reduce a Check status to veto or allow; only an explicit 0 vetoes. */
int32_t
exitpt_check_status(int32_t status)
{
	if (status == EXITPT_STATUS_VETO)
		return (EXITPT_STATUS_VETO);
	return (EXITPT_STATUS_ALLOW);
}

/* Reduce a Check wait time to its effective value; invalid means 1 s. */
int32_t
exitpt_check_wait(int32_t wait)
{
	if (!exitpt_check_wait_valid(wait))
		return (EXITPT_WAIT_MIN);
	return (wait);
}

/* Fold a wait time into the prepare window: maximum, capped at 900 s. */
int32_t
exitpt_window_fold(int32_t window, int32_t wait)
{
	int32_t	w;

	w = exitpt_check_wait(wait);
	if (window > EXITPT_WAIT_MAX)
		window = EXITPT_WAIT_MAX;
	return (w > window ? w : window);
}
