package shellcmd

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// maxCapture caps the standard output Output returns.
const maxCapture = 64 << 10

// Output runs command like [Run] and returns its standard output, which may
// be secret (an age identity, a client secret): it is never logged. Its
// standard error is the server's, as for Run. Output longer than 64 KiB is
// an error.
func Output(ctx context.Context, log *slog.Logger, name, command string, env []string, timeout time.Duration) ([]byte, error) {
	return output(ctx, log, name, command, env, timeout, runOptions{})
}

// output is Output with the extras of o; o.stdout is replaced.
func output(ctx context.Context, log *slog.Logger, name, command string, env []string,
	timeout time.Duration, o runOptions) ([]byte, error) {
	var stdout capture
	o.stdout = &stdout
	if err := run(ctx, log, name, command, env, timeout, o); err != nil {
		return nil, err
	}
	if stdout.truncated {
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
