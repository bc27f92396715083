// SPDX-License-Identifier: Apache-2.0
/*
 * The confinements of the matrix (confinements.h), as the programs that
 * use them set them up. The OpenSSH filter follows shared/notes/sandboxes.md
 * (its 10.x allow list); the systemd list is embedded, see below.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <seccomp.h>

#include "confinements.h"

#define NOBODY 65534 /* the uid and gid the rlimit sandboxes run as */

const char *confine_name(enum confine c)
{
	switch (c) {
	case CONF_SSH_KILL:
		return "OpenSSH preauth filter (kill)";
	case CONF_SSH_EPERM:
		return "OpenSSH allow list (EPERM)";
	case CONF_RLIMIT:
		return "OpenSSH rlimit sandbox";
	case CONF_CHROOT:
		return "chroot + rlimits + OpenSSH filter";
	case CONF_SYSTEMD:
		return "systemd @system-service (kill)";
	}
	return "?";
}

/*
 * systemd's @system-service, expanded (every group in it resolved to its
 * calls) by `systemd-analyze syscall-filter` of systemd 252
 * (252.39-1~deb12u2, Debian 12); embedded because compat roots may have
 * no systemd. Names of other architectures or newer kernels than the
 * libseccomp here knows are skipped, as systemd skips them.
 */
/* clang-format off */
static const char *const system_service[] = {
	"_llseek", "_newselect", "accept", "accept4", "access", "add_key", "alarm", "arch_prctl",
	"arm_fadvise64_64", "bind", "brk", "cacheflush", "capget", "capset", "chdir", "chmod",
	"chown", "chown32", "clock_getres", "clock_getres_time64", "clock_gettime",
	"clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "clone", "clone3",
	"close", "close_range", "connect", "copy_file_range", "creat", "dup", "dup2", "dup3",
	"epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
	"epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve",
	"execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64", "fadvise64_64",
	"fallocate", "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32",
	"fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork",
	"fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64",
	"fsync", "ftruncate", "ftruncate64", "futex", "futex_time64", "futex_waitv", "futimesat",
	"get_mempolicy", "get_robust_list", "get_thread_area", "getcpu", "getcwd", "getdents",
	"getdents64", "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32",
	"getgroups", "getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid",
	"getppid", "getpriority", "getrandom", "getresgid", "getresgid32", "getresuid",
	"getresuid32", "getrlimit", "getrusage", "getsid", "getsockname", "getsockopt", "gettid",
	"gettimeofday", "getuid", "getuid32", "getxattr", "inotify_add_watch", "inotify_init",
	"inotify_init1", "inotify_rm_watch", "io_cancel", "io_destroy", "io_getevents",
	"io_pgetevents", "io_pgetevents_time64", "io_setup", "io_submit", "io_uring_enter",
	"io_uring_register", "io_uring_setup", "ioctl", "ioprio_get", "ioprio_set", "ipc",
	"kcmp", "keyctl", "kill", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen",
	"listxattr", "llistxattr", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64",
	"madvise", "mbind", "membarrier", "memfd_create", "migrate_pages", "mkdir", "mkdirat",
	"mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "move_pages",
	"mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
	"mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap",
	"msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap",
	"name_to_handle_at", "nanosleep", "newfstatat", "nice", "oldfstat", "oldlstat",
	"oldolduname", "oldstat", "olduname", "open", "openat", "openat2", "pause",
	"personality", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "poll", "ppoll",
	"ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64", "process_madvise",
	"process_vm_readv", "process_vm_writev", "pselect6", "pselect6_time64", "pwrite64",
	"pwritev", "pwritev2", "read", "readahead", "readdir", "readlink", "readlinkat", "readv",
	"recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages",
	"removexattr", "rename", "renameat", "renameat2", "request_key", "restart_syscall",
	"riscv_flush_icache", "riscv_hwprobe", "rmdir", "rseq", "rt_sigaction", "rt_sigpending",
	"rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
	"rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_get_priority_max",
	"sched_get_priority_min", "sched_getaffinity", "sched_getattr", "sched_getparam",
	"sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
	"sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler",
	"sched_yield", "select", "semctl", "semget", "semop", "semtimedop", "semtimedop_time64",
	"send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto", "set_mempolicy",
	"set_mempolicy_home_node", "set_robust_list", "set_thread_area", "set_tid_address",
	"set_tls", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32",
	"setgroups", "setgroups32", "setitimer", "setns", "setpgid", "setpriority", "setregid",
	"setregid32", "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid",
	"setreuid32", "setrlimit", "setsid", "setsockopt", "setuid", "setuid32", "setxattr",
	"shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaction", "sigaltstack", "signal",
	"signalfd", "signalfd4", "sigpending", "sigprocmask", "sigreturn", "sigsuspend",
	"socket", "socketcall", "socketpair", "splice", "stat", "stat64", "statfs", "statfs64",
	"statx", "swapcontext", "symlink", "symlinkat", "sync", "sync_file_range",
	"sync_file_range2", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create",
	"timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime",
	"timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64",
	"timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate", "truncate64",
	"ugetrlimit", "umask", "uname", "unlink", "unlinkat", "unshare", "uretprobe",
	"userfaultfd", "utime", "utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice",
	"wait4", "waitid", "waitpid", "write", "writev",
};
/* clang-format on */

