/*
 * exitctl's data queue commands, after IBM i's CRTDTAQ, DLTDTAQ,
 * QSNDDTAQ, QRCVDTAQ, QMHRDQM, QCLRDTAQ and DATA_QUEUE_INFO, so that
 * shell exit programs can use data queues too.
 *
 * Data and keys are taken and shown as text by default; --hex switches
 * both to hexadecimal so that any bytes can pass.  In text output an entry
 * is one line: backslash, control bytes and bytes that are not UTF-8 are
 * escaped (\\, \n, \t, \xHH).
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "exitctl.h"

/* exitctl dtaq receive: the wait time elapsed with no entry. */
#define CTL_DTAQ_EXIT_EMPTY	1

/* Options shared by the subcommands. */
struct ctl_dtaq_args {
	const char	*name;
	const char	*key;		/* as given */
	unsigned char	 keybuf[EXITPT_DTAQ_KEY_MAX];
	size_t		 key_length;
	int		 order;
	int		 hex;
	int		 which;		/* peek */
	double		 wait;
};

static int	ctl_dtaq_create(int, char **);
static int	ctl_dtaq_delete(int, char **);
static int	ctl_dtaq_send(int, char **);
static int	ctl_dtaq_receive(int, char **);
static int	ctl_dtaq_peek(int, char **);
static int	ctl_dtaq_clear(int, char **);
static int	ctl_dtaq_list(int, char **);
static int	ctl_dtaq_args(const char *, int, char **, const char *,
		    struct ctl_dtaq_args *, int *);
static int	ctl_dtaq_size(const char *, const char *, long long, long long,
		    size_t *);
static int	ctl_dtaq_decode(const char *, int, unsigned char *, size_t,
		    size_t *);
static size_t	ctl_dtaq_utf8(const unsigned char *, size_t);
static int	ctl_dtaq_key(const char *, struct exitpt_dtaq *,
		    struct ctl_dtaq_args *);
static int	ctl_dtaq_open(const char *, const char *,
		    struct exitpt_dtaq **);
static int	ctl_dtaq_json_bytes(json_t *, const char *, const char *,
		    const void *, size_t, int);
static json_t	*ctl_dtaq_entry_json(const struct exitpt_dtaq_entry *, int);
static int	ctl_dtaq_entry_print(const struct exitpt_dtaq_entry *, int);
static int	ctl_dtaq_peek_cb(const struct exitpt_dtaq_entry *, void *);
static int	ctl_dtaq_list_cb(const char *, void *);

static const struct {
	const char	*name;
	int		 (*fn)(int, char **);
} ctl_dtaq_commands[] = {
	{ "create", ctl_dtaq_create },
	{ "delete", ctl_dtaq_delete },
	{ "send", ctl_dtaq_send },
	{ "receive", ctl_dtaq_receive },
	{ "peek", ctl_dtaq_peek },
	{ "clear", ctl_dtaq_clear },
	{ "list", ctl_dtaq_list },
};

/* exitctl dtaq SUBCOMMAND: dispatch to the subcommand. */
int
ctl_dtaq(int argc, char **argv)
{
	size_t	i;

	if (argc < 2)
		return (ctl_usage_error("dtaq", "missing subcommand"));
	for (i = 0; i < nitems(ctl_dtaq_commands); i++) {
		if (strcmp(argv[1], ctl_dtaq_commands[i].name) == 0) {
			optind = 0;
			return (ctl_dtaq_commands[i].fn(argc - 1, argv + 1));
		}
	}
	return (ctl_usage_error("dtaq", "unknown subcommand '%s'", argv[1]));
}

/*
 * Decode data or a key given on the command line into buf: the text
 * itself, or pairs of hex digits.  Returns 0, or EXITPT_E_TOO_LONG when
 * it does not fit, or EXITPT_E_VALUE for bad hex.
 */
