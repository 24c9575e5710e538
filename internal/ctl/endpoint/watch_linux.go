package endpoint

import (
	"os"

	"golang.org/x/sys/unix"
)

// watchMask is what the directory watch reports: the socket or lock being
// removed or renamed away, or the directory itself going.
const watchMask = unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF

// newDirWatch starts watching dir with inotify, before Listen returns, so
// that no removal can slip past. It also returns the descriptor, for adding
// watches later. Through os.File, reads wait in the
// runtime's poller and Close unblocks them: an idle watch costs no thread
// and no timer. It returns nil where inotify is unavailable.
func newDirWatch(dir string) (*os.File, int) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, -1
	}
	if _, err := unix.InotifyAddWatch(fd, dir, watchMask); err != nil {
		unix.Close(fd)
		return nil, -1
	}
	return os.NewFile(uintptr(fd), "inotify"), fd
}

// addDirWatch adds a watch of dir to the inotify descriptor fd.
func addDirWatch(fd int, dir string) {
	unix.InotifyAddWatch(fd, dir, watchMask)
}
