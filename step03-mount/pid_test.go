//go:build linux

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// started is a container running in the background of a test.
type started struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string // stdout, line by line
	stderr bytes.Buffer
	done   chan struct{} // closed when the host side has exited
}

// startContainer starts 'container run ARGS...' and returns at once. The
// container is killed when the test ends, whatever happened.
func startContainer(t *testing.T, cmd *exec.Cmd) *started {
	t.Helper()
	requireRoot(t)
	s := &started{cmd: cmd, lines: make(chan string, 100), done: make(chan struct{})}
	var err error
	s.stdin, err = cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = &s.stderr
	require.NoError(t, cmd.Start())
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			s.lines <- scanner.Text()
		}
		close(s.lines)
		_ = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.done
	})
	return s
}

// nextLine returns the container's next line of output, waiting at most 30s.
func (s *started) nextLine(t *testing.T) string {
	t.Helper()
	select {
	case line, ok := <-s.lines:
		require.True(t, ok, "the container ended early: %s", s.stderr.String())
		return line
	case <-time.After(30 * time.Second):
		t.Fatal("no output from the container within 30s")
		return ""
	}
}

// wait waits (at most 30s) for the host side to exit and returns its status.
func (s *started) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the container did not exit within 30s")
	}
	return exitStatus(s.cmd.ProcessState.Sys().(syscall.WaitStatus))
}

// inNamespace lists the host PIDs of the processes in PID namespace ns
// ("pid:[4026532...]"), and how many of them are zombies.
func inNamespace(ns string) (pids []int, zombies int) {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if link, _ := os.Readlink(filepath.Join("/proc", e.Name(), "ns/pid")); link != ns {
			continue
		}
		pids = append(pids, pid)
		if stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); isZombie(stat) {
			zombies++
		}
	}
	return pids, zombies
}

// isZombie reads the state field of /proc/PID/stat, after "(comm)".
func isZombie(stat []byte) bool {
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && len(stat) > i+2 && stat[i+2] == 'Z'
}

// requireEmptyNamespace waits until no process of ns runs, at most 10s: a
// bound for a hang, not a speed (the test VM emulates its CPU). A dead init
// may stay a zombie for a while: reaping it is the host's PID 1's job.
func requireEmptyNamespace(t *testing.T, ns string) {
	t.Helper()
	require.Eventually(t, func() bool {
		pids, zombies := inNamespace(ns)
		return len(pids) == zombies
	}, 10*time.Second, 10*time.Millisecond, "processes of the container are still running")
}

// A shell script that reports its PID namespace, then waits for signals.
const reportAndWait = `readlink /proc/self/ns/pid; while :; do sleep 0.05; done`

func TestCommandPIDIsSmall(t *testing.T) {
	t.Parallel()
	r := container(t, "sh", "-c", "echo $$")
	require.Equal(t, 0, r.code, r.stderr)
	pid, err := strconv.Atoi(strings.TrimSpace(r.stdout))
	require.NoError(t, err)
	// PID 1 is the init; its Go runtime threads take the next few IDs,
	// more of them on a machine with more CPUs.
	assert.Greater(t, pid, 1)
	assert.Less(t, pid, 20+runtime.NumCPU())
}

func TestSysVIPCIsolated(t *testing.T) {
	t.Parallel()
	hostKey := rand.Intn(1<<30) + 1
	id, err := unix.SysvShmGet(hostKey, 4096, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = unix.SysvShmCtl(id, unix.IPC_RMID, nil) })

	r := container(t, "cat", "/proc/sysvipc/shm")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, strings.Split(strings.TrimSpace(r.stdout), "\n"), 1, "only the header: the host's segments are not listed inside")

	insideKey := rand.Intn(1<<30) + 1
	r = container(t, "sh", "-c", fmt.Sprintf("%s shm %d && cat /proc/sysvipc/shm", helper, insideKey))
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, fmt.Sprintf(`(?m)^\s*%d\s`, insideKey), r.stdout, "the container sees its own segment")
	_, err = unix.SysvShmGet(insideKey, 0, 0)
	assert.ErrorIs(t, err, unix.ENOENT, "the container's segment is not on the host")
}

func TestSIGTERMToHostSide(t *testing.T) {
	t.Parallel()
	c := startContainer(t, runCmd("sh", "-c", reportAndWait))
	ns := c.nextLine(t)
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGTERM))
	assert.Equal(t, 128+int(syscall.SIGTERM), c.wait(t))
	requireEmptyNamespace(t, ns)
}

func TestSIGINTToProcessGroup(t *testing.T) {
	t.Parallel()
	cmd := runCmd(helper, "sigint")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c := startContainer(t, cmd)
	require.Equal(t, "ready", c.nextLine(t))
	// The init has a process group of its own, so that a signal to the
	// group of the host side reaches COMMAND through one path only.
	hostGroup := c.cmd.Process.Pid
	for _, child := range childrenOf(t, c.cmd.Process.Pid) {
		group, err := syscall.Getpgid(child)
		require.NoError(t, err)
		assert.NotEqual(t, hostGroup, group, "the init should not be in the host side's process group")
	}
	// What a shell does to a job without a terminal: SIGINT to its group.
	require.NoError(t, syscall.Kill(-hostGroup, syscall.SIGINT))
	assert.Equal(t, "SIGINTs: 1", c.nextLine(t))
	assert.Equal(t, 130, c.wait(t))
}

