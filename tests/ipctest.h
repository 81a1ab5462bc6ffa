/*
 * Helpers shared by the C tests of the IPC objects: time, children, and
 * removal of every object a test made under its private prefix.
 */
#ifndef IPCTEST_H
#define IPCTEST_H

#include <sys/types.h>

double	 ipctest_now(void);
void	 ipctest_atexit(void);
void	 ipctest_cleanup(void);
void	 ipctest_reap(pid_t);
int	 ipctest_child_status(pid_t);

#endif /* IPCTEST_H */
