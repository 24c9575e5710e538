package listen

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// peerCred returns the uid and pid of the process at the other end of the
// connected socket fd.
func peerCred(fd int) (uid, pid int, err error) {
	cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return -1, -1, fmt.Errorf("getsockopt SO_PEERCRED: %w", err)
	}
	return int(cred.Uid), int(cred.Pid), nil
}

// preBind runs on a new socket before bind. On Linux the mode of the socket
// inode becomes the mode of the file that bind creates (less the umask), so
// the socket file never exists with a mode more open than 0600.
// Best effort: Listen chmods the file afterwards in any case.
func preBind(fd int) {
	_ = unix.Fchmod(fd, 0o600)
}
