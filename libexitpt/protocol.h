/*
 * exitd control protocol, spoken over exitd's UNIX stream socket by
 * libexitpt's client API.
 *
 * Every message is a proto_hdr followed by length bytes of payload, in
 * native byte order (the socket is local).  Requests carry a sequence
 * number that the reply echoes.  Bump PROTO_VERSION whenever a message
 * type or a payload changes; exitd answers a message of another version
 * with PROTO_REPORT carrying EXITPT_E_VERSION and closes the connection.
 */
#ifndef EXITD_PROTOCOL_H
#define EXITD_PROTOCOL_H

#include <stdint.h>

#define PROTO_VERSION		3

/* exitd refuses requests larger than this (header included). */
#define PROTO_REQUEST_MAX	1024
/* Clients refuse replies larger than this (header included). */
#define PROTO_REPLY_MAX		(16 * 1024 * 1024)
/* Journal bytes per PROTO_JOURNAL_DATA reply. */
#define PROTO_JOURNAL_CHUNK	(64 * 1024)

#define PROTO_WHO_MAX		512
#define PROTO_REASON_MAX	256
#define PROTO_DRIVER_NAME_MAX	64	/* the client's name, with its NUL */
#define PROTO_DRIVER_MAX	128	/* "uid U pid P (name)", with its NUL */

struct proto_hdr {
	uint32_t	version;	/* PROTO_VERSION */
	uint32_t	type;		/* enum proto_type */
	uint32_t	length;		/* payload bytes after the header */
	uint32_t	seq;		/* chosen by the client, echoed */
};

enum proto_type {
	/* requests: 100s */
	PROTO_DRIVE = 100,		/* proto_drive; reply PROTO_REPORT */
	PROTO_STATUS = 101,		/* proto_status; reply PROTO_REPORT */
	PROTO_JOURNAL = 102,		/* proto_journal; reply _JOURNAL_DATA */

	/* replies: 200s */
	PROTO_REPORT = 200,		/* proto_report, count proto_answer */
	PROTO_JOURNAL_DATA = 201,	/* proto_journal_data, then bytes */
};

/* proto_drive flags */
#define PROTO_DRIVE_FORCE	0x1	/* the driver's force option */

/*
 * PROTO_DRIVE: run a phase (enum exitpt_phase in op).  driver is the
 * client's name for people ("exitctl", "hmcsim"); exitd prefixes it with
 * the uid and pid it reads from the socket and never trusts it for
 * identity.
 */
struct proto_drive {
	int32_t		op;		/* EXITPT_OP_CHECK ... _COMPLETE */
	int32_t		action;		/* Check: EXITPT_ACTION_* */
	int32_t		validate_only;	/* Check: 1 = Check alone */
	int32_t		system_state;	/* Complete: EXITPT_SYSTEM_* */
	uint64_t	operation;	/* 0: the current operation */
	int32_t		flags;		/* PROTO_DRIVE_* */
	uint32_t	pad;
	char		driver[PROTO_DRIVER_NAME_MAX];	/* NUL-terminated */
};

/*
 * PROTO_STATUS: a snapshot.  With wait set, exitd replies only once its
 * generation differs from the one given, or after timeout_ms (negative:
 * no limit).
 */
struct proto_status {
	uint64_t	generation;
	int32_t		wait;
	int32_t		timeout_ms;
};

/* PROTO_JOURNAL: read the journal from a byte offset. */
struct proto_journal {
	uint64_t	offset;
};

/* PROTO_REPORT: the result of a request, then count proto_answer. */
struct proto_report {
	int32_t		error;		/* 0 or EXITPT_E_* / -errno */
	int32_t		phase;		/* enum exitpt_phase */
	int32_t		outcome;	/* enum exitpt_outcome */
	int32_t		action;
	uint64_t	operation;
	uint64_t	generation;
	int64_t		window_left_ms;
	int32_t		window;
	int32_t		system_state;
	uint32_t	count;
	uint32_t	pad;
	int64_t		bound_ms;	/* longest the running phase can still
					   take; 0: none runs; -1: no bound */
	char		driver[PROTO_DRIVER_MAX];	/* who started the
							   operation */
	char		detail[PROTO_REASON_MAX];	/* why a request was
							   refused, or a warning
							   ("" if none) */
};

struct proto_answer {
	int32_t		kind;		/* enum exitpt_participant_kind */
	int32_t		number;
	int32_t		status;
	int32_t		wait;
	int32_t		effective;
	int32_t		end;		/* enum exitpt_end */
	int32_t		code;
	int32_t		pid;		/* the process that answered, or 0 */
	uint64_t	duration_ms;
	char		who[PROTO_WHO_MAX];	/* NUL-terminated */
	char		reason[PROTO_REASON_MAX]; /* NUL-terminated */
};

/* PROTO_JOURNAL_DATA: a chunk of the journal, then the bytes. */
struct proto_journal_data {
	int32_t		error;
	uint32_t	eof;		/* 1: nothing follows next_offset */
	uint64_t	next_offset;
};

_Static_assert(sizeof(struct proto_hdr) == 16, "proto_hdr size");
_Static_assert(sizeof(struct proto_drive) == 96, "proto_drive size");
_Static_assert(sizeof(struct proto_status) == 16, "proto_status size");
_Static_assert(sizeof(struct proto_report) == 448, "proto_report size");
_Static_assert(sizeof(struct proto_answer) == 808, "proto_answer size");

#endif /* EXITD_PROTOCOL_H */
