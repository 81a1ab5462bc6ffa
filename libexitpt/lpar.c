/*
 * AIX's partition information calls, declared in <sys/dr.h>:
 * lpar_get_info(), getlparload() and lpar_set_resources(), answered from
 * what Linux reports (/proc, /sys, and lparcfg on a Power partition).
 * They follow AIX's convention, -1 with errno, since AIX code calls them.
 */
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/dr.h>

#include "exitpt-int.h"

#define LPAR_EXPORT	__attribute__((visibility("default")))
#define LPAR_SYSCPU	"/sys/devices/system/cpu"
#define LPAR_CPUS_MAX	8192	/* logical CPUs looked at */
#define LPAR_LOADSHIFT	16	/* binary places of getlparload() */

/* What the CPU topology in /sys says about the online CPUs. */
struct lpar_topology {
	unsigned int	 lcpus;		/* online logical CPUs */
	unsigned int	 smt;		/* threads per core */
	unsigned int	 cores;		/* online cores */
	unsigned int	 sockets;	/* packages with an online CPU */
};

static int	 lpar_read_ll(const char *, int, long long *);
static int	 lpar_meminfo_mb(uint64_t *);
static unsigned	 lpar_list_count(const char *);
static void	 lpar_topology(struct lpar_topology *);
static uint64_t	 lpar_timebase(void);
static int	 lpar_format1(lpar_info_format1_t *);
static int	 lpar_format2(lpar_info_format2_t *);
static unsigned	 lpar_u(long long, unsigned int);

/* Read the number a one-line file holds, in base (10, or 16). */
static int
lpar_read_ll(const char *path, int base, long long *out)
{
	FILE	*fp;
	char	 buf[64], *end;
	int	 error = 0;

	if ((fp = fopen(path, "re")) == NULL)
		return (-errno);
	if (fgets(buf, sizeof(buf), fp) == NULL)
		error = -EIO;
	fclose(fp);
	if (error != 0)
		return (error);
	errno = 0;
	*out = strtoll(buf, &end, base);
	if (end == buf || errno != 0)
		return (-EINVAL);
	return (0);
}

/* Online memory, MB, from /proc/meminfo's MemTotal. */
static int
lpar_meminfo_mb(uint64_t *mb)
{
	FILE			*fp;
	char			 line[128];
	unsigned long long	 kb;
	int			 error = -EIO;

	if ((fp = fopen("/proc/meminfo", "re")) == NULL)
		return (-errno);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1) {
			*mb = kb / 1024;
			error = 0;
			break;
		}
	}
	fclose(fp);
	return (error);
}

/* Count the CPUs in a /sys CPU list ("0-3,8,10-11"). */
static unsigned
lpar_list_count(const char *list)
{
	const char	*p = list;
	char		*end;
	unsigned long	 a, b;
	unsigned	 n = 0;

	while (*p != '\0' && *p != '\n') {
		a = strtoul(p, &end, 10);
		if (end == p)
			break;
		b = a;
		if (*end == '-') {
			p = end + 1;
			b = strtoul(p, &end, 10);
			if (end == p || b < a)
				break;
		}
		n += (unsigned)(b - a + 1);
		p = *end == ',' ? end + 1 : end;
	}
	return (n);
}

/*
 * Walk /sys/devices/system/cpu/cpuN: online CPUs, distinct packages, and
 * distinct (package, core) pairs.  What cannot be read (or allocated)
 * falls back to one socket of online-CPU-count cores.
 */