/* Add a rule for the call named; a name unknown here, or not a call of this architecture, is
 * skipped. */
static int rule(scmp_filter_ctx f, uint32_t action, const char *name, unsigned int n,
		const struct scmp_arg_cmp *cmp)
{
	int nr = seccomp_syscall_resolve_name(name), r;

	if (nr == __NR_SCMP_ERROR)
		return 0;
	r = seccomp_rule_add_array(f, action, nr, n, cmp);
	if (r != 0 && nr >= 0) {
		fprintf(stderr, "seccomp_rule_add(%s): %s\n", name, strerror(-r));
		return -1;
	}
	return 0;
}

static int allow(scmp_filter_ctx f, const char *name)
{
	return rule(f, SCMP_ACT_ALLOW, name, 0, NULL);
}

/* One argument's bits outside allowed each make the call fail with err. */
static int deny_bits(scmp_filter_ctx f, const char *name, unsigned int arg, uint32_t allowed,
		     int err)
{
	unsigned int b;

	for (b = 0; b < 32; b++) {
		uint64_t bit = (uint64_t)1 << b;
		struct scmp_arg_cmp c = {arg, SCMP_CMP_MASKED_EQ, bit, bit};

		if ((allowed & bit) == 0 && rule(f, SCMP_ACT_ERRNO(err), name, 1, &c) != 0)
			return -1;
	}
	return 0;
}

/*
 * OpenSSH's Linux preauth filter (sandbox-seccomp-filter.c, 10.x), with
 * `other` for every call it does not list (SCMP_ACT_KILL_PROCESS there).
 */
static int ssh_filter(scmp_filter_ctx f)
{
	static const char *const allowed[] = {
		"brk",
		"close",
		"exit",
		"exit_group",
		"read",
		"write",
		"writev",
		"clock_gettime",
		"clock_gettime64",
		"gettimeofday",
		"time",
		"nanosleep",
		"clock_nanosleep",
		"clock_nanosleep_time64",
		"getpid",
		"gettid",
		"getuid",
		"getuid32",
		"geteuid",
		"geteuid32",
		"getpgid",
		"getrandom",
		"mremap",
		"munmap",
		"poll",
		"ppoll",
		"select",
		"_newselect",
		"pselect6",
		"pselect6_time64",
		"rt_sigprocmask",
		"sigprocmask",
		"shutdown",
		"getsockopt",
		"getsockname",
		"getpeername",
		"uname",
		"riscv_hwprobe",
	};
	static const char *const eacces[] = {
		"open",	      "openat", "stat",	  "lstat",   "fstat",
		"newfstatat", "statx",	"stat64", "lstat64", "fstat64",
		"fstatat64",  "shmget", "shmat",  "shmdt",   "ipc",
	};
	static const int futex_ops[] = {FUTEX_WAIT,	   FUTEX_WAKE,	      FUTEX_REQUEUE,
					FUTEX_CMP_REQUEUE, FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET};
	static const int futex_flags[] = {0, FUTEX_PRIVATE_FLAG, FUTEX_CLOCK_REALTIME,
					  FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME};
	static const int advice[] = {MADV_NORMAL,   MADV_FREE,	   MADV_DONTNEED,
				     MADV_DONTFORK, MADV_DONTDUMP, MADV_WIPEONFORK};
	const uint32_t prot = PROT_READ | PROT_WRITE | PROT_NONE;
	const uint32_t flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_FIXED_NOREPLACE;
	struct scmp_arg_cmp c[2];
	size_t i, j;
	int a;

	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (allow(f, allowed[i]) != 0)
			return -1;
	for (i = 0; i < sizeof(eacces) / sizeof(eacces[0]); i++)
		if (rule(f, SCMP_ACT_ERRNO(EACCES), eacces[i], 0, NULL) != 0)
			return -1;
	/* futex: these operations, with PRIVATE and CLOCK_REALTIME flags only. */
	for (i = 0; i < sizeof(futex_ops) / sizeof(futex_ops[0]); i++)
		for (j = 0; j < sizeof(futex_flags) / sizeof(futex_flags[0]); j++) {
			c[0] = (struct scmp_arg_cmp){1, SCMP_CMP_MASKED_EQ, 0xffffffffu,
						     (uint32_t)(futex_ops[i] | futex_flags[j])};
			if (rule(f, SCMP_ACT_ALLOW, "futex", 1, c) != 0 ||
			    rule(f, SCMP_ACT_ALLOW, "futex_time64", 1, c) != 0)
				return -1;
		}
	/* madvise: these advices; any other fails with EINVAL. */
	for (a = 0; a <= MADV_WIPEONFORK; a++) {
		int ok = 0;

		for (i = 0; i < sizeof(advice) / sizeof(advice[0]); i++)
			ok |= advice[i] == a;
		c[0] = (struct scmp_arg_cmp){2, SCMP_CMP_EQ, (scmp_datum_t)a, 0};
		if (rule(f, ok ? SCMP_ACT_ALLOW : SCMP_ACT_ERRNO(EINVAL), "madvise", 1, c) != 0)
			return -1;
	}
	c[0] = (struct scmp_arg_cmp){2, SCMP_CMP_GT, MADV_WIPEONFORK, 0};
	if (rule(f, SCMP_ACT_ERRNO(EINVAL), "madvise", 1, c) != 0)
		return -1;
	/* mmap, mprotect: no PROT_EXEC, no other flags; EINVAL otherwise. */
	c[0] = (struct scmp_arg_cmp){2, SCMP_CMP_MASKED_EQ, ~(uint64_t)prot, 0};
	c[1] = (struct scmp_arg_cmp){3, SCMP_CMP_MASKED_EQ, ~(uint64_t)flags, 0};
	if (rule(f, SCMP_ACT_ALLOW, "mmap", 2, c) != 0 ||
	    rule(f, SCMP_ACT_ALLOW, "mmap2", 2, c) != 0 ||
	    rule(f, SCMP_ACT_ALLOW, "mprotect", 1, c) != 0)
		return -1;
	if (deny_bits(f, "mmap", 2, prot, EINVAL) != 0 ||
	    deny_bits(f, "mmap", 3, flags, EINVAL) != 0 ||
	    deny_bits(f, "mmap2", 2, prot, EINVAL) != 0 ||
	    deny_bits(f, "mmap2", 3, flags, EINVAL) != 0 ||
	    deny_bits(f, "mprotect", 2, prot, EINVAL) != 0)
		return -1;
	/* setsockopt: IP_TOS and IPV6_TCLASS only. */
	c[0] = (struct scmp_arg_cmp){1, SCMP_CMP_EQ, IPPROTO_IP, 0};
	c[1] = (struct scmp_arg_cmp){2, SCMP_CMP_EQ, IP_TOS, 0};
	if (rule(f, SCMP_ACT_ALLOW, "setsockopt", 2, c) != 0)
		return -1;
	c[0] = (struct scmp_arg_cmp){1, SCMP_CMP_EQ, IPPROTO_IPV6, 0};
	c[1] = (struct scmp_arg_cmp){2, SCMP_CMP_EQ, IPV6_TCLASS, 0};
	return rule(f, SCMP_ACT_ALLOW, "setsockopt", 2, c);
}

