// Package rtt benchmarks the control socket's round trip, client and
// listener together, with a handler that answers at once; it reports p50 and
// p99 latency besides ns/op. Run it with bench/run or
// `go test -run '^$' -bench . ./bench/rtt`.
package rtt

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/ctl/listen"
	"github.com/pizauth-go/pizauth/internal/paths"
)

type tokenHandler struct{}

func (tokenHandler) Handle(context.Context, ctl.Request) ctl.Response {
	return ctl.Response{Kind: ctl.KindToken, Payload: "ya29.a0AfH6SMBx-benchmark-token"}
}

// serve starts a listener in a short temporary directory and returns a
// client for it.
func serve(b *testing.B) *ctl.Client {
	dir, err := paths.RuntimeDir(func(string) string { return b.TempDir() })
	if err != nil {
		b.Fatal(err)
	}
	if err := paths.EnsureDir(dir); err != nil {
		b.Fatal(err)
	}
	l, err := listen.Listen(dir)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Serve(ctx, tokenHandler{}, nil); close(done) }()
	b.Cleanup(func() { cancel(); <-done; l.Close() })
	return &ctl.Client{Socket: l.Path()}
}

// report adds p50 and p99 of ds, in µs, to the benchmark's output.
func report(b *testing.B, ds []time.Duration) {
	slices.Sort(ds)
	at := func(q float64) float64 {
		return float64(ds[min(int(q*float64(len(ds))), len(ds)-1)]) / float64(time.Microsecond)
	}
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}

// BenchmarkSerial is one client asking again and again.
func BenchmarkSerial(b *testing.B) {
	c := serve(b)
	var ds []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		if _, err := c.Show("work", false); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	report(b, ds)
}

// BenchmarkConcurrent64 is 64 clients asking at the same time.
func BenchmarkConcurrent64(b *testing.B) {
	const clients = 64
	c := serve(b)
	var mu sync.Mutex
	var all []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for w := range clients {
		wg.Go(func() {
			var ds []time.Duration
			for i := w; i < b.N; i += clients {
				start := time.Now()
				if _, err := c.Show("work", false); err != nil {
					b.Error(err)
					return
				}
				ds = append(ds, time.Since(start))
			}
			mu.Lock()
			all = append(all, ds...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(all) > 0 {
		report(b, all)
	}
}
