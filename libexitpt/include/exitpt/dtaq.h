/*
 * exitpt data queues, after IBM i's *DTAQ objects (CRTDTAQ, QSNDDTAQ,
 * QRCVDTAQ, QMHRDQM, QCLRDTAQ): FIFO, LIFO or keyed queues of entries of
 * at most a fixed length, in shared memory, usable between unrelated
 * processes.  A process killed at any point (SIGKILL included) loses no
 * entry and duplicates none.  See exitpt_dtaq(3).
 */
#ifndef EXITPT_DTAQ_H
#define EXITPT_DTAQ_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

#include <exitpt/error.h>
#include <exitpt/ipc.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Queue sequence (CRTDTAQ SEQ). */
#define EXITPT_DTAQ_FIFO	1
#define EXITPT_DTAQ_LIFO	2
#define EXITPT_DTAQ_KEYED	3

/* Creation flags. */
#define EXITPT_DTAQ_SENDER_INFO	0x1	/* store pid, uid, time (SENDERID) */

/* Limits (IBM i's MAXLEN is 1..64512, KEYLEN 1..256). */
#define EXITPT_DTAQ_LENGTH_MAX	64512
#define EXITPT_DTAQ_KEY_MAX	256
#define EXITPT_DTAQ_CAPACITY_MAX 1000000

/*
 * Key order for keyed queues (QRCVDTAQ "key order"): the entry's key
 * compared with the key given, as unsigned bytes.  EXITPT_DTAQ_ANY selects
 * every entry (and is the only order allowed on FIFO and LIFO queues).
 */
#define EXITPT_DTAQ_ANY		0
#define EXITPT_DTAQ_EQ		1
#define EXITPT_DTAQ_NE		2
#define EXITPT_DTAQ_LT		3
#define EXITPT_DTAQ_LE		4
#define EXITPT_DTAQ_GT		5
#define EXITPT_DTAQ_GE		6

/* What exitpt_dtaq_peek() visits (QMHRDQM selection type). */
#define EXITPT_DTAQ_PEEK_FIRST	1
#define EXITPT_DTAQ_PEEK_LAST	2
#define EXITPT_DTAQ_PEEK_ALL	3

/*
 * Names, owner, mode and wait times follow exitpt/ipc.h: a wait is
 * EXITPT_WAIT_FOREVER (negative), EXITPT_WAIT_NOWAIT (0) or seconds with
 * fractions.  Access: send and clear need write permission, peek needs
 * read, receive needs both (it reads and removes); delete is for the owner
 * (or root).  Data queues and data areas share one namespace.
 */

struct exitpt_dtaq;

/* One entry, as received or peeked. */
struct exitpt_dtaq_entry {
	void		*data;		/* in: caller's buffer (receive) */
	size_t		 size;		/* in: its size */
	size_t		 length;	/* out: the entry's length */
	unsigned char	 key[EXITPT_DTAQ_KEY_MAX]; /* out: keyed queues */
	size_t		 key_length;	/* out: 0 unless keyed */
	struct timespec	 enqueued;	/* out: CLOCK_REALTIME at send;
					   0 when outside 0..9999 AD */
	int		 has_sender;	/* out: queue keeps sender info */
	pid_t		 sender_pid;	/* out: valid if has_sender */
	uid_t		 sender_uid;
};

/* A queue's attributes (QMHQRDQD). */
struct exitpt_dtaq_info {
	int		 type;		/* EXITPT_DTAQ_FIFO, _LIFO, _KEYED */
	int		 flags;		/* EXITPT_DTAQ_SENDER_INFO */
	size_t		 max_length;
	size_t		 key_length;
	size_t		 capacity;
	size_t		 count;		/* entries now */
	uid_t		 owner;
	mode_t		 mode;
};

/*
 * Called by exitpt_dtaq_peek() for each entry (data points to a copy that
 * lives until the call returns); a non-zero return stops the walk.
 */
typedef int	(*exitpt_dtaq_peek_cb)(const struct exitpt_dtaq_entry *,
		    void *);

