package control

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/dump"
)

// dump answers with every active token, sealed (see package dump).
func (h *Handler) dump() ctl.Response {
	b, err := dump.Encode(h.o.Accounts.Snapshot())
	if err != nil {
		return errorf("dump: %v", err)
	}
	return ok(string(b))
}

// largeRestore is the size of a restore after which the server collects
// its garbage and returns it to the OS at once: the daemon's GC tuning
// (internal/daemon/gctune.go) would otherwise keep the decoded copies
// mapped until the heap grows again.
const largeRestore = 1 << 20

// restore applies a dump: per account, only when the dumped security
// settings equal the running ones and the running account has no active
// token. A damaged dump changes nothing. Restores run one at a time, so
// that concurrent ones cost no more memory than one; one whose client hung
// up while it waited for its turn stops.
func (h *Handler) restore(ctx context.Context, data []byte) ctl.Response {
	select {
	case h.restoreTurn <- struct{}{}:
		defer func() { <-h.restoreTurn }()
	case <-ctx.Done():
		return errorf("restore abandoned: %v", context.Cause(ctx))
	}
	if len(data) >= largeRestore {
		defer debug.FreeOSMemory()
	}
	// Only the tokens of configured accounts (the first of each) are
	// kept: the rest could never be restored.
	tokens, err := dump.DecodeNamed(data, h.o.Accounts.Names())
	if err != nil {
		return errorf("restore: %v", err)
	}
	return ok(fmt.Sprint(h.o.Accounts.Restore(tokens)))
}
