/*
 * Tests of the typed object layer (ipcdir.c, ipcobj.c, ipcproc.c): names
 * and wait times, the runtime directory and who it trusts, distinct
 * errors, access decided by the kernel from the file's mode, which
 * handles map an object and which never do, the lock after its holder's
 * SIGKILL or a forged holder, a file cut short under a handle, waits that
 * time out or are woken, holder identity, listing.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"
#include "ipctest.h"
#include "tap.h"

#define NOBODY_UID	IPCTEST_NOBODY
#define NOBODY_GID	IPCTEST_NOBODY
#define LOCK_OFF	128	/* the data; the header's words lie before */

struct counter {
	uint32_t	value;
	uint32_t	dirty;		/* set while a change is half made */
};

static char	prefix[64];

static int	 counter_init(void *, size_t, void *);
static int	 nobody_open(void *);
static int	 nobody_lock(void *);
static int	 nobody_squat(void *);
static int	 nobody_trusted(void *);
static int	 hdr_word(const char *, size_t, uint32_t);
static void	 test_names(void);
static void	 test_wait_parse(void);
static void	 test_errors(void);
static void	 test_runtime_dir(void);
static void	 test_access(void);
static void	 test_lock(void);
static void	 test_truncated(void);
static void	 test_waits(void);
static void	 test_proc(void);
static void	 test_list_and_unlink(void);

/* What a child running as nobody does to an object. */
struct nobody_op {
	int		 type;
	int		 where;
	const char	*name;
	int		 access;
};

/* Fill a new counter object with the value passed in arg. */
static int
counter_init(void *data, size_t size, void *arg)
{
	struct counter	*c = data;

	if (size < sizeof(*c))
		return (EXITPT_E_TOO_LONG);
	c->value = *(uint32_t *)arg;
	return (0);
}

/* As nobody: open an object with an access. */
static int
nobody_open(void *arg)
{
	struct nobody_op	*op = arg;
	struct ipcobj		*o;
	int			 error;

	if ((error = ipcobj_open(op->type, op->where, op->name, op->access,
	    &o)) == 0)
		ipcobj_close(o);
	return (error);
}

/* As nobody: open an object for writing and take its lock. */
static int
nobody_lock(void *arg)
{
	struct ipcobj_deadline	 d;
	struct nobody_op	*op = arg;
	struct ipcobj		*o;
	int			 error;

	if ((error = ipcobj_open(op->type, op->where, op->name, op->access,
	    &o)) != 0)
		return (error);
	ipcobj_deadline_set(&d, 1);
	if ((error = ipcobj_lock(o, &d)) == 0)
		ipcobj_unlock(o);
	ipcobj_close(o);
	return (error);
}

/* As nobody: 1 if a handle on the object maps it, 0 if not, or error. */
static int
nobody_trusted(void *arg)
{
	struct nobody_op	*op = arg;
	struct ipcobj		*o;
	int			 error;

	if ((error = ipcobj_open(op->type, op->where, op->name, op->access,
	    &o)) != 0)
		return (error);
	error = ipcobj_trusted(o);
	ipcobj_close(o);
	return (error);
}

/* As nobody: make root's user directory name "u/0" first. */
static int
nobody_squat(void *arg)
{
	char	dir[PATH_MAX];

	ipctest_path(dir, sizeof(dir), "u/0");
	return (mkdir(dir, 0755) == 0 ? 0 : -errno);
}

/*
 * Write a 32-bit word into an object file's header at hoff, as a hostile
 * process with write access could.
 */
static int
hdr_word(const char *path, size_t hoff, uint32_t v)
{
	int	fd, rv;

	if ((fd = open(path, O_WRONLY)) == -1)
		return (-1);
	rv = pwrite(fd, &v, sizeof(v), (off_t)hoff) == sizeof(v) ? 0 : -1;
	close(fd);
	return (rv);
}

