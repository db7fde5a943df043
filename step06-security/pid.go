//go:build linux

package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// forwardedSignals are passed on to COMMAND instead of acting on the
// runtime: to the host side they mean "tell the container".
var forwardedSignals = []os.Signal{
	syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT,
	syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH,
}

// catchSignals starts catching the forwarded signals. Call it before the
// child exists, so that none is lost (or kills us) in between.
func catchSignals() chan os.Signal {
	caught := make(chan os.Signal, 16)
	signal.Notify(caught, forwardedSignals...)
	return caught
}

// forward sends every caught signal on to pid, once.
func forward(caught chan os.Signal, pid int) {
	go func() {
		for sig := range caught {
			_ = syscall.Kill(pid, sig.(syscall.Signal))
		}
	}()
}

// forwardWhenReady forwards the caught signals to the init once it has
// closed the ready pipe. The kernel drops a signal sent to the init of a
// PID namespace that has no handler for it yet (pid_namespaces(7)), so
// signals that arrive before are held, not lost.
func forwardWhenReady(caught chan os.Signal, init int, ready *os.File) {
	go func() {
		_, _ = io.Copy(io.Discard, ready) // EOF: ready, or the init is gone
		ready.Close()
		forward(caught, init)
	}()
}

// isControllingTerminal says whether fd is our session's terminal: the
// only one whose foreground group we may set. A terminal that is not (under
// setsid, or a VM's console given to a script) is just a file.
func isControllingTerminal(fd int) bool {
	_, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	return err == nil
}

// commandProcAttr puts COMMAND in a process group of its own and, when
// stdin is a terminal, makes that group the terminal's foreground group.
// Ctrl-C then reaches COMMAND alone, once: not the init, which would pass
// it on a second time.
func commandProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Pdeathsig:  syscall.SIGKILL,
		Setpgid:    true,
		Foreground: isControllingTerminal(0),
		Ctty:       0,
	}
}

// restoreTerminal gives the terminal back to our process group once the
// container's group is gone, as a shell does when a job ends.
func restoreTerminal() {
	if !isControllingTerminal(0) {
		return
	}
	signal.Ignore(syscall.SIGTTOU) // we ask from the background
	_ = unix.IoctlSetPointerInt(0, unix.TIOCSPGRP, unix.Getpgrp())
}

// reap waits for every child of PID 1, orphans re-parented to it included,
// until COMMAND exits, and returns COMMAND's status. An orphan's status is
// dropped: it is not COMMAND's.
func reap(command int) int {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return fail(fmt.Errorf("wait for the command: %w", err))
		}
		if pid == command {
			return exitStatus(ws)
		}
	}
}
