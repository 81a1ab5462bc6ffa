/*
 * The exit program helper (SPEC section 4): exitpt_exitprog_run hands the
 * exit information on descriptor 3 to one function, shared with exitd when
 * it is writable and as a private copy when it is not, and refuses an
 * invocation that exitd could not have made.
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitpt-int.h"
#include "tap.h"

struct seen {
	int		 calls;
	char		 format[16];
	char		 phase;
	int32_t		 words[4];
};

/* Record what the helper passed; answer a Check with allow, 120 s. */
static int
record_fn(void *info, const char *format, char phase, void *arg)
{
	struct seen	*seen = arg;
	int32_t		*w = info;

	seen->calls++;
	snprintf(seen->format, sizeof(seen->format), "%s", format);
	seen->phase = phase;
	memcpy(seen->words, info, exitpt_format_length(format));
	if (phase == EXITPT_PHASE_CHECK) {
		w[2] = EXITPT_STATUS_ALLOW;
		w[3] = 120;
	} else
		w[2] = 99;	/* must not reach exitd for read-only info */
	return (7);
}

/*
 * Put exit information on descriptor 3: a memfd holding words, of len
 * bytes; read-only through a sealed memfd reopened O_RDONLY.  Returns the
 * read-write memfd, so the test can read back what exitd would.
 */
static int
put_fd3(const int32_t *words, size_t len, int writable)
{
	char	path[64];
	int	fd, ro;

	close(EXITPT_EXITPROG_FD);
	if ((fd = memfd_create("exitprog-test", MFD_ALLOW_SEALING)) == -1)
		tap_bail("memfd_create");
	if (pwrite(fd, words, len, 0) != (ssize_t)len)
		tap_bail("pwrite");
	if (writable) {
		if (dup2(fd, EXITPT_EXITPROG_FD) == -1)
			tap_bail("dup2");
		return (fd);
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW |
	    F_SEAL_SHRINK) == -1)
		tap_bail("seal");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((ro = open(path, O_RDONLY)) == -1 ||
	    dup2(ro, EXITPT_EXITPROG_FD) == -1)
		tap_bail("reopen read-only");
	close(ro);
	return (fd);
}

/* Run the helper as exitd would start program FORMAT PHASE. */
static int
run(const char *format, const char *phase, struct seen *seen)
{
	char	*argv[] = { (char *)"prog", (char *)format, (char *)phase,
		    NULL };

	memset(seen, 0, sizeof(*seen));
	return (exitpt_exitprog_run(3, argv, record_fn, seen));
}

/* Read the first n words of a memfd. */
static void
read_words(int fd, int32_t *w, size_t n)
{
	if (pread(fd, w, n * 4, 0) != (ssize_t)(n * 4))
		tap_bail("pread");
}

static void
test_check_answers_in_place(void)
{
	int32_t	 in[4] = { 16, EXITPT_ACTION_MIGRATION, -1, 0 }, out[4];
	struct seen seen;
	int	 fd, rc;

	fd = put_fd3(in, 16, 1);
	rc = run(EXITPT_FORMAT_BMGF0100, "1", &seen);
	is_int(rc, 7, "check_fn_return_is_run_return");
	is_int(seen.calls, 1, "check_fn_called_once");
	is_str(seen.format, "BMGF0100", "check_fn_gets_format");
	is_int(seen.phase, '1', "check_fn_gets_phase");
	ok(seen.words[0] == 16 && seen.words[1] == 1 && seen.words[2] == -1 &&
	    seen.words[3] == 0, "check_fn_gets_prefilled_bmgf0100");
	read_words(fd, out, 4);
	ok(out[2] == 1 && out[3] == 120,
	    "check_answer_written_in_place_reaches_exitd");
	close(fd);
}

static void
test_prepare_and_cancel(void)
{
	int32_t	 in[4] = { 16, EXITPT_ACTION_HIBERNATION,
		    EXITPT_REQUEST_CANCEL, 300 };
	struct seen seen;
	int	 fd, rc;

	fd = put_fd3(in, 16, 1);
	rc = run(EXITPT_FORMAT_BMGF0200, "2", &seen);
	is_int(rc, 7, "cancel_runs");
	ok(seen.words[1] == 2 && seen.words[2] == 2 && seen.words[3] == 300,
	    "cancel_fn_gets_action_request_and_window");
	close(fd);
}

