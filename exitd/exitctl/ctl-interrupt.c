/*
 * exitctl interrupt: run a named job interrupt handler in a process that
 * opted in (QWCJBITP), and print its reply.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitctl.h"

#define CTL_INTERRUPT_WAIT	30.0	/* default wait, seconds */

/* exitctl interrupt PID HANDLER [--data TEXT] [--wait SECONDS|forever] */
int
ctl_interrupt(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "wait", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	const char			*data = "";
	json_t				*js;
	char				*reply;
	size_t				 len = 0, datalen;
	double				 wait = CTL_INTERRUPT_WAIT;
	long long			 pid;
	int				 ch, rv, status = 0;

	while ((ch = ctl_getopt(argc, argv, longopts)) != -1) {
		switch (ch) {
		case 'd':
			data = optarg;
			break;
		case 'w':
			/* A reply needs a wait: "none" makes no sense. */
			if (exitpt_ipc_wait_parse(optarg, &wait) != 0 ||
			    wait == EXITPT_WAIT_NOWAIT)
				return (ctl_usage_error("interrupt", "--wait "
				    "must be forever or 0 < seconds <= %.0f, "
				    "not '%s'", EXITPT_IPC_WAIT_MAX, optarg));
			break;
		default:
			return (ctl_usage_error("interrupt", "bad option"));
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		return (ctl_usage_error("interrupt", "expected PID and "
		    "HANDLER"));
	if (text_parse_int(argv[0], 1, INT_MAX, &pid) != 0)
		return (ctl_usage_error("interrupt", "PID must be a process "
		    "id of 1..%d, not '%s'", INT_MAX, argv[0]));
	datalen = strlen(data);
	if (datalen > EXITPT_JOBITP_DATA_MAX)
		return (ctl_fail("interrupt", EXITPT_E_TOO_LONG, "--data is "
		    "%zu bytes, at most %d", datalen, EXITPT_JOBITP_DATA_MAX));
	if ((reply = malloc(EXITPT_JOBITP_REPLY_MAX)) == NULL)
		return (ctl_fail("interrupt", -ENOMEM, "reply buffer"));
	rv = exitpt_jobitp_call((pid_t)pid, argv[1], data, datalen, wait,
	    reply, EXITPT_JOBITP_REPLY_MAX, &len, &status);
	if (rv != 0) {
		free(reply);
		if (rv == EXITPT_E_NAME)
			return (ctl_fail("interrupt", rv, "handler '%s' (1..%d "
			    "of A-Z a-z 0-9 _ . -)", argv[1],
			    EXITPT_JOBITP_NAME_MAX));
		return (ctl_fail("interrupt", rv, "process %lld handler '%s'",
		    pid, argv[1]));
	}
	if (len > EXITPT_JOBITP_REPLY_MAX)
		len = EXITPT_JOBITP_REPLY_MAX;
	if (ctl_opts.json) {
		/* JSON strings are UTF-8: a binary reply cannot be shown. */
		if ((js = json_stringn(reply, len)) == NULL) {
			free(reply);
			return (ctl_fail("interrupt", EXITPT_E_VALUE, "the "
			    "reply of handler '%s' is not UTF-8 text",
			    argv[1]));
		}
		free(reply);
		return (ctl_json_print(json_pack("{s:I, s:s, s:i, s:o}",
		    "pid", (json_int_t)pid, "handler", argv[1], "status",
		    status, "reply", js)));
	}
	if (len > 0) {
		fwrite(reply, 1, len, stdout);
		if (reply[len - 1] != '\n')
			putchar('\n');
	}
	free(reply);
	if (status != 0) {
		fprintf(stderr, "exitctl: interrupt: handler '%s' returned "
		    "status %d\n", argv[1], status);
		return (DRIVER_EXIT_VETOED);
	}
	return (DRIVER_EXIT_OK);
}
