/*
 * Helpers shared by the C tests of the IPC objects: time, children, and
 * removal of every object a test made under its private prefix.
 */
#ifndef IPCTEST_H
#define IPCTEST_H

#include <sys/types.h>

#define IPCTEST_NOBODY	65534

double	 ipctest_now(void);
void	 ipctest_atexit(void);
void	 ipctest_cleanup(void);
void	 ipctest_reap(pid_t);
int	 ipctest_child_status(pid_t);
int	 ipctest_as_nobody(int (*)(void *), void *);
pid_t	 ipctest_spawn(int (*)(void *), void *, int);
void	 ipctest_path(char *, size_t, const char *);

#endif /* IPCTEST_H */
