package redirect

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// guard bounds how long a test waits for an answer before failing instead
// of hanging. It is not a timing assertion: every answer is expected at once.
const guard = 10 * time.Second

// recorder is a Handler that records the callbacks it gets.
type recorder struct {
	mu   sync.Mutex // guards cbs
	cbs  []Callback
	page func(Callback) Page
}

func (r *recorder) handle(cb Callback) Page {
	r.mu.Lock()
	r.cbs = append(r.cbs, cb)
	r.mu.Unlock()
	if r.page != nil {
		return r.page(cb)
	}
	return Page{Body: "ok\n"}
}

func (r *recorder) calls() []Callback {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Callback(nil), r.cbs...)
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serve starts l with h and stops it when the test ends, checking that
// Serve returns nil.
func serve(t *testing.T, l *Listener, h Handler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Serve(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve() = %v; want nil", err)
		}
		l.Close()
	})
}

// start listens on 127.0.0.1:0 over HTTP, with logs going to the returned
// buffer, lets setup adjust the server, and serves h.
func start(t *testing.T, h Handler, setup ...func(*http.Server)) (*Listener, *syncBuffer) {
	t.Helper()
	l, err := Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatalf("Listen() error: %v", err)
	}
	logs := &syncBuffer{}
	l.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, f := range setup {
		f(l.srv)
	}
	serve(t, l, h)
	return l, logs
}

func (l *Listener) addr() string { return l.socks[0].Addr().String() }

// response is a parsed answer with its body read.
type response struct {
	status int
	header http.Header
	body   string
	close  bool // the server announced it closes the connection
}

// exchange writes raw on c and reads one answer to a request of the given
// method.
func exchange(t *testing.T, c net.Conn, method, raw string) (response, error) {
	t.Helper()
	c.SetDeadline(time.Now().Add(guard))
	if _, err := io.WriteString(c, raw); err != nil {
		return response{}, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(body), resp.Close}, err
}

// rawGet sends raw as a whole request on a new connection to l.
func rawGet(t *testing.T, l *Listener, method, raw string) response {
	t.Helper()
	c, err := net.Dial("tcp", l.addr())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	r, err := exchange(t, c, method, raw)
	if err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	return r
}

// isTimeout reports whether err is a deadline expiring, which in these
// tests means the server kept a connection open that it should have closed.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func request(method, target string) string {
	return method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n"
}

// page is the HTML the listener writes for text, spelt out here rather
// than taken from pageHTML.
func page(text string) string {
	return "<html><body><h2>" + text + "</h2></body></html>"
}

func TestPageHTML(t *testing.T) {
	tests := []struct{ text, want string }{
		// The original's page, byte for byte.
		{"pizauth processing authentication: you can safely close this page.",
			"<html><body><h2>pizauth processing authentication: you can safely close this page.</h2></body></html>"},
		{"", "<html><body><h2></h2></body></html>"},
		// A provider's error text is anyone's input: it is escaped.
		{`access_denied: <script>alert("x")</script> & 'more'`,
			"<html><body><h2>access_denied: &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;more&#39;</h2></body></html>"},
	}
	for _, tt := range tests {
		if got := pageHTML(tt.text); got != tt.want {
			t.Errorf("pageHTML(%q) = %q; want %q", tt.text, got, tt.want)
		}
	}
}

func TestRules(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		target     string
		page       Page
		wantStatus int
		wantBody   string
		wantCB     *Callback // nil: the handler must not be called
	}{
		{"code", "GET", "/?state=s1&code=c1", Page{Status: 200, Body: "done"}, 200, page("done"),
			&Callback{Path: "/", State: "s1", Code: "c1"}},
		{"head does not use up the state", "HEAD", "/?state=s1&code=c1", Page{Body: "done"}, 200, "", nil},
		{"error", "GET", "/cb/x?state=s%2B&error=access_denied&error_description=no+way", Page{}, 200, page(""),
			&Callback{Path: "/cb/x", State: "s+", Error: "access_denied", ErrorDescription: "no way"}},
		{"escaped path", "GET", "/a%20b?state=s", Page{}, 200, page(""), &Callback{Path: "/a b", State: "s"}},
		{"unknown params repeat", "GET", "/?state=s&x=1&x=2", Page{}, 200, page(""), &Callback{Path: "/", State: "s"}},
		{"handler status", "GET", "/?state=s", Page{Status: 404, Body: "no such request"}, 404, page("no such request"),
			&Callback{Path: "/", State: "s"}},
		{"post", "POST", "/?state=s", Page{}, 405, page("method not allowed"), nil},
		{"put", "PUT", "/?state=s", Page{}, 405, page("method not allowed"), nil},
		{"options", "OPTIONS", "*", Page{}, 405, page("method not allowed"), nil},
		{"favicon", "GET", "/favicon.ico?state=s", Page{}, 404, page("not found"), nil},
		{"no state", "GET", "/?code=c1", Page{}, 404, page("not found: no state"), nil},
		{"empty state", "GET", "/?state=&code=c1", Page{}, 404, page("not found: no state"), nil},
		{"no query", "GET", "/", Page{}, 404, page("not found: no state"), nil},
		{"bad escape", "GET", "/?state=%zz", Page{}, 400, page("malformed query"), nil},
		{"semicolon", "GET", "/?state=a;code=b", Page{}, 400, page("malformed query"), nil},
		{"two states", "GET", "/?state=a&state=b", Page{}, 400, page("repeated parameter state"), nil},
		{"two codes", "GET", "/?state=a&code=1&code=2", Page{}, 400, page("repeated parameter code"), nil},
		{"two errors", "GET", "/?state=a&error=x&error=", Page{}, 400, page("repeated parameter error"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{page: func(Callback) Page { return tt.page }}
			l, _ := start(t, rec.handle)
			r := rawGet(t, l, tt.method, request(tt.method, tt.target))
			if r.status != tt.wantStatus || r.body != tt.wantBody {
				t.Errorf("got %d %q; want %d %q", r.status, r.body, tt.wantStatus, tt.wantBody)
			}
			checkHeaders(t, r.header)
			if tt.wantStatus == 405 && r.header.Get("Allow") != "GET, HEAD" {
				t.Errorf("got Allow %q; want %q", r.header.Get("Allow"), "GET, HEAD")
			}
			checkCalls(t, rec.calls(), tt.wantCB)
		})
	}
}

