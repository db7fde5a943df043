//go:build linux

package main

import (
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
)

// The flags --memory, --pids and --cpus, checked as typed.

const (
	// memoryFloor is the smallest --memory accepted, as docker's: below it
	// the init and a shell do not fit, and the kernel kills them at once.
	memoryFloor = 6 << 20
	// cpuPeriod is the scheduler period in µs that --cpus is a share of;
	// the kernel refuses a quota under 1000 µs, hence minCPUs.
	cpuPeriod = 100000
	minCPUs   = 0.01
	// maxPids is the kernel's highest PID (PID_MAX_LIMIT on 64 bits).
	maxPids = 4 << 20
)

// limits is what --memory, --pids and --cpus ask for; zero means no limit.
type limits struct {
	memory int64 // bytes
	pids   int64
	cpus   float64
}

// parseLimits checks the three flags as typed and returns the limits.
func parseLimits(memory, pids, cpus string) (limits, error) {
	var l limits
	if memory != "" {
		// Digits, then k, m or g, or nothing: bytes.
		digits := strings.TrimRight(memory, "kmgKMG")
		shift, known := map[string]uint{"": 0, "k": 10, "m": 20, "g": 30}[strings.ToLower(memory[len(digits):])]
		if !known || digits == "" || strings.Trim(digits, "0123456789") != "" {
			return l, fmt.Errorf("--memory %s is not a size: give bytes, or a number with k, m or g (as in 32m)", memory)
		}
		n, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || n > math.MaxInt64>>shift {
			return l, fmt.Errorf("--memory %s is more memory than a machine has", memory)
		}
		l.memory = n << shift
		if l.memory < memoryFloor {
			return l, fmt.Errorf("--memory %s is below the floor of %s: the container's init and a shell need that much", memory, formatSize(memoryFloor))
		}
	}
	if pids != "" {
		n, err := strconv.ParseInt(pids, 10, 64)
		if err != nil {
			return l, fmt.Errorf("--pids %s is not a number of processes: give a whole number (as in 10)", pids)
		}
		if n < 1 {
			return l, fmt.Errorf("--pids %s is too few: the container needs at least 1 process", pids)
		}
		if n > maxPids {
			return l, fmt.Errorf("--pids %s is more than the kernel's %d processes", pids, maxPids)
		}
		l.pids = n
	}
	if cpus != "" {
		n, err := strconv.ParseFloat(cpus, 64)
		if err != nil || math.IsNaN(n) {
			return l, fmt.Errorf("--cpus %s is not a number of CPUs: give a decimal (as in 0.5)", cpus)
		}
		if n < minCPUs {
			return l, fmt.Errorf("--cpus %s is too little: give at least %v, the kernel's smallest share", cpus, minCPUs)
		}
		if n > float64(runtime.NumCPU()) {
			return l, fmt.Errorf("--cpus %s is more than the %d CPUs this machine has", cpus, runtime.NumCPU())
		}
		l.cpus = n
	}
	return l, nil
}

// formatSize writes bytes in the largest binary unit that divides them.
func formatSize(bytes int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if bytes%u.size == 0 {
			return fmt.Sprintf("%d %s", bytes/u.size, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", bytes)
}
