//go:build linux

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// defaultRootfs is where 'scripts/run.sh' builds a root filesystem.
const defaultRootfs = "/var/lib/container/rootfs"

// stateDir holds what the runtime keeps about running containers. A
// rootfs that holds it would let a container change it.
const stateDir = "/run/container"

// checkRootfs refuses, before anything is created, a root filesystem the
// container cannot start in, and returns its path with symlinks resolved.
// A rootfs that is the host's / (as --rootfs /tmp/.. is) would give the
// container the host's files, read-write. Mount points that are symlinks
// are refused rather than followed: the init checks again when it mounts.
func checkRootfs(dir string) (string, error) {
	info, err := os.Stat(dir)
	switch {
	case os.IsNotExist(err) && dir == defaultRootfs:
		return "", fmt.Errorf("no root filesystem at %s: build it with 'sudo scripts/rootfs.sh %s', or give one with --rootfs DIR", dir, dir)
	case os.IsNotExist(err):
		return "", fmt.Errorf("--rootfs %s does not exist: build one with 'sudo scripts/rootfs.sh %s'", dir, dir)
	case err != nil:
		return "", fmt.Errorf("--rootfs: %w", err)
	case !info.IsDir():
		return "", fmt.Errorf("--rootfs %s is not a directory", dir)
	}
	resolved, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", fmt.Errorf("--rootfs: %w", err)
	}
	if resolved, err = filepath.Abs(resolved); err != nil {
		return "", fmt.Errorf("--rootfs: %w", err)
	}
	// The same directory as / (a bind mount of it) is the host's / too.
	if hostRoot, err := os.Stat("/"); err == nil && os.SameFile(hostRoot, info) {
		resolved = "/"
	}
	inside := func(dir, parent string) bool { return strings.HasPrefix(dir+"/", strings.TrimSuffix(parent, "/")+"/") }
	if resolved == "/" || inside(stateDir, resolved) || inside(resolved, stateDir) {
		return "", fmt.Errorf("--rootfs %s is the host's %s: give a directory of its own (build one with 'sudo scripts/rootfs.sh DIR')", dir, resolved)
	}
	for _, mountPoint := range []string{"proc", "dev", "sys"} {
		path := filepath.Join(resolved, mountPoint)
		info, err := os.Lstat(path)
		if err == nil && info.Mode()&os.ModeSymlink != 0 {
			return "", fmt.Errorf("--rootfs %s: /%s is a symlink: a mount point must be a directory (replace it with 'mkdir')", dir, mountPoint)
		}
		if err != nil || !info.IsDir() {
			return "", fmt.Errorf("--rootfs %s has no /%s directory to mount on: create it with 'mkdir %s'", dir, mountPoint, path)
		}
	}
	return resolved, nil
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

// enterRootfs makes rootfs the container's /. It stops propagation to the
// host, pivots into the rootfs and detaches the old root, so that no path
// leads back to the host's files. Only then does it mount /proc, /dev and
// /sys: whatever links the rootfs holds, they now resolve inside it.
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
	if err := os.Chdir("/"); err != nil {
		return err
	}
	root, err := os.Open("/")
	if err != nil {
		return err
	}
	defer root.Close()
	proc, err := mountInside(root, "proc", "proc", unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC)
	if err != nil {
		return err
	}
	proc.Close()
	if err := mountDev(root); err != nil {
		return err
	}
	sys, err := mountInside(root, "sys", "sysfs", unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC)
	if err != nil {
		return err
	}
	return sys.Close()
}

// mountInside mounts a new file system of type fstype on the directory
// name of parent. mount(2) takes a path, and a path of the rootfs can be a
// symlink, or become one while we work. So the directory is opened first,
// refusing any symlink on the way, and the new mount, made as a file
// descriptor (fsopen, fsmount), is attached to it (move_mount). It returns
// the new file system's root, to fill it without a path either.
func mountInside(parent *os.File, name, fstype string, attrs int, options ...string) (*os.File, error) {
	target, err := unix.Openat2(int(parent.Fd()), name, &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_BENEATH,
	})
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
		return nil, fmt.Errorf("the rootfs's %s is a symlink or not a directory: refusing to mount on it", filepath.Join(parent.Name(), name))
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", filepath.Join(parent.Name(), name), err)
	}
	defer unix.Close(target)
	fs, err := unix.Fsopen(fstype, unix.FSOPEN_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("fsopen %s: %w", fstype, err)
	}
	defer unix.Close(fs)
	for _, option := range append([]string{"source=" + fstype}, options...) {
		var err error
		if key, value, found := strings.Cut(option, "="); found {
			err = unix.FsconfigSetString(fs, key, value)
		} else {
			err = unix.FsconfigSetFlag(fs, key)
		}
		if err != nil {
			return nil, fmt.Errorf("%s option %s: %w", fstype, option, err)
		}
	}
	if err := unix.FsconfigCreate(fs); err != nil {
		return nil, fmt.Errorf("create a %s: %w", fstype, err)
	}
	mnt, err := unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, attrs)
	if err != nil {
		return nil, fmt.Errorf("fsmount %s: %w", fstype, err)
	}
	err = unix.MoveMount(mnt, "", target, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH)
	if err != nil {
		unix.Close(mnt)
		return nil, fmt.Errorf("mount %s on %s: %w", fstype, filepath.Join(parent.Name(), name), err)
	}
	return os.NewFile(uintptr(mnt), filepath.Join(parent.Name(), name)), nil
}

// mountDev puts a small tmpfs on /dev with only the devices above, a
// private devpts for terminals, a /dev/shm, and the usual links. It works
// through the tmpfs's descriptor: no path of the rootfs is looked up again.
func mountDev(root *os.File) error {
	dev, err := mountInside(root, "dev", "tmpfs", unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_STRICTATIME, "mode=755", "size=64k")
	if err != nil {
		return err
	}
	defer dev.Close()
	fd := int(dev.Fd())
	for _, d := range devices {
		if err := unix.Mknodat(fd, d.name, unix.S_IFCHR|0o666, int(unix.Mkdev(d.major, d.minor))); err != nil {
			return fmt.Errorf("mknod /dev/%s: %w", d.name, err)
		}
		if err := unix.Fchmodat(fd, d.name, 0o666, 0); err != nil { // mknod obeys the umask
			return err
		}
	}
	for _, dir := range []string{"pts", "shm"} {
		if err := unix.Mkdirat(fd, dir, 0o755); err != nil {
			return err
		}
	}
	// A new instance: the container's terminals, not the host's.
	pts, err := mountInside(dev, "pts", "devpts", unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NOEXEC, "newinstance", "ptmxmode=0666", "mode=620")
	if err != nil {
		return err
	}
	pts.Close()
	shm, err := mountInside(dev, "shm", "tmpfs", unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC, "mode=1777", "size=64m")
	if err != nil {
		return err
	}
	shm.Close()
	links := map[string]string{
		"ptmx": "pts/ptmx", "fd": "/proc/self/fd",
		"stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2",
	}
	for name, target := range links {
		if err := unix.Symlinkat(target, fd, name); err != nil {
			return err
		}
	}
	return nil
}
