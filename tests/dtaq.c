/*
 * Data queue semantics, one table per rule: FIFO and LIFO order, every
 * keyed order selection for receive, peek and clear, peek leaving entries
 * in place, sender information, waits that time out and waits that are
 * woken, several receivers sharing entries, and bad input.
 */
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

#define BUFSZ	128

static struct exitpt_dtaq	*mkq(const char *, int, size_t, size_t, size_t,
				    int);
static void	 snd(struct exitpt_dtaq *, const char *, const char *);
static int	 rcv(struct exitpt_dtaq *, int, const char *, double, char *);
static void	 append(char *, const char *, size_t);
static void	 drain(struct exitpt_dtaq *, int, const char *, char *, size_t);
static void	 wait_asleep(pid_t);

/* Create (replacing) and open a queue; bail out if that fails. */
static struct exitpt_dtaq *
mkq(const char *name, int type, size_t max, size_t keylen, size_t cap,
    int flags)
{
	struct exitpt_dtaq	*q;

	exitpt_dtaq_delete(name);
	if (exitpt_dtaq_create(name, type, max, keylen, cap, flags, 0600) != 0 ||
	    exitpt_dtaq_open(name, &q) != 0)
		tap_bail("cannot create a queue");
	return (q);
}

/* Send a string entry (key NULL for unkeyed queues); bail on failure. */
static void
snd(struct exitpt_dtaq *q, const char *key, const char *data)
{
	if (exitpt_dtaq_send(q, key, key ? strlen(key) : 0, data, strlen(data),
	    EXITPT_WAIT_NOWAIT) != 0)
		tap_bail("send failed");
}

/* Receive a string entry into out; returns the library's result. */
static int
rcv(struct exitpt_dtaq *q, int order, const char *key, double wait, char *out)
{
	struct exitpt_dtaq_entry	e;
	int				error;

	memset(&e, 0, sizeof(e));
	e.data = out;
	e.size = BUFSZ - 1;
	out[0] = '\0';
	error = exitpt_dtaq_receive(q, order, key, key ? strlen(key) : 0, wait,
	    &e);
	if (error == 0)
		out[e.length] = '\0';
	return (error);
}

/* Append s to the string dst of size len (glibc 2.36 has no strlcat). */
static void
append(char *dst, const char *s, size_t len)
{
	size_t	n = strlen(dst);

	if (n < len)
		snprintf(dst + n, len - n, "%s", s);
}

/* Receive until none is selected; list what came as "a,b,c". */
static void
drain(struct exitpt_dtaq *q, int order, const char *key, char *list,
    size_t len)
{
	char	buf[BUFSZ];

	list[0] = '\0';
	while (rcv(q, order, key, EXITPT_WAIT_NOWAIT, buf) == 0) {
		if (list[0] != '\0')
			append(list, ",", len);
		append(list, buf, len);
	}
}

/* Collect peeked entries as "a,b,c". */
static int
peek_cb(const struct exitpt_dtaq_entry *e, void *arg)
{
	char	*list = arg;

	if (list[0] != '\0')
		append(list, ",", BUFSZ);
	snprintf(list + strlen(list), BUFSZ - strlen(list), "%.*s",
	    (int)e->length, (const char *)e->data);
	return (0);
}

/*
 * Wait until a child sleeps in the kernel (state S in /proc): it then is
 * blocked in its receive or send, which is the state under test.
 */
static void
wait_asleep(pid_t pid)
{
	struct timespec	 ts = { 0, 1000000 };
	char		 path[64], buf[512], *p;
	double		 until = ipctest_now() + 10;
	FILE		*fp;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	while (ipctest_now() < until) {
		if ((fp = fopen(path, "r")) == NULL)
			tap_bail("child vanished");
		p = fgets(buf, sizeof(buf), fp);
		fclose(fp);
		if (p != NULL && (p = strrchr(buf, ')')) != NULL && p[2] == 'S')
			return;
		nanosleep(&ts, NULL);
	}
	tap_bail("child never blocked");
}

