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

#define PROTO_VERSION		5

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
	PROTO_PARTICIPANTS = 103,	/* no payload; reply _PARTICIPANTS_DATA */
	PROTO_DR_REGISTER = 110,	/* proto_dr_register; reply
					   PROTO_DR_REGISTERED + page fd */
	PROTO_DR_ACK = 111,		/* proto_dr_ack; no reply */

	/* replies: 200s */
	PROTO_REPORT = 200,		/* proto_report, count proto_answer */
	PROTO_JOURNAL_DATA = 201,	/* proto_journal_data, then bytes */
	PROTO_PARTICIPANTS_DATA = 202,	/* proto_participants_data, then
					   JSON text */
	PROTO_DR_REGISTERED = 210,	/* proto_dr_registered */
};

/* proto_drive flags */
#define PROTO_DRIVE_FORCE	0x1	/* the driver's force option */
#define PROTO_DRIVE_SUPERSEDE	0x2	/* Check: replace this driver's own
					   operation waiting for Prepare */
#define PROTO_DRIVE_RESUME_ONLY	0x4	/* Complete with no operation open:
					   a resume-only operation */
#define PROTO_DRIVE_FLAGS	0x7	/* every flag exitd knows */

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

/*
 * PROTO_PARTICIPANTS_DATA: every participant that exists now (registered
 * programs, critical sections held, D-Bus voters, inhibitor locks...),
 * then a JSON array of count objects {"kind", "who", "pid", "details"},
 * UTF-8, not NUL-terminated.
 */
struct proto_participants_data {
	int32_t		error;
	uint32_t	count;
};

/*
 * The dr_reconfig() shim (libexitpt-dr, <sys/dr.h>).
 *
 * Registration.  The shim's library constructor connects to the control
 * socket (the path exitctl uses: $EXITPT_SOCKET, else the built-in one)
 * and sends PROTO_DR_REGISTER on a connection of its own.  exitd takes
 * pid, uid and gid from SO_PEERCRED, never from the message.  It opens
 * /proc/PID and reads the start time through that directory: the message
 * carries the start time the process read of itself, and a mismatch (a
 * pid reused since connect, a message relayed for another process) is
 * refused.  The sender chooses that start time, so it proves nothing
 * against a connection whose process has ended and whose pid another
 * process has since taken: the process's real, effective or saved uid
 * must also be the peer's (or the peer root).  That directory descriptor
 * stays with the process, whatever happens to the pid: exitd reads the
 * process's signal state and signals it through it (pidfd_send_signal),
 * never by number.  A user can thus register only its own processes.  exitd answers PROTO_DR_REGISTERED
 * and, on success, passes with SCM_RIGHTS the descriptor of the
 * process's page (below).  The connection then stays open as long as the
 * registration: exitd never writes to it again, the shim writes only
 * PROTO_DR_ACK to it, and its end (the process died, or executed another
 * program: the descriptor is close-on-exec) ends the registration.  A
 * registration takes part from the next operation that starts.
 *
 * Re-registration.  A thread of the shim (every signal blocked) waits for
 * the connection's end.  When exitd goes away it marks the page idle,
 * waits for the socket to reappear (inotify on its directory, else with
 * back-off) and registers again.  A forked child drops the parent's
 * connection and page in its atfork handler and registers on its own.
 *
 * The page.  One page of shared memory per registration (a sealed memfd:
 * exitd maps it writable, then F_SEAL_FUTURE_WRITE forbids every later
 * write or writable mapping, so the process can only read it), read
 * under a sequence lock: DR_QUERY reads the event in effect at the time
 * of the call without a system call, which makes it async-signal-safe,
 * non-blocking and free of EINTR.  exitd writes it just before it signals
 * the process in a phase and marks it idle when the phase ends, or when
 * the process's call is stopped (time limit, window, cancel).  Idle means
 * ENXIO.  token is dr_info_t.phase_gen: it changes with every phase sent
 * to the process and is never 0.
 *
 * Acknowledgement.  dr_reconfig(DR_RECONFIG_DONE or DR_EVENT_FAIL) checks
 * info->phase_gen against the page (ENXIO if the phase has ended) and
 * sends PROTO_DR_ACK with that token in one send() on the registration
 * connection (small messages on a UNIX stream socket are not split), or,
 * when the application closed that descriptor, on a connection of its
 * own that exitd attributes by SO_PEERCRED pid and start time, and takes
 * only from the registration's user or the process's.  No reply:
 * EPERM for a veto the process may not make is decided from the page's
 * PROTO_DR_MAY_VETO, which exitd sets from its configuration at Check and
 * honours when the acknowledgement arrives.  exitd takes the first
 * acknowledgement of a token and drops later ones (a DONE after
 * EVENT_FAIL, an acknowledgement of an ended phase).
 */
