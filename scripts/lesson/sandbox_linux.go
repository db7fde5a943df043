package main

import "syscall"

// sandbox is how break-it runs go test: in a process group of its own (to
// kill it whole), and in a UTS and a mount namespace of its own (Go makes
// the mounts private). The tests take that namespace for the host: they
// still see what the diff breaks, but the real host keeps its name and
// its mounts.
func sandbox() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Unshareflags: syscall.CLONE_NEWUTS | syscall.CLONE_NEWNS}
}
