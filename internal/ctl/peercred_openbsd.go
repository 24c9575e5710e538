package ctl

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// PeerCred returns the uid of the process at the other end of the connected
// Unix socket fd (on the client's end: the process that made the server's
// socket listen); the pid is returned as -1.
//
// OpenBSD's SO_PEERCRED fills a struct sockpeercred {uid, gid, pid}, which
// golang.org/x/sys/unix does not wrap. GetsockoptUint64 asks for its first
// 8 bytes (the kernel copies out no more than asked), and the uid is the
// first 4 of them in memory, whatever the byte order.
func PeerCred(fd int) (uid, pid int, err error) {
	v, err := unix.GetsockoptUint64(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return -1, -1, fmt.Errorf("getsockopt SO_PEERCRED: %w", err)
	}
	return int(*(*uint32)(unsafe.Pointer(&v))), -1, nil
}
