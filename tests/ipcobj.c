/*
 * Tests of the typed shared-memory object layer (ipcobj.c): names, wait
 * times, distinct errors, access by another user, the robust consistency
 * lock after a holder's SIGKILL, waits that time out or are woken, holder
 * liveness and listing.
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <grp.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"
#include "ipctest.h"
#include "tap.h"

#define NOBODY_UID	65534
#define NOBODY_GID	65534

struct counter {
	uint32_t	value;
	uint32_t	dirty;		/* set while a change is half made */
};

static char	prefix[64];

static int	 counter_init(void *, size_t, void *);

static int	 as_nobody(int, const char *, int, int);
static void	 test_names(void);
static void	 test_wait_parse(void);
static void	 test_errors(void);
static void	 test_access(void);
static void	 test_robust_lock(void);
static void	 test_waits(void);
static void	 test_proc(void);
static void	 test_list_and_unlink(void);

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

/*
 * In a child running as nobody, open an object with an access (and take
 * its lock if trylock) and return the error code it got.
 */
static int
as_nobody(int type, const char *name, int access, int trylock)
{
	struct ipcobj	*o;
	pid_t		 pid;
	int		 status, error;

	if ((pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		if (setgroups(0, NULL) == -1 || setgid(NOBODY_GID) == -1 ||
		    setuid(NOBODY_UID) == -1)
			_exit(255);
		error = ipcobj_open(type, name, access, &o);
		if (error == 0 && trylock && (error = ipcobj_lock(o)) >= 0) {
			ipcobj_unlock(o);
			error = 0;
		}
		if (o != NULL)
			ipcobj_close(o);
		switch (error) {
		case 0:
			_exit(0);
		case -EACCES:
			_exit(1);
		case -ENOENT:
			_exit(2);
		default:
			_exit(3);
		}
	}
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status))
		tap_bail("waitpid");
	switch (WEXITSTATUS(status)) {
	case 0:
		return (0);
	case 1:
		return (-EACCES);
	case 2:
		return (-ENOENT);
	case 255:
		tap_bail("cannot become nobody");
	}
	return (-EIO);
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
	is_int(ipcobj_create(IPCOBJ_DTAQ, "../x", 0600, 8, 0, NULL, NULL, &o),
	    EXITPT_E_NAME, "bad_name_never_reaches_shm_create");
	is_int(ipcobj_open(IPCOBJ_DTAQ, "a/b", IPCOBJ_READ, &o),
	    EXITPT_E_NAME, "bad_name_never_reaches_shm_open");
	setenv(EXITPT_IPC_PREFIX_ENV, "bad/prefix", 1);
	is_int(ipcobj_open(IPCOBJ_DTAQ, "q", IPCOBJ_READ, &o), EXITPT_E_NAME,
	    "invalid_prefix_from_environment_is_refused");
	setenv(EXITPT_IPC_PREFIX_ENV, prefix, 1);
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
	struct counter	*c;
	uint32_t	 v = 42;

	is_int(ipcobj_open(IPCOBJ_DTAQ, "missing", IPCOBJ_READ, &o), -ENOENT,
	    "using_a_missing_object_is_ENOENT");
	is_int(ipcobj_create(IPCOBJ_DTAQ, "q1", 0600, sizeof(*c), 0,
	    counter_init, &v, &o), 0, "create_object");
	c = ipcobj_data(o);
	is_int(c->value, 42, "init_callback_filled_the_data");
	is_int(ipcobj_size(o), sizeof(*c), "size_recorded");
	is_str(ipcobj_name(o), "q1", "name_recorded");
	is_int(ipcobj_owner(o), geteuid(), "owner_recorded");
	is_int(ipcobj_mode(o), 0600, "mode_recorded");
	is_int(ipcobj_create(IPCOBJ_DTAQ, "q1", 0600, sizeof(*c), 0, NULL,
	    NULL, &o2), -EEXIST, "creating_an_existing_object_is_EEXIST");
	is_int(ipcobj_create(IPCOBJ_DTAARA, "q1", 0600, sizeof(*c), 0, NULL,
	    NULL, &o2), -EEXIST, "namespace_shared_by_dtaq_and_dtaara");
	is_int(ipcobj_open(IPCOBJ_DTAARA, "q1", IPCOBJ_READ, &o2),
	    EXITPT_E_TYPE, "opening_as_another_type_is_E_TYPE");
	is_int(ipcobj_open(IPCOBJ_DTAQ, "q1", IPCOBJ_READ | IPCOBJ_WRITE,
	    &o2), 0, "open_existing");
	if (o2 != NULL) {
		is_int(((struct counter *)ipcobj_data(o2))->value, 42,
		    "second_mapping_sees_the_data");
		ipcobj_close(o2);
	}
	is_int(ipcobj_create(IPCOBJ_DTAQ, "big", 0600, IPCOBJ_SIZE_MAX + 1,
	    0, NULL, NULL, &o2), EXITPT_E_TOO_LONG,
	    "too_large_object_is_E_TOO_LONG");
	is_int(ipcobj_create(IPCOBJ_DTAQ, "small", 0600, 2, 0,
	    counter_init, &v, &o2), EXITPT_E_TOO_LONG,
	    "init_failure_is_returned");
	is_int(ipcobj_open(IPCOBJ_DTAQ, "small", IPCOBJ_READ, &o2), -ENOENT,
	    "failed_create_leaves_nothing");
	is_int(ipcobj_create(IPCOBJ_DTAQ, "m", 01777, 8, 0, NULL, NULL,
	    &o2), EXITPT_E_VALUE, "mode_beyond_0666_is_E_VALUE");
	is_int(ipcobj_open_or_create(IPCOBJ_DTAQ, "q1", IPCOBJ_READ, 0600, 8,
	    0, NULL, NULL, &o2), 0, "open_or_create_opens_existing");
	if (o2 != NULL) {
		is_int(ipcobj_size(o2), sizeof(*c),
		    "open_or_create_kept_existing_size");
		ipcobj_close(o2);
	}
	ipcobj_close(o);
}

