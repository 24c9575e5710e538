package oauth

import (
	"strings"
	"testing"
)

// TestProviderWords: a refusal carries the provider's error,
// error_description and error_uri, and a hint for the Microsoft errors
// users meet (issue 16 item 2).
func TestProviderWords(t *testing.T) {
	tests := []struct {
		name string
		a    answer
		want string
	}{
		{"all three", answer{status: 400, body: `{"error":"invalid_client","error_description":"bad secret","error_uri":"https://idp.example/help"}`},
			"token endpoint answered 400: invalid_client: bad secret (https://idp.example/help)"},
		{"expired Microsoft secret", answer{status: 401, body: `{"error":"invalid_client","error_description":"AADSTS7000222: The provided client secret keys for app 'x' are expired. Trace ID: 1 Correlation ID: 2 Timestamp: 2026-01-01 00:00:00Z","error_uri":"https://login.microsoftonline.com/error?code=7000222"}`},
			"token endpoint answered 401: invalid_client: AADSTS7000222: The provided client secret keys for app 'x' are expired. (https://login.microsoftonline.com/error?code=7000222); hint: AADSTS7000222: the client secret has expired: create a new one in the app registration and update client_secret"},
		{"refresh token unused", answer{status: 400, body: `{"error":"invalid_grant","error_description":"AADSTS700082: The refresh token has expired due to inactivity."}`},
			"token endpoint answered 400: invalid_grant: AADSTS700082: The refresh token has expired due to inactivity.; hint: AADSTS700082: the refresh token expired unused: log in again"},
		{"consent", answer{status: 400, body: `{"error":"invalid_grant","error_description":"AADSTS65001: The user or administrator has not consented."}`},
			"token endpoint answered 400: invalid_grant: AADSTS65001: The user or administrator has not consented.; hint: AADSTS65001: consent required: log in again and consent to the permissions, or ask an administrator to grant consent for the tenant"},
		{"unknown AADSTS", answer{status: 400, body: `{"error":"invalid_request","error_description":"AADSTS12345678: something"}`},
			"token endpoint answered 400: invalid_request: AADSTS12345678: something"},
		{"hostile uri", answer{status: 400, body: `{"error":"invalid_grant","error_uri":"https://x/\u202e\u009b"}`},
			"token endpoint answered 400: invalid_grant (https://x/)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEndpoint(t, tt.a)
			_, err := new(Client).Refresh(t.Context(), e.params(), "rt")
			if err == nil || err.Error() != tt.want {
				t.Errorf("got  %v\nwant %s", err, tt.want)
			}
		})
	}
}

// TestEchoedSecretsAreRedacted: a provider that puts the client secret or
// the refresh token into its error text does not get them into messages.
func TestEchoedSecretsAreRedacted(t *testing.T) {
	e := newEndpoint(t, answer{status: 400, body: `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided: hunter2-SECRET for rt-REFRESH","error_uri":"https://idp.example/?s=hunter2-SECRET"}`})
	p := e.params()
	p.ClientSecret = "hunter2-SECRET"
	_, err := new(Client).Refresh(t.Context(), p, "rt-REFRESH")
	msg := err.Error()
	if strings.Contains(msg, "SECRET") || strings.Contains(msg, "REFRESH") {
		t.Errorf("message reveals a secret: %s", msg)
	}
	if !strings.Contains(msg, "[redacted]") || !strings.Contains(msg, "hint: AADSTS7000215") {
		t.Errorf("message %q; want the redacted description and the hint", msg)
	}
}

func TestDescribeError(t *testing.T) {
	got := DescribeError("access_denied", "AADSTS65004: User declined to consent to access the app.\x1b[2J", "")
	want := "access_denied: AADSTS65004: User declined to consent to access the app. [2J; hint: AADSTS65004: the user declined to consent: log in again and accept"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
