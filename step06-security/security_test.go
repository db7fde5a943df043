//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// dockerDefaultCaps is docker's CapEff, as 'docker run busybox grep Cap
// /proc/self/status' prints it.
const dockerDefaultCaps = 0x00000000a80425fb

// capSets reads the Cap* lines of a /proc/PID/status.
func capSets(t *testing.T, status string) map[string]uint64 {
	t.Helper()
	sets := map[string]uint64{}
	for _, line := range strings.Split(status, "\n") {
		if fields := strings.Fields(line); len(fields) == 2 && strings.HasPrefix(fields[0], "Cap") {
			n, err := strconv.ParseUint(fields[1], 16, 64)
			require.NoError(t, err, line)
			sets[strings.TrimSuffix(fields[0], ":")] = n
		}
	}
	require.Len(t, sets, 5, status)
	return sets
}

// hostBounding is the test's own bounding set: the most a container gets.
func hostBounding(t *testing.T) uint64 {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	require.NoError(t, err)
	return capSets(t, string(status))["CapBnd"]
}

// confinedMounts are the mounts that confine adds, on this kernel: one per
// device, and one per masked or read-only path that exists.
func confinedMounts() []string {
	var paths []string
	for _, d := range devices {
		paths = append(paths, "/dev/"+d.name)
	}
	for _, path := range append(append([]string{}, maskedPaths...), readOnlyPaths...) {
		if _, err := os.Stat(path); err == nil {
			paths = append(paths, path)
		}
	}
	return paths
}

func TestCapabilityNames(t *testing.T) {
	t.Parallel()
	for name, n := range map[string]int{
		"CHOWN": unix.CAP_CHOWN, "SETPCAP": unix.CAP_SETPCAP, "NET_RAW": unix.CAP_NET_RAW,
		"SYS_ADMIN": unix.CAP_SYS_ADMIN, "MKNOD": unix.CAP_MKNOD, "SETFCAP": unix.CAP_SETFCAP,
		"SYSLOG": unix.CAP_SYSLOG, "BPF": unix.CAP_BPF, "CHECKPOINT_RESTORE": unix.CAP_CHECKPOINT_RESTORE,
	} {
		assert.Equal(t, name, capNames[n])
	}
	assert.Len(t, capNames, unix.CAP_LAST_CAP+1)
	mask, all, err := capMask("", defaultCaps)
	require.NoError(t, err)
	assert.False(t, all)
	assert.Equal(t, uint64(dockerDefaultCaps), mask)
}

func TestSecurityFlags(t *testing.T) {
	t.Parallel()
	bit := func(names ...string) uint64 {
		mask, _, err := capMask("", names)
		require.NoError(t, err)
		return mask
	}
	tests := []struct {
		args []string
		caps uint64
	}{
		{nil, dockerDefaultCaps},
		{[]string{"--cap-add", "sys_admin", "--cap-drop", "CAP_CHOWN"}, dockerDefaultCaps&^bit("CHOWN") | bit("SYS_ADMIN")},
		{[]string{"--cap-drop", "all", "--cap-add", "Net_Raw", "--cap-add", "cap_kill"}, bit("NET_RAW", "KILL")},
		{[]string{"--cap-add", "ALL", "--cap-drop", "SYS_ADMIN"}, ^uint64(0) &^ bit("SYS_ADMIN", "SYS_PTRACE")},
		{[]string{"--cap-drop", "CHOWN", "--cap-add", "CHOWN"}, dockerDefaultCaps}, // the add wins, as in docker
	}
	for _, tt := range tests {
		cfg, err := parseRun(append(append([]string{"--rootfs", rootfs}, tt.args...), "true"), nil)
		require.NoError(t, err, "%v", tt.args)
		assert.Equal(t, tt.caps, cfg.security.caps, "%v: %x", tt.args, cfg.security.caps)
		assert.False(t, cfg.security.unconfined)
	}
	cfg, err := parseRun([]string{"--rootfs", rootfs, "--security-opt", "seccomp=unconfined", "true"}, nil)
	require.NoError(t, err)
	assert.True(t, cfg.security.unconfined)
}

func TestBadSecurityFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--cap-add", "NOPE"}, {"--cap-drop", "CAP_FOO"}, {"--cap-add", "CAP_ALL"}, {"--security-opt", "apparmor=x"},
		{"--cap-add", "SYS_PTRACE"},
	} {
		cmd := runCmd(append(args, "true")...)
		r := execute(t, cmd, "")
		requireRuntimeError(t, r)
		assert.Contains(t, r.stderr, args[0]+" "+args[1], "%v", args)
		requireNoCgroup(t, cmd.Process.Pid)
	}
}

