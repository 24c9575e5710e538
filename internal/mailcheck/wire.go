package mailcheck

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
)

// Bounds on what a server may send: a hostile or broken one gets an error,
// never unbounded memory. (Time is bounded by the connection's deadline.)
const (
	maxLine  = 16 << 10 // bytes in one line of a response
	maxLines = 256      // lines in one response (capabilities, untagged data)
)

var (
	errLineTooLong  = fmt.Errorf("the server sent a line longer than %d bytes", maxLine)
	errTooManyLines = fmt.Errorf("the server sent more than %d lines in one response", maxLines)
)

// wire is a session's connection as the protocols see it: lines in, lines
// out, and STARTTLS. The fuzz tests replace it with a script of bytes.
type wire interface {
	readLine() (string, error)
	writeLine(s string) error
	startTLS() error
	isTLS() bool
}

// textConn is a wire over a network connection.
type textConn struct {
	lineReader
	conn   net.Conn // the plain connection, or the TLS one over it
	tlsCfg *tls.Config
	secure bool
}

func newTextConn(c net.Conn, tlsCfg *tls.Config, secure bool) *textConn {
	return &textConn{lineReader: newLineReader(c), conn: c, tlsCfg: tlsCfg, secure: secure}
}

// lineReader reads a server's lines.
type lineReader struct{ r *bufio.Reader }

func newLineReader(r io.Reader) lineReader { return lineReader{bufio.NewReaderSize(r, 4096)} }

// readLine reads one line, without its CRLF (or LF), of at most maxLine
// bytes.
func (c *lineReader) readLine() (string, error) {
	var line []byte
	for {
		chunk, err := c.r.ReadSlice('\n')
		if len(line)+len(chunk) > maxLine {
			return "", errLineTooLong
		}
		line = append(line, chunk...)
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			return "", errors.New("the server closed the connection")
		case err != nil:
			return "", err
		}
		return strings.TrimSuffix(strings.TrimSuffix(string(line), "\n"), "\r"), nil
	}
}

func (c *textConn) writeLine(s string) error {
	_, err := io.WriteString(c.conn, s+"\r\n")
	return err
}

func (c *textConn) isTLS() bool { return c.secure }

// startTLS runs the TLS handshake on the connection, after the server
// accepted the protocol's STARTTLS command. Anything the server sent after
// that answer and before the handshake is refused: it would be read as if
// it came over TLS (a STARTTLS command injection).
func (c *textConn) startTLS() error {
	if c.r.Buffered() > 0 {
		return errors.New("the server sent data after accepting STARTTLS, before the TLS handshake")
	}
	tc := tls.Client(c.conn, c.tlsCfg)
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("TLS handshake after STARTTLS: %w", err)
	}
	c.conn, c.lineReader, c.secure = tc, newLineReader(tc), true
	return nil
}
