/*
 * Tests of critical sections (critical.c): holders listed with pid and
 * since, the veto reason, dead holders (SIGKILL) never counting, the
 * pending flag refusing or delaying a new section, waits that time out
 * and waits that are woken, participants of the pending operation being
 * granted their section, who sees whose sections, and who may make and
 * raise the pending flag.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitpt-int.h"
#include "ipctest.h"
#include "tap.h"

#define NOBODY		65534

static char	prefix[64];


static int	 enter_cb(void *);
static pid_t	 holder(const char *, int);
static int	 count_named(const char *, pid_t *);
static void	 test_semantics(void);
static void	 test_sigkill(void);
static void	 test_pending(void);
static void	 test_pending_race(void);
static void	*thread_main(void *);
static void	 test_threads(void);
static void	 test_participant(void);
static void	 test_users(void);
static void	 test_flag_is_roots(void);

/* Enter a section and keep it (an ipctest_spawn take). */
static int
enter_cb(void *name)
{
	struct exitpt_critical	*c;

	return (exitpt_critical_enter(name, 0, 0, &c));
}

/* Fork a process (as nobody if asked) that holds a section until killed. */
static pid_t
holder(const char *name, int nobody)
{
	return (ipctest_spawn(enter_cb, (void *)name, nobody));
}

/* How many live holders of name are listed; the first one's pid. */
static int
count_named(const char *name, pid_t *pid)
{
	struct exitpt_critical_list	*l;
	size_t				 i;
	int				 n = 0;

	if (exitpt_critical_list_get(&l) != 0)
		return (-1);
	for (i = 0; i < exitpt_critical_list_count(l); i++) {
		if (strcmp(exitpt_critical_list_name(l, i), name) != 0)
			continue;
		if (n++ == 0 && pid != NULL)
			*pid = exitpt_critical_list_pid(l, i);
	}
	exitpt_critical_list_free(l);
	return (n);
}

/* Enter, list, leave; sections are markers any number may hold. */
static void
test_semantics(void)
{
	struct exitpt_critical		*a, *b;
	struct exitpt_critical_list	*l;
	char				 reason[256], want[128];
	pid_t				 pid = 0, child;
	int64_t				 t0 = (int64_t)time(NULL);

	is_int(exitpt_critical_enter("bad/name", 0, 0, &a), EXITPT_E_NAME,
	    "bad_name_is_E_NAME");
	is_int(exitpt_critical_enter("", 0, 0, &a), EXITPT_E_NAME,
	    "empty_name_is_E_NAME");
	is_int(exitpt_critical_enter("ok", 0x100, 0, &a), EXITPT_E_VALUE,
	    "unknown_flag_is_E_VALUE");
	is_int(exitpt_critical_enter("ok", 0, NAN, &a), EXITPT_E_VALUE,
	    "nan_wait_is_E_VALUE");
	ok(a == NULL, "failed_enter_gives_no_handle");
	is_int(count_named("payroll", NULL), 0, "no_holder_at_start");
	is_int(critical_reason(reason, sizeof(reason)), 0,
	    "no_holder_no_veto");
	is_str(reason, "", "no_holder_empty_reason");

	is_int(exitpt_critical_enter("payroll", 0, 0, &a), 0, "enter");
	is_int(count_named("payroll", &pid), 1, "holder_listed");
	is_int(pid, getpid(), "holder_pid_is_ours");
	exitpt_critical_list_get(&l);
	ok(exitpt_critical_list_count(l) == 1 &&
	    exitpt_critical_list_since(l, 0) >= t0 &&
	    exitpt_critical_list_since(l, 0) <= (int64_t)time(NULL) &&
	    exitpt_critical_list_uid(l, 0) == geteuid(),
	    "holder_since_and_uid_recorded");
	ok(exitpt_critical_list_name(l, 5) == NULL,
	    "list_index_out_of_range_is_NULL");
	exitpt_critical_list_free(l);
	is_int(critical_reason(reason, sizeof(reason)), 1, "one_veto");
	snprintf(want, sizeof(want), "payroll (pid %ld, since ",
	    (long)getpid());
	/* since as every exitpt time: 2026-11-29T10:02:03.000+01:00) */
	ok(strncmp(reason, want, strlen(want)) == 0 &&
	    strlen(reason) == strlen(want) + 30 &&
	    reason[strlen(want) + 10] == 'T' &&
	    strncmp(reason + strlen(want) + 19, ".000", 4) == 0 &&
	    reason[strlen(reason) - 1] == ')',
	    "reason_names_holder_pid_and_since: %s", reason);
	is_int(exitpt_critical_enter("payroll", 0, 0, &b), 0,
	    "same_name_entered_twice");
	is_int(count_named("payroll", NULL), 2, "both_holders_listed");

	/* A forked child cannot leave its parent's section. */
	if ((child = fork()) == -1)
		tap_bail("fork");
	if (child == 0)
		_exit(exitpt_critical_leave(b) == EXITPT_E_NOT_HELD ? 0 : 1);
	is_int(ipctest_child_status(child), 0, "child_cannot_leave_parent_handle");
	is_int(count_named("payroll", NULL), 2, "parent_still_holds");

	is_int(exitpt_critical_leave(a), 0, "leave_first");
	is_int(count_named("payroll", NULL), 1, "one_left");
	is_int(exitpt_critical_leave(b), 0, "leave_second");
	is_int(count_named("payroll", NULL), 0, "none_left");
	is_int(exitpt_critical_leave(NULL), 0, "leave_null_is_harmless");
}

