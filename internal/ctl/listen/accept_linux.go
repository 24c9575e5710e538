package listen

import "golang.org/x/sys/unix"

// accept takes a connection from the listening descriptor lfd, non-blocking
// and close-on-exec, without asking for the peer's address (unix.Accept4
// would allocate one).
func accept(lfd int) (int, error) {
	fd, _, errno := unix.Syscall6(unix.SYS_ACCEPT4, uintptr(lfd), 0, 0, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
	if errno != 0 {
		return -1, errno
	}
	return int(fd), nil
}
