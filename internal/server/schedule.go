package server

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// maxSleep bounds every wait of the scheduler. Timers follow the monotonic
// clock, which stops while a machine is suspended; waking at least this often
// and comparing wall-clock deadlines means work that fell due during a
// suspend runs at most maxSleep after resume (the original's 37 s).
const maxSleep = 37 * time.Second

// dueEntry is a request to look at an account at a time.
type dueEntry struct {
	at   time.Time
	name string
}

type dueHeap []dueEntry

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h dueHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *dueHeap) Push(x any)        { *h = append(*h, x.(dueEntry)) }
func (h *dueHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// scheduler wakes the server when an account's due time arrives, with one
// timer for all accounts. Entries are never removed early: a stale entry (the
// account's due time changed since) is recognised and ignored by the server,
// so rescheduling costs one O(log n) push.
type scheduler struct {
	wake chan struct{} // buffered 1: something earlier was scheduled

	mu      sync.Mutex // guards entries
	entries dueHeap
}

func newScheduler() *scheduler {
	return &scheduler{wake: make(chan struct{}, 1)}
}

// schedule asks for fire(name, at) at time at.
func (s *scheduler) schedule(name string, at time.Time) {
	s.mu.Lock()
	heap.Push(&s.entries, dueEntry{at: at, name: name})
	first := s.entries[0].name == name && s.entries[0].at.Equal(at)
	s.mu.Unlock()
	if first {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// popDue removes and returns the entries due at t, and how long to sleep
// until the next one (capped at maxSleep).
func (s *scheduler) popDue(t time.Time) ([]dueEntry, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []dueEntry
	for len(s.entries) > 0 && !s.entries[0].at.After(t) {
		due = append(due, heap.Pop(&s.entries).(dueEntry))
	}
	sleep := maxSleep
	if len(s.entries) > 0 {
		sleep = min(sleep, s.entries[0].at.Sub(t))
	}
	return due, sleep
}

// run calls fire for each entry as it falls due until ctx is done. With
// useAlarm, and where the system has one, a wall-clock alarm replaces the
// capped monotonic timer, so an idle server sleeps until its next due time.
func (s *scheduler) run(ctx context.Context, fire func(dueEntry), useAlarm bool) {
	var alarm *wallAlarm
	if useAlarm {
		alarm, _ = newWallAlarm(ctx) // nil: keep the capped timer
	}
	var fired <-chan struct{}
	if alarm != nil {
		fired = alarm.fired
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-fired:
		case <-s.wake:
		}
		t := now()
		due, sleep := s.popDue(t)
		for _, e := range due {
			fire(e)
		}
		if alarm != nil && alarm.set(s.next(t)) == nil {
			continue // the timer stays stopped: the alarm wakes us
		}
		timer.Reset(sleep)
	}
}

// next is when the earliest entry is due, or far in the future when there
// is none.
func (s *scheduler) next(t time.Time) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.entries) == 0 {
		return t.Add(24 * time.Hour)
	}
	return s.entries[0].at
}

// refreshAt is when a token obtained at obtained and expiring at expiry
// should be refreshed: the earlier of expiry-before and obtained+atLeast.
// When before covers the token's whole lifetime, expiry-before would be at
// or before obtained and every fresh token would be refreshed at once, again
// and again; half the lifetime is used instead.
func refreshAt(obtained, expiry time.Time, before, atLeast time.Duration) time.Time {
	lifetime := expiry.Sub(obtained)
	byExpiry := expiry.Add(-before)
	if before >= lifetime {
		byExpiry = obtained.Add(lifetime / 2)
	}
	t := obtained.Add(atLeast)
	if byExpiry.Before(t) {
		t = byExpiry
	}
	// A provider that hands out tokens living a second or less must not
	// turn the refresher into a busy loop.
	if floor := obtained.Add(minRefreshDelay); t.Before(floor) {
		t = floor
	}
	return t
}

// minRefreshDelay is the shortest time between obtaining a token and
// refreshing it.
const minRefreshDelay = time.Second
