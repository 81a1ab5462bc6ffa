/*
 * Test harness for exitd's runner: runs the programs named on the command
 * line at once, as exitd's phase engine would, and prints each result as
 * one line of key=value pairs for tests/runner.sh.
 */
#include <sys/resource.h>

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "exitd.h"

static struct event_base	*harness_base;
static int			 harness_running;
static int			 harness_reports;
static int			 harness_njobs;

static const char *harness_ends[] = {
	"exited", "signaled", "timedout", "refused", "failed"
};

/* Print one result line; stop the loop after the last one. */
static void
harness_done_cb(const struct runner_result *r, void *arg)
{
	int32_t	v[4] = { 0, 0, 0, 0 };
	size_t	i;

	*(struct runner_job **)arg = NULL;	/* freed after we return */
	memcpy(v, r->info, r->infolen);
	printf("number=%d end=%s code=%d info=", r->number,
	    harness_ends[r->end], r->code);
	for (i = 0; i < r->infolen / 4; i++)
		printf("%s%d", i ? "," : "", v[i]);
	printf(" kept=%zu dropped=%zu duration_ms=%llu reason=%s\n",
	    r->output_kept, r->output_dropped,
	    (unsigned long long)r->duration_ms, r->reason);
	fflush(stdout);
	harness_reports++;
	if (--harness_running == 0)
		event_base_loopexit(harness_base, NULL);
}

/* Stop every job when the -k delay has passed. */
static void
harness_stop_cb(evutil_socket_t fd, short events, void *arg)
{
	struct runner_job	**jobs = arg;
	int			  i;

	for (i = 0; i < harness_njobs; i++) {
		if (jobs[i] != NULL)
			runner_stop(jobs[i]);
	}
}

/* Peak resident set size of this process, in KiB. */
static long
harness_maxrss(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_maxrss);
}

/* Print usage and exit. */
static void __attribute__((noreturn))
harness_usage(void)
{
	fprintf(stderr, "usage: runner-harness [-C auto|cgroup|cgroup-per-run|subreaper] "
	    "[-f format] [-p phase] "
	    "[-u user] [-t timeout] [-k stop-ms] [-d data] [-n number] "
	    "[-a action] [-r request] [-W window] [-s state] [-m] "
	    "program ...\n");
	exit(2);
}

/* Parse an integer option or exit. */
static int
harness_int(const char *s)
{
	long long	v;

	if (text_parse_int(s, -1000000, 1000000, &v) != 0)
		harness_usage();
	return ((int)v);
}

int
main(int argc, char **argv)
{
	struct registry_entry	*entries;
	struct runner_spec	 spec;
	struct passwd		*pw;
	char			*self = NULL;
	struct runner_job	**jobs;
	struct event		*stop = NULL;
	struct timeval		 tv;
	int32_t			 info[4];
	const char		*format = EXITPT_FORMAT_BMGF0100;
	const char		*user = NULL, *data = "";
	char			 instance[64];
	int			 ch, i, n, number = 1, stop_ms = -1, mem = 0;
	int			 contain = CONTAIN_AUTO;
	long			 rss_before;

	memset(&spec, 0, sizeof(spec));
	spec.phase = EXITPT_PHASE_CHECK;
	spec.action = EXITPT_ACTION_MIGRATION;
	spec.operation_id = 0x1234abcd;
	while ((ch = getopt(argc, argv, "a:C:d:f:k:mn:p:r:s:t:u:W:")) != -1) {
		switch (ch) {
		case 'C':
			contain = strcmp(optarg, "cgroup") == 0 ?
			    CONTAIN_CGROUP : strcmp(optarg,
			    "cgroup-per-run") == 0 ? CONTAIN_CGROUP_RUN :
			    strcmp(optarg, "subreaper") == 0 ?
			    CONTAIN_SUBREAPER : CONTAIN_AUTO;
			break;
		case 'a': spec.action = harness_int(optarg); break;
		case 'd': data = optarg; break;
		case 'f': format = optarg; break;
		case 'k': stop_ms = harness_int(optarg); break;
		case 'm': mem = 1; break;
		case 'n': number = harness_int(optarg); break;
		case 'p': spec.phase = optarg[0]; break;
		case 'r': spec.request = harness_int(optarg); break;
		case 's': spec.system_state = harness_int(optarg); break;
		case 't': spec.timeout = harness_int(optarg); break;
		case 'u': user = optarg; break;
		case 'W': spec.window = harness_int(optarg); break;
		default: harness_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || exitpt_format_length(format) == 0)
		harness_usage();
	/* By default programs run as the user running the harness. */
	if (user == NULL && (pw = getpwuid(geteuid())) != NULL)
		user = self = xstrdup(pw->pw_name);
	if (user == NULL)
		harness_usage();

	log_init(1, 1);
	harness_base = event_base_new();
	snprintf(instance, sizeof(instance), "exitpt-harness-%ld",
	    (long)getpid());
	runner_contain(contain, instance);
	runner_init(harness_base);

	/* Exit information as exitd prefills it (SPEC section 3). */
	spec.format = format;
	spec.infolen = exitpt_format_length(format);
	info[0] = (int32_t)spec.infolen;
	info[1] = spec.action;
	if (strcmp(format, EXITPT_FORMAT_BMGF0100) == 0) {
		info[2] = EXITPT_STATUS_NONE;
		info[3] = EXITPT_WAIT_NONE;
	} else if (strcmp(format, EXITPT_FORMAT_BMGF0200) == 0) {
		info[2] = spec.request;
		info[3] = spec.window;
	} else
		info[2] = spec.system_state;
	spec.info = info;
	spec.writable = strcmp(format, EXITPT_FORMAT_AMGF0100) != 0;

	entries = xcalloc((size_t)argc, sizeof(*entries));
	/* A finished job's slot is set to NULL by its callback. */
	jobs = xcalloc((size_t)argc, sizeof(*jobs));
	harness_njobs = argc;
	rss_before = harness_maxrss();
	for (i = 0; i < argc; i++) {
		entries[i].point = spec.writable ? REGISTRY_SUSPEND :
		    REGISTRY_RESUME;
		entries[i].number = number + i;
		entries[i].program = argv[i];
		entries[i].user = (char *)user;
		entries[i].data = (char *)data;
		entries[i].text = (char *)"";
		spec.entry = &entries[i];
		jobs[i] = runner_start(&spec, harness_done_cb, &jobs[i]);
		printf("started number=%d pid=%ld\n", number + i,
		    (long)runner_pid(jobs[i]));
		fflush(stdout);
		harness_running++;
	}
	if (stop_ms >= 0) {
		stop = evtimer_new(harness_base, harness_stop_cb, jobs);
		tv.tv_sec = stop_ms / 1000;
		tv.tv_usec = (stop_ms % 1000) * 1000;
		evtimer_add(stop, &tv);
	}
	event_base_dispatch(harness_base);
	if (mem)
		printf("maxrss_growth_kb=%ld\n", harness_maxrss() - rss_before);
	n = harness_reports;
	printf("reports=%d\n", n);

	if (stop != NULL)
		event_free(stop);
	runner_shutdown();
	event_base_free(harness_base);
	free(entries);
	free(jobs);
	free(self);
	return (n == argc ? 0 : 1);
}
