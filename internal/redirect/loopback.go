package redirect

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"syscall"
)

// loopbackTries bounds how many ports ListenLoopback tries when the one the
// kernel picked for 127.0.0.1 is already taken on ::1.
const loopbackTries = 16

// ListenLoopback binds one port, picked by the kernel, on both loopback
// addresses, 127.0.0.1 and ::1, and serves them as one listener. A browser
// may resolve "localhost" to either; were pizauth to hold only 127.0.0.1,
// another local user could listen on [::1] at the same port and receive the
// code and state. Where this machine has no ::1, 127.0.0.1 alone is served:
// there is then nothing to take. A port already taken on ::1 is given up for
// another; after loopbackTries of them, ListenLoopback fails.
func ListenLoopback(cert *tls.Certificate) (*Listener, error) {
	if err := checkCert(cert); err != nil {
		return nil, err
	}
	var err error
	for range loopbackTries {
		var socks []*net.TCPListener
		if socks, err = bindLoopback(0); err == nil {
			return newListener(socks, cert), nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("redirect listener: %w", err)
		}
	}
	return nil, fmt.Errorf("redirect listener: %d ports tried, each taken on ::1 by another program: %w", loopbackTries, err)
}

// bindLoopback binds port on 127.0.0.1 (0: one the kernel picks) and the
// same port on ::1 where the machine has it. It fails, holding nothing, when
// either is taken.
func bindLoopback(port int) ([]*net.TCPListener, error) {
	v4, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		return nil, err
	}
	port = v4.Addr().(*net.TCPAddr).Port
	v6, err := net.ListenTCP("tcp6", &net.TCPAddr{IP: net.IPv6loopback, Port: port})
	switch {
	case err == nil:
		return []*net.TCPListener{v4, v6}, nil
	case noIPv6Loopback(err):
		return []*net.TCPListener{v4}, nil
	}
	v4.Close()
	return nil, err
}

// noIPv6Loopback reports whether err, from binding ::1, means that the
// machine has no IPv6 or no ::1 (a kernel without IPv6, or IPv6 disabled).
func noIPv6Loopback(err error) bool {
	return errors.Is(err, syscall.EADDRNOTAVAIL) ||
		errors.Is(err, syscall.EAFNOSUPPORT) ||
		errors.Is(err, syscall.EPROTONOSUPPORT)
}
