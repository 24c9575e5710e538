package server

import (
	"testing"
	"time"
)

func TestRefreshAt(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name            string
		lifetime        time.Duration
		before, atLeast time.Duration
		want            time.Duration // after t0
	}{
		{"expiry minus before", time.Hour, 90 * time.Second, 90 * time.Minute, time.Hour - 90*time.Second},
		{"at least wins for long tokens", 3 * time.Hour, 90 * time.Second, 90 * time.Minute, 90 * time.Minute},
		{"before equals lifetime: half", 90 * time.Second, 90 * time.Second, 90 * time.Minute, 45 * time.Second},
		{"before exceeds lifetime: half", time.Minute, 90 * time.Second, 90 * time.Minute, 30 * time.Second},
		{"zero before: at expiry", time.Second, 0, 90 * time.Minute, time.Second},
		{"tiny token: floor", time.Second, 90 * time.Second, 90 * time.Minute, minRefreshDelay},
		{"per-account override", 2 * time.Hour, 10 * time.Minute, 30 * time.Minute, 30 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := refreshAt(t0, t0.Add(tt.lifetime), tt.before, tt.atLeast).Sub(t0)
			if got != tt.want {
				t.Errorf("refreshAt(lifetime %v, before %v, at least %v) = t0+%v; want t0+%v", tt.lifetime, tt.before, tt.atLeast, got, tt.want)
			}
		})
	}
}

func TestSchedulerPopsInOrderAndCapsSleep(t *testing.T) {
	s := newScheduler()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.schedule("c", t0.Add(3*time.Minute))
	s.schedule("a", t0.Add(time.Second))
	s.schedule("b", t0.Add(2*time.Second))
	due, sleep := s.popDue(t0.Add(2 * time.Second))
	if len(due) != 2 || due[0].name != "a" || due[1].name != "b" {
		t.Fatalf("popDue = %+v; want a then b", due)
	}
	if sleep != maxSleep {
		t.Errorf("sleep = %v; want the %v cap (next entry is 3 minutes away)", sleep, maxSleep)
	}
	due, sleep = s.popDue(t0.Add(2*time.Minute + 50*time.Second))
	if len(due) != 0 || sleep != 10*time.Second {
		t.Errorf("popDue = %+v, %v; want nothing due, sleep 10s", due, sleep)
	}
}
