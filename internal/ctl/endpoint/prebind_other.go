//go:build !linux

package endpoint

// preBind does nothing here: the BSDs ignore a socket's mode at bind, and
// Listen chmods the socket file before accepting.
func preBind(int) {}
