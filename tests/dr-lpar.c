/*
 * lpar_get_info(), getlparload() and lpar_set_resources(): real data from
 * /proc and /sys on any machine, a Power partition's definition from
 * lparcfg (a recorded one here, through EXITPT_LPARCFG), clear errors
 * for what Linux does not have, and no trouble from a garbled lparcfg.
 */
#include <sys/sysinfo.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/dr.h>

#include "tap.h"

static void	use_lparcfg(const char *);
static void	test_plain_machine(void);
static void	test_shared_partition(void);
static void	test_bad_lparcfg(void);
static void	test_errors(void);
static void	test_load(void);

/* Use the recorded lparcfg NAME from the source tree, or none at all. */
static void
use_lparcfg(const char *name)
{
	char	path[4096];

	snprintf(path, sizeof(path), "%s/tests/%s",
	    getenv("top_srcdir") != NULL ? getenv("top_srcdir") : ".", name);
	setenv("EXITPT_LPARCFG", name != NULL ? path : "/nonexistent", 1);
}

/* Any Linux machine: FORMAT2 from /proc, FORMAT1 refused. */
static void
test_plain_machine(void)
{
	lpar_info_format1_t	f1;
	lpar_info_format2_t	f2;
	struct sysinfo		si;
	unsigned long long	mb;

	setenv("EXITPT_LPARCFG", "/nonexistent", 1);
	errno = 0;
	ok(lpar_get_info(LPAR_INFO_FORMAT1, &f1, sizeof(f1)) == -1 &&
	    errno == ENOTSUP, "FORMAT1 outside a Power partition: ENOTSUP");
	ok(lpar_get_info(LPAR_INFO_FORMAT2, &f2, sizeof(f2)) == 0,
	    "FORMAT2 answers on any machine");
	is_int(f2.version, 2, "FORMAT2 version");
	is_int(f2.online_lcpus, sysconf(_SC_NPROCESSORS_ONLN),
	    "online_lcpus is the online processor count");
	sysinfo(&si);
	mb = (unsigned long long)si.totalram * si.mem_unit >> 20;
	ok(f2.online_memory + 1 >= mb && f2.online_memory <= mb + 1,
	    "online_memory %llu MB is the machine's %llu MB",
	    (unsigned long long)f2.online_memory, mb);
	ok(f2.online_vcpus >= 1 && f2.online_vcpus <= f2.online_lcpus,
	    "online_vcpus (cores) 1..online_lcpus: %u", f2.online_vcpus);
	is_int(f2.entitled_capacity, f2.online_vcpus * 100,
	    "a dedicated partition is entitled to 100 per core");
	ok(f2.lpar_flags & LPAR_INFO2_CAPPED, "and is capped");
	is_int(f2.pool_id + f2.variable_weight + f2.shcpus_in_sys, 0,
	    "no pool, weight or shared processors");
}

/* A shared-processor partition's lparcfg. */
static void
test_shared_partition(void)
{
	lpar_info_format1_t	f1;
	lpar_info_format2_t	f2;

	use_lparcfg("lparcfg-shared.txt");
	ok(lpar_get_info(LPAR_INFO_FORMAT1, &f1, sizeof(f1)) == 0,
	    "FORMAT1 from lparcfg");
	is_int(f1.version, 1, "FORMAT1 version");
	is_int(f1.lpar_number, 7, "lpar_number from partition_id");
	ok(strcmp(f1.lpar_name, "lpar-db01") == 0, "lpar_name: '%s'",
	    f1.lpar_name);
	is_int(f1.min_memory, 2048, "min_memory, MB");
	is_int(f1.desired_memory, 16384, "desired_memory, MB");
	is_int(f1.max_memory, 32768, "max_memory, MB from MaxMem bytes");
	is_int(f1.max_pcpus_in_sys, 20, "max_pcpus_in_sys");
	is_int(f1.min_vcpus, 1, "min_vcpus");
	is_int(f1.max_vcpus, 8, "max_vcpus");
	is_int(f1.desired_vcpus, 4, "desired_vcpus");
	is_int(f1.minimum_capacity, 10, "minimum_capacity");
	is_int(f1.maximum_capacity, 400, "maximum_capacity");
	is_int(f1.desired_capacity, 150, "desired_capacity");
	is_int(f1.capacity_increment, 1, "capacity_increment");
	is_int(f1.desired_variable_capwt, 128, "desired_variable_capwt");
	ok((f1.lpar_flags & (LPAR_INFO1_LPAR_CAPABLE |
	    LPAR_INFO1_LPAR_ENABLED | LPAR_INFO1_SPLPAR_CAPABLE |
	    LPAR_INFO1_SHARED)) == (LPAR_INFO1_LPAR_CAPABLE |
	    LPAR_INFO1_LPAR_ENABLED | LPAR_INFO1_SPLPAR_CAPABLE |
	    LPAR_INFO1_SHARED), "flags: LPAR, SPLPAR capable, shared (0x%x)",
	    f1.lpar_flags);
	ok(f1.smt_threads >= 1, "smt_threads %u", f1.smt_threads);
	is_int(f1.max_lcpus, f1.max_vcpus * f1.smt_threads,
	    "max_lcpus = max_vcpus * smt_threads");

	ok(lpar_get_info(LPAR_INFO_FORMAT2, &f2, sizeof(f2)) == 0,
	    "FORMAT2 from lparcfg");
	is_int(f2.entitled_capacity, 150, "entitled_capacity");
	is_int(f2.online_vcpus, 4, "online_vcpus from "
	    "partition_active_processors");
	is_int(f2.pcpus_in_sys, 20, "pcpus_in_sys");
	is_int(f2.variable_weight, 128, "variable_weight");
	is_int(f2.unalloc_weight, 7, "unalloc_weight");
	is_int(f2.unalloc_capacity, 25, "unalloc_capacity");
	is_int(f2.min_req_vcpu_capacity, 5, "min_req_vcpu_capacity");
	is_int(f2.group_id, 32775, "group_id");
	is_int(f2.pool_id, 3, "pool_id");
	is_int(f2.pcpus_in_pool, 20, "pcpus_in_pool");
	ok(!(f2.lpar_flags & LPAR_INFO2_CAPPED), "uncapped");
	ok(f2.lpar_flags & LPAR_INFO2_EXTENDED, "extended pool data");
	is_int(f2.shcpus_in_sys, 18, "shcpus_in_sys");
	is_int(f2.max_pool_capacity, 2000, "max_pool_capacity");
	is_int(f2.entitled_pool_capacity, 1850, "entitled_pool_capacity");
}

