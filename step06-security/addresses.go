//go:build linux

package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// addressRecords holds a file per address in use, naming its runtime and
// its veth: shared by every step's binary, and gone at reboot (/run).
const addressRecords = stateDir + "/net"

// reserveAddress takes an address for a container, under a lock that
// runtimes starting at once share, with the bridge made first if needed.
func reserveAddress() (bridge netlink.Link, address net.IP, record string, err error) {
	unlock, err := lockRecords()
	if err != nil {
		return nil, nil, "", err
	}
	defer unlock()
	if bridge, err = ensureBridge(); err != nil {
		return nil, nil, "", err
	}
	address, record, err = allocateAddress(runtimeID(os.Getpid()))
	return bridge, address, record, err
}

// lockRecords serialises network setup between runtimes that start at once.
func lockRecords() (unlock func(), err error) {
	if err := os.MkdirAll(addressRecords, 0o755); err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(filepath.Join(addressRecords, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		lock.Close()
		return nil, err
	}
	return func() { lock.Close() }, nil
}

// vethFor names the host's end of the veth of the container with address
// ip after the address, which no other running container has: ctr0-2 for
// 10.203.47.2. A name made from a PID could be a new container's.
func vethFor(ip net.IP) string {
	return fmt.Sprintf("%s-%d", bridgeName, ip.To4()[3])
}

// allocateAddress takes the next address of the subnet that no running
// runtime holds, after freeing those of runtimes that are gone (killed
// before they could). It goes round the subnet rather than take the lowest:
// the kernel takes a while to remove a finished container's veth, and an
// address that waits its turn finds it gone. A record names the runtime
// and its veth; the file "last" holds the last address given. The caller
// holds the lock.
func allocateAddress(owner string) (net.IP, string, error) {
	records, _ := filepath.Glob(filepath.Join(addressRecords, "*.*.*.*"))
	for _, record := range records {
		data, err := os.ReadFile(record)
		fields := strings.Fields(string(data))
		if err != nil || len(fields) == 0 || runtimeAlive(fields[0]) {
			continue
		}
		// The kernel takes its time to tear down a dead container's network
		// namespace, which answers for the address until then: unplug it.
		if len(fields) > 1 {
			if link, err := netlink.LinkByName(fields[1]); err == nil {
				_ = netlink.LinkDel(link)
			}
		}
		_ = os.Remove(record)
	}
	network := mustParseCIDR(subnet)
	base := network.IP.To4()
	ones, bits := network.Mask.Size()
	hosts := 1<<(bits-ones) - 3 // less the network, the gateway (.1) and broadcast
	lastFile := filepath.Join(addressRecords, "last")
	data, _ := os.ReadFile(lastFile)
	last, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || last < 2 || last > hosts+1 {
		last = 1 // the first round starts at .2
	}
	for i := 1; i <= hosts; i++ {
		host := 2 + (last-2+i+hosts)%hosts
		ip := net.IPv4(base[0], base[1], base[2], base[3]+byte(host))
		record := filepath.Join(addressRecords, ip.String())
		if _, err := os.Stat(record); err == nil {
			continue
		}
		if err := os.WriteFile(record, []byte(owner+" "+vethFor(ip)+"\n"), 0o644); err != nil {
			return nil, "", err
		}
		_ = os.WriteFile(lastFile, []byte(strconv.Itoa(host)+"\n"), 0o644)
		return ip, record, nil
	}
	return nil, "", fmt.Errorf("no free address in %s: too many containers running", subnet)
}

// runtimeID names a runtime in the records it leaves: its PID and the
// time it started, in clock ticks since boot. A PID alone is reused once
// its process is gone, and would keep a dead container's address.
func runtimeID(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	// The name in parentheses may hold spaces: count fields after it.
	_, after, found := strings.Cut(string(data), ") ")
	fields := strings.Fields(after)
	if err != nil || !found || len(fields) < 20 {
		return ""
	}
	return fmt.Sprintf("%d-%s", pid, fields[19]) // field 22 of proc(5)
}

// runtimeAlive says whether the runtime that id names still runs: the same
// PID, started at the same time. A name not made by runtimeID is taken
// for alive: it is not ours to remove.
func runtimeAlive(id string) bool {
	pid, start, _ := strings.Cut(id, "-")
	n, err := strconv.Atoi(pid)
	if _, e := strconv.ParseUint(start, 10, 64); err != nil || e != nil {
		return true
	}
	return runtimeID(n) == id
}
