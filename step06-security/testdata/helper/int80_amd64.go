package main

import (
	"fmt"
	"os"
	"syscall"
)

// int80 makes a 32-bit x86 system call (int $0x80) from this 64-bit
// program: the numbers are i386's, and the kernel runs it as one.
func int80(trap, a1 uintptr) (r1 uintptr)

// int80Unshare asks for a UTS namespace through i386's unshare (310),
// past a filter that would know only x86_64's numbers.
func int80Unshare() int {
	const unshare386, cloneNewUTS = 310, 0x04000000
	r := int32(int80(unshare386, cloneNewUTS))
	if r < 0 {
		fmt.Println(errnoName(syscall.Errno(-r)))
		return 0
	}
	fmt.Println("ok")
	if r != 0 {
		fmt.Fprintln(os.Stderr, "helper: int80: unexpected result", r)
		return 1
	}
	return 0
}
