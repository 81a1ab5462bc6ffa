/*
 * <sys/dr.h> for AIX source ported to Linux: dynamic reconfiguration
 * (DLPAR) notification through dr_reconfig() and SIGRECONFIG, and the
 * partition information calls AIX declares in the same header.
 *
 * This file is exitpt's, installed under exitpt's own include directory
 * (never over the system's): `pkg-config --cflags exitpt-dr` puts that
 * directory first, so that unchanged AIX source finds it as <sys/dr.h>
 * and links libexitpt-dr (`pkg-config --libs exitpt-dr`).
 *
 * Member names, types, constants and prototypes follow the AIX header
 * (AIX 5.3, plus the one-bit members later levels added), so that code
 * written for AIX compiles unchanged.  The bit-fields of the first word
 * are in AIX's order, but a compiler for little-endian Linux allocates
 * them from the least significant bit: never copy an image of an AIX
 * dr_info_t into this one.  See dr_reconfig(3) and lpar_get_info(3).
 */
#ifndef EXITPT_COMPAT_SYS_DR_H
#define EXITPT_COMPAT_SYS_DR_H

#include <sys/types.h>

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The signal exitd sends in each phase of an operation.  AIX's number, 58,
 * is SIGRTMAX-6 on Linux: a queued real-time signal, an integer constant
 * (so `case SIGRECONFIG:` and static signal tables compile), and clear of
 * the ones runtimes take (glibc 32-33, musl 32-34, SIGRTMIN+n of .NET and
 * timer libraries).  Unlike on AIX, an uncaught real-time signal ends the
 * process; exitd therefore signals only processes that catch it or block
 * it for sigwait().  <signal.h> defines it too when built with the
 * exitpt-dr flags, as on AIX.
 */
#ifndef SIGRECONFIG
#define SIGRECONFIG	58
#endif

/* AIX's 64-bit size and frame-number types, used by dr_info_t. */
#ifndef EXITPT_COMPAT_SIZE64_T
#define EXITPT_COMPAT_SIZE64_T
typedef uint64_t	size64_t;	/* bytes */
typedef uint64_t	rpn64_t;	/* page frames */
#endif

/*
 * What dr_reconfig(DR_QUERY) reports: the event and the phase in effect
 * at the time of the call.  phase_gen is the token that ties a later
 * DR_RECONFIG_DONE or DR_EVENT_FAIL to that phase: pass back the struct
 * DR_QUERY filled, or a copy of it.
 */
typedef struct dr_info {
	unsigned int	add : 1;		/* a resource is added */
	unsigned int	rem : 1;		/* a resource is removed */
	unsigned int	cpu : 1;		/* the resource is a CPU */
	unsigned int	mem : 1;		/* the resource is memory */
	unsigned int	check : 1;		/* check phase: may veto */
	unsigned int	pre : 1;		/* pre phase: about to happen */
	unsigned int	doit : 1;		/* doit phase (never sent) */
	unsigned int	post : 1;		/* post phase: it happened */
	unsigned int	posterror : 1;		/* it failed or was cancelled
						   after pre */
	unsigned int	force : 1;		/* the driver forces it */
	unsigned int	bindproc : 1;		/* CPU remove: bound process */
	unsigned int	softpset : 1;		/* CPU remove: soft pset */
	unsigned int	hardpset : 1;		/* CPU remove: hard pset */
	unsigned int	plock : 1;		/* memory remove: plock/mlock */
	unsigned int	pshm : 1;		/* memory remove: pinned shm */
	unsigned int	ent_cap : 1;		/* entitled capacity changes */
	unsigned int	var_wgt : 1;		/* variable weight changes */
	unsigned int	splpar_capable : 1;	/* shared-processor capable */
	unsigned int	splpar_shared : 1;	/* shared (1), dedicated (0) */
	unsigned int	splpar_capped : 1;	/* capped (1), uncapped (0) */
	unsigned int	cap_constrained : 1;	/* capacity change clamped */
	unsigned int	migrate : 1;		/* partition migration (LPM) */
	unsigned int	hibernate : 1;		/* partition hibernation */
	unsigned int	partition : 1;		/* the whole partition */
	unsigned int	workload_partition : 1;	/* a WPAR (never on Linux) */
	unsigned int	checkpoint : 1;		/* WPAR checkpoint (never) */
	unsigned int	restart : 1;		/* WPAR restart (never) */
	unsigned int	topology_update : 1;	/* affinity topology changed */
	unsigned int	acc_update : 1;		/* accelerator change (never) */
	unsigned int	chlmb : 1;		/* LMB change (never) */

	int		lcpu;			/* CPU events: logical CPU */
	int		bcpu;			/* CPU events: bind id */
	unsigned int	phase_gen;		/* the phase's token */

	size64_t	req_memsz_change;	/* memory events: bytes asked */
	size64_t	sys_memsz;		/* memory events: bytes */
	rpn64_t		sys_free_frames;	/* memory events */
	rpn64_t		sys_pinnable_frames;	/* memory events */
	rpn64_t		sys_total_frames;	/* memory events */

	uint64_t	capacity;		/* ent_cap: entitled capacity,
						   var_wgt: weight */
	int		delta_cap;		/* capacity added or removed */
	int		reserved[9];
} dr_info_t;

