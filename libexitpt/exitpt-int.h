/*
 * libexitpt internal header: shared by the library's sources and by the
 * in-tree programs (exitd, exitctl, hmcsim, tests) that link the library's
 * convenience archive.  Nothing here is exported from libexitpt.so.
 * config.h comes first in every file through -include (Makefile.am).
 */
#ifndef EXITPT_INT_H
#define EXITPT_INT_H

#include <sys/types.h>

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>

#include <exitpt/exitpt.h>

/* The control socket exitd listens on when nothing else is said. */
#define EXITPT_SOCKET_DEFAULT	EXITPT_RUNSTATEDIR "/exitd.sock"

#ifndef nitems
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* text.c */
size_t	 text_escape(char *, size_t, const char *);
int	 text_unescape(char *, size_t, const char *, size_t *);
int	 text_parse_int(const char *, long long, long long, long long *);
int	 text_has_control(const char *);
void	 text_unctrl(char *);
int	 text_time_iso(int64_t, char *, size_t);
int64_t	 text_epoch(int64_t);

/* atomicfile.c */
DIR	*atomicfile_opendir(int);
int	 atomicfile_write(int, const char *, const void *, size_t, mode_t);
int	 atomicfile_sweep(int);
int	 atomicfile_mkdirs(const char *, mode_t);

/* procstat.c */
struct procstat {
	pid_t		 pid;
	char		 state;		/* R, S, D, Z (zombie), X, ... */
	pid_t		 ppid;
	pid_t		 pgid;
	pid_t		 sid;
	uint64_t	 start;		/* clock ticks after boot */
};
int	 procstat_read(pid_t, struct procstat *);
int	 procstat_start(pid_t, uint64_t *);
int	 procstat_start_at(int, uint64_t *);

/* progcheck.c */
struct stat;
struct progcheck {
	int		 fd;		/* the checked file, O_RDONLY|O_CLOEXEC */
	int		 script;	/* starts with "#!" */
};
struct progcheck_cache;
struct progcheck_cache *progcheck_cache_new(void);
void	 progcheck_cache_free(struct progcheck_cache *);
int	 progcheck_open(const char *, uid_t, struct progcheck_cache *,
	     struct progcheck *, char *, size_t);
int	 progcheck_path(const char *, uid_t, char *, size_t);
int	 progcheck_walk(const char *, uid_t, int, const char *, int *,
	     struct stat *, char *, size_t, char *, size_t);
int	 progcheck_owner(int, const struct stat *, uid_t, const char *,
	     const char *, const char *, char *, size_t);

/* config.c */
#define CONFIG_NPOINTS		2
struct config_point {
	int		 check_failure_veto;	/* abnormal end in Check vetoes */
	int		 serial;		/* run one at a time */
};
#define CONFIG_DR_TIMEOUT	30	/* dr-timeout default, seconds */
#define CONFIG_CONTAIN_AUTO	0	/* a cgroup where delegated */
#define CONFIG_CONTAIN_CGROUP	1	/* one cgroup for every run */
#define CONFIG_CONTAIN_SUBREAPER 2
#define CONFIG_CONTAIN_CGROUP_RUN 3	/* a cgroup per run */
struct config {
	char			*admin_group;
	int			 recovery_timeout;	/* seconds */
	int			 lock_timeout;	/* registry lock wait, seconds */
	int			 containment;	/* CONFIG_CONTAIN_* */
	char			*drmgr_identity_file;	/* absolute path */
	int			 drmgr_timeout;		/* seconds */
	struct config_point	 point[CONFIG_NPOINTS];
	int			 dr_timeout;		/* seconds, 1..900 */
	uid_t			*dr_veto_uids;		/* dr-veto user */
	size_t			 dr_veto_nuids;
	gid_t			*dr_veto_gids;		/* dr-veto group */
	size_t			 dr_veto_ngids;
	int			 voter_timeout_max;	/* seconds, 0: none */
};
const char	*config_default_path(void);
const char	*config_state_dir(const char *);
int		 config_defaults(struct config *);
int		 config_load(const char *, struct config *, char *, size_t);
void		 config_clear(struct config *);
int		 config_is_admin(const struct config *, uid_t, gid_t);
int		 config_dr_may_veto(const struct config *, uid_t, gid_t);
int		 config_voter_cap(const struct config *, uid_t, int);

