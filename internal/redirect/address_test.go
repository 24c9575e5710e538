package redirect

import (
	"strings"
	"testing"
)

func TestParseAddress(t *testing.T) {
	tests := []struct {
		address string
		want    Callback
	}{
		{"http://localhost:1234/?code=c1&state=s1", Callback{Path: "/", State: "s1", Code: "c1"}},
		{"http://localhost:1234?state=s1&code=c1", Callback{Path: "/", State: "s1", Code: "c1"}},
		{"https://127.0.0.1:99/cb%20x?state=s%2B&code=c", Callback{TLS: true, Path: "/cb x", State: "s+", Code: "c"}},
		{"HTTP://LOCALHOST/?state=s&error=access_denied&error_description=no+way",
			Callback{Path: "/", State: "s", Error: "access_denied", ErrorDescription: "no way"}},
		{"http://localhost/?state=s&session_state=x&iss=https%3A%2F%2Fidp", Callback{Path: "/", State: "s"}},
	}
	for _, tt := range tests {
		got, err := ParseAddress(tt.address)
		if err != nil || got != tt.want || got.Code.Reveal() != tt.want.Code.Reveal() {
			t.Errorf("ParseAddress(%q) = %+v (code %q), %v; want %+v (code %q)",
				tt.address, got, got.Code.Reveal(), err, tt.want, tt.want.Code.Reveal())
		}
	}
}

func TestParseAddressRefuses(t *testing.T) {
	tests := []struct {
		address, want string
	}{
		{"", "want an http:// or https:// address"},
		{"garbage", "want an http:// or https:// address"},
		{"?code=SECRET&state=s", "want an http:// or https:// address"},
		{"localhost:1234/?code=SECRET&state=s", "want an http:// or https:// address"},
		{"ftp://localhost/?code=SECRET&state=s", "want an http:// or https:// address"},
		{"http:///?code=SECRET&state=s", "want an http:// or https:// address"},
		{"http://local host/?code=SECRET&state=s", "not a URL"},
		{"http://localhost/\x7f?code=SECRET&state=s", "not a URL"},
		{"http://localhost/?code=SECRET", "it has no state"},
		{"http://localhost/", "it has no state"},
		{"http://localhost/?code=SECRET&state=a&state=b", "it has state more than once"},
		{"http://localhost/?code=SECRET&code=SECRET&state=s", "it has code more than once"},
		{"http://localhost/?code=SECRET%zz&state=s", "its query is malformed"},
		{"http://localhost/favicon.ico?code=SECRET&state=s", "request for an icon"},
	}
	for _, tt := range tests {
		_, err := ParseAddress(tt.address)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseAddress(%q) error = %v; want one containing %q", tt.address, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "SECRET") {
			t.Errorf("ParseAddress(%q) error %q quotes the code", tt.address, err)
		}
	}
}
