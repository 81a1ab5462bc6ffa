/*
 * What a hostile local user (nobody) could do to the IPC helpers before
 * they moved into the runtime directory (issue 9), one test per case, each
 * named after the rule it checks: squatting root's objects, forged
 * holders, blocking Check (mode-000 tables, a table cut short while read),
 * unchecked fields (a lock table's count, a queue entry's length, a data
 * area's decimals), untimed waits on a lock another user holds, and read
 * permission giving write.  Root and user nobody are needed (else a skip).
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"
#include "ipctest.h"
#include "tap.h"

#define HDR		128	/* object header; the data follows */
#define SLOT		64	/* a critical section table slot */
#define SLOT_HELD	2u
#define SLOT_WRITING	1u
#define LOCK_ENTRY	80	/* an object lock table entry */
#define LOCK_PENDING	1u

static int	 nobody_dir(char *, size_t);
static uint64_t	 forge_since;	/* what forge_slot writes as since, 0: now */
static int	 forge_slot(const char *, unsigned, pid_t, uint64_t,
		     unsigned, const char *);
static int	 nobody_enter_leave(void *);
static int	 nobody_squat_root(void *);
static int	 nobody_make_flag(void *);
static int	 nobody_zero_tables(void *);
static int	 nobody_lock_table(void *);
static int	 nobody_enter(void *);
static int	 nobody_keep_mailbox(void *);
static int	 nobody_lock_once(void *);
static int	 nobody_lease_table(void *);
static int	 nobody_full_tables(void *);
static int	 nobody_hide_service(void *);
static int	 hang_handler(const char *, size_t, char *, size_t *, void *);
static int	 forge_lock_entry(unsigned, unsigned, pid_t, const char *);
static int	 reason_count(void);
static int	 reason_timed(double *);
static double	 listing_held(int);
static void	 test_squatting(void);
static void	 test_forged_holders(void);
static void	 test_blocking_check(void);
static void	 test_unchecked_fields(void);
static void	 test_untimed_waits(void);
static void	 test_forged_lock_entries(void);
static void	 test_read_is_write(void);

/* nobody's own user directory, e.g. ".../u/65534". */
static int
nobody_dir(char *buf, size_t len)
{
	char	rel[32];

	snprintf(rel, sizeof(rel), "u/%d", IPCTEST_NOBODY);
	ipctest_path(buf, len, rel);
	return (0);
}

/*
 * Write slot i of a critical section table file as its owner could: a
 * word naming pid in state, a start time and a name.
 */
static int
forge_slot(const char *path, unsigned i, pid_t pid, uint64_t start,
    unsigned state, const char *name)
{
	unsigned char	slot[SLOT];
	uint64_t	word, since = forge_since != 0 ? forge_since :
			    (uint64_t)time(NULL);
	uint32_t	gen = 77;
	int		fd, rv;

	memset(slot, 0, sizeof(slot));
	word = ((uint64_t)gen << 32) | ((uint64_t)(uint32_t)pid << 2) | state;
	memcpy(slot, &word, 8);
	memcpy(slot + 8, &start, 8);
	memcpy(slot + 16, &since, 8);
	memcpy(slot + 24, &gen, 4);
	snprintf((char *)slot + 28, 33, "%s", name);
	if ((fd = open(path, O_WRONLY)) == -1)
		return (-1);
	rv = pwrite(fd, slot, sizeof(slot), HDR + (off_t)i * SLOT) ==
	    sizeof(slot) ? 0 : -1;
	close(fd);
	return (rv);
}

/* As nobody: enter and leave a section, which makes nobody's table. */
static int
nobody_enter_leave(void *arg)
{
	struct exitpt_critical	*c;
	int			 error;

	if ((error = exitpt_critical_enter("warmup", 0, 0, &c)) == 0)
		exitpt_critical_leave(c);
	return (error);
}

/*
 * As nobody: take root's user directory name first, with a table inside
 * whose slot claims a root section, hoping root's sections land there.
 */
static int
nobody_squat_root(void *arg)
{
	char	dir[PATH_MAX], path[PATH_MAX + 16];
	int	fd;

	ipctest_path(dir, sizeof(dir), "u/0");
	if (mkdir(dir, 0777) == -1)
		return (-errno);
	chmod(dir, 0777);
	snprintf(path, sizeof(path), "%s/critical", dir);
	if ((fd = open(path, O_RDWR | O_CREAT, 0666)) == -1)
		return (-errno);
	close(fd);
	return (0);
}

