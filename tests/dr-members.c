/*
 * An AIX program's view of <sys/dr.h>, compiled the way a porting user
 * compiles (only `pkg-config --cflags --libs exitpt-dr`, -Wall -Werror;
 * see tests/dr-compile.sh): every dr_info_t member, SIGRECONFIG as a
 * case label and in a static table, an old three-argument handler, the
 * partition information declarations.  Then the calls that need no
 * exitd: with none running, DR_QUERY says ENXIO.
 */
#include <sys/dr.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"

#ifndef SIGRECONFIG
#error "<sys/dr.h> must define SIGRECONFIG"
#endif

/* A signal-name table, as gnulib and OpenJ9 have. */
static const struct {
	int		 sig;
	const char	*name;
} names[] = {
	{ SIGUSR1, "USR1" },
	{ SIGUSR2, "USR2" },
	{ SIGRECONFIG, "RECONFIG" },
};

static volatile sig_atomic_t	got;

static const char	*signame(int);
static void		 aix_handler(int, int, struct sigcontext *);
static int		 show(const dr_info_t *);

/* Name a signal with a switch, as gnulib's sigabbrev_np does. */
static const char *
signame(int sig)
{
	switch (sig) {
	case SIGUSR1:
		return ("USR1");
	case SIGUSR2:
		return ("USR2");
	case SIGRECONFIG:
		return ("RECONFIG");
	default:
		return ("?");
	}
}

/* An AIX-style handler, declared with AIX's three arguments. */
static void
aix_handler(int sig, int code, struct sigcontext *scp)
{
	got = sig;
}

/* Print every member, as HTX's handler does; returns the sum of bits. */
static int
show(const dr_info_t *i)
{
	char	buf[2048];
	int	bits;

	bits = i->add + i->rem + i->cpu + i->mem + i->check + i->pre +
	    i->doit + i->post + i->posterror + i->force + i->bindproc +
	    i->softpset + i->hardpset + i->plock + i->pshm + i->ent_cap +
	    i->var_wgt + i->splpar_capable + i->splpar_shared +
	    i->splpar_capped + i->cap_constrained + i->migrate +
	    i->hibernate + i->partition + i->workload_partition +
	    i->checkpoint + i->restart + i->topology_update + i->acc_update +
	    i->chlmb;
	snprintf(buf, sizeof(buf), "lcpu %d bcpu %d gen %u req %llu mem %llu "
	    "free %llu pin %llu total %llu cap %llu delta %d res %d",
	    i->lcpu, i->bcpu, i->phase_gen,
	    (unsigned long long)i->req_memsz_change,
	    (unsigned long long)i->sys_memsz,
	    (unsigned long long)i->sys_free_frames,
	    (unsigned long long)i->sys_pinnable_frames,
	    (unsigned long long)i->sys_total_frames,
	    (unsigned long long)i->capacity, i->delta_cap, i->reserved[8]);
	printf("# %s\n", buf);
	return (bits);
}

int
main(void)
{
	struct dr_info		 tagged;	/* the struct tag, as AIX */
	dr_info_t		 info;
	lpar_load_t		 load;
	lpar_info_format1_t	 f1;
	lpar_info_format2_t	 f2;
	proc_module_info_t	 mod;
	wpar_info_format_t	 wpar;
	size64_t		 sz = 0;
	rpn64_t			 rpn = 0;
	unsigned		 i;
	int			 rc;

	ok(SIGRECONFIG >= SIGRTMIN && SIGRECONFIG <= SIGRTMAX,
	    "SIGRECONFIG %d is a real-time signal (%d..%d)", SIGRECONFIG,
	    SIGRTMIN, SIGRTMAX);
	ok(SIGRECONFIG != SIGUSR1 && SIGRECONFIG != SIGUSR2,
	    "SIGRECONFIG is neither SIGUSR1 nor SIGUSR2");
	ok(strcmp(signame(SIGRECONFIG), "RECONFIG") == 0,
	    "case SIGRECONFIG: compiles and matches");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].sig == SIGRECONFIG)
			break;
	}
	ok(i == 2, "a static table holds SIGRECONFIG");

	signal(SIGRECONFIG, (void (*)(int))aix_handler);
	raise(SIGRECONFIG);
	is_int(got, SIGRECONFIG, "a three-argument handler cast to "
	    "void (*)(int) runs");

	memset(&info, 0, sizeof(info));
	memset(&tagged, 0, sizeof(tagged));
	is_int(show(&info), 0, "every member of a cleared dr_info_t is 0");
	is_int(sizeof(info), 104, "sizeof(dr_info_t) is AIX's 104");

	errno = 0;
	rc = dr_reconfig(DR_QUERY, &info);
	ok(rc == -1 && errno == ENXIO, "DR_QUERY with no exitd: ENXIO (%s)",
	    strerror(errno));
	errno = 0;
	rc = dr_reconfig(DR_RECONFIG_DONE, &tagged);
	ok(rc == -1 && errno == ENXIO, "DR_RECONFIG_DONE of nothing: ENXIO");
	errno = 0;
	rc = dr_reconfig(DR_QUERY | DR_RECONFIG_DONE, &info);
	ok(rc == -1 && errno == EINVAL, "two flags at once: EINVAL");
	errno = 0;
	rc = dr_reconfig(DR_QUERY, NULL);
	ok(rc == -1 && errno == EFAULT, "no struct: EFAULT");

	/* Declared as AIX declares them; lpar tests check their values. */
	ok(getlparload(&load, sizeof(load)) == 0 && load.loadavgshift > 0,
	    "getlparload() answers");
	ok(lpar_get_info(LPAR_INFO_FORMAT2, &f2, sizeof(f2)) == 0 &&
	    f2.online_lcpus > 0, "lpar_get_info(LPAR_INFO_FORMAT2) answers");
	rc = lpar_get_info(LPAR_INFO_FORMAT1, &f1, sizeof(f1));
	ok(rc == 0 || errno == ENOTSUP, "lpar_get_info(LPAR_INFO_FORMAT1) "
	    "answers or says ENOTSUP");
	ok(lpar_get_info(PROC_MODULE_INFO, &mod, sizeof(mod)) == 0,
	    "lpar_get_info(PROC_MODULE_INFO) answers");
	ok(lpar_get_info(WPAR_INFO_FORMAT, &wpar, sizeof(wpar)) == -1 &&
	    errno == ENOTSUP, "WPAR_INFO_FORMAT: ENOTSUP");
	ok(sz + rpn == 0 && LPAR_INFO1_PMIG_CAPABLE == 0x080 &&
	    LPAR_INFO2_EXTENDED == 0x10 && LPAR_SRES_NOTSUP == -93,
	    "AIX's constants");
	return (tap_done());
}
