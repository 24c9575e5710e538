package server

import (
	"context"
	"sync"
	"time"
)

// Token events passed to token_event_cmd as PIZAUTH_EVENT.
const (
	eventNew         = "token_new"
	eventRefreshed   = "token_refreshed"
	eventInvalidated = "token_invalidated"
	eventRevoked     = "token_revoked"
)

// CommandTimeouts bound how long each kind of user command may run.
type CommandTimeouts struct {
	Notify         time.Duration // auth_notify_cmd, error_notify_cmd
	Event          time.Duration // token_event_cmd
	TransientError time.Duration // transient_error_if_cmd
}

// orDefaults is t with SPEC §7's timeouts where t has none.
func (t CommandTimeouts) orDefaults() CommandTimeouts {
	or := func(d, def time.Duration) time.Duration {
		if d > 0 {
			return d
		}
		return def
	}
	return CommandTimeouts{
		Notify:         or(t.Notify, 10*time.Second),
		Event:          or(t.Event, 10*time.Second),
		TransientError: or(t.TransientError, 3*time.Minute),
	}
}

// maxQueuedEvents bounds the event queue: a token_event_cmd that hangs until
// its timeout every time must not make the queue grow without limit.
const maxQueuedEvents = 1024

type tokenEvent struct {
	account string
	kind    string
}

// eventQueue holds token events until token_event_cmd has run for each, one
// at a time and in order.
type eventQueue struct {
	wake chan struct{} // buffered 1: the queue became non-empty

	mu      sync.Mutex // guards queue and dropped
	queue   []tokenEvent
	dropped int
}

func newEventQueue() *eventQueue {
	return &eventQueue{wake: make(chan struct{}, 1)}
}

// push queues an event; it never blocks.
func (q *eventQueue) push(account, kind string) {
	q.mu.Lock()
	if len(q.queue) >= maxQueuedEvents {
		q.queue = q.queue[1:]
		q.dropped++
	}
	q.queue = append(q.queue, tokenEvent{account: account, kind: kind})
	q.mu.Unlock()
	wake(q.wake)
}

// emitLocked records a token event: token_event_cmd hears of it, in order,
// and so does persist_file's writer.
func (s *Server) emitLocked(account, kind string) {
	s.events.push(account, kind)
	s.tokenChangedLocked(account, kind)
}

// wake makes a non-blocking send on a channel buffered 1.
func wake(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// next takes the oldest event and the number dropped since the last call.
func (q *eventQueue) next() (e tokenEvent, dropped int, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	dropped, q.dropped = q.dropped, 0
	if len(q.queue) == 0 {
		return tokenEvent{}, dropped, false
	}
	e = q.queue[0]
	q.queue = q.queue[1:]
	return e, dropped, true
}

// run delivers events one at a time until ctx is done.
func (q *eventQueue) run(ctx context.Context, deliver func(context.Context, tokenEvent, int)) {
	for {
		e, dropped, ok := q.next()
		if ok {
			deliver(ctx, e, dropped)
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-q.wake:
		}
	}
}

// deliverEvent runs token_event_cmd for e.
func (s *Server) deliverEvent(ctx context.Context, e tokenEvent, dropped int) {
	if dropped > 0 {
		s.log.Warn("token events dropped: token_event_cmd is too slow", "dropped", dropped)
	}
	s.mu.Lock()
	cmd := s.cfg.TokenEventCmd
	s.mu.Unlock()
	if cmd == "" {
		s.log.Debug("token event", "account", e.account, "event", e.kind)
		return
	}
	env := []string{"PIZAUTH_ACCOUNT=" + e.account, "PIZAUTH_EVENT=" + e.kind}
	if err := s.runCommand(ctx, s.log, "token_event_cmd", cmd, env, s.timeouts.Event); err != nil {
		s.log.Warn("token_event_cmd failed", "account", e.account, "event", e.kind, "err", err)
	}
}