/* As nobody: try to put a pending flag of its own in the runtime dir. */
static int
nobody_make_flag(void *arg)
{
	char	path[PATH_MAX];
	int	fd;

	ipctest_path(path, sizeof(path), "pending");
	unlink(path);
	if ((fd = open(path, O_RDWR | O_CREAT, 0000)) == -1)
		return (-errno);
	close(fd);
	return (0);
}

/*
 * As nobody: many directories of its own, each with an empty mode-000
 * table: every one used to cost exitd a second of waiting at Check.
 */
static int
nobody_zero_tables(void *arg)
{
	char	dir[PATH_MAX], path[PATH_MAX + 32];
	int	i, fd, n = *(int *)arg;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "u/%d.zero%02d", IPCTEST_NOBODY,
		    i);
		ipctest_path(dir, sizeof(dir), path);
		if (mkdir(dir, 0755) == -1)
			return (-errno);
		snprintf(path, sizeof(path), "%s/critical", dir);
		if ((fd = open(path, O_RDWR | O_CREAT, 0000)) == -1)
			return (-errno);
		close(fd);
	}
	return (0);
}

/*
 * As nobody: hold a lock, then set its table's entry count to 2^31-1 and
 * take the table's own lock word for good.
 */
static int
nobody_lock_table(void *arg)
{
	struct ipcobj_deadline	 d;
	struct ipcobj		*o;
	uint32_t		 huge = 0x7fffffff;
	char			 path[PATH_MAX + 16];
	int			 fd, error;

	if ((error = exitpt_objlock_lock("ORDERS", EXITPT_LOCK_SHRRD, 0)) != 0)
		return (error);
	nobody_dir(path, sizeof(path) - 16);
	strncat(path, "/locks", 8);
	if ((fd = open(path, O_WRONLY)) == -1)
		return (-errno);
	if (pwrite(fd, &huge, sizeof(huge), HDR) != sizeof(huge))
		return (-errno);
	close(fd);
	if ((error = ipcobj_open(IPCOBJ_LOCKTAB, IPCDIR_SELF, "locks",
	    IPCOBJ_WRITE, &o)) != 0)
		return (error);
	ipcobj_deadline_set(&d, 1);
	return (ipcobj_lock(o, &d));	/* kept: the process pauses */
}

/* As nobody: enter a section and keep it. */
static int
nobody_enter(void *name)
{
	struct exitpt_critical	*c;

	return (exitpt_critical_enter(name, 0, 0, &c));
}

/*
 * As nobody: opt in to job interrupts, then keep the callers' kernel lock
 * of its own mailbox, and never answer.
 */
static int
nobody_keep_mailbox(void *arg)
{
	struct ipcobj_deadline	 d;
	struct ipcobj		*o;
	char			 name[32];
	int			 error;

	if ((error = exitpt_jobitp_enable()) != 0)
		return (error);
	snprintf(name, sizeof(name), "jobitp.%ld", (long)getpid());
	ipcobj_deadline_set(&d, 1);
	if ((error = ipcobj_open(IPCOBJ_JOBITP, IPCDIR_SELF, name,
	    IPCOBJ_WRITE, &o)) != 0)
		return (error);
	return (ipcobj_ofd_lock(o, 1, &d));
}

/* As nobody: take and release a lock, which makes nobody's lock table. */
static int
nobody_lock_once(void *arg)
{
	int	error;

	if ((error = exitpt_objlock_lock("WARM", EXITPT_LOCK_SHRRD, 0)) != 0)
		return (error);
	return (exitpt_objlock_unlock("WARM", EXITPT_LOCK_SHRRD));
}

/*
 * Write entry i of nobody's lock table as nobody could (phase, takes,
 * pid and object; its count covers it).
 */
static int
forge_lock_entry(unsigned i, unsigned phase, pid_t pid, const char *object)
{
	unsigned char	e[LOCK_ENTRY];
	uint32_t	hwm = i + 1, takes = 1;
	char		path[PATH_MAX + 16];
	int		fd, rv;

	nobody_dir(path, sizeof(path) - 16);
	strncat(path, "/locks", 8);
	memset(e, 0, sizeof(e));
	memcpy(e, &phase, 4);
	memcpy(e + 4, &takes, 4);
	snprintf((char *)e + 8, 33, "%s", object);
	e[41] = EXITPT_LOCK_EXCL;
	memcpy(e + 44, &pid, 4);
	if ((fd = open(path, O_WRONLY)) == -1)
		return (-1);
	rv = pwrite(fd, &hwm, 4, HDR) == 4 && pwrite(fd, e, sizeof(e),
	    HDR + 64 + (off_t)i * LOCK_ENTRY) == sizeof(e) ? 0 : -1;
	close(fd);
	return (rv);
}

