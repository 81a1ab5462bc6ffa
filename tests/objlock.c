/*
 * Tests of object locks (objlock.c): IBM i's conflict table for all 25
 * pairs, both as a function and between real processes; several states
 * and several takes held by one process; waits that time out and waits
 * that are woken; holders killed by SIGKILL (also while holding the
 * table's mutex); bad names and states; other users.
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <grp.h>
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

#define NOBODY		65534


static pid_t	 holder(const char *, int, int, int);
static int	 held(const char *, int, pid_t);
static void	 test_table(void);
static void	 test_processes(void);
static void	 test_own(void);
static void	 test_waits(void);
static void	 test_sigkill(void);
static void	 test_errors(void);
static void	 test_churn(void);
static void	 churn_worker(int, _Atomic long *);

/*
 * Fork a process (as nobody if asked) that takes a lock state, says so
 * on a pipe, then holds it until killed, or for ms milliseconds before
 * releasing it and exiting (ms > 0).
 */
static pid_t
holder(const char *object, int state, int nobody, int ms)
{
	struct timespec	ts;
	pid_t		pid;
	int		p[2];
	char		b;

	if (pipe(p) == -1 || (pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		close(p[0]);
		if (nobody && (setgroups(0, NULL) == -1 ||
		    setgid(NOBODY) == -1 || setuid(NOBODY) == -1))
			_exit(1);
		if (exitpt_objlock_lock(object, state, 0) != 0)
			_exit(1);
		write(p[1], "x", 1);
		if (ms <= 0) {
			for (;;)
				pause();
		}
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (ms % 1000) * 1000000L;
		nanosleep(&ts, NULL);
		_exit(exitpt_objlock_unlock(object, state) == 0 ? 0 : 1);
	}
	close(p[1]);
	if (read(p[0], &b, 1) != 1)
		tap_bail("holder did not get its lock");
	close(p[0]);
	return (pid);
}

/* Takes of a state on an object listed for pid (0 if none). */
static int
held(const char *object, int state, pid_t pid)
{
	struct exitpt_objlock_list	*l;
	size_t				 i;
	int				 n = 0;

	if (exitpt_objlock_list_get(&l) != 0)
		return (-1);
	for (i = 0; i < exitpt_objlock_list_count(l); i++) {
		if (strcmp(exitpt_objlock_list_object(l, i), object) == 0 &&
		    exitpt_objlock_list_state(l, i) == state &&
		    exitpt_objlock_list_pid(l, i) == pid)
			n = (int)exitpt_objlock_list_takes(l, i);
	}
	exitpt_objlock_list_free(l);
	return (n);
}

/* IBM i's table: held state (rows) against wanted state (columns). */
static const int compat[6][6] = {
	[EXITPT_LOCK_SHRRD] = { 0, 1, 1, 1, 1, 0 },
	[EXITPT_LOCK_SHRUPD] = { 0, 1, 1, 0, 0, 0 },
	[EXITPT_LOCK_SHRNUP] = { 0, 1, 0, 1, 0, 0 },
	[EXITPT_LOCK_EXCLRD] = { 0, 1, 0, 0, 0, 0 },
	[EXITPT_LOCK_EXCL] = { 0, 0, 0, 0, 0, 0 },
};

/* The conflict function matches the table, all 25 pairs. */
static void
test_table(void)
{
	int	h, w;

	for (h = EXITPT_LOCK_SHRRD; h <= EXITPT_LOCK_EXCL; h++) {
		for (w = EXITPT_LOCK_SHRRD; w <= EXITPT_LOCK_EXCL; w++)
			is_int(exitpt_objlock_compatible(h, w), compat[h][w],
			    "compatible(%s held, %s wanted)",
			    exitpt_objlock_state_name(h),
			    exitpt_objlock_state_name(w));
	}
	is_int(exitpt_objlock_compatible(0, 1), 0, "invalid_state_conflicts");
}

/* Between two processes, every pair behaves as the table says. */
static void
test_processes(void)
{
	pid_t	pid;
	int	h, w, rv;

	for (h = EXITPT_LOCK_SHRRD; h <= EXITPT_LOCK_EXCL; h++) {
		for (w = EXITPT_LOCK_SHRRD; w <= EXITPT_LOCK_EXCL; w++) {
			pid = holder("PAIR", h, 0, 0);
			rv = exitpt_objlock_lock("PAIR", w, EXITPT_WAIT_NOWAIT);
			is_int(rv, compat[h][w] ? 0 : EXITPT_E_TIMEOUT,
			    "other_process_holds_%s_then_%s_is_%s",
			    exitpt_objlock_state_name(h) + 1,
			    exitpt_objlock_state_name(w) + 1,
			    compat[h][w] ? "granted" : "refused");
			if (rv == 0)
				exitpt_objlock_unlock("PAIR", w);
			ipctest_reap(pid);
		}
	}
}

/* A process holds several states and takes, released one by one. */
static void
test_own(void)
{
	pid_t	me = getpid(), pid;

	is_int(exitpt_objlock_lock("OWN", EXITPT_LOCK_EXCL, 0), 0,
	    "take_excl");
	is_int(exitpt_objlock_lock("OWN", EXITPT_LOCK_EXCLRD, 0), 0,
	    "own_excl_does_not_block_own_exclrd");
	is_int(exitpt_objlock_lock("OWN", EXITPT_LOCK_SHRRD, 0), 0,
	    "own_locks_never_conflict");
	is_int(exitpt_objlock_unlock("OWN", EXITPT_LOCK_EXCL), 0,
	    "release_excl_alone");
	ok(held("OWN", EXITPT_LOCK_EXCL, me) == 0 &&
	    held("OWN", EXITPT_LOCK_EXCLRD, me) == 1 &&
	    held("OWN", EXITPT_LOCK_SHRRD, me) == 1,
	    "other_states_still_held");
	if ((pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0)
		_exit(exitpt_objlock_lock("OWN", EXITPT_LOCK_SHRRD, 0) == 0 &&
		    exitpt_objlock_lock("OWN", EXITPT_LOCK_SHRUPD, 0) ==
		    EXITPT_E_TIMEOUT ? 0 : 1);
	is_int(ipctest_child_status(pid), 0,
	    "others_see_exclrd_allow_only_shrrd");
	exitpt_objlock_unlock("OWN", EXITPT_LOCK_EXCLRD);
	exitpt_objlock_unlock("OWN", EXITPT_LOCK_SHRRD);

	is_int(exitpt_objlock_lock("TAKES", EXITPT_LOCK_SHRUPD, 0), 0,
	    "first_take");
	is_int(exitpt_objlock_lock("TAKES", EXITPT_LOCK_SHRUPD, 0), 0,
	    "second_take");
	is_int(held("TAKES", EXITPT_LOCK_SHRUPD, me), 2, "two_takes_listed");
	is_int(exitpt_objlock_unlock("TAKES", EXITPT_LOCK_SHRUPD), 0,
	    "release_one_take");
	is_int(held("TAKES", EXITPT_LOCK_SHRUPD, me), 1, "one_take_left");
	is_int(exitpt_objlock_unlock("TAKES", EXITPT_LOCK_SHRUPD), 0,
	    "release_last_take");
	is_int(exitpt_objlock_unlock("TAKES", EXITPT_LOCK_SHRUPD),
	    EXITPT_E_NOT_HELD, "release_more_than_taken_is_E_NOT_HELD");
	is_int(held("TAKES", EXITPT_LOCK_SHRUPD, me), 0, "nothing_left");
}

/* Waits time out on time and are woken by a release. */
static void
test_waits(void)
{
	double	t0, el;
	pid_t	pid;
	int	rv;

	pid = holder("W", EXITPT_LOCK_EXCL, 0, 0);
	t0 = ipctest_now();
	rv = exitpt_objlock_lock("W", EXITPT_LOCK_SHRRD, 0.3);
	el = ipctest_now() - t0;
	is_int(rv, EXITPT_E_TIMEOUT, "wait_times_out");
	ok(el >= 0.29 && el < 2, "timed_out_after_its_wait (%.3f s)", el);
	ipctest_reap(pid);

	pid = holder("W2", EXITPT_LOCK_EXCLRD, 0, 200);
	t0 = ipctest_now();
	rv = exitpt_objlock_lock("W2", EXITPT_LOCK_SHRUPD, 10);
	el = ipctest_now() - t0;
	is_int(rv, 0, "waiter_granted_after_release");
	ok(el < 2, "waiter_woken_by_release (%.3f s)", el);
	is_int(ipctest_child_status(pid), 0, "holder_released_cleanly");
	exitpt_objlock_unlock("W2", EXITPT_LOCK_SHRUPD);

	/* A forever wait is granted by a holder's release too. */
	pid = holder("W3", EXITPT_LOCK_EXCL, 0, 100);
	is_int(exitpt_objlock_lock("W3", EXITPT_LOCK_EXCL, EXITPT_WAIT_FOREVER),
	    0, "forever_wait_granted");
	ipctest_child_status(pid);
	exitpt_objlock_unlock("W3", EXITPT_LOCK_EXCL);
}

/* Dead holders release their locks, whatever they were doing. */
static void
test_sigkill(void)
{
	struct ipcobj	*o;
	double		 t0, el;
	pid_t		 pid, killer;
	int		 p[2], rv;
	char		 b;

	pid = holder("K", EXITPT_LOCK_EXCL, 0, 0);
	is_int(held("K", EXITPT_LOCK_EXCL, pid), 1, "holder_listed");
	ipctest_reap(pid);
	is_int(held("K", EXITPT_LOCK_EXCL, pid), 0, "killed_holder_unlisted");
	is_int(exitpt_objlock_lock("K", EXITPT_LOCK_EXCL, 0), 0,
	    "lock_of_killed_holder_granted_at_once");
	exitpt_objlock_unlock("K", EXITPT_LOCK_EXCL);

	/* Killed while we wait for it. */
	pid = holder("K2", EXITPT_LOCK_EXCL, 0, 0);
	if ((killer = fork()) == -1)
		tap_bail("fork");
	if (killer == 0) {
		struct timespec	ts = { 0, 200 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		_exit(0);
	}
	t0 = ipctest_now();
	rv = exitpt_objlock_lock("K2", EXITPT_LOCK_EXCL, 10);
	el = ipctest_now() - t0;
	is_int(rv, 0, "waiter_granted_when_holder_is_killed");
	ok(el < 2, "dead_holder_noticed_promptly (%.3f s)", el);
	ipctest_child_status(killer);
	ipctest_reap(pid);
	exitpt_objlock_unlock("K2", EXITPT_LOCK_EXCL);

	/* Killed while holding its user's table's own lock. */
	if (pipe(p) == -1 || (pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		struct ipcobj_deadline	d;

		close(p[0]);
		ipcobj_deadline_set(&d, 1);
		if (exitpt_objlock_lock("M", EXITPT_LOCK_SHRRD, 0) != 0 ||
		    ipcobj_open(IPCOBJ_LOCKTAB, IPCDIR_SELF, "locks",
		    IPCOBJ_WRITE, &o) != 0 || ipcobj_lock(o, &d) != 0)
			_exit(1);
		write(p[1], "x", 1);
		for (;;)
			pause();
	}
	close(p[1]);
	is_int(read(p[0], &b, 1), 1, "child_holds_table_mutex");
	close(p[0]);
	ipctest_reap(pid);
	t0 = ipctest_now();
	is_int(exitpt_objlock_lock("M", EXITPT_LOCK_EXCL, 2), 0,
	    "table_recovered_after_mutex_holder_killed");
	ok(ipctest_now() - t0 < 1, "no_deadlock_after_mutex_holder_killed");
	exitpt_objlock_unlock("M", EXITPT_LOCK_EXCL);
	is_int(held("M", EXITPT_LOCK_SHRRD, pid), 0,
	    "dead_mutex_holders_locks_swept");
}

/*
 * A churn worker: writers take *EXCL and stamp the shared word with their
 * pid, readers take *SHRRD; each checks that nobody else changed the
 * word while it held its lock.  shm[0] is the word, shm[1] counts
 * violations, shm[2] counts completed holds.
 */
static void
churn_worker(int writer, _Atomic long *shm)
{
	volatile int	spin;
	long		mine = (long)getpid(), v;
	int		state = writer ? EXITPT_LOCK_EXCL : EXITPT_LOCK_SHRRD;

	for (;;) {
		if (exitpt_objlock_lock("CHURN", state, 5) != 0) {
			atomic_fetch_add(&shm[1], 1);
			continue;
		}
		if (writer)
			atomic_store(&shm[0], mine);
		v = atomic_load(&shm[0]);
		for (spin = 0; spin < 3000; spin++)
			continue;
		if (atomic_load(&shm[0]) != v)
			atomic_fetch_add(&shm[1], 1);
		atomic_fetch_add(&shm[2], 1);
		exitpt_objlock_unlock("CHURN", state);
	}
}

/*
 * Writers and readers hammer one object while random workers are killed
 * by SIGKILL and replaced: exclusion holds throughout and nothing stays
 * locked afterwards.
 */
static void
test_churn(void)
{
	_Atomic long	*shm;
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	pid_t		 w[6];
	long		 before;
	int		 i, k, kills = 0;

	shm = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED)
		tap_bail("mmap");
	for (k = 0; k < 6; k++) {
		if ((w[k] = fork()) == -1)
			tap_bail("fork");
		if (w[k] == 0)
			churn_worker(k < 3, shm);
	}
	srandom((unsigned)getpid());
	for (i = 0; i < 100; i++) {
		nanosleep(&ts, NULL);
		k = (int)(random() % 6);
		ipctest_reap(w[k]);
		kills++;
		if ((w[k] = fork()) == -1)
			tap_bail("fork");
		if (w[k] == 0)
			churn_worker(k < 3, shm);
	}
	before = atomic_load(&shm[2]);
	nanosleep(&ts, NULL);
	nanosleep(&ts, NULL);
	ok(atomic_load(&shm[2]) > before, "workers_still_progress_after_%d_"
	    "kills (%ld holds)", kills, before);
	for (k = 0; k < 6; k++)
		ipctest_reap(w[k]);
	is_int(atomic_load(&shm[1]), 0,
	    "excl_stays_exclusive_under_sigkill_churn");
	is_int(exitpt_objlock_lock("CHURN", EXITPT_LOCK_EXCL, 2), 0,
	    "object_free_once_all_workers_are_dead");
	exitpt_objlock_unlock("CHURN", EXITPT_LOCK_EXCL);
	munmap(shm, 4096);
}

/* Bad input and other users. */
static void
test_errors(void)
{
	static const struct {
		const char	*text;
		int		 want;
		int		 state;
	} t[] = {
		{ "*SHRRD", 0, EXITPT_LOCK_SHRRD },
		{ "shrupd", 0, EXITPT_LOCK_SHRUPD },
		{ "*shrnup", 0, EXITPT_LOCK_SHRNUP },
		{ "EXCLRD", 0, EXITPT_LOCK_EXCLRD },
		{ "*EXCL", 0, EXITPT_LOCK_EXCL },
		{ "*EXC", EXITPT_E_VALUE, 0 },
		{ "**EXCL", EXITPT_E_VALUE, 0 },
		{ "", EXITPT_E_VALUE, 0 },
	};
	struct ipcobj	*o;
	size_t		 i;
	pid_t		 pid;
	int		 s, rv;

	for (i = 0; i < nitems(t); i++) {
		s = 0;
		rv = exitpt_objlock_state_parse(t[i].text, &s);
		ok(rv == t[i].want && (rv != 0 || s == t[i].state),
		    "state_parse: '%s'", t[i].text);
	}
	is_int(exitpt_objlock_lock("../x", EXITPT_LOCK_EXCL, 0),
	    EXITPT_E_NAME, "bad_object_name_is_E_NAME");
	is_int(exitpt_objlock_lock("X", 0, 0), EXITPT_E_VALUE,
	    "bad_state_is_E_VALUE");
	is_int(exitpt_objlock_lock("X", 6, 0), EXITPT_E_VALUE,
	    "state_beyond_excl_is_E_VALUE");
	is_int(exitpt_objlock_lock("X", EXITPT_LOCK_EXCL, 1e9),
	    EXITPT_E_VALUE, "bad_wait_is_E_VALUE");
	is_int(exitpt_objlock_unlock("X", EXITPT_LOCK_EXCL),
	    EXITPT_E_NOT_HELD, "unlock_unheld_is_E_NOT_HELD");

	ok(ipcobj_open(IPCOBJ_LOCKTAB, IPCDIR_SELF, "locks", IPCOBJ_READ,
	    &o) == 0 && ipcobj_owner(o) == geteuid() &&
	    ipcobj_mode(o) == 0644, "each_user_has_its_own_table_others_read");
	ipcobj_close(o);
	if (geteuid() != 0) {
		ok(1, "# SKIP other user tests need root");
		return;
	}
	pid = holder("U", EXITPT_LOCK_SHRUPD, 1, 0);
	is_int(exitpt_objlock_lock("U", EXITPT_LOCK_SHRNUP, 0),
	    EXITPT_E_TIMEOUT, "other_users_lock_conflicts");
	is_int(exitpt_objlock_lock("U", EXITPT_LOCK_SHRRD, 0), 0,
	    "other_users_lock_allows_shrrd");
	exitpt_objlock_unlock("U", EXITPT_LOCK_SHRRD);
	ipctest_reap(pid);
}

int
main(void)
{
	char	prefix[64];

	snprintf(prefix, sizeof(prefix), "t-objlock%ld", (long)getpid());
	setenv(EXITPT_IPC_PREFIX_ENV, prefix, 1);
	ipctest_atexit();
	alarm(60);	/* a deadlock fails the test instead of hanging make */
	test_table();
	test_processes();
	test_own();
	test_waits();
	test_sigkill();
	test_errors();
	test_churn();
	ipctest_cleanup();
	return (tap_done());
}