/* A holder killed by SIGKILL never vetoes and never leaks a slot. */
static void
test_sigkill(void)
{
	char	reason[256];
	pid_t	pid, p2 = 0;
	int	i, n, left = 0;

	pid = holder("batch", 0);
	is_int(count_named("batch", &p2), 1, "live_holder_listed");
	is_int(p2, pid, "listed_with_its_pid");
	ipctest_reap(pid);
	is_int(count_named("batch", NULL), 0,
	    "sigkilled_holder_not_listed");
	is_int(critical_reason(reason, sizeof(reason)), 0,
	    "sigkilled_holder_leaves_no_veto");

	/* Many more deaths than the table has slots: nothing drifts. */
	for (i = 0; i < 1100; i++) {
		struct exitpt_critical	*c;

		if ((pid = fork()) == -1)
			tap_bail("fork");
		if (pid == 0) {
			if (exitpt_critical_enter("churn", 0, 0, &c) != 0)
				_exit(1);
			raise(SIGKILL);
		}
		n = ipctest_child_status(pid);
		if (n != -1)
			left++;
	}
	is_int(left, 0, "1100_holders_entered_then_died");
	is_int(count_named("churn", NULL), 0, "no_count_drift_after_deaths");
	pid = holder("after", 0);
	is_int(count_named("after", NULL), 1, "table_still_usable");
	ipctest_reap(pid);
}

