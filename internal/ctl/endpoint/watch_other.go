//go:build !linux

package endpoint

import "os"

// Without inotify the hourly check in keepFresh re-creates the socket.
func newDirWatch(string) (*os.File, int) { return nil, -1 }

func addDirWatch(int, string) {}
