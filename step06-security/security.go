//go:build linux

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"unsafe"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/sys/unix"
)

// confine is the init's last step before it starts COMMAND. The mounts
// change for the whole container. Capabilities, no_new_privs and seccomp
// filters, though, belong to one thread, and a child starts with those of
// the thread that forked it: containerInit locked itself to its thread
// (runtime.LockOSThread), and os/exec forks on the caller's thread, so
// COMMAND gets them. The init's other threads keep what they had (the Go
// runtime starts no thread from a locked one); all it does from now on is
// wait for its children and forward signals to them, which, at the same
// user ID, takes no capability.
func confine(s security) error {
	// CVE-2019-5736: the init is the host's binary, and /proc/1/exe opens
	// it. A process that is not dumpable is out of reach of those without
	// CAP_SYS_PTRACE, which COMMAND does not have.
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("make the init non-dumpable: %w", err)
	}
	if err := lockMounts(); err != nil {
		return err
	}
	if err := dropCapabilities(s.caps); err != nil {
		return err
	}
	// From here on execve grants nothing: no setuid, no file capabilities.
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("set no_new_privs: %w", err)
	}
	if s.unconfined {
		return nil
	}
	return loadSeccomp()
}

// lockMounts makes every mount nodev, so that a node COMMAND makes (it
// keeps CAP_MKNOD, as in docker) for the host's disk is only a name. The
// devices of mount.go become mounts of their own, bound onto themselves,
// and keep the right to be devices, with devpts. Then it hides
// maskedPaths and makes readOnlyPaths read-only.
func lockMounts() error {
	devs := []string{"/dev/pts"}
	for _, d := range devices {
		path := "/dev/" + d.name
		if err := mount(path, path, "", unix.MS_BIND, ""); err != nil {
			return err
		}
		devs = append(devs, path)
	}
	if err := setMountAttr("/", unix.AT_RECURSIVE, unix.MOUNT_ATTR_NODEV, 0); err != nil {
		return err
	}
	for _, path := range devs {
		if err := setMountAttr(path, 0, 0, unix.MOUNT_ATTR_NODEV); err != nil {
			return err
		}
	}
	for _, path := range maskedPaths {
		info, err := os.Stat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue // not in this kernel
		case err != nil:
			return err
		case info.IsDir():
			err = mount("tmpfs", path, "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "")
		default:
			err = mount("/dev/null", path, "", unix.MS_BIND, "")
		}
		if err != nil {
			return err
		}
	}
	for _, path := range readOnlyPaths {
		err := mount(path, path, "", unix.MS_BIND|unix.MS_REC, "")
		if errors.Is(err, unix.ENOENT) {
			continue
		}
		if err == nil {
			err = setMountAttr(path, unix.AT_RECURSIVE, unix.MOUNT_ATTR_RDONLY, 0)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// setMountAttr sets and clears flags of the mount at path (AT_RECURSIVE:
// and below) and leaves its other flags as they are, which a remount would
// not (mount_setattr(2), Linux 5.12).
func setMountAttr(path string, flags uint, set, clear uint64) error {
	err := unix.MountSetattr(unix.AT_FDCWD, path, flags, &unix.MountAttr{Attr_set: set, Attr_clr: clear})
	if errors.Is(err, unix.ENOSYS) {
		return errors.New("mount_setattr: this kernel is older than Linux 5.12: use a newer one, or the Vagrant VM (see README)")
	}
	if err != nil {
		return fmt.Errorf("mount_setattr %s: %w", path, err)
	}
	return nil
}

// dropCapabilities leaves this thread the capabilities in want: in the
// bounding set (the most an execve can give back), effective and permitted.
// Inheritable and ambient are emptied: they would hand capabilities to
// programs across execve (CVE-2022-24769).
func dropCapabilities(want uint64) error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData // capabilities 0-31, then 32-63
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capget: %w", err)
	}
	want &= uint64(data[1].Permitted)<<32 | uint64(data[0].Permitted) // ALL is all we have
	// Dropping from the bounding set takes CAP_SETPCAP, so it comes first.
	// Past the kernel's last capability, it says EINVAL.
	for c := 0; c < 64; c++ {
		if want&(1<<c) != 0 {
			continue
		}
		err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0)
		if errors.Is(err, unix.EINVAL) {
			break
		}
		if err != nil {
			return fmt.Errorf("drop capability %d from the bounding set: %w", c, err)
		}
	}
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
		return fmt.Errorf("clear the ambient capabilities: %w", err)
	}
	for i := range data {
		data[i] = unix.CapUserData{Effective: uint32(want >> (32 * i)), Permitted: uint32(want >> (32 * i))}
	}
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capset: %w", err)
	}
	return nil
}

