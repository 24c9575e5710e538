package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"syscall"
	"time"
)

const (
	defaultTimeout = 10 * time.Second
	retryWindow    = 2 * time.Second // how long a full accept queue is retried
	maxAnswer      = MaxRestore + MaxRequest
)

var errAnswerTooLarge = errors.New("answer too large")

// testHookRetry, when set, is called before each retry of a connect that
// found the accept queue full.
var testHookRetry func()

// Client sends requests to a server's control socket. The zero Timeout means
// 10 s. A Client is safe for concurrent use.
type Client struct {
	Socket  string
	Timeout time.Duration // for the whole round trip
}

// Do connects, sends req, and reads the answer. When the socket does not
// exist, nothing listens on it, the server's accept queue stays full, or the
// server closes or times out without answering, the error wraps ErrNotRunning
// and the cause. An `error:` answer is a Response, not an error.
func (c *Client) Do(ctx context.Context, req Request) (Response, error) {
	deadline := c.deadline(ctx, req.Wait)
	conn, err := dial(ctx, c.Socket, deadline)
	if err != nil {
		return Response{}, err
	}
	defer conn.Close()
	if err := conn.SetDeadline(deadline); err != nil {
		return Response{}, err
	}
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
		defer stop()
	}
	_, werr := conn.Write(req.Encode())
	if werr == nil {
		werr = conn.CloseWrite()
	}
	// Read even when the write failed: a server that refuses a request early
	// (too large) answers and closes before reading all of it.
	b, rerr := readAnswer(conn)
	if len(b) > 0 && rerr == nil {
		resp, err := DecodeResponse(b)
		if err != nil {
			return Response{}, fmt.Errorf("control socket %q: %w", c.Socket, err)
		}
		return resp, nil
	}
	if err := ctxErr(ctx); err != nil {
		return Response{}, err
	}
	if errors.Is(rerr, errAnswerTooLarge) {
		return Response{}, fmt.Errorf("control socket %q: %w", c.Socket, rerr)
	}
	if rerr == nil {
		rerr = werr
	}
	return Response{}, noAnswer(rerr)
}

// deadline is the earlier of ctx's deadline and now plus the timeout,
// extended by wait, the time the server may wait before it answers
// (showwait).
func (c *Client) deadline(ctx context.Context, wait time.Duration) time.Time {
	t := c.Timeout
	if t <= 0 {
		t = defaultTimeout
	}
	d := time.Now().Add(t + wait)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		return cd
	}
	return d
}

// ctxErr is ctx.Err(), also when ctx's deadline has passed but its timer has
// not fired yet (the connection's deadline, set from it, may fire first).
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

// dial connects to socket, retrying with backoff while the server's accept
// queue is full (EAGAIN), for at most retryWindow and never past deadline.
func dial(ctx context.Context, socket string, deadline time.Time) (*net.UnixConn, error) {
	addr := &net.UnixAddr{Name: socket, Net: "unix"}
	giveUp := time.Now().Add(retryWindow)
	if deadline.Before(giveUp) {
		giveUp = deadline
	}
	wait := time.Millisecond
	for {
		conn, err := net.DialUnix("unix", nil, addr) // a Unix connect never blocks
		if err == nil {
			return conn, nil
		}
		if !errors.Is(err, syscall.EAGAIN) || time.Now().Add(wait).After(giveUp) {
			return nil, dialError(socket, err)
		}
		if testHookRetry != nil {
			testHookRetry()
		}
		sleep(ctx, wait)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}

// dialError classifies a failed connect.
func dialError(socket string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EAGAIN):
		return fmt.Errorf("%w: %w", ErrNotRunning, err)
	case errors.Is(err, syscall.EINVAL):
		if perr := checkSocketPath(socket); perr != nil {
			return perr
		}
	}
	return err
}

// noAnswer is the error for a connection that ended without an answer.
func noAnswer(cause error) error {
	if cause == nil {
		return fmt.Errorf("%w: connection closed without an answer", ErrNotRunning)
	}
	return fmt.Errorf("%w: %w", ErrNotRunning, cause)
}

// readAnswer reads r to EOF, up to maxAnswer bytes.
func readAnswer(r io.Reader) ([]byte, error) {
	b := make([]byte, 0, 512)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if len(b) > maxAnswer {
			return nil, errAnswerTooLarge
		}
		// A server that refused a request before reading all of it has
		// closed with unread data, so after its answer (already entirely
		// queued on our side) Linux reports ECONNRESET instead of EOF.
		if err == io.EOF || (len(b) > 0 && errors.Is(err, syscall.ECONNRESET)) {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// Show asks for the account's access token (showtoken).
func (c *Client) Show(ctx context.Context, account string, withURL bool) (Response, error) {
	return c.Do(ctx, Request{Cmd: CmdShow, Account: account, WithURL: withURL})
}

// ShowWait asks for the account's token like Show, but the server waits up
// to wait for a token with at least minValid left before answering. The
// round trip's deadline is extended by wait.
func (c *Client) ShowWait(ctx context.Context, account string, withURL bool, wait, minValid time.Duration) (Response, error) {
	return c.Do(ctx, Request{Cmd: CmdShowWait, Account: account, WithURL: withURL, Wait: wait, MinValid: minValid})
}

// Refresh asks for the account's token to be refreshed.
func (c *Client) Refresh(ctx context.Context, account string, withURL bool) (Response, error) {
	return c.Do(ctx, Request{Cmd: CmdRefresh, Account: account, WithURL: withURL})
}

// Revoke asks for the account's tokens to be forgotten.
func (c *Client) Revoke(ctx context.Context, account string) (Response, error) {
	return c.Do(ctx, Request{Cmd: CmdRevoke, Account: account})
}

// Status asks for one line per account.
func (c *Client) Status(ctx context.Context) (Response, error) {
	return c.Do(ctx, Request{Cmd: CmdStatus})
}

// Reload asks the server to re-read its config file.
func (c *Client) Reload(ctx context.Context) (Response, error) {
	return c.Do(ctx, Request{Cmd: CmdReload})
}

// Shutdown asks the server to exit.
func (c *Client) Shutdown(ctx context.Context) (Response, error) {
	return c.Do(ctx, Request{Cmd: CmdShutdown})
}

// Info asks for the server's ports and HTTPS public key.
func (c *Client) Info(ctx context.Context) (Response, error) {
	return c.Do(ctx, Request{Cmd: CmdInfo})
}

// Dump asks for the token state.
func (c *Client) Dump(ctx context.Context) (Response, error) {
	return c.Do(ctx, Request{Cmd: CmdDump})
}

// Restore sends a dump to apply. A dump too large for the server to accept is
// refused here, without connecting.
func (c *Client) Restore(ctx context.Context, data []byte) (Response, error) {
	if n := len(restorePrefix) + len(data); n > MaxRestore {
		return Response{}, fmt.Errorf("dump is %d bytes; the server accepts at most %d", len(data), MaxRestore-len(restorePrefix))
	}
	return c.Do(ctx, Request{Cmd: CmdRestore, Data: data})
}
