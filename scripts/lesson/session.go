package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// sessionScript is the bash that runs a block's commands: it reads each
// command (NUL-terminated) from the FIFO "control", runs it with eval in
// this same shell (so cd, variables and $? carry over), and writes its
// status to the FIFO "status". An empty command ends it. The FIFOs are
// opened only around each read and write: a descriptor open during eval
// would reach the commands (bash saves redirected descriptors in ones its
// children inherit), and a README may well list /proc/self/fd.
const sessionScript = `__lesson_dir=$1
shift
__lesson_status() { return "$1"; }
__lesson_rc=0
while IFS= read -r -d '' __lesson_cmd <"$__lesson_dir/control" && [ -n "$__lesson_cmd" ]; do
	__lesson_status "$__lesson_rc"
	eval "$__lesson_cmd"
	__lesson_rc=$?
	printf '%d\n' "$__lesson_rc" >"$__lesson_dir/status"
done
`

// errSessionEnded: the shell is gone (a command ran "exit", or a timeout
// killed it), so the block's later commands cannot run.
var errSessionEnded = errors.New("the bash session has ended")

// session is one bash process running a block's commands one by one.
type session struct {
	cmd     *exec.Cmd
	dir     string   // ours: the FIFOs and the sudo shim
	control *os.File // the FIFO we write commands to
	statusF *os.File // the FIFO bash writes statuses to
	status  chan int // one status per command
	exited  chan struct{}
	output  *os.File // where stdout and stderr go when captured
	read    int64    // how much of output has been returned
	timeout time.Duration
	ended   bool
	forget  func() // unregisters the interrupt handler's undo
}

// sessionOptions: stdout nil captures the output (for a transcript);
// otherwise commands write to it directly (a demo on a terminal).
type sessionOptions struct {
	dir     string
	stdout  *os.File
	stderr  *os.File
	timeout time.Duration
}

func startSession(opt sessionOptions) (*session, error) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		return nil, errors.New("bash is missing")
	}
	s := &session{timeout: opt.timeout, status: make(chan int, 1), exited: make(chan struct{})}
	ok := false
	defer func() {
		if !ok {
			s.cleanUp()
		}
	}()
	if s.dir, err = os.MkdirTemp("", "lesson-session-"); err != nil {
		return nil, err
	}
	env, err := s.environment(bash)
	if err != nil {
		return nil, err
	}
	// Read and write for us, so that neither side's open waits for the
	// other and bash never sees an end of file between two commands.
	for _, name := range []string{"control", "status"} {
		if err := syscall.Mkfifo(filepath.Join(s.dir, name), 0o600); err != nil {
			return nil, fmt.Errorf("mkfifo: %w", err)
		}
	}
	if s.control, err = os.OpenFile(filepath.Join(s.dir, "control"), os.O_RDWR, 0); err != nil {
		return nil, err
	}
	if s.statusF, err = os.OpenFile(filepath.Join(s.dir, "status"), os.O_RDWR, 0); err != nil {
		return nil, err
	}
	stdout, stderr := opt.stdout, opt.stderr
	if stdout == nil {
		if s.output, err = os.CreateTemp(s.dir, "output-"); err != nil {
			return nil, err
		}
		stdout, stderr = s.output, s.output
	}
	s.cmd = exec.Command(bash, "--noprofile", "--norc", "-c", sessionScript, "bash", s.dir)
	s.cmd.Dir = opt.dir
	s.cmd.Env = env
	// Stdin stays /dev/null: a command that reads it must not hang or
	// eat the next command.
	s.cmd.Stdout, s.cmd.Stderr = stdout, stderr
	// A group of its own, so that a timeout kills what the commands
	// started too.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start bash: %w", err)
	}
	go func() {
		lines := bufio.NewScanner(s.statusF)
		for lines.Scan() { // until cleanUp closes the FIFO
			if rc, err := strconv.Atoi(lines.Text()); err == nil {
				s.status <- rc
			}
		}
	}()
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	s.forget = onInterrupt(func() {
		s.interrupt()
		s.cleanUp()
	})
	ok = true
	return s, nil
}

