//go:build linux

package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"
)

// printAddress prints the container's eth0 address, without the prefix.
const printAddress = `ip -o -4 addr show eth0 | sed 's|.* inet \([0-9.]*\)/.*|\1|'`

var addressPattern = regexp.MustCompile(`^10\.203\.47\.\d+$`)

// serveHTTP starts a container whose busybox httpd answers "hello from NAME"
// and returns the container's address.
func serveHTTP(t *testing.T, name string) string {
	t.Helper()
	script := fmt.Sprintf(`mkdir /dev/shm/www && echo "hello from %s" >/dev/shm/www/index.html
httpd -p 80 -h /dev/shm/www && %s && read line`, name, printAddress)
	c := startContainer(t, runCmd("--hostname", name, "sh", "-c", script))
	address := c.nextLine(t)
	require.Regexp(t, addressPattern, address)
	return address
}

func TestNetworkNone(t *testing.T) {
	t.Parallel()
	r := container(t, "--network", "none", "ip", "-o", "link")
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 1, r.stdout)
	assert.Regexp(t, `^1: lo: <LOOPBACK,UP,LOWER_UP>`, lines[0])
}

func TestBridgeGivesEth0(t *testing.T) {
	t.Parallel()
	r := container(t, "sh", "-c", printAddress+"; ip route; ip -o link show lo")
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.GreaterOrEqual(t, len(lines), 3, r.stdout)
	assert.Regexp(t, addressPattern, lines[0])
	assert.Contains(t, r.stdout, "default via 10.203.47.1 dev eth0")
	assert.Contains(t, r.stdout, "lo: <LOOPBACK,UP,LOWER_UP>")
}

func TestHostReachesContainer(t *testing.T) {
	t.Parallel()
	address := serveHTTP(t, "web")
	out, err := exec.Command("busybox", "ping", "-c", "1", "-W", "5", address).CombinedOutput()
	assert.NoError(t, err, "the host pings the container: %s", out)
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + address + "/")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "hello from web\n", string(body))
}

func TestContainerPingsGateway(t *testing.T) {
	t.Parallel()
	r := container(t, "ping", "-c", "1", "-W", "5", gateway)
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "1 packets received")
}

func TestContainersReachEachOther(t *testing.T) {
	t.Parallel()
	address := serveHTTP(t, "server")
	r := container(t, "sh", "-c", `printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 5 `+address+` 80`)
	require.Equal(t, 0, r.code, r.stderr)
	assert.True(t, strings.HasSuffix(r.stdout, "\r\n\r\nhello from server\n"), r.stdout)
}

