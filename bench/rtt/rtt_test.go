// Package rtt benchmarks the control socket's round trip, client and
// listener together, with a handler that answers at once, side by side with
// a minimal Go Unix-socket echo server (the floor: what any Go server on a
// Unix socket costs on this machine) served to the same client. Each
// benchmark alternates between the two, request by request (serial) or
// block by block (64 clients at once), and reports the p50 and p99 of each
// and the ratio of their p50s. Run it with bench/run or
// `go test -run '^$' -bench . ./bench/rtt`.
package rtt

import (
	"context"
	"io"
	"net"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/ctl/endpoint"
	"github.com/pizauth-go/pizauth/internal/paths"
)

type tokenHandler struct{}

func (tokenHandler) Handle(context.Context, ctl.Request) ctl.Response {
	return ctl.Response{Kind: ctl.KindToken, Payload: "ya29.a0AfH6SMBx-benchmark-token"}
}

// target is a server under measurement: a client for it and the request
// that makes a show-sized round trip.
type target struct {
	c   *ctl.Client
	req ctl.Request
	ds  []time.Duration
}

func (t *target) roundTrip() (time.Duration, error) {
	start := time.Now()
	_, err := t.c.Do(t.req)
	return time.Since(start), err
}

// serve starts a listener in a short private directory and returns it as
// a target.
func serve(b *testing.B) *target {
	dir, err := paths.RuntimeDir(func(string) string { return b.TempDir() })
	if err != nil {
		b.Fatal(err)
	}
	if err := paths.EnsureDir(dir); err != nil {
		b.Fatal(err)
	}
	d, err := endpoint.Claim(dir)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { (&endpoint.Server{Handler: tokenHandler{}}).Serve(ctx, d); close(done) }()
	b.Cleanup(func() { cancel(); <-done; d.Close() })
	return &target{c: &ctl.Client{Socket: d.Socket()}, req: ctl.Request{Cmd: ctl.CmdShow, Account: "work"}}
}

// echo starts the floor: a minimal Go Unix-socket server that reads each
// connection to EOF and writes back what it read. The client's request
// "access_token:" comes back as a token answer.
func echo(b *testing.B) *target {
	dir := b.TempDir()
	if err := paths.EnsureDir(filepath.Join(dir, "e")); err != nil {
		b.Fatal(err)
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(dir, "e", "echo.sock"), Net: "unix"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				req, _ := io.ReadAll(c)
				c.Write(req)
			}()
		}
	}()
	return &target{c: &ctl.Client{Socket: ln.Addr().String()}, req: ctl.Request{Cmd: ctl.Cmd(ctl.KindToken)}}
}

// report adds the p50 and p99 of pizauth's and echo's round trips, in µs,
// and the ratio of their p50s to the benchmark's output.
func report(b *testing.B, pizauth, floor *target) {
	p50, p99 := quantiles(pizauth.ds)
	e50, e99 := quantiles(floor.ds)
	b.ReportMetric(p50, "p50-µs")
	b.ReportMetric(p99, "p99-µs")
	b.ReportMetric(e50, "echo-p50-µs")
	b.ReportMetric(e99, "echo-p99-µs")
	b.ReportMetric(p50/e50, "p50/echo")
}

func quantiles(ds []time.Duration) (p50, p99 float64) {
	slices.Sort(ds)
	at := func(q float64) float64 {
		return float64(ds[min(int(q*float64(len(ds))), len(ds)-1)]) / float64(time.Microsecond)
	}
	return at(0.50), at(0.99)
}

// BenchmarkSerial is one client asking again and again, pizauth and the
// echo server in turn.
func BenchmarkSerial(b *testing.B) {
	pizauth, floor := serve(b), echo(b)
	for b.Loop() {
		for _, t := range []*target{pizauth, floor} {
			d, err := t.roundTrip()
			if err != nil {
				b.Fatal(err)
			}
			t.ds = append(t.ds, d)
		}
	}
	report(b, pizauth, floor)
}

// BenchmarkAllocs is BenchmarkSerial without the echo server, for the
// allocations of a round trip (client and server).
func BenchmarkAllocs(b *testing.B) {
	pizauth := serve(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pizauth.roundTrip(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConcurrent64 is 64 clients asking at the same time, in blocks
// of 64 x 10 round trips, pizauth's and the echo server's in turn.
func BenchmarkConcurrent64(b *testing.B) {
	const clients, each = 64, 10
	pizauth, floor := serve(b), echo(b)
	for n := 0; n < b.N; n += 2 * clients * each {
		for _, t := range []*target{pizauth, floor} {
			var mu sync.Mutex
			var wg sync.WaitGroup
			for range clients {
				wg.Go(func() {
					ds := make([]time.Duration, 0, each)
					for range each {
						d, err := t.roundTrip()
						if err != nil {
							b.Error(err)
							return
						}
						ds = append(ds, d)
					}
					mu.Lock()
					t.ds = append(t.ds, ds...)
					mu.Unlock()
				})
			}
			wg.Wait()
		}
	}
	report(b, pizauth, floor)
}
