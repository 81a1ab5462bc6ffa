/*
 * exitctl internal header: the operator's command-line interface.
 */
#ifndef EXITCTL_H
#define EXITCTL_H

#include "exitpt-int.h"

/* Exit statuses (see exitctl(8)). */
#define CTL_EXIT_OK		0
#define CTL_EXIT_VETOED		1
#define CTL_EXIT_CANCELLED	2
#define CTL_EXIT_BUSY		3
#define CTL_EXIT_USAGE		64	/* EX_USAGE */
#define CTL_EXIT_DATA		65	/* EX_DATAERR */
#define CTL_EXIT_UNAVAILABLE	69	/* EX_UNAVAILABLE */
#define CTL_EXIT_SOFTWARE	70	/* EX_SOFTWARE */
#define CTL_EXIT_IO		74	/* EX_IOERR */
#define CTL_EXIT_NOPERM		77	/* EX_NOPERM */
#define CTL_EXIT_CONFIG		78	/* EX_CONFIG */

/* Options that apply to every command. */
struct ctl_options {
	const char	*state_dir;	/* resolved state directory */
	const char	*config_path;	/* NULL: the default path */
	const char	*socket_path;	/* NULL: the default socket */
	int		 json;
	int		 lock_timeout;	/* registry lock wait, seconds */
};

extern struct ctl_options ctl_opts;

/* exitctl.c */
int	ctl_usage_error(const char *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	ctl_fail(const char *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	ctl_exit_code(int);
int	ctl_require_admin(const char *, const char *);
int	ctl_json_print(void *);

/* ctl-registry.c */
int	ctl_registry_add(int, char **);
int	ctl_registry_remove(int, char **);
int	ctl_registry_list(int, char **);

/* phase engine commands: ctl-*.c */
#include <stdio.h>
/* ctl-phase.c */
int	ctl_phase_check(int, char **);
int	ctl_phase_prepare(int, char **);
int	ctl_phase_cancel(int, char **);
int	ctl_phase_complete(int, char **);
int	ctl_phase_migrate(int, char **);
int	ctl_phase_hibernate(int, char **);
int	ctl_phase_exit(int);
void	*ctl_phase_json(const struct exitpt_report *);
void	ctl_phase_print(FILE *, const struct exitpt_report *);
/* ctl-status.c */
int	ctl_status(int, char **);
int	ctl_journal(int, char **);

/* critical sections and object locks: ctl-critical.c, ctl-lock.c */
int		 ctl_critical(int, char **);
int		 ctl_critical_run(const char *, char **);
const char	*ctl_critical_user(uid_t, char *, size_t);
int		 ctl_lock(int, char **);

/* data queues: ctl-dtaq.c */
int	ctl_dtaq(int, char **);

/* data areas: ctl-dtaara.c */
int	ctl_dtaara(int, char **);

/* job interrupt: ctl-interrupt.c */
int	ctl_interrupt(int, char **);

#endif /* EXITCTL_H */
