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
		fmt.Fprintln(os.Stderr, "usage: helper shm KEY | helper sigint")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "shm":
		os.Exit(createShm(os.Args[2]))
	case "sigint":
		countSIGINT()
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
