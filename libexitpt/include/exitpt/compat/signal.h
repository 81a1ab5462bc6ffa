/*
 * <signal.h> for AIX source ported to Linux: the system's <signal.h>, plus
 * AIX's SIGRECONFIG, which AIX programs take from <signal.h> alone.  It is
 * on the include path only with `pkg-config --cflags exitpt-dr`; the
 * number is <sys/dr.h>'s (see there and dr_reconfig(3)).
 *
 * No include guard around the system header: it has its own, and some
 * C libraries include <signal.h> again in parts.  The file is marked a
 * system header so that -pedantic builds accept #include_next.
 */
#if defined(__GNUC__)
#pragma GCC system_header
#endif
#include_next <signal.h>

#ifndef SIGRECONFIG
#define SIGRECONFIG	58
#endif

/* Old AIX handlers are declared (int, int, struct sigcontext *). */
struct sigcontext;
