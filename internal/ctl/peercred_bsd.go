//go:build darwin || freebsd

package ctl

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// PeerCred returns the uid of the process at the other end of the connected
// Unix socket fd (on the client's end: the process that made the server's
// socket listen); the pid is not available here and is returned as -1.
func PeerCred(fd int) (uid, pid int, err error) {
	cred, err := unix.GetsockoptXucred(fd, unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	if err != nil {
		return -1, -1, fmt.Errorf("getsockopt LOCAL_PEERCRED: %w", err)
	}
	return int(cred.Uid), -1, nil
}
