package redirect

import (
	"errors"
	"html"
	"net/http"
	"net/url"
	"time"

	"github.com/pizauth-go/pizauth/internal/secret"
)

// The query parameters a callback is made of. Each may appear at most once.
var callbackParams = [...]string{"state", "code", "error", "error_description"}

// serveHTTP answers one request. It never logs the URL: the query carries
// the authorisation code.
func (l *Listener) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength != 0 {
		discardBody(w)
	}
	p := l.respond(r)
	if p.Status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", "GET, HEAD")
	}
	writePage(w, p)
	if l.Logger != nil {
		l.Logger.Debug("redirect request", "method", r.Method, "path", r.URL.Path, "status", p.Status)
	}
}

// discardBody makes sure a request body, which no callback has, is never
// read: the connection is closed after the response instead of being
// drained, so a client trickling a body cannot hold it busy.
func discardBody(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	_ = http.NewResponseController(w).SetReadDeadline(time.Now())
}

// respond decides the page for a request.
func (l *Listener) respond(r *http.Request) Page {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return Page{Status: http.StatusMethodNotAllowed, Body: "method not allowed"}
	}
	cb, reject := parseCallback(r.URL.Path, r.URL.RawQuery)
	if reject != nil {
		return reject.Page
	}
	// A HEAD (a link prefetcher, a preview) must not use up the state that
	// the user's real GET needs.
	if r.Method == http.MethodHead {
		return Page{Status: http.StatusOK}
	}
	cb.TLS = l.tls
	if !l.active.enter() {
		return Page{Status: http.StatusServiceUnavailable, Body: "pizauth is shutting down"}
	}
	defer l.active.leave()
	return l.call(cb)
}

// call runs the handler. A panicking handler gets a 500 page; the panic
// value is not logged since it might hold the callback's code.
func (l *Listener) call(cb Callback) (p Page) {
	defer func() {
		if recover() != nil {
			if l.Logger != nil {
				l.Logger.Error("redirect handler panicked", "path", cb.Path)
			}
			p = Page{Status: http.StatusInternalServerError, Body: "internal error"}
		}
	}()
	p = l.h(cb)
	if p.Status == 0 {
		p.Status = http.StatusOK
	}
	return p
}

// rejection is why a request is not a callback: the page the listener
// answers with, and why in words for an address a user pasted.
type rejection struct {
	Page
	why string
}

// parseCallback reads a callback from a request's decoded path and raw
// query. It returns a rejection when the request is not a callback: 404 for
// /favicon.ico and for requests without a state, 400 for a malformed query
// or a callback parameter given more than once.
func parseCallback(path, rawQuery string) (Callback, *rejection) {
	if path == "/favicon.ico" {
		return Callback{}, &rejection{Page{Status: http.StatusNotFound, Body: "not found"}, "it is the browser's request for an icon"}
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return Callback{}, &rejection{Page{Status: http.StatusBadRequest, Body: "malformed query"}, "its query is malformed"}
	}
	for _, k := range callbackParams {
		if len(q[k]) > 1 {
			return Callback{}, &rejection{Page{Status: http.StatusBadRequest, Body: "repeated parameter " + k}, "it has " + k + " more than once"}
		}
	}
	cb := Callback{
		Path:             path,
		State:            q.Get("state"),
		Code:             secret.String(q.Get("code")),
		Error:            q.Get("error"),
		ErrorDescription: q.Get("error_description"),
		ErrorURI:         q.Get("error_uri"),
	}
	if cb.State == "" {
		return Callback{}, &rejection{Page{Status: http.StatusNotFound, Body: "not found: no state"}, "it has no state"}
	}
	return cb, nil
}

// ParseAddress reads a callback from the address the browser was sent to
// after the login, as a user copies it from the address bar (`pizauth
// complete`, for a browser that cannot reach the listener): an http or
// https URL whose path and query are read as the listener reads a request's.
// The address carries the code, so no error quotes it.
func ParseAddress(address string) (Callback, error) {
	const notRedirect = "not the address of a redirect to pizauth: "
	u, err := url.Parse(address)
	switch {
	case err != nil:
		return Callback{}, errors.New(notRedirect + "not a URL")
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		return Callback{}, errors.New(notRedirect + "want an http:// or https:// address")
	}
	path := u.Path
	if path == "" {
		path = "/" // what the browser asks for
	}
	cb, reject := parseCallback(path, u.RawQuery)
	if reject != nil {
		return Callback{}, errors.New(notRedirect + reject.why)
	}
	cb.TLS = u.Scheme == "https"
	return cb, nil
}

// writePage writes p as a small HTML page, like the original's: the text in
// one heading, escaped (a handler's text may quote the provider's error,
// which anyone can put in a URL). Browsers neither cache the page nor leak
// it through a referrer, and it may load nothing.
func writePage(w http.ResponseWriter, p Page) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'")
	w.WriteHeader(p.Status)
	_, _ = w.Write([]byte(pageHTML(p.Body)))
}

// pageHTML is the page that shows text: the original pizauth's
// <html><body><h2>text</h2></body></html>, with text escaped.
func pageHTML(text string) string {
	return "<html><body><h2>" + html.EscapeString(text) + "</h2></body></html>"
}