// childrenOf lists the PIDs of pid's children, from every thread of pid.
func childrenOf(t *testing.T, pid int) []int {
	t.Helper()
	threads, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	require.NoError(t, err)
	var children []int
	for _, file := range threads {
		data, _ := os.ReadFile(file)
		for _, field := range strings.Fields(string(data)) {
			child, err := strconv.Atoi(field)
			require.NoError(t, err)
			children = append(children, child)
		}
	}
	require.NotEmpty(t, children, "the host side should have started the init")
	return children
}

// openPty returns a new pseudo-terminal's master and its terminal.
func openPty(t *testing.T) (master, tty *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	require.NoError(t, err)
	t.Cleanup(func() { master.Close() })
	require.NoError(t, unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0))
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	require.NoError(t, err)
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	require.NoError(t, err)
	t.Cleanup(func() { tty.Close() })
	return master, tty
}

// terminal is a container started on a pseudo-terminal, as in a login.
type terminal struct {
	master *os.File
	mu     sync.Mutex
	screen bytes.Buffer
	cmd    *exec.Cmd
	done   chan struct{}
}

func startInTerminal(t *testing.T, cmd *exec.Cmd) *terminal {
	t.Helper()
	requireRoot(t)
	master, tty := openPty(t)
	term := &terminal{master: master, cmd: cmd, done: make(chan struct{})}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	// A session of its own with the pty as its controlling terminal.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	require.NoError(t, cmd.Start())
	go func() { _ = cmd.Wait(); close(term.done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-term.done })
	go func() {
		buf := make([]byte, 1024)
		for {
			n, err := master.Read(buf)
			term.mu.Lock()
			term.screen.Write(buf[:n])
			term.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return term
}

// waitFor waits (at most 30s) until the screen shows text.
func (term *terminal) waitFor(t *testing.T, text string) {
	t.Helper()
	require.Eventually(t, func() bool {
		term.mu.Lock()
		defer term.mu.Unlock()
		return strings.Contains(term.screen.String(), text)
	}, 30*time.Second, 10*time.Millisecond, "the terminal never showed %q", text)
}

func (term *terminal) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-term.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the container did not exit within 30s")
	}
	return exitStatus(term.cmd.ProcessState.Sys().(syscall.WaitStatus))
}

// TestTerminalNotOurs: stdin is a terminal, but not the runtime's
// controlling terminal; COMMAND runs all the same, without job control.
//
//exercise:guard
func TestTerminalNotOurs(t *testing.T) {
	t.Parallel()
	_, tty := openPty(t)
	cmd := runCmd("echo", "hi")
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // a session without a terminal
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, stderr.String())
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatal("the container did not exit within 30s")
	}
	assert.Equal(t, "hi\n", stdout.String())
	assert.Empty(t, stderr.String())
}

func TestCtrlCInTerminal(t *testing.T) {
	t.Parallel()
	term := startInTerminal(t, runCmd(helper, "sigint"))
	term.waitFor(t, "ready")
	_, err := term.master.Write([]byte{3}) // Ctrl-C
	require.NoError(t, err)
	term.waitFor(t, "SIGINTs: 1\r\n")
	assert.Equal(t, 130, term.wait(t))
}

//exercise:guard
func TestInteractiveShell(t *testing.T) {
	t.Parallel()
	// An interactive shell reads the terminal only from the foreground.
	term := startInTerminal(t, runCmd("sh", "-i"))
	_, err := term.master.Write([]byte("echo $((6 * 7))\n"))
	require.NoError(t, err)
	term.waitFor(t, "42\r\n")
	_, err = term.master.Write([]byte("exit 3\n"))
	require.NoError(t, err)
	assert.Equal(t, 3, term.wait(t))
}

func TestHostKilledContainerDies(t *testing.T) {
	t.Parallel()
	c := startContainer(t, runCmd("sh", "-c", reportAndWait))
	ns := c.nextLine(t)
	pids, _ := inNamespace(ns)
	require.NotEmpty(t, pids)
	require.NoError(t, c.cmd.Process.Kill())
	requireEmptyNamespace(t, ns)
}

func TestOrphansReaped(t *testing.T) {
	t.Parallel()
	// Five orphans: each subshell exits at once, leaving its child to PID 1.
	script := `for i in 1 2 3 4 5; do (sh -c 'exit 3' &); done
readlink /proc/self/ns/pid
read line; exit 5`
	c := startContainer(t, runCmd("sh", "-c", script))
	ns := c.nextLine(t)
	// Left: the init and the shell, no zombie. A bound for a hang.
	require.Eventually(t, func() bool {
		pids, zombies := inNamespace(ns)
		return len(pids) == 2 && zombies == 0
	}, 10*time.Second, 10*time.Millisecond, "orphans should be reaped by PID 1")
	_, err := c.stdin.Write([]byte("go\n"))
	require.NoError(t, err)
	assert.Equal(t, 5, c.wait(t), "an orphan's status (3) must not replace COMMAND's (5)")
}

// A signal sent in the first milliseconds, before the init has its
// handlers, is held by the host side, not lost: every run ends with it.
//
//exercise:guard
func TestEarlySIGTERMNotLost(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	for delay := 0; delay < 20; delay++ {
		wg.Add(1)
		go func(delay time.Duration) {
			defer wg.Done()
			cmd := runCmd("sleep", "3")
			require.NoError(t, cmd.Start())
			time.Sleep(delay)
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
			assert.Equal(t, 128+int(syscall.SIGTERM), exitStatus(cmd.ProcessState.Sys().(syscall.WaitStatus)), "SIGTERM after %v", delay)
		}(time.Duration(delay) * time.Millisecond)
	}
	wg.Wait()
}
