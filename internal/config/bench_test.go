package config

import (
	"fmt"
	"strings"
	"testing"
)

// manyAccounts returns a configuration of n realistic accounts.
func manyAccounts(n int) []byte {
	var b strings.Builder
	b.WriteString("auth_notify_cmd = \"notify-send \\\"$PIZAUTH_ACCOUNT\\\" \\\"$PIZAUTH_URL\\\"\";\nrefresh_retry = 30s;\n")
	for i := range n {
		fmt.Fprintf(&b, `account "account-%05d" {
    auth_uri = "https://login.microsoftonline.com/common/oauth2/v2.0/authorize";
    token_uri = "https://login.microsoftonline.com/common/oauth2/v2.0/token";
    client_id = "00000000-0000-0000-0000-%012d"; // the client
    client_secret = "secret-%d";
    scopes = [
      "https://outlook.office365.com/IMAP.AccessAsUser.All",
      "https://outlook.office365.com/SMTP.Send",
      "offline_access",
    ];
    auth_uri_fields = { "login_hint": "user%d@example.com" };
    refresh_at_least = 1h;
}
`, n-i, i, i, i)
	}
	return []byte(b.String())
}

func BenchmarkParse10000Accounts(b *testing.B) {
	src := manyAccounts(10000)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		c, err := Parse("bench.conf", src)
		if err != nil || len(c.Accounts) != 10000 {
			b.Fatalf("got %v accounts, %v; want 10000, nil", len(c.Accounts), err)
		}
	}
}

func TestManyAccounts(t *testing.T) {
	c := mustParse(t, string(manyAccounts(100)))
	if got, want := c.Accounts[0].Name, "account-00001"; got != want {
		t.Errorf("got first account %q; want %q", got, want)
	}
	if got, want := len(c.Accounts[0].Scopes), 3; got != want {
		t.Errorf("got %d scopes; want %d", got, want)
	}
}
