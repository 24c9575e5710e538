//go:build !linux

package scheduler

import (
	"context"
	"errors"
	"time"
)

// wallAlarm is Linux's timerfd; elsewhere the scheduler keeps its capped
// monotonic timer.
type wallAlarm struct{ fired chan struct{} }

func newWallAlarm(context.Context) (*wallAlarm, error) {
	return nil, errors.New("no wall-clock alarm on this system")
}

func (a *wallAlarm) set(time.Time) error { return errors.New("unreachable") }
