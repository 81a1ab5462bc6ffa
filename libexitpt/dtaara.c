/*
 * Data areas (*DTAARA) on the shared object layer (ipcobj.c).
 *
 * The value is kept twice: a change writes the copy that is not current,
 * counts the change, and then flips the current index with a single store,
 * all under the object's lock.  A changer killed halfway leaves the
 * current copy untouched, so a reader never sees a half-written value and
 * nothing needs repairing.  A reader that may not write (read permission
 * never gives write, so it cannot take the lock) copies the area and
 * keeps the copy only if the change count did not move meanwhile.
 *
 * Nothing read from the area is trusted: its type, length and decimals
 * must make a valid data area, its current index 0 or 1, a *DEC value
 * must fit its digits and a *LGL be '0' or '1'; anything else is
 * EXITPT_E_DAMAGED, with exitpt_ipc_detail() saying what.  Another user's
 * area, or one that others can write, is read and written with pread and
 * pwrite only (see ipcobj.c).
 *
 * The update lock (*EXCLRD) is a record of its holder (pid and start
 * time) in the data, not a lock held across calls: a holder that dies is
 * recognised by its start time no longer matching, and the lock is taken
 * over, so a SIGKILL never leaves the area locked.  Waiters sleep on the
 * object's change counter, which only unlocking moves (nobody waits for
 * a value, so changes need not pay for a wake-up), and look again every
 * DTAARA_POLL_MS in case a holder died without unlocking.
 *
 * *DEC values are scaled integers (value * 10^decimals) in __int128, which
 * holds 24 digits with room to spare; text is parsed and formatted here,
 * without floating point.
 */
#include <sys/types.h>

#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "exitpt-int.h"

#define DTAARA_POLL_MS		100	/* look for a dead lock holder */
#define DTAARA_CHAR_DEFAULT	' '
#define DTAARA_TRIES		64	/* copies made by a reader */
#define DTAARA_OFF(f)		offsetof(struct dtaara_data, f)

/* An open data area. */
struct exitpt_dtaara {
	struct ipcobj	*obj;
	int		 writable;	/* write access, decided at open */
	int		 held;		/* this handle took the update lock */
};

/* What exitpt_dtaara_create hands to the initialiser. */
struct dtaara_init {
	int		 type;
	size_t		 length;
	unsigned int	 decimals;
	const char	*chr;		/* *CHAR or *LGL, padded */
	__int128	 dec;
};

static __int128	 dtaara_pow10(unsigned int);
static int	 dtaara_check_shape(int, size_t, unsigned int);
static int	 dtaara_init_cb(void *, size_t, void *);
static int	 dtaara_check(struct exitpt_dtaara *,
		     const struct dtaara_data *);
static int	 dtaara_load(struct exitpt_dtaara *, struct dtaara_data *);
static int	 dtaara_read(struct exitpt_dtaara *, struct dtaara_data *);
static int	 dtaara_commit(struct exitpt_dtaara *, struct dtaara_data *,
		     unsigned int, size_t, size_t);
static int	 dtaara_wait_free(struct exitpt_dtaara *, double, int,
		     struct dtaara_data *);
static int	 dtaara_range(const struct dtaara_data *, size_t, size_t,
		     size_t *, size_t *);
static int	 dtaara_lgl(const void *, size_t, char *);

/* 10^n for n up to 38. */
static __int128
dtaara_pow10(unsigned int n)
{
	__int128	v = 1;

	while (n-- > 0)
		v *= 10;
	return (v);
}

/*
 * Parse decimal text ([+-]digits[.digits], at least one digit, no blanks)
 * into a value scaled by 10^decimals that has at most digits digits.  Too
 * many integer digits, or non-zero fraction digits beyond decimals, are
 * EXITPT_E_DECIMAL: nothing is silently rounded away.
 */
