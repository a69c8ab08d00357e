/* sandbox.c - the seccomp filter `edgeward run` installs after dropping
 * privileges.
 *
 * A deny-list, not an allow-list, on purpose: the sensor's own code makes
 * few system calls, but SQLite, libpcap, nDPI, jansson and glibc make a
 * broad set that changes between versions (glibc moving from clone to
 * clone3, stat to statx, SQLite trying mremap, libpcap's TPACKET setup).
 * An allow-list would kill the sensor on the next distribution update,
 * silently dropping a router's monitoring; nobody runs a sensor that dies
 * randomly. Instead we refuse what an attacker who gained code execution
 * through a parser bug would want and a sensor never needs: running
 * programs, debugging other processes, changing identity, namespaces,
 * mounts, kernel modules, BPF programs, keyrings, io_uring (which bypasses
 * seccomp for file I/O), rebooting. Each fails with EPERM rather than
 * killing the process, so an unexpected library call surfaces as an error
 * message, not a dead sensor. System calls of a foreign architecture
 * (i386 on x86_64) kill the process: a deny-list is only sound for the
 * native system-call table. */
#define _GNU_SOURCE	/* CLONE_NEW* */
#include "service/service.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

/* Names resolve per architecture; those a platform lacks are skipped. */
static const char *const denied[] = {
	/* running other programs */
	"execve", "execveat",
	/* reading or changing other processes */
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
	"pidfd_getfd",
	/* file systems and the root directory */
	"mount", "umount", "umount2", "pivot_root", "chroot", "mount_setattr",
	"fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
	"swapon", "swapoff", "quotactl", "name_to_handle_at",
	"open_by_handle_at",
	/* the kernel itself */
	"kexec_load", "kexec_file_load", "init_module", "finit_module",
	"delete_module", "bpf", "perf_event_open", "reboot", "acct",
	"iopl", "ioperm", "syslog", "lookup_dcookie", "userfaultfd",
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
	"sethostname", "setdomainname", "vhangup", "fanotify_init",
	/* keyrings */
	"keyctl", "add_key", "request_key",
	/* identity: privileges are dropped before the filter goes in */
	"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid",
	"setfsuid", "setfsgid", "setgroups", "setuid32", "setgid32",
	"setreuid32", "setregid32", "setresuid32", "setresgid32",
	"setfsuid32", "setfsgid32", "setgroups32", "capset",
	/* namespaces (clone's namespace flags are checked below) */
	"unshare", "setns",
	/* io_uring performs file and socket I/O outside seccomp's view */
	"io_uring_setup", "io_uring_enter", "io_uring_register",
};

/* clone flags that would create a namespace. */
static const unsigned long ns_flags[] = {
	CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID,
	CLONE_NEWNET, CLONE_NEWCGROUP,
};

int svc_sandbox(char *err, size_t errlen)
{
	int r = 0;
	const char *what = "";

	if (errlen)
		err[0] = '\0';
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		snprintf(err, errlen, "seccomp: cannot create a filter");
		return -1;
	}
	/* All threads (the store writer may already run); sets
	 * no_new_privs on each, as loading a filter unprivileged needs. */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) < 0) {
		what = "thread synchronisation";
		goto fail;
	}
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS)) < 0) {
		what = "foreign architecture action";
		goto fail;
	}
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		int nr = seccomp_syscall_resolve_name(denied[i]);
		if (nr < 0)	/* not on this architecture */
			continue;
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		if (r < 0) {
			what = denied[i];
			goto fail;
		}
	}
	/* Threads and fork stay allowed, new namespaces do not. clone3
	 * passes its flags in memory seccomp cannot read: answer ENOSYS, and
	 * glibc falls back to clone, whose flags we can check. */
	int clone3 = seccomp_syscall_resolve_name("clone3");
	if (clone3 >= 0 &&
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), clone3, 0)) < 0) {
		what = "clone3";
		goto fail;
	}
	for (size_t i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++) {
#if defined(__s390__) || defined(__s390x__)
		struct scmp_arg_cmp flags = SCMP_A1(SCMP_CMP_MASKED_EQ,
		    ns_flags[i], ns_flags[i]);
#else
		struct scmp_arg_cmp flags = SCMP_A0(SCMP_CMP_MASKED_EQ,
		    ns_flags[i], ns_flags[i]);
#endif
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    SCMP_SYS(clone), 1, flags);
		if (r < 0) {
			what = "clone";
			goto fail;
		}
	}
	if ((r = seccomp_load(ctx)) < 0) {
		what = "load";
		goto fail;
	}
	seccomp_release(ctx);
	return 0;

fail:
	snprintf(err, errlen, "seccomp: cannot install the sandbox (%s): %s",
	    what, strerror(-r));
	seccomp_release(ctx);
	return -1;
}
