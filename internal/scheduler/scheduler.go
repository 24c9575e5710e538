// Package scheduler calls back when a named item's wall-clock due time
// arrives, with one timer for all items, however the machine gets there:
// across suspend and resume, and when the clock is set.
package scheduler

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// MaxSleep bounds every wait of the capped timer. Timers follow the
// monotonic clock, which stops while a machine is suspended; waking at
// least this often and comparing wall-clock due times means work that fell
// due during a suspend runs at most MaxSleep after resume (the original
// pizauth's 37 s). Where the system has a wall-clock alarm (Linux timerfd),
// Run can sleep until the next due time instead.
const MaxSleep = 37 * time.Second

// entry is a request to call back for name at time at.
type entry struct {
	at   time.Time
	name string
}

type entryHeap []entry

func (h entryHeap) Len() int           { return len(h) }
func (h entryHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h entryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *entryHeap) Push(x any)        { *h = append(*h, x.(entry)) }
func (h *entryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// Scheduler calls back when due times arrive. Entries are never removed
// early: a caller that reschedules an item recognises the stale call back
// by its time and ignores it, so rescheduling costs one O(log n) push.
type Scheduler struct {
	wallClockAlarm bool
	wake           chan struct{} // buffered 1: something earlier was scheduled

	mu      sync.Mutex // guards entries
	entries entryHeap
}

// New returns a scheduler. With wallClockAlarm, and where the system has
// one, it sleeps until the next due time on a wall-clock alarm rather than
// re-checking every MaxSleep; tests on the synctest clock leave it off.
func New(wallClockAlarm bool) *Scheduler {
	return &Scheduler{wallClockAlarm: wallClockAlarm, wake: make(chan struct{}, 1)}
}

// Schedule asks for a call back for name at time at. It never blocks.
func (s *Scheduler) Schedule(name string, at time.Time) {
	s.mu.Lock()
	heap.Push(&s.entries, entry{at: at, name: name})
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
// until the next one (capped at MaxSleep).
func (s *Scheduler) popDue(t time.Time) ([]entry, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []entry
	for len(s.entries) > 0 && !s.entries[0].at.After(t) {
		due = append(due, heap.Pop(&s.entries).(entry))
	}
	sleep := MaxSleep
	if len(s.entries) > 0 {
		sleep = min(sleep, s.entries[0].at.Sub(t))
	}
	return due, sleep
}

// Run calls fire for each entry as it falls due, one at a time and in
// order, until ctx is done.
func (s *Scheduler) Run(ctx context.Context, fire func(name string, at time.Time)) {
	var alarm *wallAlarm
	if s.wallClockAlarm {
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
		t := time.Now().Round(0) // wall clock: it runs on during a suspend
		due, sleep := s.popDue(t)
		for _, e := range due {
			fire(e.name, e.at)
		}
		if alarm != nil && alarm.set(s.next(t)) == nil {
			continue // the timer stays stopped: the alarm wakes us
		}
		timer.Reset(sleep)
	}
}

// next is when the earliest entry is due, or far in the future when there
// is none.
func (s *Scheduler) next(t time.Time) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.entries) == 0 {
		return t.Add(24 * time.Hour)
	}
	return s.entries[0].at
}
