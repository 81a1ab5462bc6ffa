/*
 * Crash safety of the registry: writers are killed with SIGKILL in the
 * middle of many updates while readers keep loading it.  Readers must
 * never see a torn entry, and afterwards the registry must parse and hold
 * only whole entries.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"
#include "tap.h"

#define WRITERS		4
#define KILLS		150
#define NUMBERS		16
#define READS		300

static char	dir[PATH_MAX];
static int	torn;

/* Program data that proves its own integrity: number, length, filler. */
static void
make_data(char *buf, size_t size, int32_t number, unsigned seed)
{
	size_t	len = 100 + seed % (size - 200), i;
	int	n;

	n = snprintf(buf, size, "%d:%zu:", number, len);
	for (i = (size_t)n; i < len; i++)
		buf[i] = (char)('a' + (i + seed) % 26);
	buf[len] = '\0';
}

/* Tell whether an entry's data matches what make_data would write. */
static int
data_whole(const struct registry_entry *e)
{
	int32_t	number;
	size_t	len;
	char	tail;

	if (sscanf(e->data, "%d:%zu:%c", &number, &len, &tail) != 3)
		return (0);
	return (number == e->number && strlen(e->data) == len);
}

/* Count problems reported while loading. */
static void
torn_cb(const char *msg, void *arg)
{
	(*(int *)arg)++;
	printf("# torn: %s\n", msg);
}

/* A writer: add, replace and remove entries forever, until killed. */
static void __attribute__((noreturn))
writer(unsigned seed)
{
	struct registry_entry	e;
	char			data[EXITPT_DATA_MAX + 1];

	for (;;) {
		seed = seed * 1103515245 + 12345;
		memset(&e, 0, sizeof(e));
		e.point = REGISTRY_SUSPEND;
		e.number = (int32_t)(1 + (seed >> 8) % NUMBERS);
		e.program = "/bin/true";
		e.user = "root";
		e.text = "stress";
		make_data(data, sizeof(data), e.number, seed >> 4);
		e.data = data;
		e.check_timeout = 1 + (int)(seed % 900);
		e.complete_timeout = 300;
		if ((seed >> 12) % 5 == 0)
			registry_remove(dir, REGISTRY_SUSPEND, e.number);
		else
			registry_add(dir, &e, REGISTRY_REPLACE);
	}
}

/* A reader: load repeatedly and exit with the number of torn entries. */
static void __attribute__((noreturn))
reader(void)
{
	struct registry_list	l;
	size_t			i;
	int			bad = 0, r;

	for (r = 0; r < READS; r++) {
		if (registry_load(dir, -1, torn_cb, &bad, &l) != 0)
			_exit(100);
		for (i = 0; i < l.count; i++)
			bad += !data_whole(&l.entries[i]);
		registry_list_clear(&l);
	}
	_exit(bad > 99 ? 99 : bad);
}

/* Start a writer process. */
static pid_t
spawn_writer(unsigned seed)
{
	pid_t	pid;

	if ((pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0)
		writer(seed);
	return (pid);
}

/* Count leftover temporaries in the exit point directory. */
static int
temporaries(void)
{
	char		 path[PATH_MAX];
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	snprintf(path, sizeof(path), "%s/registry/QIBM_QWC_SUSPEND", dir);
	if ((d = opendir(path)) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, ".tmp.", 5) == 0;
	closedir(d);
	return (n);
}

int
main(void)
{
	struct registry_list	l;
	struct registry_entry	e;
	struct timespec		ts;
	pid_t			w[WRITERS], rd;
	size_t			i;
	int			k, status, whole = 1, problems = 0;
	unsigned		seed = (unsigned)getpid();

	snprintf(dir, sizeof(dir), "%s/exitpt-stress.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL)
		tap_bail("mkdtemp");
	for (k = 0; k < WRITERS; k++)
		w[k] = spawn_writer(seed + (unsigned)k * 7919);
	if ((rd = fork()) == 0)
		reader();
	for (k = 0; k < KILLS; k++) {
		seed = seed * 1103515245 + 12345;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(seed % 3000) * 1000;	/* < 3 ms */
		nanosleep(&ts, NULL);
		i = (seed >> 16) % WRITERS;
		kill(w[i], SIGKILL);
		waitpid(w[i], NULL, 0);
		w[i] = spawn_writer(seed);
	}
	for (k = 0; k < WRITERS; k++) {
		kill(w[k], SIGKILL);
		waitpid(w[k], NULL, 0);
	}
	waitpid(rd, &status, 0);
	torn = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	is_int(torn, 0, "a concurrent reader never saw a torn entry "
	    "(%d writers, %d SIGKILLs)", WRITERS, KILLS);

	is_int(registry_load(dir, -1, torn_cb, &problems, &l), 0,
	    "the registry loads after the kills");
	is_int(problems, 0, "no malformed entry after the kills");
	for (i = 0; i < l.count; i++)
		whole &= data_whole(&l.entries[i]);
	ok(whole, "all %zu entries are whole", l.count);
	ok(l.count <= NUMBERS, "no entry outside the numbers written");
	registry_list_clear(&l);

	printf("# %d temporaries left by killed writers\n", temporaries());
	memset(&e, 0, sizeof(e));
	e.point = REGISTRY_SUSPEND;
	e.number = NUMBERS + 1;
	e.program = "/bin/true";
	e.user = "root";
	e.data = e.text = "";
	e.check_timeout = 30;
	e.complete_timeout = 300;
	is_int(registry_add(dir, &e, 0), 0, "a writer after the crash works");
	is_int(temporaries(), 0, "and sweeps the temporaries of dead writers");
	{
		char	cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return (tap_done());
}
