/*
 * Data areas, after IBM i's *DTAARA: a small named value in shared memory
 * of type *CHAR (1..2000 bytes), *DEC (1..24 digits, 0..9 of them decimal
 * positions, exact decimal arithmetic, no floating point) or *LGL ('0' or
 * '1'); retrieved and changed whole or, for *CHAR, by substring as
 * RTVDTAARA and CHGDTAARA do; with an update lock (*EXCLRD: others may
 * still read, nobody else may lock or change) for read-modify-write.
 * Names, owner, mode and wait times follow exitpt/ipc.h.
 */
#ifndef EXITPT_DTAARA_H
#define EXITPT_DTAARA_H

#include <sys/types.h>

#include <stddef.h>

#include <exitpt/error.h>
#include <exitpt/ipc.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Types. */
#define EXITPT_DTAARA_CHAR		1
#define EXITPT_DTAARA_DEC		2
#define EXITPT_DTAARA_LGL		3

/* Limits. */
#define EXITPT_DTAARA_CHAR_MAX		2000	/* *CHAR length, bytes */
#define EXITPT_DTAARA_DEC_DIGITS	24	/* *DEC total digits */
#define EXITPT_DTAARA_DEC_DECIMALS	9	/* *DEC decimal positions */
/* Longest *DEC text: sign, 24 digits, point, leading "0". */
#define EXITPT_DTAARA_DEC_TEXT_MAX	27

/* Start position meaning "the whole value" (with length 0). */
#define EXITPT_DTAARA_ALL		0

struct exitpt_dtaara;

/* What exitpt_dtaara_info reports. */
struct exitpt_dtaara_info {
	int		type;		/* EXITPT_DTAARA_* */
	size_t		length;		/* bytes, or digits for *DEC */
	unsigned int	decimals;	/* *DEC decimal positions */
	uid_t		owner;
	gid_t		group;
	mode_t		mode;
	pid_t		locked_by;	/* update lock holder, or 0 */
	unsigned long long changes;	/* changes since creation */
};

/*
 * Create a data area.  length is 1..2000 bytes for *CHAR, 1..24 digits
 * for *DEC (decimals 0..9, at most length), 1 for *LGL (decimals must be 0
 * for *CHAR and *LGL).  value (valuelen bytes; NULL for the default:
 * blanks, 0 or '0') is the initial value, as for exitpt_dtaara_change.
 * mode is 0..0666.  Returns 0, -EEXIST, EXITPT_E_NAME, EXITPT_E_VALUE (bad
 * type, length, decimals or mode), EXITPT_E_TOO_LONG, EXITPT_E_DECIMAL,
 * or -errno.
 */
EXITPT_EXPORT int exitpt_dtaara_create(const char *name, int type,
    size_t length, unsigned int decimals, const void *value,
    size_t valuelen, mode_t mode);

/*
 * Delete a data area (its owner or root).  Handles still open see -ENOENT
 * from then on.  Returns 0, -ENOENT, -EACCES, EXITPT_E_TYPE, EXITPT_E_NAME.
 */
EXITPT_EXPORT int exitpt_dtaara_delete(const char *name);

/*
 * Open a data area (read access needed; changes also need write access).
 * Returns 0, -ENOENT, -EACCES, EXITPT_E_TYPE, EXITPT_E_NAME or -errno.
 */
EXITPT_EXPORT int exitpt_dtaara_open(const char *name,
    struct exitpt_dtaara **dp);

/* Close a handle, releasing the update lock if this handle took it. */
EXITPT_EXPORT void exitpt_dtaara_close(struct exitpt_dtaara *d);

/* Describe a data area.  Returns 0 or -ENOENT (deleted). */
EXITPT_EXPORT int exitpt_dtaara_info(struct exitpt_dtaara *d,
    struct exitpt_dtaara_info *info);

