/*
 * The corrupter of tests/ipc-fuzz.sh: for SECONDS, damage every IPC object
 * file the calling user owns in the runtime directory (its critical
 * section and lock tables, its job interrupt mailboxes, its data queues
 * and data areas) at random: random bytes anywhere, random words where
 * fields are, lengths cut short or grown, a lock word naming a live
 * thread for a while, a wrong magic, type or size; and now and then make
 * an object afresh, so that the tools meet healthy objects too.
 *
 * usage: ipc-fuzz SECONDS SEED
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"

#define FUZZ_FILES	64
#define FUZZ_LOCK_OFF	72	/* the header's lock word */

struct fuzz_file {
	char	path[PATH_MAX];
	char	name[64];
	int	obj;		/* under "obj": a queue or an area */
};

static struct fuzz_file	 fuzz_files[FUZZ_FILES];
static size_t		 fuzz_nfiles;

static double	 fuzz_now(void);
static void	 fuzz_scan_dir(const char *, int);
static void	 fuzz_scan(void);
static void	 fuzz_poke(const char *, off_t, const void *, size_t);
static void	 fuzz_renew(const struct fuzz_file *);
static void	 fuzz_one(const struct fuzz_file *);

/* Monotonic seconds. */
static double
fuzz_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Add the caller's regular files of one directory to the targets. */
static void
fuzz_scan_dir(const char *dir, int obj)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && fuzz_nfiles < FUZZ_FILES) {
		struct fuzz_file	*f = &fuzz_files[fuzz_nfiles];

		if (de->d_name[0] == '.' || strcmp(de->d_name, "cutter.pid") == 0)
			continue;
		snprintf(f->path, sizeof(f->path), "%s/%s", dir, de->d_name);
		if (lstat(f->path, &st) == -1 || !S_ISREG(st.st_mode) ||
		    st.st_uid != geteuid())
			continue;
		snprintf(f->name, sizeof(f->name), "%s", de->d_name);
		f->obj = obj;
		fuzz_nfiles++;
	}
	closedir(d);
}

/* Find every target: the caller's own directories and its objects. */
static void
fuzz_scan(void)
{
	struct ipcdir_user	*u;
	char			 root[PATH_MAX], path[PATH_MAX + 8];
	size_t			 n, i;

	fuzz_nfiles = 0;
	if (ipcdir_path(root, sizeof(root)) != 0)
		return;
	if (ipcdir_users(geteuid(), &u, &n) == 0) {
		for (i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "%s/u/%s", root,
			    u[i].name);
			fuzz_scan_dir(path, 0);
		}
		ipcdir_users_free(u, n);
	}
	snprintf(path, sizeof(path), "%s/obj", root);
	fuzz_scan_dir(path, 1);
}

/* Write len bytes into a file at off (what fails is of no interest). */
static void
fuzz_poke(const char *path, off_t off, const void *buf, size_t len)
{
	int	fd;

	if ((fd = open(path, O_WRONLY | O_NOFOLLOW)) == -1)
		return;
	(void)pwrite(fd, buf, len, off);
	close(fd);
}

/* Make a queue or area afresh, so that the tools meet healthy ones too. */
static void
fuzz_renew(const struct fuzz_file *f)
{
	if (!f->obj)
		return;
	unlink(f->path);
	if (f->name[0] == 'q')
		exitpt_dtaq_create(f->name, random() % 2 ? EXITPT_DTAQ_FIFO :
		    EXITPT_DTAQ_LIFO, 32, 0, 8, EXITPT_DTAQ_SENDER_INFO, 0666);
	else if (f->name[0] == 'k')
		exitpt_dtaq_create(f->name, EXITPT_DTAQ_KEYED, 32, 4, 8, 0,
		    0644);
	else if (f->name[0] == 'd')
		exitpt_dtaara_create(f->name, EXITPT_DTAARA_DEC, 9, 2, "1.00",
		    4, 0666);
	else
		exitpt_dtaara_create(f->name, EXITPT_DTAARA_CHAR, 16, 0, "x",
		    1, 0666);
}

/* One random harm to one file. */
static void
fuzz_one(const struct fuzz_file *f)
{
	struct stat	 st;
	unsigned char	 junk[16];
	uint32_t	 w;
	off_t		 size;
	pid_t		 self = getpid();
	int		 i;

	if (stat(f->path, &st) == -1)
		return;
	size = st.st_size > 0 ? st.st_size : 1;
	for (i = 0; i < (int)sizeof(junk); i++)
		junk[i] = (unsigned char)random();
	switch (random() % 10) {
	case 0:		/* random bytes anywhere */
		fuzz_poke(f->path, random() % (size + 64), junk,
		    1 + random() % 8);
		break;
	case 1:		/* a random word where fields are */
	case 2:
		w = random() % 3 == 0 ? 0x7fffffff : (uint32_t)random();
		fuzz_poke(f->path, 128 + (random() % 64) * 4, &w, sizeof(w));
		break;
	case 3:		/* cut short */
		truncate(f->path, (off_t)(random() % 3 == 0 ? 0 :
		    random() % size));
		break;
	case 4:		/* grown */
		truncate(f->path, size + random() % 65536);
		break;
	case 5:		/* the lock word names a live thread (us) */
		fuzz_poke(f->path, FUZZ_LOCK_OFF, &self, sizeof(self));
		break;
	case 6:		/* ... and lets it go again */
		w = 0;
		fuzz_poke(f->path, FUZZ_LOCK_OFF, &w, sizeof(w));
		break;
	case 7:		/* magic, version, type or size */
		fuzz_poke(f->path, (random() % 4) * 4, junk, 4);
		break;
	case 8:		/* a slot or entry header, in the middle */
		fuzz_poke(f->path, 128 + 64 + random() % 2048, junk,
		    sizeof(junk));
		break;
	default:
		fuzz_renew(f);
		break;
	}
}

int
main(int argc, char **argv)
{
	struct timespec	pause = { 0, 2 * 1000 * 1000 };
	double		end;
	long		harms = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: ipc-fuzz SECONDS SEED\n");
		return (64);
	}
	end = fuzz_now() + atof(argv[1]);
	srandom((unsigned)atol(argv[2]));
	while (fuzz_now() < end) {
		fuzz_scan();
		if (fuzz_nfiles > 0) {
			fuzz_one(&fuzz_files[random() % fuzz_nfiles]);
			harms++;
		}
		nanosleep(&pause, NULL);
	}
	printf("%ld harms\n", harms);
	return (0);
}
