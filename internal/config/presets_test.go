package config

import (
	"slices"
	"strings"
	"testing"
)

func TestPresets(t *testing.T) {
	ms := "https://login.microsoftonline.com/"
	tests := []struct {
		name, body                          string
		auth, token, device, revoke, scope0 string
	}{
		{"microsoft, default tenant", `provider = "microsoft";`,
			ms + "common/oauth2/v2.0/authorize", ms + "common/oauth2/v2.0/token", ms + "common/oauth2/v2.0/devicecode", "",
			"https://outlook.office365.com/IMAP.AccessAsUser.All"},
		{"microsoft, tenant", `provider = "microsoft"; tenant = "contoso.onmicrosoft.com";`,
			ms + "contoso.onmicrosoft.com/oauth2/v2.0/authorize", ms + "contoso.onmicrosoft.com/oauth2/v2.0/token",
			ms + "contoso.onmicrosoft.com/oauth2/v2.0/devicecode", "", "https://outlook.office365.com/IMAP.AccessAsUser.All"},
		{"google", `provider = "google";`,
			"https://accounts.google.com/o/oauth2/auth", "https://oauth2.googleapis.com/token",
			"https://oauth2.googleapis.com/device/code", "https://oauth2.googleapis.com/revoke", "https://mail.google.com/"},
		{"explicit fields win", `provider = "google"; token_uri = "https://proxy.example/token"; scopes = ["x"];`,
			"https://accounts.google.com/o/oauth2/auth", "https://proxy.example/token",
			"https://oauth2.googleapis.com/device/code", "https://oauth2.googleapis.com/revoke", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := mustParse(t, `account "a" { client_id = "c"; `+tt.body+` }`).Accounts[0]
			got := []string{a.AuthURI, a.TokenURI, a.DeviceAuthURI, a.RevokeURI, a.Scopes[0]}
			want := []string{tt.auth, tt.token, tt.device, tt.revoke, tt.scope0}
			if !slices.Equal(got, want) {
				t.Errorf("got %q; want %q", got, want)
			}
		})
	}
}

func TestPresetErrors(t *testing.T) {
	tests := []struct{ body, want string }{
		{`provider = "yahoo";`, `unknown provider "yahoo": the presets are "google" and "microsoft"`},
		{`provider = "google"; tenant = "x";`, `provider "google" takes no tenant`},
		{`tenant = "x"; auth_uri = "https://a/"; token_uri = "https://a/t";`, `tenant needs provider = "microsoft"`},
		{`provider = "microsoft"; tenant = "a/b";`, `tenant "a/b" is not a tenant name`},
		{`provider = "microsoft"; tenant = "";`, `is not a tenant name`},
	}
	for _, tt := range tests {
		_, err := Parse("c", []byte(`account "a" { client_id = "c"; `+tt.body+` }`))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v; want an error containing %q", tt.body, err, tt.want)
		}
	}
}

// A preset account is the same, security-wise, as the account written
// out, and depends on the tenant.
func TestPresetDigestFollowsEndpoints(t *testing.T) {
	a := mustParse(t, `account "a" { provider = "microsoft"; client_id = "c"; }`).Accounts[0]
	b := mustParse(t, `account "a" { provider = "microsoft"; tenant = "other"; client_id = "c"; }`).Accounts[0]
	if a.SameSecurity(b) {
		t.Error("accounts on different tenants have the same security digest")
	}
	explicit := mustParse(t, `account "a" {
		auth_uri = "https://login.microsoftonline.com/common/oauth2/v2.0/authorize";
		token_uri = "https://login.microsoftonline.com/common/oauth2/v2.0/token";
		device_auth_uri = "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode";
		scopes = ["https://outlook.office365.com/IMAP.AccessAsUser.All", "https://outlook.office365.com/POP.AccessAsUser.All",
			"https://outlook.office365.com/SMTP.Send", "offline_access"];
		client_id = "c"; }`).Accounts[0]
	if !a.SameSecurity(explicit) {
		t.Error("a preset account and the same account written out differ in security digest")
	}
}
