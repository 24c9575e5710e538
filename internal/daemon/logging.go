package daemon

import (
	"bytes"
	"context"
	"log/slog"
	"log/syslog"
	"os"
	"sync"
)

// levelTrace is the level of -vvvv.
const levelTrace = slog.LevelDebug - 4

// logLevel maps the number of -v to a level: error, warn, info, debug, trace.
func logLevel(verbosity int) slog.Level {
	levels := []slog.Level{slog.LevelError, slog.LevelWarn, slog.LevelInfo, slog.LevelDebug, levelTrace}
	return levels[min(max(verbosity, 0), len(levels)-1)]
}

// nameTrace is a slog.HandlerOptions.ReplaceAttr that shows levelTrace as
// TRACE rather than DEBUG-4.
func nameTrace(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.LevelKey && a.Value.Any() == levelTrace {
		return slog.String(slog.LevelKey, "TRACE")
	}
	return a
}

// newLogger logs to stderr in the foreground and to syslog when detached
// (falling back to stderr, i.e. /dev/null, when syslog is unavailable).
func newLogger(verbosity int, detached bool) (*slog.Logger, func()) {
	opts := &slog.HandlerOptions{Level: logLevel(verbosity), ReplaceAttr: nameTrace}
	if detached {
		if w, err := syslog.New(syslog.LOG_DAEMON|syslog.LOG_INFO, "pizauth"); err == nil {
			return slog.New(newSyslogHandler(w, opts)), func() { w.Close() }
		}
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts)), func() {}
}

// syslogHandler formats records as text and sends each to syslog with the
// priority of its level.
type syslogHandler struct {
	text slog.Handler
	out  *syslogOutput
}

// syslogWriter is what a syslogHandler writes to; *syslog.Writer
// implements it.
type syslogWriter interface {
	Err(msg string) error
	Warning(msg string) error
	Info(msg string) error
	Debug(msg string) error
}

// syslogOutput is shared by a handler and those derived from it.
type syslogOutput struct {
	mu  sync.Mutex // guards buf and serialises writes
	buf bytes.Buffer
	w   syslogWriter
}

func newSyslogHandler(w syslogWriter, opts *slog.HandlerOptions) *syslogHandler {
	out := &syslogOutput{w: w}
	// syslog adds its own timestamp.
	o := *opts
	o.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		if opts.ReplaceAttr != nil {
			return opts.ReplaceAttr(groups, a)
		}
		return a
	}
	return &syslogHandler{text: slog.NewTextHandler(&out.buf, &o), out: out}
}

func (h *syslogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.text.Enabled(ctx, l)
}

func (h *syslogHandler) Handle(ctx context.Context, r slog.Record) error {
	h.out.mu.Lock()
	defer h.out.mu.Unlock()
	h.out.buf.Reset()
	if err := h.text.Handle(ctx, r); err != nil {
		return err
	}
	msg := h.out.buf.String()
	switch {
	case r.Level >= slog.LevelError:
		return h.out.w.Err(msg)
	case r.Level >= slog.LevelWarn:
		return h.out.w.Warning(msg)
	case r.Level >= slog.LevelInfo:
		return h.out.w.Info(msg)
	}
	return h.out.w.Debug(msg)
}

func (h *syslogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &syslogHandler{text: h.text.WithAttrs(as), out: h.out}
}

func (h *syslogHandler) WithGroup(name string) slog.Handler {
	return &syslogHandler{text: h.text.WithGroup(name), out: h.out}
}
