//go:build linux

package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

const (
	cgroupRoot = "/sys/fs/cgroup"
	// cgroupParent holds one cgroup per container, named after its runtime
	// (runtimeID), at the top of each hierarchy (as docker's cgroupfs driver
	// does): a later run can tell a killed runtime's cgroup by that name.
	cgroupParent = "container"
	// commandCgroup, inside the container's cgroup, holds COMMAND and its
	// children, and nothing of the runtime's: --pids limits it alone.
	commandCgroup = "command"
)

// controllers are those the container uses: on v2 enabled for its one
// cgroup, on v1 each a hierarchy it gets a directory in.
var controllers = []string{"memory", "pids", "cpu"}

// cgroupV2 says whether /sys/fs/cgroup is the unified hierarchy, as runc
// tells: by the file system's magic number. On a hybrid host it is a tmpfs
// of v1 hierarchies, and the controller-less v2 in its 'unified' is unused.
func cgroupV2() bool {
	var fs unix.Statfs_t
	return unix.Statfs(cgroupRoot, &fs) == nil && fs.Type == unix.CGROUP2_SUPER_MAGIC
}

// setting is a value for a file of a cgroup. controller is the v1
// hierarchy that has the file; optional files are skipped when the
// kernel has none (no swap accounting); a setting for the command is
// written in the command's cgroup.
type setting struct {
	controller, file, value string
	optional, command       bool
}

// limitSettings turns limits into the kernel's files and values.
func limitSettings(v2 bool, l limits) []setting {
	if !v2 {
		return limitSettingsV1(l)
	}
	var s []setting
	if l.memory > 0 {
		s = append(s, setting{controller: "memory", file: "memory.max", value: strconv.FormatInt(l.memory, 10)},
			setting{controller: "memory", file: "memory.swap.max", value: "0", optional: true})
	}
	if l.pids > 0 {
		s = append(s, setting{controller: "pids", file: "pids.max", value: strconv.FormatInt(l.pids, 10), command: true})
	}
	if l.cpus > 0 {
		s = append(s, setting{controller: "cpu", file: "cpu.max", value: fmt.Sprintf("%s %d", cpuQuota(l.cpus), cpuPeriod)})
	}
	return s
}

// cpuQuota is the µs of CPU time per cpuPeriod that cpus is.
func cpuQuota(cpus float64) string {
	return strconv.FormatInt(int64(math.Round(cpus*cpuPeriod)), 10)
}

// cgroup is one container's cgroup: a directory on v2, one per
// controller on v1. The init is in it, and COMMAND in its command cgroup.
type cgroup struct {
	v2     bool
	dirs   map[string]string // controller to directory; on v2 all the same
	limits limits
}

// parents are the directories that hold the containers' cgroups.
func parents(v2 bool) []string {
	if v2 {
		return []string{filepath.Join(cgroupRoot, cgroupParent)}
	}
	var dirs []string
	for _, c := range controllers {
		dirs = append(dirs, filepath.Join(cgroupRoot, c, cgroupParent))
	}
	return dirs
}

// enterCgroup creates the cgroup of the container whose init is pid, sets
// its limits and moves the init into it. The init waits on the pipe
// meanwhile, so that no instruction of COMMAND runs outside the limits.
func enterCgroup(l limits, pid int) (*cgroup, error) {
	cg := &cgroup{v2: cgroupV2(), dirs: map[string]string{}, limits: l}
	removeStaleCgroups(cg.v2)
	if err := cg.create(pid); err != nil {
		cg.remove()
		return nil, err
	}
	return cg, nil
}