static int
ctl_dtaq_decode(const char *s, int hex, unsigned char *buf, size_t size,
    size_t *len)
{
	size_t		 n = strlen(s), i;
	unsigned int	 byte;

	if (!hex) {
		if (n > size)
			return (EXITPT_E_TOO_LONG);
		memcpy(buf, s, n);
		*len = n;
		return (0);
	}
	if (n % 2 != 0)
		return (EXITPT_E_VALUE);
	if (n / 2 > size)
		return (EXITPT_E_TOO_LONG);
	for (i = 0; i < n / 2; i++) {
		if (strchr("0123456789abcdefABCDEF", s[2 * i]) == NULL ||
		    strchr("0123456789abcdefABCDEF", s[2 * i + 1]) == NULL ||
		    sscanf(s + 2 * i, "%2x", &byte) != 1)
			return (EXITPT_E_VALUE);
		buf[i] = (unsigned char)byte;
	}
	*len = n / 2;
	return (0);
}

/*
 * Length of the UTF-8 sequence of a non-ASCII character at p, or 0 if the
 * bytes there are not one.
 */
static size_t
ctl_dtaq_utf8(const unsigned char *p, size_t len)
{
	size_t	n, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return (0);
	if (n > len)
		return (0);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (0);
	}
	return (n);
}

/*
 * Encode bytes for output: hex, or text with backslash escapes (for
 * control characters, backslash and bytes that are not UTF-8) so that an
 * entry always stays on one line and cannot drive a terminal.  Returns a
 * malloc'd string, or NULL.  dtaara show uses it too.
 */
