package listen

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"github.com/coreos/go-systemd/v22/activation"

	"github.com/pizauth-go/pizauth/internal/paths"
)

// ListenOrInherit returns a Listener on the listening socket the service
// manager passed (systemd socket activation: LISTEN_FDS and LISTEN_PID),
// or, when it passed none, on a socket Listen creates in dir. Either way
// the Listener holds dir's lock. The activation variables are removed from
// the environment, so that the user's commands do not inherit them.
func ListenOrInherit(dir string) (l *Listener, inherited bool, err error) {
	files := activation.Files(true)
	if len(files) == 0 {
		l, err := Listen(dir)
		return l, false, err
	}
	for _, f := range files[1:] {
		f.Close() // pizauth.socket passes one socket; ignore the rest
	}
	l, err = FileListener(files[0], dir)
	return l, true, err
}

// FileListener returns a Listener on f, a listening Unix stream socket
// created by someone else (systemd's pizauth.socket). It takes dir's lock
// like Listen, checks peers' uids like Listen, and re-creates the socket
// like Listen if the file is removed; but Close leaves the socket file it
// did not create in place. f is closed in every case.
func FileListener(f *os.File, dir string) (*Listener, error) {
	defer f.Close()
	fl, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("inherited control socket: %w", err)
	}
	ln, ok := fl.(*net.UnixListener)
	if !ok {
		fl.Close()
		return nil, errors.New("inherited control socket is not a Unix socket: check ListenStream= in pizauth.socket")
	}
	path := ln.Addr().String()
	if path == "" || path[0] == '@' {
		path = filepath.Join(dir, paths.SocketName) // unnamed or abstract
	}
	ln.SetUnlinkOnClose(false)
	lock, err := lockDir(dir)
	if err != nil {
		ln.Close()
		return nil, err
	}
	fi, _ := os.Lstat(path) // nil when there is no such file
	l := &Listener{
		path: path, ln: ln, sock: fi, inherited: fi, lock: lock,
		readTimeout: ioTimeout, writeTimeout: ioTimeout, maxConns: maxConns, maxWaits: maxWaits,
		busyAfter: busyAfter, touchEvery: touchEvery,
	}
	l.watch, l.watchFD = newDirWatch(dir)
	return l, nil
}