/* The pending flag refuses or delays new sections; held ones stay. */
static void
test_pending(void)
{
	struct exitpt_critical	*held, *c;
	uint64_t		 op;
	int64_t			 since;
	double			 t0, el;
	pid_t			 pid;
	int			 p[2], rv;
	char			 b;

	is_int(exitpt_critical_pending(), 0, "not_pending_at_start");
	is_int(exitpt_critical_enter("held", 0, 0, &held), 0,
	    "enter_before_pending");
	is_int(critical_set_pending(7), 0, "raise_pending");
	is_int(exitpt_critical_pending(), 1, "pending_seen");
	is_int(critical_get_pending(&op, &since), 1, "pending_read_back");
	is_int(op, 7, "pending_operation_id");
	is_int(count_named("held", NULL), 1, "held_section_stays_held");

	t0 = ipctest_now();
	is_int(exitpt_critical_enter("new", EXITPT_CRITICAL_FAIL_IF_PENDING,
	    10, &c), EXITPT_E_PENDING, "fail_if_pending_refuses_at_once");
	is_int(exitpt_critical_enter("new", 0, EXITPT_WAIT_NOWAIT, &c),
	    EXITPT_E_PENDING, "nowait_refuses_at_once");
	ok(ipctest_now() - t0 < 1, "refusals_did_not_wait");
	t0 = ipctest_now();
	rv = exitpt_critical_enter("new", 0, 0.3, &c);
	el = ipctest_now() - t0;
	is_int(rv, EXITPT_E_TIMEOUT, "wait_while_pending_times_out");
	ok(el >= 0.29 && el < 2, "timed_out_after_its_wait (%.3f s)", el);
	is_int(count_named("new", NULL), 0, "refused_section_not_listed");

	/* A waiting enter is woken when the operation ends. */
	if (pipe(p) == -1 || (pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		close(p[0]);
		write(p[1], "x", 1);
		rv = exitpt_critical_enter("late", 0, 10, &c);
		_exit(rv == 0 ? 0 : 1);
	}
	close(p[1]);
	read(p[0], &b, 1);
	close(p[0]);
	t0 = ipctest_now();
	{
		struct timespec	ts = { 0, 200 * 1000 * 1000 };

		nanosleep(&ts, NULL);	/* let the child block */
	}
	is_int(count_named("late", NULL), 0, "delayed_section_not_held_yet");
	is_int(critical_set_pending(0), 0, "lower_pending");
	is_int(ipctest_child_status(pid), 0, "delayed_enter_succeeds_after_lowering");
	el = ipctest_now() - t0;
	ok(el < 2, "delayed_enter_woken_promptly (%.3f s)", el);
	is_int(exitpt_critical_pending(), 0, "pending_lowered");
	is_int(exitpt_critical_enter("new", EXITPT_CRITICAL_FAIL_IF_PENDING,
	    0, &c), 0, "enter_after_lowering");
	exitpt_critical_leave(c);
	exitpt_critical_leave(held);
}

/*
 * Processes entering and leaving in a tight loop while the flag goes up:
 * once it is raised and the holders are listed, no section may appear
 * that the listing did not show (Check must never miss a section).
 */
static void
test_pending_race(void)
{
	struct exitpt_critical_list	*l;
	struct exitpt_critical		*c;
	pid_t				 kids[4];
	char				 seen[64][EXITPT_NAME_MAX + 1];
	char				 name[EXITPT_NAME_MAX + 1];
	const char			*n;
	pid_t				 seenpid[64];
	size_t				 nseen, i, j;
	double				 t0;
	int				 k, round, bad = 0, hits = 0;
	int				 rounds = 30;
	unsigned long			 iter;
	volatile int			 spin;

	for (k = 0; k < 4; k++) {
		if ((kids[k] = fork()) == -1)
			tap_bail("fork");
		if (kids[k] == 0) {
			/* Each section has its own name: race.KID.ITER */
			for (iter = 0;; iter++) {
				snprintf(name, sizeof(name), "race.%d.%lu", k,
				    iter);
				if (exitpt_critical_enter(name,
				    EXITPT_CRITICAL_FAIL_IF_PENDING, 0,
				    &c) != 0)
					continue;
				for (spin = 0; spin < 2000; spin++)
					continue;
				exitpt_critical_leave(c);
			}
		}
	}
	for (round = 0; round < rounds; round++) {
		if ((k = critical_set_pending((uint64_t)round + 1)) != 0)
			printf("# raise failed: %s\n", exitpt_strerror(k));
		if (exitpt_critical_list_get(&l) != 0)
			tap_bail("list");
		nseen = 0;
		for (i = 0; i < exitpt_critical_list_count(l) && nseen < 64;
		    i++) {
			seenpid[nseen] = exitpt_critical_list_pid(l, i);
			snprintf(seen[nseen++], sizeof(seen[0]), "%s",
			    exitpt_critical_list_name(l, i));
		}
		hits += nseen > 0;
		exitpt_critical_list_free(l);
		t0 = ipctest_now();
		while (ipctest_now() - t0 < 0.03) {
			if (exitpt_critical_list_get(&l) != 0)
				tap_bail("list");
			/*
			 * An entering section (its writer stalled) is counted
			 * to be safe but has not started: if it does, it shows
			 * up again, held, under its name.
			 */
			for (i = 0; i < exitpt_critical_list_count(l); i++) {
				n = exitpt_critical_list_name(l, i);
				if (exitpt_critical_list_entering(l, i))
					continue;
				for (j = 0; j < nseen; j++) {
					if (strcmp(seen[j], n) == 0 ||
					    (strcmp(seen[j], "?") == 0 &&
					    seenpid[j] ==
					    exitpt_critical_list_pid(l, i)))
						break;
				}
				if (j < nseen)
					continue;
				if (bad++ == 0) {
					printf("# unseen %s (pid %ld) after "
					    "%.3f s; seen at raise:", n,
					    (long)exitpt_critical_list_pid(l,
					    i), ipctest_now() - t0);
					for (j = 0; j < nseen; j++)
						printf(" %s/%ld", seen[j],
						    (long)seenpid[j]);
					printf("\n");
				}
			}
			exitpt_critical_list_free(l);
		}
		critical_set_pending(0);
		t0 = ipctest_now();
		while (ipctest_now() - t0 < 0.01)
			continue;
	}
	for (k = 0; k < 4; k++)
		ipctest_reap(kids[k]);
	is_int(bad, 0, "no_section_starts_unseen_after_pending_is_raised");
	ok(hits > 0, "race_exercised_with_holders_at_raise (%d of %d)", hits,
	    rounds);
	exitpt_critical_list_get(&l);
	is_int(exitpt_critical_list_count(l), 0,
	    "killed_racers_leave_nothing");
	exitpt_critical_list_free(l);
}

/* One thread's work: enter and leave sections, nested two deep. */
static void *
thread_main(void *arg)
{
	struct exitpt_critical	*a, *b;
	long			 k = (long)arg, i, failed = 0;
	char			 name[EXITPT_NAME_MAX + 1];

	snprintf(name, sizeof(name), "thread.%ld", k);
	for (i = 0; i < 2000; i++) {
		if (exitpt_critical_enter(name, 0, 0, &a) != 0 ||
		    exitpt_critical_enter("shared", 0, 0, &b) != 0) {
			failed++;
			continue;
		}
		if (exitpt_critical_leave(b) != 0 ||
		    exitpt_critical_leave(a) != 0)
			failed++;
	}
	return ((void *)failed);
}

/* Threads of one process enter and leave independently; nothing stays. */
static void
test_threads(void)
{
	struct exitpt_critical_list	*l;
	pthread_t			 t[4];
	void				*rv;
	long				 k, failed = 0;

	for (k = 0; k < 4; k++)
		if (pthread_create(&t[k], NULL, thread_main, (void *)k) != 0)
			tap_bail("pthread_create");
	for (k = 0; k < 4; k++) {
		pthread_join(t[k], &rv);
		failed += (long)rv;
	}
	is_int(failed, 0, "threads_enter_and_leave_independently");
	exitpt_critical_list_get(&l);
	is_int(exitpt_critical_list_count(l), 0,
	    "no_section_left_after_threads_end");
	exitpt_critical_list_free(l);
}

/* Root sees every user's sections; a user sees only their own. */
static void
test_users(void)
{
	struct exitpt_critical	*c;
	pid_t			 pid, nb;
	int			 status, p[2];
	char			 b;

	nb = holder("nbwork", 1);
	is_int(count_named("nbwork", NULL), 1, "root_sees_other_users");
	exitpt_critical_enter("rootwork", 0, 0, &c);
	if ((pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		if (setgroups(0, NULL) == -1 || setgid(NOBODY) == -1 ||
		    setuid(NOBODY) == -1)
			_exit(3);
		status = count_named("rootwork", NULL) == 0 &&
		    count_named("nbwork", NULL) == 1;
		_exit(status ? 0 : 1);
	}
	is_int(ipctest_child_status(pid), 0, "user_sees_only_own_sections");
	if ((pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		if (setgroups(0, NULL) == -1 || setgid(NOBODY) == -1 ||
		    setuid(NOBODY) == -1)
			_exit(3);
		_exit(critical_set_pending(1) == -EACCES ? 0 : 1);
	}
	is_int(ipctest_child_status(pid), 0, "user_cannot_raise_roots_flag");

	/* Root's flag binds other users, who wait on a read-only map. */
	critical_set_pending(3);
	if (pipe(p) == -1 || (pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		struct exitpt_critical	*c2;

		close(p[0]);
		if (setgroups(0, NULL) == -1 || setgid(NOBODY) == -1 ||
		    setuid(NOBODY) == -1)
			_exit(3);
		if (exitpt_critical_enter("nb2",
		    EXITPT_CRITICAL_FAIL_IF_PENDING, 0,
		    &c2) != EXITPT_E_PENDING)
			_exit(1);
		if (exitpt_critical_enter("nb2", 0, 0.2, &c2) !=
		    EXITPT_E_TIMEOUT)
			_exit(2);
		write(p[1], "x", 1);
		_exit(exitpt_critical_enter("nb2", 0, 10, &c2) == 0 ? 0 : 4);
	}
	close(p[1]);
	read(p[0], &b, 1);	/* the child's refusals are done */
	close(p[0]);
	critical_set_pending(0);
	is_int(ipctest_child_status(pid), 0,
	    "roots_flag_refuses_delays_and_releases_other_users");
	exitpt_critical_leave(c);
	ipctest_reap(nb);
	is_int(count_named("nbwork", NULL), 0, "other_users_dead_holder_swept");
}

/*
 * Only the runtime directory's owner (root) makes and raises the flag:
 * another user can neither raise it nor put a file of its own in its
 * place, so nobody can hold every section back, or let them all start.
 */
static void
test_flag_is_roots(void)
{
	char	path[PATH_MAX + 16];
	pid_t	pid;
	int	fd;

	critical_set_pending(0);
	if (ipcdir_path(path, sizeof(path) - 16) != 0)
		tap_bail("runtime directory");
	strncat(path, "/pending", 9);
	if ((pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		if (setgroups(0, NULL) == -1 || setgid(NOBODY) == -1 ||
		    setuid(NOBODY) == -1)
			_exit(3);
		if (critical_set_pending(5) != -EACCES)
			_exit(1);
		unlink(path);
		if ((fd = open(path, O_RDWR)) != -1 || errno != EACCES)
			_exit(2);
		_exit(exitpt_critical_pending() == 0 ? 0 : 4);
	}
	is_int(ipctest_child_status(pid), 0,
	    "another_user_can_neither_raise_nor_replace_the_flag");
	is_int(critical_set_pending(6), 0, "root_raises_it");
	if ((pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		if (setgroups(0, NULL) == -1 || setgid(NOBODY) == -1 ||
		    setuid(NOBODY) == -1)
			_exit(3);
		_exit(exitpt_critical_pending() == 1 ? 0 : 1);
	}
	is_int(ipctest_child_status(pid), 0, "and_every_user_sees_it_raised");
	critical_set_pending(0);
}

/*
 * A participant of the pending operation (EXITPT_OPERATION_ID, as exitd
 * gives its exit programs) is granted its section instead of waiting for
 * its own operation; anyone else still waits or is refused.
 */
static void
test_participant(void)
{
	struct exitpt_critical_list	*l;
	struct exitpt_critical		*c;
	pid_t				 pid;
	int				 p[2], rv;
	char				 b;

	is_int(critical_set_pending(0x2a), 0, "raise_for_operation_2a");
	setenv("EXITPT_OPERATION_ID", "000000000000002b", 1);
	is_int(exitpt_critical_enter("flush", EXITPT_CRITICAL_FAIL_IF_PENDING,
	    0, &c), EXITPT_E_PENDING,
	    "a_participant_of_another_operation_is_refused");
	unsetenv("EXITPT_OPERATION_ID");
	is_int(exitpt_critical_enter("flush", EXITPT_CRITICAL_FAIL_IF_PENDING,
	    0, &c), EXITPT_E_PENDING, "so_is_a_process_of_no_operation");
	if (pipe(p) == -1 || (pid = fork()) == -1)
		tap_bail("fork");
	if (pid == 0) {
		close(p[0]);
		setenv("EXITPT_OPERATION_ID", "000000000000002a", 1);
		rv = exitpt_critical_enter("flush",
		    EXITPT_CRITICAL_FAIL_IF_PENDING, 0, &c);
		write(p[1], &rv, sizeof(rv));
		pause();
		_exit(0);
	}
	close(p[1]);
	rv = -1;
	read(p[0], &rv, sizeof(rv));
	close(p[0]);
	is_int(rv, 0, "participant_of_the_pending_operation_is_granted");
	exitpt_critical_list_get(&l);
	ok(exitpt_critical_list_count(l) == 1 &&
	    exitpt_critical_list_pid(l, 0) == pid &&
	    exitpt_critical_list_operation(l, 0) == 0x2a,
	    "and_listed_as_a_participant_of_2a");
	exitpt_critical_list_free(l);
	ipctest_reap(pid);
	(void)b;
	critical_set_pending(0);
}

int
main(void)
{
	snprintf(prefix, sizeof(prefix), "t-critical%ld", (long)getpid());
	setenv(EXITPT_IPC_PREFIX_ENV, prefix, 1);
	ipctest_atexit();
	alarm(60);	/* a deadlock fails the test instead of hanging make */
	test_semantics();
	test_sigkill();
	test_pending();
	test_pending_race();
	test_threads();
	test_participant();
	if (geteuid() == 0) {
		test_users();
		test_flag_is_roots();
	} else
		ok(1, "# SKIP user tests need root to become nobody");
	ipctest_cleanup();
	return (tap_done());
}
