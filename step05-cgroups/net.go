//go:build linux

package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

const (
	networkBridge = "bridge"
	networkNone   = "none"

	bridgeName = "ctr0"
	// subnet avoids docker's 172.17.0.0/16, libvirt's 192.168.122.0/24, the
	// 192.168.x.0/24 of home routers and the 10.0.0.0/16 of many clouds.
	subnet  = "10.203.47.0/24"
	gateway = "10.203.47.1"
	// addressRecords holds a file per address in use, naming its runtime's
	// PID: shared by every step's binary, and gone at reboot (/run).
	addressRecords = "/run/container/net"
)

func checkNetwork(mode string) error {
	if mode != networkBridge && mode != networkNone {
		return fmt.Errorf("--network %q is not a mode: use 'bridge' or 'none'", mode)
	}
	return nil
}

// hostNetwork is what the host side made for one container.
type hostNetwork struct {
	veth   string
	record string
}

// setUpHostNetwork gives the container with init pid a network, and returns
// what the init must configure inside: its address, or "none".
func setUpHostNetwork(mode string, pid int) (*hostNetwork, string, error) {
	if mode == networkNone {
		return &hostNetwork{}, networkNone, nil
	}
	unlock, err := lockRecords()
	if err != nil {
		return nil, "", err
	}
	defer unlock()
	bridge, err := ensureBridge()
	if err != nil {
		return nil, "", err
	}
	if err := enableNAT(); err != nil {
		// Still useful without a way out: the host and other containers.
		fmt.Fprintf(os.Stderr, "container: warning: %v\n", err)
	}
	n := &hostNetwork{veth: "veth" + strconv.Itoa(pid)}
	address, record, err := allocateAddress(os.Getpid(), n.veth)
	if err != nil {
		return nil, "", err
	}
	n.record = record
	// A veth pair is a cable: our end on the bridge, eth0 in the container.
	veth := &netlink.Veth{
		LinkAttrs:        netlink.LinkAttrs{Name: n.veth},
		PeerName:         "eth0",
		PeerHardwareAddr: macFor(address),
		PeerNamespace:    netlink.NsPid(pid),
	}
	if err := netlink.LinkAdd(veth); err != nil {
		n.tearDown()
		return nil, "", fmt.Errorf("create veth pair %s: %w", n.veth, err)
	}
	if err := netlink.LinkSetMaster(veth, bridge); err != nil {
		n.tearDown()
		return nil, "", fmt.Errorf("attach %s to %s: %w", n.veth, bridgeName, err)
	}
	if err := netlink.LinkSetUp(veth); err != nil {
		n.tearDown()
		return nil, "", fmt.Errorf("bring up %s: %w", n.veth, err)
	}
	ones, _ := mustParseCIDR(subnet).Mask.Size()
	return n, fmt.Sprintf("%s/%d", address, ones), nil
}

// tearDown removes the container's veth (if its namespace has not taken it
// away already) and frees its address.
func (n *hostNetwork) tearDown() {
	if n.veth != "" {
		if link, err := netlink.LinkByName(n.veth); err == nil {
			_ = netlink.LinkDel(link)
		}
	}
	if n.record != "" {
		_ = os.Remove(n.record)
	}
}

