package redirect

import (
	"net/http"
	"net/url"
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