/*
 * As nobody: take a lease on its own table, so that anyone else's open
 * would wait for the lease to be given up (45 s by default), and keep
 * it, ignoring the signal that asks for it.
 */
static int
nobody_lease_table(void *arg)
{
	char	path[PATH_MAX + 16];
	int	fd;

	nobody_dir(path, sizeof(path) - 16);
	strncat(path, "/critical", 10);
	signal(SIGIO, SIG_IGN);
	if ((fd = open(path, O_RDONLY)) == -1)
		return (-errno);
	if (fcntl(fd, F_SETLEASE, F_RDLCK) == -1)
		return (-errno);
	return (0);
}

/*
 * As nobody: fill every slot of its table, and of 63 more tables in
 * directories of its own, with sections of one live process of its own
 * (arg: its identity), 64 Ki holders in all.
 */
static int
nobody_full_tables(void *arg)
{
	/* The header, 1024 slots, then 1024 operation ids. */
	static unsigned char	 image[HDR + 1024 * SLOT + 1024 * 8];
	const struct ipcobj_proc *holder = arg;
	char			 dir[PATH_MAX], rel[32], path[PATH_MAX + 16];
	unsigned		 i;
	int			 fd;

	nobody_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/critical", dir);
	for (i = 0; i < 1024; i++) {
		if (forge_slot(path, i, holder->pid, holder->start,
		    SLOT_HELD, "many") != 0)
			return (-EIO);
	}
	if ((fd = open(path, O_RDONLY)) == -1 ||
	    read(fd, image, sizeof(image)) != sizeof(image))
		return (-EIO);
	close(fd);
	for (i = 1; i < 64; i++) {
		snprintf(rel, sizeof(rel), "u/%d.full%02u", IPCTEST_NOBODY, i);
		ipctest_path(dir, sizeof(dir), rel);
		snprintf(path, sizeof(path), "%s/critical", dir);
		if (mkdir(dir, 0755) == -1 ||
		    (fd = open(path, O_WRONLY | O_CREAT, 0600)) == -1 ||
		    write(fd, image, sizeof(image)) != sizeof(image))
			return (-errno);
		close(fd);
	}
	return (0);
}

/* A job interrupt handler that never returns. */
static int
hang_handler(const char *data, size_t len, char *reply, size_t *rlen,
    void *arg)
{
	for (;;)
		pause();
	/* NOTREACHED */
	return (0);
}

/*
 * As nobody: opt in to job interrupts with a handler that never answers,
 * and make the mailbox name a service thread that does not exist.
 */
static int
nobody_hide_service(void *arg)
{
	char		dir[PATH_MAX], path[PATH_MAX + 32];
	int32_t		tid = 0, none = 0x3fffffff;
	int		fd, error, tries;

	if ((error = exitpt_jobitp_register("hang", hang_handler, NULL)) != 0 ||
	    (error = exitpt_jobitp_enable()) != 0)
		return (error);
	nobody_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/jobitp.%ld", dir, (long)getpid());
	if ((fd = open(path, O_RDWR)) == -1)
		return (-errno);
	/* The service thread writes its id when it starts: after that. */
	for (tries = 0; tid == 0 && tries < 1000; tries++) {
		if (pread(fd, &tid, sizeof(tid), HDR + 4) != sizeof(tid))
			return (-EIO);
		if (tid == 0)
			usleep(1000);
	}
	if (pwrite(fd, &none, sizeof(none), HDR + 4) != sizeof(none))
		return (-EIO);
	close(fd);
	return (0);
}

/* How many holders exitd's Check would name as a veto. */
static int
reason_count(void)
{
	char	reason[1024];

	return (critical_reason(reason, sizeof(reason)));
}

/*
 * Make n queues and n data areas others can write, each with its lock
 * word naming pid 1 for good, and read each one's count or value as
 * dtaq list and dtaara list do.  Returns how long the reading took in
 * seconds, or -1 if something failed.  The next ipctest_cleanup removes
 * them.
 */
