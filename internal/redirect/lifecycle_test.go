package redirect

import (
	"context"
	"crypto/tls"
	"net"
	"strconv"
	"testing"
)

func TestServeStops(t *testing.T) {
	tests := []struct {
		name string
		stop func(cancel context.CancelFunc, l *Listener)
	}{
		{"context", func(cancel context.CancelFunc, _ *Listener) { cancel() }},
		{"close", func(_ context.CancelFunc, l *Listener) { l.Close() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Listen("127.0.0.1:0", nil)
			if err != nil {
				t.Fatalf("Listen() error: %v", err)
			}
			defer l.Close()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- l.Serve(ctx, (&recorder{}).handle) }()
			rawGet(t, l, "GET", request("GET", "/?state=s")) // Serve is running
			tt.stop(cancel, l)
			if err := <-done; err != nil {
				t.Errorf("Serve() = %v; want nil", err)
			}
			if c, err := net.Dial("tcp", l.addr()); err == nil {
				c.Close()
				t.Errorf("dial after stop succeeded; want refused")
			}
		})
	}
}

func TestCloseBeforeServe(t *testing.T) {
	l, err := Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatalf("Listen() error: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("Close() = %v; want nil", err)
	}
	if err := l.Serve(t.Context(), (&recorder{}).handle); err != nil {
		t.Errorf("Serve() after Close = %v; want nil", err)
	}
}

func TestListenErrors(t *testing.T) {
	tests := []struct {
		name string
		addr string
		cert *tls.Certificate
	}{
		{"bad address", "127.0.0.1:notaport", nil},
		{"empty certificate", "127.0.0.1:0", &tls.Certificate{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if l, err := Listen(tt.addr, tt.cert); err == nil {
				l.Close()
				t.Errorf("Listen(%q) succeeded; want an error", tt.addr)
			}
		})
	}
}

func TestPort(t *testing.T) {
	l, err := Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatalf("Listen() error: %v", err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.addr())
	if got := l.Port(); got == 0 || strconv.Itoa(got) != port {
		t.Errorf("got Port() %d; want %s", got, port)
	}
}