// TestCapabilities reads COMMAND's five sets: bounding, effective and
// permitted hold what was asked for, inheritable and ambient nothing.
func TestCapabilities(t *testing.T) {
	t.Parallel()
	host := hostBounding(t)
	for _, tt := range []struct {
		args []string
		want uint64
	}{
		{nil, dockerDefaultCaps},
		{[]string{"--cap-drop", "ALL", "--cap-add", "net_raw"}, 1 << unix.CAP_NET_RAW},
		{[]string{"--cap-add", "SYS_ADMIN", "--cap-drop", "CAP_CHOWN"}, dockerDefaultCaps&^(1<<unix.CAP_CHOWN) | 1<<unix.CAP_SYS_ADMIN},
		{[]string{"--cap-add", "ALL"}, host &^ (1 << unix.CAP_SYS_PTRACE)},
	} {
		r := container(t, append(tt.args, "cat", "/proc/self/status")...)
		require.Equal(t, 0, r.code, r.stderr)
		want := tt.want & host
		assert.Equal(t, map[string]uint64{"CapBnd": want, "CapEff": want, "CapPrm": want, "CapInh": 0, "CapAmb": 0},
			capSets(t, r.stdout), "%v", tt.args)
	}
}

func TestNoNewPrivsAndSeccomp(t *testing.T) {
	t.Parallel()
	status := `grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status`
	r := container(t, "sh", "-c", status)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "NoNewPrivs:\t1\nSeccomp:\t2\n", r.stdout, "2: a filter")
	r = container(t, "--security-opt", "seccomp=unconfined", "sh", "-c", status)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "NoNewPrivs:\t1\nSeccomp:\t0\n", r.stdout)
}

// TestSetuidGainsNothing: a user of the container runs a setuid-root
// program, which without no_new_privs makes it root with every capability.
func TestSetuidGainsNothing(t *testing.T) {
	t.Parallel()
	dir := copyRootfs(t)
	data, err := os.ReadFile(filepath.Join(dir, "helper"))
	require.NoError(t, err)
	suid := filepath.Join(dir, "suid-helper")
	require.NoError(t, os.WriteFile(suid, data, 0o755))
	require.NoError(t, os.Chmod(suid, 0o755|os.ModeSetuid)) // root's: we are root
	r := execute(t, containerCmd("run", "--rootfs", dir, helper, "setuid-probe", "/suid-helper"), "")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "euid=1000 CapEff=0000000000000000\n", r.stdout)
}

// TestHostDevicesUnusable makes nodes for the host's kernel log and disk
// (MKNOD is one of the 14) and opens them: for writing the log, for
// reading the disk. Nothing is written or read.
func TestHostDevicesUnusable(t *testing.T) {
	t.Parallel()
	nodes := "mknod /dev/kmsg c 1 11 && mknod /tmp/kmsg c 1 11"
	opens := `for n in /dev/kmsg /tmp/kmsg; do true 2>/dev/null >>$n && echo "$n opened" || echo "$n refused"; done`
	want := "/dev/kmsg refused\n/tmp/kmsg refused\n"
	var st unix.Stat_t
	require.NoError(t, unix.Stat("/", &st))
	major, minor := unix.Major(st.Dev), unix.Minor(st.Dev)
	if _, err := os.Stat(fmt.Sprintf("/sys/dev/block/%d:%d", major, minor)); err == nil {
		nodes += fmt.Sprintf(" && mknod /tmp/disk b %d %d", major, minor)
		opens += `; true 2>/dev/null </tmp/disk && echo "/tmp/disk opened" || echo "/tmp/disk refused"`
		want += "/tmp/disk refused\n"
	} else {
		t.Logf("/ is on no block device (%d:%d): the kernel log only", major, minor)
	}
	r := execute(t, containerCmd("run", "--rootfs", copyRootfs(t), "sh", "-c", nodes+" && "+opens), "")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, want, r.stdout)
}

func TestMountRefused(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{nil, {"--cap-add", "SYS_ADMIN"}} {
		r := container(t, append(args, "sh", "-c", "mount -t tmpfs tmpfs /tmp || mount -t proc proc /tmp || exit 0; exit 1")...)
		assert.Equal(t, 0, r.code, "%v: a mount succeeded: %s", args, r.stderr)
	}
}

// TestProcReadOnly opens the kernel's settings for writing (and writes
// nothing): they are the host's.
func TestProcReadOnly(t *testing.T) {
	t.Parallel()
	files := []string{"/proc/sys/kernel/core_pattern"}
	if _, err := os.Stat("/proc/sysrq-trigger"); err == nil {
		files = append(files, "/proc/sysrq-trigger")
	}
	r := container(t, append([]string{"sh", "-c", `for f; do true >>$f && echo "$f opened"; done; true`, "sh"}, files...)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stdout)
	assert.Equal(t, len(files), strings.Count(r.stderr, "Read-only file system"), r.stderr)
}

