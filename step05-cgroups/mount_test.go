//go:build linux

package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// propagationTest names the folders where TestMountsDoNotPropagateToHost
// (of any step, running at the same time) mounts on the host on purpose.
const propagationTest = "/container-propagation-test-"

// hostMounts is the host's mount table, less propagationTest's mounts.
func hostMounts(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	require.NoError(t, err)
	var kept []string
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if !strings.Contains(line, propagationTest) {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, "")
}

// copyRootfs gives a test a root filesystem of its own to change.
func copyRootfs(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "rootfs")
	out, err := exec.Command("cp", "-a", rootfs, dir).CombinedOutput()
	require.NoError(t, err, string(out))
	return dir
}

func TestRootfsIsRoot(t *testing.T) {
	t.Parallel()
	marker := fmt.Sprintf("marker-%d", os.Getpid())
	require.NoError(t, os.WriteFile(filepath.Join(rootfs, marker), []byte("from the rootfs\n"), 0o644))
	t.Cleanup(func() { os.Remove(filepath.Join(rootfs, marker)) })
	hostOnly := filepath.Join(t.TempDir(), "host-only")
	require.NoError(t, os.WriteFile(hostOnly, nil, 0o644))

	r := container(t, "sh", "-c", fmt.Sprintf("cat /%s; test -e %s && echo host-visible; pwd", marker, hostOnly))
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "from the rootfs\n/\n", r.stdout)
}

func TestChrootEscapeFails(t *testing.T) {
	t.Parallel()
	r := container(t, helper, "chroot-escape")
	require.Equal(t, 0, r.code, r.stderr)
	root := strings.Fields(r.stdout)
	assert.Contains(t, root, "helper", "still in the rootfs")
	assert.NotContains(t, root, "usr", "the host's / must stay out of reach")
	assert.NotContains(t, root, "work")
}

func TestPsShowsOnlyContainer(t *testing.T) {
	t.Parallel()
	r := container(t, "sh", "-c", `ps -o pid,args; tr '\0' ' ' </proc/1/cmdline`)
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 5, "a header, the init, sh and ps, then /proc/1/cmdline:\n%s", r.stdout)
	assert.Regexp(t, `^\s*1 /proc/self/exe init `, lines[1])
	assert.Contains(t, lines[2], "sh -c")
	assert.Contains(t, lines[3], "ps -o pid,args")
	assert.Contains(t, lines[4], "/proc/self/exe init ")
}

func TestContainerMountsOnlyItsOwn(t *testing.T) {
	t.Parallel()
	r := container(t, "cat", "/proc/self/mountinfo")
	require.Equal(t, 0, r.code, r.stderr)
	var mountPoints []string
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		mountPoints = append(mountPoints, strings.Fields(line)[4])
	}
	want := []string{"/", "/proc", "/dev", "/dev/pts", "/dev/shm", "/sys", "/etc/resolv.conf", "/etc/hosts"}
	if cgroupV2() {
		want = append(want, "/sys/fs/cgroup")
	}
	assert.ElementsMatch(t, want, mountPoints)
}

//exercise:guard
func TestHostMountTableUnchanged(t *testing.T) {
	t.Parallel()
	before := hostMounts(t)
	c := startContainer(t, runCmd("sh", "-c", "echo ready; read line"))
	require.Equal(t, "ready", c.nextLine(t))
	assert.Equal(t, before, hostMounts(t), "during a run")
	_, err := c.stdin.Write([]byte("done\n"))
	require.NoError(t, err)
	require.Equal(t, 0, c.wait(t))
	assert.Equal(t, before, hostMounts(t), "after a run")

	r := container(t, "no-such-command")
	require.Equal(t, exitNotFound, r.code)
	assert.Equal(t, before, hostMounts(t), "after a failed run")
}

//exercise:guard
func TestMountsDoNotPropagateToHost(t *testing.T) {
	// On systemd hosts / is a shared mount: what is mounted below it in a
	// copy of it appears on the host too, unless the container makes its
	// mounts private first. Build that situation on a rootfs of our own.
	dir, err := os.MkdirTemp("", strings.TrimPrefix(propagationTest, "/"))
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	out, err := exec.Command("cp", "-a", rootfs+"/.", dir).CombinedOutput()
	require.NoError(t, err, string(out))
	require.NoError(t, unix.Mount(dir, dir, "", unix.MS_BIND, ""))
	t.Cleanup(func() {
		for unix.Unmount(dir, unix.MNT_DETACH) == nil { // what leaked stacks up
		}
	})
	require.NoError(t, unix.Mount("", dir, "", unix.MS_SHARED, ""))
	// mountsBelow counts the host's mounts in dir: our bind mount alone.
	mountsBelow := func() int {
		data, err := os.ReadFile("/proc/self/mountinfo")
		require.NoError(t, err)
		n := 0
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			if strings.HasPrefix(strings.Fields(line)[4], dir) {
				n++
			}
		}
		return n
	}
	require.Equal(t, 1, mountsBelow())

	c := startContainer(t, containerCmd("run", "--rootfs", dir, "sh", "-c", "echo ready; read line"))
	require.Equal(t, "ready", c.nextLine(t), c.stderr.String())
	assert.Equal(t, 1, mountsBelow(), "the container's mounts must not show on the host")
	_, err = c.stdin.Write([]byte("done\n"))
	require.NoError(t, err)
	require.Equal(t, 0, c.wait(t))
	assert.Equal(t, 1, mountsBelow())
}