static void
lpar_topology(struct lpar_topology *t)
{
	long long		(*core)[2];
	DIR			*d;
	struct dirent		*de;
	char			 path[300], buf[256];
	long long		 on, pkg, id;
	unsigned		 ncore = 0, i, j;
	FILE			*fp;

	memset(t, 0, sizeof(*t));
	core = calloc(LPAR_CPUS_MAX, sizeof(*core));
	if (core != NULL && (d = opendir(LPAR_SYSCPU)) != NULL) {
		while ((de = readdir(d)) != NULL && ncore < LPAR_CPUS_MAX) {
			if (strncmp(de->d_name, "cpu", 3) != 0 ||
			    de->d_name[3] < '0' || de->d_name[3] > '9')
				continue;
			snprintf(path, sizeof(path), LPAR_SYSCPU "/%s/online",
			    de->d_name);
			if (lpar_read_ll(path, 10, &on) == 0 && on == 0)
				continue;
			t->lcpus++;
			snprintf(path, sizeof(path), LPAR_SYSCPU
			    "/%s/topology/physical_package_id", de->d_name);
			if (lpar_read_ll(path, 10, &pkg) != 0)
				pkg = 0;
			snprintf(path, sizeof(path), LPAR_SYSCPU
			    "/%s/topology/core_id", de->d_name);
			if (lpar_read_ll(path, 10, &id) != 0)
				id = (long long)t->lcpus;
			for (i = 0; i < ncore; i++) {
				if (core[i][0] == pkg && core[i][1] == id)
					break;
			}
			if (i == ncore) {
				core[ncore][0] = pkg;
				core[ncore][1] = id;
				ncore++;
			}
			if (t->smt != 0)
				continue;
			snprintf(path, sizeof(path), LPAR_SYSCPU
			    "/%s/topology/thread_siblings_list", de->d_name);
			if ((fp = fopen(path, "re")) != NULL) {
				if (fgets(buf, sizeof(buf), fp) != NULL)
					t->smt = lpar_list_count(buf);
				fclose(fp);
			}
		}
		closedir(d);
	}
	for (i = 0; i < ncore; i++) {
		for (j = 0; j < i && core[j][0] != core[i][0]; j++)
			;
		if (j == i)
			t->sockets++;
	}
	free(core);
	t->cores = ncore;
	if (t->lcpus == 0) {
		on = sysconf(_SC_NPROCESSORS_ONLN);
		t->lcpus = on > 0 ? (unsigned)on : 1;
	}
	if (t->cores == 0)
		t->cores = t->lcpus;
	if (t->sockets == 0)
		t->sockets = 1;
	if (t->smt == 0)
		t->smt = 1;
}

/* The timebase frequency of a Power machine (/proc/cpuinfo), or 0. */
static uint64_t
lpar_timebase(void)
{
	FILE			*fp;
	char			 line[256];
	unsigned long long	 tb = 0;

	if ((fp = fopen("/proc/cpuinfo", "re")) == NULL)
		return (0);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, "timebase : %llu", &tb) == 1)
			break;
	}
	fclose(fp);
	return (tb);
}

/* An lparcfg value as unsigned int, or dflt when not reported. */
static unsigned
lpar_u(long long v, unsigned int dflt)
{
	if (v < 0)
		return (dflt);
	return (v > (long long)UINT32_MAX ? UINT32_MAX : (unsigned)v);
}

/* LPAR_INFO_FORMAT1: the partition's definition, from lparcfg. */
static int
lpar_format1(lpar_info_format1_t *f)
{
	struct lparcfg		cfg;
	struct lpar_topology	t;
	long long		lmb;
	int			error;

	if ((error = lparcfg_read(&cfg)) != 0)
		return (error == -ENOENT ? -ENOTSUP : error);
	lpar_topology(&t);
	memset(f, 0, sizeof(*f));
	f->version = 1;
	if (cfg.v[LPARCFG_MAX_MEM] >= 0)
		f->max_memory = (uint64_t)cfg.v[LPARCFG_MAX_MEM] >> 20;
	if (cfg.v[LPARCFG_MIN_MEM] >= 0)
		f->min_memory = (uint64_t)cfg.v[LPARCFG_MIN_MEM];
	if (cfg.v[LPARCFG_DES_MEM] >= 0)
		f->desired_memory = (uint64_t)cfg.v[LPARCFG_DES_MEM];
	/* The memory block size, in hex; on Power it is the LMB size. */
	if (lpar_read_ll("/sys/devices/system/memory/block_size_bytes", 16,
	    &lmb) == 0 && lmb > 0)
		f->memory_region = (uint64_t)lmb;
	f->lpar_number = lpar_u(cfg.v[LPARCFG_PARTITION_ID], 0);
	f->lpar_flags = LPAR_INFO1_LPAR_CAPABLE | LPAR_INFO1_LPAR_ENABLED;
	if (access("/sys/kernel/dlpar", F_OK) == 0)
		f->lpar_flags |= LPAR_INFO1_DR_CAPABLE;
	if (t.smt > 1)
		f->lpar_flags |= LPAR_INFO1_SMT_CAPABLE;
	/* The kernel reports a weight only on shared-processor firmware. */
	if (cfg.v[LPARCFG_CAPACITY_WEIGHT] >= 0)
		f->lpar_flags |= LPAR_INFO1_SPLPAR_CAPABLE;
	if (cfg.v[LPARCFG_SHARED] == 1)
		f->lpar_flags |= LPAR_INFO1_SHARED;
	if (access("/sys/kernel/mobility/migration", F_OK) == 0)
		f->lpar_flags |= LPAR_INFO1_PMIG_CAPABLE;
	f->max_pcpus_in_sys = lpar_u(cfg.v[LPARCFG_SYSTEM_POTENTIAL_PROCS], 0);
	f->min_vcpus = lpar_u(cfg.v[LPARCFG_MIN_PROCS], 0);
	f->max_vcpus = lpar_u(cfg.v[LPARCFG_POTENTIAL_PROCS], 0);
	f->min_lcpus = f->min_vcpus * t.smt;
	f->max_lcpus = f->max_vcpus * t.smt;
	f->minimum_capacity = lpar_u(cfg.v[LPARCFG_MIN_ENT_CAP], 0);
	f->maximum_capacity = lpar_u(cfg.v[LPARCFG_MAX_ENTITLED_CAPACITY], 0);
	f->capacity_increment = lpar_u(cfg.v[LPARCFG_CAP_INC], 0);
	f->smt_threads = (unsigned short)t.smt;
	snprintf(f->lpar_name, sizeof(f->lpar_name), "%s", cfg.name);
	f->desired_capacity = lpar_u(cfg.v[LPARCFG_DES_ENT_CAP], 0);
	f->desired_vcpus = lpar_u(cfg.v[LPARCFG_DES_PROCS], 0);
	f->desired_variable_capwt = lpar_u(cfg.v[LPARCFG_DES_VAR_CAP_WT], 0);
	return (0);
}