static void
test_resume_is_private(void)
{
	int32_t	 in[3] = { 12, EXITPT_ACTION_MIGRATION,
		    EXITPT_SYSTEM_RESTRICTED }, out[3];
	struct seen seen;
	int	 fd, rc;

	fd = put_fd3(in, 12, 0);
	rc = run(EXITPT_FORMAT_AMGF0100, "4", &seen);
	is_int(rc, 7, "complete_runs_on_read_only_info");
	ok(seen.words[0] == 12 && seen.words[2] == 1,
	    "complete_fn_gets_amgf0100_with_system_state");
	read_words(fd, out, 3);
	is_int(out[2], 1, "complete_fn_writes_do_not_reach_exitd");
	close(fd);
}

static void
test_bad_invocations(void)
{
	int32_t	 in[4] = { 16, 1, -1, 0 }, bad[4] = { 12, 1, -1, 0 };
	char	*two[] = { (char *)"prog", (char *)"BMGF0100", NULL };
	struct seen seen;
	int	 fd;

	fd = put_fd3(in, 16, 1);
	is_int(exitpt_exitprog_run(2, two, record_fn, &seen), EXITPT_E_VALUE,
	    "missing_phase_argument_refused");
	is_int(run("XXXX0100", "1", &seen), EXITPT_E_FORMAT,
	    "unknown_format_refused");
	is_int(run(EXITPT_FORMAT_BMGF0100, "2", &seen), EXITPT_E_FORMAT,
	    "phase_not_of_the_format_refused");
	is_int(run(EXITPT_FORMAT_BMGF0100, "12", &seen), EXITPT_E_FORMAT,
	    "phase_longer_than_one_char_refused");
	is_int(run(EXITPT_FORMAT_AMGF0100, "4", &seen), EXITPT_E_MALFORMED,
	    "fd3_of_another_length_refused");
	is_int(seen.calls, 0, "fn_not_called_on_bad_invocation");
	close(fd);

	fd = put_fd3(bad, 16, 1);
	is_int(run(EXITPT_FORMAT_BMGF0100, "1", &seen), EXITPT_E_MALFORMED,
	    "length_field_not_the_formats_refused");
	close(fd);

	close(EXITPT_EXITPROG_FD);
	is_int(run(EXITPT_FORMAT_BMGF0100, "1", &seen), -EBADF,
	    "no_fd3_refused");
}

static void
test_environment(void)
{
	int	p[2], saved;
	char	buf[256];
	ssize_t	n;

	setenv("EXITPT_PROGRAM_DATA", "busy=/run/app.busy", 1);
	setenv("EXITPT_PROGRAM_NUMBER", "42", 1);
	setenv("EXITPT_OPERATION_ID", "00000000deadBEEF", 1);
	is_str(exitpt_exitprog_data(), "busy=/run/app.busy", "data_from_env");
	is_int(exitpt_exitprog_number(), 42, "number_from_env");
	ok(exitpt_exitprog_operation() == 0xdeadbeefULL,
	    "operation_id_from_env");
	setenv("EXITPT_PROGRAM_NUMBER", "0", 1);
	setenv("EXITPT_OPERATION_ID", "-1", 1);
	is_int(exitpt_exitprog_number(), 0, "bad_number_reads_as_0");
	ok(exitpt_exitprog_operation() == 0, "bad_operation_id_reads_as_0");
	unsetenv("EXITPT_PROGRAM_DATA");
	is_str(exitpt_exitprog_data(), "", "no_data_reads_as_empty");

	if (pipe(p) == -1 || (saved = dup(STDOUT_FILENO)) == -1)
		tap_bail("pipe");
	fflush(stdout);
	dup2(p[1], STDOUT_FILENO);
	exitpt_exitprog_reason("backup\nrunning");
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	buf[n < 0 ? 0 : n] = '\0';
	is_str(buf, "EXITPT_REASON=backup running\n",
	    "reason_is_one_stdout_key_line");
}

int
main(void)
{
	test_check_answers_in_place();
	test_prepare_and_cancel();
	test_resume_is_private();
	test_bad_invocations();
	test_environment();
	return (tap_done());
}
