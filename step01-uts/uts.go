//go:build linux

package main

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// maxHostname is the kernel's limit (HOST_NAME_MAX, see gethostname(2)).
const maxHostname = 64

// isHostLabel says whether label is one dot-separated part of a hostname
// (RFC 1123): 1 to 63 letters, digits and hyphens, not starting or ending
// with a hyphen.
func isHostLabel(label string) bool {
	if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
		return false
	}
	for _, c := range label {
		if c != '-' && !isLetter(c) && !isDigit(c) {
			return false
		}
	}
	return true
}

// checkHostname accepts only what a hostname may hold: the name also goes
// into the container's /etc/hosts, where a newline would add a line.
func checkHostname(name string) error {
	if name == "" || len(name) > maxHostname {
		return fmt.Errorf("--hostname must be 1 to %d bytes long, got %d", maxHostname, len(name))
	}
	for _, label := range strings.Split(name, ".") {
		if !isHostLabel(label) {
			return fmt.Errorf("--hostname %q is not a hostname: use letters, digits, '-' and '.' (as in web-1)", name)
		}
	}
	return nil
}

// setHostname names the container. It changes only the new UTS namespace:
// the host keeps its own name.
func setHostname(name string) error {
	if err := unix.Sethostname([]byte(name)); err != nil {
		return fmt.Errorf("set hostname %q: %w", name, err)
	}
	return nil
}