func TestDevNodes(t *testing.T) {
	t.Parallel()
	r := container(t, "ls", "/dev")
	require.Equal(t, 0, r.code, r.stderr)
	assert.ElementsMatch(t, strings.Fields(r.stdout), []string{
		"fd", "full", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout", "tty", "urandom", "zero",
	}, "only these: no disk of the host")

	script := `
for d in null zero full random urandom tty; do [ -c /dev/$d ] || echo "$d is not a character device"; done
echo discarded >/dev/null && echo null works
head -c 4 /dev/zero | od -An -tx1
head -c 16 /dev/urandom | wc -c
head -c 16 /dev/random | wc -c
echo x 2>/dev/null >/dev/full || echo full is full
[ -c /dev/pts/ptmx ] && echo ptmx is there
readlink /dev/stdout; readlink /dev/fd
echo x >/dev/shm/f && echo shm is writable`
	r = container(t, "sh", "-c", script)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "null works\n 00 00 00 00\n16\n16\nfull is full\nptmx is there\n/proc/self/fd/1\n/proc/self/fd\nshm is writable\n", r.stdout)
}

func TestSysIsReadOnly(t *testing.T) {
	t.Parallel()
	r := container(t, "sh", "-c", "grep ' /sys ' /proc/mounts; touch /sys/kernel/x")
	assert.NotEqual(t, 0, r.code)
	assert.Regexp(t, `^sysfs /sys sysfs ro,`, r.stdout)
	assert.Contains(t, r.stderr, "Read-only file system")
}

func TestBadRootfs(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	// without returns a rootfs that lacks one mount point.
	without := func(missing string) string {
		dir := t.TempDir()
		for _, d := range []string{"bin", "proc", "dev", "sys"} {
			if d != missing {
				require.NoError(t, os.Mkdir(filepath.Join(dir, d), 0o755))
			}
		}
		return dir
	}
	tests := []struct{ name, rootfs, want string }{
		{"missing", "/no/such/rootfs", "--rootfs /no/such/rootfs does not exist"},
		{"a file", file, "is not a directory"},
		{"no proc", without("proc"), "has no /proc directory"},
		{"no dev", without("dev"), "has no /dev directory"},
		{"no sys", without("sys"), "has no /sys directory"},
	}
	before := hostMounts(t)
	for _, tt := range tests {
		r := execute(t, containerCmd("run", "--rootfs", tt.rootfs, "true"), "")
		requireRuntimeError(t, r)
		assert.Contains(t, r.stderr, tt.want, tt.name)
	}
	assert.Equal(t, before, hostMounts(t))
}

// files lists every path under dir with its mode and size.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var list []string
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		info, err := d.Info()
		require.NoError(t, err)
		list = append(list, fmt.Sprintf("%s %v %d", path, info.Mode(), info.Size()))
		return nil
	}))
	return list
}

//exercise:guard
func TestRootfsUnchangedOnDisk(t *testing.T) {
	t.Parallel()
	dir := copyRootfs(t)
	before := files(t, dir)
	r := execute(t, containerCmd("run", "--rootfs", dir, "sh", "-c", "ls /dev /proc >/dev/null"), "")
	require.Equal(t, 0, r.code, r.stderr)
	r = execute(t, containerCmd("run", "--rootfs", dir, "no-such-command"), "")
	require.Equal(t, exitNotFound, r.code)
	assert.Equal(t, before, files(t, dir))
}

func TestFiveContainersShareRootfs(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	results := make([]result, 5)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = container(t, "--hostname", fmt.Sprintf("c%d", i), "sh", "-c", "uname -n; ls /helper")
		}(i)
	}
	wg.Wait()
	for i, r := range results {
		assert.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, fmt.Sprintf("c%d\n/helper\n", i), r.stdout)
	}
}

