/*
 * Starting an exit program's process: as cheap as posix_spawn, however
 * many programs already run.
 *
 * The child shares exitd's memory and waits-for-exec semantics (as vfork
 * and posix_spawn do) on a stack of its own, and it also shares exitd's
 * descriptor table until it calls close_range(CLOSE_RANGE_UNSHARE): the
 * kernel then copies only the few descriptors below spawn_keep, instead
 * of every pipe of every program that runs (copying and closing those
 * made each start cost more the more programs ran).  What the child needs
 * is therefore put in reserved low descriptors (the slots) just before
 * the clone.
 *
 * With cgroup containment the child is cloned straight into its run's
 * cgroup (clone3 CLONE_INTO_CGROUP): moving a started process into a
 * cgroup costs as much as starting it.  glibc has no clone3 wrapper, so a
 * few lines of assembly make the call on x86-64 and AArch64; elsewhere,
 * or on a kernel without CLONE_INTO_CGROUP, the child moves itself in.
 */
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/close_range.h>
#include <linux/sched.h>

#include "exitd.h"

#define SPAWN_STACK	(64 * 1024)	/* the child's own stack */
#define SPAWN_SLOT_MIN	5		/* above the child's fds 0-4 */

enum { SLOT_NULL, SLOT_OUT, SLOT_ERR, SLOT_INFO, SLOT_PROG, SPAWN_NSLOTS };

static int	 spawn_slot[SPAWN_NSLOTS];
static int	 spawn_keep;		/* first descriptor not copied */
static int	 spawn_unshare;		/* CLOSE_RANGE_UNSHARE works */
static int	 spawn_clone3;		/* clone3 CLONE_INTO_CGROUP works */
static char	*spawn_stack;
static int	 spawn_sigs[NSIG];	/* dispositions to reset */
static int	 spawn_nsigs;

static int	 spawn_child(void *) __attribute__((noreturn));

#if defined(__x86_64__) || defined(__aarch64__)
#define SPAWN_HAVE_CLONE3	1
/*
 * long spawn_clone3_raw(struct clone_args *, size_t, int (*)(void *),
 *     void *): clone3, the child calling fn(arg) on the stack the
 * arguments give (it never returns); the parent gets the pid or -errno.
 */
long	spawn_clone3_raw(struct clone_args *, size_t, int (*)(void *),
	    void *) __attribute__((visibility("hidden")));
#if defined(__x86_64__)
__asm__(
	".text\n"
	".globl spawn_clone3_raw\n"
	".hidden spawn_clone3_raw\n"
	".type spawn_clone3_raw, @function\n"
	"spawn_clone3_raw:\n"
	"	movq %rdx, %r8\n"	/* fn: kept across the syscall */
	"	movq %rcx, %r9\n"	/* arg */
	"	movl $435, %eax\n"	/* __NR_clone3 */
	"	syscall\n"
	"	testq %rax, %rax\n"
	"	jnz 1f\n"
	"	xorl %ebp, %ebp\n"	/* child: outermost frame */
	"	movq %r9, %rdi\n"
	"	callq *%r8\n"
	"	hlt\n"
	"1:	ret\n"
	".size spawn_clone3_raw, .-spawn_clone3_raw\n");
#else
__asm__(
	".text\n"
	".globl spawn_clone3_raw\n"
	".hidden spawn_clone3_raw\n"
	".type spawn_clone3_raw, %function\n"
	"spawn_clone3_raw:\n"
	"	mov x10, x2\n"		/* fn: kept across the syscall */
	"	mov x11, x3\n"		/* arg */
	"	mov x8, #435\n"		/* __NR_clone3 */
	"	svc #0\n"
	"	cbnz x0, 1f\n"
	"	mov x29, #0\n"		/* child: outermost frame */
	"	mov x30, #0\n"
	"	mov x0, x11\n"
	"	blr x10\n"
	"	brk #0\n"
	"1:	ret\n"
	".size spawn_clone3_raw, .-spawn_clone3_raw\n");
#endif
#endif

/*
 * Reserve the slots, the child's stack, and learn what the kernel
 * offers.  Called once, before the first spawn_start.
 */
