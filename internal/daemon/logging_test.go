package daemon

import (
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
		{0, []string{`err level=ERROR msg=e`}},
		{2, []string{`err level=ERROR msg=e`, `warning level=WARN msg=w`, `info level=INFO msg=i`}},
		{4, []string{`err level=ERROR msg=e`, `warning level=WARN msg=w`, `info level=INFO msg=i`,
			`debug level=DEBUG msg=d`, `debug level=TRACE msg=t`}},
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
			// syslog adds its own time stamp: the record's is left out.
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
	want := `info level=INFO msg=done account=work req.time="kept in a group" req.token=[redacted]`
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
		if !strings.HasPrefix(s, "info level=INFO msg=message worker=") || strings.Count(s, "msg=") != 1 {
			t.Errorf("record garbled: %q", s)
		}
	}
}