/* Name rules: what is allowed, what is EXITPT_E_NAME. */
static void
test_names(void)
{
	static const struct {
		const char	*name;
		int		 want;
	} t[] = {
		{ "payroll", 0 },
		{ "A", 0 },
		{ "Q_1.$#@-x", 0 },
		{ "abcdefghijklmnopqrstuvwxyz012345", 0 },	/* 32 */
		{ "abcdefghijklmnopqrstuvwxyz0123456", EXITPT_E_NAME },
		{ "", EXITPT_E_NAME },
		{ ".hidden", EXITPT_E_NAME },
		{ "-opt", EXITPT_E_NAME },
		{ "..", EXITPT_E_NAME },
		{ "a/b", EXITPT_E_NAME },
		{ "../../etc/passwd", EXITPT_E_NAME },
		{ "sp ace", EXITPT_E_NAME },
		{ "tab\t", EXITPT_E_NAME },
		{ "caf\xc3\xa9", EXITPT_E_NAME },
	};
	struct ipcobj	*o;
	size_t		 i;

	for (i = 0; i < nitems(t); i++)
		is_int(exitpt_ipc_name_check(t[i].name), t[i].want,
		    "name_rules: '%s'", t[i].name);
	is_int(exitpt_ipc_name_check(NULL), EXITPT_E_NAME,
	    "name_rules: NULL is not a name");
	is_int(ipcobj_create(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "../x", 0600, 8,
	    NULL, NULL, &o), EXITPT_E_NAME, "bad_name_never_reaches_create");
	is_int(ipcobj_open(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "a/b", IPCOBJ_READ,
	    &o), EXITPT_E_NAME, "bad_name_never_reaches_open");
	setenv(EXITPT_IPC_PREFIX_ENV, "bad/prefix", 1);
	is_int(ipcobj_open(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "q", IPCOBJ_READ, &o),
	    EXITPT_E_RUNTIME_DIR, "invalid_prefix_from_environment_is_refused");
	setenv(EXITPT_IPC_PREFIX_ENV, prefix, 1);
	setenv(EXITPT_RUNTIME_DIR_ENV, "relative/dir", 1);
	is_int(ipcobj_open(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "q", IPCOBJ_READ, &o),
	    EXITPT_E_RUNTIME_DIR, "relative_runtime_dir_is_refused");
	unsetenv(EXITPT_RUNTIME_DIR_ENV);
}

/* Wait times as text. */
static void
test_wait_parse(void)
{
	static const struct {
		const char	*text;
		int		 want;
		double		 wait;
	} t[] = {
		{ "forever", 0, EXITPT_WAIT_FOREVER },
		{ "*nomax", 0, EXITPT_WAIT_FOREVER },
		{ "-1", 0, EXITPT_WAIT_FOREVER },
		{ "none", 0, EXITPT_WAIT_NOWAIT },
		{ "0", 0, 0.0 },
		{ "2.5", 0, 2.5 },
		{ "0.001", 0, 0.001 },
		{ "99999", 0, 99999.0 },
		{ "100000", EXITPT_E_VALUE, 0 },
		{ "", EXITPT_E_VALUE, 0 },
		{ "nan", EXITPT_E_VALUE, 0 },
		{ "inf", EXITPT_E_VALUE, 0 },
		{ "0x10", EXITPT_E_VALUE, 0 },
		{ "1e3", EXITPT_E_VALUE, 0 },
		{ "5s", EXITPT_E_VALUE, 0 },
		{ "1.2.3", EXITPT_E_VALUE, 0 },
	};
	double	w;
	size_t	i;
	int	rv;

	for (i = 0; i < nitems(t); i++) {
		w = 12345;
		rv = exitpt_ipc_wait_parse(t[i].text, &w);
		ok(rv == t[i].want && (rv != 0 || w == t[i].wait),
		    "wait_parse: '%s' -> %d %g", t[i].text, rv, w);
	}
}

