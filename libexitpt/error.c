/*
 * Error descriptions for exitpt_strerror().
 */
#include <string.h>

#include "exitpt-int.h"

static const struct {
	int		 code;
	const char	*text;
} error_texts[] = {
	{ EXITPT_E_EXIT_POINT, "unknown exit point" },
	{ EXITPT_E_FORMAT, "format does not match the exit point" },
	{ EXITPT_E_NUMBER, "program number outside 1..2147483647" },
	{ EXITPT_E_DUPLICATE, "program number already registered" },
	{ EXITPT_E_NO_FREE, "no free program number" },
	{ EXITPT_E_DATA_LENGTH, "program data longer than 2048 bytes" },
	{ EXITPT_E_NOT_REGISTERED, "no exit program with that number" },
	{ EXITPT_E_MALFORMED, "malformed data" },
	{ EXITPT_E_USER, "unknown user or group" },
	{ EXITPT_E_AUTH, "not authorized" },
	{ EXITPT_E_VALUE, "value out of range" },
	{ EXITPT_E_PROTOCOL, "protocol error" },
	{ EXITPT_E_VERSION, "protocol version mismatch" },
	{ EXITPT_E_BUSY, "another operation is running" },
	{ EXITPT_E_NO_OPERATION, "no such operation" },
	{ EXITPT_E_PHASE, "phase not allowed now" },
	{ EXITPT_E_LIMIT, "too many connections" },
	{ EXITPT_E_JOURNAL, "exitd cannot journal the operation" },
	{ EXITPT_E_NAME, "invalid object name" },
	{ EXITPT_E_TYPE, "object is of another type" },
	{ EXITPT_E_TOO_LONG, "value too long" },
	{ EXITPT_E_TIMEOUT, "wait time elapsed" },
	{ EXITPT_E_PENDING, "a suspend is pending" },
	{ EXITPT_E_NOT_ENABLED, "target has not enabled job interrupts" },
	{ EXITPT_E_NO_HANDLER, "no handler of that name" },
	{ EXITPT_E_DECIMAL, "invalid or overflowing decimal value" },
	{ EXITPT_E_NOT_HELD, "not held by this process" },
	{ EXITPT_E_FULL, "object is full" },
	{ EXITPT_E_KEY, "key missing or of the wrong length" },
	{ EXITPT_E_DEAD, "target process no longer exists" },
	{ EXITPT_E_DAMAGED, "object is damaged" },
	{ EXITPT_E_RUNTIME_DIR, "runtime directory missing or not trusted" },
};

/* Describe a libexitpt error code (an exitpt code or a negated errno). */
const char *
exitpt_strerror(int error)
{
	size_t	i;

	if (error == 0)
		return ("success");
	for (i = 0; i < nitems(error_texts); i++) {
		if (error_texts[i].code == error)
			return (error_texts[i].text);
	}
	if (error < 0 && error > -4096)
		return (strerror(-error));
	return ("unknown error");
}