char *
ctl_dtaq_encode(const void *data, size_t len, int hex)
{
	static const char	 digits[] = "0123456789abcdef";
	const unsigned char	*p = data;
	char			*out, *o;
	size_t			 i, n;

	if ((out = malloc(len * 4 + 1)) == NULL)
		return (NULL);
	o = out;
	for (i = 0; i < len; i++) {
		if (hex) {
			*o++ = digits[p[i] >> 4];
			*o++ = digits[p[i] & 0xf];
		} else if (p[i] == '\\') {
			*o++ = '\\';
			*o++ = '\\';
		} else if (p[i] == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if (p[i] == '\t') {
			*o++ = '\\';
			*o++ = 't';
		} else if (p[i] >= 0x80 && (n = ctl_dtaq_utf8(p + i,
		    len - i)) > 0) {
			memcpy(o, p + i, n);
			o += n;
			i += n - 1;
		} else if (p[i] < 0x20 || p[i] >= 0x7f) {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = digits[p[i] >> 4];
			*o++ = digits[p[i] & 0xf];
		} else
			*o++ = (char)p[i];
	}
	*o = '\0';
	return (out);
}

/* Open a queue by name, reporting failure; returns 0 or an exit status. */
static int
ctl_dtaq_open(const char *cmd, const char *name, struct exitpt_dtaq **qp)
{
	int	error;

	if ((error = exitpt_dtaq_open(name, qp)) != 0) {
		if (error == -ENOENT) {
			ctl_fail(cmd, 0, "data queue '%s' does not exist",
			    name);
			return (DRIVER_EXIT_UNAVAILABLE);
		}
		return (ctl_fail(cmd, error, "data queue '%s'", name));
	}
	return (0);
}

/*
 * Decode the --key option against the queue: it must have exactly the
 * queue's key length.  Returns 0 or an exit status.
 */
static int
ctl_dtaq_key(const char *cmd, struct exitpt_dtaq *q, struct ctl_dtaq_args *a)
{
	struct exitpt_dtaq_info	info;
	int			error;

	if ((error = exitpt_dtaq_info(q, &info)) != 0)
		return (ctl_fail(cmd, error, "data queue '%s'", a->name));
	if (a->key == NULL) {
		if (info.type == EXITPT_DTAQ_KEYED && strcmp(cmd, "send") == 0)
			return (ctl_fail(cmd, EXITPT_E_KEY, "data queue '%s' "
			    "is keyed: --key is required", a->name));
		if (a->order != EXITPT_DTAQ_ANY)
			return (ctl_usage_error("dtaq", "%s: --order needs "
			    "--key", cmd));
		return (0);
	}
	if (info.type != EXITPT_DTAQ_KEYED)
		return (ctl_fail(cmd, EXITPT_E_KEY, "data queue '%s' is %s, "
		    "not keyed: no --key", a->name,
		    exitpt_dtaq_type_name(info.type)));
	error = ctl_dtaq_decode(a->key, a->hex, a->keybuf, sizeof(a->keybuf),
	    &a->key_length);
	if (error == EXITPT_E_VALUE)
		return (ctl_usage_error("dtaq", "%s: --key is not hex: '%s'",
		    cmd, a->key));
	if (error != 0)
		a->key_length = a->hex ? strlen(a->key) / 2 : strlen(a->key);
	if (a->key_length != info.key_length)
		return (ctl_fail(cmd, EXITPT_E_KEY, "key '%s' is %zu bytes, "
		    "data queue '%s' has %zu-byte keys", a->key, a->key_length,
		    a->name, info.key_length));
	if (a->order == EXITPT_DTAQ_ANY && strcmp(cmd, "send") != 0)
		a->order = EXITPT_DTAQ_EQ;
	return (0);
}

/*
 * Parse the options common to the subcommands that take them; the
 * subcommand's own short options come from allowed.  Returns 0 or an exit
 * status, and leaves the queue name in a->name.
 */
static int
ctl_dtaq_args(const char *cmd, int argc, char **argv, const char *allowed,
    struct ctl_dtaq_args *a, int *argi)
{
	static const struct option	 longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "order", required_argument, NULL, 'o' },
		{ "hex", no_argument, NULL, 'x' },
		{ "wait", required_argument, NULL, 'w' },
		{ "first", no_argument, NULL, 'F' },
		{ "last", no_argument, NULL, 'L' },
		{ "all", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 }
	};
	int				 ch;

	memset(a, 0, sizeof(*a));
	a->order = EXITPT_DTAQ_ANY;
	a->which = EXITPT_DTAQ_PEEK_ALL;
	a->wait = EXITPT_WAIT_NOWAIT;
	while ((ch = ctl_getopt(argc, argv, longopts)) != -1) {
		if (ch == '?' || strchr(allowed, ch) == NULL)
			return (ctl_usage_error("dtaq", "%s: bad option", cmd));
		switch (ch) {
		case 'k':
			a->key = optarg;
			break;
		case 'o':
			if ((a->order = exitpt_dtaq_order_parse(optarg)) < 0)
				return (ctl_usage_error("dtaq", "%s: key order "
				    "must be EQ, NE, LT, LE, GT or GE, not "
				    "'%s'", cmd, optarg));
			break;
		case 'x':
			a->hex = 1;
			break;
		case 'w':
			if (exitpt_ipc_wait_parse(optarg, &a->wait) != 0)
				return (ctl_usage_error("dtaq", "%s: wait time "
				    "must be 'forever', 'none' or seconds, "
				    "not '%s'", cmd, optarg));
			break;
		case 'F':
			a->which = EXITPT_DTAQ_PEEK_FIRST;
			break;
		case 'L':
			a->which = EXITPT_DTAQ_PEEK_LAST;
			break;
		case 'A':
			a->which = EXITPT_DTAQ_PEEK_ALL;
			break;
		}
	}
	if (optind >= argc)
		return (ctl_usage_error("dtaq", "%s: missing queue name", cmd));
	a->name = argv[optind];
	if (exitpt_ipc_name_check(a->name) != 0)
		return (ctl_fail(cmd, EXITPT_E_NAME, "'%s' (1..%d of A-Z a-z "
		    "0-9 _ . $ # @ -, not starting with '.' or '-')", a->name,
		    EXITPT_NAME_MAX));
	*argi = optind + 1;
	return (0);
}