// loadSeccomp installs two filters, which the kernel runs on every system
// call of this thread and of all it starts: deniedSyscalls and clone with
// namespaceFlags fail with EPERM, and then the guard below.
func loadSeccomp() error {
	info, err := arch.GetInfo("")
	if err != nil {
		return fmt.Errorf("seccomp: %w", err)
	}
	var denied []string
	for _, name := range deniedSyscalls {
		if _, ok := info.SyscallNames[name]; ok {
			denied = append(denied, name)
		}
	}
	// One group: the library ends each group with the default action, so
	// a second group would never be reached.
	policy := seccomp.Policy{
		DefaultAction: seccomp.ActionAllow,
		Syscalls: []seccomp.SyscallGroup{{
			Names: denied,
			NamesWithCondtions: []seccomp.NameWithConditions{{Name: "clone", Conditions: seccomp.ArgumentConditions{
				{Argument: 0, Operation: seccomp.BitsSet, Value: namespaceFlags},
			}}},
			Action: seccomp.ActionErrno, // EPERM
		}},
	}
	// TSync: on every thread of the init, not only the one that forks.
	if err := seccomp.LoadFilter(seccomp.Filter{Policy: policy, Flag: seccomp.FilterFlagTSync}); err != nil {
		return fmt.Errorf("seccomp: %w", err)
	}
	return loadGuard(info)
}

// loadGuard adds a filter of our own, in classic BPF. The library's filter
// lets the calls of another ABI through, and 32-bit x86 calls (int 0x80)
// on x86_64 have numbers of their own that would slip past every refusal.
// The guard answers them ENOSYS, and clone3 too, whose flags lie in memory
// that a filter cannot read: ENOSYS says "no such call here", on which
// programs fall back to clone. It also refuses the two ioctls that type
// into a terminal (TIOCSTI, TIOCLINUX): COMMAND may share the caller's,
// and would type into the caller's shell once it is gone. The kernel takes
// an ioctl's request as 32 bits, so the guard compares those alone (the
// low half of the argument on amd64 and arm64, which are little-endian).
func loadGuard(info *arch.Info) error {
	enosys := uint32(unix.SECCOMP_RET_ERRNO) | uint32(unix.ENOSYS)
	eperm := uint32(unix.SECCOMP_RET_ERRNO) | uint32(unix.EPERM)
	program := []unix.SockFilter{
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 4},                       // A = seccomp_data.arch
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: uint32(info.ID), Jt: 1}, // ours: skip one
		{Code: unix.BPF_RET | unix.BPF_K, K: enosys},
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 0}, // A = seccomp_data.nr
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: unix.SYS_CLONE3, Jf: 1},
		{Code: unix.BPF_RET | unix.BPF_K, K: enosys},
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: unix.SYS_IOCTL, Jf: 3}, // else: allow
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 24},                     // A = low half of args[1]
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: unix.TIOCSTI, Jt: 2},
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: unix.TIOCLINUX, Jt: 1},
		{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW},
		{Code: unix.BPF_RET | unix.BPF_K, K: eperm},
	}
	fprog := unix.SockFprog{Len: uint16(len(program)), Filter: &program[0]}
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog)))
	if errno != 0 {
		return fmt.Errorf("seccomp: load the guard: %w", errno)
	}
	return nil
}