/* Owner and mode decide who may read and write, as for a file. */
static void
test_access(void)
{
	struct ipcobj	*o;

	ipcobj_create(IPCOBJ_DTAARA, "private", 0600, 8, 0, NULL, NULL, &o);
	ipcobj_close(o);
	ipcobj_create(IPCOBJ_DTAARA, "readable", 0644, 8, 0, NULL, NULL, &o);
	ipcobj_close(o);
	ipcobj_create(IPCOBJ_DTAARA, "shared", 0666, 8, 0, NULL, NULL, &o);
	ipcobj_close(o);
	ipcobj_create(IPCOBJ_PENDING, "pub", 0644, 8, IPCOBJ_PUBLISH, NULL,
	    NULL, &o);
	ipcobj_close(o);

	is_int(as_nobody(IPCOBJ_DTAARA, "private", IPCOBJ_READ, 0), -EACCES,
	    "other_user_cannot_read_a_0600_object");
	is_int(as_nobody(IPCOBJ_DTAARA, "readable", IPCOBJ_READ, 0), 0,
	    "other_user_reads_a_0644_object");
	is_int(as_nobody(IPCOBJ_DTAARA, "readable", IPCOBJ_WRITE, 0),
	    -EACCES, "other_user_cannot_write_a_0644_object");
	is_int(as_nobody(IPCOBJ_DTAARA, "shared",
	    IPCOBJ_READ | IPCOBJ_WRITE, 0), 0,
	    "other_user_writes_a_0666_object");
	is_int(as_nobody(IPCOBJ_PENDING, "pub", IPCOBJ_READ, 0), 0,
	    "other_user_reads_a_published_object");
	is_int(as_nobody(IPCOBJ_PENDING, "pub", IPCOBJ_WRITE, 0), -EACCES,
	    "other_user_cannot_write_a_published_object");
	is_int(as_nobody(IPCOBJ_DTAARA, "nothere", IPCOBJ_READ, 0), -ENOENT,
	    "missing_object_is_ENOENT_for_others_too");
	is_int(as_nobody(IPCOBJ_PENDING, "pub", IPCOBJ_READ, 1), -EACCES,
	    "read_only_handle_cannot_lock");
	is_int(as_nobody(IPCOBJ_DTAARA, "shared", IPCOBJ_WRITE, 1), 0,
	    "other_user_locks_a_0666_object");
}

