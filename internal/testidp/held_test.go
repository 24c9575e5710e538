package testidp_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/pizauth-go/pizauth/internal/testidp"
)

func TestSetNextLifetimes(t *testing.T) {
	p := newProvider(t)
	p.AddClient("pub", "")
	p.SetLifetime(time.Hour)
	p.SetNextLifetimes(time.Second, 0)
	for range 3 {
		exchange(t, p)
	}
	issued := p.Tokens()
	want := []time.Duration{time.Second, 0, time.Hour}
	for i, w := range want {
		if issued[i].ExpiresIn != w {
			t.Errorf("token %d: got expires_in %v; want %v", i, issued[i].ExpiresIn, w)
		}
	}
}

// TestWaitHeldAndAbandoned checks the events a script waits for instead of
// sleeping: a request is being held by a fault, and its client gave up.
func TestWaitHeldAndAbandoned(t *testing.T) {
	for _, f := range []testidp.Fault{{Hang: true}, {Delay: time.Hour}} {
		p := newProvider(t)
		p.FailNext(testidp.PathToken, 1, f)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			_, err := refresh(ctx, p, http.DefaultClient)
			done <- err
		}()
		if err := p.WaitHeld(t.Context(), "token", 1); err != nil {
			t.Fatal(err)
		}
		short, stop := context.WithTimeout(t.Context(), time.Millisecond)
		if err := p.WaitAbandoned(short, "token", 1); err == nil {
			t.Errorf("%+v: WaitAbandoned returned before the client gave up", f)
		}
		stop()
		cancel()
		if err := p.WaitAbandoned(t.Context(), "token", 1); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err == nil {
			t.Errorf("%+v: got no error from a held request", f)
		}
	}
}