/* lparcfg.c: the Power partition's configuration (/proc/powerpc/lparcfg) */
enum lparcfg_key {
	LPARCFG_PARTITION_ID,
	LPARCFG_GROUP,
	LPARCFG_POOL,
	LPARCFG_POOL_NUM_PROCS,
	LPARCFG_POOL_IDLE_TIME,		/* timebase ticks */
	LPARCFG_ENTITLED_CAPACITY,	/* hundredths of a processor */
	LPARCFG_MAX_ENTITLED_CAPACITY,
	LPARCFG_MIN_ENT_CAP,
	LPARCFG_MIN_ENT_CAP_PER_VP,
	LPARCFG_DES_ENT_CAP,
	LPARCFG_CAP_INC,
	LPARCFG_CAPACITY_WEIGHT,	/* only in shared-processor mode */
	LPARCFG_DES_VAR_CAP_WT,
	LPARCFG_UNALLOC_WEIGHT,
	LPARCFG_UNALLOC_CAPACITY,
	LPARCFG_CAPPED,
	LPARCFG_SHARED,
	LPARCFG_ACTIVE_PROCS,		/* virtual processors */
	LPARCFG_POTENTIAL_PROCS,
	LPARCFG_MIN_PROCS,
	LPARCFG_DES_PROCS,
	LPARCFG_SYSTEM_ACTIVE_PROCS,	/* physical processors */
	LPARCFG_SYSTEM_POTENTIAL_PROCS,
	LPARCFG_SHARED_PROCS,
	LPARCFG_MAX_POOL_CAPACITY,
	LPARCFG_ENT_POOL_CAPACITY,
	LPARCFG_MIN_MEM,		/* MB */
	LPARCFG_DES_MEM,		/* MB */
	LPARCFG_MAX_MEM,		/* bytes */
	LPARCFG_NKEYS
};
struct lparcfg {
	long long	 v[LPARCFG_NKEYS];	/* -1: not reported */
	char		 name[256];		/* partition_name */
};
int		 lparcfg_read(struct lparcfg *);

/* registry.c */
#define REGISTRY_SUSPEND	0
#define REGISTRY_RESUME		1
#define REGISTRY_NPOINTS	CONFIG_NPOINTS
#define REGISTRY_LOW		(-1)	/* *LOW: lowest free number */
#define REGISTRY_HIGH		(-2)	/* *HIGH: highest free number */
#define REGISTRY_REPLACE	0x1
#define REGISTRY_CHECK_TIMEOUT	30	/* default, seconds */
#define REGISTRY_COMPLETE_TIMEOUT 300	/* default, seconds */
#define REGISTRY_TIMEOUT_MAX	3600
#define REGISTRY_TEXT_MAX	256	/* description, bytes */
struct registry_entry {
	int		 point;		/* REGISTRY_SUSPEND or _RESUME */
	int32_t		 number;
	char		*program;
	char		*user;
	char		*data;		/* never NULL once loaded */
	char		*text;		/* never NULL once loaded */
	int		 check_timeout;
	int		 complete_timeout;
};
struct registry_list {
	struct registry_entry	*entries;	/* ascending point, number */
	size_t			 count;
};
typedef void	 (*registry_warn_cb)(const char *, void *);
int		 registry_point_parse(const char *);
const char	*registry_point_name(int);
int		 registry_number_parse(const char *, int32_t *);
int		 registry_entry_validate(const struct registry_entry *);
int		 registry_load(const char *, int, registry_warn_cb, void *,
		     struct registry_list *);
void		 registry_list_clear(struct registry_list *);
int		 registry_add(const char *, struct registry_entry *, int);
int		 registry_remove(const char *, int, int32_t);
int		 registry_grant(const char *, gid_t);
void		 registry_set_lock_timeout(int);
pid_t		 registry_lock_holder(const char *);

/*
 * ipcdir.c: the runtime directory (see exitpt/ipc.h and libexitpt(3)).
 * Directory descriptors returned here belong to a per-process cache: they
 * stay open until the runtime directory changes (EXITPT_RUNTIME_DIR).
 */
