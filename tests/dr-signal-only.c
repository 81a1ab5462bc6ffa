/*
 * An AIX program that takes SIGRECONFIG from <signal.h> alone, built with
 * the exitpt-dr flags (tests/dr-compile.sh), as it builds on AIX.
 */
#include <signal.h>
#include <stdio.h>

/* Name a signal, as a program's own table does. */
static const char *
name(int sig)
{
	switch (sig) {
	case SIGTERM:
		return ("TERM");
	case SIGRECONFIG:
		return ("RECONFIG");
	default:
		return ("?");
	}
}

int
main(void)
{
	int	pass = name(SIGRECONFIG)[0] == 'R';

	printf("%sok 1 - SIGRECONFIG (%d) from <signal.h> alone\n1..1\n",
	    pass ? "" : "not ", SIGRECONFIG);
	return (!pass);
}
