//go:build linux

package main

import (
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

// isCgroupV1 says whether dir is a v1 hierarchy.
func isCgroupV1(dir string) bool {
	var fs unix.Statfs_t
	return unix.Statfs(dir, &fs) == nil && fs.Type == unix.CGROUP_SUPER_MAGIC
}