/* Parse a size option within [min, max]; returns 0 or an exit status. */
static int
ctl_dtaq_size(const char *opt, const char *s, long long min, long long max,
    size_t *out)
{
	long long	v;

	if (text_parse_int(s, min, max, &v) != 0)
		return (ctl_usage_error("dtaq", "create: %s must be %lld..%lld, "
		    "not '%s'", opt, min, max, s));
	*out = (size_t)v;
	return (0);
}

/* exitctl dtaq create: make a new queue (CRTDTAQ). */
static int
ctl_dtaq_create(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "max-length", required_argument, NULL, 'l' },
		{ "key-length", required_argument, NULL, 'k' },
		{ "capacity", required_argument, NULL, 'c' },
		{ "sender-info", no_argument, NULL, 's' },
		{ "mode", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	size_t				 max_length = 256, key_length = 0;
	size_t				 capacity = 1000;
	mode_t				 mode = EXITPT_IPC_MODE_DEFAULT;
	int				 ch, rv, error, type = EXITPT_DTAQ_FIFO;
	int				 flags = 0;

	while ((ch = ctl_getopt(argc, argv, longopts)) != -1) {
		switch (ch) {
		case 't':
			if (strcasecmp(optarg, "fifo") == 0)
				type = EXITPT_DTAQ_FIFO;
			else if (strcasecmp(optarg, "lifo") == 0)
				type = EXITPT_DTAQ_LIFO;
			else if (strcasecmp(optarg, "keyed") == 0)
				type = EXITPT_DTAQ_KEYED;
			else
				return (ctl_usage_error("dtaq", "create: type "
				    "must be fifo, lifo or keyed, not '%s'",
				    optarg));
			break;
		case 'l':
			if ((rv = ctl_dtaq_size("--max-length", optarg, 1,
			    EXITPT_DTAQ_LENGTH_MAX, &max_length)) != 0)
				return (rv);
			break;
		case 'k':
			if ((rv = ctl_dtaq_size("--key-length", optarg, 1,
			    EXITPT_DTAQ_KEY_MAX, &key_length)) != 0)
				return (rv);
			break;
		case 'c':
			if ((rv = ctl_dtaq_size("--capacity", optarg, 1,
			    EXITPT_DTAQ_CAPACITY_MAX, &capacity)) != 0)
				return (rv);
			break;
		case 's':
			flags |= EXITPT_DTAQ_SENDER_INFO;
			break;
		case 'm':
			if ((rv = ctl_mode_parse("dtaq create", optarg,
			    &mode)) != 0)
				return (rv);
			break;
		default:
			return (ctl_usage_error("dtaq", "create: bad option"));
		}
	}
	if (optind + 1 != argc)
		return (ctl_usage_error("dtaq", "create: expected one queue "
		    "name"));
	if (type == EXITPT_DTAQ_KEYED && key_length == 0)
		return (ctl_usage_error("dtaq", "create: a keyed queue needs "
		    "--key-length"));
	if (type != EXITPT_DTAQ_KEYED && key_length != 0)
		return (ctl_usage_error("dtaq", "create: --key-length is only "
		    "for keyed queues"));
	error = exitpt_dtaq_create(argv[optind], type, max_length, key_length,
	    capacity, flags, mode);
	if (error == -EEXIST) {
		ctl_fail("create", 0, "data queue '%s' already exists",
		    argv[optind]);
		return (DRIVER_EXIT_DATA);
	}
	if (error != 0)
		return (ctl_fail("create", error, "data queue '%s'",
		    argv[optind]));
	return (DRIVER_EXIT_OK);
}