/* FIFO and LIFO receive order, with sends and receives interleaved. */
static void
test_sequence(void)
{
	static const struct {
		int		 type;
		const char	*ops;	/* lowercase: send it; '-': receive */
		const char	*want;
		const char	*first, *last;	/* peeked before receiving */
	} t[] = {
		{ EXITPT_DTAQ_FIFO, "abc---", "a,b,c", "a", "c" },
		{ EXITPT_DTAQ_LIFO, "abc---", "c,b,a", "c", "a" },
		{ EXITPT_DTAQ_FIFO, "ab-c--", "a,b,c", "a", "b" },
		{ EXITPT_DTAQ_LIFO, "ab-c--", "b,c,a", "b", "a" },
		{ EXITPT_DTAQ_FIFO, "abcd--e---", "a,b,c,d,e", "a", "d" },
		{ EXITPT_DTAQ_LIFO, "abcd--e---", "d,c,e,b,a", "d", "a" },
	};
	struct exitpt_dtaq	*q;
	char			 got[BUFSZ], buf[BUFSZ], peek[BUFSZ], one[2];
	size_t			 i, j;
	int			 peeked;

	for (i = 0; i < nitems(t); i++) {
		/* Capacity 4 makes the ring wrap around in the longer rows. */
		q = mkq(t[i].type == EXITPT_DTAQ_FIFO ? "fifo" : "lifo",
		    t[i].type, 16, 0, 4, 0);
		got[0] = '\0';
		peeked = 0;
		for (j = 0; t[i].ops[j] != '\0'; j++) {
			if (t[i].ops[j] != '-') {
				one[0] = t[i].ops[j];
				one[1] = '\0';
				snd(q, NULL, one);
				continue;
			}
			if (!peeked++) {
				peek[0] = '\0';
				exitpt_dtaq_peek(q, EXITPT_DTAQ_PEEK_FIRST,
				    EXITPT_DTAQ_ANY, NULL, 0, peek_cb, peek);
				is_str(peek, t[i].first, "%s %s: peek first",
				    exitpt_dtaq_type_name(t[i].type), t[i].ops);
				peek[0] = '\0';
				exitpt_dtaq_peek(q, EXITPT_DTAQ_PEEK_LAST,
				    EXITPT_DTAQ_ANY, NULL, 0, peek_cb, peek);
				is_str(peek, t[i].last, "%s %s: peek last",
				    exitpt_dtaq_type_name(t[i].type), t[i].ops);
			}
			if (rcv(q, EXITPT_DTAQ_ANY, NULL, 0, buf) != 0)
				snprintf(buf, sizeof(buf), "?");
			if (got[0] != '\0')
				append(got, ",", sizeof(got));
			append(got, buf, sizeof(got));
		}
		is_str(got, t[i].want, "%s_receives_in_order %s gives %s",
		    exitpt_dtaq_type_name(t[i].type), t[i].ops, t[i].want);
		is_int(exitpt_dtaq_count(q), 0, "%s %s: empty at the end",
		    exitpt_dtaq_type_name(t[i].type), t[i].ops);
		exitpt_dtaq_close(q);
	}
}

/* Send the keyed fixture: keys 30 10 20 10 40, in that order. */
static struct exitpt_dtaq *
keyed_fixture(const char *name)
{
	struct exitpt_dtaq	*q;

	q = mkq(name, EXITPT_DTAQ_KEYED, 16, 2, 8, 0);
	snd(q, "30", "30a");
	snd(q, "10", "10a");
	snd(q, "20", "20a");
	snd(q, "10", "10b");
	snd(q, "40", "40a");
	return (q);
}