func checkHeaders(t *testing.T, h http.Header) {
	t.Helper()
	for k, want := range map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Cache-Control":           "no-store",
		"Referrer-Policy":         "no-referrer",
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "default-src 'none'",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("got %s %q; want %q", k, got, want)
		}
	}
}

func checkCalls(t *testing.T, got []Callback, want *Callback) {
	t.Helper()
	switch {
	case want == nil && len(got) != 0:
		t.Errorf("got handler calls %+v; want none", got)
	case want != nil && len(got) != 1:
		t.Errorf("got %d handler calls; want 1", len(got))
	case want != nil && (got[0] != *want || got[0].Code.Reveal() != want.Code.Reveal()):
		t.Errorf("got callback %+v (code %q); want %+v (code %q)",
			got[0], got[0].Code.Reveal(), *want, want.Code.Reveal())
	}
}

func TestRequestHeadCap(t *testing.T) {
	tests := []struct {
		name       string
		stateLen   int
		wantStatus int
	}{
		{"under 16 KiB", 15 << 10, 200},
		{"over 16 KiB", 17 << 10, 431},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			l, _ := start(t, rec.handle)
			target := "/?state=" + strings.Repeat("s", tt.stateLen)
			if r := rawGet(t, l, "GET", request("GET", target)); r.status != tt.wantStatus {
				t.Errorf("got status %d; want %d", r.status, tt.wantStatus)
			}
		})
	}
}

// TestHugeRequestLine checks that a 1 MiB request line is refused after the
// first 16 KiB and the connection closed, without the server reading the rest.
func TestHugeRequestLine(t *testing.T) {
	rec := &recorder{}
	l, _ := start(t, rec.handle)
	c, err := net.Dial("tcp", l.addr())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(guard))
	go func() {
		// The server stops reading long before the end: this write fails.
		io.WriteString(c, "GET /?state="+strings.Repeat("a", 1<<20)+" HTTP/1.1\r\nHost: x\r\n\r\n")
	}()
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("got status %d; want %d", resp.StatusCode, http.StatusRequestHeaderFieldsTooLarge)
	}
	// The answer is HTTP/1.0 without a length: its body ends when the server
	// closes the connection. A reset is a close too.
	if _, err := io.ReadAll(resp.Body); isTimeout(err) {
		t.Errorf("connection still open after the answer")
	}
	if calls := rec.calls(); len(calls) != 0 {
		t.Errorf("got %d handler calls; want none", len(calls))
	}
}

// TestBodyNotDrained checks that a request announcing a body it never sends
// is answered and its connection closed, not kept busy waiting for the body.
func TestBodyNotDrained(t *testing.T) {
	rec := &recorder{}
	l, _ := start(t, rec.handle, func(s *http.Server) { s.ReadTimeout = time.Hour })
	c, err := net.Dial("tcp", l.addr())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	raw := "GET /?state=s HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\npartial"
	r, err := exchange(t, c, "GET", raw)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if r.status != 200 || !r.close {
		t.Errorf("got %d, close %t; want 200, true", r.status, r.close)
	}
	if _, err := c.Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Errorf("got read error %v after the answer; want the connection closed", err)
	}
}

func TestLogsNoSecrets(t *testing.T) {
	rec := &recorder{page: func(cb Callback) Page {
		if cb.State == "boom" {
			panic("code is " + cb.Code.Reveal())
		}
		return Page{}
	}}
	l, logs := start(t, rec.handle)
	if r := rawGet(t, l, "GET", request("GET", "/?state=boom&code=SECRETCODE")); r.status != 500 {
		t.Errorf("panicking handler: got status %d; want 500", r.status)
	}
	if r := rawGet(t, l, "GET", request("GET", "/cb?state=ok&code=SECRETCODE")); r.status != 200 {
		t.Errorf("after a panic: got status %d; want 200", r.status)
	}
	got := logs.String()
	for _, bad := range []string{"SECRETCODE", "code=", "state="} {
		if strings.Contains(got, bad) {
			t.Errorf("logs contain %q:\n%s", bad, got)
		}
	}
	for _, want := range []string{"method=GET", "path=/cb", "status=200", "status=500", "panicked"} {
		if !strings.Contains(got, want) {
			t.Errorf("logs lack %q:\n%s", want, got)
		}
	}
}
