# shellcheck shell=bash
# Shared by scripts/dist and scripts/deb (sourced, not run): the version,
# the timestamp and the build flags that make a package's bytes depend only
# on the source, VERSION, SOURCE_DATE_EPOCH and the Go toolchain.

export LC_ALL=C
GO=${GO:-go}

# in_checkout says whether the current directory, the source's top, is the
# top of a git checkout (not a tarball unpacked inside some other one).
in_checkout() {
	[ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$(pwd -P)" ]
}

# package_version prints VERSION, else `git describe` (e.g. 1.2.0,
# 1.2.0-3-gabcdef0, 1.2.0-dirty, or a bare commit before the first tag),
# else "devel"; without the v of a tag such as v1.2.0. It goes into file
# names and -ldflags, so it is checked.
package_version() {
	local v=${VERSION:-}
	if [ -z "$v" ]; then
		in_checkout && v=$(git describe --tags --always --dirty 2>/dev/null) || v=devel
	fi
	[[ $v =~ ^v[0-9] ]] && v=${v#v}
	if ! [[ $v =~ ^[0-9A-Za-z][0-9A-Za-z.+~_-]*$ ]] || [ ${#v} -gt 64 ]; then
		echo "$0: VERSION $(printf %q "$v") is not a version (letters, digits and . + ~ _ -, at most 64)" >&2
		return 1
	fi
	printf '%s\n' "$v"
}

# package_epoch prints SOURCE_DATE_EPOCH (https://reproducible-builds.org),
# else the last commit's time: every file's mtime in a package. Outside a
# git checkout (a source tarball) without it, 0, which still gives the same
# bytes each time, but not those of a checkout: say so.
package_epoch() {
	local t=${SOURCE_DATE_EPOCH:-}
	if [ -z "$t" ] && ! { in_checkout && t=$(git log -1 --format=%ct 2>/dev/null); }; then
		echo "$0: no git history and no SOURCE_DATE_EPOCH: dating every file 1970-01-01" >&2
		t=0
	fi
	if ! [[ $t =~ ^[0-9]+$ ]]; then
		echo "$0: SOURCE_DATE_EPOCH $(printf %q "$t") is not a number of seconds" >&2
		return 1
	fi
	printf '%s\n' "$t"
}

# package_build OUTDIR GOOS GOARCH VERSION builds pizauth and pizauth-server
# into OUTDIR: static (no cgo), stripped, without the build's paths
# (-trimpath) or VCS state (-buildvcs=false, so a checkout, a tarball and a
# dirty tree build alike), for the baseline CPU of the architecture whatever
# the environment says.
package_build() {
	CGO_ENABLED=0 GOOS=$2 GOARCH=$3 GOAMD64=v1 GOARM64=v8.0 GOFLAGS='' \
		"$GO" build -trimpath -buildvcs=false \
		-ldflags "-s -w -buildid= -X github.com/pizauth-go/pizauth/internal/version.override=$4" \
		-o "$1/" ./cmd/pizauth ./cmd/pizauth-server
}
