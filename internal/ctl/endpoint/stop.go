package endpoint

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// A server takes a few seconds to stop (it waits up to 5 s for work in
// progress), and holds its lock until it has: it may still be revoking a
// token, or writing persist_file. A server started meanwhile (`pizauth
// shutdown; pizauth server`, or auto-start) must neither run beside it nor
// fail as "already running" because it came a moment too early. A
// stopping server removes its socket at once (Stopping), so a lock held
// without a socket beside it is one about to be released, and Claim waits
// for it.

// stoppingWait bounds how long Claim waits for a lock held without a
// socket: longer than a server takes to stop, shorter than auto-start
// waits for the server it starts (10 s).
const stoppingWait = 8 * time.Second

// Stopping tells the clients and servers that come next that this server is
// stopping, before it finishes what is in progress and calls Close: it
// stops listening and removes its socket file, so that a new client finds
// no server (and auto-start starts one) instead of one that will never
// answer, and a server starting meanwhile waits for Close instead of
// failing. Connections already accepted are served to their end. The
// socket of a service manager (socket activation) stays. Stopping is
// idempotent.
func (d *Dir) Stopping() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed || d.stopping {
		return nil
	}
	d.stopping = true
	return errors.Join(d.removeSocketLocked(), d.ln.Close())
}

// lockUnlessServing takes an exclusive flock on f, the lock file of the
// socket at sock. While another process holds it without a socket file at
// sock (it is stopping, or starting and about to listen), it tries again,
// for up to wait. A holder with a socket makes it fail at once with
// EWOULDBLOCK, as does one still there after wait.
func lockUnlessServing(f *os.File, sock string, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for poll := time.Millisecond; ; poll = min(2*poll, 50*time.Millisecond) {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if !errors.Is(err, unix.EWOULDBLOCK) {
			return err
		}
		if _, serr := os.Lstat(sock); serr == nil || time.Until(deadline) < poll {
			return err
		}
		// Neither the holder's exit nor its listening gives an event to
		// wait for; both come soon, so a few polls cost nothing.
		time.Sleep(poll)
	}
}
