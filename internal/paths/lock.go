package paths

import (
	"os"
	"strconv"
	"strings"
)

// maxLockContent bounds what LockHolder reads: a pid and a line break.
const maxLockContent = 32

// LockHolder returns the pid that the server holding the lock file f (at
// LockName) wrote in it; ok is false when f is nil, not a regular file, or
// holds no pid. Whether the lock is still held is the caller's to check.
func LockHolder(f *os.File) (pid int, ok bool) {
	if f == nil {
		return 0, false
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return 0, false
	}
	var b [maxLockContent]byte
	n, _ := f.ReadAt(b[:], 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n])))
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, true
}