/* Each misuse has its own error. */
static void
test_errors(void)
{
	struct ipcobj	*o, *o2;
	struct counter	 c;
	uint32_t	 v = 42;

	is_int(ipcobj_open(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "missing",
	    IPCOBJ_READ, &o), -ENOENT, "using_a_missing_object_is_ENOENT");
	is_int(ipcobj_create(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "q1", 0600,
	    sizeof(c), counter_init, &v, &o), 0, "create_object");
	ipcobj_get(o, 0, &c, sizeof(c));
	is_int(c.value, 42, "init_callback_filled_the_data");
	is_int(ipcobj_size(o), sizeof(c), "size_recorded");
	is_str(ipcobj_name(o), "q1", "name_recorded");
	is_int(ipcobj_owner(o), geteuid(), "owner_is_the_files");
	is_int(ipcobj_mode(o), 0600, "mode_is_the_files");
	ok(ipcobj_trusted(o), "own_private_object_is_mapped");
	is_int(ipcobj_create(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "q1", 0600,
	    sizeof(c), NULL, NULL, &o2), -EEXIST,
	    "creating_an_existing_object_is_EEXIST");
	is_int(ipcobj_create(IPCOBJ_DTAARA, IPCDIR_OBJECTS, "q1", 0600,
	    sizeof(c), NULL, NULL, &o2), -EEXIST,
	    "namespace_shared_by_dtaq_and_dtaara");
	is_int(ipcobj_open(IPCOBJ_DTAARA, IPCDIR_OBJECTS, "q1", IPCOBJ_READ,
	    &o2), EXITPT_E_TYPE, "opening_as_another_type_is_E_TYPE");
	is_int(ipcobj_open(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "q1",
	    IPCOBJ_READ | IPCOBJ_WRITE, &o2), 0, "open_existing");
	if (o2 != NULL) {
		ipcobj_get(o2, 0, &c, sizeof(c));
		is_int(c.value, 42, "second_handle_sees_the_data");
		ok(ipcobj_get(o2, 4, &c, sizeof(c)) == EXITPT_E_DAMAGED,
		    "read_past_the_end_is_refused");
		ipcobj_close(o2);
	}
	is_int(ipcobj_create(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "big", 0600,
	    IPCOBJ_SIZE_MAX + 1, NULL, NULL, &o2), EXITPT_E_VALUE,
	    "too_large_object_is_E_VALUE");
	is_int(ipcobj_create(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "small", 0600, 2,
	    counter_init, &v, &o2), EXITPT_E_TOO_LONG,
	    "init_failure_is_returned");
	is_int(ipcobj_open(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "small", IPCOBJ_READ,
	    &o2), -ENOENT, "failed_create_leaves_nothing");
	is_int(ipcobj_create(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "m", 01777, 8,
	    NULL, NULL, &o2), EXITPT_E_VALUE, "mode_beyond_0666_is_E_VALUE");
	is_int(ipcobj_create(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "m", 0622, 8,
	    NULL, NULL, &o2), EXITPT_E_VALUE,
	    "write_without_read_is_refused_not_pretended");
	is_int(ipcobj_open_or_create(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "q1",
	    IPCOBJ_READ, 0600, 8, NULL, NULL, &o2), 0,
	    "open_or_create_opens_existing");
	if (o2 != NULL) {
		is_int(ipcobj_size(o2), sizeof(c),
		    "open_or_create_kept_existing_size");
		ipcobj_close(o2);
	}
	ipcobj_close(o);
}

/*
 * The runtime directory is trusted only if its owner is root (or the
 * caller) and nobody else can write it; it is never a symbolic link; a
 * user's directory counts only if that user owns it.
 */
