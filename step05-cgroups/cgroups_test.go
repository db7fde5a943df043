//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mode is the host's cgroup mode, as the tests name it: "v2" or "v1".
func mode() string {
	if cgroupV2() {
		return "v2"
	}
	return "v1"
}

// cgroupDir is the directory of runtime's container in a controller's
// hierarchy (on v2 there is one for all), named by runtime's PID and start
// time; "" when there is none.
func cgroupDir(runtime int, controller string) string {
	parent := filepath.Join(cgroupRoot, controller, cgroupParent)
	if cgroupV2() {
		parent = filepath.Join(cgroupRoot, cgroupParent)
	}
	matches, _ := filepath.Glob(filepath.Join(parent, strconv.Itoa(runtime)+"-*"))
	if len(matches) != 1 {
		return ""
	}
	return matches[0]
}

// readCgroupFile reads a file of runtime's container cgroup, trimmed.
func readCgroupFile(t *testing.T, runtime int, controller, file string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(cgroupDir(runtime, controller), file))
	require.NoError(t, err)
	return strings.TrimSpace(string(data))
}

// requireNoCgroup checks that runtime's container left no cgroup behind.
func requireNoCgroup(t *testing.T, runtime int) {
	t.Helper()
	for _, c := range controllers {
		assert.Empty(t, cgroupDir(runtime, c), "the %s cgroup of runtime %d is left", c, runtime)
	}
}

// startWaiting starts a container that says "ready" and then waits for
// its stdin to close, and returns it once ready.
func startWaiting(t *testing.T, flags ...string) *started {
	t.Helper()
	args := append(flags, "sh", "-c", "echo ready; read line; exit 0")
	s := startContainer(t, runCmd(args...))
	require.Equal(t, "ready", s.nextLine(t))
	waitUntilSettled(t, s)
	return s
}

// waitUntilSettled waits for the init to finish starting COMMAND, which
// may already run and print before the init has put back pids.max and
// taken its OOM score 0 back, the last thing it does.
func waitUntilSettled(t *testing.T, s *started) {
	t.Helper()
	initPID := childrenOf(t, s.cmd.Process.Pid)[0]
	require.Eventually(t, func() bool {
		score, _ := os.ReadFile(fmt.Sprintf("/proc/%d/oom_score_adj", initPID))
		return strings.TrimSpace(string(score)) == "0"
	}, 10*time.Second, time.Millisecond)
}

func TestParseLimits(t *testing.T) {
	good := []struct {
		memory, pids, cpus string
		want               limits
	}{
		{"", "", "", limits{}},
		{"6m", "", "", limits{memory: 6 << 20}},
		{"32M", "10", "0.5", limits{memory: 32 << 20, pids: 10, cpus: 0.5}},
		{"1g", "1", "1", limits{memory: 1 << 30, pids: 1, cpus: 1}},
		{"7000k", "", "0.01", limits{memory: 7000 << 10, cpus: 0.01}},
		{"8388608", "", "", limits{memory: 8 << 20}},
	}
	for _, tt := range good {
		got, err := parseLimits(tt.memory, tt.pids, tt.cpus)
		require.NoError(t, err, "%+v", tt)
		assert.Equal(t, tt.want, got)
	}
	bad := []struct{ memory, pids, cpus, want string }{
		{"12x", "", "", "not a size"},
		{"-1m", "", "", "not a size"},
		{"1.5g", "", "", "not a size"},
		{"m", "", "", "not a size"},
		{"0", "", "", "below the floor of 6 MiB"},
		{"5m", "", "", "below the floor of 6 MiB"},
		{"9999999999g", "", "", "more memory than a machine has"},
		{"", "abc", "", "not a number of processes"},
		{"", "0", "", "too few"},
		{"", "-3", "", "too few"},
		{"", "9223372036854775792", "", "more than the kernel's 4194304"},
		{"", "4194305", "", "more than the kernel's"},
		{"", "", "abc", "not a number of CPUs"},
		{"", "", "NaN", "not a number of CPUs"},
		{"", "", "0", "too little"},
		{"", "", "0.001", "too little"},
		{"", "", "100000", "more than the"},
	}
	for _, tt := range bad {
		_, err := parseLimits(tt.memory, tt.pids, tt.cpus)
		require.Error(t, err, "%+v", tt)
		assert.Contains(t, err.Error(), tt.want)
	}
}