// TestMaskedPaths reads a byte of each masked path, or lists it.
func TestMaskedPaths(t *testing.T) {
	t.Parallel()
	var script, want strings.Builder
	for _, path := range maskedPaths {
		if info, err := os.Stat(path); err == nil {
			read := "head -c 1 " + path
			if info.IsDir() {
				read = "ls -A " + path
			}
			fmt.Fprintf(&script, "echo %s $(%s | wc -c)\n", path, read)
			fmt.Fprintf(&want, "%s 0\n", path)
		}
	}
	require.NotEmpty(t, want.String(), "this kernel has none of the masked paths")
	r := container(t, "sh", "-c", script.String())
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, want.String(), r.stdout)
}

// TestSeccompRefusesSyscalls: the filter refuses even with every
// capability; without it, the same calls get further.
func TestSeccompRefusesSyscalls(t *testing.T) {
	t.Parallel()
	refused := "open_by_handle_at EPERM\nkeyctl EPERM\ninit_module EPERM\nunshare EPERM\nclone EPERM\n" +
		"ioctl-tiocsti-0x5412 EPERM\nioctl-tiocsti-0x100005412 EPERM\n"
	for _, args := range [][]string{nil, {"--cap-add", "ALL"}} {
		r := container(t, append(args, helper, "syscalls")...)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, refused, r.stdout, "%v", args)
	}
	r := container(t, "--cap-add", "ALL", "--security-opt", "seccomp=unconfined", helper, "syscalls")
	require.Equal(t, 0, r.code, r.stderr)
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if !strings.HasPrefix(line, "init_module ") { // EPERM too where modules are disabled
			assert.NotContains(t, line, "EPERM", "unconfined")
		}
	}
}

// TestSeccompGuardsOtherABIs makes a 32-bit x86 call, with i386's number
// for unshare: a filter that checks only x86_64's numbers lets it through.
func TestSeccompGuardsOtherABIs(t *testing.T) {
	t.Parallel()
	if runtime.GOARCH != "amd64" {
		t.Skip("int $0x80 is x86's; the guard is the same on arm64, for arm's 32-bit calls")
	}
	r := container(t, "--cap-add", "ALL", "--security-opt", "seccomp=unconfined", helper, "int80-unshare")
	// Without IA32 emulation, int $0x80 is a segfault: there is nothing to
	// guard, and the call cannot succeed either.
	ia32 := r.code == 0 && r.stdout == "ok\n"
	t.Logf("this kernel runs 32-bit calls: %v", ia32)
	r = container(t, "--cap-add", "ALL", helper, "int80-unshare")
	assert.NotEqual(t, "ok\n", r.stdout, "a 32-bit unshare got past the filter")
	if ia32 {
		require.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, "ENOSYS\n", r.stdout)
	}
}

// TestRuntimeBinaryOutOfReach: the container's PID 1 is the runtime, the
// host's binary, which CVE-2019-5736 overwrote through /proc/1/exe.
func TestRuntimeBinaryOutOfReach(t *testing.T) {
	t.Parallel()
	r := container(t, "sh", "-c", "true </proc/1/exe && echo exe; true </proc/1/environ && echo environ; true")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stdout)
	assert.Equal(t, 2, strings.Count(r.stderr, "Permission denied"), r.stderr)
}

// TestOrdinaryWorkStillWorks: what containers do every day. (Serving
// HTTP on port 80 to the host: TestHostReachesContainer.)
//
//exercise:guard
func TestOrdinaryWorkStillWorks(t *testing.T) {
	t.Parallel()
	script := `set -e
mkdir /dev/shm/app && echo data >/dev/shm/app/file
chown -R 1000:1000 /dev/shm/app && chmod 600 /dev/shm/app/file && stat -c '%u:%g %a' /dev/shm/app/file
su -s /bin/sh nobody -c 'id -u' 2>&1 || true
ps -o pid | grep -c '^ *1$'
ping -c 1 -W 5 ` + gateway + ` | grep -o '1 packets received'
echo x >/dev/null && head -c 1 /dev/zero | wc -c`
	r := container(t, "sh", "-c", script)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "1000:1000 600\n65534\n1\n1 packets received\n1\n", r.stdout)
}

// TestEveryInitThreadConfined: the filter and no_new_privs hold on every
// thread of the init, not only the one that forked COMMAND; and COMMAND
// never gets SYS_PTRACE, with which it could drive those threads.
func TestEveryInitThreadConfined(t *testing.T) {
	t.Parallel()
	s := startWaiting(t, "--cap-add", "ALL")
	initPID := childrenOf(t, s.cmd.Process.Pid)[0]
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", initPID))
	require.NoError(t, err)
	require.Greater(t, len(tasks), 1, "the Go init runs on several threads")
	for _, task := range tasks {
		data, err := os.ReadFile(task)
		require.NoError(t, err)
		assert.Contains(t, string(data), "\nSeccomp:\t2\n", task)
		assert.Contains(t, string(data), "\nNoNewPrivs:\t1\n", task)
	}
	require.NoError(t, s.stdin.Close())
	require.Equal(t, 0, s.wait(t), s.stderr.String())
}