/* Every key order: receive, peek and clear select the same entries. */
static void
test_keyed_orders(void)
{
	static const struct {
		const char	*order;
		const char	*key;
		const char	*want;	/* in receive order */
	} t[] = {
		{ NULL, NULL, "10a,10b,20a,30a,40a" },
		{ "EQ", "10", "10a,10b" },
		{ "EQ", "25", "" },
		{ "NE", "10", "20a,30a,40a" },
		{ "NE", "99", "10a,10b,20a,30a,40a" },
		{ "LT", "30", "10a,10b,20a" },
		{ "LT", "10", "" },
		{ "LE", "30", "10a,10b,20a,30a" },
		{ "LE", "05", "" },
		{ "GT", "20", "30a,40a" },
		{ "GT", "40", "" },
		{ "GE", "20", "20a,30a,40a" },
		{ "GE", "25", "30a,40a" },
	};
	struct exitpt_dtaq	*q;
	char			 got[BUFSZ], peek[BUFSZ], what[64];
	const char		*lastp;
	size_t			 i, n;
	int			 order, removed;

	for (i = 0; i < nitems(t); i++) {
		order = t[i].order ? exitpt_dtaq_order_parse(t[i].order) :
		    EXITPT_DTAQ_ANY;
		snprintf(what, sizeof(what), "%s %s", t[i].order ? t[i].order :
		    "any", t[i].key ? t[i].key : "");
		n = t[i].want[0] == '\0' ? 0 : (strlen(t[i].want) + 1) / 4;

		q = keyed_fixture("keyed");
		peek[0] = '\0';
		is_int(exitpt_dtaq_peek(q, EXITPT_DTAQ_PEEK_ALL, order,
		    t[i].key, t[i].key ? 2 : 0, peek_cb, peek), n,
		    "peek all %s visits %zu", what, n);
		is_str(peek, t[i].want, "peek_all_selects_like_receive %s",
		    what);
		peek[0] = '\0';
		exitpt_dtaq_peek(q, EXITPT_DTAQ_PEEK_FIRST, order, t[i].key,
		    t[i].key ? 2 : 0, peek_cb, peek);
		ok(strncmp(peek, t[i].want, 3) == 0 && strlen(peek) ==
		    (n ? 3 : 0), "peek first %s is the first receive", what);
		peek[0] = '\0';
		exitpt_dtaq_peek(q, EXITPT_DTAQ_PEEK_LAST, order, t[i].key,
		    t[i].key ? 2 : 0, peek_cb, peek);
		lastp = n ? t[i].want + strlen(t[i].want) - 3 : "";
		is_str(peek, lastp, "peek last %s is the last receive", what);
		is_int(exitpt_dtaq_count(q), 5, "peek %s leaves all 5 in place",
		    what);
		drain(q, order, t[i].key, got, sizeof(got));
		is_str(got, t[i].want, "keyed_receive_order %s gives '%s'",
		    what, t[i].want);
		is_int(exitpt_dtaq_count(q), 5 - n, "receive %s leaves the "
		    "others", what);
		exitpt_dtaq_close(q);

		q = keyed_fixture("clearq");
		removed = exitpt_dtaq_clear(q, order, t[i].key,
		    t[i].key ? 2 : 0);
		is_int(removed, n, "clear_by_key %s removes %zu", what, n);
		drain(q, EXITPT_DTAQ_ANY, NULL, got, sizeof(got));
		is_int(strlen(got) == 0 ? 0 : (strlen(got) + 1) / 4, 5 - n,
		    "clear %s keeps the other %zu", what, 5 - n);
		exitpt_dtaq_close(q);
	}
}

/* Peek returns the data, key and time; the entries stay and stay ordered. */
static int
peek_key_cb(const struct exitpt_dtaq_entry *e, void *arg)
{
	int	*n = arg;

	(*n)++;
	return (e->key_length != 2 || memcmp(e->key, "20", 2) != 0 ||
	    e->enqueued.tv_sec == 0);
}

/* Peek leaves entries in place, stops when told, and receives follow. */
static void
test_peek(void)
{
	struct exitpt_dtaq	*q;
	char			 buf[BUFSZ], list[BUFSZ];
	int			 n = 0;

	q = keyed_fixture("peekq");
	is_int(exitpt_dtaq_peek(q, EXITPT_DTAQ_PEEK_ALL, EXITPT_DTAQ_EQ, "20",
	    2, peek_key_cb, &n), 1, "peek by key visits the one entry");
	is_int(n, 1, "peek callback saw key 20 with its enqueue time");
	is_int(exitpt_dtaq_peek(q, EXITPT_DTAQ_PEEK_ALL, EXITPT_DTAQ_ANY, NULL,
	    0, NULL, NULL), 5, "peek with no callback counts");
	for (n = 0; n < 3; n++)
		exitpt_dtaq_peek(q, EXITPT_DTAQ_PEEK_ALL, EXITPT_DTAQ_ANY, NULL,
		    0, NULL, NULL);
	is_int(exitpt_dtaq_count(q), 5, "peek_leaves_entry_in_place, however "
	    "often");
	ok(rcv(q, EXITPT_DTAQ_EQ, "20", 0, buf) == 0 && strcmp(buf, "20a") ==
	    0, "the peeked entry is still there to receive");
	list[0] = '\0';
	exitpt_dtaq_peek(q, EXITPT_DTAQ_PEEK_ALL, EXITPT_DTAQ_EQ, "20", 2,
	    peek_cb, list);
	is_str(list, "", "and once received it is gone from peek");
	exitpt_dtaq_close(q);
}