func TestFormatSize(t *testing.T) {
	assert.Equal(t, "32 MiB", formatSize(32<<20))
	assert.Equal(t, "2 GiB", formatSize(2<<30))
	assert.Equal(t, "7000 KiB", formatSize(7000<<10))
	assert.Equal(t, "6291457 bytes", formatSize(6<<20+1))
}

func TestLimitSettings(t *testing.T) {
	l := limits{memory: 32 << 20, pids: 10, cpus: 0.5}
	assert.Equal(t, []setting{
		{controller: "memory", file: "memory.max", value: "33554432"},
		{controller: "memory", file: "memory.swap.max", value: "0", optional: true},
		{controller: "pids", file: "pids.max", value: "10", command: true},
		{controller: "cpu", file: "cpu.max", value: "50000 100000"},
	}, limitSettings(true, l))
	assert.Equal(t, []setting{
		{controller: "memory", file: "memory.limit_in_bytes", value: "33554432"},
		{controller: "memory", file: "memory.memsw.limit_in_bytes", value: "33554432", optional: true},
		{controller: "pids", file: "pids.max", value: "10", command: true},
		{controller: "cpu", file: "cpu.cfs_period_us", value: "100000"},
		{controller: "cpu", file: "cpu.cfs_quota_us", value: "50000"},
	}, limitSettings(false, l))
	assert.Empty(t, limitSettings(true, limits{}))
	assert.Empty(t, limitSettings(false, limits{}))
}

// TestCgroupMode checks the detection against the mount table, and against
// CONTAINER_CGROUP_MODE when set: the test VM sets v2, so that its v2
// subtests cannot quietly run as v1.
func TestCgroupMode(t *testing.T) {
	mounts, err := os.Open("/proc/self/mountinfo")
	require.NoError(t, err)
	defer mounts.Close()
	fsType := ""
	scanner := bufio.NewScanner(mounts)
	for scanner.Scan() {
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS...] - FSTYPE SOURCE SUPEROPTIONS
		fields := strings.Fields(scanner.Text())
		for i, f := range fields {
			if f == "-" && fields[4] == cgroupRoot {
				fsType = fields[i+1] // the last mount on a path is the one seen
			}
		}
	}
	require.NotEmpty(t, fsType, "nothing mounted on %s", cgroupRoot)
	assert.Equal(t, fsType == "cgroup2", cgroupV2(), "%s is a %s", cgroupRoot, fsType)
	if want := os.Getenv("CONTAINER_CGROUP_MODE"); want != "" {
		require.Equal(t, want, mode())
	}
	t.Logf("cgroup %s (%s on %s)", mode(), fsType, cgroupRoot)
}

func TestBadLimits(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--memory", "12x"}, {"--memory", "0"}, {"--pids", "abc"}, {"--pids", "0"},
		{"--cpus", "0"}, {"--cpus", "abc"}, {"--cpus", strconv.Itoa(2 * 4096)},
	} {
		cmd := runCmd(append(args, "true")...)
		r := execute(t, cmd, "")
		requireRuntimeError(t, r)
		assert.Contains(t, r.stderr, args[0]+" "+args[1], "%v", args)
		requireNoCgroup(t, cmd.Process.Pid)
	}
}

