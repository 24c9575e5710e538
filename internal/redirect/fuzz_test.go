package redirect

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzCallback feeds arbitrary paths and raw queries to parseCallback, the
// function the server uses, and checks its promises.
func FuzzCallback(f *testing.F) {
	for _, seed := range [][2]string{
		{"/", "state=s&code=c"},
		{"/", "state=s&error=access_denied&error_description=denied+by+user"},
		{"/favicon.ico", "state=s"},
		{"/", "state=a&state=b"},
		{"/", "state=%zz"},
		{"/", "state=a;b"},
		{"/", ""},
		{"/cb", "code=&state=%E6%A0%EF%03h6%BCK"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, path, rawQuery string) {
		cb, reject := parseCallback(path, rawQuery)
		if reject != nil {
			switch reject.Status {
			case http.StatusBadRequest, http.StatusNotFound:
			default:
				t.Fatalf("got rejection status %d; want 400 or 404", reject.Status)
			}
			if cb != (Callback{}) {
				t.Fatalf("got callback %+v with a rejection; want none", cb)
			}
			return
		}
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			t.Fatalf("accepted a query url.ParseQuery refuses: %v", err)
		}
		if cb.State == "" || len(q["state"]) != 1 || q["state"][0] != cb.State {
			t.Fatalf("got state %q from %q; want the single non-empty state", cb.State, rawQuery)
		}
		if cb.Path != path || path == "/favicon.ico" {
			t.Fatalf("got path %q from %q", cb.Path, path)
		}
		if cb.Code.Reveal() != q.Get("code") || cb.Error != q.Get("error") ||
			cb.ErrorDescription != q.Get("error_description") {
			t.Fatalf("got %+v; want the query's values", cb)
		}
	})
}

// FuzzAddress feeds arbitrary strings to ParseAddress, which reads what a
// user pastes: it must not panic, must agree with parseCallback, and its
// errors must not quote the input (it may hold a code).
func FuzzAddress(f *testing.F) {
	for _, seed := range []string{
		"http://localhost:1234/?code=c&state=s",
		"https://127.0.0.1/cb?state=s&error=access_denied",
		"http://localhost/?state=a&state=b",
		"garbage",
		"",
		"http://[::1]:80/%zz?state=s",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, address string) {
		cb, err := ParseAddress(address)
		if err != nil {
			if len(address) > 8 && strings.Contains(err.Error(), address) {
				t.Fatalf("error %q quotes the address", err)
			}
			if cb != (Callback{}) {
				t.Fatalf("got callback %+v with an error", cb)
			}
			return
		}
		u, perr := url.Parse(address)
		if perr != nil {
			t.Fatalf("accepted %q, which url.Parse refuses: %v", address, perr)
		}
		if cb.State == "" || cb.TLS != (u.Scheme == "https") {
			t.Fatalf("got %+v from %q", cb, address)
		}
	})
}