// A rootfs whose mount point is a symlink out of it is refused: followed,
// the mount would land on the host's own directories.
func TestSymlinkedMountPointRefused(t *testing.T) {
	t.Parallel()
	before := hostMounts(t)
	for _, mountPoint := range []string{"proc", "dev", "sys"} {
		dir := copyRootfs(t)
		require.NoError(t, os.Remove(filepath.Join(dir, mountPoint)))
		require.NoError(t, os.Symlink("../../../../../../..", filepath.Join(dir, mountPoint)))
		r := execute(t, containerCmd("run", "--rootfs", dir, "ls", "/.."), "")
		requireRuntimeError(t, r)
		assert.Contains(t, r.stderr, "/"+mountPoint+" is a symlink")
	}
	assert.Equal(t, before, hostMounts(t))
}

// The rootfs swapped for a symlink while the runtime works (the pattern of
// runc's CVE-2021-30465): the runtime creates nothing where the link leads.
//
//exercise:guard
func TestRootfsSwappedDuringStart(t *testing.T) {
	t.Parallel()
	dir := copyRootfs(t)
	hostDir := t.TempDir()
	dev, real := filepath.Join(dir, "dev"), filepath.Join(dir, "dev.real")
	link := filepath.Join(dir, "dev.link")
	require.NoError(t, os.Rename(dev, real))
	require.NoError(t, os.Symlink(hostDir, link))
	require.NoError(t, os.Symlink("dev.real", dev)) // replaced at once below
	stop := make(chan struct{})
	swapped := make(chan struct{})
	go func() { // swap dev between a directory and a link to hostDir
		defer close(swapped)
		for i := 0; ; i++ {
			select {
			case <-stop:
				_ = os.Rename(real, dev)
				return
			default:
			}
			if i%2 == 0 {
				_ = unix.Renameat2(unix.AT_FDCWD, real, unix.AT_FDCWD, dev, unix.RENAME_EXCHANGE)
			} else {
				_ = unix.Renameat2(unix.AT_FDCWD, link, unix.AT_FDCWD, dev, unix.RENAME_EXCHANGE)
			}
		}
	}()
	before := hostMounts(t)
	for i := 0; i < 60; i++ {
		r := execute(t, containerCmd("run", "--rootfs", dir, "true"), "")
		assert.Contains(t, []int{0, exitRuntimeFailed}, r.code, r.stderr)
	}
	close(stop)
	<-swapped
	entries, err := os.ReadDir(hostDir)
	require.NoError(t, err)
	assert.Empty(t, entries, "the runtime created files outside the rootfs")
	assert.Equal(t, before, hostMounts(t))
}

// --rootfs that resolves to the host's / is refused before anything is made.
func TestHostRootRefused(t *testing.T) {
	t.Parallel()
	// The host's / again, by a bind mount, named so that the tests that
	// compare the host's mount table leave it out.
	bind, err := os.MkdirTemp("", strings.TrimPrefix(propagationTest, "/"))
	require.NoError(t, err)
	require.NoError(t, unix.Mount("/", bind, "", unix.MS_BIND, ""))
	t.Cleanup(func() {
		_ = unix.Unmount(bind, unix.MNT_DETACH)
		os.Remove(bind)
	})
	require.NoError(t, os.MkdirAll(stateDir, 0o755))
	for _, dir := range []string{"/", "/tmp/..", "//", "/run", stateDir, bind} {
		r := execute(t, containerCmd("run", "--rootfs", dir, "true"), "")
		requireRuntimeError(t, r)
		assert.Contains(t, r.stderr, "is the host's", dir)
	}
}

// The init holds no descriptor of the host's: beyond 0, 1 and 2 only the
// Go runtime's own (epoll, eventfd, pidfd, sockets), which name no path.
// It holds the command cgroup's files until COMMAND has started, and takes
// its OOM score back after it closed them: COMMAND looks after that.
//
//exercise:guard
func TestInitHoldsNoHostFiles(t *testing.T) {
	t.Parallel()
	dir, err := os.Open(t.TempDir())
	require.NoError(t, err)
	defer dir.Close()
	cmd := runCmd("sh", "-c", "echo ready; read line; ls -l /proc/1/fd")
	cmd.ExtraFiles = []*os.File{dir, dir, dir, dir, dir}
	c := startContainer(t, cmd)
	require.Equal(t, "ready", c.nextLine(t))
	waitUntilSettled(t, c)
	_, err = io.WriteString(c.stdin, "go on\n")
	require.NoError(t, err)
	require.Equal(t, "total 0", c.nextLine(t))
	for line := range c.lines {
		fd, target, _ := strings.Cut(line, " -> ")
		fields := strings.Fields(fd)
		if n := fields[len(fields)-1]; n != "0" && n != "1" && n != "2" {
			assert.False(t, strings.HasPrefix(target, "/"), "fd %s of the init is %s", n, target)
		}
	}
	assert.Equal(t, 0, c.wait(t), c.stderr.String())
}