static double
listing_held(int n)
{
	struct exitpt_dtaq_info	 qi;
	struct exitpt_dtaara_info ai;
	struct exitpt_dtaara	*d;
	struct exitpt_dtaq	*q;
	char			 name[32], rel[40], path[PATH_MAX];
	uint32_t		 pid1 = 1;
	double			 t0, el = 0;
	int			 i, fd, bad = 0;

	for (i = 0; i < 2 * n; i++) {
		snprintf(name, sizeof(name), "held%d", i);
		if ((i < n ? exitpt_dtaq_create(name, EXITPT_DTAQ_FIFO, 8, 0,
		    2, 0, 0666) : exitpt_dtaara_create(name,
		    EXITPT_DTAARA_CHAR, 8, 0, NULL, 0, 0666)) != 0)
			return (-1);
		snprintf(rel, sizeof(rel), "obj/%s", name);
		ipctest_path(path, sizeof(path), rel);
		if ((fd = open(path, O_WRONLY)) == -1 ||
		    pwrite(fd, &pid1, sizeof(pid1), 72) != sizeof(pid1))
			return (-1);
		close(fd);
	}
	for (i = 0; i < 2 * n; i++) {
		snprintf(name, sizeof(name), "held%d", i);
		t0 = ipctest_now();
		if (i < n) {
			if (exitpt_dtaq_open(name, &q) != 0)
				return (-1);
			bad += exitpt_dtaq_info(q, &qi) != 0;
			exitpt_dtaq_close(q);
		} else {
			if (exitpt_dtaara_open(name, &d) != 0)
				return (-1);
			bad += exitpt_dtaara_info(d, &ai) != 0;
			exitpt_dtaara_close(d);
		}
		el += ipctest_now() - t0;
	}
	return (bad == 0 ? el : -1);
}

/* reason_count, and how long it took in seconds. */
static int
reason_timed(double *el)
{
	double	t0 = ipctest_now();
	int	rv;

	rv = reason_count();
	*el = ipctest_now() - t0;
	return (rv);
}

/*
 * Case 1: nobody creates the names root will use.  Root's sections never
 * land in a file nobody controls (root's directory is root's, wherever it
 * is), and the pending flag lives where only root creates files.
 */
static void
test_squatting(void)
{
	struct exitpt_critical_list	*l;
	struct exitpt_critical		*c;
	char				 path[PATH_MAX];
	double				 t0;
	int				 fd;

	ipctest_cleanup();
	ipcdir_init();
	is_int(ipctest_as_nobody(nobody_squat_root, NULL), 0,
	    "nobody may take the name u/0 before root");
	is_int(ipctest_as_nobody(nobody_make_flag, NULL), -EACCES,
	    "squat_flag: nobody cannot create the pending flag");
	is_int(exitpt_critical_enter("payroll", 0, 0, &c), 0,
	    "root enters a section");
	exitpt_critical_list_get(&l);
	ok(exitpt_critical_list_count(l) == 1 &&
	    exitpt_critical_list_uid(l, 0) == 0 &&
	    exitpt_critical_list_pid(l, 0) == getpid(),
	    "squat_table: roots_section_is_listed_as_roots");
	exitpt_critical_list_free(l);
	/* The squatted table is writable by nobody, and empty: wipe it. */
	ipctest_path(path, sizeof(path), "u/0/critical");
	if ((fd = open(path, O_WRONLY | O_TRUNC)) != -1)
		close(fd);
	is_int(reason_count(), 1,
	    "squat_table: wiping_the_squatted_file_does_not_lower_the_veto");
	exitpt_critical_leave(c);
	t0 = ipctest_now();
	is_int(critical_set_pending(9), 0, "squat_flag: root raises the flag");
	ok(ipctest_now() - t0 < 0.5, "at once (%.3f s)", ipctest_now() - t0);
	critical_set_pending(0);
}

/*
 * Case 2: a holder counts only if its process runs, started when the
 * slot says, and belongs to the table's owner.
 */
