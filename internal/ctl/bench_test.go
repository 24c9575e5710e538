package ctl

import (
	"context"
	"runtime"
	"testing"
)

var token = handlerFunc(func(context.Context, Request) Response {
	return Response{KindToken, "ya29.a0AfH6SMBx-benchmark-token"}
})

func BenchmarkRoundTrip(b *testing.B) {
	s := startServer(b, token, nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.c.Show(ctx, "work", false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRoundTripParallel runs about 64 clients at once, as many as the
// server handles concurrently.
func BenchmarkRoundTripParallel(b *testing.B) {
	s := startServer(b, token, nil)
	ctx := context.Background()
	b.ReportAllocs()
	b.SetParallelism((maxConns + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.c.Show(ctx, "work", false); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