func (cg *cgroup) create(pid int) error {
	if cg.v2 {
		if err := enableControllers(); err != nil {
			return err
		}
	}
	name := runtimeID(os.Getpid())
	for i, parent := range parents(cg.v2) {
		if !cg.v2 && !isCgroupV1(filepath.Dir(parent)) {
			return fmt.Errorf("cgroup v1: no %s hierarchy at %s (is the %s controller mounted?)", controllers[i], filepath.Dir(parent), controllers[i])
		}
		if err := os.Mkdir(parent, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("create cgroup %s: %w", parent, err)
		}
		dir := filepath.Join(parent, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			return fmt.Errorf("create cgroup %s: %w", dir, err)
		}
		if cg.v2 {
			for _, c := range controllers {
				cg.dirs[c] = dir
			}
		} else {
			cg.dirs[controllers[i]] = dir
		}
	}
	if err := cg.createCommandCgroup(); err != nil {
		return err
	}
	for _, s := range limitSettings(cg.v2, cg.limits) {
		dir := cg.dirs[s.controller]
		if s.command {
			dir = filepath.Join(dir, commandCgroup)
		}
		err := os.WriteFile(filepath.Join(dir, s.file), []byte(s.value), 0o644)
		if err != nil && !(s.optional && errors.Is(err, os.ErrNotExist)) {
			return fmt.Errorf("set %s to %s: %w", s.file, s.value, err)
		}
	}
	for _, dir := range cg.uniqueDirs() {
		if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644); err != nil {
			return fmt.Errorf("move the container into cgroup %s: %w", dir, err)
		}
	}
	return nil
}

// createCommandCgroup makes the cgroup that COMMAND starts in, below the
// container's, so that --pids counts COMMAND's processes and threads and
// never the init's. On v2 a cgroup that holds a process (the init) may
// only have children in threaded mode, where the pids controller works
// per thread; memory and cpu still count the whole container.
func (cg *cgroup) createCommandCgroup() error {
	if !cg.v2 {
		return os.Mkdir(filepath.Join(cg.dirs["pids"], commandCgroup), 0o755)
	}
	dir := filepath.Join(cg.dirs["pids"], commandCgroup)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "cgroup.type"), []byte("threaded"), 0o644); err != nil {
		return fmt.Errorf("make %s threaded: %w", dir, err)
	}
	control := filepath.Join(cg.dirs["pids"], "cgroup.subtree_control")
	if err := os.WriteFile(control, []byte("+pids"), 0o644); err != nil {
		return fmt.Errorf("enable pids in %s: %w", control, err)
	}
	return nil
}

// enableControllers lets the container's cgroup use the controllers: each
// cgroup hands them down to its children in cgroup.subtree_control, from
// the root down. Our parent holds no process, as v2 requires of a cgroup
// that hands controllers down (the root is exempt).
func enableControllers() error {
	enable := "+" + strings.Join(controllers, " +")
	parent := filepath.Join(cgroupRoot, cgroupParent)
	if err := os.Mkdir(parent, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create cgroup %s: %w", parent, err)
	}
	for _, dir := range []string{cgroupRoot, parent} {
		control := filepath.Join(dir, "cgroup.subtree_control")
		if err := os.WriteFile(control, []byte(enable), 0o644); err != nil {
			return fmt.Errorf("enable the %s controllers in %s: %w", strings.Join(controllers, ", "), control, err)
		}
	}
	return nil
}

func (cg *cgroup) uniqueDirs() []string {
	var dirs []string
	seen := map[string]bool{}
	for _, c := range controllers {
		if dir, ok := cg.dirs[c]; ok && !seen[dir] {
			seen[dir] = true
			dirs = append(dirs, dir)
		}
	}
	return dirs
}

// oomKilled says whether the kernel killed a process of the container
// for memory, from its own counter: a SIGKILL status alone could be anyone's.
func (cg *cgroup) oomKilled() bool {
	file := "memory.oom_control"
	if cg.v2 {
		file = "memory.events"
	}
	data, err := os.ReadFile(filepath.Join(cg.dirs["memory"], file))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if fields := strings.Fields(line); len(fields) == 2 && fields[0] == "oom_kill" {
			return fields[1] != "0"
		}
	}
	return false
}

// reportOOM tells the user why the container died, and returns 137, the
// status of a process killed by SIGKILL, as docker does.
func (cg *cgroup) reportOOM() int {
	limit := ""
	if cg.limits.memory > 0 {
		limit = " (limit " + formatSize(cg.limits.memory) + ")"
	}
	fmt.Fprintf(os.Stderr, "container: killed: out of memory%s\n", limit)
	return 128 + int(syscall.SIGKILL)
}

// enterCgroupNamespace runs in the init, once the host side has moved it
// into its cgroup: the namespace's root is the cgroup its creator is in,
// so the container sees its own cgroup as /. It returns the files that
// put COMMAND in the command cgroup, opened first, while the host's paths
// still lead there.
func enterCgroupNamespace() (*commandFiles, error) {
	files, err := openCommandFiles()
	if err != nil {
		return nil, err
	}
	if err := unix.Unshare(unix.CLONE_NEWCGROUP); err != nil {
		files.close()
		return nil, fmt.Errorf("create the cgroup namespace: %w", err)
	}
	return files, nil
}