/*
 * Retrieve the value, or for *CHAR the substring of length bytes at the
 * 1-based position start (start EXITPT_DTAARA_ALL with length 0: the
 * whole value).  *DEC values come as text ("-12.50": a '-' when negative,
 * at least one integer digit, exactly decimals fraction digits), *LGL as
 * "0" or "1".  At most size - 1 bytes are copied and buf is
 * NUL-terminated; *len (may be NULL) gets the value's full length.
 * Never blocks on the update lock.  Returns 0, EXITPT_E_VALUE (bad start
 * or length, or a substring of a *DEC or *LGL), EXITPT_E_TOO_LONG (buf
 * too small: nothing copied) or -ENOENT.  Authority is checked once, by
 * exitpt_dtaara_open.
 */
EXITPT_EXPORT int exitpt_dtaara_retrieve(struct exitpt_dtaara *d,
    size_t start, size_t length, char *buf, size_t size, size_t *len);

/*
 * Change the value, or for *CHAR the substring (start, length) as in
 * exitpt_dtaara_retrieve.  A *CHAR value shorter than the area or
 * substring is padded with blanks; a longer one is EXITPT_E_TOO_LONG.  A
 * *DEC value is decimal text ([+-]digits[.digits]) that must fit exactly:
 * too many integer digits, or non-zero digits beyond the decimal
 * positions, are EXITPT_E_DECIMAL (nothing is rounded away).  *LGL takes
 * "0" or "1" only (EXITPT_E_VALUE).  When another process holds the
 * update lock, waits for it at most wait seconds (EXITPT_E_TIMEOUT).
 * Readers see the old value or the new one, never a mix, even if the
 * changer is killed.  Returns 0 or the errors above, -EACCES, -ENOENT.
 */
EXITPT_EXPORT int exitpt_dtaara_change(struct exitpt_dtaara *d,
    size_t start, size_t length, const void *value, size_t valuelen,
    double wait);

/*
 * Add the decimal text addend to a *DEC data area in one step, and store
 * the new value's text in result (size bytes, may be NULL).  Waits for
 * the update lock like exitpt_dtaara_change.  Returns 0,
 * EXITPT_E_DECIMAL (a bad addend, or a sum that does not fit: the value is
 * unchanged), EXITPT_E_TYPE (not *DEC), EXITPT_E_TIMEOUT, -EACCES, -ENOENT.
 */
EXITPT_EXPORT int exitpt_dtaara_add(struct exitpt_dtaara *d,
    const char *addend, double wait, char *result, size_t size);

/*
 * Take the update lock (*EXCLRD) for this process, waiting at most wait
 * seconds: other processes may still retrieve, but their changes and
 * locks wait until exitpt_dtaara_unlock, exitpt_dtaara_close of this
 * handle, or this process's end (SIGKILL included).  Needs write access.
 * Returns 0, -EALREADY (this process holds it), EXITPT_E_TIMEOUT,
 * -EACCES, -ENOENT.
 */
EXITPT_EXPORT int exitpt_dtaara_lock(struct exitpt_dtaara *d, double wait);

/* Release the update lock.  Returns 0, EXITPT_E_NOT_HELD or -ENOENT. */
EXITPT_EXPORT int exitpt_dtaara_unlock(struct exitpt_dtaara *d);

/*
 * The names of the data areas the caller can see, sorted; free them with
 * exitpt_dtaara_list_free.  Returns 0 or -errno.
 */
EXITPT_EXPORT int exitpt_dtaara_list(char ***names, size_t *count);
EXITPT_EXPORT void exitpt_dtaara_list_free(char **names, size_t count);

/* "*CHAR", "*DEC", "*LGL" for a type, or NULL. */
EXITPT_EXPORT const char *exitpt_dtaara_type_name(int type);

/* The type named "*CHAR", "char", ... (any case), or EXITPT_E_VALUE. */
EXITPT_EXPORT int exitpt_dtaara_type_parse(const char *text);

#ifdef __cplusplus
}
#endif

#endif /* EXITPT_DTAARA_H */
