// Command helper does, inside a container, what the tests need and the
// container's own tools cannot: built statically, so that it runs in any
// root filesystem.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: helper shm KEY | helper sigint | helper chroot-escape | helper spin SECONDS")
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