int
dtaara_dec_parse(const char *s, size_t len, unsigned int digits,
    unsigned int decimals, __int128 *out)
{
	__int128	v = 0;
	size_t		i = 0;
	unsigned int	intdigits = 0, frac = 0;
	int		neg = 0, any = 0;

	if (decimals > digits || digits > EXITPT_DTAARA_DEC_DIGITS)
		return (EXITPT_E_VALUE);
	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	/* Leading zeros do not count against the digits. */
	for (; i < len && s[i] == '0'; i++)
		any = 1;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (++intdigits > digits - decimals)
			return (EXITPT_E_DECIMAL);
		v = v * 10 + (s[i] - '0');
		any = 1;
	}
	if (i < len && s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			any = 1;
			if (frac < decimals) {
				v = v * 10 + (s[i] - '0');
				frac++;
			} else if (s[i] != '0')
				return (EXITPT_E_DECIMAL);
		}
	}
	if (i != len || !any)
		return (EXITPT_E_DECIMAL);
	v *= dtaara_pow10(decimals - frac);
	*out = neg ? -v : v;
	return (0);
}

/*
 * Format a scaled value: '-' when negative, at least one integer digit,
 * exactly decimals fraction digits.  Returns the length, or 0 if buf is
 * too small.
 */
size_t
dtaara_dec_format(__int128 v, unsigned int decimals, char *buf, size_t size)
{
	char		 tmp[64], *p = tmp + sizeof(tmp);
	unsigned __int128 u;
	unsigned int	 n = 0;
	size_t		 len;

	u = v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
	*--p = '\0';
	do {
		if (decimals > 0 && n == decimals)
			*--p = '.';
		*--p = (char)('0' + (int)(u % 10));
		u /= 10;
		n++;
	} while (u != 0 || n <= decimals);
	if (v < 0)
		*--p = '-';
	len = strlen(p);
	if (len >= size)
		return (0);
	memcpy(buf, p, len + 1);
	return (len);
}

/* Check a type, length and decimals.  Returns 0 or EXITPT_E_VALUE. */
static int
dtaara_check_shape(int type, size_t length, unsigned int decimals)
{
	switch (type) {
	case EXITPT_DTAARA_CHAR:
		if (length < 1 || length > EXITPT_DTAARA_CHAR_MAX ||
		    decimals != 0)
			return (EXITPT_E_VALUE);
		return (0);
	case EXITPT_DTAARA_DEC:
		if (length < 1 || length > EXITPT_DTAARA_DEC_DIGITS ||
		    decimals > EXITPT_DTAARA_DEC_DECIMALS ||
		    decimals > length)
			return (EXITPT_E_VALUE);
		return (0);
	case EXITPT_DTAARA_LGL:
		if (length != 1 || decimals != 0)
			return (EXITPT_E_VALUE);
		return (0);
	}
	return (EXITPT_E_VALUE);
}

/* The *LGL value in value: exactly "0" or "1". */
static int
dtaara_lgl(const void *value, size_t len, char *out)
{
	const char	*s = value;

	if (len != 1 || (s[0] != '0' && s[0] != '1'))
		return (EXITPT_E_VALUE);
	*out = s[0];
	return (0);
}

/* "*CHAR", "*DEC", "*LGL" for a type, or NULL. */
const char *
exitpt_dtaara_type_name(int type)
{
	switch (type) {
	case EXITPT_DTAARA_CHAR:
		return ("*CHAR");
	case EXITPT_DTAARA_DEC:
		return ("*DEC");
	case EXITPT_DTAARA_LGL:
		return ("*LGL");
	}
	return (NULL);
}

/* The type named "*CHAR", "char", ... (any case), or EXITPT_E_VALUE. */
int
exitpt_dtaara_type_parse(const char *text)
{
	if (text == NULL)
		return (EXITPT_E_VALUE);
	if (text[0] == '*')
		text++;
	if (strcasecmp(text, "char") == 0)
		return (EXITPT_DTAARA_CHAR);
	if (strcasecmp(text, "dec") == 0)
		return (EXITPT_DTAARA_DEC);
	if (strcasecmp(text, "lgl") == 0)
		return (EXITPT_DTAARA_LGL);
	return (EXITPT_E_VALUE);
}

