//go:build linux

package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// What security.go applies: Docker's defaults (moby's oci/caps/defaults.go,
// oci/defaults.go and seccomp profile), and the flags that change them.

// capNames are the capabilities in the kernel's order: a capability's
// number is its index (capabilities(7), linux/capability.h).
var capNames = []string{
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", // 0-7
	"SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", // 8-15
	"SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", // 16-23
	"SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", // 24-31
	"MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", // 32-39
	"CHECKPOINT_RESTORE", // 40
}

// defaultCaps are the 14 capabilities docker leaves a container's root:
// enough to own files, switch users, bind low ports and ping; not enough
// to mount, load modules, trace, or touch the machine's clock and hardware.
var defaultCaps = []string{
	"CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID",
	"SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
}

// maskedPaths tell about the host's kernel and hardware, or let one read
// its memory (kcore) or measure its power draw (powercap, a side channel).
var maskedPaths = []string{
	"/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/sched_debug", "/proc/scsi", "/proc/timer_list", "/proc/timer_stats",
	"/sys/devices/virtual/powercap", "/sys/firmware",
}

// readOnlyPaths change the host's kernel when written: its settings
// (/proc/sys), a magic key (sysrq-trigger), interrupts, buses, file systems.
var readOnlyPaths = []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}

// deniedSyscalls fail with EPERM under the seccomp filter. Names that an
// architecture lacks (stime, iopl on arm64) are left out for it.
var deniedSyscalls = []string{
	// the kernel itself: modules, a new kernel, reboot, its log
	"init_module", "finit_module", "delete_module", "create_module", "query_module", "get_kernel_syms",
	"kexec_load", "kexec_file_load", "reboot", "syslog",
	// files by handle instead of path: the "shocker" breakout
	"open_by_handle_at", "name_to_handle_at",
	// the kernel's keyrings, which are not namespaced
	"keyctl", "add_key", "request_key",
	// large kernel attack surfaces: BPF programs, perf counters, userfaultfd, io_uring
	"bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
	// mounts, with the old calls and the new ones
	"mount", "umount", "umount2", "pivot_root", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount",
	"open_tree", "mount_setattr",
	// namespaces: joining the host's, or making new ones (clone: see namespaceFlags)
	"unshare", "setns",
	// the clock, which is the host's
	"settimeofday", "stime", "clock_settime", "clock_adjtime", "adjtimex",
	// swap, process accounting, quotas, I/O ports and obsolete calls
	"swapon", "swapoff", "acct", "quotactl", "quotactl_fd", "lookup_dcookie", "nfsservctl", "uselib",
	"iopl", "ioperm", "vm86", "vm86old", "sysfs", "_sysctl", "ustat",
}

// namespaceFlags in clone's flags make new namespaces: refused, as unshare.
const namespaceFlags = unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWUSER |
	unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWCGROUP

// names is a flag that may be given more than once: --cap-add A --cap-add B.
type names []string

func (n *names) String() string     { return strings.Join(*n, ",") }
func (n *names) Set(v string) error { *n = append(*n, v); return nil }

// security is what --cap-add, --cap-drop and --security-opt ask for, and
// what check makes of them.
type security struct {
	capAdd, capDrop, opts names
	caps                  uint64 // COMMAND's capabilities: bit N is capability N
	unconfined            bool   // no seccomp filter
}

// check computes COMMAND's capabilities as docker does: ALL in --cap-add is
// every capability but those dropped, ALL in --cap-drop keeps only those
// added, else the default set less the dropped plus the added.
func (s *security) check() error {
	base, _, _ := capMask("", defaultCaps)
	add, addAll, err := capMask("--cap-add", s.capAdd)
	if err != nil {
		return err
	}
	drop, dropAll, err := capMask("--cap-drop", s.capDrop)
	if err != nil {
		return err
	}
	// SYS_PTRACE is never given: with it COMMAND could drive the init's
	// threads, which keep the runtime's capabilities (confine takes them
	// from the thread that forks COMMAND only). ALL means all but it.
	ptrace := uint64(1) << slices.Index(capNames, "SYS_PTRACE")
	if add&ptrace != 0 {
		return errors.New("--cap-add SYS_PTRACE is not offered: it would let COMMAND take over the container's init, which holds the runtime's privileges")
	}
	switch {
	case addAll:
		s.caps = ^uint64(0) &^ drop &^ ptrace
	case dropAll:
		s.caps = add
	default:
		s.caps = base&^drop | add
	}
	for _, opt := range s.opts {
		if opt != "seccomp=unconfined" {
			return fmt.Errorf("--security-opt %s is not supported: the one option is seccomp=unconfined", opt)
		}
		s.unconfined = true
	}
	return nil
}

// capMask turns names as docker takes them (NET_RAW, cap_net_raw) into
// bits; all says whether ALL was one of them.
func capMask(flag string, list []string) (mask uint64, all bool, err error) {
	for _, name := range list {
		upper := strings.ToUpper(name)
		if upper == "ALL" {
			all = true
			continue
		}
		n := slices.Index(capNames, strings.TrimPrefix(upper, "CAP_"))
		if n < 0 {
			return 0, false, fmt.Errorf("%s %s: no such capability: use a name from capabilities(7), as in NET_ADMIN or CAP_NET_ADMIN, or ALL", flag, name)
		}
		mask |= 1 << n
	}
	return mask, all, nil
}
