package shellcmd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"
)

// maxCapture caps the standard output Output returns.
const maxCapture = 64 << 10

// Output runs command like [Run] and returns its standard output, which may
// be secret (an age identity, a client secret): it is never logged. Only
// the command's standard error is logged, at debug level. Output longer
// than 64 KiB is an error.
func Output(ctx context.Context, log *slog.Logger, name, command string, env []string, timeout time.Duration) ([]byte, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	environ, err := mergeEnv(os.Environ(), env)
	if err != nil {
		return nil, err
	}
	var timedOut error
	if timeout > 0 {
		timedOut = fmt.Errorf("timed out after %v", timeout)
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, timeout, timedOut)
		defer cancel()
	}
	c := newProcess(ctx, command, environ)
	var stdout capture
	c.cmd.Stdout = &stdout
	log.Debug("running command", "name", name, "command", command)
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start %q: %w", c.cmd.Path, err)
	}
	err = c.wait(ctx, timedOut)
	log.Debug("command finished", "name", name, "ok", err == nil, "stderr", c.out.String())
	switch {
	case err != nil:
		return nil, err
	case stdout.truncated:
		return nil, errors.New("output longer than 64 KiB")
	}
	return stdout.buf, nil
}

// capture keeps up to maxCapture bytes written to it.
type capture struct {
	buf       []byte
	truncated bool
}

func (c *capture) Write(p []byte) (int, error) {
	keep := p
	if room := maxCapture - len(c.buf); len(keep) > room {
		keep, c.truncated = keep[:room], true
	}
	c.buf = append(c.buf, keep...)
	return len(p), nil
}
