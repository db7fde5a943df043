//go:build !linux

package main

import "syscall"

// sandbox: elsewhere than on Linux, the steps' tests do not run at all.
func sandbox() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