/*
 * A holder killed in the middle of a change leaves the lock to the next
 * locker, which is told to repair.
 */
static void
test_robust_lock(void)
{
	struct ipcobj	*o;
	struct counter	*c;
	struct pollfd	 pfd;
	uint32_t	 v = 0;
	pid_t		 pid;
	int		 p[2], status, rv;
	char		 b;

	if (ipcobj_create(IPCOBJ_LOCKTAB, "robust", 0600, sizeof(*c), 0,
	    counter_init, &v, &o) != 0)
		tap_bail("create robust");
	c = ipcobj_data(o);
	if (pipe(p) == -1 || (pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		struct ipcobj	*co;

		close(p[0]);
		if (ipcobj_open(IPCOBJ_LOCKTAB, "robust", IPCOBJ_WRITE,
		    &co) != 0 || ipcobj_lock(co) != 0)
			_exit(1);
		((struct counter *)ipcobj_data(co))->dirty = 1;
		write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	close(p[1]);
	is_int(read(p[0], &b, 1), 1, "child_holds_the_lock");
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(p[0]);
	rv = ipcobj_lock(o);
	is_int(rv, 1, "lock_after_holder_sigkill_reports_owner_dead");
	ok(c->dirty == 1, "half_made_change_visible_for_repair");
	c->dirty = 0;
	ipcobj_unlock(o);
	is_int(ipcobj_lock(o), 0, "lock_is_consistent_after_repair");
	ipcobj_unlock(o);

	/* A second killed holder, while we wait on the lock. */
	if (pipe(p) == -1 || (pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		close(p[0]);
		if (ipcobj_lock(o) != 0)
			_exit(1);
		write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	poll(&pfd, 1, 5000);
	read(p[0], &b, 1);
	close(p[0]);
	kill(pid, SIGKILL);
	is_int(ipcobj_lock(o), 1,
	    "blocked_locker_takes_over_from_killed_holder");
	ipcobj_unlock(o);
	waitpid(pid, &status, 0);
	ipcobj_close(o);
}

/* A wait times out on time, is woken by a change, and sees deletion. */
static void
test_waits(void)
{
	struct ipcobj_deadline	 d, cap;
	struct ipcobj		*o;
	uint32_t		 seq;
	double			 t0, el;
	pid_t			 pid;
	int			 status, rv;

	if (ipcobj_create(IPCOBJ_DTAQ, "waitq", 0600, 8, 0, NULL, NULL,
	    &o) != 0)
		tap_bail("create waitq");
	is_int(ipcobj_deadline_set(&d, NAN), EXITPT_E_VALUE,
	    "nan_wait_is_E_VALUE");
	is_int(ipcobj_deadline_set(&d, 1e6), EXITPT_E_VALUE,
	    "too_long_wait_is_E_VALUE");
	ipcobj_deadline_set(&d, EXITPT_WAIT_NOWAIT);
	seq = ipcobj_seq(o);
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
	seq = ipcobj_seq(o);
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
	while ((rv = ipcobj_wait(o, seq, &d)) == 0 && ipcobj_seq(o) == seq)
		continue;
	el = ipctest_now() - t0;
	ok(rv == 0 && ipcobj_seq(o) != seq && el < 5,
	    "wait_is_woken_by_a_change (%.3f s)", el);
	waitpid(pid, &status, 0);

	/* A change made before the wait starts is not missed. */
	seq = ipcobj_seq(o);
	ipcobj_notify(o);
	ipcobj_deadline_set(&d, 5);
	t0 = ipctest_now();
	rv = ipcobj_wait(o, seq, &d);
	ok(rv == 0 && ipctest_now() - t0 < 1, "change_before_wait_is_not_missed");

	/* Deletion wakes waiters with ENOENT. */
	seq = ipcobj_seq(o);
	if ((pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		struct timespec	ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		_exit(ipcobj_unlink(IPCOBJ_DTAQ, "waitq") == 0 ? 0 : 1);
	}
	ipcobj_deadline_set(&d, 10);
	while ((rv = ipcobj_wait(o, seq, &d)) == 0)
		seq = ipcobj_seq(o);
	is_int(rv, -ENOENT, "deletion_wakes_waiters_with_ENOENT");
	ok(ipcobj_deleted(o), "handle_sees_deletion");
	is_int(ipcobj_lock(o), -ENOENT, "lock_of_deleted_object_is_ENOENT");
	waitpid(pid, &status, 0);
	ipcobj_close(o);
	is_int(ipcobj_open(IPCOBJ_DTAQ, "waitq", IPCOBJ_READ, &o), -ENOENT,
	    "deleted_object_is_gone");
}

/* A recorded holder is alive only while the very same process runs. */
static void
test_proc(void)
{
	struct ipcobj_proc	self, child, fake;
	pid_t			pid;
	int			status, p[2];
	char			b;

	is_int(ipcobj_proc_self(&self), 0, "own_identity");
	is_int(self.pid, getpid(), "own_pid");
	ok(ipcobj_proc_alive(&self), "self_is_alive");
	fake = self;
	fake.start++;
	ok(!ipcobj_proc_alive(&fake), "reused_pid_with_other_start_is_dead");
	if (pipe(p) == -1 || (pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		struct ipcobj_proc	me;

		/* Live until the parent has read our identity. */
		close(p[1]);
		ipcobj_proc_self(&me);
		read(p[0], &b, 1);
		_exit(me.pid == getpid() ? 0 : 1);
	}
	close(p[0]);
	is_int(ipcobj_proc_get(pid, &child), 0, "child_identity");
	close(p[1]);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "cached_identity_is_renewed_after_fork");
	ok(!ipcobj_proc_alive(&child), "exited_process_is_dead");
	is_int(ipcobj_proc_get(-1, &child), -ESRCH, "bad_pid_is_ESRCH");
}

/* Listing shows a type's objects only, sorted; unlink removes them. */
static void
test_list_and_unlink(void)
{
	struct ipcobj	*o;
	char		**names;
	size_t		  n;

	ipctest_cleanup();
	ipcobj_create(IPCOBJ_DTAQ, "zq", 0600, 8, 0, NULL, NULL, &o);
	ipcobj_close(o);
	ipcobj_create(IPCOBJ_DTAQ, "aq", 0600, 8, 0, NULL, NULL, &o);
	ipcobj_close(o);
	ipcobj_create(IPCOBJ_DTAARA, "area", 0600, 8, 0, NULL, NULL, &o);
	ipcobj_close(o);
	is_int(ipcobj_list(IPCOBJ_DTAQ, &names, &n), 0, "list");
	ok(n == 2 && strcmp(names[0], "aq") == 0 &&
	    strcmp(names[1], "zq") == 0,
	    "list_shows_only_that_type_sorted");
	ipcobj_list_free(names, n);
	is_int(ipcobj_unlink(IPCOBJ_DTAARA, "aq"), EXITPT_E_TYPE,
	    "unlink_of_wrong_type_is_E_TYPE");
	is_int(ipcobj_unlink(IPCOBJ_DTAQ, "aq"), 0, "unlink");
	is_int(ipcobj_unlink(IPCOBJ_DTAQ, "aq"), -ENOENT,
	    "unlink_twice_is_ENOENT");
	ipcobj_list(IPCOBJ_DTAQ, &names, &n);
	ok(n == 1 && strcmp(names[0], "zq") == 0, "unlinked_object_unlisted");
	ipcobj_list_free(names, n);
	ipctest_cleanup();
	ipcobj_list(IPCOBJ_DTAARA, &names, &n);
	is_int(n, 0, "cleanup_left_nothing");
	ipcobj_list_free(names, n);
}

int
main(void)
{
	snprintf(prefix, sizeof(prefix), "t-ipcobj%ld", (long)getpid());
	setenv(EXITPT_IPC_PREFIX_ENV, prefix, 1);
	ipctest_atexit();
	alarm(60);	/* a deadlock fails the test instead of hanging make */
	test_names();
	test_wait_parse();
	test_errors();
	if (geteuid() == 0)
		test_access();
	else
		ok(1, "# SKIP access tests need root to become nobody");
	test_robust_lock();
	test_waits();
	test_proc();
	test_list_and_unlink();
	ipctest_cleanup();
	return (tap_done());
}
