//go:build linux

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
)

// cloneFlags are the namespaces the init is born in.
const cloneFlags = syscall.CLONE_NEWUTS | syscall.CLONE_NEWPID | syscall.CLONE_NEWIPC | syscall.CLONE_NEWNS |
	syscall.CLONE_NEWNET

// initEnv marks the re-executed binary as the container's init, so that
// typing 'container init' by hand cannot change the host.
const initEnv = "_CONTAINER_INIT"

// run is the host side: it starts this same binary as the container's init
// inside new namespaces, waits for it and returns its exit status.
func run(cfg config, args []string) int {
	if os.Geteuid() != 0 {
		return fail(errors.New("must run as root: try 'sudo' or the Vagrant VM (see README)"))
	}
	// Pdeathsig fires when the thread that started the child exits, not
	// the process (go.dev/issue/27505): keep this goroutine on one thread.
	runtime.LockOSThread()

	cmd := exec.Command("/proc/self/exe", append([]string{"init"}, args...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), initEnv+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: cloneFlags,
		Pdeathsig:  syscall.SIGKILL, // if we die, the container dies
		Setpgid:    true,            // signals for our group are ours to forward
	}
	// The init waits on this pipe until the host side has done its part.
	goRead, goWrite, err := os.Pipe()
	if err != nil {
		return fail(err)
	}
	defer goWrite.Close()
	cmd.ExtraFiles = []*os.File{goRead} // fd 3 in the init
	caught := catchSignals()
	if err := cmd.Start(); err != nil {
		return fail(fmt.Errorf("start the container: %w", err))
	}
	goRead.Close()
	forward(caught, cmd.Process.Pid)

	cgroup, err := enterCgroup(cfg.limits, cmd.Process.Pid)
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return fail(err)
	}
	defer cgroup.remove()
	network, netConfig, err := setUpHostNetwork(cfg.network, cmd.Process.Pid)
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return fail(err)
	}
	defer network.tearDown()
	fmt.Fprintln(goWrite, netConfig)
	_ = cmd.Wait() // the status below says everything an error would
	restoreTerminal()
	if cgroup.oomKilled() {
		return cgroup.reportOOM()
	}
	return exitStatus(cmd.ProcessState.Sys().(syscall.WaitStatus))
}

// exitStatus turns a wait status into a shell-style exit status:
// 128+N for a process killed by signal N.
func exitStatus(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}
