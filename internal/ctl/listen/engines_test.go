package listen

// A side-by-side measurement of the bare-descriptor engine (Serve: accept4
// through RawConn, poll(2) per slow client, pooled buffers, Gosched)
// against the plain one the standard library gives (net.UnixListener, a
// goroutine per net.UnixConn with deadlines, SO_PEERCRED read through
// SyscallConn, io.ReadAll), and against a minimal Unix-socket echo server,
// with the same client (ctl.Client), alternating in one process:
//
//	go test -run '^$' -bench Engines -benchtime 1x ./internal/ctl/listen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/testtool"
)

// servePlain serves h on ln the plain way until ln is closed.
func servePlain(ln *net.UnixListener, h Handler) {
	uid := os.Getuid()
	slots := make(chan struct{}, maxConns)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		slots <- struct{}{}
		c, err := ln.AcceptUnix()
		if err != nil {
			<-slots
			return
		}
		wg.Go(func() {
			defer func() { <-slots }()
			defer c.Close()
			plainConn(c, uid, h)
		})
	}
}

func plainConn(c *net.UnixConn, uid int, h Handler) {
	raw, err := c.SyscallConn()
	if err != nil {
		return
	}
	peer := -1
	raw.Control(func(fd uintptr) { peer, _, _ = ctl.PeerCred(int(fd)) })
	if peer != uid {
		return
	}
	c.SetReadDeadline(time.Now().Add(ioTimeout))
	b, err := io.ReadAll(io.LimitReader(c, ctl.MaxRestore+1))
	var resp ctl.Response
	switch req, derr := ctl.DecodeRequest(b); {
	case err != nil:
		resp = ctl.Response{Kind: ctl.KindError, Payload: err.Error()}
	case len(b) > ctl.MaxRestore || req.Cmd != ctl.CmdRestore && len(b) > ctl.MaxRequest:
		resp = ctl.Response{Kind: ctl.KindError, Payload: errTooLarge.Error()}
	case derr != nil:
		resp = ctl.Response{Kind: ctl.KindError, Payload: derr.Error()}
	default:
		resp = handle(context.Background(), h, req, nil)
	}
	c.SetWriteDeadline(time.Now().Add(ioTimeout))
	c.Write(resp.Encode())
}

// serveEcho is the floor: a minimal Go Unix-socket server that reads each
// connection to EOF and writes back what it read.
func serveEcho(ln *net.UnixListener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			b, _ := io.ReadAll(c)
			c.Write(b)
		}()
	}
}

// contender is one server under measurement and the request that makes a
// show-sized round trip with it.
type contender struct {
	name string
	c    *ctl.Client
	req  ctl.Request
	ds   []time.Duration
}

func startContenders(b *testing.B) []*contender {
	show := ctl.Request{Cmd: ctl.CmdShow, Account: "work"}
	bare := startServer(b, token, nil)
	listenAt := func(name string) *net.UnixListener {
		ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(testtool.ShortDir(b), name), Net: "unix"})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { ln.Close() })
		return ln
	}
	plain := listenAt("plain.sock")
	go servePlain(plain, token)
	echo := listenAt("echo.sock")
	go serveEcho(echo)
	return []*contender{
		{name: "bare", c: bare.c, req: show},
		{name: "plain", c: &ctl.Client{Socket: plain.Addr().String()}, req: show},
		// "access_token:" echoed back is a token answer to the client.
		{name: "echo", c: &ctl.Client{Socket: echo.Addr().String()}, req: ctl.Request{Cmd: ctl.KindToken}},
	}
}

// BenchmarkEngines alternates blocks of round trips between the contenders,
// serially and with 64 clients at once, and reports each one's p50 and p99
// and its ratios to the others.
func BenchmarkEngines(b *testing.B) {
	const rounds, serialBlock, concBlock, clients = 40, 250, 20, 64
	cs := startContenders(b)
	for _, mode := range []string{"serial", "concurrent64"} {
		for _, c := range cs {
			c.ds = nil
		}
		for r := range rounds {
			for i := range cs {
				c := cs[(r+i)%len(cs)] // rotate who goes first
				if mode == "serial" {
					c.ds = append(c.ds, serial(b, c, serialBlock)...)
				} else {
					c.ds = append(c.ds, concurrent(b, c, clients, concBlock)...)
				}
			}
		}
		p := map[string][2]float64{}
		for _, c := range cs {
			p[c.name] = [2]float64{quantile(c.ds, 0.5), quantile(c.ds, 0.99)}
			b.ReportMetric(p[c.name][0], fmt.Sprintf("%s-%s-p50-µs", mode, c.name))
			b.ReportMetric(p[c.name][1], fmt.Sprintf("%s-%s-p99-µs", mode, c.name))
			b.ReportMetric(mean(c.ds), fmt.Sprintf("%s-%s-mean-µs", mode, c.name))
		}
		b.ReportMetric(p["plain"][0]/p["bare"][0], mode+"-plain/bare-p50")
		b.ReportMetric(p["bare"][0]/p["echo"][0], mode+"-bare/echo-p50")
		b.ReportMetric(p["plain"][0]/p["echo"][0], mode+"-plain/echo-p50")
	}
}

func serial(b *testing.B, c *contender, n int) []time.Duration {
	ds := make([]time.Duration, 0, n)
	for range n {
		t0 := time.Now()
		if _, err := c.c.Do(c.req); err != nil {
			b.Fatalf("%s: %v", c.name, err)
		}
		ds = append(ds, time.Since(t0))
	}
	return ds
}

func concurrent(b *testing.B, c *contender, clients, each int) []time.Duration {
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for range clients {
		wg.Go(func() {
			ds := make([]time.Duration, 0, each)
			for range each {
				t0 := time.Now()
				if _, err := c.c.Do(c.req); err != nil {
					errs <- fmt.Errorf("%s: %w", c.name, err)
					return
				}
				ds = append(ds, time.Since(t0))
			}
			mu.Lock()
			all = append(all, ds...)
			mu.Unlock()
		})
	}
	wg.Wait()
	close(errs)
	if err := errors.Join(slices.Collect(func(yield func(error) bool) {
		for e := range errs {
			if !yield(e) {
				return
			}
		}
	})...); err != nil {
		b.Fatal(err)
	}
	return all
}

func quantile(ds []time.Duration, q float64) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[min(int(q*float64(len(s))), len(s)-1)]) / float64(time.Microsecond)
}

func mean(ds []time.Duration) float64 {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return float64(sum) / float64(len(ds)) / float64(time.Microsecond)
}
