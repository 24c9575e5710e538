//go:build darwin || freebsd

package listen

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// peerCred returns the uid of the process at the other end of c; its pid is
// not available here and is returned as -1.
func peerCred(c *net.UnixConn) (uid, pid int, err error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return -1, -1, err
	}
	var cred *unix.Xucred
	var serr error
	if err := raw.Control(func(fd uintptr) {
		cred, serr = unix.GetsockoptXucred(int(fd), unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	}); err != nil {
		return -1, -1, err
	}
	if serr != nil {
		return -1, -1, fmt.Errorf("getsockopt LOCAL_PEERCRED: %w", serr)
	}
	return int(cred.Uid), -1, nil
}

// preBind does nothing here: Listen chmods the socket file before accepting.
func preBind(int) {}