/* exitctl dtaq delete: remove a queue (DLTDTAQ). */
static int
ctl_dtaq_delete(int argc, char **argv)
{
	int	error, rv;

	if ((rv = ctl_noopt("dtaq", argc, argv)) != 0)
		return (rv);
	if (optind + 1 != argc)
		return (ctl_usage_error("dtaq", "delete: expected one queue "
		    "name"));
	if ((error = exitpt_dtaq_delete(argv[optind])) == -ENOENT) {
		ctl_fail("delete", 0, "data queue '%s' does not exist",
		    argv[optind]);
		return (DRIVER_EXIT_UNAVAILABLE);
	}
	if (error != 0)
		return (ctl_fail("delete", error, "data queue '%s'",
		    argv[optind]));
	return (DRIVER_EXIT_OK);
}

/*
 * exitctl dtaq send: add an entry (QSNDDTAQ).  The data is the argument,
 * or standard input (up to the queue's maximum length) when there is none.
 */
static int
ctl_dtaq_send(int argc, char **argv)
{
	struct ctl_dtaq_args	 a;
	struct exitpt_dtaq_info	 info;
	struct exitpt_dtaq	*q;
	unsigned char		*buf;
	size_t			 len = 0, n;
	int			 rv, argi, error;

	if ((rv = ctl_dtaq_args("send", argc, argv, "kxw", &a, &argi)) != 0)
		return (rv);
	if (argc - argi > 1)
		return (ctl_usage_error("dtaq", "send: expected NAME [DATA]"));
	if ((rv = ctl_dtaq_open("send", a.name, &q)) != 0)
		return (rv);
	if ((rv = ctl_dtaq_key("send", q, &a)) != 0 ||
	    (error = exitpt_dtaq_info(q, &info)) != 0) {
		exitpt_dtaq_close(q);
		return (rv != 0 ? rv : ctl_fail("send", error, "%s", a.name));
	}
	/* One byte more than allowed, so that too long is seen as such. */
	if ((buf = malloc(info.max_length * 2 + 2)) == NULL) {
		exitpt_dtaq_close(q);
		return (ctl_fail("send", -ENOMEM, "%s", a.name));
	}
	if (argi < argc)
		error = ctl_dtaq_decode(argv[argi], a.hex, buf,
		    info.max_length, &len);
	else {
		while ((n = fread(buf + len, 1, info.max_length * 2 + 1 - len,
		    stdin)) > 0)
			len += n;
		error = ferror(stdin) ? -EIO : 0;
		if (error == 0 && a.hex) {
			while (len > 0 && (buf[len - 1] == '\n' ||
			    buf[len - 1] == ' '))
				len--;
			buf[len] = '\0';
			error = ctl_dtaq_decode((char *)buf, 1, buf,
			    info.max_length, &len);
		} else if (error == 0 && len > info.max_length)
			error = EXITPT_E_TOO_LONG;
	}
	if (error == 0)
		error = exitpt_dtaq_send(q, a.key_length ? a.keybuf : NULL,
		    a.key_length, buf, len, a.wait);
	free(buf);
	exitpt_dtaq_close(q);
	if (error == EXITPT_E_VALUE)
		return (ctl_usage_error("dtaq", "send: data is not hex"));
	if (error == EXITPT_E_TOO_LONG)
		return (ctl_fail("send", error, "data queue '%s' takes at most "
		    "%zu bytes", a.name, info.max_length));
	if (error != 0)
		return (ctl_fail("send", error, "data queue '%s'", a.name));
	return (DRIVER_EXIT_OK);
}

/*
 * A JSON member for bytes: as a string under name when they are text
 * (valid UTF-8), else, or with --hex, in hex under hexname.
 */
static int
ctl_dtaq_json_bytes(json_t *o, const char *name, const char *hexname,
    const void *p, size_t len, int hex)
{
	json_t	*v = NULL;
	char	*s;

	if (!hex && (v = json_stringn(p, len)) != NULL)
		return (json_object_set_new(o, name, v));
	if ((s = ctl_dtaq_encode(p, len, 1)) == NULL)
		return (-1);
	v = json_string(s);
	free(s);
	return (json_object_set_new(o, hexname, v));
}