static void
test_runtime_dir(void)
{
	struct ipcdir_user	*u;
	struct ipcobj		*o;
	struct stat		 st;
	char			 path[PATH_MAX], alt[PATH_MAX + 16];
	size_t			 n, i;
	int			 fd, squat_seen = 0;

	ipctest_path(path, sizeof(path), "");
	path[strlen(path) - 1] = '\0';
	ok(ipcdir_init() == 0 && stat(path, &st) == 0 &&
	    (st.st_mode & 07777) == 0755, "runtime_dir_is_0755");
	snprintf(alt, sizeof(alt), "%s/u", path);
	ok(stat(alt, &st) == 0 && (st.st_mode & 07777) == 01777,
	    "users_dir_is_sticky_and_open_to_all");
	snprintf(alt, sizeof(alt), "%s/obj", path);
	ok(stat(alt, &st) == 0 && (st.st_mode & 07777) == 01777,
	    "objects_dir_is_sticky_and_open_to_all");

	/* Another place, set up wrongly in each way. */
	snprintf(alt, sizeof(alt), "%s.alt", path);
	setenv(EXITPT_RUNTIME_DIR_ENV, alt, 1);
	mkdir(alt, 0777);
	chmod(alt, 0777);
	is_int(ipcdir_get(IPCDIR_ROOT, &fd), EXITPT_E_RUNTIME_DIR,
	    "world_writable_runtime_dir_is_refused");
	ok(strstr(exitpt_ipc_detail(), "writable by others") != NULL,
	    "and the detail says why: %s", exitpt_ipc_detail());
	if (geteuid() == 0) {
		chmod(alt, 0755);
		chown(alt, NOBODY_UID, NOBODY_GID);
		is_int(ipcdir_get(IPCDIR_ROOT, &fd), EXITPT_E_RUNTIME_DIR,
		    "root_refuses_a_runtime_dir_another_user_owns");
		chown(alt, 0, 0);
	} else
		ok(1, "# SKIP needs root to give a directory away");
	rmdir(alt);
	if (symlink(path, alt) == 0) {
		is_int(ipcdir_get(IPCDIR_ROOT, &fd), EXITPT_E_RUNTIME_DIR,
		    "a_symlink_as_runtime_dir_is_refused");
		unlink(alt);
	}
	unsetenv(EXITPT_RUNTIME_DIR_ENV);

	if (geteuid() != 0) {
		ok(1, "# SKIP squatting needs root and nobody");
		return;
	}
	/* nobody takes "u/0" before root: root's own directory is elsewhere. */
	ipctest_cleanup();
	ipcdir_init();
	is_int(ipctest_as_nobody(nobody_squat, NULL), 0,
	    "another_user_may_create_u_0");
	is_int(ipcobj_create(IPCOBJ_LOCKTAB, IPCDIR_SELF, "locks", 0644, 64,
	    NULL, NULL, &o), 0, "root_still_gets_a_directory_of_its_own");
	ipcobj_close(o);
	is_int(ipcdir_users(0, &u, &n), 0, "list_roots_directories");
	for (i = 0; i < n; i++)
		squat_seen |= strcmp(u[i].name, "0") == 0;
	ok(n == 1 && !squat_seen && strncmp(u[0].name, "0.", 2) == 0,
	    "squatted_u_0_is_not_roots_and_root_uses_0_random (%s)",
	    n > 0 ? u[0].name : "none");
	ipcdir_users_free(u, n);
}

