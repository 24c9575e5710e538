package endpoint

import (
	"context"
	"runtime"
	"testing"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

var token = handlerFunc(func(context.Context, ctl.Request) ctl.Response {
	return ctl.Response{Kind: ctl.KindToken, Payload: "ya29.a0AfH6SMBx-benchmark-token"}
})

func BenchmarkRoundTrip(b *testing.B) {
	s := startServer(b, token, Limits{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.c.Do(ctl.Request{Cmd: ctl.CmdShow, Account: "work"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRoundTripParallel runs about 64 clients at once, as many as the
// server handles concurrently.
func BenchmarkRoundTripParallel(b *testing.B) {
	s := startServer(b, token, Limits{})
	b.ReportAllocs()
	b.SetParallelism((64 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.c.Do(ctl.Request{Cmd: ctl.CmdShow, Account: "work"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
