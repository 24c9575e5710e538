package server

import (
	"strings"
	"testing"
	"testing/synctest"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/ctl"
)

// TestPresetAuthorisationURL: an account with only provider and client_id
// asks for authorisation at the provider's documented endpoint.
func TestPresetAuthorisationURL(t *testing.T) {
	tests := []struct{ conf, prefix, scope string }{
		{`account "m" { provider = "microsoft"; client_id = "cid"; }`,
			"https://login.microsoftonline.com/common/oauth2/v2.0/authorize?access_type=offline&code_challenge=",
			"&scope=https%3A%2F%2Foutlook.office365.com%2FIMAP.AccessAsUser.All+https%3A%2F%2Foutlook.office365.com%2FPOP.AccessAsUser.All+https%3A%2F%2Foutlook.office365.com%2FSMTP.Send+offline_access"},
		{`account "m" { provider = "google"; client_id = "cid"; }`,
			"https://accounts.google.com/o/oauth2/auth?access_type=offline&code_challenge=",
			"&scope=https%3A%2F%2Fmail.google.com%2F"},
	}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			cfg, err := config.Parse("pizauth.conf", []byte(tt.conf))
			if err != nil {
				t.Fatal(err)
			}
			h := start(t, cfg)
			r := h.do(ctl.Request{Cmd: ctl.CmdShow, Account: "m", WithURL: true})
			if r.Kind != ctl.KindPending || !strings.HasPrefix(r.Payload, tt.prefix) ||
				!strings.Contains(r.Payload, "&client_id=cid&") || !strings.HasSuffix(r.Payload, tt.scope) {
				t.Errorf("show = %+v; want a URL starting %q, for client cid, ending %q", r, tt.prefix, tt.scope)
			}
		})
	}
}