/* dr_reconfig() flags: exactly one per call. */
#define DR_QUERY		0x000000001	/* fill info: event in effect */
#define DR_EVENT_FAIL		0x000000002	/* check: veto; else: ack */
#define DR_RECONFIG_DONE	0x000000004	/* acknowledge the phase */

/*
 * Query the DLPAR event in effect, acknowledge its phase, or veto it.
 * Returns 0, or -1 with errno: ENXIO (no event in effect for this
 * process, or info's phase_gen names one that has ended), EPERM
 * (DR_EVENT_FAIL in check by a user exitd does not let veto; it still
 * acknowledges), EINVAL (flags), EFAULT (info NULL).  Never EINTR.
 * Async-signal-safe and thread-safe, as on AIX.
 */
int	dr_reconfig(int flags, dr_info_t *info);

/* getlparload(): load and utilization, fixed point. */
typedef struct lpar_load {
	int		loadavg;	/* 1-minute load << loadavgshift */
	int		utilavg;	/* busy share (0..1) << loadavgshift */
	char		loadavgshift;	/* binary places of both */
	char		pad[3];
} lpar_load_t;

/* Fill lp (size: sizeof(lpar_load_t)); 0, or -1 and errno. */
int	getlparload(lpar_load_t *lp, size_t size);

/* lpar_get_info() commands. */
#define LPAR_INFO_FORMAT1	1	/* lpar_info_format1_t */
#define LPAR_INFO_FORMAT2	2	/* lpar_info_format2_t */
#define WPAR_INFO_FORMAT	3	/* wpar_info_format_t (ENOTSUP) */
#define PROC_MODULE_INFO	4	/* proc_module_info_t[count] */
#define NUM_PROC_MODULE_TYPES	5	/* uint64_t: module types */

/* lpar_set_resources() resource ids. */
#define __SPLPAR_ENT_CAPACITY	1
#define __SPLPAR_VAR_WEIGHT	2
#define __SPLPAR_CUR_INTER_CAP	3
#define __SPLPAR_NUM_VCPUS	4
#define __SPLPAR_PARTITION_MEM	5

/* lpar_set_resources() results. */
#define LPAR_SRES_PARAMINVALID	(-1)
#define LPAR_SRES_CONFNOTSUP	(-2)
#define LPAR_SRES_HWERROR	(-3)
#define LPAR_SRES_NOPERM	(-4)
#define LPAR_SRES_EXCEPTION	(-5)
#define LPAR_SRES_NOTINARANGE	(-89)
#define LPAR_SRES_NOTAVAIL	(-90)
#define LPAR_SRES_INPROGRESS	(-91)
#define LPAR_SRES_IOERROR	(-92)
#define LPAR_SRES_NOTSUP	(-93)
#define LPAR_SRES_NOTREADY	(-94)
#define LPAR_SRES_INTERROR	(-95)
#define LPAR_SRES_ALLOC		(-96)
#define LPAR_SRES_UNAVAIL	(-97)
#define LPAR_SRES_BUSY		(-98)
#define LPAR_SRES_EXIST		(-99)

