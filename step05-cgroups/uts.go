//go:build linux

package main

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// maxHostname is the kernel's limit (HOST_NAME_MAX, see gethostname(2)).
const maxHostname = 64

func checkHostname(name string) error {
	if name == "" || len(name) > maxHostname {
		return fmt.Errorf("--hostname must be 1 to %d bytes long, got %d", maxHostname, len(name))
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