#define IPCDIR_ROOT		0	/* the runtime directory itself */
#define IPCDIR_USERS		1	/* "u": one directory per user */
#define IPCDIR_OBJECTS		2	/* "obj": data queues, data areas */
#define IPCDIR_SELF		3	/* the calling user's own directory */
struct ipcdir_user {
	uid_t		 uid;
	int		 fd;		/* the user's directory */
	char		 name[32];	/* "<uid>" or "<uid>.<random>" */
};
int		 ipcdir_path(char *, size_t);
int		 ipcdir_get(int, int *);
uid_t		 ipcdir_sysuid(void);
int		 ipcdir_init(void);
int		 ipcdir_users(uid_t, struct ipcdir_user **, size_t *);
void		 ipcdir_users_free(struct ipcdir_user *, size_t);
int		 ipcdir_error(int, const char *, ...)
		     __attribute__((format(printf, 2, 3)));

/*
 * ipcobj.c: typed objects, one file each in the runtime directory.  A
 * handle maps an object only when nobody but the caller's user and root
 * can write the file ("trusted"); any other object is reached with
 * pread/pwrite and futex system calls only, which cannot fault.
 */
#define IPCOBJ_CRITICAL		1	/* critical sections of one user */
#define IPCOBJ_PENDING		2	/* the suspend-pending flag */
#define IPCOBJ_LOCKTAB		3	/* the object locks of one user */
#define IPCOBJ_DTAQ		4	/* data queue */
#define IPCOBJ_DTAARA		5	/* data area */
#define IPCOBJ_JOBITP		6	/* job interrupt mailbox */
#define IPCOBJ_READ		0x1	/* access wanted by ipcobj_open */
#define IPCOBJ_WRITE		0x2
#define IPCOBJ_SIZE_MAX		(64u << 20)
#define IPCOBJ_ANY_OWNER	((uid_t)-1)
#define IPCOBJ_GRACE_MS		100	/* a lock wanted "at once" */
#define IPCOBJ_SLICE_MS		100	/* look for a dead holder this often */
struct ipcobj;
struct ipcobj_proc {
	pid_t		 pid;
	uint64_t	 start;		/* /proc/PID/stat starttime, ticks */
};
struct ipcobj_deadline {
	int		 forever;
	int64_t		 at;		/* CLOCK_MONOTONIC, nanoseconds */
};
typedef int	 (*ipcobj_init_cb)(void *, size_t, void *);
const char	*ipcobj_type_name(int);
int		 ipcobj_create(int, int, const char *, mode_t, size_t,
		     ipcobj_init_cb, void *, struct ipcobj **);
int		 ipcobj_open(int, int, const char *, int, struct ipcobj **);
int		 ipcobj_openat(int, int, const char *, uid_t, int,
		     struct ipcobj **);
int		 ipcobj_open_or_create(int, int, const char *, int, mode_t,
		     size_t, ipcobj_init_cb, void *, struct ipcobj **);
void		 ipcobj_close(struct ipcobj *);
int		 ipcobj_unlink(int, int, const char *);
int		 ipcobj_remove(struct ipcobj *);
void		*ipcobj_data(struct ipcobj *);
size_t		 ipcobj_size(const struct ipcobj *);
const char	*ipcobj_name(const struct ipcobj *);
uid_t		 ipcobj_owner(const struct ipcobj *);
gid_t		 ipcobj_group(const struct ipcobj *);
mode_t		 ipcobj_mode(const struct ipcobj *);
int		 ipcobj_trusted(const struct ipcobj *);
int		 ipcobj_writable(const struct ipcobj *);
int		 ipcobj_fd(const struct ipcobj *);
int		 ipcobj_get(struct ipcobj *, size_t, void *, size_t);
int		 ipcobj_put(struct ipcobj *, size_t, const void *, size_t);
int		 ipcobj_get32(struct ipcobj *, size_t, uint32_t *);
int		 ipcobj_put32(struct ipcobj *, size_t, uint32_t);
int		 ipcobj_get64(struct ipcobj *, size_t, uint64_t *);
int		 ipcobj_put64(struct ipcobj *, size_t, uint64_t);
int		 ipcobj_deleted(struct ipcobj *);
int		 ipcobj_lock(struct ipcobj *, const struct ipcobj_deadline *);
int		 ipcobj_trylock(struct ipcobj *);
void		 ipcobj_unlock(struct ipcobj *);
int		 ipcobj_seq(struct ipcobj *, uint32_t *);
int		 ipcobj_notify(struct ipcobj *);
int		 ipcobj_wait(struct ipcobj *, uint32_t,
		     const struct ipcobj_deadline *);
