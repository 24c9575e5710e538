package endpoint

import (
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/coreos/go-systemd/v22/activation"
)

// ClaimOrInherit returns a Dir on the listening socket the service manager
// passed (systemd socket activation: LISTEN_FDS and LISTEN_PID), or, when it
// passed none, on a socket Claim creates in dir. Either way the Dir holds
// dir's lock. The activation variables are removed from the environment, so
// that the user's commands do not inherit them.
func ClaimOrInherit(dir string) (d *Dir, inherited bool, err error) {
	files := activation.Files(true)
	if len(files) == 0 {
		d, err := Claim(dir)
		return d, false, err
	}
	for _, f := range files[1:] {
		f.Close() // pizauth.socket passes one socket; ignore the rest
	}
	d, err = ClaimInherited(files[0], dir)
	return d, true, err
}

// ClaimInherited returns a Dir on f, a listening Unix stream socket created
// by someone else (systemd's pizauth.socket). It takes dir's lock like
// Claim, and its Keep re-creates the socket like Claim's if the file is
// removed; but Close leaves the socket file it did not create in place. f
// is closed in every case.
func ClaimInherited(f *os.File, dir string) (*Dir, error) {
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
		path = socketIn(dir) // unnamed or abstract
	}
	ln.SetUnlinkOnClose(false)
	lock, err := lockDir(dir, stoppingWait)
	if err != nil {
		ln.Close()
		return nil, err
	}
	fi, _ := os.Lstat(path) // nil when there is no such file
	d := &Dir{path: path, ln: ln, sock: fi, inherited: fi, lock: lock}
	d.watch, d.watchFD = newDirWatch(dir)
	return d, nil
}
