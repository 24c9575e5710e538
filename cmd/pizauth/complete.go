package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/getopt"
)

// cmdComplete finishes a login whose browser could not reach the server's
// listener: `pizauth complete ACCOUNT [ADDRESS]` hands the server the
// address the browser was sent to after the login, given as the operand or
// on standard input (out of the shell's history and ps), and succeeds once
// the server holds the token.
func cmdComplete(p getopt.Args) error {
	account := p.Operands[0]
	var address string
	if len(p.Operands) > 1 {
		address = p.Operands[1]
	} else {
		var err error
		if address, err = readAddress(os.Stdin, isTerminal(os.Stdin)); err != nil {
			return err
		}
	}
	address = withoutSpace(address)
	if address == "" {
		return errors.New("complete: no address: give the address your browser was sent to after the login, " +
			"as the second operand or on standard input")
	}
	req, err := ctl.CompleteRequest(account, address)
	if err != nil {
		return err
	}
	// No auto-start: a server started now has no request to complete.
	_, err = requestStarting(req, false)
	return err
}

// readAddress reads the address from r: from a terminal, the line the user
// pastes after a prompt; otherwise all of r. Either way at most
// ctl.MaxComplete bytes are read.
func readAddress(r io.Reader, terminal bool) (string, error) {
	lr := io.LimitReader(r, ctl.MaxComplete+1)
	var b []byte
	var err error
	if terminal {
		fmt.Fprintln(os.Stderr, "Paste the address your browser was sent to after the login, then press Enter:")
		b, err = bufio.NewReader(lr).ReadBytes('\n')
		if err == io.EOF {
			err = nil
		}
	} else {
		b, err = io.ReadAll(lr)
	}
	if err != nil {
		return "", fmt.Errorf("reading the address from standard input: %w", err)
	}
	if len(b) > ctl.MaxComplete {
		return "", fmt.Errorf("the address on standard input is longer than %d bytes", ctl.MaxComplete)
	}
	return string(b), nil
}

// withoutSpace removes the white space a paste may add (a line break where
// a terminal wrapped a long address, the final newline): an address has
// none of its own.
func withoutSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
