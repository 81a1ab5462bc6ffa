/*
 * exitctl internal header: the operator's command-line interface.
 */
#ifndef EXITCTL_H
#define EXITCTL_H

#include <getopt.h>
#include <stdio.h>

#include "driver.h"

/* Options that apply to every command. */
struct ctl_options {
	const char	*state_dir;	/* resolved state directory */
	const char	*config_path;	/* NULL: the default path */
	const char	*socket_path;	/* NULL: driver_socket() decides */
	int		 json;
	int		 lock_timeout;	/* registry lock wait, seconds */
};

/* Room in ctl_getopt() for a command's own long options. */
#define CTL_OPTIONS_MAX		16

extern struct ctl_options ctl_opts;

/* exitctl.c */
int	ctl_usage_error(const char *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	ctl_fail(const char *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	ctl_require_admin(const char *, const char *);
int	ctl_json_print(json_t *);
int	ctl_getopt(int, char **, const struct option *);
int	ctl_noopt(const char *, int, char **);
const char	*ctl_user_name(uid_t, char *, size_t);
int	ctl_mode_parse(const char *, const char *, mode_t *);
int	ctl_open(const char *, struct exitpt_client **);
int	ctl_time(int64_t, char *, size_t);

/* ctl-registry.c */
int	ctl_registry_add(int, char **);
int	ctl_registry_remove(int, char **);
int	ctl_registry_list(int, char **);

/* phase engine commands: ctl-phase.c, ctl-status.c */
int	ctl_phase_check(int, char **);
int	ctl_phase_prepare(int, char **);
int	ctl_phase_cancel(int, char **);
int	ctl_phase_complete(int, char **);
int	ctl_phase_migrate(int, char **);
int	ctl_phase_hibernate(int, char **);
int	ctl_status(int, char **);
int	ctl_journal(int, char **);

/* critical sections and object locks: ctl-critical.c, ctl-lock.c */
typedef int	 (*ctl_take_cb)(void *);
int		 ctl_critical(int, char **);
int		 ctl_critical_run(const char *, char **, ctl_take_cb, void *,
		     int *);
int		 ctl_lock(int, char **);

/* data queues: ctl-dtaq.c */
int	ctl_dtaq(int, char **);
char	*ctl_dtaq_encode(const void *, size_t, int);

/* data areas: ctl-dtaara.c */
int	ctl_dtaara(int, char **);

/* job interrupt: ctl-interrupt.c */
int	ctl_interrupt(int, char **);

/* participants: ctl-participants.c; D-Bus inhibitor locks: ctl-inhibit.c */
int	ctl_participants(int, char **);
int	ctl_inhibit(int, char **);

#endif /* EXITCTL_H */
