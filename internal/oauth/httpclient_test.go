package oauth

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// fakeBase answers every request with a short body, or fails, and counts
// the calls to CloseIdleConnections.
type fakeBase struct {
	fail   bool
	closes int
}

func (f *fakeBase) RoundTrip(req *http.Request) (*http.Response, error) {
	if f.fail {
		return nil, errors.New("connection refused")
	}
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("ok")), Request: req}, nil
}

func (f *fakeBase) CloseIdleConnections() { f.closes++ }

func TestTransportClosesIdleWhenLastRequestEnds(t *testing.T) {
	base := &fakeBase{}
	tr := &transport{base: base}
	get := func() *http.Response {
		t.Helper()
		resp, err := tr.RoundTrip(httptest.NewRequest("GET", "http://idp.test/token", nil))
		if err != nil {
			t.Fatalf("RoundTrip: %v", err)
		}
		return resp
	}
	step := func(what string, want int) {
		t.Helper()
		if base.closes != want {
			t.Errorf("after %s: got %d calls of CloseIdleConnections; want %d", what, base.closes, want)
		}
	}

	first, second := get(), get()
	io.ReadAll(first.Body)
	first.Body.Close()
	step("the first of two overlapping responses", 0)
	io.ReadAll(second.Body)
	step("reading the last response to its end", 1)
	second.Body.Close()
	step("closing it too", 1)

	third := get()
	third.Body.Close()
	step("closing a response unread", 2)

	base.fail = true
	if _, err := tr.RoundTrip(httptest.NewRequest("GET", "http://idp.test/token", nil)); err == nil {
		t.Fatal("RoundTrip succeeded; want the error")
	}
	step("a failed request", 3)
}

// TestClientLeavesNoIdleConnection checks, against a real server, that a
// connection is closed as soon as the response is read and not
// IdleConnTimeout later.
func TestClientLeavesNoIdleConnection(t *testing.T) {
	closed := make(chan struct{}, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, okAnswer)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed <- struct{}{}
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)

	resp, err := NewHTTPClient().Get(srv.URL)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if _, err := io.ReadAll(resp.Body); err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	resp.Body.Close()
	select {
	case <-closed:
	case <-t.Context().Done():
		t.Fatal("the connection stayed open after the response was read")
	}
}