/* The kernel decides who may open what, from the file's mode. */
static void
test_access(void)
{
	struct nobody_op	 op = { IPCOBJ_DTAARA, IPCDIR_OBJECTS, NULL, 0 };
	struct ipcobj		*o;

	ipcobj_create(IPCOBJ_DTAARA, IPCDIR_OBJECTS, "private", 0600, 8,
	    NULL, NULL, &o);
	ipcobj_close(o);
	ipcobj_create(IPCOBJ_DTAARA, IPCDIR_OBJECTS, "readable", 0644, 8,
	    NULL, NULL, &o);
	ipcobj_close(o);
	ipcobj_create(IPCOBJ_DTAARA, IPCDIR_OBJECTS, "shared", 0666, 8, NULL,
	    NULL, &o);
	ok(o != NULL && !ipcobj_trusted(o),
	    "an_object_others_can_write_is_never_mapped_even_by_its_owner");
	ipcobj_close(o);

	op.name = "private";
	op.access = IPCOBJ_READ;
	is_int(ipctest_as_nobody(nobody_open, &op), -EACCES,
	    "other_user_cannot_read_a_0600_object");
	op.name = "readable";
	is_int(ipctest_as_nobody(nobody_open, &op), 0,
	    "other_user_reads_a_0644_object");
	is_int(ipctest_as_nobody(nobody_trusted, &op), 1,
	    "roots_0644_object_is_mapped_read_only_by_others");
	op.access = IPCOBJ_WRITE;
	is_int(ipctest_as_nobody(nobody_open, &op), -EACCES,
	    "other_user_cannot_write_a_0644_object");
	op.access = IPCOBJ_READ;
	is_int(ipctest_as_nobody(nobody_lock, &op), -EACCES,
	    "read_only_handle_cannot_lock");
	op.name = "shared";
	op.access = IPCOBJ_READ | IPCOBJ_WRITE;
	is_int(ipctest_as_nobody(nobody_open, &op), 0,
	    "other_user_writes_a_0666_object");
	is_int(ipctest_as_nobody(nobody_lock, &op), 0,
	    "other_user_locks_a_0666_object_with_system_calls");
	op.name = "nothere";
	op.access = IPCOBJ_READ;
	is_int(ipctest_as_nobody(nobody_open, &op), -ENOENT,
	    "missing_object_is_ENOENT_for_others_too");
}

/*
 * The lock: taken over from a holder killed while it held it, by a
 * mapped handle and by one that only uses system calls; handed over by
 * the kernel to a blocked locker; never held longer than the wait (or the
 * grace time) by a forged holder.
 */