// TestLimitsInKernelFiles reads each limit back from the kernel's files
// (pids.max has the init's share added).
func TestLimitsInKernelFiles(t *testing.T) {
	t.Parallel()
	s := startWaiting(t, "--memory", "32m", "--pids", "10", "--cpus", "0.5")
	runtime := s.cmd.Process.Pid
	want := map[string]map[string][2]string{
		"v2": {
			"memory.max": {"memory", "33554432"}, "command/pids.max": {"pids", "10"},
			"cpu.max": {"cpu", "50000 100000"}, "pids.max": {"pids", "max"},
		},
		"v1": {
			"memory.limit_in_bytes": {"memory", "33554432"}, "command/pids.max": {"pids", "10"},
			"pids.max":         {"pids", "max"},
			"cpu.cfs_quota_us": {"cpu", "50000"}, "cpu.cfs_period_us": {"cpu", "100000"},
		},
	}
	swap := map[string]string{"v2": "memory.swap.max", "v1": "memory.memsw.limit_in_bytes"}
	swapWant := map[string]string{"v2": "0", "v1": "33554432"}
	t.Run(mode(), func(t *testing.T) {
		for file, cw := range want[mode()] {
			assert.Equal(t, cw[1], readCgroupFile(t, runtime, cw[0], file), file)
		}
		if _, err := os.Stat(filepath.Join(cgroupDir(runtime, "memory"), swap[mode()])); err == nil {
			assert.Equal(t, swapWant[mode()], readCgroupFile(t, runtime, "memory", swap[mode()]), "swap may not raise the limit")
		} else {
			t.Logf("this kernel does not account swap: no %s", swap[mode()])
		}
		if mode() == "v2" {
			// No init system needs to have enabled the controllers: we do.
			for _, dir := range []string{cgroupRoot, filepath.Join(cgroupRoot, cgroupParent)} {
				data, err := os.ReadFile(filepath.Join(dir, "cgroup.subtree_control"))
				require.NoError(t, err)
				assert.Subset(t, strings.Fields(string(data)), controllers, dir)
			}
		}
	})
	require.NoError(t, s.stdin.Close())
	require.Equal(t, 0, s.wait(t), s.stderr.String())
	requireNoCgroup(t, runtime)
}

// TestOwnCgroupWithoutLimits: no flags, still a cgroup of its own, holding
// the container's processes, with nothing limited.
func TestOwnCgroupWithoutLimits(t *testing.T) {
	t.Parallel()
	s := startWaiting(t)
	runtime := s.cmd.Process.Pid
	initPID := childrenOf(t, runtime)
	require.Len(t, initPID, 1)
	sh := childrenOf(t, initPID[0])[0]
	for _, c := range controllers {
		// A v1 hierarchy lists a cgroup's own processes; a threaded domain
		// (v2) those of its whole subtree, the command cgroup included.
		procs := strings.Fields(readCgroupFile(t, runtime, c, "cgroup.procs"))
		want := []string{strconv.Itoa(initPID[0]), strconv.Itoa(sh)}
		if c == "pids" && mode() == "v1" {
			want = want[:1]
		}
		assert.ElementsMatch(t, want, procs, "in %s", c)
	}
	// COMMAND is in the command cgroup, away from the init's threads. A
	// threaded cgroup (v2) lists its threads, not its processes.
	members := map[string]string{"v2": "cgroup.threads", "v1": "cgroup.procs"}[mode()]
	command := strings.Fields(readCgroupFile(t, runtime, "pids", commandCgroup+"/"+members))
	assert.Equal(t, []string{strconv.Itoa(sh)}, command)
	unlimited := map[string]map[string][2]string{
		"v2": {"memory.max": {"memory", "max"}, "command/pids.max": {"pids", "max"}, "cpu.max": {"cpu", "max 100000"}},
		"v1": {"command/pids.max": {"pids", "max"}, "cpu.cfs_quota_us": {"cpu", "-1"}},
	}
	t.Run(mode(), func(t *testing.T) {
		for file, cw := range unlimited[mode()] {
			assert.Equal(t, cw[1], readCgroupFile(t, runtime, cw[0], file), file)
		}
	})
	require.NoError(t, s.stdin.Close())
	require.Equal(t, 0, s.wait(t), s.stderr.String())
	requireNoCgroup(t, runtime)
}