/*
 * LPAR_INFO_FORMAT2: the partition's current state.  Any Linux machine
 * has memory and processors; a machine that is not a Power partition is
 * described as a dedicated, capped partition of its own cores.
 */
static int
lpar_format2(lpar_info_format2_t *f)
{
	struct lparcfg		cfg;
	struct lpar_topology	t;
	uint64_t		mb = 0, tb;
	int			error, lpar;

	if ((error = lpar_meminfo_mb(&mb)) != 0)
		return (error);
	if ((error = lparcfg_read(&cfg)) != 0 && error != -ENOENT)
		return (error);
	lpar = error == 0;
	lpar_topology(&t);
	memset(f, 0, sizeof(*f));
	f->version = 2;
	f->online_memory = mb;
	f->online_lcpus = t.lcpus;
	f->online_vcpus = lpar_u(cfg.v[LPARCFG_ACTIVE_PROCS], t.cores);
	f->pcpus_in_sys = lpar_u(cfg.v[LPARCFG_SYSTEM_ACTIVE_PROCS], t.cores);
	f->entitled_capacity = lpar_u(cfg.v[LPARCFG_ENTITLED_CAPACITY],
	    f->online_vcpus * 100);
	if (t.smt > 1)
		f->lpar_flags |= LPAR_INFO2_SMT_ENABLED;
	if (!lpar || cfg.v[LPARCFG_CAPPED] == 1)
		f->lpar_flags |= LPAR_INFO2_CAPPED;
	if (!lpar)
		return (0);
	f->pcpus_in_pool = lpar_u(cfg.v[LPARCFG_POOL_NUM_PROCS], 0);
	f->unalloc_capacity = lpar_u(cfg.v[LPARCFG_UNALLOC_CAPACITY], 0);
	f->variable_weight = lpar_u(cfg.v[LPARCFG_CAPACITY_WEIGHT], 0);
	f->unalloc_weight = lpar_u(cfg.v[LPARCFG_UNALLOC_WEIGHT], 0);
	f->min_req_vcpu_capacity = lpar_u(cfg.v[LPARCFG_MIN_ENT_CAP_PER_VP],
	    0);
	f->group_id = (unsigned short)lpar_u(cfg.v[LPARCFG_GROUP], 0);
	f->pool_id = (unsigned short)lpar_u(cfg.v[LPARCFG_POOL], 0);
	/* pool_idle_time comes in timebase ticks. */
	if (cfg.v[LPARCFG_POOL_IDLE_TIME] >= 0 && (tb = lpar_timebase()) != 0)
		f->pool_idle_time = (uint64_t)((long double)
		    cfg.v[LPARCFG_POOL_IDLE_TIME] * 1e9L / (long double)tb);
	if (cfg.v[LPARCFG_SHARED_PROCS] >= 0) {
		f->lpar_flags |= LPAR_INFO2_EXTENDED;
		f->shcpus_in_sys = lpar_u(cfg.v[LPARCFG_SHARED_PROCS], 0);
		f->max_pool_capacity =
		    lpar_u(cfg.v[LPARCFG_MAX_POOL_CAPACITY], 0);
		f->entitled_pool_capacity =
		    lpar_u(cfg.v[LPARCFG_ENT_POOL_CAPACITY], 0);
	}
	return (0);
}

