package endpoint

import "golang.org/x/sys/unix"

// preBind runs on a new socket before bind. On Linux the mode of the socket
// inode becomes the mode of the file that bind creates (less the umask), so
// the socket file never exists with a mode more open than 0600.
// Best effort: Listen chmods the file afterwards in any case.
func preBind(fd int) {
	_ = unix.Fchmod(fd, 0o600)
}
