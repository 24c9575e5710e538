package scheduler

import (
	"context"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

func TestPopsInOrderAndCapsSleep(t *testing.T) {
	s := New(false)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.Schedule("c", t0.Add(3*time.Minute))
	s.Schedule("a", t0.Add(time.Second))
	s.Schedule("b", t0.Add(2*time.Second))
	due, sleep := s.popDue(t0.Add(2 * time.Second))
	if len(due) != 2 || due[0].name != "a" || due[1].name != "b" {
		t.Fatalf("popDue = %+v; want a then b", due)
	}
	if sleep != MaxSleep {
		t.Errorf("sleep = %v; want the %v cap (next entry is 3 minutes away)", sleep, MaxSleep)
	}
	due, sleep = s.popDue(t0.Add(2*time.Minute + 50*time.Second))
	if len(due) != 0 || sleep != 10*time.Second {
		t.Errorf("popDue = %+v, %v; want nothing due, sleep 10s", due, sleep)
	}
}

// TestRunCallsBackAtDueTimes, in order, including for entries scheduled
// while it runs and earlier than what it sleeps towards.
func TestRunCallsBackAtDueTimes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New(false)
		t0 := time.Now()
		var got []string
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.Run(ctx, func(name string, at time.Time) {
				if !time.Now().Equal(at) {
					t.Errorf("%s called back at %v; want %v", name, time.Since(t0), at.Sub(t0))
				}
				got = append(got, name)
			})
		}()
		s.Schedule("late", t0.Add(time.Hour))
		synctest.Wait()
		s.Schedule("early", t0.Add(time.Minute))
		time.Sleep(2 * time.Hour)
		cancel()
		<-done
		if want := []string{"early", "late"}; !slices.Equal(got, want) {
			t.Errorf("called back for %q; want %q", got, want)
		}
	})
}