// commandFiles are the files of the host's cgroup file system that the
// init writes to start COMMAND: the threads of the command cgroup and of
// the container's (tasks on v1), and the command's pids.max. Files, not a
// directory: no path leads from them to the rest of the host's cgroups.
type commandFiles struct {
	threads, parentThreads, pidsMax *os.File
}

// openCommandFiles opens them below the init's own cgroup, as
// /proc/self/cgroup names it: "0::/container/ID" on v2, a line per
// hierarchy on v1, where the pids one holds the command cgroup.
func openCommandFiles() (*commandFiles, error) {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	dir, threads := "", "tasks"
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.SplitN(line, ":", 3)
		if len(fields) != 3 {
			continue
		}
		if cgroupV2() && fields[0] == "0" {
			dir, threads = filepath.Join(cgroupRoot, fields[2]), "cgroup.threads"
		}
		if !cgroupV2() && slices.Contains(strings.Split(fields[1], ","), "pids") {
			dir = filepath.Join(cgroupRoot, "pids", fields[2])
		}
	}
	if dir == "" {
		return nil, errors.New("the init is in no pids cgroup (see /proc/self/cgroup)")
	}
	files := &commandFiles{}
	for path, file := range map[string]**os.File{
		filepath.Join(dir, commandCgroup, threads):    &files.threads,
		filepath.Join(dir, threads):                   &files.parentThreads,
		filepath.Join(dir, commandCgroup, "pids.max"): &files.pidsMax,
	} {
		if *file, err = os.OpenFile(path, os.O_WRONLY, 0); err != nil {
			files.close()
			return nil, err
		}
	}
	return files, nil
}

func (f *commandFiles) close() {
	for _, file := range []*os.File{f.threads, f.parentThreads, f.pidsMax} {
		if file != nil {
			file.Close()
		}
	}
}

// startCommand starts COMMAND in the command cgroup. A new process is born
// in the cgroup of the thread that forks it, and a thread of a threaded
// cgroup (v2), or any thread on v1, may move alone: so this thread (the
// init keeps its goroutine on it) moves into the command cgroup, forks,
// and moves back. Not one instruction of COMMAND runs outside its limit.
// While there the thread counts against pids.max, so the limit is one
// higher for that moment: COMMAND's own tasks never exceed it.
//
// It also makes COMMAND, not the init, the OOM killer's choice: the kernel
// kills the largest process, and in a small container that can be the
// init, after which nobody reaps or reports. COMMAND inherits the init's
// oom_score_adj, raised to the most for the moment of the fork (as
// Kubernetes gives its best-effort pods); the init then takes 0 back.
// Raising needs no privilege, so this works on any host.
func startCommand(cmd *exec.Cmd, files *commandFiles, pids int64) error {
	tid := []byte(strconv.Itoa(unix.Gettid()))
	write := func(file *os.File, value []byte) error {
		_, err := file.Write(value)
		return err
	}
	if pids > 0 {
		if err := write(files.pidsMax, []byte(strconv.FormatInt(pids+1, 10))); err != nil {
			files.close()
			return err
		}
	}
	if err := os.WriteFile("/proc/self/oom_score_adj", []byte("1000"), 0o644); err != nil {
		files.close()
		return err
	}
	err := write(files.threads, tid)
	started := err
	if err == nil {
		started = cmd.Start()
	}
	if pids > 0 {
		err = errors.Join(err, write(files.pidsMax, []byte(strconv.FormatInt(pids, 10))))
	}
	err = errors.Join(err, write(files.parentThreads, tid))
	files.close()
	err = errors.Join(err, os.WriteFile("/proc/self/oom_score_adj", []byte("0"), 0o644))
	if started != nil {
		return started
	}
	return err
}

// mountCgroupFS shows the container its own cgroup at /sys/fs/cgroup, read
// only: in a cgroup namespace, cgroup2 mounts the namespace's root.
func mountCgroupFS() error {
	return mount("cgroup2", "/sys/fs/cgroup", "cgroup2", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "")
}
