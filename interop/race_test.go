//go:build race

package interop

// buildFlags builds pizauth with the race detector when the tests run with it.
var buildFlags = []string{"-race"}