func TestMemoryHogIsOOMKilled(t *testing.T) {
	t.Parallel()
	// dd allocates and fills a block of bs bytes.
	cmd := runCmd("--memory", "32m", "dd", "if=/dev/zero", "of=/dev/null", "bs=128M", "count=1")
	r := execute(t, cmd, "")
	assert.Equal(t, 128+int(syscall.SIGKILL), r.code)
	assert.Equal(t, "container: killed: out of memory (limit 32 MiB)\n", r.stderr)
	requireNoCgroup(t, cmd.Process.Pid)

	// A child killed while COMMAND carries on is reported all the same.
	r = container(t, "--memory", "32m", "sh", "-c", "dd if=/dev/zero of=/dev/null bs=128M count=1; echo carried on")
	assert.Equal(t, 128+int(syscall.SIGKILL), r.code)
	assert.Equal(t, "carried on\n", r.stdout)
	assert.True(t, strings.HasSuffix(r.stderr, "container: killed: out of memory (limit 32 MiB)\n"), r.stderr)
}

//exercise:guard
func TestWorkWithinMemoryLimit(t *testing.T) {
	t.Parallel()
	r := container(t, "--memory", "32m", "sh", "-c", "dd if=/dev/zero of=/dev/null bs=8M count=4 2>/dev/null && echo done")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "done\n", r.stdout)
	assert.Empty(t, r.stderr)
}

// TestForkLoopStopsAtPidsLimit: the loop runs in a subshell, which dies
// when it cannot fork; the container's shell, needing no fork, goes on and
// counts the sleeps the loop started (in /dev/shm, with builtins only).
// The loop gives up after 50, so that it ends without a limit too.
func TestForkLoopStopsAtPidsLimit(t *testing.T) {
	t.Parallel()
	// The loop waits until the init has set the limit back to 10.
	script := `echo ready; read go
(i=0; while [ $i -lt 50 ]; do sleep 5 & echo >> /dev/shm/started; i=$((i+1)); done) 2>/dev/null
n=0; while read -r line; do n=$((n+1)); done < /dev/shm/started
echo "still here after $n"`
	cmd := runCmd("--pids", "10", "sh", "-c", script)
	s := startContainer(t, cmd)
	require.Equal(t, "ready", s.nextLine(t))
	waitUntilSettled(t, s)
	_, err := io.WriteString(s.stdin, "go\n")
	require.NoError(t, err)
	line := s.nextLine(t)
	require.Equal(t, 0, s.wait(t), s.stderr.String())
	var started int
	_, err = fmt.Sscanf(line, "still here after %d", &started)
	require.NoError(t, err, line)
	// sh and its subshell are 2 of the 10: the loop starts exactly 8.
	assert.Equal(t, 8, started)
	requireNoCgroup(t, cmd.Process.Pid)
}

// TestCPUThrottled: a busy loop of 2 s under --cpus 0.2 gets about 0.4 s of
// CPU; unthrottled it gets about 2 s. The bounds are wide, as the machine is
// shared and the test VM emulates its CPU (0.53 s seen there).
func TestCPUThrottled(t *testing.T) {
	t.Parallel()
	r := container(t, "--cpus", "0.2", helper, "spin", "2")
	require.Equal(t, 0, r.code, r.stderr)
	cpu, err := strconv.ParseFloat(strings.TrimSpace(r.stdout), 64)
	require.NoError(t, err, r.stdout)
	t.Logf("%.3f CPU-seconds in 2 s under --cpus 0.2", cpu)
	assert.Greater(t, cpu, 0.02)
	assert.Less(t, cpu, 1.2)
}

// TestCgroupNamespace: the container's first command already sees its own
// cgroup as /, in every hierarchy.
func TestCgroupNamespace(t *testing.T) {
	t.Parallel()
	r := container(t, "cat", "/proc/self/cgroup")
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.NotEmpty(t, lines)
	for _, line := range lines {
		// COMMAND is in the pids hierarchy's command cgroup (v2's only one).
		if strings.Contains(line, ":pids:") || mode() == "v2" {
			assert.Equal(t, "/"+commandCgroup, line[strings.LastIndex(line, ":")+1:], line)
		} else {
			assert.Regexp(t, `^[0-9]+:[^:]*:/$`, line)
		}
	}
	t.Run(mode(), func(t *testing.T) {
		if mode() == "v1" {
			// No cgroup file system is mounted for the container on v1.
			r := container(t, "ls", "-A", "/sys/fs/cgroup")
			require.Equal(t, 0, r.code, r.stderr)
			assert.Empty(t, r.stdout)
			return
		}
		r := container(t, "--memory", "32m", "sh", "-c", "cat /sys/fs/cgroup/memory.max; echo 1 > /sys/fs/cgroup/memory.max")
		assert.Equal(t, "33554432\n", r.stdout)
		assert.NotEqual(t, 0, r.code, "/sys/fs/cgroup should be read-only")
		assert.Contains(t, r.stderr, "Read-only file system")
	})
}