static void
test_forged_holders(void)
{
	struct ipcobj_proc	 init, me, nb;
	char			 dir[PATH_MAX], path[PATH_MAX + 16];
	char			 reason[1024];
	pid_t			 holder;

	ipctest_cleanup();
	ipcdir_init();
	is_int(ipctest_as_nobody(nobody_enter_leave, NULL), 0,
	    "nobody has a table");
	nobody_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/critical", dir);
	if (ipcproc_get(1, &init) != 0 || ipcproc_self(&me) != 0)
		tap_bail("identities");
	is_int(forge_slot(path, 3, 1, init.start, SLOT_HELD, "systemd"), 0,
	    "nobody forges a slot held by pid 1, its start time right");
	is_int(reason_count(), 0, "slot_forged_as_pid_1_does_not_veto");
	forge_slot(path, 3, me.pid, me.start, SLOT_HELD, "rootjob");
	is_int(reason_count(), 0,
	    "slot_naming_another_users_process_does_not_veto");
	forge_slot(path, 3, me.pid, me.start, SLOT_WRITING, "rootjob");
	is_int(reason_count(), 0,
	    "slot_being_written_by_another_users_process_does_not_veto");
	forge_slot(path, 3, 999999, 1, SLOT_HELD, "ghost");
	is_int(reason_count(), 0, "slot_of_no_process_does_not_veto");
	/* A real process of nobody's, forged or not, is nobody's section. */
	holder = ipctest_spawn(nobody_enter, "real", 1);
	if (ipcproc_get(holder, &nb) != 0)
		tap_bail("holder identity");
	forge_slot(path, 5, holder, nb.start, SLOT_HELD, "forged");
	is_int(reason_count(), 2,
	    "a_live_process_of_the_owner_counts_as_its_section");
	/* Its owner writes since as it likes: no time past 9999 is shown. */
	forge_since = (uint64_t)INT64_MAX;
	forge_slot(path, 5, holder, nb.start, SLOT_HELD, "forged");
	forge_since = 0;
	is_int(critical_reason(reason, sizeof(reason)), 2,
	    "a_since_an_owner_forged_past_year_9999");
	ok(strstr(reason, "forged (pid") != NULL &&
	    strstr(reason, "since 19") != NULL,
	    "is read as 0, the epoch: %s", reason);
	ipctest_reap(holder);
	is_int(reason_count(), 0, "and stops counting when it ends");
}

/*
 * Case 3: nothing another user puts in the runtime directory makes Check
 * wait: mode-000 tables are read by root without waiting, and a table cut
 * short while it is read is an error, never SIGBUS.
 */
static void
test_blocking_check(void)
{
	struct ipcobj_proc	hp;
	char			dir[PATH_MAX], path[PATH_MAX + 16];
	char			damage[4096];
	double			t0, el;
	pid_t			cutter, leaser, holder;
	int			n = 12, i, rv, bad = 0, fd;

	ipctest_cleanup();
	ipcdir_init();
	is_int(ipctest_as_nobody(nobody_zero_tables, &n), 0,
	    "nobody makes 12 mode-000 tables");
	rv = reason_timed(&el);
	is_int(rv, 0, "mode_000_tables_veto_nothing");
	ok(el < 0.5, "mode_000_tables_cost_no_wait (%.3f s for 12)", el);
	is_int(critical_damaged(damage, sizeof(damage)), 12,
	    "and they are reported as damaged, for exitd to log");
	ok(strstr(damage, "critical section table of uid 65534: file of 0 "
	    "bytes") != NULL, "naming the user and the fault: %.80s", damage);

	is_int(ipctest_as_nobody(nobody_enter_leave, NULL), 0,
	    "nobody has a real table too");
	nobody_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/critical", dir);
	if ((cutter = fork()) == -1)
		tap_bail("fork");
	if (cutter == 0) {
		/* As nobody: mark a slot being written, cut, grow, again. */
		if (setgid(IPCTEST_NOBODY) == -1 ||
		    setuid(IPCTEST_NOBODY) == -1)
			_exit(1);
		for (;;) {
			forge_slot(path, 7, getpid(), 0, SLOT_WRITING, "w");
			if ((fd = open(path, O_WRONLY)) != -1) {
				ftruncate(fd, HDR + 7 * SLOT + 10);
				ftruncate(fd, 128 * 1024);
				close(fd);
			}
		}
	}
	t0 = ipctest_now();
	for (i = 0; i < 300; i++) {
		if ((rv = reason_count()) < 0 || rv > 1)
			bad++;
	}
	el = ipctest_now() - t0;
	ipctest_reap(cutter);
	is_int(bad, 0, "truncation_during_check_never_faults_nor_fails "
	    "(300 Checks while cut and grown)");
	ok(el < 10, "and each Check stays short (%.3f s for 300)", el);

	ipctest_cleanup();
	ipcdir_init();
	is_int(ipctest_as_nobody(nobody_enter_leave, NULL), 0,
	    "nobody has a table");
	leaser = ipctest_spawn(nobody_lease_table, NULL, 1);
	rv = reason_timed(&el);
	is_int(rv, 0, "leased_table_vetoes_nothing");
	ok(el < 0.5, "leased_table_costs_no_wait (%.3f s)", el);
	is_int(critical_damaged(damage, sizeof(damage)), 1,
	    "and it is reported");
	ok(strstr(damage, "critical section table of uid 65534: ") != NULL,
	    "leased_table_is_named_in_the_report: %s", damage);
	ipctest_reap(leaser);

	/*
	 * 64 tables full of sections of one process: each slot used to cost
	 * three reads of /proc, seconds of exitd's event loop at each Check.
	 */
	ipctest_cleanup();
	ipcdir_init();
	holder = ipctest_spawn(nobody_enter, "real", 1);
	if (ipcproc_get(holder, &hp) != 0)
		tap_bail("holder identity");
	is_int(ipctest_as_nobody(nobody_full_tables, &hp), 0,
	    "nobody fills 64 tables with sections of one process");
	t0 = ipctest_now();
	rv = reason_count();
	critical_damaged(damage, sizeof(damage));
	el = ipctest_now() - t0;
	is_int(rv, 64 * 1024, "each counts, as a live process of nobody's holds it");
	ok(el < 1.5, "full_tables_of_one_process_cost_check_little "
	    "(%.3f s for the holders and the damage)", el);
	ipctest_reap(holder);
	is_int(reason_count(), 0, "and none counts once it ends");
}

