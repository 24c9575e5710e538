package ctl

import "syscall"

// unixSocket returns a new close-on-exec Unix stream socket. Darwin has no
// SOCK_CLOEXEC; ForkLock keeps a concurrent fork from inheriting the socket.
func unixSocket() (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	return fd, err
}
