package shellcmd

import (
	"errors"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// Linux constants not in package syscall.
const (
	prSetChildSubreaper = 36 // prctl(2)
	pPGID               = 2  // waitid(2) idtype
	wEXITED             = 4  // waitid(2) option
)

// becomeSubreaper makes the test process adopt the orphans of the
// commands it runs, so that checkGroupGone can reap them itself instead of
// waiting for init to.
func becomeSubreaper(t *testing.T) {
	t.Helper()
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); e != 0 {
		t.Fatalf("prctl(PR_SET_CHILD_SUBREAPER): %v", e)
	}
}

// checkGroupGone waits until every process of the group pgid, each now a
// child of the test process, has exited and been reaped, then checks that
// the group no longer exists. A survivor makes the test fail after guard.
func checkGroupGone(t *testing.T, pgid int) {
	t.Helper()
	if pgid <= 0 {
		t.Fatalf("no process group id")
	}
	done := make(chan error, 1)
	go func() { done <- reapGroup(pgid) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("waitid: %v", err)
		}
	case <-time.After(guard):
		t.Fatalf("process group %d survived", pgid)
	}
	if err := syscall.Kill(-pgid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("kill(-%d, 0) = %v; want ESRCH", pgid, err)
	}
}

// reapGroup waits for the children of the process group pgid until none
// is left.
func reapGroup(pgid int) error {
	var info [128]byte // siginfo_t
	for {
		_, _, e := syscall.Syscall6(syscall.SYS_WAITID, pPGID, uintptr(pgid),
			uintptr(unsafe.Pointer(&info)), wEXITED, 0, 0)
		switch e {
		case 0, syscall.EINTR:
		case syscall.ECHILD:
			return nil
		default:
			return e
		}
	}
}

// killGroup kills and reaps what is left of the group pgid.
func killGroup(t *testing.T, pgid int) {
	t.Helper()
	if pgid > 0 {
		syscall.Kill(-pgid, syscall.SIGKILL)
		checkGroupGone(t, pgid)
	}
}