/*
 * Case 4: every field read from another user's object is checked before
 * use; a damaged object is EXITPT_E_DAMAGED with a detail that names it.
 */
static void
test_unchecked_fields(void)
{
	struct exitpt_objlock_list	*ll;
	struct exitpt_dtaq_entry	 e;
	struct exitpt_dtaara		*d;
	struct exitpt_dtaq		*q;
	char				 path[PATH_MAX], buf[64];
	uint32_t			 len = 70000, dec = 40;
	pid_t				 pid;
	int				 fd;

	/* A lock table whose count is 2^31-1, its lock held for good. */
	pid = ipctest_spawn(nobody_lock_table, NULL, 1);
	is_int(exitpt_objlock_list_get(&ll), 0,
	    "lock_list_survives_a_huge_entry_count");
	ok(exitpt_objlock_list_damaged(ll) == 1 &&
	    strstr(exitpt_objlock_list_damage(ll, 0), "2147483647") != NULL,
	    "and reports the table damaged: %s",
	    exitpt_objlock_list_damaged(ll) > 0 ?
	    exitpt_objlock_list_damage(ll, 0) : "nothing");
	exitpt_objlock_list_free(ll);
	is_int(exitpt_objlock_lock("ORDERS", EXITPT_LOCK_EXCL, 0), 0,
	    "lock_ignores_a_damaged_table (and its held lock word)");
	exitpt_objlock_unlock("ORDERS", EXITPT_LOCK_EXCL);
	ipctest_reap(pid);

	/* A queue entry's length set past the queue's maximum. */
	if (exitpt_dtaq_create("jobs", EXITPT_DTAQ_FIFO, 16, 0, 4, 0,
	    0644) != 0 || exitpt_dtaq_open("jobs", &q) != 0)
		tap_bail("queue");
	exitpt_dtaq_send(q, NULL, 0, "x", 1, 0);
	ipctest_path(path, sizeof(path), "obj/jobs");
	/* Slot 0's length: header (64), then seq, sec (8 each), nsec (4). */
	fd = open(path, O_WRONLY);
	pwrite(fd, &len, sizeof(len), HDR + 64 + 20);
	close(fd);
	is_int(exitpt_dtaq_peek(q, EXITPT_DTAQ_PEEK_ALL, EXITPT_DTAQ_ANY,
	    NULL, 0, NULL, NULL), EXITPT_E_DAMAGED,
	    "peek_of_an_entry_longer_than_its_maximum_is_damaged");
	ok(strstr(exitpt_ipc_detail(), "data queue jobs") != NULL &&
	    strstr(exitpt_ipc_detail(), "70000") != NULL,
	    "the detail names the queue and the length: %s",
	    exitpt_ipc_detail());
	memset(&e, 0, sizeof(e));
	e.data = buf;
	e.size = sizeof(buf);
	is_int(exitpt_dtaq_receive(q, EXITPT_DTAQ_ANY, NULL, 0, 0, &e),
	    EXITPT_E_DAMAGED, "receive_of_it_is_damaged_too");
	exitpt_dtaq_close(q);
	exitpt_dtaq_delete("jobs");

	/* A *DEC data area whose decimals field is corrupted. */
	if (exitpt_dtaara_create("amt", EXITPT_DTAARA_DEC, 9, 2, "1.50", 4,
	    0644) != 0 || exitpt_dtaara_open("amt", &d) != 0)
		tap_bail("data area");
	ipctest_path(path, sizeof(path), "obj/amt");
	fd = open(path, O_WRONLY);
	pwrite(fd, &dec, sizeof(dec), HDR + 8);
	close(fd);
	is_int(exitpt_dtaara_retrieve(d, EXITPT_DTAARA_ALL, 0, buf,
	    sizeof(buf), NULL), EXITPT_E_DAMAGED,
	    "dec_with_corrupted_decimals_is_damaged_on_retrieve");
	is_int(exitpt_dtaara_add(d, "1", 0, buf, sizeof(buf)),
	    EXITPT_E_DAMAGED, "and on add, never a type confusion");
	ok(strstr(exitpt_ipc_detail(), "data area amt") != NULL,
	    "the detail names the area: %s", exitpt_ipc_detail());
	exitpt_dtaara_close(d);
	exitpt_dtaara_delete("amt");
}

