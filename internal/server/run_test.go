package server

import (
	"testing"
	"testing/synctest"
	"time"
)

func TestWaitAtMost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		if !waitAtMost(stopLimit, func() { time.Sleep(stopLimit - time.Millisecond) }) {
			t.Errorf("waitAtMost gave up on work that finished within the limit")
		}
		stuck := make(chan struct{})
		start := time.Now()
		if waitAtMost(stopLimit, func() { <-stuck }) {
			t.Errorf("waitAtMost returned true for stuck work")
		}
		if got := time.Since(start); got != stopLimit {
			t.Errorf("waitAtMost gave up after %v; want %v", got, stopLimit)
		}
		close(stuck) // let the abandoned waiter end, as the bubble requires
	})
}