/* Fill in a new data area before anyone else can open it. */
static int
dtaara_init_cb(void *data, size_t size, void *arg)
{
	struct dtaara_data	*a = data;
	struct dtaara_init	*in = arg;

	if (size < sizeof(*a))
		return (-EINVAL);
	a->type = (uint32_t)in->type;
	a->length = (uint32_t)in->length;
	a->decimals = in->decimals;
	a->current = 0;
	if (in->type == EXITPT_DTAARA_DEC)
		a->dec[0] = in->dec;
	else
		memcpy(a->chr[0], in->chr, in->length);
	return (0);
}

/* Create a data area. */
int
exitpt_dtaara_create(const char *name, int type, size_t length,
    unsigned int decimals, const void *value, size_t valuelen, mode_t mode)
{
	struct dtaara_init	 in;
	struct ipcobj		*o;
	char			 chr[EXITPT_DTAARA_CHAR_MAX];
	int			 error;

	if ((error = exitpt_ipc_name_check(name)) != 0)
		return (error);
	if ((error = dtaara_check_shape(type, length, decimals)) != 0)
		return (error);
	if ((mode & ~(mode_t)0666) != 0)
		return (EXITPT_E_VALUE);
	if (value == NULL && valuelen > 0)
		return (-EINVAL);
	memset(&in, 0, sizeof(in));
	in.type = type;
	in.length = length;
	in.decimals = decimals;
	in.chr = chr;
	switch (type) {
	case EXITPT_DTAARA_CHAR:
		if (valuelen > length)
			return (EXITPT_E_TOO_LONG);
		memset(chr, DTAARA_CHAR_DEFAULT, length);
		if (valuelen > 0)
			memcpy(chr, value, valuelen);
		break;
	case EXITPT_DTAARA_DEC:
		if (value != NULL && (error = dtaara_dec_parse(value,
		    valuelen, (unsigned int)length, decimals, &in.dec)) != 0)
			return (error);
		break;
	case EXITPT_DTAARA_LGL:
		chr[0] = '0';
		if (value != NULL && (error = dtaara_lgl(value, valuelen,
		    chr)) != 0)
			return (error);
		break;
	}
	if ((error = ipcobj_create(IPCOBJ_DTAARA, IPCDIR_OBJECTS, name, mode,
	    sizeof(struct dtaara_data), dtaara_init_cb, &in, &o)) != 0)
		return (error);
	ipcobj_close(o);
	return (0);
}

/* Delete a data area. */
int
exitpt_dtaara_delete(const char *name)
{
	int	error;

	if ((error = exitpt_ipc_name_check(name)) != 0)
		return (error);
	return (ipcobj_unlink(IPCOBJ_DTAARA, IPCDIR_OBJECTS, name));
}

/* Open a data area: write access if the mode allows, else read. */
int
exitpt_dtaara_open(const char *name, struct exitpt_dtaara **dp)
{
	struct exitpt_dtaara	*d;
	int			 error;

	*dp = NULL;
	if ((error = exitpt_ipc_name_check(name)) != 0)
		return (error);
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return (-ENOMEM);
	if ((error = ipcobj_open(IPCOBJ_DTAARA, IPCDIR_OBJECTS, name, 0,
	    &d->obj)) != 0) {
		free(d);
		return (error);
	}
	if (ipcobj_size(d->obj) != sizeof(struct dtaara_data)) {
		error = ipcobj_damaged("data area %s: %zu bytes, not %zu", name,
		    ipcobj_size(d->obj), sizeof(struct dtaara_data));
		ipcobj_close(d->obj);
		free(d);
		return (error);
	}
	d->writable = ipcobj_writable(d->obj);
	*dp = d;
	return (0);
}