/*
 * Case 5: a lock word another user holds for good costs root at most its
 * wait time (or the grace time), never a hang.
 */
static void
test_untimed_waits(void)
{
	struct exitpt_dtaq	*q;
	char			 path[PATH_MAX];
	double			 t0, el;
	pid_t			 pid;
	int			 fd, rv;
	uint32_t		 pid1 = 1;

	if (exitpt_dtaq_create("shared", EXITPT_DTAQ_FIFO, 16, 0, 4, 0,
	    0666) != 0 || exitpt_dtaq_open("shared", &q) != 0)
		tap_bail("queue");
	exitpt_dtaq_send(q, NULL, 0, "kept", 4, 0);
	/* Its lock word names pid 1 for good: a live thread, never freeing. */
	ipctest_path(path, sizeof(path), "obj/shared");
	fd = open(path, O_WRONLY);
	pwrite(fd, &pid1, sizeof(pid1), 72);
	close(fd);
	t0 = ipctest_now();
	rv = exitpt_dtaq_send(q, NULL, 0, "x", 1, EXITPT_WAIT_NOWAIT);
	el = ipctest_now() - t0;
	is_int(rv, EXITPT_E_TIMEOUT,
	    "send_with_wait_0_on_a_held_lock_times_out_never_says_full");
	ok(el < 0.5, "at once (%.3f s)", el);
	t0 = ipctest_now();
	rv = exitpt_dtaq_peek(q, EXITPT_DTAQ_PEEK_ALL, EXITPT_DTAQ_ANY, NULL,
	    0, NULL, NULL);
	el = ipctest_now() - t0;
	is_int(rv, 1, "peek_reads_past_a_held_lock");
	ok(el < 0.5, "promptly (%.3f s)", el);
	el = listing_held(20);
	ok(el >= 0 && el < 0.5, "listing_20_objects_whose_locks_are_held_"
	    "never_waits_for_them (%.3f s)", el);
	t0 = ipctest_now();
	rv = exitpt_dtaq_send(q, NULL, 0, "x", 1, 0.6);
	el = ipctest_now() - t0;
	ok(el >= 0.59 && el < 1.5, "a_wait_time_is_honoured (%.3f s: %s)",
	    el, exitpt_strerror(rv));
	exitpt_dtaq_close(q);
	exitpt_dtaq_delete("shared");

	/*
	 * A job interrupt target of nobody's keeps its callers' lock, and
	 * never answers: exitctl interrupt --wait 1 used to block forever.
	 */
	pid = ipctest_spawn(nobody_keep_mailbox, NULL, 1);
	t0 = ipctest_now();
	rv = exitpt_jobitp_call(pid, "h", "", 0, 1, NULL, 0, NULL, NULL);
	el = ipctest_now() - t0;
	is_int(rv, EXITPT_E_TIMEOUT,
	    "interrupt_of_a_target_keeping_its_lock_times_out");
	ok(el >= 0.99 && el < 2, "after its wait (%.3f s)", el);
	ipctest_reap(pid);

	/*
	 * A target whose mailbox names no service thread, and that never
	 * answers: waiting for it to exit used to take 2 s whatever the
	 * caller's wait.
	 */
	pid = ipctest_spawn(nobody_hide_service, NULL, 1);
	t0 = ipctest_now();
	rv = exitpt_jobitp_call(pid, "hang", "", 0, 0.3, NULL, 0, NULL, NULL);
	el = ipctest_now() - t0;
	ok(rv == EXITPT_E_NOT_ENABLED || rv == EXITPT_E_TIMEOUT,
	    "interrupt_of_a_target_naming_no_service_thread_fails (%s)",
	    exitpt_strerror(rv));
	ok(el < 0.6, "interrupt_wait_honoured_when_the_service_is_gone "
	    "(%.3f s for a wait of 0.3 s)", el);
	ipctest_reap(pid);
}