static void
test_lock(void)
{
	struct ipcobj_deadline	 d;
	struct ipcobj		*o, *u;
	char			 path[PATH_MAX + 16];
	double			 t0, el;
	pid_t			 pid;
	int			 p[2], status;
	char			 b;

	if (ipcobj_create(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "lk", 0600, 8, NULL,
	    NULL, &o) != 0)
		tap_bail("create lk");
	ipctest_path(path, sizeof(path), "obj/lk");
	ipcobj_deadline_set(&d, 5);
	if (pipe(p) == -1 || (pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		close(p[0]);
		if (ipcobj_lock(o, &d) != 0)
			_exit(1);
		write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	close(p[1]);
	is_int(read(p[0], &b, 1), 1, "child_holds_the_lock");
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(p[0]);
	t0 = ipctest_now();
	is_int(ipcobj_lock(o, &d), 0,
	    "lock_taken_over_from_a_holder_killed_alone");
	ok(ipctest_now() - t0 < 1, "at once (%.3f s)", ipctest_now() - t0);
	ipcobj_unlock(o);

	/* The same, through system calls only (as root on others' objects). */
	if (ipcobj_create(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "lku", 0666, 8, NULL,
	    NULL, &u) != 0)
		tap_bail("create lku");
	ok(!ipcobj_trusted(u), "0666_object_uses_system_calls");
	if (pipe(p) == -1 || (pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		close(p[0]);
		if (ipcobj_lock(u, &d) != 0)
			_exit(1);
		write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	close(p[1]);
	read(p[0], &b, 1);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(p[0]);
	is_int(ipcobj_lock(u, &d), 0,
	    "unmapped_handle_takes_over_from_a_killed_holder");
	ipcobj_unlock(u);

	/* A killed holder while we are blocked: the kernel hands it over. */
	if (pipe(p) == -1 || (pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		struct timespec	ts = { 0, 200 * 1000 * 1000 };

		close(p[0]);
		if (ipcobj_lock(o, &d) != 0)
			_exit(1);
		write(p[1], "x", 1);
		nanosleep(&ts, NULL);
		kill(getpid(), SIGKILL);
	}
	close(p[1]);
	read(p[0], &b, 1);
	close(p[0]);
	t0 = ipctest_now();
	is_int(ipcobj_lock(o, &d), 0,
	    "blocked_locker_gets_the_lock_of_a_killed_holder");
	el = ipctest_now() - t0;
	ok(el < 2, "when it dies (%.3f s)", el);
	ipcobj_unlock(o);
	waitpid(pid, &status, 0);

	/* A holder forged as a live process (pid 1): bounded by the wait. */
	is_int(hdr_word(path, 72, 1), 0, "forge_the_lock_word_as_pid_1");
	ipcobj_deadline_set(&d, EXITPT_WAIT_NOWAIT);
	t0 = ipctest_now();
	is_int(ipcobj_lock(o, &d), EXITPT_E_TIMEOUT,
	    "a_forged_live_holder_costs_a_timeout_not_a_hang");
	el = ipctest_now() - t0;
	ok(el < 0.5, "wait_0_answers_within_the_grace_time (%.3f s)", el);
	ipcobj_deadline_set(&d, 0.4);
	t0 = ipctest_now();
	is_int(ipcobj_lock(o, &d), EXITPT_E_TIMEOUT, "and with a wait");
	el = ipctest_now() - t0;
	ok(el >= 0.39 && el < 1.0, "which it honours (%.3f s)", el);
	/* Forged as a thread id that does not exist: repaired. */
	is_int(hdr_word(path, 72, 0x3ffffff0), 0,
	    "forge_the_lock_word_as_no_thread");
	ipcobj_deadline_set(&d, 1);
	is_int(ipcobj_lock(o, &d), 0, "a_forged_dead_holder_is_cleared");
	ipcobj_unlock(o);
	ipcobj_close(u);
	ipcobj_close(o);
}

/*
 * A file cut short under a handle that does not map it is an error, not
 * SIGBUS: pread comes back short, futex calls fail with EFAULT.
 */
static void
test_truncated(void)
{
	struct ipcobj_deadline	 d;
	struct ipcobj		*o;
	char			 path[PATH_MAX + 16], buf[64];
	uint32_t		 seq;

	if (ipcobj_create(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "cut", 0666, 4096,
	    NULL, NULL, &o) != 0)
		tap_bail("create cut");
	ipctest_path(path, sizeof(path), "obj/cut");
	ok(!ipcobj_trusted(o), "shared_object_handle_does_not_map_it");
	truncate(path, 0);
	is_int(ipcobj_get(o, 100, buf, sizeof(buf)), EXITPT_E_DAMAGED,
	    "read_of_a_truncated_object_is_E_DAMAGED");
	ok(strstr(exitpt_ipc_detail(), "data queue cut") != NULL,
	    "detail_names_the_object: %s", exitpt_ipc_detail());
	ipcobj_deadline_set(&d, 0.2);
	is_int(ipcobj_lock(o, &d), EXITPT_E_DAMAGED,
	    "lock_of_a_truncated_object_is_E_DAMAGED");
	is_int(ipcobj_seq(o, &seq), EXITPT_E_DAMAGED,
	    "counter_of_a_truncated_object_is_E_DAMAGED");
	ipcobj_close(o);
	is_int(ipcobj_open(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "cut", IPCOBJ_READ,
	    &o), EXITPT_E_DAMAGED, "a_truncated_object_does_not_open");
	ok(strstr(exitpt_ipc_detail(), "file of 0 bytes") != NULL,
	    "and says why: %s", exitpt_ipc_detail());
	unlink(path);
}

/* A wait times out on time, is woken by a change, and sees deletion. */
static void
test_waits(void)
{
	struct ipcobj_deadline	 d, cap;
	struct ipcobj		*o;
	uint32_t		 seq, now;
	double			 t0, el;
	pid_t			 pid;
	int			 status, rv;

	if (ipcobj_create(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "waitq", 0600, 8, NULL,
	    NULL, &o) != 0)
		tap_bail("create waitq");
	is_int(ipcobj_deadline_set(&d, NAN), EXITPT_E_VALUE,
	    "nan_wait_is_E_VALUE");
	is_int(ipcobj_deadline_set(&d, 1e6), EXITPT_E_VALUE,
	    "too_long_wait_is_E_VALUE");
	ipcobj_deadline_set(&d, EXITPT_WAIT_NOWAIT);
	ipcobj_seq(o, &seq);
	is_int(ipcobj_wait(o, seq, &d), EXITPT_E_TIMEOUT,
	    "nowait_times_out_at_once");

	ipcobj_deadline_set(&d, 0.3);
	t0 = ipctest_now();
	rv = ipcobj_wait(o, seq, &d);
	el = ipctest_now() - t0;
	is_int(rv, EXITPT_E_TIMEOUT, "wait_times_out");
	ok(el >= 0.29 && el < 2.0, "wait_lasted_its_wait_time (%.3f s)", el);

	ipcobj_deadline_set(&d, 30);
	ipcobj_deadline_cap(&d, 100, &cap);
	t0 = ipctest_now();
	rv = ipcobj_wait(o, seq, &cap);
	el = ipctest_now() - t0;
	ok(rv == EXITPT_E_TIMEOUT && el < 1.0,
	    "capped_deadline_returns_early (%.3f s)", el);
	ipcobj_deadline_set(&d, EXITPT_WAIT_FOREVER);
	ok(!ipcobj_deadline_passed(&d), "forever_never_passes");

	/* Woken by another process's change, long before the wait time. */
	ipcobj_seq(o, &seq);
	if ((pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		struct timespec	ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		ipcobj_notify(o);
		_exit(0);
	}
	ipcobj_deadline_set(&d, 10);
	t0 = ipctest_now();
	while ((rv = ipcobj_wait(o, seq, &d)) == 0 &&
	    ipcobj_seq(o, &now) == 0 && now == seq)
		continue;
	el = ipctest_now() - t0;
	ipcobj_seq(o, &now);
	ok(rv == 0 && now != seq && el < 5,
	    "wait_is_woken_by_a_change (%.3f s)", el);
	waitpid(pid, &status, 0);

	/* A change made before the wait starts is not missed. */
	ipcobj_seq(o, &seq);
	ipcobj_notify(o);
	ipcobj_deadline_set(&d, 5);
	t0 = ipctest_now();
	rv = ipcobj_wait(o, seq, &d);
	ok(rv == 0 && ipctest_now() - t0 < 1, "change_before_wait_is_not_missed");

	/* Deletion wakes waiters with ENOENT. */
	ipcobj_seq(o, &seq);
	if ((pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		struct timespec	ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		_exit(ipcobj_unlink(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "waitq") == 0 ?
		    0 : 1);
	}
	ipcobj_deadline_set(&d, 10);
	while ((rv = ipcobj_wait(o, seq, &d)) == 0)
		ipcobj_seq(o, &seq);
	is_int(rv, -ENOENT, "deletion_wakes_waiters_with_ENOENT");
	ok(ipcobj_deleted(o), "handle_sees_deletion");
	is_int(ipcobj_lock(o, &d), -ENOENT, "lock_of_deleted_object_is_ENOENT");
	waitpid(pid, &status, 0);
	ipcobj_close(o);
	is_int(ipcobj_open(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "waitq", IPCOBJ_READ,
	    &o), -ENOENT, "deleted_object_is_gone");
}

/*
 * A recorded holder is real only while the very same process runs, and
 * only if it belongs to the user whose table names it.
 */
static void
test_proc(void)
{
	struct ipcobj_proc	self, child, fake, init;
	pid_t			pid;
	int			status, p[2];
	char			b;

	is_int(ipcproc_self(&self), 0, "own_identity");
	is_int(self.pid, getpid(), "own_pid");
	ok(ipcproc_alive(&self), "self_is_alive");
	ok(ipcproc_holder(&self, geteuid()), "self_is_a_holder_for_its_user");
	ok(!ipcproc_holder(&self, geteuid() + 1),
	    "but_not_in_another_users_table");
	fake = self;
	fake.start++;
	ok(!ipcproc_alive(&fake), "reused_pid_with_other_start_is_dead");
	if (ipcproc_get(1, &init) == 0)
		ok(!ipcproc_holder(&init, NOBODY_UID),
		    "pid_1_is_no_holder_in_nobodys_table");
	if (pipe(p) == -1 || (pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		struct ipcobj_proc	me;

		/* Live until the parent has read our identity. */
		close(p[1]);
		ipcproc_self(&me);
		read(p[0], &b, 1);
		_exit(me.pid == getpid() && ipcproc_tid() == getpid() ? 0 : 1);
	}
	close(p[0]);
	is_int(ipcproc_get(pid, &child), 0, "child_identity");
	close(p[1]);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "cached_identity_is_renewed_after_fork");
	ok(!ipcproc_alive(&child), "exited_process_is_dead");
	is_int(ipcproc_get(-1, &child), -ESRCH, "bad_pid_is_ESRCH");
}

/* Listing shows a type's objects only, sorted; unlink removes them. */
static void
test_list_and_unlink(void)
{
	struct ipcobj	*o;
	char		**names;
	size_t		  n;

	ipctest_cleanup();
	ipcobj_create(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "zq", 0600, 8, NULL, NULL,
	    &o);
	ipcobj_close(o);
	ipcobj_create(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "aq", 0600, 8, NULL, NULL,
	    &o);
	ipcobj_close(o);
	ipcobj_create(IPCOBJ_DTAARA, IPCDIR_OBJECTS, "area", 0600, 8, NULL,
	    NULL, &o);
	ipcobj_close(o);
	is_int(ipcobj_list(IPCOBJ_DTAQ, &names, &n), 0, "list");
	ok(n == 2 && strcmp(names[0], "aq") == 0 &&
	    strcmp(names[1], "zq") == 0,
	    "list_shows_only_that_type_sorted");
	ipcobj_list_free(names, n);
	is_int(ipcobj_unlink(IPCOBJ_DTAARA, IPCDIR_OBJECTS, "aq"),
	    EXITPT_E_TYPE, "unlink_of_wrong_type_is_E_TYPE");
	is_int(ipcobj_unlink(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "aq"), 0, "unlink");
	is_int(ipcobj_unlink(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "aq"), -ENOENT,
	    "unlink_twice_is_ENOENT");
	ipcobj_list(IPCOBJ_DTAQ, &names, &n);
	ok(n == 1 && strcmp(names[0], "zq") == 0, "unlinked_object_unlisted");
	ipcobj_list_free(names, n);
	ipctest_cleanup();
	is_int(ipcobj_list(IPCOBJ_DTAARA, &names, &n), 0,
	    "list_in_a_fresh_runtime_dir");
	is_int(n, 0, "cleanup_left_nothing");
	ipcobj_list_free(names, n);
}

int
main(void)
{
	snprintf(prefix, sizeof(prefix), "t-ipcobj%ld", (long)getpid());
	setenv(EXITPT_IPC_PREFIX_ENV, prefix, 1);
	unsetenv(EXITPT_RUNTIME_DIR_ENV);
	ipctest_atexit();
	alarm(60);	/* a deadlock fails the test instead of hanging make */
	test_names();
	test_wait_parse();
	test_errors();
	test_runtime_dir();
	if (geteuid() == 0)
		test_access();
	else
		ok(1, "# SKIP access tests need root to become nobody");
	test_lock();
	test_truncated();
	test_waits();
	test_proc();
	test_list_and_unlink();
	ipctest_cleanup();
	return (tap_done());
}
