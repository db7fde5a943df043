//go:build linux

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Removing a container's cgroups: at the end of a run, and those that
// killed runtimes left behind.

// remove kills what is left in the cgroup and removes its directories.
func (cg *cgroup) remove() {
	for _, dir := range cg.uniqueDirs() {
		if err := killAndRemove(dir); err != nil {
			fmt.Fprintf(os.Stderr, "container: remove cgroup %s: %v (scripts/cleanup.sh retries)\n", dir, err)
		}
	}
}

// killAndRemove empties a cgroup and removes it, its command cgroup
// first. A cgroup cannot be removed while it has processes, and the kernel
// takes a moment to let go of the ones it has just killed: retry while it
// says busy.
func killAndRemove(dir string) error {
	if command := filepath.Join(dir, commandCgroup); dir != command && filepath.Base(dir) != commandCgroup {
		if err := killAndRemove(command); err != nil {
			return err
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		killAll(dir)
		err := unix.Rmdir(dir)
		if err == nil || errors.Is(err, unix.ENOENT) {
			return nil
		}
		if !errors.Is(err, unix.EBUSY) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// killAll sends SIGKILL to every process of a cgroup.
func killAll(dir string) {
	if os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0o644) == nil {
		return // v2, Linux 5.14 and later: the kernel does it at once
	}
	data, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	for _, field := range strings.Fields(string(data)) {
		if pid, err := strconv.Atoi(field); err == nil {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// removeStaleCgroups removes the cgroups of runtimes that are gone
// (killed before they could remove them).
func removeStaleCgroups(v2 bool) {
	for _, parent := range parents(v2) {
		entries, _ := os.ReadDir(parent)
		for _, e := range entries {
			if e.IsDir() && !runtimeAlive(e.Name()) {
				_ = killAndRemove(filepath.Join(parent, e.Name()))
			}
		}
	}
}