/* Called by exitpt_dtaq_list() with each queue's name. */
typedef int	(*exitpt_dtaq_list_cb)(const char *, void *);

/*
 * Create a queue.  key_length must be 1..256 for keyed queues and 0
 * otherwise (else EXITPT_E_KEY); max_length 1..64512; capacity 1..1000000
 * entries, and the whole queue must fit in an IPC object (64 MiB), else
 * EXITPT_E_TOO_LONG; mode the permission bits within 0666 (the owner is
 * the caller).  -EEXIST if the name is taken.
 */
EXITPT_EXPORT int exitpt_dtaq_create(const char *name, int type,
    size_t max_length, size_t key_length, size_t capacity, int flags,
    mode_t mode);
/* Delete a queue; processes that have it open keep their mapping. */
EXITPT_EXPORT int exitpt_dtaq_delete(const char *name);
/*
 * Open an existing queue (-ENOENT if missing, EXITPT_E_TYPE if the name is
 * a data area, -EACCES if the mode grants the caller nothing).
 */
EXITPT_EXPORT int exitpt_dtaq_open(const char *name, struct exitpt_dtaq **qp);
/* Close a queue handle. */
EXITPT_EXPORT void exitpt_dtaq_close(struct exitpt_dtaq *q);
/* Describe a queue. */
EXITPT_EXPORT int exitpt_dtaq_info(struct exitpt_dtaq *q,
    struct exitpt_dtaq_info *info);
/* Number of entries now in the queue, or a negative error. */
EXITPT_EXPORT int exitpt_dtaq_count(struct exitpt_dtaq *q);

/*
 * Send an entry (key and key_length for keyed queues, NULL and 0
 * otherwise).  When the queue is full, wait for room up to wait seconds
 * and then fail with EXITPT_E_FULL.
 */
EXITPT_EXPORT int exitpt_dtaq_send(struct exitpt_dtaq *q, const void *key,
    size_t key_length, const void *data, size_t length, double wait);

/*
 * Receive (remove) one entry: the oldest on a FIFO queue, the newest on a
 * LIFO queue, and on a keyed queue the first in ascending key order (oldest
 * first among equal keys) whose key satisfies order against key.  Waits up
 * to wait seconds for one (EXITPT_E_TIMEOUT).  e->data/e->size is the
 * buffer; an entry longer than e->size stays in the queue and the call
 * fails with EXITPT_E_TOO_LONG, with e->length set.
 */
EXITPT_EXPORT int exitpt_dtaq_receive(struct exitpt_dtaq *q, int order,
    const void *key, size_t key_length, double wait,
    struct exitpt_dtaq_entry *e);

/*
 * Non-destructive read: visit the first, the last or all entries (in
 * receive order) among those that order/key select; entries stay in
 * place.  Returns the number of entries visited.
 */
EXITPT_EXPORT int exitpt_dtaq_peek(struct exitpt_dtaq *q, int which,
    int order, const void *key, size_t key_length, exitpt_dtaq_peek_cb cb,
    void *arg);

/*
 * Remove every entry (order EXITPT_DTAQ_ANY) or, on a keyed queue, those
 * whose key satisfies order against key.  Returns the number removed.
 */
EXITPT_EXPORT int exitpt_dtaq_clear(struct exitpt_dtaq *q, int order,
    const void *key, size_t key_length);

/* Call cb with the name of every queue, in no particular order. */
EXITPT_EXPORT int exitpt_dtaq_list(exitpt_dtaq_list_cb cb, void *arg);

/* Parse "EQ", "NE", "LT", "LE", "GT" or "GE" (any case); -1 if unknown. */
EXITPT_EXPORT int exitpt_dtaq_order_parse(const char *s);
/* Name of a key order or queue type ("EQ", ..., "fifo", ...). */
EXITPT_EXPORT const char *exitpt_dtaq_order_name(int order);
EXITPT_EXPORT const char *exitpt_dtaq_type_name(int type);

#ifdef __cplusplus
}
#endif

#endif /* EXITPT_DTAQ_H */