/* Sender information is filled in only when the queue keeps it. */
static void
test_sender(void)
{
	struct exitpt_dtaq_entry	 e;
	struct exitpt_dtaq		*q;
	char				 buf[BUFSZ];
	pid_t				 pid;
	int				 status, flags, i;
	double				 t0;

	for (i = 0; i < 2; i++) {
		flags = i == 0 ? EXITPT_DTAQ_SENDER_INFO : 0;
		q = mkq(i == 0 ? "sender" : "nosender", EXITPT_DTAQ_FIFO, 16,
		    0, 4, flags);
		t0 = (double)time(NULL);
		if ((pid = fork()) == 0) {
			snd(q, NULL, "hi");
			_exit(0);
		}
		waitpid(pid, &status, 0);
		memset(&e, 0, sizeof(e));
		e.data = buf;
		e.size = sizeof(buf);
		is_int(exitpt_dtaq_receive(q, EXITPT_DTAQ_ANY, NULL, 0, 0, &e),
		    0, "receive the child's entry");
		if (i == 0) {
			ok(e.has_sender && e.sender_pid == pid &&
			    e.sender_uid == geteuid(), "sender_info_names_the_"
			    "sending_process (pid %d uid %d)", (int)e.sender_pid,
			    (int)e.sender_uid);
		} else
			ok(!e.has_sender && e.sender_pid == 0, "no sender "
			    "information on a queue without it");
		ok(e.enqueued.tv_sec >= t0 - 1 && e.enqueued.tv_sec <= t0 + 5,
		    "the enqueue time is the send time");
		exitpt_dtaq_close(q);
	}
}

/* Waits: time out on time, woken by a send, by a receive, by deletion. */
static void
test_waits(void)
{
	struct exitpt_dtaq	*q;
	char			 buf[BUFSZ];
	double			 t0, dt;
	pid_t			 pid;
	int			 status, error;

	q = mkq("waitq", EXITPT_DTAQ_FIFO, 16, 0, 1, 0);
	t0 = ipctest_now();
	is_int(rcv(q, EXITPT_DTAQ_ANY, NULL, 0, buf), EXITPT_E_TIMEOUT,
	    "receive with no wait on an empty queue times out at once");
	t0 = ipctest_now();
	error = rcv(q, EXITPT_DTAQ_ANY, NULL, 0.25, buf);
	dt = ipctest_now() - t0;
	is_int(error, EXITPT_E_TIMEOUT, "receive_wait_times_out");
	ok(dt >= 0.24 && dt < 2.0, "after the sub-second wait (%.3f s)", dt);

	/* A receiver waiting forever is woken by a send. */
	if ((pid = fork()) == 0) {
		error = rcv(q, EXITPT_DTAQ_ANY, NULL, EXITPT_WAIT_FOREVER, buf);
		_exit(error == 0 && strcmp(buf, "wake") == 0 ? 0 : 1);
	}
	wait_asleep(pid);
	snd(q, NULL, "wake");
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "receive_wait_woken_by_send");

	/* A full queue: no wait is EXITPT_E_FULL, a wait is woken. */
	snd(q, NULL, "one");
	is_int(exitpt_dtaq_send(q, NULL, 0, "two", 3, EXITPT_WAIT_NOWAIT),
	    EXITPT_E_FULL, "send_to_full_queue_fails_full");
	t0 = ipctest_now();
	is_int(exitpt_dtaq_send(q, NULL, 0, "two", 3, 0.2), EXITPT_E_FULL,
	    "send with a wait on a full queue gives up after it");
	ok(ipctest_now() - t0 >= 0.19, "after the wait");
	if ((pid = fork()) == 0)
		_exit(exitpt_dtaq_send(q, NULL, 0, "two", 3,
		    EXITPT_WAIT_FOREVER) == 0 ? 0 : 1);
	wait_asleep(pid);
	ok(rcv(q, EXITPT_DTAQ_ANY, NULL, 0, buf) == 0 && strcmp(buf, "one") ==
	    0, "receive makes room");
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "send_wait_woken_by_receive");
	ok(rcv(q, EXITPT_DTAQ_ANY, NULL, 0, buf) == 0 && strcmp(buf, "two") ==
	    0, "and its entry arrived");

	/* A keyed receiver is not woken into taking an entry it did not ask. */
	exitpt_dtaq_close(q);
	q = mkq("waitq", EXITPT_DTAQ_KEYED, 16, 1, 4, 0);
	if ((pid = fork()) == 0) {
		error = rcv(q, EXITPT_DTAQ_EQ, "b", 5, buf);
		_exit(error == 0 && strcmp(buf, "bee") == 0 ? 0 : 1);
	}
	wait_asleep(pid);
	snd(q, "a", "ay");
	snd(q, "b", "bee");
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "keyed waiter takes only its key");
	ok(rcv(q, EXITPT_DTAQ_ANY, NULL, 0, buf) == 0 && strcmp(buf, "ay") == 0,
	    "the other key's entry is left");

	/* Deleting the queue wakes its waiters with -ENOENT. */
	if ((pid = fork()) == 0)
		_exit(rcv(q, EXITPT_DTAQ_ANY, NULL, EXITPT_WAIT_FOREVER, buf) ==
		    -ENOENT ? 0 : 1);
	wait_asleep(pid);
	is_int(exitpt_dtaq_delete("waitq"), 0, "delete a queue with a waiter");
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "delete_wakes_waiters_with_enoent");
	is_int(exitpt_dtaq_send(q, "a", 1, "x", 1, 0), -ENOENT,
	    "a deleted queue refuses sends on old handles");
	exitpt_dtaq_close(q);
}

