//go:build !linux

package daemon

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// protectMemory forbids core dumps, which would hold every token; systems
// other than Linux have no PR_SET_DUMPABLE.
func protectMemory() error {
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{}); err != nil {
		return fmt.Errorf("setrlimit(RLIMIT_CORE): %w", err)
	}
	return nil
}
