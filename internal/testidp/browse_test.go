package testidp_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pizauth-go/pizauth/internal/testidp"
)

func TestBrowse(t *testing.T) {
	page := func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello "+r.URL.Query().Get("code")) }
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(page)) // self-signed, as pizauth's
	t.Cleanup(tlsSrv.Close)
	remote := httptest.NewServer(http.RedirectHandler("http://example.com/", http.StatusFound))
	t.Cleanup(remote.Close)
	p := newProvider(t)
	p.AddClient("pub", "")
	tests := []struct {
		name     string
		url      string
		wantBody string // prefix
		wantErr  bool
	}{
		{"provider to https listener", p.AuthURI() + "?" + authQuery(tlsSrv.URL+"/cb").Encode(), "hello code-", false},
		{"not loopback", "http://example.com/", "", true},
		{"redirect away from loopback", remote.URL, "", true},
		{"not http", "file:///etc/passwd", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, err := testidp.Browse(t.Context(), tt.url)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got %d %q %v; want error: %v", status, body, err, tt.wantErr)
			}
			if !tt.wantErr && (status != 200 || !strings.HasPrefix(body, tt.wantBody)) {
				t.Errorf("got %d %q; want 200 %q...", status, body, tt.wantBody)
			}
		})
	}
}

func TestHandlerElsewhere(t *testing.T) {
	p := newProvider(t)
	p.AddClient("pub", "")
	other := httptest.NewServer(p.Handler())
	t.Cleanup(other.Close)
	resp, err := http.PostForm(other.URL+testidp.PathToken, refreshForm("rt-1-x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || p.Count(testidp.PathToken) != 1 {
		t.Errorf("got %d and %d recorded requests; want 400 and 1", resp.StatusCode, p.Count(testidp.PathToken))
	}
}