// environment is ours, with LC_ALL=C so that tools print what the README
// shows, and, when we are root, a sudo that just runs its command: the
// lesson's "sudo" is a no-op for root, whether or not sudo is installed.
func (s *session) environment(bash string) ([]string, error) {
	path := os.Getenv("PATH")
	if os.Geteuid() == 0 {
		shim := "#!" + bash + `
# sudo for a session that is root already: the command runs as it is, or
# as another user with -u (how a lesson shows what a user who is not root gets).
user=""
while [ $# -gt 0 ]; do
	case $1 in
	-E | -H | -n | --preserve-env) shift ;;
	-u) user=$2; shift 2 ;;
	--) shift; break ;;
	-*) echo "sudo: option $1 is not supported here (the session is root already)" >&2; exit 1 ;;
	*) break ;;
	esac
done
[ -n "$user" ] || exec "$@"
group=$(id -g "$user") || exit 1
exec setpriv --reuid="$user" --regid="$group" --clear-groups -- "$@"
`
		bin := filepath.Join(s.dir, "bin")
		if err := os.Mkdir(bin, 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(bin, "sudo"), []byte(shim), 0o755); err != nil {
			return nil, err
		}
		path = bin + ":" + path
	}
	// sudo's PATH often lacks the official Go's folder (as in lib.sh).
	if _, err := os.Stat("/usr/local/go/bin"); err == nil {
		path += ":/usr/local/go/bin"
	}
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "PATH", "LC_ALL", "LANG", "LANGUAGE":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "PATH="+path, "LC_ALL=C", "LANG=C"), nil
}

// run runs one command and returns its output (when captured) and status.
func (s *session) run(text string) (string, int, error) {
	if s.ended {
		return "", 0, errSessionEnded
	}
	if strings.ContainsRune(text, 0) || strings.TrimSpace(text) == "" {
		return "", 0, errors.New("a command must be some text without a NUL byte")
	}
	if _, err := io.WriteString(s.control, text+"\x00"); err != nil {
		return "", 0, err
	}
	timer := time.NewTimer(s.timeout)
	defer timer.Stop()
	defer waitIfInterrupted()
	select {
	case rc := <-s.status:
		out, err := s.collect()
		return out, rc, err
	case <-s.exited: // the command ended the shell ("exit")
		s.ended = true
		out, err := s.collect()
		return out, s.cmd.ProcessState.ExitCode(), err
	case <-timer.C:
		s.kill()
		s.ended = true
		out, _ := s.collect()
		return out, 0, fmt.Errorf("did not finish within %v (killed)", s.timeout)
	}
}

// collect returns the output written since the last call.
func (s *session) collect() (string, error) {
	if s.output == nil {
		return "", nil
	}
	info, err := s.output.Stat()
	if err != nil {
		return "", err
	}
	end := info.Size()
	buf := make([]byte, end-s.read)
	if _, err := s.output.ReadAt(buf, s.read); err != nil && err != io.EOF {
		return "", err
	}
	s.read = end
	return string(buf), nil
}

// kill ends the shell and everything its commands started.
func (s *session) kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.exited
	}
}

// interrupt passes a Ctrl-C on to the commands, as a terminal would, so
// that a container runtime can clean up; then kills what is left.
func (s *session) interrupt() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGINT)
	select {
	case <-s.exited:
	case <-time.After(3 * time.Second):
	}
	s.kill()
}

// close ends the shell (an empty command), then kills what its commands
// left running (a background job), and removes our files.
func (s *session) close() {
	if s.forget != nil {
		s.forget()
	}
	if s.cmd != nil && s.cmd.Process != nil {
		if !s.ended {
			_, _ = io.WriteString(s.control, "\x00")
		}
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
		}
		s.kill()
	}
	s.cleanUp()
}

func (s *session) cleanUp() {
	for _, f := range []*os.File{s.control, s.statusF, s.output} {
		if f != nil {
			f.Close()
		}
	}
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}
