//go:build darwin || freebsd

package listen

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// peerCred returns the uid of the process at the other end of the connected
// socket fd; its pid is not available here and is returned as -1.
func peerCred(fd int) (uid, pid int, err error) {
	cred, err := unix.GetsockoptXucred(fd, unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	if err != nil {
		return -1, -1, fmt.Errorf("getsockopt LOCAL_PEERCRED: %w", err)
	}
	return int(cred.Uid), -1, nil
}

// preBind does nothing here: Listen chmods the socket file before accepting.
func preBind(int) {}