func mustParseCIDR(s string) *net.IPNet {
	_, network, err := net.ParseCIDR(s)
	if err != nil {
		panic(err) // a constant of ours
	}
	return network
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

// ensureBridge creates the bridge with the gateway address, unless a run
// before did.
func ensureBridge() (netlink.Link, error) {
	bridge, err := netlink.LinkByName(bridgeName)
	if err != nil {
		bridge = &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: bridgeName}}
		if err := netlink.LinkAdd(bridge); err != nil {
			return nil, fmt.Errorf("create bridge %s: %w", bridgeName, err)
		}
	}
	// A bridge takes the lowest MAC address of its ports unless given one:
	// each container that comes or goes would change the gateway's address
	// under the others' ARP caches.
	if err := netlink.LinkSetHardwareAddr(bridge, bridgeMAC); err != nil {
		return nil, fmt.Errorf("set the MAC address of %s: %w", bridgeName, err)
	}
	ones, _ := mustParseCIDR(subnet).Mask.Size()
	addr, _ := netlink.ParseAddr(fmt.Sprintf("%s/%d", gateway, ones))
	if err := netlink.AddrAdd(bridge, addr); err != nil && !errors.Is(err, syscall.EEXIST) {
		return nil, fmt.Errorf("give %s the address %s: %w", bridgeName, addr, err)
	}
	if err := netlink.LinkSetUp(bridge); err != nil {
		return nil, fmt.Errorf("bring up %s: %w", bridgeName, err)
	}
	return bridge, nil
}

// bridgeMAC is locally administered (02:...) and ends in the gateway's address.
var bridgeMAC = net.HardwareAddr{0x02, 0x00, 10, 203, 47, 1}

// macFor is the MAC address of the container with address ip, made the
// same way as bridgeMAC: an address reused by a later container keeps its
// MAC, so the ARP caches of the host and of other containers stay right.
func macFor(ip net.IP) net.HardwareAddr {
	ip4 := ip.To4()
	return net.HardwareAddr{0x02, 0x00, ip4[0], ip4[1], ip4[2], ip4[3]}
}

// natRules let the containers out: masquerade what leaves the subnet
// through another interface, and let the bridge forward.
var natRules = [][]string{
	{"-t", "nat", "POSTROUTING", "-s", subnet, "!", "-o", bridgeName, "-j", "MASQUERADE"},
	{"-t", "filter", "FORWARD", "-i", bridgeName, "-j", "ACCEPT"},
	{"-t", "filter", "FORWARD", "-o", bridgeName, "-j", "ACCEPT"},
}

// enableNAT turns on IPv4 forwarding and adds natRules once.
func enableNAT() error {
	if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1\n"), 0o644); err != nil {
		return fmt.Errorf("turn on IPv4 forwarding: %w", err)
	}
	if _, err := exec.LookPath("iptables"); err != nil {
		return errors.New("iptables not found: the container cannot reach beyond this host (install iptables, or run scripts/setup.sh)")
	}
	for _, rule := range natRules {
		table, chain, spec := rule[:2], rule[2], rule[3:]
		check := append(append(append([]string{}, table...), "-w", "-C", chain), spec...)
		if exec.Command("iptables", check...).Run() == nil {
			continue
		}
		add := append(append(append([]string{}, table...), "-w", "-A", chain), spec...)
		if out, err := exec.Command("iptables", add...).CombinedOutput(); err != nil {
			return fmt.Errorf("iptables %s: %v: %s", strings.Join(add, " "), err, strings.TrimSpace(string(out)))
		}
	}
	return nil
}

// allocateAddress takes the first address of the subnet that no running
// runtime holds, after freeing those of runtimes that are gone (killed
// before they could). A record names the runtime and its veth. The caller
// holds the lock.
func allocateAddress(owner int, veth string) (net.IP, string, error) {
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
	for host := 2; host < 1<<(bits-ones)-1; host++ { // .1 is the gateway
		ip := net.IPv4(base[0], base[1], base[2], base[3]+byte(host))
		record := filepath.Join(addressRecords, ip.String())
		if _, err := os.Stat(record); err == nil {
			continue
		}
		if err := os.WriteFile(record, []byte(fmt.Sprintf("%d %s\n", owner, veth)), 0o644); err != nil {
			return nil, "", err
		}
		return ip, record, nil
	}
	return nil, "", fmt.Errorf("no free address in %s: too many containers running", subnet)
}