/* Build the JSON object describing an entry. */
static json_t *
ctl_dtaq_entry_json(const struct exitpt_dtaq_entry *e, int hex)
{
	json_t		*o;
	char		 when[64];

	text_time_iso((int64_t)e->enqueued.tv_sec * 1000 +
	    e->enqueued.tv_nsec / 1000000, when, sizeof(when));
	if ((o = json_pack("{s:I, s:s}", "length", (json_int_t)e->length,
	    "enqueued", when)) == NULL)
		return (NULL);
	if (ctl_dtaq_json_bytes(o, "data", "hex", e->data, e->length,
	    hex) != 0 || (e->key_length > 0 && ctl_dtaq_json_bytes(o, "key",
	    "key_hex", e->key, e->key_length, hex) != 0)) {
		json_decref(o);
		return (NULL);
	}
	if (e->has_sender && (json_object_set_new(o, "sender_pid",
	    json_integer(e->sender_pid)) != 0 || json_object_set_new(o,
	    "sender_uid", json_integer(e->sender_uid)) != 0)) {
		json_decref(o);
		return (NULL);
	}
	return (o);
}

/* Print an entry as one line of text or hex; returns 0 or -ENOMEM. */
static int
ctl_dtaq_entry_print(const struct exitpt_dtaq_entry *e, int hex)
{
	char	*s;

	if ((s = ctl_dtaq_encode(e->data, e->length, hex)) == NULL)
		return (-ENOMEM);
	printf("%s\n", s);
	free(s);
	return (0);
}

/* exitctl dtaq receive: take one entry (QRCVDTAQ). */
static int
ctl_dtaq_receive(int argc, char **argv)
{
	struct ctl_dtaq_args	 a;
	struct exitpt_dtaq_info	 info;
	struct exitpt_dtaq_entry e;
	struct exitpt_dtaq	*q;
	int			 rv, argi, error, n;

	if ((rv = ctl_dtaq_args("receive", argc, argv, "koxw", &a,
	    &argi)) != 0)
		return (rv);
	if (argi != argc)
		return (ctl_usage_error("dtaq", "receive: expected one queue "
		    "name"));
	if ((rv = ctl_dtaq_open("receive", a.name, &q)) != 0)
		return (rv);
	if ((rv = ctl_dtaq_key("receive", q, &a)) != 0 ||
	    (error = exitpt_dtaq_info(q, &info)) != 0) {
		exitpt_dtaq_close(q);
		return (rv != 0 ? rv : ctl_fail("receive", error, "%s",
		    a.name));
	}
	memset(&e, 0, sizeof(e));
	e.size = info.max_length;
	if ((e.data = malloc(e.size)) == NULL) {
		exitpt_dtaq_close(q);
		return (ctl_fail("receive", -ENOMEM, "%s", a.name));
	}
	error = exitpt_dtaq_receive(q, a.order, a.key_length ? a.keybuf : NULL,
	    a.key_length, a.wait, &e);
	/* Entries there all along: the queue's lock was what never came. */
	n = error == EXITPT_E_TIMEOUT && a.key_length == 0 ?
	    exitpt_dtaq_count(q) : 0;
	exitpt_dtaq_close(q);
	if (error == EXITPT_E_TIMEOUT && n > 0) {
		free(e.data);
		fprintf(stderr, "exitctl: receive: data queue '%s' holds %d "
		    "entr%s, but another process held its lock for the whole "
		    "wait time\n", a.name, n, n == 1 ? "y" : "ies");
		return (DRIVER_EXIT_BUSY);
	}
	if (error == EXITPT_E_TIMEOUT) {
		free(e.data);
		if (a.wait != EXITPT_WAIT_NOWAIT)
			fprintf(stderr, "exitctl: receive: no entry in data "
			    "queue '%s' within the wait time\n", a.name);
		return (CTL_DTAQ_EXIT_EMPTY);
	}
	if (error != 0) {
		free(e.data);
		return (ctl_fail("receive", error, "data queue '%s'", a.name));
	}
	if (ctl_opts.json)
		rv = ctl_json_print(ctl_dtaq_entry_json(&e, a.hex));
	else if (ctl_dtaq_entry_print(&e, a.hex) != 0)
		rv = ctl_fail("receive", -ENOMEM, "output");
	free(e.data);
	return (rv);
}

