/*
 * The dr_reconfig() process of bench/dr-bench: the shortest correct AIX
 * handler (query, acknowledge).  It writes one byte to descriptor 3 once
 * its handler is installed (the library registered it before main), then
 * waits for signals until SIGTERM.
 */
#include <sys/dr.h>

#include <errno.h>
#include <signal.h>
#include <unistd.h>

/* Query the phase in effect and acknowledge it. */
static void
handler(int sig)
{
	dr_info_t	info;
	int		saved = errno;

	if (dr_reconfig(DR_QUERY, &info) == 0)
		dr_reconfig(DR_RECONFIG_DONE, &info);
	errno = saved;
}

int
main(void)
{
	signal(SIGRECONFIG, handler);
	if (write(3, "r", 1) == 1)
		close(3);
	for (;;)
		pause();
}
