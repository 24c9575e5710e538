package ctl

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/pizauth-go/pizauth/internal/paths"
)

// checkServer makes sure that the server at the other end of fd, connected
// to c.Socket, is the user's own before anything is sent to it: requests
// carry dumps (whose key is public), and answers are tokens and URLs that
// the user trusts. When $XDG_RUNTIME_DIR is unset the runtime directory is
// under a shared /tmp, where another user can create it first and listen
// there; the server refuses such a directory, and so must the client.
//
// The runtime directory (and its runtime-$USER parent) must belong to the
// user and be writable by nobody else, the socket file must belong to the
// user, and the process that made the socket listen must run as the user
// (peer credentials). With socket activation that process is the user's
// service manager, which is the user too.
func (c *Client) checkServer(fd int) error {
	uid := os.Getuid()
	dir := filepath.Dir(c.Socket)
	if err := paths.CheckRuntimeDir(dir); err != nil {
		return untrusted(c.Socket, err, "remove that directory (or set $XDG_RUNTIME_DIR to a directory of your own), then start the server again")
	}
	if err := checkSocketFile(c.Socket, uid); err != nil {
		return untrusted(c.Socket, err, "remove the socket file, then start the server again")
	}
	peer, _, err := PeerCred(fd)
	if err != nil {
		return fmt.Errorf("control socket %q: cannot tell who the server runs as: %w", c.Socket, err)
	}
	if peer != uid {
		return untrusted(c.Socket, fmt.Errorf("the server listening on it runs as uid %d, not as uid %d", peer, uid),
			fmt.Sprintf("remove %q, then start the server again", dir))
	}
	return nil
}

// untrusted is the error for a control socket that another user may control.
func untrusted(socket string, why error, todo string) error {
	return fmt.Errorf("refusing to use control socket %q: %w: another user may be impersonating the pizauth server to collect your tokens, so nothing was sent; %s", socket, why, todo)
}

// checkSocketFile refuses a socket file that is not a socket of uid. A file
// already gone (the server is stopping) passes: the peer check remains.
func checkSocketFile(path string, uid int) error {
	var st syscall.Stat_t
	switch err := syscall.Lstat(path, &st); {
	case err == syscall.ENOENT:
		return nil
	case err != nil:
		return err
	case st.Mode&syscall.S_IFMT != syscall.S_IFSOCK:
		return errors.New("it is not a socket")
	case int(st.Uid) != uid:
		return fmt.Errorf("it is owned by uid %d, not by uid %d", st.Uid, uid)
	}
	return nil
}
