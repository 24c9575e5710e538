package hooks

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
)

// recorder records the commands run instead of running them.
type recorder struct {
	mu   sync.Mutex // guards envs
	envs [][]string
}

func (r *recorder) run(_ context.Context, _ *slog.Logger, _, _ string, env []string, _ time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.envs = append(r.envs, env)
	return nil
}

// TestTokenEventsInOrderAndBounded: token events reach token_event_cmd in
// order; when too many wait, the oldest are dropped and the drop logged.
func TestTokenEventsInOrderAndBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		var logged strings.Builder
		h := New(Options{Run: rec.run, Logger: slog.New(slog.NewTextHandler(&logged, nil)), EventCmd: func() string { return "event" }})
		const extra = 5
		for i := range maxQueuedEvents + extra {
			h.TokenEvent(fmt.Sprint(i), "token_new")
		}
		h.TokenEvent("last", "token_revoked") // drops one more
		ctx, cancel := context.WithCancel(t.Context())
		delivered := make(chan struct{})
		go func() { h.Deliver(ctx); close(delivered) }()
		synctest.Wait() // every event delivered: Deliver waits for more
		cancel()
		<-delivered
		if len(rec.envs) != maxQueuedEvents {
			t.Fatalf("%d events delivered; want %d", len(rec.envs), maxQueuedEvents)
		}
		if got, want := rec.envs[0], []string{"PIZAUTH_ACCOUNT=" + fmt.Sprint(extra+1), "PIZAUTH_EVENT=token_new"}; !equal(got, want) {
			t.Errorf("first event delivered: %q; want %q", got, want)
		}
		if got, want := rec.envs[maxQueuedEvents-1], []string{"PIZAUTH_ACCOUNT=last", "PIZAUTH_EVENT=token_revoked"}; !equal(got, want) {
			t.Errorf("last event delivered: %q; want %q", got, want)
		}
		if !strings.Contains(logged.String(), "dropped="+fmt.Sprint(extra+1)) {
			t.Errorf("log %q does not say %d events were dropped", logged.String(), extra+1)
		}
	})
}

func equal(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }

// TestCredentialOutput: a credential command's output is one line, its
// newline taken off; anything else is refused, saying why.
func TestCredentialOutput(t *testing.T) {
	tests := []struct{ out, want, wantErr string }{
		{"s3cret\n", "s3cret", ""},
		{"s3cret\r\n", "s3cret", ""},
		{"s3cret", "s3cret", ""},
		{"", "", "printed nothing"},
		{"\n", "", "printed nothing"},
		{"a\nb\n", "", "printed more than one line"},
	}
	for _, tt := range tests {
		h := New(Options{Output: func(context.Context, *slog.Logger, string, string, []string, time.Duration) ([]byte, error) {
			return []byte(tt.out), nil
		}})
		ac, err := h.Credentials(t.Context(), &config.Account{Name: "work", ClientIDCmd: "id"})
		switch {
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("output %q: got %v; want an error saying %q", tt.out, err, tt.wantErr)
		case tt.wantErr == "" && (err != nil || ac.ClientID != tt.want):
			t.Errorf("output %q: got %+v, %v; want client_id %q", tt.out, ac, err, tt.want)
		}
	}
}