int		 ipcobj_futex_wait(struct ipcobj *, size_t, uint32_t,
		     const struct ipcobj_deadline *);
int		 ipcobj_futex_wake(struct ipcobj *, size_t);
int		 ipcobj_ofd_lock(struct ipcobj *, off_t,
		     const struct ipcobj_deadline *);
void		 ipcobj_ofd_unlock(struct ipcobj *, off_t);
int		 ipcobj_damaged(const char *, ...)
		     __attribute__((format(printf, 1, 2)));
int64_t		 ipcobj_now(void);
long		 ipcobj_ncpu(void);
#if defined(__x86_64__) || defined(__i386__)
#define ipcobj_cpu_relax()	__builtin_ia32_pause()
#else
#define ipcobj_cpu_relax()	__asm__ __volatile__("" ::: "memory")
#endif
int		 ipcobj_deadline_set(struct ipcobj_deadline *, double);
void		 ipcobj_deadline_cap(const struct ipcobj_deadline *, long,
		     struct ipcobj_deadline *);
void		 ipcobj_deadline_grace(const struct ipcobj_deadline *,
		     struct ipcobj_deadline *);
int		 ipcobj_deadline_passed(const struct ipcobj_deadline *);
int		 ipcobj_list(int, char ***, size_t *);
void		 ipcobj_list_free(char **, size_t);
#define IPCOBJ_DAMAGE_MAX	16
struct ipcobj_damage {			/* what a listing skipped, and why */
	char		*what[IPCOBJ_DAMAGE_MAX];
	size_t		 n;		/* how many (described: the first 16) */
};
typedef int	 (*ipcobj_each_cb)(struct ipcobj *, void *);
int		 ipcobj_each_user(int, const char *, uid_t, ipcobj_each_cb,
		     void *, struct ipcobj_damage *);
void		 ipcobj_damage_add(struct ipcobj_damage *, const char *, ...)
		     __attribute__((format(printf, 2, 3)));
const char	*ipcobj_damage_get(const struct ipcobj_damage *, size_t);
void		 ipcobj_damage_clear(struct ipcobj_damage *);

/* ipcproc.c: processes and threads as holders of shared state */
int		 ipcproc_self(struct ipcobj_proc *);
int		 ipcproc_get(pid_t, struct ipcobj_proc *);
int		 ipcproc_alive(const struct ipcobj_proc *);
int		 ipcproc_owned(pid_t, uid_t);
int		 ipcproc_euid(pid_t, uid_t *);
int		 ipcproc_holder(const struct ipcobj_proc *, uid_t);
pid_t		 ipcproc_tid(void);
uint64_t	 ipcproc_tid_start(void);

/* critical.c: the suspend-pending flag and Check's veto reason */
int		 critical_set_pending(uint64_t);
int		 critical_get_pending(uint64_t *, int64_t *);
int		 critical_reason(char *, size_t);
int		 critical_damaged(char *, size_t);

/* dtaara.c: data areas (see exitpt/dtaara.h) */
struct dtaara_data {
	uint32_t		 type;		/* EXITPT_DTAARA_* */
	uint32_t		 length;	/* bytes, or digits for *DEC */
	uint32_t		 decimals;
	uint32_t		 current;	/* which copy is the value, 0/1 */
	struct ipcobj_proc	 holder;	/* update lock, pid 0: free */
	uint64_t		 changes;
	__int128		 dec[2];	/* *DEC, scaled by 10^decimals */
	char			 chr[2][EXITPT_DTAARA_CHAR_MAX]; /* *CHAR, *LGL */
};
struct exitpt_dtaara;
int		 dtaara_dec_parse(const char *, size_t, unsigned int,
		     unsigned int, __int128 *);
size_t		 dtaara_dec_format(__int128, unsigned int, char *, size_t);
struct ipcobj	*dtaara_obj(struct exitpt_dtaara *);

#endif /* EXITPT_INT_H */
