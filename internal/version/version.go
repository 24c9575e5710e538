// Package version says which pizauth this is, for `--version` and `info`.
package version

import "runtime/debug"

// override may be set at link time:
// -ldflags "-X github.com/pizauth-go/pizauth/internal/version.override=1.2.3".
var override string

// String is this program's version: the link-time override, else the module
// version from the build information, else "devel".
func String() string {
	if override != "" {
		return override
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
