package ctl

import (
	"fmt"
	"syscall"
)

// PeerCred returns the uid and pid of the process at the other end of the
// connected Unix socket fd. On the server's end that is the client; on the
// client's end it is the process that made the server's socket listen.
func PeerCred(fd int) (uid, pid int, err error) {
	cred, err := syscall.GetsockoptUcred(fd, syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	if err != nil {
		return -1, -1, fmt.Errorf("getsockopt SO_PEERCRED: %w", err)
	}
	return int(cred.Uid), int(cred.Pid), nil
}
