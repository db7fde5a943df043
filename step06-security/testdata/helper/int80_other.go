//go:build !amd64

package main

import (
	"fmt"
	"os"
)

// int80Unshare needs x86: elsewhere the test that uses it is skipped.
func int80Unshare() int {
	fmt.Fprintln(os.Stderr, "helper: int80-unshare: x86_64 only")
	return 2
}
