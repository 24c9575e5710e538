package config

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// MaxFileSize bounds the configuration file: ten thousand accounts take
// about 2 MB, and the file is read whole at every start and reload.
const MaxFileSize = 16 << 20

// readFile reads the configuration file at path. Only a regular file (or a
// symbolic link to one) of at most MaxFileSize bytes is read: a FIFO, a
// device or a huge file planted at the path must not stall or exhaust the
// server, which re-reads the file on every reload. The file is opened
// without blocking, so that even opening a FIFO returns at once.
func readFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%q is not a regular file", path)
	}
	tooLarge := fmt.Errorf("%q is larger than %d MiB", path, MaxFileSize>>20)
	if fi.Size() > MaxFileSize {
		return nil, tooLarge
	}
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(src) > MaxFileSize {
		return nil, tooLarge // it grew while being read
	}
	return src, nil
}
