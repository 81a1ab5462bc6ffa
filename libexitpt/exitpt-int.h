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

#ifndef nitems
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* text.c */
size_t	 text_escape(char *, size_t, const char *);
int	 text_unescape(char *, size_t, const char *, size_t *);
int	 text_parse_int(const char *, long long, long long, long long *);

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
#define CONFIG_CONTAIN_AUTO	0	/* a cgroup where delegated */
#define CONFIG_CONTAIN_CGROUP	1	/* one cgroup for every run */
#define CONFIG_CONTAIN_SUBREAPER 2
#define CONFIG_CONTAIN_CGROUP_RUN 3	/* a cgroup per run */
struct config {
	char			*admin_group;
	int			 recovery_timeout;	/* seconds */
	int			 lock_timeout;	/* registry lock wait, seconds */
	int			 containment;	/* CONFIG_CONTAIN_* */
	struct config_point	 point[CONFIG_NPOINTS];
};
const char	*config_default_path(void);
const char	*config_state_dir(const char *);
int		 config_load(const char *, struct config *, char *, size_t);
void		 config_clear(struct config *);
int		 config_is_admin(const struct config *, uid_t, gid_t);

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

/* ipcobj.c: typed objects in POSIX shared memory (see exitpt/ipc.h) */
#define IPCOBJ_CRITICAL		1	/* critical sections of one user */
#define IPCOBJ_PENDING		2	/* the suspend-pending flag */
#define IPCOBJ_LOCKTAB		3	/* the object lock table */
#define IPCOBJ_DTAQ		4	/* data queue */
#define IPCOBJ_DTAARA		5	/* data area */
#define IPCOBJ_JOBITP		6	/* job interrupt endpoint */
#define IPCOBJ_READ		0x1	/* access wanted by ipcobj_open */
#define IPCOBJ_WRITE		0x2
#define IPCOBJ_PUBLISH		0x1	/* create: readers map read-only */
#define IPCOBJ_SIZE_MAX		(64u << 20)
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
const char	*ipcobj_prefix(void);
const char	*ipcobj_type_name(int);
int		 ipcobj_shm_name(int, const char *, char *, size_t);
int		 ipcobj_create(int, const char *, mode_t, size_t, int,
		     ipcobj_init_cb, void *, struct ipcobj **);
int		 ipcobj_open(int, const char *, int, struct ipcobj **);
int		 ipcobj_open_or_create(int, const char *, int, mode_t, size_t,
		     int, ipcobj_init_cb, void *, struct ipcobj **);
void		 ipcobj_close(struct ipcobj *);
int		 ipcobj_unlink(int, const char *);
int		 ipcobj_remove(struct ipcobj *);
void		*ipcobj_data(struct ipcobj *);
size_t		 ipcobj_size(const struct ipcobj *);
const char	*ipcobj_name(const struct ipcobj *);
uid_t		 ipcobj_owner(const struct ipcobj *);
gid_t		 ipcobj_group(const struct ipcobj *);
mode_t		 ipcobj_mode(const struct ipcobj *);
int		 ipcobj_writable(const struct ipcobj *);
int		 ipcobj_deleted(const struct ipcobj *);
int		 ipcobj_access(const struct ipcobj *, int);
int		 ipcobj_lock(struct ipcobj *);
void		 ipcobj_unlock(struct ipcobj *);
uint32_t	 ipcobj_seq(const struct ipcobj *);
void		 ipcobj_notify(struct ipcobj *);
int		 ipcobj_deadline_set(struct ipcobj_deadline *, double);
void		 ipcobj_deadline_cap(const struct ipcobj_deadline *, long,
		     struct ipcobj_deadline *);
int		 ipcobj_deadline_passed(const struct ipcobj_deadline *);
int		 ipcobj_wait(struct ipcobj *, uint32_t,
		     const struct ipcobj_deadline *);
int		 ipcobj_proc_self(struct ipcobj_proc *);
int		 ipcobj_proc_get(pid_t, struct ipcobj_proc *);
int		 ipcobj_proc_alive(const struct ipcobj_proc *);
int		 ipcobj_list(int, char ***, size_t *);
void		 ipcobj_list_free(char **, size_t);

/* critical.c: the suspend-pending flag and Check's veto reason */
int		 critical_set_pending(uint64_t);
int		 critical_get_pending(uint64_t *, int64_t *);
int		 critical_reason(char *, size_t);

/* objlock.c */
int		 objlock_init(void);

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
