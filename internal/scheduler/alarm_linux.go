package scheduler

import (
	"context"
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// wallAlarm fires at a wall-clock time, however the machine gets there: a
// CLOCK_REALTIME timerfd with an absolute deadline expires on resume when
// the deadline passed during a suspend, and TFD_TIMER_CANCEL_ON_SET wakes
// it when the clock is set. The scheduler then needs no periodic wake-up
// at all, where a timer on the monotonic clock (which stops during
// suspend) needs the 37 s re-check.
type wallAlarm struct {
	f     *os.File // read through the runtime's poller
	fd    int
	fired chan struct{} // buffered 1
}

// newWallAlarm returns an alarm whose firings arrive on fired until ctx is
// done, or an error where timerfd is unavailable.
func newWallAlarm(ctx context.Context) (*wallAlarm, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_REALTIME, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	a := &wallAlarm{f: os.NewFile(uintptr(fd), "timerfd"), fd: fd, fired: make(chan struct{}, 1)}
	go a.read(ctx)
	context.AfterFunc(ctx, func() { a.f.Close() })
	return a, nil
}

// read forwards expiries and clock changes to fired until the file closes.
func (a *wallAlarm) read(ctx context.Context) {
	buf := make([]byte, 8)
	for {
		_, err := a.f.Read(buf)
		if err != nil && !errors.Is(err, unix.ECANCELED) {
			return // closed: ctx is done
		}
		select {
		case a.fired <- struct{}{}:
		default:
		}
	}
}

// set arms the alarm for at, replacing any earlier setting.
func (a *wallAlarm) set(at time.Time) error {
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(max(at.UnixNano(), 1))}
	return unix.TimerfdSettime(a.fd, unix.TFD_TIMER_ABSTIME|unix.TFD_TIMER_CANCEL_ON_SET, &spec, nil)
}