static int systemd_filter(scmp_filter_ctx f)
{
	size_t i;

	for (i = 0; i < sizeof(system_service) / sizeof(system_service[0]); i++)
		if (allow(f, system_service[i]) != 0)
			return -1;
	return 0;
}

/* OpenSSH's rlimit sandbox: no files, no processes (threads count), no writes to files. */
static int rlimits(void)
{
	static const int res[] = {RLIMIT_FSIZE, RLIMIT_NOFILE, RLIMIT_NPROC};
	const struct rlimit zero = {0, 0};
	size_t i;

	for (i = 0; i < sizeof(res) / sizeof(res[0]); i++)
		if (setrlimit(res[i], &zero) != 0) {
			perror("setrlimit");
			return -1;
		}
	return 0;
}

/*
 * As sshd's preauth child: drop root first (root is exempt from
 * RLIMIT_NPROC, so the rlimit sandbox would not stop a thread).
 */
static int drop_root(void)
{
	if (geteuid() != 0)
		return 0;
	if (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0) {
		perror("dropping root");
		return -1;
	}
	return 0;
}

static int load_filter(uint32_t other, int (*rules)(scmp_filter_ctx))
{
	scmp_filter_ctx f = seccomp_init(other);
	int r;

	if (f == NULL || rules(f) != 0) {
		seccomp_release(f);
		return -1;
	}
	r = seccomp_load(f); /* sets no_new_privs first */
	seccomp_release(f);
	if (r != 0)
		fprintf(stderr, "seccomp_load: %s\n", strerror(-r));
	return r == 0 ? 0 : -1;
}

/* Confine this process; 0, or -1 with a message (still unconfined, or partly). */
int confine(enum confine how, const char *empty_dir)
{
	switch (how) {
	case CONF_SSH_KILL:
		return load_filter(SCMP_ACT_KILL_PROCESS, ssh_filter);
	case CONF_SSH_EPERM:
		return load_filter(SCMP_ACT_ERRNO(EPERM), ssh_filter);
	case CONF_RLIMIT:
		return drop_root() != 0 || rlimits() != 0 ? -1 : 0;
	case CONF_CHROOT:
		if (chroot(empty_dir) != 0 || chdir("/") != 0) {
			perror("chroot");
			return -1;
		}
		if (drop_root() != 0 || rlimits() != 0)
			return -1;
		return load_filter(SCMP_ACT_KILL_PROCESS, ssh_filter);
	case CONF_SYSTEMD:
		return load_filter(SCMP_ACT_KILL_PROCESS, systemd_filter);
	}
	return -1;
}
