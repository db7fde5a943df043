// Command helper does, inside a container, what the tests need and the
// container's own tools cannot: built statically, so that it runs in any
// root filesystem.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: helper shm KEY | helper sigint | helper chroot-escape | helper spin SECONDS |",
			"helper syscalls | helper int80-unshare | helper setuid-probe PATH | helper whoami")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "shm":
		os.Exit(createShm(os.Args[2]))
	case "sigint":
		countSIGINT()
	case "chroot-escape":
		os.Exit(chrootEscape())
	case "spin":
		os.Exit(spin(os.Args[2]))
	case "syscalls":
		os.Exit(trySyscalls())
	case "int80-unshare":
		os.Exit(int80Unshare())
	case "setuid-probe":
		os.Exit(setuidProbe(os.Args[2]))
	case "whoami":
		os.Exit(whoami())
	}
	fmt.Fprintf(os.Stderr, "helper: unknown command %q\n", os.Args[1])
	os.Exit(2)
}

// createShm makes a System V shared memory segment with the given key; it
// lives until its IPC namespace does.
func createShm(key string) int {
	k, err := strconv.Atoi(key)
	if err == nil {
		_, err = unix.SysvShmGet(k, 4096, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper: shm:", err)
		return 1
	}
	return 0
}

// countSIGINT says "ready", counts the SIGINTs that arrive until half a
// second after the first (a duplicate comes within milliseconds), prints
// the count, then dies of SIGINT.
func countSIGINT() {
	caught := make(chan os.Signal, 10)
	signal.Notify(caught, syscall.SIGINT)
	fmt.Println("ready")
	<-caught
	n := 1
	deadline := time.After(500 * time.Millisecond)
	for waiting := true; waiting; {
		select {
		case <-caught:
			n++
		case <-deadline:
			waiting = false
		}
	}
	fmt.Printf("SIGINTs: %d\n", n)
	signal.Reset(syscall.SIGINT)
	_ = syscall.Kill(os.Getpid(), syscall.SIGINT)
	time.Sleep(time.Second)
}

// chrootEscape tries the classic way out of a chroot: chroot into a
// subdirectory while the working directory stays outside it, climb with
// "..", chroot there, and list "/". Out of a plain chroot, that lists the
// host's root; after pivot_root and detaching the old root, only the rootfs.
func chrootEscape() int {
	jail := "/dev/shm/jail"
	if err := os.MkdirAll(jail, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	if err := unix.Chroot(jail); err != nil {
		fmt.Fprintln(os.Stderr, "helper: chroot:", err)
		return 1
	}
	for i := 0; i < 100; i++ {
		_ = unix.Chdir("..")
	}
	if err := unix.Chroot("."); err != nil {
		fmt.Fprintln(os.Stderr, "helper: chroot:", err)
		return 1
	}
	entries, err := os.ReadDir("/")
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	for _, e := range entries {
		fmt.Println(e.Name())
	}
	return 0
}

// spin keeps one CPU busy for SECONDS of wall-clock time, then prints the
// CPU time it got, in seconds.
func spin(seconds string) int {
	wall, err := strconv.ParseFloat(seconds, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper: spin:", err)
		return 2
	}
	for end := time.Now().Add(time.Duration(wall * float64(time.Second))); time.Now().Before(end); {
	}
	var usage unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &usage); err != nil {
		fmt.Fprintln(os.Stderr, "helper: spin:", err)
		return 1
	}
	cpu := time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
	fmt.Printf("%.3f\n", cpu.Seconds())
	return 0
}

// trySyscalls makes system calls that docker's seccomp profile refuses,
// with arguments that make them harmless anyway, and prints the errno
// name of each, or "ok".
func trySyscalls() int {
	calls := []struct {
		name string
		nr   uintptr
		args [3]uintptr
	}{
		{"open_by_handle_at", unix.SYS_OPEN_BY_HANDLE_AT, [3]uintptr{^uintptr(0), 0, 0}},    // fd -1, no handle
		{"keyctl", unix.SYS_KEYCTL, [3]uintptr{unix.KEYCTL_GET_KEYRING_ID, ^uintptr(0), 0}}, // no thread keyring: none made
		{"init_module", unix.SYS_INIT_MODULE, [3]uintptr{0, 0, 0}},                          // an empty module
		{"unshare", unix.SYS_UNSHARE, [3]uintptr{unix.CLONE_NEWUTS, 0, 0}},                  // for this thread alone
	}
	for _, c := range calls {
		_, _, errno := unix.Syscall(c.nr, c.args[0], c.args[1], c.args[2])
		fmt.Println(c.name, errnoName(errno))
	}
	fmt.Println("clone", tryClone())
	// TIOCSTI pushes characters into a terminal's input, the caller's if
	// COMMAND shares it; the kernel reads the command as 32 bits, so the
	// high ones must not slip past the filter.
	for _, request := range []uintptr{unix.TIOCSTI, 1<<32 | unix.TIOCSTI} {
		c := byte('x')
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, 0, request, uintptr(unsafe.Pointer(&c)))
		fmt.Printf("ioctl-tiocsti-%#x %s\n", request, errnoName(errno))
	}
	return 0
}

func errnoName(errno syscall.Errno) string {
	if errno == 0 {
		return "ok"
	}
	return unix.ErrnoName(errno)
}

// tryClone starts a child in new user and mount namespaces, as
// unshare would make them, with clone: the child only says who it is.
func tryClone() string {
	cmd := exec.Command("/proc/self/exe", "whoami")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS}
	err := cmd.Run()
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errnoName(errno)
	}
	if err != nil {
		return err.Error()
	}
	return "ok"
}

// setuidProbe becomes user 1000, then executes PATH, a setuid-root copy of
// this helper, as 'whoami': without no_new_privs, it runs as root again.
func setuidProbe(path string) int {
	if err := syscall.Setgroups(nil); err != nil {
		fmt.Fprintln(os.Stderr, "helper: setgroups:", err)
		return 1
	}
	if err := syscall.Setresgid(1000, 1000, 1000); err != nil {
		fmt.Fprintln(os.Stderr, "helper: setresgid:", err)
		return 1
	}
	if err := syscall.Setresuid(1000, 1000, 1000); err != nil {
		fmt.Fprintln(os.Stderr, "helper: setresuid:", err)
		return 1
	}
	err := syscall.Exec(path, []string{path, "whoami"}, nil)
	fmt.Fprintln(os.Stderr, "helper: exec:", err)
	return 1
}

// whoami prints the effective user ID and capabilities.
func whoami() int {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	capEff := ""
	for _, line := range strings.Split(string(status), "\n") {
		if fields := strings.Fields(line); len(fields) == 2 && fields[0] == "CapEff:" {
			capEff = fields[1]
		}
	}
	fmt.Printf("euid=%d CapEff=%s\n", os.Geteuid(), capEff)
	return 0
}
