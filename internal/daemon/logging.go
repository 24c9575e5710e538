package daemon

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"log/syslog"
	"os"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
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
// (falling back to stderr, i.e. /dev/null, when syslog is unavailable), in
// the original's formats: "LEVEL - message" on stderr, the message alone in
// syslog (facility user, identity pizauth), each followed by its attributes.
func newLogger(verbosity int, detached bool) (*slog.Logger, func()) {
	opts := &slog.HandlerOptions{Level: logLevel(verbosity), ReplaceAttr: nameTrace}
	if detached {
		if w, err := syslog.New(syslog.LOG_USER|syslog.LOG_INFO, "pizauth"); err == nil {
			return slog.New(newSyslogHandler(w, opts)), func() { w.Close() }
		}
	}
	return slog.New(newStderrHandler(os.Stderr, opts)), func() {}
}

// syslogWriter is what a syslog handler writes to; *syslog.Writer
// implements it.
type syslogWriter interface {
	Err(msg string) error
	Warning(msg string) error
	Info(msg string) error
	Debug(msg string) error
}

// newSyslogHandler sends each record to w, with the priority of its level.
func newSyslogHandler(w syslogWriter, opts *slog.HandlerOptions) *lineHandler {
	return newLineHandler(opts, func(l slog.Level, line string) error {
		switch {
		case l >= slog.LevelError:
			return w.Err(line)
		case l >= slog.LevelWarn:
			return w.Warning(line)
		case l >= slog.LevelInfo:
			return w.Info(line)
		}
		return w.Debug(line)
	})
}

// newStderrHandler writes each record to w as one "LEVEL - message" line,
// as the original's stderrlog does.
func newStderrHandler(w io.Writer, opts *slog.HandlerOptions) *lineHandler {
	return newLineHandler(opts, func(l slog.Level, line string) error {
		_, err := io.WriteString(w, levelName(l, opts)+" - "+line+"\n")
		return err
	})
}

// levelName is how the original names a level: ERROR, WARN, INFO, DEBUG,
// TRACE.
func levelName(l slog.Level, opts *slog.HandlerOptions) string {
	a := slog.Any(slog.LevelKey, l)
	if opts.ReplaceAttr != nil {
		a = opts.ReplaceAttr(nil, a)
	}
	return a.Value.String()
}

// lineHandler formats a record as its message followed by its attributes
// (as slog's text handler writes them) and hands the line to write.
type lineHandler struct {
	attrs slog.Handler // writes the attributes alone to out.buf
	out   *lineOutput
}

// lineOutput is shared by a handler and those derived from it.
type lineOutput struct {
	mu    sync.Mutex // guards buf and serialises writes
	buf   bytes.Buffer
	write func(slog.Level, string) error
}

func newLineHandler(opts *slog.HandlerOptions, write func(slog.Level, string) error) *lineHandler {
	out := &lineOutput{write: write}
	o := *opts
	o.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey) {
			return slog.Attr{}
		}
		if opts.ReplaceAttr != nil {
			return opts.ReplaceAttr(groups, a)
		}
		return a
	}
	return &lineHandler{attrs: slog.NewTextHandler(&out.buf, &o), out: out}
}

func (h *lineHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.attrs.Enabled(ctx, l)
}

func (h *lineHandler) Handle(ctx context.Context, r slog.Record) error {
	h.out.mu.Lock()
	defer h.out.mu.Unlock()
	h.out.buf.Reset()
	if err := h.attrs.Handle(ctx, r); err != nil {
		return err
	}
	line := printable(r.Message)
	if attrs := strings.TrimSuffix(h.out.buf.String(), "\n"); attrs != "" {
		line += " " + attrs
	}
	return h.out.write(r.Level, line)
}

func (h *lineHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &lineHandler{attrs: h.attrs.WithAttrs(as), out: h.out}
}

func (h *lineHandler) WithGroup(name string) slog.Handler {
	return &lineHandler{attrs: h.attrs.WithGroup(name), out: h.out}
}

// printable is msg as it is, or quoted when it holds control characters or
// invalid UTF-8, so that one record stays one line.
func printable(msg string) string {
	if !utf8.ValidString(msg) || strings.IndexFunc(msg, unicode.IsControl) >= 0 {
		return strconv.Quote(msg)
	}
	return msg
}