/* Several waiting receivers: each entry goes to exactly one. */
static void
test_multi(void)
{
	enum { N = 6 };
	struct exitpt_dtaq	*q;
	pid_t			 pid[N];
	char			 buf[BUFSZ], data[8];
	int			 fd[2], i, status, seen[N], dup = 0, bad = 0;
	int			 exited = 0;
	ssize_t			 r;

	q = mkq("multi", EXITPT_DTAQ_FIFO, 8, 0, 16, 0);
	if (pipe(fd) == -1)
		tap_bail("pipe");
	for (i = 0; i < N; i++) {
		if ((pid[i] = fork()) == 0) {
			close(fd[0]);
			if (rcv(q, EXITPT_DTAQ_ANY, NULL, 30, buf) != 0)
				_exit(1);
			buf[1] = '\0';
			_exit(write(fd[1], buf, 1) == 1 ? 0 : 1);
		}
	}
	close(fd[1]);
	for (i = 0; i < N; i++)
		wait_asleep(pid[i]);
	for (i = 0; i < N; i++) {
		snprintf(data, sizeof(data), "%d", i);
		snd(q, NULL, data);
	}
	memset(seen, 0, sizeof(seen));
	while ((r = read(fd[0], buf, 1)) == 1) {
		if (buf[0] < '0' || buf[0] >= '0' + N)
			bad++;
		else if (seen[buf[0] - '0']++)
			dup++;
	}
	close(fd[0]);
	for (i = 0; i < N; i++) {
		waitpid(pid[i], &status, 0);
		exited += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	is_int(exited, N, "all %d waiting receivers got an entry", N);
	ok(dup == 0 && bad == 0, "each_entry_goes_to_exactly_one_receiver");
	is_int(exitpt_dtaq_count(q), 0, "and none is left");
	exitpt_dtaq_close(q);
}

/*
 * A process killed while it holds the queue's lock (the library's own
 * critical section, held here through the object layer) leaves the queue
 * usable: a receiver blocked behind it gets the entry, nothing is lost.
 */
static void
test_dead_holder(void)
{
	struct exitpt_dtaq	*q;
	struct ipcobj		*o;
	char			 buf[BUFSZ], c, cmd[PATH_MAX + 64];
	const char		*exitctl;
	FILE			*f;
	pid_t			 holder, receiver;
	int			 fd[2], status;

	q = mkq("dead", EXITPT_DTAQ_FIFO, 16, 0, 4, 0);
	snd(q, NULL, "before");
	if (pipe(fd) == -1)
		tap_bail("pipe");
	if ((holder = fork()) == 0) {
		struct ipcobj_deadline	d;

		ipcobj_deadline_set(&d, 1);
		if (ipcobj_open(IPCOBJ_DTAQ, IPCDIR_OBJECTS, "dead",
		    IPCOBJ_READ | IPCOBJ_WRITE, &o) != 0 ||
		    ipcobj_lock(o, &d) != 0)
			_exit(1);
		if (write(fd[1], "L", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(fd[1]);
	if (read(fd[0], &c, 1) != 1)
		tap_bail("lock holder failed");
	close(fd[0]);
	/*
	 * exitctl(8) tells a queue whose lock never came from an empty one:
	 * exit 3 (an IPC wait elapsed) and the entries it holds.
	 */
	if ((exitctl = getenv("EXITCTL")) == NULL)
		tap_bail("EXITCTL is not set");
	snprintf(cmd, sizeof(cmd), "'%s' dtaq receive dead --wait 0.2 2>&1 "
	    ">/dev/null", exitctl);
	if ((f = popen(cmd, "r")) == NULL)
		tap_bail("popen");
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	status = pclose(f);
	is_int(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 3,
	    "exitctl_receive_from_a_queue_whose_lock_never_came_exits_3");
	ok(strstr(buf, "holds 1 entry, but another process held its lock") !=
	    NULL, "and says the queue holds an entry: %s", buf);
	if ((receiver = fork()) == 0)
		_exit(rcv(q, EXITPT_DTAQ_ANY, NULL, EXITPT_WAIT_FOREVER, buf) ==
		    0 && strcmp(buf, "before") == 0 ? 0 : 1);
	wait_asleep(receiver);
	kill(holder, SIGKILL);
	waitpid(holder, &status, 0);
	waitpid(receiver, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "killed_lock_holder_unblocks_receiver_with_its_entry");
	is_int(exitpt_dtaq_count(q), 0, "the entry went to that receiver only");
	snd(q, NULL, "after");
	ok(rcv(q, EXITPT_DTAQ_ANY, NULL, 0, buf) == 0 && strcmp(buf, "after") ==
	    0, "the queue works on after the holder's death");
	exitpt_dtaq_close(q);
}

#define THREAD_N	20000

/* Send THREAD_N numbered entries through a shared handle. */
static void *
sender_thread(void *arg)
{
	struct exitpt_dtaq	*q = arg;
	uint32_t		 i;

	for (i = 0; i < THREAD_N; i++) {
		if (exitpt_dtaq_send(q, NULL, 0, &i, sizeof(i), 10) != 0)
			return ((void *)1);
	}
	return (NULL);
}

/* Two threads of one process may share a handle: order kept, none lost. */
static void
test_threads(void)
{
	struct exitpt_dtaq_entry e;
	struct exitpt_dtaq	*q;
	pthread_t		 t;
	uint32_t		 i, v;
	void			*rv;
	int			 bad = 0;

	q = mkq("threads", EXITPT_DTAQ_FIFO, sizeof(uint32_t), 0, 8, 0);
	if (pthread_create(&t, NULL, sender_thread, q) != 0)
		tap_bail("pthread_create");
	for (i = 0; i < THREAD_N; i++) {
		memset(&e, 0, sizeof(e));
		e.data = &v;
		e.size = sizeof(v);
		if (exitpt_dtaq_receive(q, EXITPT_DTAQ_ANY, NULL, 0, 10,
		    &e) != 0 || v != i)
			bad++;
	}
	pthread_join(t, &rv);
	ok(bad == 0 && rv == NULL, "threads_share_a_handle: %d entries in "
	    "order through a queue of 8", THREAD_N);
	exitpt_dtaq_close(q);
}

/* Bad names, types, lengths, keys and waits: clear errors, nothing lost. */
static void
test_bad(void)
{
	static const char	*badnames[] = { "", ".hidden", "-opt", "a/b",
	    "../x", "a b", "semi;colon", "tab\t", "é",
	    "123456789012345678901234567890123" };
	struct exitpt_dtaq_entry e;
	struct exitpt_dtaq	*q;
	struct ipcobj		*o;
	char			 buf[BUFSZ], big[64];
	size_t			 i;

	for (i = 0; i < nitems(badnames); i++) {
		is_int(exitpt_dtaq_create(badnames[i], EXITPT_DTAQ_FIFO, 8, 0,
		    1, 0, 0600), EXITPT_E_NAME, "bad_name_refused: '%s'",
		    badnames[i]);
		is_int(exitpt_dtaq_open(badnames[i], &q), EXITPT_E_NAME,
		    "open '%s' refused too", badnames[i]);
	}
	is_int(exitpt_dtaq_create("12345678901234567890123456789012",
	    EXITPT_DTAQ_FIFO, 8, 0, 1, 0, 0600), 0, "a 32-character name is "
	    "fine");
	exitpt_dtaq_delete("12345678901234567890123456789012");

	is_int(exitpt_dtaq_create("bad", 0, 8, 0, 1, 0, 0600), EXITPT_E_VALUE,
	    "unknown type");
	is_int(exitpt_dtaq_create("bad", EXITPT_DTAQ_FIFO, 0, 0, 1, 0, 0600),
	    EXITPT_E_VALUE, "max length 0");
	is_int(exitpt_dtaq_create("bad", EXITPT_DTAQ_FIFO, 64513, 0, 1, 0,
	    0600), EXITPT_E_VALUE, "max length over 64512");
	is_int(exitpt_dtaq_create("bad", EXITPT_DTAQ_FIFO, 8, 0, 0, 0, 0600),
	    EXITPT_E_VALUE, "capacity 0");
	is_int(exitpt_dtaq_create("bad", EXITPT_DTAQ_KEYED, 8, 0, 1, 0, 0600),
	    EXITPT_E_KEY, "keyed queue without key length");
	is_int(exitpt_dtaq_create("bad", EXITPT_DTAQ_KEYED, 8, 257, 1, 0,
	    0600), EXITPT_E_KEY, "key length over 256");
	is_int(exitpt_dtaq_create("bad", EXITPT_DTAQ_FIFO, 8, 4, 1, 0, 0600),
	    EXITPT_E_KEY, "key length on a FIFO queue");
	is_int(exitpt_dtaq_create("bad", EXITPT_DTAQ_FIFO, 64512, 0, 100000, 0,
	    0600), EXITPT_E_TOO_LONG, "a queue too big for an IPC object");
	is_int(exitpt_dtaq_create("bad", EXITPT_DTAQ_FIFO, 8, 0, 1, 0x10,
	    0600), EXITPT_E_VALUE, "unknown flag");
	is_int(exitpt_dtaq_create("bad", EXITPT_DTAQ_FIFO, 8, 0, 1, 0, 01600),
	    EXITPT_E_VALUE, "mode outside 0666");
	is_int(exitpt_dtaq_open("bad", &q), -ENOENT, "none of those created "
	    "anything");

	q = mkq("bad", EXITPT_DTAQ_FIFO, 8, 0, 2, 0);
	is_int(exitpt_dtaq_create("bad", EXITPT_DTAQ_FIFO, 8, 0, 2, 0, 0600),
	    -EEXIST, "creating an existing queue is -EEXIST");
	memset(big, 'x', sizeof(big));
	snd(q, NULL, "keep");
	is_int(exitpt_dtaq_send(q, NULL, 0, big, 9, 0), EXITPT_E_TOO_LONG,
	    "oversized_entry_refused_too_long");
	is_int(exitpt_dtaq_send(q, NULL, 0, big, 8, 0), 0,
	    "an entry of exactly the maximum length fits");
	is_int(exitpt_dtaq_send(q, "k", 1, "x", 1, 0), EXITPT_E_KEY,
	    "a key on a FIFO queue is EXITPT_E_KEY");
	is_int(rcv(q, EXITPT_DTAQ_EQ, "k", 0, buf), EXITPT_E_KEY,
	    "a key order on a FIFO queue is EXITPT_E_KEY");
	is_int(rcv(q, EXITPT_DTAQ_ANY, NULL, 0.0 / 0.0, buf), EXITPT_E_VALUE,
	    "a NaN wait is EXITPT_E_VALUE");
	is_int(rcv(q, EXITPT_DTAQ_ANY, NULL, 1e9, buf), EXITPT_E_VALUE,
	    "an endless positive wait is EXITPT_E_VALUE");
	memset(&e, 0, sizeof(e));
	e.data = buf;
	e.size = 2;
	is_int(exitpt_dtaq_receive(q, EXITPT_DTAQ_ANY, NULL, 0, 0, &e),
	    EXITPT_E_TOO_LONG, "a receive buffer too small is "
	    "EXITPT_E_TOO_LONG");
	is_int(e.length, 4, "and says how long the entry is");
	is_int(exitpt_dtaq_count(q), 2, "bad calls lost nothing");
	ok(rcv(q, EXITPT_DTAQ_ANY, NULL, 0, buf) == 0 && strcmp(buf, "keep") ==
	    0, "the entry is intact");
	exitpt_dtaq_close(q);

	q = mkq("bad", EXITPT_DTAQ_KEYED, 8, 4, 2, 0);
	is_int(exitpt_dtaq_send(q, "abc", 3, "x", 1, 0), EXITPT_E_KEY,
	    "wrong_key_length_refused (send, short)");
	is_int(exitpt_dtaq_send(q, "abcde", 5, "x", 1, 0), EXITPT_E_KEY,
	    "wrong key length refused (send, long)");
	is_int(exitpt_dtaq_send(q, NULL, 0, "x", 1, 0), EXITPT_E_KEY,
	    "a keyed queue needs a key");
	is_int(rcv(q, EXITPT_DTAQ_EQ, "abc", 0, buf), EXITPT_E_KEY,
	    "wrong key length refused (receive)");
	is_int(exitpt_dtaq_clear(q, EXITPT_DTAQ_GE, "ab", 2), EXITPT_E_KEY,
	    "wrong key length refused (clear)");
	is_int(exitpt_dtaq_peek(q, 9, EXITPT_DTAQ_ANY, NULL, 0, NULL, NULL),
	    EXITPT_E_VALUE, "unknown peek selection");
	is_int(rcv(q, 42, "abcd", 0, buf), EXITPT_E_VALUE, "unknown key order");
	is_int(exitpt_dtaq_order_parse("XX"), -1, "unknown order name");
	is_int(exitpt_dtaq_order_parse("ge"), EXITPT_DTAQ_GE, "order names "
	    "in any case");
	exitpt_dtaq_close(q);
	exitpt_dtaq_delete("bad");

	/* A data area shares the namespace: it is not a queue. */
	if (ipcobj_create(IPCOBJ_DTAARA, IPCDIR_OBJECTS, "wrongtype", 0600, 64,
	    NULL, NULL, &o) != 0)
		tap_bail("cannot create a data area object");
	ipcobj_close(o);
	is_int(exitpt_dtaq_open("wrongtype", &q), EXITPT_E_TYPE,
	    "wrong_type_refused: a data area is not a data queue");
	is_int(exitpt_dtaq_create("wrongtype", EXITPT_DTAQ_FIFO, 8, 0, 1, 0,
	    0600), -EEXIST, "nor can a queue take its name");
	is_int(exitpt_dtaq_delete("wrongtype"), EXITPT_E_TYPE,
	    "nor can dtaq delete remove it");
	ipcobj_unlink(IPCOBJ_DTAARA, IPCDIR_OBJECTS, "wrongtype");
	is_int(exitpt_dtaq_open("gone", &q), -ENOENT, "a missing queue is "
	    "-ENOENT");
	is_int(exitpt_dtaq_delete("gone"), -ENOENT, "deleting one too");
}

int
main(void)
{
	char	prefix[32];

	snprintf(prefix, sizeof(prefix), "dtaqtest%d", (int)getpid());
	setenv("EXITPT_IPC_PREFIX", prefix, 1);
	ipctest_atexit();
	alarm(90);	/* a hang is a failure, not a stuck test run */
	test_sequence();
	test_keyed_orders();
	test_peek();
	test_sender();
	test_waits();
	test_multi();
	test_dead_holder();
	test_threads();
	test_bad();
	return (tap_done());
}
