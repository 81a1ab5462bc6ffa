/*
 * An exit program for tests/runner.sh that tells how it was started: its
 * argv and the descriptors it holds above fd 3.
 */
#include <fcntl.h>
#include <stdio.h>

int
main(int argc, char **argv)
{
	int	fd, i;

	printf("argv=");
	for (i = 0; i < argc; i++)
		printf("%s%s", i ? " " : "", argv[i]);
	printf("\nextra_fds=");
	for (fd = 4; fd < 1024; fd++) {
		if (fcntl(fd, F_GETFD) != -1)
			printf(" %d", fd);
	}
	printf("\n");
	return (0);
}
