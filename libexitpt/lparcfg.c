/*
 * The Power partition's configuration as Linux reports it in
 * /proc/powerpc/lparcfg (also /proc/ppc64/lparcfg): "key=value" lines
 * written by the kernel from hypervisor calls and the partition's
 * system parameters.  Only the keys exitpt uses are kept.
 * EXITPT_LPARCFG names another file (tests, containers).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitpt-int.h"

static void	 lparcfg_line(struct lparcfg *, char *);

static const char *const lparcfg_paths[] = {
	"/proc/powerpc/lparcfg",
	"/proc/ppc64/lparcfg",
};

/* Keys in enum lparcfg_key order. */
static const char *const lparcfg_names[LPARCFG_NKEYS] = {
	[LPARCFG_PARTITION_ID] = "partition_id",
	[LPARCFG_GROUP] = "group",
	[LPARCFG_POOL] = "pool",
	[LPARCFG_POOL_NUM_PROCS] = "pool_num_procs",
	[LPARCFG_POOL_IDLE_TIME] = "pool_idle_time",
	[LPARCFG_ENTITLED_CAPACITY] = "partition_entitled_capacity",
	[LPARCFG_MAX_ENTITLED_CAPACITY] = "partition_max_entitled_capacity",
	[LPARCFG_MIN_ENT_CAP] = "MinEntCap",
	[LPARCFG_MIN_ENT_CAP_PER_VP] = "MinEntCapPerVP",
	[LPARCFG_DES_ENT_CAP] = "DesEntCap",
	[LPARCFG_CAP_INC] = "CapInc",
	[LPARCFG_CAPACITY_WEIGHT] = "capacity_weight",
	[LPARCFG_DES_VAR_CAP_WT] = "DesVarCapWt",
	[LPARCFG_UNALLOC_WEIGHT] = "unallocated_capacity_weight",
	[LPARCFG_UNALLOC_CAPACITY] = "unallocated_capacity",
	[LPARCFG_CAPPED] = "capped",
	[LPARCFG_SHARED] = "shared_processor_mode",
	[LPARCFG_ACTIVE_PROCS] = "partition_active_processors",
	[LPARCFG_POTENTIAL_PROCS] = "partition_potential_processors",
	[LPARCFG_MIN_PROCS] = "MinProcs",
	[LPARCFG_DES_PROCS] = "DesProcs",
	[LPARCFG_SYSTEM_ACTIVE_PROCS] = "system_active_processors",
	[LPARCFG_SYSTEM_POTENTIAL_PROCS] = "system_potential_processors",
	[LPARCFG_SHARED_PROCS] = "physical_procs_allocated_to_virtualization",
	[LPARCFG_MAX_POOL_CAPACITY] = "max_proc_capacity_available",
	[LPARCFG_ENT_POOL_CAPACITY] = "entitled_proc_capacity_available",
	[LPARCFG_MIN_MEM] = "MinMem",
	[LPARCFG_DES_MEM] = "DesMem",
	[LPARCFG_MAX_MEM] = "MaxMem",
};

/* Store one "key=value" line if the key is one of ours. */
static void
lparcfg_line(struct lparcfg *cfg, char *line)
{
	char		*value, *end;
	long long	 v;
	size_t		 i;

	line[strcspn(line, "\n")] = '\0';
	if ((value = strchr(line, '=')) == NULL)
		return;
	*value++ = '\0';
	if (strcmp(line, "partition_name") == 0) {
		snprintf(cfg->name, sizeof(cfg->name), "%s", value);
		return;
	}
	for (i = 0; i < LPARCFG_NKEYS; i++) {
		if (strcmp(line, lparcfg_names[i]) != 0)
			continue;
		/* Some values carry a unit after the number ("N bytes"). */
		errno = 0;
		v = strtoll(value, &end, 10);
		if (end != value && errno == 0 && v >= 0 &&
		    (*end == '\0' || *end == ' '))
			cfg->v[i] = v;
		return;
	}
}

/*
 * Read the partition's configuration into cfg; a key the file lacks is
 * -1 (and the name empty).  Returns 0, -ENOENT when the machine is not a
 * Power partition (no lparcfg), or another -errno.
 */
int
lparcfg_read(struct lparcfg *cfg)
{
	FILE		*fp = NULL;
	const char	*env;
	char		 line[512];
	size_t		 i;

	for (i = 0; i < LPARCFG_NKEYS; i++)
		cfg->v[i] = -1;
	cfg->name[0] = '\0';
	if ((env = getenv("EXITPT_LPARCFG")) != NULL && *env != '\0')
		fp = fopen(env, "re");
	else {
		for (i = 0; i < nitems(lparcfg_paths) && fp == NULL; i++)
			fp = fopen(lparcfg_paths[i], "re");
	}
	if (fp == NULL)
		return (-errno);
	while (fgets(line, sizeof(line), fp) != NULL) {
		/* A line longer than the buffer is no key of ours. */
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			while (fgets(line, sizeof(line), fp) != NULL &&
			    strchr(line, '\n') == NULL)
				;
			continue;
		}
		lparcfg_line(cfg, line);
	}
	i = ferror(fp);
	fclose(fp);
	return (i ? -EIO : 0);
}
