/*
 * A hostile local user's tool against exitd's dr_reconfig() registrations
 * (tests/dr-hostile.sh).  It speaks the protocol by hand, without the
 * shim.
 *
 *	dr-forge squat	connect to $EXITPT_SOCKET, fork, and end the
 *			process that connected, so that its pid may be
 *			given to another process while the connection
 *			lives on in the child.  The parent prints
 *			"squat PID" (the pid exitd sees as the peer); the
 *			child then reads commands on stdin:
 *			  register PID	PROTO_DR_REGISTER with the start
 *					time of whatever process has PID
 *					now; prints "registered ERROR"
 *			  ack TOKEN FLAGS	PROTO_DR_ACK
 *	dr-forge victim	a process that catches SIGRECONFIG (58) for its
 *			own use, without the shim: it never registered.
 *			Prints "ready PID", then "signalled" per signal.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocol.h"

#define FORGE_SIGNO	58

static int	 forge_connect(void);
static int	 forge_start(long, unsigned long long *);
static int	 forge_register(int, long);
static int	 forge_ack(int, unsigned int, unsigned int);
static int	 forge_squat(void);
static void	 forge_victim_handler(int);
static int	 forge_victim(void);

/* Connect to exitd's socket; the descriptor, or -1. */
static int
forge_connect(void)
{
	struct sockaddr_un	 sun;
	const char		*path;
	int			 fd;

	if ((path = getenv("EXITPT_SOCKET")) == NULL ||
	    strlen(path) >= sizeof(sun.sun_path))
		return (-1);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* The start time (field 22 of /proc/PID/stat) of process pid: 0 or -1. */
static int
forge_start(long pid, unsigned long long *start)
{
	char	 path[64], buf[1024], *p;
	FILE	*f;
	size_t	 n;
	int	 i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL)
		return (-1);
	/* Field 3 follows ") "; the start time is field 22. */
	p += 2;
	for (i = 3; i < 22; i++) {
		if ((p = strchr(p, ' ')) == NULL)
			return (-1);
		p++;
	}
	return (sscanf(p, "%llu", start) == 1 ? 0 : -1);
}

/* Register whatever process has pid now, over fd; exitd's error, or -1. */
static int
forge_register(int fd, long pid)
{
	struct {
		struct proto_hdr		hdr;
		struct proto_dr_register	reg;
	} m;
	struct {
		struct proto_hdr		hdr;
		struct proto_dr_registered	reg;
	} r;
	unsigned long long	start;
	size_t			got = 0;
	ssize_t			n;

	if (forge_start(pid, &start) != 0)
		return (-1);
	memset(&m, 0, sizeof(m));
	m.hdr.version = PROTO_VERSION;
	m.hdr.type = PROTO_DR_REGISTER;
	m.hdr.length = sizeof(m.reg);
	m.hdr.seq = 1;
	m.reg.abi = PROTO_DR_ABI;
	m.reg.signo = FORGE_SIGNO;
	m.reg.start_time = start;
	if (write(fd, &m, sizeof(m)) != (ssize_t)sizeof(m))
		return (-1);
	while (got < sizeof(r)) {
		if ((n = read(fd, (char *)&r + got, sizeof(r) - got)) <= 0)
			return (-1);
		got += (size_t)n;
	}
	return (r.hdr.type == PROTO_DR_REGISTERED ? r.reg.error : -1);
}

/* Send PROTO_DR_ACK over fd: 0 or -1. */
static int
forge_ack(int fd, unsigned int token, unsigned int flags)
{
	struct {
		struct proto_hdr	hdr;
		struct proto_dr_ack	ack;
	} m;

	memset(&m, 0, sizeof(m));
	m.hdr.version = PROTO_VERSION;
	m.hdr.type = PROTO_DR_ACK;
	m.hdr.length = sizeof(m.ack);
	m.ack.token = token;
	m.ack.flags = flags;
	return (write(fd, &m, sizeof(m)) == (ssize_t)sizeof(m) ? 0 : -1);
}

/* squat: see the top of the file. */
static int
forge_squat(void)
{
	char		line[128];
	long		pid;
	unsigned int	token, flags;
	int		fd;

	if ((fd = forge_connect()) == -1) {
		perror("dr-forge: connect");
		return (1);
	}
	switch (fork()) {
	case -1:
		perror("dr-forge: fork");
		return (1);
	case 0:
		break;
	default:
		printf("squat %ld\n", (long)getpid());
		return (0);
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (sscanf(line, "register %ld", &pid) == 1)
			printf("registered %d\n", forge_register(fd, pid));
		else if (sscanf(line, "ack %u %u", &token, &flags) == 2)
			printf("acked %d\n", forge_ack(fd, token, flags));
		fflush(stdout);
	}
	return (0);
}

/* The victim's handler: say so (write(2): signal context). */
static void
forge_victim_handler(int sig __attribute__((unused)))
{
	static const char	msg[] = "signalled\n";

	(void)write(STDOUT_FILENO, msg, sizeof(msg) - 1);
}

/* victim: see the top of the file. */
static int
forge_victim(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forge_victim_handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(FORGE_SIGNO, &sa, NULL) == -1) {
		perror("dr-forge: sigaction");
		return (1);
	}
	printf("ready %ld\n", (long)getpid());
	fflush(stdout);
	for (;;)
		pause();
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && strcmp(argv[1], "squat") == 0)
		return (forge_squat());
	if (argc == 2 && strcmp(argv[1], "victim") == 0)
		return (forge_victim());
	fprintf(stderr, "usage: dr-forge squat | victim\n");
	return (64);
}