/* Close a handle, releasing the update lock if this handle took it. */
void
exitpt_dtaara_close(struct exitpt_dtaara *d)
{
	if (d == NULL)
		return;
	if (d->held)
		(void)exitpt_dtaara_unlock(d);
	ipcobj_close(d->obj);
	free(d);
}

/* The shared object behind a handle (for tests and the benchmark). */
struct ipcobj *
dtaara_obj(struct exitpt_dtaara *d)
{
	return (d->obj);
}

/*
 * Check a copy of the area: a valid shape, a current index of 0 or 1,
 * and a current value its type allows.  Returns 0 or EXITPT_E_DAMAGED.
 */
static int
dtaara_check(struct exitpt_dtaara *d, const struct dtaara_data *a)
{
	const char	*name = ipcobj_name(d->obj);
	__int128	 v;

	if (dtaara_check_shape((int)a->type, a->length, a->decimals) != 0)
		return (ipcobj_damaged("data area %s: type %u, length %u and "
		    "%u decimals make no data area", name, a->type, a->length,
		    a->decimals));
	if (a->current > 1)
		return (ipcobj_damaged("data area %s: current copy %u, not 0 "
		    "or 1", name, a->current));
	if (a->type == EXITPT_DTAARA_DEC) {
		v = a->dec[a->current];
		if (v >= dtaara_pow10(a->length) ||
		    v <= -dtaara_pow10(a->length))
			return (ipcobj_damaged("data area %s: value has more "
			    "than its %u digits", name, a->length));
	}
	if (a->type == EXITPT_DTAARA_LGL && a->chr[a->current][0] != '0' &&
	    a->chr[a->current][0] != '1')
		return (ipcobj_damaged("data area %s: *LGL value is neither 0 "
		    "nor 1", name));
	return (0);
}

/* Copy the area (under its lock) and check the copy. */
static int
dtaara_load(struct exitpt_dtaara *d, struct dtaara_data *a)
{
	int	error;

	if ((error = ipcobj_get(d->obj, 0, a, sizeof(*a))) != 0)
		return (error);
	return (dtaara_check(d, a));
}

/*
 * A checked copy of the area for reading.  A handle that may write takes
 * the lock (on an area others can write, only if it is free: see
 * dtaq_snapshot); one that may not (or whose lock is held) copies without
 * it and keeps the copy only if no change was counted meanwhile.
 */
static int
dtaara_read(struct exitpt_dtaara *d, struct dtaara_data *a)
{
	struct ipcobj_deadline	dl;
	uint64_t		c1, c2;
	int			error, tries;

	if (d->writable) {
		ipcobj_deadline_set(&dl, EXITPT_WAIT_NOWAIT);
		if ((error = ipcobj_trusted(d->obj) ? ipcobj_lock(d->obj,
		    &dl) : ipcobj_trylock(d->obj)) == 0) {
			error = dtaara_load(d, a);
			ipcobj_unlock(d->obj);
			return (error);
		}
		if (error != EXITPT_E_TIMEOUT)
			return (error);
	}
	for (tries = 0; tries < DTAARA_TRIES; tries++) {
		if ((error = ipcobj_get64(d->obj, DTAARA_OFF(changes),
		    &c1)) != 0)
			return (error);
		error = ipcobj_get(d->obj, 0, a, sizeof(*a));
		if (error == 0 && (error = ipcobj_get64(d->obj,
		    DTAARA_OFF(changes), &c2)) == 0 && c1 == c2)
			return (dtaara_check(d, a));
		if (error != 0 && error != EXITPT_E_DAMAGED)
			return (error);
		sched_yield();
	}
	return (EXITPT_E_TIMEOUT);
}