/*
 * LPAR_INFO_FORMAT1: the partition's definition.  Capacities are in
 * hundredths of a processor, memory in MB unless noted.
 */
typedef struct lpar_info_format1_t {
	int		version;		/* 1 */
	int		pad0;
	uint64_t	max_memory;		/* MB */
	uint64_t	min_memory;		/* MB */
	uint64_t	memory_region;		/* bytes of one LMB */
	uint64_t	dispatch_wheel_time;	/* ns */
	unsigned int	lpar_number;
	unsigned int	lpar_flags;		/* LPAR_INFO1_* */
	unsigned int	max_pcpus_in_sys;
	unsigned int	min_vcpus;
	unsigned int	max_vcpus;
	unsigned int	min_lcpus;
	unsigned int	max_lcpus;
	unsigned int	minimum_capacity;
	unsigned int	maximum_capacity;
	unsigned int	capacity_increment;
	unsigned short	smt_threads;		/* threads per processor */
	char		pad1[6];
#define LPAR_NAME_LEN1	256
	char		lpar_name[LPAR_NAME_LEN1];
	unsigned int	desired_capacity;
	unsigned int	desired_vcpus;
	uint64_t	desired_memory;		/* MB */
	unsigned int	desired_variable_capwt;
	char		pad2[12];
} lpar_info_format1_t;

#define LPAR_INFO1_LPAR_CAPABLE		0x001
#define LPAR_INFO1_LPAR_ENABLED		0x002
#define LPAR_INFO1_DR_CAPABLE		0x004
#define LPAR_INFO1_SMT_CAPABLE		0x008
#define LPAR_INFO1_SMTBOUND		0x010
#define LPAR_INFO1_SPLPAR_CAPABLE	0x020
#define LPAR_INFO1_SHARED		0x040
#define LPAR_INFO1_PMIG_CAPABLE		0x080
#define LPAR_INFO1_MSP_CAPABLE		0x100
#define LPAR_INFO1_DONATE_CAPABLE	0x200
#define LPAR_INFO1_DONATE_ENABLED	0x400

/* LPAR_INFO_FORMAT2: the partition's current state. */
typedef struct lpar_info_format2_t {
	int		version;		/* 2 */
	int		pad0;
	uint64_t	online_memory;		/* MB */
	uint64_t	tot_dispatch_time;	/* ns */
	uint64_t	pool_idle_time;		/* ns */
	uint64_t	dispatch_latency;	/* ns */
	unsigned int	lpar_flags;		/* LPAR_INFO2_* */
	unsigned int	pcpus_in_sys;
	unsigned int	online_vcpus;
	unsigned int	online_lcpus;
	unsigned int	pcpus_in_pool;
	unsigned int	unalloc_capacity;
	unsigned int	entitled_capacity;
	unsigned int	variable_weight;
	unsigned int	unalloc_weight;
	unsigned int	min_req_vcpu_capacity;
	unsigned short	group_id;
	unsigned short	pool_id;
	unsigned int	shcpus_in_sys;		/* with LPAR_INFO2_EXTENDED */
	unsigned int	max_pool_capacity;
	unsigned int	entitled_pool_capacity;
	uint64_t	pool_max_time;
	uint64_t	pool_busy_time;
	uint64_t	pool_scaled_busy_time;
	uint64_t	shcpu_tot_time;
	uint64_t	shcpu_busy_time;
	uint64_t	shcpu_scaled_busy_time;
} lpar_info_format2_t;

#define LPAR_INFO2_CAPPED	0x01
#define LPAR_INFO2_AUTH_PIC	0x02
#define LPAR_INFO2_SMT_ENABLED	0x04
#define LPAR_INFO2_EXTENDED	0x10