/* AIX lpar_get_info(): see <sys/dr.h> and lpar_get_info(3). */
LPAR_EXPORT int
lpar_get_info(int command, void *buf, size_t bufsize)
{
	struct lpar_topology	 t;
	proc_module_info_t	*m;
	uint64_t		 one = 1;
	size_t			 need;
	int			 error;

	if (buf == NULL) {
		errno = EFAULT;
		return (-1);
	}
	switch (command) {
	case LPAR_INFO_FORMAT1:
		need = sizeof(lpar_info_format1_t);
		break;
	case LPAR_INFO_FORMAT2:
		need = sizeof(lpar_info_format2_t);
		break;
	case WPAR_INFO_FORMAT:
		errno = ENOTSUP;
		return (-1);
	case PROC_MODULE_INFO:
		need = sizeof(proc_module_info_t);
		break;
	case NUM_PROC_MODULE_TYPES:
		need = sizeof(uint64_t);
		break;
	default:
		errno = EINVAL;
		return (-1);
	}
	if (bufsize < need) {
		errno = EINVAL;
		return (-1);
	}
	switch (command) {
	case LPAR_INFO_FORMAT1:
		error = lpar_format1(buf);
		break;
	case LPAR_INFO_FORMAT2:
		error = lpar_format2(buf);
		break;
	case PROC_MODULE_INFO:
		/* Linux knows one kind of processor module per machine. */
		lpar_topology(&t);
		m = buf;
		m->nsockets = t.sockets;
		m->nchips = t.sockets;
		m->ncores = t.cores / t.sockets;
		error = 0;
		break;
	default:
		memcpy(buf, &one, sizeof(one));
		error = 0;
		break;
	}
	if (error != 0) {
		errno = -error;
		return (-1);
	}
	return (0);
}

/*
 * AIX getlparload(): the 1-minute load average and the share of CPU time
 * spent busy since boot, both in fixed point with loadavgshift places.
 */
LPAR_EXPORT int
getlparload(lpar_load_t *lp, size_t size)
{
	FILE			*fp;
	unsigned long long	 v[8] = { 0 }, total = 0, idle;
	double			 load;
	int			 i, n;

	if (lp == NULL) {
		errno = EFAULT;
		return (-1);
	}
	if (size < sizeof(*lp)) {
		errno = EINVAL;
		return (-1);
	}
	if ((fp = fopen("/proc/loadavg", "re")) == NULL)
		return (-1);
	n = fscanf(fp, "%lf", &load);
	fclose(fp);
	if (n != 1 || load < 0) {
		errno = EIO;
		return (-1);
	}
	if ((fp = fopen("/proc/stat", "re")) == NULL)
		return (-1);
	n = fscanf(fp, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(fp);
	if (n < 4) {
		errno = EIO;
		return (-1);
	}
	for (i = 0; i < n; i++)
		total += v[i];
	idle = v[3] + v[4];		/* idle and iowait */
	memset(lp, 0, sizeof(*lp));
	lp->loadavgshift = LPAR_LOADSHIFT;
	if (load > (double)(INT32_MAX >> LPAR_LOADSHIFT))
		load = (double)(INT32_MAX >> LPAR_LOADSHIFT);
	lp->loadavg = (int)(load * (1 << LPAR_LOADSHIFT));
	if (total > 0 && total >= idle)
		lp->utilavg = (int)((double)(total - idle) / (double)total *
		    (1 << LPAR_LOADSHIFT));
	return (0);
}

/* AIX lpar_set_resources(): not offered on Linux (see <sys/dr.h>). */
LPAR_EXPORT int
lpar_set_resources(int lpar_resource_id, void *lpar_resource)
{
	errno = ENOTSUP;
	return (LPAR_SRES_NOTSUP);
}