/*
 * Take the lock once the update lock is free or ours (a dead holder's is
 * dropped), waiting at most wait seconds, and leave a checked copy in a.
 * With take, also record this process as the update lock's holder.
 * Returns 0 with the lock held, or an error without it.
 */
static int
dtaara_wait_free(struct exitpt_dtaara *d, double wait, int take,
    struct dtaara_data *a)
{
	struct ipcobj_deadline	 dl, slice;
	struct ipcobj_proc	 self, none;
	uint32_t		 seq;
	int			 error;

	if ((error = ipcobj_deadline_set(&dl, wait)) != 0)
		return (error);
	if ((error = ipcproc_self(&self)) != 0)
		return (error);
	memset(&none, 0, sizeof(none));
	for (;;) {
		if ((error = ipcobj_lock(d->obj, &dl)) != 0)
			return (error);
		if ((error = dtaara_load(d, a)) != 0)
			goto fail;
		if (a->holder.pid != 0 && !(a->holder.pid == self.pid &&
		    a->holder.start == self.start) &&
		    !ipcproc_alive(&a->holder)) {
			/* The holder died: its lock dies with it. */
			a->holder = none;
			if ((error = ipcobj_put(d->obj, DTAARA_OFF(holder),
			    &none, sizeof(none))) != 0)
				goto fail;
			ipcobj_notify(d->obj);
		}
		if (a->holder.pid == 0 || (a->holder.pid == self.pid &&
		    a->holder.start == self.start)) {
			if (take && (error = ipcobj_put(d->obj,
			    DTAARA_OFF(holder), &self, sizeof(self))) != 0)
				goto fail;
			return (0);
		}
		if ((error = ipcobj_seq(d->obj, &seq)) != 0)
			goto fail;
		ipcobj_unlock(d->obj);
		if (ipcobj_deadline_passed(&dl))
			return (EXITPT_E_TIMEOUT);
		ipcobj_deadline_cap(&dl, DTAARA_POLL_MS, &slice);
		error = ipcobj_wait(d->obj, seq, &slice);
		if (error == -ENOENT || error == EXITPT_E_DAMAGED)
			return (error);
	}

fail:
	ipcobj_unlock(d->obj);
	return (error);
}

/*
 * Make the spare copy current after it was written (n bytes of *CHAR at
 * off, or the *DEC value): count the change, then flip with one store.
 * Called with the lock held; a holds the copy the change was built on.
 */
static int
dtaara_commit(struct exitpt_dtaara *d, struct dtaara_data *a,
    unsigned int next, size_t off, size_t n)
{
	int	error;

	if (a->type == EXITPT_DTAARA_DEC)
		error = ipcobj_put(d->obj, DTAARA_OFF(dec) + next *
		    sizeof(a->dec[0]), &a->dec[next], sizeof(a->dec[0]));
	else
		error = ipcobj_put(d->obj, DTAARA_OFF(chr) + next *
		    sizeof(a->chr[0]) + off, a->chr[next] + off, n);
	if (error != 0 || (error = ipcobj_put64(d->obj, DTAARA_OFF(changes),
	    a->changes + 1)) != 0)
		return (error);
	return (ipcobj_put32(d->obj, DTAARA_OFF(current), next));
}

/*
 * Check a (start, length) pair against the area: EXITPT_DTAARA_ALL with 0
 * is the whole value; otherwise *CHAR only, 1-based, inside the value.
 * Sets the 0-based offset and the byte count.
 */
static int
dtaara_range(const struct dtaara_data *a, size_t start, size_t length,
    size_t *off, size_t *n)
{
	if (start == EXITPT_DTAARA_ALL) {
		if (length != 0)
			return (EXITPT_E_VALUE);
		*off = 0;
		*n = a->length;
		return (0);
	}
	if (a->type != EXITPT_DTAARA_CHAR || start > a->length ||
	    length < 1 || length > a->length - start + 1)
		return (EXITPT_E_VALUE);
	*off = start - 1;
	*n = length;
	return (0);
}

