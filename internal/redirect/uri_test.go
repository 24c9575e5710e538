package redirect

import "testing"

func TestURI(t *testing.T) {
	tests := []struct {
		configured string
		want       string
	}{
		// The original adds the "/" that providers comparing exactly expect.
		{"http://localhost", "http://localhost:1234/"},
		{"http://localhost/", "http://localhost:1234/"},
		{"https://localhost", "https://localhost:1234/"},
		{"http://localhost:8080/cb", "http://localhost:1234/cb"},
		{"HTTP://LocalHost/Callback", "http://localhost:1234/Callback"},
		{"http://127.0.0.1", "http://127.0.0.1:1234/"},
		{"http://[::1]", "http://[::1]:1234/"},
		{"http://localhost/a/../b/./c", "http://localhost:1234/b/c"},
		{"http://localhost/a/..", "http://localhost:1234/"},
		{"http://localhost?x=1&y", "http://localhost:1234/?x=1&y"},
		{"http://localhost/cb?", "http://localhost:1234/cb?"},
		{"http://localhost/a%2Fb", "http://localhost:1234/a%2Fb"},
	}
	for _, tt := range tests {
		got, err := URI(tt.configured, 1234)
		if err != nil || got != tt.want {
			t.Errorf("URI(%q, 1234) = %q, %v; want %q", tt.configured, got, err, tt.want)
		}
	}
	// No listener: normalised, the configured port kept.
	for configured, want := range map[string]string{
		"http://localhost":             "http://localhost/",
		"HTTP://LocalHost:8080/a/../b": "http://localhost:8080/b",
		"http://[::1]":                 "http://[::1]/",
	} {
		if got, err := URI(configured, 0); err != nil || got != want {
			t.Errorf("URI(%q, 0) = %q, %v; want %q", configured, got, err, want)
		}
	}
}

func TestURIRefuses(t *testing.T) {
	tests := []struct {
		configured string
		port       int
	}{
		{"ftp://localhost/", 1234},
		{"http:localhost", 1234},
		{"http:///path", 1234},
		{"http://local host/", 1234},
		{"http://localhost/", 65536},
		{"http://localhost/", -1},
	}
	for _, tt := range tests {
		if got, err := URI(tt.configured, tt.port); err == nil {
			t.Errorf("URI(%q, %d) = %q; want an error", tt.configured, tt.port, got)
		}
	}
}
