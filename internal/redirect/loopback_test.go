package redirect

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// hasIPv6Loopback reports whether this machine can listen on ::1. Tests of
// the ::1 half of a loopback listener run only where it can; elsewhere they
// check that 127.0.0.1 alone is served.
func hasIPv6Loopback(t *testing.T) bool {
	t.Helper()
	l, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Logf("no ::1 on this machine (%v): checking 127.0.0.1 alone", err)
		return false
	}
	l.Close()
	return true
}

// TestListenLoopbackServesBoth is the attack of issue 13, item 9: with only
// 127.0.0.1 bound, another user could listen on [::1] at pizauth's port and
// receive the redirect of a browser that resolves localhost to ::1 first.
func TestListenLoopbackServesBoth(t *testing.T) {
	ipv6 := hasIPv6Loopback(t)
	cert, pub, err := SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	for _, https := range []bool{false, true} {
		t.Run("https="+strconv.FormatBool(https), func(t *testing.T) {
			c := &cert
			if !https {
				c = nil
			}
			l, err := ListenLoopback(c)
			if err != nil {
				t.Fatalf("ListenLoopback() error: %v", err)
			}
			rec := &recorder{}
			serve(t, l, rec.handle)
			port := strconv.Itoa(l.Port())
			hosts := []string{"127.0.0.1"}
			if ipv6 {
				hosts = append(hosts, "::1")
			}
			if len(l.socks) != len(hosts) {
				t.Errorf("got %d sockets; want %d", len(l.socks), len(hosts))
			}
			for _, host := range hosts {
				addr := net.JoinHostPort(host, port)
				if r := getAt(t, addr, pub, https, "/?state="+host); r.status != 200 {
					t.Errorf("%s: got status %d; want 200", addr, r.status)
				}
				// Nobody else can take the address now.
				if sq, err := net.Listen("tcp", addr); err == nil {
					sq.Close()
					t.Errorf("another listener could bind %s", addr)
				}
			}
			if got := len(rec.calls()); got != len(hosts) {
				t.Errorf("got %d callbacks; want %d", got, len(hosts))
			}
		})
	}
}

// getAt sends a GET for target to addr, over TLS pinning pub when https.
func getAt(t *testing.T, addr, pub string, https bool, target string) response {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer c.Close()
	if https {
		c = tls.Client(c, pinned(pub))
	}
	r, err := exchange(t, c, "GET", request("GET", target))
	if err != nil {
		t.Fatalf("%s %q: %v", addr, target, err)
	}
	return r
}

func TestListenLoopbackStopsEverySocket(t *testing.T) {
	ipv6 := hasIPv6Loopback(t)
	l, err := ListenLoopback(nil)
	if err != nil {
		t.Fatalf("ListenLoopback() error: %v", err)
	}
	defer l.Close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- l.Serve(ctx, (&recorder{}).handle) }()
	addrs := []string{l.socks[0].Addr().String()}
	if ipv6 {
		addrs = append(addrs, l.socks[1].Addr().String())
	}
	for _, addr := range addrs {
		getAt(t, addr, "", false, "/?state=s") // Serve is running
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve() = %v; want nil", err)
	}
	for _, addr := range addrs {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			t.Errorf("dial %s after stop succeeded; want refused", addr)
		}
	}
}

// TestBindLoopbackRefusesTakenIPv6 checks that a port another program holds
// on ::1 is not used for 127.0.0.1 alone, and that nothing stays bound.
func TestBindLoopbackRefusesTakenIPv6(t *testing.T) {
	if !hasIPv6Loopback(t) {
		t.Skip("no ::1 to take on this machine")
	}
	squatter, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Fatal(err)
	}
	defer squatter.Close()
	port := squatter.Addr().(*net.TCPAddr).Port
	socks, err := bindLoopback(port)
	if err == nil {
		for _, s := range socks {
			s.Close()
		}
		t.Fatalf("bindLoopback(%d) succeeded with [::1]:%d taken; want an error", port, port)
	}
	if !errors.Is(err, syscall.EADDRINUSE) || !strings.Contains(err.Error(), "[::1]") {
		t.Errorf("got error %v; want address in use on [::1]", err)
	}
	v4, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("127.0.0.1:%d still held after the failure: %v", port, err)
	}
	v4.Close()
}

func TestNoIPv6Loopback(t *testing.T) {
	bindErr := func(e syscall.Errno) error {
		return &net.OpError{Op: "listen", Net: "tcp6", Err: os.NewSyscallError("bind", e)}
	}
	tests := []struct {
		err  error
		want bool
	}{
		{bindErr(syscall.EADDRNOTAVAIL), true},   // IPv6 disabled, no ::1
		{bindErr(syscall.EAFNOSUPPORT), true},    // a kernel without IPv6
		{bindErr(syscall.EPROTONOSUPPORT), true}, // likewise
		{bindErr(syscall.EADDRINUSE), false},     // taken: not to be ignored
		{bindErr(syscall.EACCES), false},
	}
	for _, tt := range tests {
		if got := noIPv6Loopback(tt.err); got != tt.want {
			t.Errorf("noIPv6Loopback(%v) = %t; want %t", tt.err, got, tt.want)
		}
	}
}