/* PROC_MODULE_INFO: one entry per processor module type. */
typedef struct proc_module_info_t {
	unsigned int	nsockets;
	unsigned int	nchips;
	unsigned int	ncores;		/* per chip */
} proc_module_info_t;

/* WPAR_INFO_FORMAT: declared for source compatibility; Linux has none. */
#ifndef _CORRALID_H
typedef unsigned short	cid_t;
typedef unsigned int	ckey_t;
#endif
typedef struct wpar_info_format_t {
	int		version;
	ckey_t		wpar_ckey;
	cid_t		wpar_cid;
	unsigned int	wpar_flags;
	unsigned int	partition_cpu_limit;
	int		percent_cpu_limit;
	int		percent_mem_limit;
	unsigned int	partition_vcpu_limit;
	char		pad1[32];
} wpar_info_format_t;

#define WPAR_INFO_CPU_RSET	0x01
#define WPAR_INFO_PROCESS	0x02
#define WPAR_INFO_MOBILE	0x04
#define WPAR_INFO_APP		0x08
#define WPAR_INFO_CPU_XRSET	0x10

/*
 * Fill buf (bufsize bytes, at least the command's struct) with partition
 * information from /proc and /sys (and /proc/powerpc/lparcfg on Power).
 * Returns 0, or -1 with errno: EINVAL (command, size), EFAULT (buf NULL),
 * ENOTSUP (the machine has no such information: FORMAT1 outside a Power
 * partition, WPAR_INFO_FORMAT always), or the error reading /proc.
 */
int	lpar_get_info(int command, void *buf, size_t bufsize);

/*
 * Change a partition resource.  Linux changes partition resources from
 * the HMC or through drmgr, not through this call: it returns
 * LPAR_SRES_NOTSUP with errno ENOTSUP.
 */
int	lpar_set_resources(int lpar_resource_id, void *lpar_resource);

/* The layouts above are AIX's; a change here is an ABI change. */
#if (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L) || \
    (defined(__cplusplus) && __cplusplus >= 201103L)
#ifdef __cplusplus
#define EXITPT_COMPAT_ASSERT(e, m)	static_assert(e, m)
#else
#define EXITPT_COMPAT_ASSERT(e, m)	_Static_assert(e, m)
#endif
EXITPT_COMPAT_ASSERT(offsetof(dr_info_t, lcpu) == 4, "dr_info_t.lcpu");
EXITPT_COMPAT_ASSERT(offsetof(dr_info_t, phase_gen) == 12,
    "dr_info_t.phase_gen");
EXITPT_COMPAT_ASSERT(offsetof(dr_info_t, req_memsz_change) == 16,
    "dr_info_t.req_memsz_change");
EXITPT_COMPAT_ASSERT(offsetof(dr_info_t, capacity) == 56,
    "dr_info_t.capacity");
EXITPT_COMPAT_ASSERT(offsetof(dr_info_t, reserved) == 68,
    "dr_info_t.reserved");
EXITPT_COMPAT_ASSERT(sizeof(dr_info_t) == 104, "dr_info_t size");
EXITPT_COMPAT_ASSERT(sizeof(lpar_load_t) == 12, "lpar_load_t size");
EXITPT_COMPAT_ASSERT(offsetof(lpar_info_format1_t, lpar_name) == 88,
    "lpar_info_format1_t.lpar_name");
EXITPT_COMPAT_ASSERT(sizeof(lpar_info_format1_t) == 376,
    "lpar_info_format1_t size");
EXITPT_COMPAT_ASSERT(offsetof(lpar_info_format2_t, pool_max_time) == 96,
    "lpar_info_format2_t.pool_max_time");
EXITPT_COMPAT_ASSERT(sizeof(lpar_info_format2_t) == 144,
    "lpar_info_format2_t size");
#undef EXITPT_COMPAT_ASSERT
#endif

#ifdef __cplusplus
}
#endif

#endif /* EXITPT_COMPAT_SYS_DR_H */