/* Peek state: the output being built. */
struct ctl_dtaq_peek {
	json_t	*arr;
	int	 hex;
	int	 error;
};

/* Show one peeked entry. */
static int
ctl_dtaq_peek_cb(const struct exitpt_dtaq_entry *e, void *arg)
{
	struct ctl_dtaq_peek	*p = arg;
	json_t			*o;

	if (p->arr != NULL) {
		if ((o = ctl_dtaq_entry_json(e, p->hex)) == NULL ||
		    json_array_append_new(p->arr, o) != 0)
			p->error = -ENOMEM;
	} else
		p->error = ctl_dtaq_entry_print(e, p->hex);
	return (p->error != 0);
}

/* exitctl dtaq peek: show entries without removing them (QMHRDQM). */
static int
ctl_dtaq_peek(int argc, char **argv)
{
	struct ctl_dtaq_args	 a;
	struct ctl_dtaq_peek	 p;
	struct exitpt_dtaq	*q;
	int			 rv, argi, n;

	if ((rv = ctl_dtaq_args("peek", argc, argv, "koxFLA", &a,
	    &argi)) != 0)
		return (rv);
	if (argi != argc)
		return (ctl_usage_error("dtaq", "peek: expected one queue "
		    "name"));
	if ((rv = ctl_dtaq_open("peek", a.name, &q)) != 0)
		return (rv);
	if ((rv = ctl_dtaq_key("peek", q, &a)) != 0) {
		exitpt_dtaq_close(q);
		return (rv);
	}
	memset(&p, 0, sizeof(p));
	p.hex = a.hex;
	if (ctl_opts.json && (p.arr = json_array()) == NULL) {
		exitpt_dtaq_close(q);
		return (ctl_fail("peek", -ENOMEM, "json"));
	}
	n = exitpt_dtaq_peek(q, a.which, a.order, a.key_length ? a.keybuf :
	    NULL, a.key_length, ctl_dtaq_peek_cb, &p);
	exitpt_dtaq_close(q);
	if (n < 0 || p.error != 0) {
		json_decref(p.arr);
		return (ctl_fail("peek", n < 0 ? n : p.error, "data queue "
		    "'%s'", a.name));
	}
	if (p.arr != NULL)
		return (ctl_json_print(p.arr));
	return (DRIVER_EXIT_OK);
}

/* exitctl dtaq clear: remove all entries, or the keyed ones selected. */
static int
ctl_dtaq_clear(int argc, char **argv)
{
	struct ctl_dtaq_args	 a;
	struct exitpt_dtaq	*q;
	int			 rv, argi, n;

	if ((rv = ctl_dtaq_args("clear", argc, argv, "kox", &a, &argi)) != 0)
		return (rv);
	if (argi != argc)
		return (ctl_usage_error("dtaq", "clear: expected one queue "
		    "name"));
	if ((rv = ctl_dtaq_open("clear", a.name, &q)) != 0)
		return (rv);
	if ((rv = ctl_dtaq_key("clear", q, &a)) != 0) {
		exitpt_dtaq_close(q);
		return (rv);
	}
	n = exitpt_dtaq_clear(q, a.order, a.key_length ? a.keybuf : NULL,
	    a.key_length);
	exitpt_dtaq_close(q);
	if (n < 0)
		return (ctl_fail("clear", n, "data queue '%s'", a.name));
	printf("%d\n", n);
	return (DRIVER_EXIT_OK);
}