void
spawn_init(void)
{
	int	i, fd;

	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		fatal("spawn: /dev/null");
	for (i = 0; i < SPAWN_NSLOTS; i++) {
		if ((spawn_slot[i] = fcntl(fd, F_DUPFD_CLOEXEC,
		    SPAWN_SLOT_MIN)) == -1)
			fatal("spawn: reserving a descriptor");
		if (spawn_slot[i] >= spawn_keep)
			spawn_keep = spawn_slot[i] + 1;
	}
	close(fd);
	/* Nothing to unshare or close here: this only asks "supported?" */
	spawn_unshare = close_range(~0U - 1, ~0U - 1,
	    CLOSE_RANGE_UNSHARE) == 0;
	spawn_stack = mmap(NULL, SPAWN_STACK, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (spawn_stack == MAP_FAILED)
		fatal("spawn: mmap");
	if (!spawn_unshare)
		log_info("spawn: no CLOSE_RANGE_UNSHARE (Linux 5.9): each "
		    "start copies exitd's descriptor table");
}

/*
 * Note which signals exitd catches or ignores: the child must reset
 * those (a handler of exitd's must never run in it, and an ignored signal
 * would stay ignored across exec), and only those, before it unblocks
 * signals.  Called when a batch of starts begins.
 */
void
spawn_burst(void)
{
	struct sigaction	sa;
	int			sig;

	spawn_nsigs = 0;
	for (sig = 1; sig < NSIG; sig++) {
		if (sigaction(sig, NULL, &sa) == -1)
			continue;
		if (sa.sa_handler != SIG_DFL)
			spawn_sigs[spawn_nsigs++] = sig;
	}
}

/*
 * No program is being started or runs: let go of what the slots still
 * hold (the last program's exit information and executable).
 */
void
spawn_idle(void)
{
	dup3(spawn_slot[SLOT_NULL], spawn_slot[SLOT_INFO], O_CLOEXEC);
	dup3(spawn_slot[SLOT_NULL], spawn_slot[SLOT_PROG], O_CLOEXEC);
}

/* Report how far the child got and end it (the parent reads it). */
static void __attribute__((noreturn))
spawn_fail(struct spawn_req *req, int stage)
{
	req->error = errno;
	req->stage = stage;
	_exit(127);
}

/*
 * The child, sharing exitd's memory: only system calls on data the
 * parent prepared, until fexecve.  Into its cgroup, a private descriptor
 * table, fds 0-4, a process group, default signals, the run-as user,
 * cwd, and exec the descriptor of the checked program: fd 4, kept open
 * for a script (its interpreter reads it as /dev/fd/4), closed on exec
 * otherwise.
 */
static int
spawn_child(void *arg)
{
	struct spawn_req	*req = arg;
	struct sigaction	 sa;
	sigset_t		 set;
	int			 i;

	if (req->procsfd != -1 && write(req->procsfd, "0", 1) == -1)
		spawn_fail(req, SPAWN_STAGE_CGROUP);
	if (close_range(spawn_keep, ~0U, spawn_unshare ?
	    CLOSE_RANGE_UNSHARE : 0) == -1)
		spawn_fail(req, SPAWN_STAGE_SETUP);
	if (dup2(spawn_slot[SLOT_NULL], 0) == -1 ||
	    dup2(spawn_slot[SLOT_OUT], 1) == -1 ||
	    dup2(spawn_slot[SLOT_ERR], 2) == -1 ||
	    dup2(spawn_slot[SLOT_INFO], 3) == -1 ||
	    dup3(spawn_slot[SLOT_PROG], 4, req->script ? 0 : O_CLOEXEC) == -1 ||
	    close_range(5, ~0U, 0) == -1)
		spawn_fail(req, SPAWN_STAGE_SETUP);
	setpgid(0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (i = 0; i < spawn_nsigs; i++)
		sigaction(spawn_sigs[i], &sa, NULL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	if (req->setcred && (setgroups((size_t)req->ngroups,
	    req->groups) == -1 || setgid(req->gid) == -1 ||
	    setuid(req->uid) == -1))
		spawn_fail(req, SPAWN_STAGE_CRED);
	if (chdir("/") == -1)
		spawn_fail(req, SPAWN_STAGE_SETUP);
	fexecve(4, req->argv, req->env);
	spawn_fail(req, SPAWN_STAGE_EXEC);
}

/* Put the child's descriptors in the slots. */
static int
spawn_slots(const struct spawn_req *req)
{
	if (dup3(req->fd_out, spawn_slot[SLOT_OUT], O_CLOEXEC) == -1 ||
	    dup3(req->fd_err, spawn_slot[SLOT_ERR], O_CLOEXEC) == -1 ||
	    dup3(req->fd_info, spawn_slot[SLOT_INFO], O_CLOEXEC) == -1 ||
	    dup3(req->fd_prog, spawn_slot[SLOT_PROG], O_CLOEXEC) == -1)
		return (-1);
	return (0);
}

/* clone the child, into cgroupfd when it is not -1 (clone3 only). */
static pid_t
spawn_clone(struct spawn_req *req, int cgroupfd)
{
	int	flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
#ifdef SPAWN_HAVE_CLONE3
	struct clone_args	ca;
	long			rv;

	if (cgroupfd != -1) {
		memset(&ca, 0, sizeof(ca));
		ca.flags = CLONE_VM | CLONE_VFORK | CLONE_INTO_CGROUP |
		    (spawn_unshare ? CLONE_FILES : 0);
		ca.exit_signal = SIGCHLD;
		ca.stack = (uint64_t)(uintptr_t)spawn_stack;
		ca.stack_size = SPAWN_STACK;
		ca.cgroup = (uint64_t)cgroupfd;
		rv = spawn_clone3_raw(&ca, sizeof(ca), spawn_child, req);
		if (rv < 0) {
			errno = (int)-rv;
			return (-1);
		}
		return ((pid_t)rv);
	}
#endif
	if (spawn_unshare)
		flags |= CLONE_FILES;
	return (clone(spawn_child, spawn_stack + SPAWN_STACK, flags, req));
}

/*
 * Start the process req describes, in cgroup cg when not NULL.  Signals
 * stay blocked until the child has reset exitd's handlers.  Returns the
 * pid (req->stage tells whether the child failed before exec), or -1
 * with errno set.
 */
pid_t
spawn_start(struct spawn_req *req, struct contain_cg *cg)
{
	sigset_t	all, old;
	pid_t		pid;
	int		error, cgroupfd = -1;

	req->stage = 0;
	req->error = 0;
	req->procsfd = -1;
	if (cg != NULL) {
		/* See contain.c: never clone into a cgroup that was killed. */
		if (spawn_clone3 && !contain_cg_killed(cg))
			cgroupfd = contain_cg_fd(cg);
		else if ((req->procsfd = contain_cg_procs(cg)) == -1)
			return (-1);
	}
	if (spawn_slots(req) == -1)
		return (-1);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = spawn_clone(req, cgroupfd);
	error = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	/* The pipes must see end of file when the program's side closes. */
	dup3(spawn_slot[SLOT_NULL], spawn_slot[SLOT_OUT], O_CLOEXEC);
	dup3(spawn_slot[SLOT_NULL], spawn_slot[SLOT_ERR], O_CLOEXEC);
	errno = error;
	return (pid);
}

#ifdef SPAWN_HAVE_CLONE3
/* The probe's child: exit at once. */
static int
spawn_probe_child(void *arg)
{
	_exit(0);
}
#endif

/*
 * Find out whether children can be cloned straight into cgroup cg (clone3
 * with CLONE_INTO_CGROUP, Linux 5.7); if not, each child moves itself in.
 * Returns 1 when they can.
 */
int
spawn_probe(struct contain_cg *cg)
{
#ifdef SPAWN_HAVE_CLONE3
	struct clone_args	ca;
	sigset_t		all, old;
	long			rv;
	int			status;

	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_VM | CLONE_VFORK | CLONE_INTO_CGROUP;
	ca.exit_signal = SIGCHLD;
	ca.stack = (uint64_t)(uintptr_t)spawn_stack;
	ca.stack_size = SPAWN_STACK;
	ca.cgroup = (uint64_t)contain_cg_fd(cg);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	rv = spawn_clone3_raw(&ca, sizeof(ca), spawn_probe_child, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (rv > 0) {
		while (waitpid((pid_t)rv, &status, 0) == -1 && errno == EINTR)
			;
		spawn_clone3 = 1;
	} else
		log_info("spawn: clone3 into a cgroup: %s; each program "
		    "moves itself into its cgroup", strerror((int)-rv));
#endif
	return (spawn_clone3);
}