// runtimeAlive says whether the process a record names still runs.
func runtimeAlive(pid string) bool {
	n, err := strconv.Atoi(strings.TrimSpace(pid))
	if err != nil || n <= 0 {
		return false
	}
	err = syscall.Kill(n, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// setUpContainerNetwork runs in the init, inside the new network namespace:
// lo up, and in bridge mode eth0 with its address and a default route.
func setUpContainerNetwork(config string) error {
	lo, err := netlink.LinkByName("lo")
	if err == nil {
		err = netlink.LinkSetUp(lo)
	}
	if err != nil {
		return fmt.Errorf("bring up lo: %w", err)
	}
	if config == networkNone {
		return nil
	}
	eth0, err := netlink.LinkByName("eth0")
	if err != nil {
		return fmt.Errorf("find eth0: %w", err)
	}
	addr, err := netlink.ParseAddr(config)
	if err != nil {
		return fmt.Errorf("address %q from the host side: %w", config, err)
	}
	if err := netlink.AddrAdd(eth0, addr); err != nil {
		return fmt.Errorf("give eth0 %s: %w", config, err)
	}
	if err := netlink.LinkSetUp(eth0); err != nil {
		return fmt.Errorf("bring up eth0: %w", err)
	}
	if err := netlink.RouteAdd(&netlink.Route{LinkIndex: eth0.Attrs().Index, Gw: net.ParseIP(gateway)}); err != nil {
		return fmt.Errorf("add the default route via %s: %w", gateway, err)
	}
	return nil
}

// upstreamResolvConf is the host's resolv.conf without loopback name
// servers, which mean the host itself and are unreachable from a container.
// With systemd-resolved, its stub (127.0.0.53) hides the upstream list,
// kept in /run/systemd/resolve/resolv.conf.
func upstreamResolvConf() string {
	data, err := os.ReadFile("/etc/resolv.conf")
	if upstream, e := os.ReadFile("/run/systemd/resolve/resolv.conf"); e == nil && strings.Contains(string(data), "127.0.0.53") {
		data, err = upstream, nil
	}
	if err != nil {
		return ""
	}
	return withoutLoopback(string(data))
}

// withoutLoopback drops comments and loopback name servers from a resolv.conf.
func withoutLoopback(resolvConf string) string {
	var kept []string
	for _, line := range strings.Split(resolvConf, "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 2 && fields[0] == "nameserver" {
			if ip := net.ParseIP(fields[1]); ip == nil || ip.IsLoopback() {
				continue
			}
		}
		if len(fields) > 0 && !strings.HasPrefix(fields[0], "#") {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, "\n") + "\n"
}

// provideNameFiles puts /etc/resolv.conf and /etc/hosts in the container's
// view without writing the rootfs on disk: each is written on the /dev
// tmpfs, bind-mounted over the rootfs's file, and unlinked. A rootfs
// without these files keeps none (scripts/rootfs.sh makes both).
func provideNameFiles(hostname, config, resolvConf string) error {
	ip, _, _ := net.ParseCIDR(config)
	files := map[string]string{
		"/etc/resolv.conf": resolvConf,
		"/etc/hosts":       fmt.Sprintf("127.0.0.1\tlocalhost\n::1\tlocalhost\n%s\t%s\n", ip, hostname),
	}
	for target, content := range files {
		if _, err := os.Stat(target); err != nil {
			continue
		}
		source := "/dev/." + filepath.Base(target)
		if err := os.WriteFile(source, []byte(content), 0o644); err != nil {
			return err
		}
		err := mount(source, target, "", unix.MS_BIND, "")
		os.Remove(source)
		if err != nil {
			return err
		}
	}
	return nil
}

// readHostGo waits until the host side has finished its part and returns
// what it sent: the network configuration.
func readHostGo(pipe *os.File) (string, error) {
	line, err := bufio.NewReader(pipe).ReadString('\n')
	pipe.Close()
	if err != nil {
		return "", errors.New("the host side stopped before the container was ready")
	}
	return strings.TrimSpace(line), nil
}
