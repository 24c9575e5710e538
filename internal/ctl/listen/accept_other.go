//go:build !linux

package listen

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// accept takes a connection from the listening descriptor lfd, non-blocking
// and close-on-exec. Darwin has no accept4 (the BSDs share this version):
// the fork lock keeps a child from inheriting the descriptor before it is
// marked close-on-exec.
func accept(lfd int) (int, error) {
	syscall.ForkLock.RLock()
	fd, _, err := unix.Accept(lfd)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}
