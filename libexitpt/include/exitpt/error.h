/*
 * libexitpt error codes.  Every function returns 0 (or a non-negative
 * count) on success and a negative value on failure: either -errno, or one
 * of the exitpt-specific codes below.  exitpt_strerror() describes both.
 */
#ifndef EXITPT_ERROR_H
#define EXITPT_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define EXITPT_EXPORT __attribute__((visibility("default")))
#else
#define EXITPT_EXPORT
#endif

/* exitpt's own codes; ranges are grouped by subsystem. */
enum exitpt_error {
	/* registry (ADDEXITPGM / RMVEXITPGM / WRKREGINF) */
	EXITPT_E_EXIT_POINT = -1000,	/* unknown exit point */
	EXITPT_E_FORMAT = -1001,	/* format does not match exit point */
	EXITPT_E_NUMBER = -1002,	/* program number outside 1..2147483647 */
	EXITPT_E_DUPLICATE = -1003,	/* program number already registered */
	EXITPT_E_NO_FREE = -1004,	/* no free program number left */
	EXITPT_E_DATA_LENGTH = -1005,	/* program data longer than 2048 bytes */
	EXITPT_E_NOT_REGISTERED = -1006, /* no program with that number */
	EXITPT_E_MALFORMED = -1007,	/* malformed file or message */
	EXITPT_E_USER = -1008,		/* unknown user or group */
	EXITPT_E_AUTH = -1009,		/* caller is not authorized */
	EXITPT_E_VALUE = -1010,		/* a value is out of range or bad */

	/* phase engine and control protocol */
	EXITPT_E_PROTOCOL = -1100,	/* malformed or unexpected message */
	EXITPT_E_VERSION = -1101,	/* protocol version mismatch */
	EXITPT_E_BUSY = -1102,		/* another operation is running */
	EXITPT_E_NO_OPERATION = -1103,	/* no such operation */
	EXITPT_E_PHASE = -1104,		/* phase not allowed now */
	EXITPT_E_LIMIT = -1105,		/* too many connections */
	EXITPT_E_JOURNAL = -1106,	/* exitd cannot journal an operation */

	/* IPC objects */
	EXITPT_E_NAME = -1200,		/* invalid object name */
	EXITPT_E_TYPE = -1201,		/* object is of another type */
	EXITPT_E_TOO_LONG = -1202,	/* value or entry too long */
	EXITPT_E_TIMEOUT = -1203,	/* wait time elapsed */
	EXITPT_E_PENDING = -1204,	/* a suspend is pending */
	EXITPT_E_NOT_ENABLED = -1205,	/* target has not opted in */
	EXITPT_E_NO_HANDLER = -1206,	/* no handler of that name */
	EXITPT_E_DECIMAL = -1207,	/* invalid or overflowing decimal */
	EXITPT_E_NOT_HELD = -1208,	/* lock or section not held */
	EXITPT_E_FULL = -1209,		/* object is full */
	EXITPT_E_KEY = -1210,		/* key missing or of the wrong length */
	EXITPT_E_DEAD = -1211,		/* target process no longer exists */
	EXITPT_E_DAMAGED = -1212,	/* object is damaged (see detail) */
	EXITPT_E_RUNTIME_DIR = -1213,	/* runtime directory unusable */
};

/* Describe an error code returned by any libexitpt function. */
EXITPT_EXPORT const char *exitpt_strerror(int error);

#ifdef __cplusplus
}
#endif

#endif /* EXITPT_ERROR_H */
