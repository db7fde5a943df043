//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// defaultRootfs is where 'scripts/run.sh' builds a root filesystem.
const defaultRootfs = "/var/lib/container/rootfs"

// checkRootfs refuses, before anything is mounted, a root filesystem the
// container cannot start in. Missing mount points are refused rather than
// created: a run never writes into the rootfs on disk.
func checkRootfs(dir string) error {
	info, err := os.Stat(dir)
	switch {
	case os.IsNotExist(err) && dir == defaultRootfs:
		return fmt.Errorf("no root filesystem at %s: build it with 'sudo scripts/rootfs.sh %s', or give one with --rootfs DIR", dir, dir)
	case os.IsNotExist(err):
		return fmt.Errorf("--rootfs %s does not exist: build one with 'sudo scripts/rootfs.sh %s'", dir, dir)
	case err != nil:
		return fmt.Errorf("--rootfs: %w", err)
	case !info.IsDir():
		return fmt.Errorf("--rootfs %s is not a directory", dir)
	}
	for _, mountPoint := range []string{"proc", "dev", "sys"} {
		if info, err := os.Stat(filepath.Join(dir, mountPoint)); err != nil || !info.IsDir() {
			return fmt.Errorf("--rootfs %s has no /%s directory to mount on: create it with 'mkdir %s'", dir, mountPoint, filepath.Join(dir, mountPoint))
		}
	}
	return nil
}

// device is a character device of the container's minimal /dev.
type device struct {
	name         string
	major, minor uint32
}

// devices are what programs expect in /dev (see devices.txt in the kernel):
// a sink, endless zeros, a full disk, randomness, and one's own terminal.
var devices = []device{
	{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7},
	{"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
}

// mount is unix.Mount with the error saying what failed.
func mount(source, target, fstype string, flags uintptr, data string) error {
	if err := unix.Mount(source, target, fstype, flags, data); err != nil {
		return fmt.Errorf("mount %s on %s: %w", source, target, err)
	}
	return nil
}

// enterRootfs makes rootfs the container's /, in the order runc uses
// (libcontainer/rootfs_linux.go): stop propagation to the host first, mount
// /proc, /dev and /sys inside the rootfs, then pivot_root into it and
// detach the old root, so that no path leads back to the host's files.
func enterRootfs(rootfs string) error {
	// Our mount namespace starts as a copy of the host's, and shared mounts
	// would carry every mount below back to the host.
	if err := mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return err
	}
	// pivot_root needs the new root to be a mount point.
	if err := mount(rootfs, rootfs, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return err
	}
	if err := mount("proc", filepath.Join(rootfs, "proc"), "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return err
	}
	if err := mountDev(filepath.Join(rootfs, "dev")); err != nil {
		return err
	}
	if err := mount("sysfs", filepath.Join(rootfs, "sys"), "sysfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return err
	}
	// pivot_root(".", ".") stacks the old root on top of the new one; the
	// unmount then takes the old root away without a directory for it.
	if err := os.Chdir(rootfs); err != nil {
		return err
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root into %s: %w", rootfs, err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach the old root: %w", err)
	}
	return os.Chdir("/")
}

// mountDev puts a small tmpfs on dev with only the devices above, a private
// devpts for terminals, a /dev/shm, and the usual links.
func mountDev(dev string) error {
	if err := mount("tmpfs", dev, "tmpfs", unix.MS_NOSUID|unix.MS_STRICTATIME, "mode=755,size=64k"); err != nil {
		return err
	}
	for _, d := range devices {
		path := filepath.Join(dev, d.name)
		if err := unix.Mknod(path, unix.S_IFCHR|0o666, int(unix.Mkdev(d.major, d.minor))); err != nil {
			return fmt.Errorf("mknod %s: %w", path, err)
		}
		if err := os.Chmod(path, 0o666); err != nil { // mknod obeys the umask
			return err
		}
	}
	for _, dir := range []string{"pts", "shm"} {
		if err := os.Mkdir(filepath.Join(dev, dir), 0o755); err != nil {
			return err
		}
	}
	// newinstance: the container's terminals, not the host's.
	if err := mount("devpts", filepath.Join(dev, "pts"), "devpts", unix.MS_NOSUID|unix.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620"); err != nil {
		return err
	}
	if err := mount("shm", filepath.Join(dev, "shm"), "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=1777,size=64m"); err != nil {
		return err
	}
	links := map[string]string{
		"ptmx": "pts/ptmx", "fd": "/proc/self/fd",
		"stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dev, name)); err != nil {
			return err
		}
	}
	return nil
}
