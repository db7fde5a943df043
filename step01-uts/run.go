//go:build linux

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// cloneFlags are the namespaces the init is born in.
const cloneFlags = syscall.CLONE_NEWUTS

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
	cmd.Env = append(containerEnv(cfg), initEnv+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: cloneFlags,
		Pdeathsig:  syscall.SIGKILL, // if we die, the container dies
	}
	if err := cmd.Start(); err != nil {
		return fail(fmt.Errorf("start the container: %w", err))
	}
	_ = cmd.Wait() // the status below says everything an error would
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

// defaultPath is the PATH that docker gives a container.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

func checkEnv(value string) error {
	key, _, _ := strings.Cut(value, "=")
	if !isEnvKey(key) {
		return fmt.Errorf("-e %q: give KEY=VALUE or KEY, where KEY is letters, digits and _ (as in -e GREETING=hello)", value)
	}
	return nil
}

// isEnvKey says whether key is what -e accepts as a variable's name, a
// shell's: a letter or _, then letters, digits and _. (Plain code, not a
// regexp: compiling one costs each start of the runtime and its init.)
func isEnvKey(key string) bool {
	for i, c := range key {
		if c != '_' && !isLetter(c) && (i == 0 || !isDigit(c)) {
			return false
		}
	}
	return key != ""
}

func isLetter(c rune) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c rune) bool  { return c >= '0' && c <= '9' }

// containerEnv is COMMAND's environment, as docker makes it: a few
// variables of its own and those of -e, never the caller's whole
// environment, which holds the host's secrets and paths.
func containerEnv(cfg config) []string {
	env := map[string]string{"PATH": defaultPath, "HOSTNAME": cfg.hostname, "HOME": "/root"}
	if _, err := unix.IoctlGetTermios(0, unix.TCGETS); err == nil {
		env["TERM"] = "xterm"
		if term := os.Getenv("TERM"); term != "" {
			env["TERM"] = term
		}
	}
	for _, e := range cfg.env {
		key, value, hasValue := strings.Cut(e, "=")
		if !hasValue {
			if value, hasValue = os.LookupEnv(key); !hasValue {
				continue // -e KEY of an unset KEY sets nothing, as in docker
			}
		}
		env[key] = value
	}
	list := make([]string, 0, len(env))
	for key, value := range env {
		list = append(list, key+"="+value)
	}
	sort.Strings(list)
	return list
}