func TestTwentyContainersTwentyAddresses(t *testing.T) {
	t.Parallel()
	containers := make([]*started, 20)
	var wg sync.WaitGroup
	for i := range containers {
		wg.Add(1)
		go func(i int) { // all at once
			defer wg.Done()
			containers[i] = startContainer(t, runCmd("sh", "-c", printAddress+"; read line"))
		}(i)
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, c := range containers {
		address := c.nextLine(t)
		assert.Regexp(t, addressPattern, address)
		assert.False(t, seen[address], "address %s given twice", address)
		seen[address] = true
	}
	for _, c := range containers {
		_, _ = c.stdin.Write([]byte("done\n"))
		assert.Equal(t, 0, c.wait(t))
	}
}

func TestNetworkCleanedUp(t *testing.T) {
	t.Parallel()
	c := startContainer(t, runCmd("sh", "-c", printAddress+"; read line"))
	address := c.nextLine(t)
	veth := vethFor(net.ParseIP(address))
	_, err := netlink.LinkByName(veth)
	require.NoError(t, err, "the host end of the veth pair exists while the container runs")
	require.FileExists(t, filepath.Join(addressRecords, address))

	_, _ = c.stdin.Write([]byte("done\n"))
	require.Equal(t, 0, c.wait(t))
	// Free again: gone, or already taken by another runtime, with a veth
	// of the same name. The kernel removes the veth with the container's
	// network namespace, in the background: a bound for a hang, not a speed.
	ownPrefix := fmt.Sprintf("%d-", c.cmd.Process.Pid)
	require.Eventually(t, func() bool {
		if owner, err := os.ReadFile(filepath.Join(addressRecords, address)); err == nil {
			require.False(t, strings.HasPrefix(string(owner), ownPrefix), "the address is free again")
			return true
		}
		_, err := netlink.LinkByName(veth)
		return err != nil
	}, 30*time.Second, 10*time.Millisecond, "the veth is gone after the run")
}

//exercise:guard
func TestNATRule(t *testing.T) {
	t.Parallel()
	r := container(t, "true")
	require.Equal(t, 0, r.code, r.stderr)
	out, err := exec.Command("iptables", "-t", "nat", "-C", "POSTROUTING", "-s", subnet, "!", "-o", bridgeName, "-j", "MASQUERADE").CombinedOutput()
	assert.NoError(t, err, string(out))
	forwarding, err := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	require.NoError(t, err)
	assert.Equal(t, "1\n", string(forwarding))
}

func TestNameFiles(t *testing.T) {
	t.Parallel()
	r := container(t, "--hostname", "named", "sh", "-c", "cat /etc/resolv.conf; echo ---; cat /etc/hosts; echo ---; "+printAddress)
	require.Equal(t, 0, r.code, r.stderr)
	parts := strings.Split(r.stdout, "---\n")
	require.Len(t, parts, 3)
	assert.Equal(t, upstreamResolvConf(), parts[0])
	assert.NotContains(t, parts[0], "nameserver 127.", "a loopback resolver is unreachable from a container")
	address := strings.TrimSpace(parts[2])
	assert.Equal(t, "127.0.0.1\tlocalhost\n::1\tlocalhost\n"+address+"\tnamed\n", parts[1])
	onDisk, err := os.ReadFile(filepath.Join(rootfs, "etc/hosts"))
	require.NoError(t, err)
	assert.NotContains(t, string(onDisk), "named", "the rootfs on disk is unchanged")
}

func TestKilledRuntimeAddressReclaimed(t *testing.T) {
	t.Parallel()
	c := startContainer(t, runCmd("sh", "-c", printAddress+"; read line"))
	address := c.nextLine(t)
	record := filepath.Join(addressRecords, address)
	owner, err := os.ReadFile(record)
	require.NoError(t, err)
	// Under the runtimes' lock, so that no other runtime reclaims it first.
	unlock, err := lockRecords()
	require.NoError(t, err)
	require.NoError(t, c.cmd.Process.Kill())
	<-c.done
	// The record is left behind, naming a runtime that is gone...
	after, err := os.ReadFile(record)
	unlock()
	require.NoError(t, err)
	require.Equal(t, owner, after)
	// ...until the next run reclaims it.
	r := container(t, "true")
	require.Equal(t, 0, r.code, r.stderr)
	now, _ := os.ReadFile(record)
	assert.NotEqual(t, string(owner), string(now), "the stale record should be reclaimed")
}

// TestMACFollowsAddress: a reused address comes with the same MAC, so that
// no ARP cache points at a container that is gone.
func TestMACFollowsAddress(t *testing.T) {
	t.Parallel()
	r := container(t, "sh", "-c", printAddress+"; cat /sys/class/net/eth0/address")
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Fields(r.stdout)
	require.Len(t, lines, 2, r.stdout)
	address := net.ParseIP(lines[0])
	require.NotNil(t, address, lines[0])
	assert.Equal(t, macFor(address).String(), lines[1])
	assert.Equal(t, fmt.Sprintf("02:00:0a:cb:2f:%02x", address.To4()[3]), lines[1])
}

func TestBadNetworkMode(t *testing.T) {
	t.Parallel()
	r := container(t, "--network", "host", "true")
	requireRuntimeError(t, r)
	assert.Contains(t, r.stderr, `--network "host" is not a mode`)
}

func TestUpstreamResolvConfDropsLoopback(t *testing.T) {
	in := "# from the host\nnameserver 127.0.0.53\nnameserver ::1\nnameserver 10.1.2.3\nsearch example.org\n"
	assert.Equal(t, "nameserver 10.1.2.3\nsearch example.org\n", withoutLoopback(in))
}

// A record names its runtime by PID and start time: a live process that
// took a dead runtime's PID does not keep its address.
func TestReusedPIDDoesNotKeepAddress(t *testing.T) {
	t.Parallel()
	me := runtimeID(os.Getpid())
	require.True(t, runtimeAlive(me))
	assert.False(t, runtimeAlive(fmt.Sprintf("%d-1", os.Getpid())), "same PID, another start time")
	assert.True(t, runtimeAlive("not-ours"), "a name of another program's is left alone")

	// The broadcast address, which no container is given, so that no
	// container can hold it or take it meanwhile. The other steps' suites,
	// running at the same time, may write theirs there: each looks for its own.
	record := filepath.Join(addressRecords, "10.203.47.255")
	require.NoError(t, os.MkdirAll(addressRecords, 0o755))
	// A record left by a runtime whose PID this test process now has.
	stale := fmt.Sprintf("%d-1 ctr0-255\n", os.Getpid())
	require.NoError(t, os.WriteFile(record, []byte(stale), 0o644))
	t.Cleanup(func() { os.Remove(record) })
	r := container(t, "true")
	require.Equal(t, 0, r.code, r.stderr)
	now, _ := os.ReadFile(record)
	assert.NotEqual(t, stale, string(now), "the stale record should be freed")
}

// Any rootfs with an /etc gets the name files, created empty on disk to
// mount on when missing; one that is a symlink is refused.
func TestNameFilesOnAnyRootfs(t *testing.T) {
	t.Parallel()
	dir := copyRootfs(t)
	require.NoError(t, os.Remove(filepath.Join(dir, "etc/resolv.conf")))
	require.NoError(t, os.Remove(filepath.Join(dir, "etc/hosts")))
	r := execute(t, containerCmd("run", "--rootfs", dir, "--hostname", "named", "grep", "named", "/etc/hosts"), "")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `^10\.203\.47\.\d+\tnamed\n$`, r.stdout)
	assert.Empty(t, r.stderr)

	require.NoError(t, os.Remove(filepath.Join(dir, "etc/hosts")))
	require.NoError(t, os.Symlink("../../../../../../etc/passwd", filepath.Join(dir, "etc/hosts")))
	before := hostMounts(t)
	r = execute(t, containerCmd("run", "--rootfs", dir, "cat", "/etc/hosts"), "")
	requireRuntimeError(t, r)
	assert.Contains(t, r.stderr, "/etc/hosts is a symlink")
	assert.Equal(t, before, hostMounts(t))
}

// scripts/cleanup.sh leaves what running containers use: the bridge, its
// rules, their addresses.
func TestCleanupSparesRunningContainers(t *testing.T) {
	t.Parallel()
	c := startContainer(t, runCmd("sh", "-c", printAddress+`; read line; ping -c 1 -W 5 `+gateway+` >/dev/null && echo reached`))
	address := c.nextLine(t)
	out, err := exec.Command("../scripts/cleanup.sh").CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Contains(t, string(out), "kept bridge ctr0")
	assert.FileExists(t, filepath.Join(addressRecords, address))
	_, err = io.WriteString(c.stdin, "go on\n")
	require.NoError(t, err)
	assert.Equal(t, "reached", c.nextLine(t))
	assert.Equal(t, 0, c.wait(t), c.stderr.String())
}
