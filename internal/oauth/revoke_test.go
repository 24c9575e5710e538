package oauth

import (
	"strings"
	"testing"

	"github.com/pizauth-go/pizauth/internal/secret"
)

func TestRevokeForm(t *testing.T) {
	e := newEndpoint(t, answer{})
	p := e.params()
	p.ClientSecret = "sec"
	if err := new(Client).Revoke(t.Context(), p, e.URL+"/revoke", "rt/1", HintRefreshToken); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	checkRequest(t, e.requests(), "client_id=cid&client_secret=sec&token=rt%2F1&token_type_hint=refresh_token")
}

func TestRevokeErrors(t *testing.T) {
	tests := []struct {
		name  string
		a     answer
		class Class
		want  string
	}{
		{"unsupported", answer{status: 400, body: `{"error":"unsupported_token_type","error_description":"no rt-secret here"}`},
			Permanent, "revocation endpoint answered 400: unsupported_token_type: no [redacted] here"},
		{"unavailable", answer{status: 503, body: `{"error":"temporarily_unavailable"}`},
			Transient, "revocation endpoint answered 503: temporarily_unavailable"},
		{"not JSON", answer{status: 401, ctype: "text/html", body: "<html>"}, Permanent, "revocation endpoint answered 401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEndpoint(t, tt.a)
			err := new(Client).Revoke(t.Context(), e.params(), e.URL+"/revoke", secret.String("rt-secret"), HintRefreshToken)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Revoke: got %v; want %q", err, tt.want)
			}
			if class, _ := Classify(err); class != tt.class {
				t.Errorf("Classify: got %v; want %v", class, tt.class)
			}
		})
	}
	err := new(Client).Revoke(t.Context(), Params{ClientID: "c"}, "ftp://x/", "t", HintAccessToken)
	if err == nil || !strings.Contains(err.Error(), "not an http or https URL") {
		t.Errorf("Revoke to ftp: got %v; want an error", err)
	}
}
