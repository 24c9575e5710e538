package hooks

import (
	"context"
	"sync"
)

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

// TokenEvent queues an event for token_event_cmd, as PIZAUTH_EVENT; it
// never blocks. The oldest events are dropped when too many wait.
func (h *Hooks) TokenEvent(account, kind string) {
	q := h.events
	q.mu.Lock()
	if len(q.queue) >= maxQueuedEvents {
		q.queue = q.queue[1:]
		q.dropped++
	}
	q.queue = append(q.queue, tokenEvent{account: account, kind: kind})
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
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

// Deliver runs token_event_cmd for each queued event, one at a time, until
// ctx is done.
func (h *Hooks) Deliver(ctx context.Context) {
	for {
		e, dropped, ok := h.events.next()
		if ok {
			h.deliver(ctx, e, dropped)
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-h.events.wake:
		}
	}
}

// deliver runs token_event_cmd for e.
func (h *Hooks) deliver(ctx context.Context, e tokenEvent, dropped int) {
	if dropped > 0 {
		h.log.Warn("token events dropped: token_event_cmd is too slow", "dropped", dropped)
	}
	cmd := h.eventCmd()
	if cmd == "" {
		h.log.Debug("token event", "account", e.account, "event", e.kind)
		return
	}
	env := []string{"PIZAUTH_ACCOUNT=" + e.account, "PIZAUTH_EVENT=" + e.kind}
	if err := h.run(ctx, h.log, "token_event_cmd", cmd, env, h.timeouts.Event); err != nil {
		h.log.Warn("token_event_cmd failed", "account", e.account, "event", e.kind, "err", err)
	}
}
