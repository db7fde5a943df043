//go:build linux

package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

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
// view without writing the rootfs's own: each is written on the /dev tmpfs,
// bind-mounted over the rootfs's file, and unlinked. A rootfs without the
// file gets an empty one to mount on, as runc makes its mount points; a
// file that is a symlink is refused, not followed.
func provideNameFiles(hostname, config, resolvConf string) error {
	ip, _, _ := net.ParseCIDR(config)
	files := map[string]string{
		"resolv.conf": resolvConf,
		"hosts":       fmt.Sprintf("127.0.0.1\tlocalhost\n::1\tlocalhost\n%s\t%s\n", ip, hostname),
	}
	etc, err := unix.Openat2(unix.AT_FDCWD, "/etc", &unix.OpenHow{
		Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: unix.RESOLVE_NO_SYMLINKS,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "container: warning: the rootfs has no /etc directory: names will not resolve\n")
		return nil
	}
	defer unix.Close(etc)
	for name, content := range files {
		target, err := openMountPointFile(etc, name)
		if errors.Is(err, unix.ELOOP) {
			return fmt.Errorf("the rootfs's /etc/%s is a symlink: refusing to mount on it (make it a file, or use --network none)", name)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "container: warning: cannot provide /etc/%s (%v): names may not resolve\n", name, err)
			continue
		}
		source := "/dev/." + name
		err = os.WriteFile(source, []byte(content), 0o644)
		if err == nil {
			err = mount(source, fmt.Sprintf("/proc/self/fd/%d", target), "", unix.MS_BIND, "")
		}
		os.Remove(source)
		unix.Close(target)
		if err != nil {
			return err
		}
	}
	return nil
}

// openMountPointFile opens the file name of dir to mount on, without
// following a symlink, and creates it empty when it is missing.
func openMountPointFile(dir int, name string) (int, error) {
	how := &unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_BENEATH}
	fd, err := unix.Openat2(dir, name, how)
	if errors.Is(err, unix.ENOENT) {
		how.Flags, how.Mode = unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC, 0o644
		fd, err = unix.Openat2(dir, name, how)
	}
	return fd, err
}
