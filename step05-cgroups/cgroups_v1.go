//go:build linux

package main

import (
	"os"
	"os/exec"
	"strconv"

	"golang.org/x/sys/unix"
)

// cgroup v1, on older and "hybrid" hosts: a hierarchy per controller, each
// with its own file names.

// limitSettingsV1 turns limits into the files of the v1 hierarchies.
func limitSettingsV1(l limits) []setting {
	var s []setting
	if l.memory > 0 {
		memory := strconv.FormatInt(l.memory, 10)
		// memsw is memory plus swap, and may not be set below memory.
		s = append(s, setting{controller: "memory", file: "memory.limit_in_bytes", value: memory},
			setting{controller: "memory", file: "memory.memsw.limit_in_bytes", value: memory, optional: true})
	}
	if l.pids > 0 {
		s = append(s, setting{controller: "pids", file: "pids.max", value: strconv.FormatInt(l.pids, 10), command: true})
	}
	if l.cpus > 0 {
		s = append(s, setting{controller: "cpu", file: "cpu.cfs_period_us", value: strconv.Itoa(cpuPeriod)},
			setting{controller: "cpu", file: "cpu.cfs_quota_us", value: cpuQuota(l.cpus)})
	}
	return s
}

// startCommandV1 starts COMMAND in the pids cgroup command on v1, which
// has no CLONE_INTO_CGROUP. A child is born in the cgroup of the thread
// that forks it, and v1 lets a thread move alone: this thread (the init
// keeps its goroutine on it) moves into command, forks, and moves back.
// While there it counts against pids.max, so the limit is one higher for
// that moment: COMMAND's own processes never exceed pids.
func startCommandV1(cmd *exec.Cmd, command *os.File, pids int64) error {
	tid := strconv.Itoa(unix.Gettid())
	if pids > 0 {
		if err := writeAt(command, "pids.max", strconv.FormatInt(pids+1, 10)); err != nil {
			return err
		}
	}
	if err := writeAt(command, "tasks", tid); err != nil {
		return err
	}
	started := cmd.Start()
	var err error
	if pids > 0 {
		err = writeAt(command, "pids.max", strconv.FormatInt(pids, 10))
	}
	if back := writeAt(command, "../tasks", tid); err == nil {
		err = back
	}
	if started != nil {
		return started
	}
	return err
}

// writeAt writes value to the file name of dir.
func writeAt(dir *os.File, name, value string) error {
	fd, err := unix.Openat(int(dir.Fd()), name, unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: dir.Name() + "/" + name, Err: err}
	}
	defer unix.Close(fd)
	if _, err := unix.Write(fd, []byte(value)); err != nil {
		return &os.PathError{Op: "write", Path: dir.Name() + "/" + name, Err: err}
	}
	return nil
}

// isCgroupV1 says whether dir is a v1 hierarchy.
func isCgroupV1(dir string) bool {
	var fs unix.Statfs_t
	return unix.Statfs(dir, &fs) == nil && fs.Type == unix.CGROUP_SUPER_MAGIC
}
