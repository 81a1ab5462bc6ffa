/*
 * Exit program helper: checks how exitd started the program, maps the exit
 * information on descriptor 3 and hands it to one function, as an IBM i
 * ILE C exit program gets its parameters.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitpt-int.h"

#define EXITPROG_REASON_MAX	1024	/* longer reasons are cut */

/* The phase that belongs to a format, or 0 for an unknown format. */
static char
exitprog_phase(const char *format)
{
	if (strcmp(format, EXITPT_FORMAT_BMGF0100) == 0)
		return (EXITPT_PHASE_CHECK);
	if (strcmp(format, EXITPT_FORMAT_BMGF0200) == 0)
		return (EXITPT_PHASE_PREPARE);
	if (strcmp(format, EXITPT_FORMAT_AMGF0100) == 0)
		return (EXITPT_PHASE_COMPLETE);
	return (0);
}

/*
 * Check the invocation, then call fn on the exit information: mapped
 * shared when exitd gave it read-write (so answers land in exitd's copy),
 * otherwise read into a private copy so that writing it cannot fault.
 */
int
exitpt_exitprog_run(int argc, char **argv, exitpt_exitprog_fn fn, void *arg)
{
	union {
		struct exitpt_bmgf0100	b1;
		struct exitpt_bmgf0200	b2;
		struct exitpt_amgf0100	a1;
	}		 copy;
	struct stat	 st;
	const char	*format;
	void		*info;
	size_t		 len;
	ssize_t		 n;
	int32_t		 first;
	int		 flags, rc;
	char		 phase;

	if (argc != 3 || argv == NULL || fn == NULL)
		return (EXITPT_E_VALUE);
	format = argv[1];
	if ((len = exitpt_format_length(format)) == 0)
		return (EXITPT_E_FORMAT);
	phase = exitprog_phase(format);
	if (argv[2][0] != phase || argv[2][1] != '\0')
		return (EXITPT_E_FORMAT);

	if ((flags = fcntl(EXITPT_EXITPROG_FD, F_GETFL)) == -1)
		return (-errno);
	if (fstat(EXITPT_EXITPROG_FD, &st) == -1)
		return (-errno);
	if (!S_ISREG(st.st_mode) || st.st_size != (off_t)len)
		return (EXITPT_E_MALFORMED);

	if ((flags & O_ACCMODE) == O_RDWR) {
		info = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
		    EXITPT_EXITPROG_FD, 0);
		if (info == MAP_FAILED)
			return (-errno);
	} else {
		memset(&copy, 0, sizeof(copy));
		n = pread(EXITPT_EXITPROG_FD, &copy, len, 0);
		if (n == -1)
			return (-errno);
		if ((size_t)n != len)
			return (EXITPT_E_MALFORMED);
		info = &copy;
	}
	memcpy(&first, info, sizeof(first));
	if (first != (int32_t)len) {
		if (info != &copy)
			munmap(info, len);
		return (EXITPT_E_MALFORMED);
	}

	rc = fn(info, format, phase, arg);
	if (info != &copy)
		munmap(info, len);
	return (rc);
}

/* Write the EXITPT_REASON line for exitd to read from standard output. */
int
exitpt_exitprog_reason(const char *reason)
{
	char	 line[EXITPROG_REASON_MAX];
	size_t	 len, i, off = 0;
	ssize_t	 n;

	if (reason == NULL)
		return (-EINVAL);
	len = strlen("EXITPT_REASON=");
	memcpy(line, "EXITPT_REASON=", len);
	for (i = 0; reason[i] != '\0' && len < sizeof(line) - 1; i++) {
		line[len++] = reason[i] == '\n' || reason[i] == '\r' ?
		    ' ' : reason[i];
	}
	line[len++] = '\n';
	while (off < len) {
		n = write(STDOUT_FILENO, line + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return (-errno);
		off += (size_t)n;
	}
	return (0);
}

/* The program data exitd put in the environment. */
const char *
exitpt_exitprog_data(void)
{
	const char	*s;

	s = getenv("EXITPT_PROGRAM_DATA");
	return (s != NULL ? s : "");
}

/* The program number exitd put in the environment. */
int32_t
exitpt_exitprog_number(void)
{
	const char	*s;
	long long	 v;

	s = getenv("EXITPT_PROGRAM_NUMBER");
	if (s == NULL || text_parse_int(s, EXITPT_NUMBER_MIN,
	    EXITPT_NUMBER_MAX, &v) != 0)
		return (0);
	return ((int32_t)v);
}

/* The operation id exitd put in the environment (hexadecimal). */
uint64_t
exitpt_exitprog_operation(void)
{
	const char	*s;
	uint64_t	 v = 0;
	size_t		 i;

	s = getenv("EXITPT_OPERATION_ID");
	if (s == NULL || *s == '\0' || strlen(s) > 16)
		return (0);
	for (i = 0; s[i] != '\0'; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return (0);
		v = v << 4 | (uint64_t)(isdigit((unsigned char)s[i]) ?
		    s[i] - '0' : tolower((unsigned char)s[i]) - 'a' + 10);
	}
	return (v);
}
