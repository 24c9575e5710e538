package daemon

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/pizauth-go/pizauth/internal/secret"
)

func TestLogLevel(t *testing.T) {
	tests := []struct {
		verbosity int
		want      slog.Level
	}{
		{-1, slog.LevelError},
		{0, slog.LevelError},
		{1, slog.LevelWarn},
		{2, slog.LevelInfo},
		{3, slog.LevelDebug},
		{4, levelTrace},
		{9, levelTrace},
	}
	for _, tt := range tests {
		if got := logLevel(tt.verbosity); got != tt.want {
			t.Errorf("logLevel(%d) = %v; want %v", tt.verbosity, got, tt.want)
		}
	}
}

// fakeSyslog records what a syslogHandler sends, with its priority.
type fakeSyslog struct {
	mu   sync.Mutex // guards sent
	sent []string   // "priority message"
}

func (f *fakeSyslog) record(priority, msg string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, priority+" "+strings.TrimSuffix(msg, "\n"))
	return nil
}

func (f *fakeSyslog) Err(msg string) error     { return f.record("err", msg) }
func (f *fakeSyslog) Warning(msg string) error { return f.record("warning", msg) }
func (f *fakeSyslog) Info(msg string) error    { return f.record("info", msg) }
func (f *fakeSyslog) Debug(msg string) error   { return f.record("debug", msg) }

func TestSyslogHandler(t *testing.T) {
	tests := []struct {
		verbosity int
		want      []string
	}{
		{0, []string{`err e`}},
		{2, []string{`err e`, `warning w`, `info i`}},
		{4, []string{`err e`, `warning w`, `info i`, `debug d`, `debug t`}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint("-v×", tt.verbosity), func(t *testing.T) {
			w := &fakeSyslog{}
			log := slog.New(newSyslogHandler(w, &slog.HandlerOptions{Level: logLevel(tt.verbosity), ReplaceAttr: nameTrace}))
			log.Error("e")
			log.Warn("w")
			log.Info("i")
			log.Debug("d")
			log.Log(t.Context(), levelTrace, "t")
			// As the original's: the message alone, at the level's
			// priority; syslog adds its own time stamp.
			if got := strings.Join(w.sent, "\n"); got != strings.Join(tt.want, "\n") {
				t.Errorf("sent:\n%s\nwant:\n%s", got, strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestSyslogHandlerAttrsAndGroups(t *testing.T) {
	w := &fakeSyslog{}
	log := slog.New(newSyslogHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
	log.With("account", "work").WithGroup("req").Info("done", "time", "kept in a group", "token", secret.String("tok-123"))
	want := `info done account=work req.time="kept in a group" req.token=[redacted]`
	if len(w.sent) != 1 || w.sent[0] != want {
		t.Errorf("sent %q; want %q", w.sent, want)
	}
}

// TestSyslogHandlerConcurrent checks that handlers derived from one
// another share one buffer safely (run with -race): every record arrives
// whole.
func TestSyslogHandlerConcurrent(t *testing.T) {
	w := &fakeSyslog{}
	base := slog.New(newSyslogHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var wg sync.WaitGroup
	for i := range 8 {
		log := base.With("worker", i)
		wg.Go(func() {
			for j := range 50 {
				log.Info("message", "n", j)
			}
		})
	}
	wg.Wait()
	if len(w.sent) != 8*50 {
		t.Fatalf("sent %d records; want %d", len(w.sent), 8*50)
	}
	for _, s := range w.sent {
		if !strings.HasPrefix(s, "info message worker=") || strings.Count(s, "message") != 1 {
			t.Errorf("record garbled: %q", s)
		}
	}
}

// TestStderrFormat checks the foreground log's lines: the original's
// "LEVEL - message" (its stderrlog format, no time stamp: a service
// manager's journal adds one), then the attributes.
func TestStderrFormat(t *testing.T) {
	var b strings.Builder
	log := slog.New(newStderrHandler(&b, &slog.HandlerOptions{Level: logLevel(4), ReplaceAttr: nameTrace}))
	log.Error("e")
	log.Warn("w", "account", "work")
	log.Info("i", "err", errors.New("two words"))
	log.Debug("d")
	log.Log(t.Context(), levelTrace, "t")
	log.With("account", "work").WithGroup("req").Info("done", "token", secret.String("tok-123"))
	log.Error("line one\nline two")
	want := `ERROR - e
WARN - w account=work
INFO - i err="two words"
DEBUG - d
TRACE - t
INFO - done account=work req.token=[redacted]
ERROR - "line one\nline two"
`
	if got := b.String(); got != want {
		t.Errorf("logged:\n%s\nwant:\n%s", got, want)
	}
}