/* A garbled file: what parses counts, the rest is 0, nothing breaks. */
static void
test_bad_lparcfg(void)
{
	lpar_info_format1_t	f1;
	lpar_info_format2_t	f2;

	use_lparcfg("lparcfg-bad.txt");
	ok(lpar_get_info(LPAR_INFO_FORMAT1, &f1, sizeof(f1)) == 0,
	    "a garbled lparcfg still answers");
	is_int(f1.lpar_number, 0, "a negative partition_id is not taken");
	is_int(f1.desired_memory, 0, "an overflowing DesMem is not taken");
	is_int(f1.min_vcpus, 3, "a key after an over-long line is read");
	ok(!(f1.lpar_flags & LPAR_INFO1_SPLPAR_CAPABLE),
	    "a weight of 'twelve' is no weight");
	ok(lpar_get_info(LPAR_INFO_FORMAT2, &f2, sizeof(f2)) == 0 &&
	    (f2.lpar_flags & LPAR_INFO2_CAPPED), "'1 trailing words' reads 1");
	is_int(f2.online_vcpus, 2, "online_vcpus");
}

/* Bad calls get AIX's errors. */
static void
test_errors(void)
{
	lpar_info_format2_t	f2;
	lpar_load_t		load;
	uint64_t		n = 0;
	proc_module_info_t	m;
	int			rc;

	errno = 0;
	ok(lpar_get_info(99, &f2, sizeof(f2)) == -1 && errno == EINVAL,
	    "unknown command: EINVAL");
	errno = 0;
	ok(lpar_get_info(LPAR_INFO_FORMAT2, &f2, sizeof(f2) - 1) == -1 &&
	    errno == EINVAL, "a short buffer: EINVAL");
	errno = 0;
	ok(lpar_get_info(LPAR_INFO_FORMAT2, NULL, sizeof(f2)) == -1 &&
	    errno == EFAULT, "no buffer: EFAULT");
	errno = 0;
	ok(getlparload(&load, sizeof(load) - 1) == -1 && errno == EINVAL,
	    "getlparload with a short size: EINVAL");
	errno = 0;
	ok(getlparload(NULL, sizeof(load)) == -1 && errno == EFAULT,
	    "getlparload without a struct: EFAULT");
	errno = 0;
	is_int(lpar_set_resources(__SPLPAR_ENT_CAPACITY, &n),
	    LPAR_SRES_NOTSUP, "lpar_set_resources: LPAR_SRES_NOTSUP");
	is_int(errno, ENOTSUP, "and ENOTSUP");
	ok(lpar_get_info(NUM_PROC_MODULE_TYPES, &n, sizeof(n)) == 0 && n == 1,
	    "one processor module type");
	memset(&m, 0, sizeof(m));
	rc = lpar_get_info(PROC_MODULE_INFO, &m, sizeof(m));
	ok(rc == 0 && m.nsockets >= 1 && m.nchips == m.nsockets && m.ncores >= 1 &&
	    m.nsockets * m.ncores <= (unsigned)sysconf(_SC_NPROCESSORS_ONLN),
	    "module: %u sockets of %u cores", m.nsockets, m.ncores);
}

/* getlparload against /proc/loadavg. */
static void
test_load(void)
{
	lpar_load_t	load;
	double		want, got;
	FILE		*fp;

	ok(getlparload(&load, sizeof(load)) == 0, "getlparload");
	is_int(load.loadavgshift, 16, "16 binary places");
	fp = fopen("/proc/loadavg", "re");
	if (fp == NULL || fscanf(fp, "%lf", &want) != 1)
		want = -1;
	if (fp != NULL)
		fclose(fp);
	got = (double)load.loadavg / (1 << load.loadavgshift);
	ok(got > want - 0.5 && got < want + 0.5,
	    "loadavg %.2f is /proc/loadavg's %.2f", got, want);
	ok(load.utilavg >= 0 && load.utilavg <= 1 << load.loadavgshift,
	    "utilavg is a share: %d", load.utilavg);
}

int
main(void)
{
	test_plain_machine();
	test_shared_partition();
	test_bad_lparcfg();
	test_errors();
	test_load();
	return (tap_done());
}