func TestNoCgroupLeftBehind(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"true"}, {"sh", "-c", "exit 3"}, {"no-such-command"},
		{"--pids", "5", "--memory", "16m", "--cpus", "0.5", "sh", "-c", "sleep 30 & sleep 30 & exit 1"},
	} {
		cmd := runCmd(args...)
		r := execute(t, cmd, "")
		assert.NotEqual(t, exitRuntimeFailed, r.code, r.stderr)
		requireNoCgroup(t, cmd.Process.Pid)
	}
}

// TestKilledRuntimeCgroupRemoved: kill -9 leaves the cgroup behind; the
// next run removes it.
func TestKilledRuntimeCgroupRemoved(t *testing.T) {
	t.Parallel()
	s := startWaiting(t, "--memory", "16m")
	runtime := s.cmd.Process.Pid
	require.DirExists(t, cgroupDir(runtime, "memory"))
	require.NoError(t, s.cmd.Process.Kill())
	s.wait(t)
	// Another container of the same suite may have removed it already.
	r := container(t, "true")
	require.Equal(t, 0, r.code, r.stderr)
	requireNoCgroup(t, runtime)
}

// TestInitIsNotTheOOMVictim: in a container as small as 6 MiB the init can
// be its largest process. COMMAND's processes are the OOM killer's choice:
// dd dies, and its shell goes on to say so.
func TestInitIsNotTheOOMVictim(t *testing.T) {
	t.Parallel()
	s := startWaiting(t)
	initPID := childrenOf(t, s.cmd.Process.Pid)[0]
	command := childrenOf(t, initPID)[0]
	score := func(pid int) string {
		data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/oom_score_adj", pid))
		return strings.TrimSpace(string(data))
	}
	assert.Equal(t, "1000", score(command))
	// The init took 0 back right after the fork.
	assert.Equal(t, "0", score(initPID))
	require.NoError(t, s.stdin.Close())
	require.Equal(t, 0, s.wait(t), s.stderr.String())
	// The kernel picks its victim when an allocation fails, which may be
	// the shell's before dd has grown: most runs, not all, see dd die.
	// With the init as the victim, as before, none did.
	// dd waits until the init has taken its score 0 back.
	reported := 0
	for i := 0; i < 5; i++ {
		s := startContainer(t, runCmd("--memory", "6m", "sh", "-c",
			"echo ready; read go; dd if=/dev/zero of=/dev/null bs=5M count=1 2>/dev/null; echo rc=$?"))
		require.Equal(t, "ready", s.nextLine(t))
		waitUntilSettled(t, s)
		_, err := io.WriteString(s.stdin, "go\n")
		require.NoError(t, err)
		s.wait(t)
		if line, ok := <-s.lines; ok && (line == "rc=0" || line == "rc=137") {
			reported++
		}
	}
	t.Logf("the shell reported dd's end in %d of 5 runs", reported)
	assert.GreaterOrEqual(t, reported, 3, "the init should survive its container's OOM kills")
}

// TestPidsLimitIsCommands: --pids 1 lets COMMAND run, and nothing more.
func TestPidsLimitIsCommands(t *testing.T) {
	t.Parallel()
	r := container(t, "--pids", "1", "sh", "-c", "echo alone; /bin/true; echo forked")
	assert.Equal(t, "alone\n", r.stdout)
	assert.Contains(t, r.stderr, "can't fork")
	assert.Equal(t, 2, r.code, "sh's status when it cannot fork")
}