/*
 * Case 2 for object locks: an entry of nobody's own table counts only if
 * a live process of nobody's holds it.  An entry forged as a claim of no
 * process (pid 0) looked like an entry being changed, which every lock of
 * every user, on every object, waited out for its whole wait time.
 */
static void
test_forged_lock_entries(void)
{
	struct exitpt_objlock_list	*l;

	ipctest_cleanup();
	ipcdir_init();
	is_int(ipctest_as_nobody(nobody_lock_once, NULL), 0,
	    "nobody has a lock table");
	is_int(forge_lock_entry(0, LOCK_PENDING, 0, "ORDERS"), 0,
	    "nobody forges a claim of pid 0");
	is_int(exitpt_objlock_lock("ORDERS", EXITPT_LOCK_EXCL, 0), 0,
	    "lock_entry_of_no_process_blocks_nothing");
	exitpt_objlock_unlock("ORDERS", EXITPT_LOCK_EXCL);
	exitpt_objlock_list_get(&l);
	ok(exitpt_objlock_list_count(l) == 0 &&
	    exitpt_objlock_list_damaged(l) == 1,
	    "and lock list reports it as damaged: %s",
	    exitpt_objlock_list_damaged(l) > 0 ?
	    exitpt_objlock_list_damage(l, 0) : "nothing");
	exitpt_objlock_list_free(l);
}

/*
 * Case 6: read permission never gives write: the file's mode is the
 * object's, and the kernel enforces it.
 */
static void
test_read_is_write(void)
{
	pid_t	pid;

	if (exitpt_dtaq_create("ro", EXITPT_DTAQ_FIFO, 16, 0, 4, 0,
	    0644) != 0)
		tap_bail("queue");
	if ((pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		struct exitpt_dtaq	*q;
		char			 path[PATH_MAX];

		if (setgid(IPCTEST_NOBODY) == -1 ||
		    setuid(IPCTEST_NOBODY) == -1)
			_exit(10);
		if (exitpt_dtaq_open("ro", &q) != 0)
			_exit(11);
		if (exitpt_dtaq_send(q, NULL, 0, "x", 1, 0) != -EACCES)
			_exit(12);
		ipctest_path(path, sizeof(path), "obj/ro");
		if (open(path, O_RDWR) != -1 || errno != EACCES)
			_exit(13);
		if (chmod(path, 0666) != -1)
			_exit(14);
		_exit(0);
	}
	is_int(ipctest_child_status(pid), 0,
	    "read_permission_never_gives_write (send, open, chmod refused)");
	is_int(exitpt_dtaq_create("rw", EXITPT_DTAQ_FIFO, 16, 0, 4, 0, 0622),
	    EXITPT_E_VALUE, "write_without_read_is_refused_not_pretended");
	exitpt_dtaq_delete("ro");
}

int
main(void)
{
	char	prefix[64];

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root to act as user nobody\n");
		return (77);
	}
	snprintf(prefix, sizeof(prefix), "t-hostile%ld", (long)getpid());
	setenv(EXITPT_IPC_PREFIX_ENV, prefix, 1);
	unsetenv(EXITPT_RUNTIME_DIR_ENV);
	ipctest_atexit();
	alarm(90);	/* a hang is a failure, not a stuck test run */
	test_squatting();
	test_forged_holders();
	test_blocking_check();
	test_unchecked_fields();
	test_untimed_waits();
	test_forged_lock_entries();
	test_read_is_write();
	return (tap_done());
}
