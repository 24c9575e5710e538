package server

import (
	"context"
)

// startDiscoveryLocked discovers a's endpoints before authorising it; see
// prepareThenAuthoriseLocked.
func (s *Server) startDiscoveryLocked(a *account) error {
	ac := a.cfg
	return s.prepareThenAuthoriseLocked(a, func(ctx context.Context) (func(), error) {
		return nil, s.provider.DiscoverRetrying(ctx, ac)
	})
}
