//go:build linux

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"runtime"
	"syscall"
)

// containerInit runs inside the new namespaces. It sets the container up,
// then runs COMMAND and returns COMMAND's exit status.
func containerInit(args []string) int {
	if os.Getenv(initEnv) != "1" {
		return fail(errors.New("'init' is started by 'container run', not by hand"))
	}
	os.Unsetenv(initEnv)   // the rest is COMMAND's environment
	runtime.LockOSThread() // for Pdeathsig, as in run
	caught := catchSignals()
	os.NewFile(3, "ready pipe").Close() // the host side may send signals now

	cfg, err := parseRun(args, os.Stderr)
	if err != nil {
		return fail(err)
	}
	netConfig, err := readHostGo(os.NewFile(4, "host pipe"))
	if err != nil {
		return fail(err)
	}
	cgroupFiles, err := enterCgroupNamespace()
	if err != nil {
		return fail(err)
	}
	if err := setHostname(cfg.hostname); err != nil {
		return fail(err)
	}
	resolvConf := upstreamResolvConf() // the host's: read before pivot_root
	v2 := cgroupV2()
	if err := enterRootfs(cfg.rootfs); err != nil {
		return fail(err)
	}
	if v2 {
		if err := mountCgroupFS(); err != nil {
			return fail(err)
		}
	}
	if err := setUpContainerNetwork(netConfig); err != nil {
		return fail(err)
	}
	if netConfig != networkNone {
		if err := provideNameFiles(cfg.hostname, netConfig, resolvConf); err != nil {
			return fail(err)
		}
	}

	cmd := exec.Command(cfg.command[0], cfg.command[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = commandProcAttr()
	if err := confine(cfg.security); err != nil {
		return fail(err)
	}
	if err := startCommand(cmd, cgroupFiles, cfg.limits.pids); err != nil {
		return commandFailed(cfg.command[0], err)
	}
	forward(caught, cmd.Process.Pid)
	return reap(cmd.Process.Pid)
}

// commandFailed reports why COMMAND could not start: 127 when it does not
// exist, 126 when it exists but cannot be executed.
func commandFailed(name string, err error) int {
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(os.Stderr, "container: %s: command not found in the container (check its name and PATH)\n", oneLine(name))
		return exitNotFound
	}
	if errors.Is(err, syscall.EAGAIN) {
		fmt.Fprintf(os.Stderr, "container: %s: cannot start: the container has reached its --pids limit\n", oneLine(name))
		return exitCannotExecute
	}
	fmt.Fprintf(os.Stderr, "container: %s: cannot execute: %v (is it an executable file?)\n", oneLine(name), unwrapAll(err))
	return exitCannotExecute
}

func unwrapAll(err error) error {
	for errors.Unwrap(err) != nil {
		err = errors.Unwrap(err)
	}
	return err
}
