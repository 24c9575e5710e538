package daemon

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// protectMemory forbids core dumps, ptrace and reading /proc/PID/environ
// for other processes of the same user: the server holds every token in
// memory.
func protectMemory() error {
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl(PR_SET_DUMPABLE): %w", err)
	}
	return nil
}
