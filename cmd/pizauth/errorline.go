package main

import "os"

// errorLine is msg as the original's logger (stderrlog) prints an error:
// "ERROR - msg", in red when standard error is a terminal that takes colour.
func errorLine(msg string, colour bool) string {
	const red, reset = "\x1b[0m\x1b[31m", "\x1b[0m"
	if colour {
		return red + "ERROR - " + msg + "\n" + reset
	}
	return "ERROR - " + msg + "\n"
}

// colourStderr reports whether errors are printed in colour, as the
// original decides: standard error is a terminal, $TERM is set and not
// "dumb", and $NO_COLOR is not set (https://no-color.org).
func colourStderr() bool {
	term := os.Getenv("TERM")
	return term != "" && term != "dumb" && os.Getenv("NO_COLOR") == "" && isTerminal(os.Stderr)
}

// isTerminal reports whether f is a terminal: a character device other than
// /dev/null. (No ioctl: the client links no more than it needs.)
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(fi, null)
}
