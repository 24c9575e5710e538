package server

// Token events passed to token_event_cmd as PIZAUTH_EVENT.
const (
	eventNew         = "token_new"
	eventRefreshed   = "token_refreshed"
	eventInvalidated = "token_invalidated"
	eventRevoked     = "token_revoked"
)

// emitLocked records a token event: token_event_cmd hears of it, in order,
// and so does persist_file's writer.
func (s *Server) emitLocked(account, kind string) {
	s.hooks.TokenEvent(account, kind)
	s.tokenChangedLocked(account, kind)
}