/* Describe a data area. */
int
exitpt_dtaara_info(struct exitpt_dtaara *d, struct exitpt_dtaara_info *info)
{
	struct dtaara_data	*a;
	int			 error;

	if ((a = malloc(sizeof(*a))) == NULL)
		return (-ENOMEM);
	if ((error = dtaara_read(d, a)) != 0) {
		free(a);
		return (error);
	}
	memset(info, 0, sizeof(*info));
	info->type = (int)a->type;
	info->length = a->length;
	info->decimals = a->decimals;
	info->owner = ipcobj_owner(d->obj);
	info->group = ipcobj_group(d->obj);
	info->mode = ipcobj_mode(d->obj);
	if (a->holder.pid > 0 && ipcproc_alive(&a->holder))
		info->locked_by = a->holder.pid;
	info->changes = a->changes;
	free(a);
	return (0);
}

/* Retrieve the value or a substring. */
int
exitpt_dtaara_retrieve(struct exitpt_dtaara *d, size_t start,
    size_t length, char *buf, size_t size, size_t *len)
{
	struct dtaara_data	*a;
	char			 text[EXITPT_DTAARA_DEC_TEXT_MAX + 1];
	const char		*src;
	size_t			 off, n;
	int			 error;

	if ((a = malloc(sizeof(*a))) == NULL)
		return (-ENOMEM);
	if ((error = dtaara_read(d, a)) != 0)
		goto out;
	if ((error = dtaara_range(a, start, length, &off, &n)) != 0)
		goto out;
	if (a->type == EXITPT_DTAARA_DEC) {
		n = dtaara_dec_format(a->dec[a->current], a->decimals, text,
		    sizeof(text));
		src = text;
	} else
		src = a->chr[a->current] + off;
	if (len != NULL)
		*len = n;
	if (n >= size) {
		error = EXITPT_E_TOO_LONG;
		goto out;
	}
	memcpy(buf, src, n);
	buf[n] = '\0';
out:
	free(a);
	return (error);
}

/* Change the value or a substring. */
int
exitpt_dtaara_change(struct exitpt_dtaara *d, size_t start, size_t length,
    const void *value, size_t valuelen, double wait)
{
	struct dtaara_data	*a;
	unsigned int		 next;
	__int128		 dec;
	size_t			 off = 0, n = 0;
	char			 lgl;
	int			 error;

	if (value == NULL && valuelen > 0)
		return (-EINVAL);
	if (!d->writable)
		return (-EACCES);
	if ((a = malloc(sizeof(*a))) == NULL)
		return (-ENOMEM);
	if ((error = dtaara_wait_free(d, wait, 0, a)) != 0) {
		free(a);
		return (error);
	}
	if ((error = dtaara_range(a, start, length, &off, &n)) != 0)
		goto out;
	next = (a->current + 1) & 1;
	switch (a->type) {
	case EXITPT_DTAARA_CHAR:
		if (valuelen > n) {
			error = EXITPT_E_TOO_LONG;
			goto out;
		}
		/* Build the spare copy; readers keep the current one. */
		memcpy(a->chr[next], a->chr[a->current], a->length);
		memset(a->chr[next] + off, DTAARA_CHAR_DEFAULT, n);
		if (valuelen > 0)
			memcpy(a->chr[next] + off, value, valuelen);
		off = 0;
		n = a->length;
		break;
	case EXITPT_DTAARA_DEC:
		if ((error = dtaara_dec_parse(value, valuelen, a->length,
		    a->decimals, &dec)) != 0)
			goto out;
		a->dec[next] = dec;
		break;
	case EXITPT_DTAARA_LGL:
		if ((error = dtaara_lgl(value, valuelen, &lgl)) != 0)
			goto out;
		a->chr[next][0] = lgl;
		off = 0;
		n = 1;
		break;
	}
	error = dtaara_commit(d, a, next, off, n);
out:
	ipcobj_unlock(d->obj);
	free(a);
	return (error);
}

