//go:build linux

package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"github.com/vishvananda/netlink"
)

const (
	networkBridge = "bridge"
	networkNone   = "none"

	bridgeName = "ctr0"
	// subnet avoids docker's 172.17.0.0/16, libvirt's 192.168.122.0/24, the
	// 192.168.x.0/24 of home routers and the 10.0.0.0/16 of many clouds.
	subnet  = "10.203.47.0/24"
	gateway = "10.203.47.1"
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
// what the init must configure inside: its address, or "none". Only the
// choice of an address waits for other runtimes; the cable is laid at once.
func setUpHostNetwork(mode string, pid int) (*hostNetwork, string, error) {
	if mode == networkNone {
		return &hostNetwork{}, networkNone, nil
	}
	bridge, address, record, err := reserveAddress()
	if err != nil {
		return nil, "", err
	}
	n := &hostNetwork{veth: vethFor(address), record: record}
	// A veth pair is a cable: our end on the bridge, eth0 in the container.
	veth := &netlink.Veth{
		LinkAttrs:        netlink.LinkAttrs{Name: n.veth, MasterIndex: bridge.Attrs().Index},
		PeerName:         "eth0",
		PeerHardwareAddr: macFor(address),
		PeerNamespace:    netlink.NsPid(pid),
	}
	err = netlink.LinkAdd(veth)
	if errors.Is(err, syscall.EEXIST) {
		// The veth of the last container with this address, on its way out
		// with that container's network namespace: hurry it.
		if old, e := netlink.LinkByName(n.veth); e == nil {
			_ = netlink.LinkDel(old)
		}
		err = netlink.LinkAdd(veth)
	}
	if err != nil {
		n.tearDown()
		return nil, "", fmt.Errorf("create veth pair %s on %s: %w", n.veth, bridgeName, err)
	}
	if err := netlink.LinkSetUp(veth); err != nil {
		n.tearDown()
		return nil, "", fmt.Errorf("bring up %s: %w", n.veth, err)
	}
	ones, _ := mustParseCIDR(subnet).Mask.Size()
	return n, fmt.Sprintf("%s/%d", address, ones), nil
}

// tearDown frees the container's address. Its veth pair goes with its
// network namespace: the kernel removes both ends when the last process of
// the container is gone. Deleting it here would wait for that (tens of ms).
func (n *hostNetwork) tearDown() {
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

// ensureBridge returns the bridge, and creates it with the gateway address
// and the NAT rules when no run before did. The caller holds the lock.
func ensureBridge() (netlink.Link, error) {
	if bridge, err := netlink.LinkByName(bridgeName); err == nil && bridge.Attrs().Flags&net.FlagUp != 0 {
		return bridge, nil
	}
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
	if err := enableNAT(); err != nil {
		// Still useful without a way out: the host and other containers.
		fmt.Fprintf(os.Stderr, "container: warning: %v\n", err)
	}
	// Up last: an up bridge tells the next run that all of this is done.
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
