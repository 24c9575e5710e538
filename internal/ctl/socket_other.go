//go:build !darwin

package ctl

import "syscall"

// unixSocket returns a new close-on-exec Unix stream socket.
func unixSocket() (int, error) {
	return syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
}
