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

/* progcheck.c */
int	 progcheck_path(const char *, uid_t, char *, size_t);

/* config.c */
#define CONFIG_NPOINTS		2
struct config_point {
	int		 check_failure_veto;	/* abnormal end in Check vetoes */
	int		 serial;		/* run one at a time */
};
struct config {
	char			*admin_group;
	int			 recovery_timeout;	/* seconds */
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

#endif /* EXITPT_INT_H */