#define PROTO_DR_ABI		1	/* proto_dr_page layout */

/* Phases as the page gives them (dr_info_t's phase bits). */
#define PROTO_DR_CHECK		1
#define PROTO_DR_PRE		2
#define PROTO_DR_POST		3
#define PROTO_DR_POSTERROR	4

/* proto_dr_page.flags */
#define PROTO_DR_MIGRATE	0x01	/* dr_info_t.migrate */
#define PROTO_DR_HIBERNATE	0x02	/* dr_info_t.hibernate */
#define PROTO_DR_FORCE		0x04	/* dr_info_t.force */
#define PROTO_DR_MAY_VETO	0x08	/* DR_EVENT_FAIL in check vetoes */
#define PROTO_DR_SPLPAR_CAPABLE	0x10	/* dr_info_t.splpar_capable */
#define PROTO_DR_SPLPAR_SHARED	0x20	/* dr_info_t.splpar_shared */
#define PROTO_DR_SPLPAR_CAPPED	0x40	/* dr_info_t.splpar_capped */

/* PROTO_DR_REGISTER: register the connecting process. */
struct proto_dr_register {
	uint32_t	abi;		/* PROTO_DR_ABI */
	int32_t		signo;		/* SIGRECONFIG the shim was built with */
	uint64_t	start_time;	/* /proc/self/stat field 22, ticks */
};

/* PROTO_DR_REGISTERED: 0 and a page descriptor, or an error. */
struct proto_dr_registered {
	int32_t		error;		/* 0 or EXITPT_E_* / -errno */
	uint32_t	page_size;	/* bytes of the page passed */
	uint64_t	id;		/* registration number, for logs */
};

/* proto_dr_ack.flags: the dr_reconfig() flags given, AIX's values. */
#define PROTO_DR_ACK_FAIL	0x2	/* DR_EVENT_FAIL */
#define PROTO_DR_ACK_DONE	0x4	/* DR_RECONFIG_DONE */

/* PROTO_DR_ACK: dr_reconfig(DR_RECONFIG_DONE or DR_EVENT_FAIL). */
struct proto_dr_ack {
	uint32_t	token;		/* dr_info_t.phase_gen */
	uint32_t	flags;		/* PROTO_DR_ACK_* */
};

/* The page; every field is read and written with atomic accesses. */
struct proto_dr_page {
	uint32_t	seq;		/* even: stable; odd: being written */
	uint32_t	abi;		/* PROTO_DR_ABI */
	uint32_t	active;		/* 1: a phase is in effect for us */
	uint32_t	token;		/* its dr_info_t.phase_gen */
	uint32_t	phase;		/* PROTO_DR_CHECK ... */
	uint32_t	flags;		/* PROTO_DR_* */
	uint64_t	operation;	/* exitd's operation id */
};

_Static_assert(sizeof(struct proto_hdr) == 16, "proto_hdr size");
_Static_assert(sizeof(struct proto_drive) == 96, "proto_drive size");
_Static_assert(sizeof(struct proto_status) == 16, "proto_status size");
_Static_assert(sizeof(struct proto_report) == 448, "proto_report size");
_Static_assert(sizeof(struct proto_answer) == 808, "proto_answer size");
_Static_assert(sizeof(struct proto_participants_data) == 8,
    "proto_participants_data size");
_Static_assert(sizeof(struct proto_dr_register) == 16, "dr_register size");
_Static_assert(sizeof(struct proto_dr_registered) == 16,
    "dr_registered size");
_Static_assert(sizeof(struct proto_dr_ack) == 8, "dr_ack size");
_Static_assert(sizeof(struct proto_dr_page) == 32, "dr_page size");

#endif /* EXITD_PROTOCOL_H */
