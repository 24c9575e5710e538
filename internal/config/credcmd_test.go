package config

import (
	"strings"
	"testing"
)

func TestCredentialCommands(t *testing.T) {
	a := mustParse(t, `account "a" { auth_uri = "https://i/a"; token_uri = "https://i/t";
		client_id_cmd = "pass show id"; client_secret_cmd = "pass show oauth/work"; }`).Accounts[0]
	if a.ClientIDCmd != "pass show id" || a.ClientSecretCmd != "pass show oauth/work" || a.ClientID != "" || !a.ClientSecret.IsZero() {
		t.Errorf("got %+v; want the commands recorded and no values", a)
	}
	b := mustParse(t, `account "a" { auth_uri = "https://i/a"; token_uri = "https://i/t";
		client_id_cmd = "other"; client_secret_cmd = "other"; }`).Accounts[0]
	if a.SecurityDigest() != b.SecurityDigest() {
		t.Error("the commands' text changed the digest; only their output may")
	}
}

func TestCredentialCommandErrors(t *testing.T) {
	const uris = `auth_uri = "https://i/a"; token_uri = "https://i/t"; `
	tests := []struct{ body, want string }{
		{uris + `client_id = "x"; client_id_cmd = "y";`, "give client_id or client_id_cmd, not both"},
		{uris + `client_id = "x"; client_secret = "s"; client_secret_cmd = "y";`, "give client_secret or client_secret_cmd, not both"},
		{uris + `client_id_cmd = " ";`, "client_id_cmd must not be empty"},
		{uris + `client_secret_cmd = "pass";`, "is missing client_id"},
	}
	for _, tt := range tests {
		_, err := Parse("c", []byte(`account "a" { `+tt.body+` }`))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v; want an error containing %q", tt.body, err, tt.want)
		}
	}
}