/* Add a decimal to a *DEC data area in one step. */
int
exitpt_dtaara_add(struct exitpt_dtaara *d, const char *addend, double wait,
    char *result, size_t size)
{
	struct dtaara_data	*a;
	unsigned int		 next;
	__int128		 add, sum;
	int			 error;

	if (addend == NULL)
		return (-EINVAL);
	if (!d->writable)
		return (-EACCES);
	if ((a = malloc(sizeof(*a))) == NULL)
		return (-ENOMEM);
	if ((error = dtaara_wait_free(d, wait, 0, a)) != 0) {
		free(a);
		return (error);
	}
	if (a->type != EXITPT_DTAARA_DEC) {
		error = EXITPT_E_TYPE;
		goto out;
	}
	if ((error = dtaara_dec_parse(addend, strlen(addend), a->length,
	    a->decimals, &add)) != 0)
		goto out;
	/* Both are below 10^24 in magnitude: the sum cannot overflow. */
	sum = a->dec[a->current] + add;
	if (sum >= dtaara_pow10(a->length) || sum <= -dtaara_pow10(a->length)) {
		error = EXITPT_E_DECIMAL;
		goto out;
	}
	next = (a->current + 1) & 1;
	a->dec[next] = sum;
	if ((error = dtaara_commit(d, a, next, 0, 0)) != 0)
		goto out;
	if (result != NULL && size > 0 &&
	    dtaara_dec_format(sum, a->decimals, result, size) == 0)
		result[0] = '\0';
out:
	ipcobj_unlock(d->obj);
	free(a);
	return (error);
}

/* Take the update lock for this process. */
int
exitpt_dtaara_lock(struct exitpt_dtaara *d, double wait)
{
	struct ipcobj_proc	 self;
	struct dtaara_data	*a;
	int			 error;

	if (!d->writable)
		return (-EACCES);
	if ((error = ipcproc_self(&self)) != 0)
		return (error);
	if ((a = malloc(sizeof(*a))) == NULL)
		return (-ENOMEM);
	if ((error = dtaara_read(d, a)) == 0 && a->holder.pid == self.pid &&
	    a->holder.start == self.start)
		error = -EALREADY;
	if (error == 0 && (error = dtaara_wait_free(d, wait, 1, a)) == 0) {
		d->held = 1;
		ipcobj_unlock(d->obj);
	}
	free(a);
	return (error);
}

/* Release the update lock. */
int
exitpt_dtaara_unlock(struct exitpt_dtaara *d)
{
	struct ipcobj_deadline	 dl;
	struct ipcobj_proc	 self, none;
	struct ipcobj_proc	 holder;
	int			 error;

	d->held = 0;
	if ((error = ipcproc_self(&self)) != 0)
		return (error);
	ipcobj_deadline_set(&dl, EXITPT_WAIT_NOWAIT);
	if ((error = ipcobj_lock(d->obj, &dl)) != 0)
		return (error);
	memset(&none, 0, sizeof(none));
	if ((error = ipcobj_get(d->obj, DTAARA_OFF(holder), &holder,
	    sizeof(holder))) == 0) {
		if (holder.pid != self.pid || holder.start != self.start)
			error = EXITPT_E_NOT_HELD;
		else if ((error = ipcobj_put(d->obj, DTAARA_OFF(holder), &none,
		    sizeof(none))) == 0)
			ipcobj_notify(d->obj);
	}
	ipcobj_unlock(d->obj);
	return (error);
}

/* The names of the data areas the caller can see. */
int
exitpt_dtaara_list(char ***names, size_t *count)
{
	return (ipcobj_list(IPCOBJ_DTAARA, names, count));
}

/* Free the result of exitpt_dtaara_list. */
void
exitpt_dtaara_list_free(char **names, size_t count)
{
	ipcobj_list_free(names, count);
}