/* List state: the names seen, in the library's (name) order. */
struct ctl_dtaq_names {
	char	**v;
	size_t	  n;
	int	  error;
};

/* Collect one queue name. */
static int
ctl_dtaq_list_cb(const char *name, void *arg)
{
	struct ctl_dtaq_names	*l = arg;
	char			**v;

	if ((v = reallocarray(l->v, l->n + 1, sizeof(*v))) == NULL ||
	    (v[l->n] = strdup(name)) == NULL) {
		if (v != NULL)
			l->v = v;
		l->error = -ENOMEM;
		return (1);
	}
	l->v = v;
	l->n++;
	return (0);
}

/* exitctl dtaq list: the queues the caller can see, with attributes. */
static int
ctl_dtaq_list(int argc, char **argv)
{
	struct ctl_dtaq_names		 l;
	struct exitpt_dtaq_info		 info;
	struct exitpt_dtaq		*q;
	json_t				*arr = NULL, *o;
	char				 owner[32], mode[8];
	size_t				 i;
	int				 error, rv, header = 0;

	if ((rv = ctl_noopt("dtaq", argc, argv)) != 0)
		return (rv);
	if (optind != argc)
		return (ctl_usage_error("dtaq", "list: too many arguments"));
	memset(&l, 0, sizeof(l));
	if ((error = exitpt_dtaq_list(ctl_dtaq_list_cb, &l)) != 0 ||
	    (error = l.error) != 0) {
		for (i = 0; i < l.n; i++)
			free(l.v[i]);
		free(l.v);
		return (ctl_fail("list", error, "data queues"));
	}
	if (ctl_opts.json && (arr = json_array()) == NULL)
		rv = ctl_fail("list", -ENOMEM, "json");
	for (i = 0; i < l.n && rv == DRIVER_EXIT_OK; i++) {
		/* Skip what vanished or is not ours to see since listing. */
		if (exitpt_dtaq_open(l.v[i], &q) != 0)
			continue;
		error = exitpt_dtaq_info(q, &info);
		exitpt_dtaq_close(q);
		if (error != 0)
			continue;
		ctl_user_name(info.owner, owner, sizeof(owner));
		snprintf(mode, sizeof(mode), "%04o", (unsigned int)info.mode);
		if (arr != NULL) {
			o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:b, "
			    "s:s, s:s}", "name", l.v[i], "type",
			    exitpt_dtaq_type_name(info.type),
			    "entries", (json_int_t)info.count,
			    "capacity", (json_int_t)info.capacity,
			    "max_length", (json_int_t)info.max_length,
			    "key_length", (json_int_t)info.key_length,
			    "sender_info",
			    (info.flags & EXITPT_DTAQ_SENDER_INFO) != 0,
			    "owner", owner, "mode", mode);
			if (o == NULL || json_array_append_new(arr, o) != 0)
				rv = ctl_fail("list", -ENOMEM, "json");
			continue;
		}
		if (!header++)
			printf("%-32s %-5s %7s %8s %6s %3s %6s %-10s %s\n",
			    "NAME", "TYPE", "ENTRIES", "CAPACITY", "MAXLEN",
			    "KEY", "SENDER", "OWNER", "MODE");
		printf("%-32s %-5s %7zu %8zu %6zu %3zu %6s %-10s %s\n",
		    l.v[i], exitpt_dtaq_type_name(info.type), info.count,
		    info.capacity, info.max_length, info.key_length,
		    (info.flags & EXITPT_DTAQ_SENDER_INFO) ? "yes" : "no",
		    owner, mode);
	}
	for (i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	if (arr != NULL && rv == DRIVER_EXIT_OK)
		return (ctl_json_print(arr));
	json_decref(arr);
	return (rv);
}
