package oauth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// maxSeconds caps every lifetime and interval a provider gives: about 68
// years, far below where x/oauth2's seconds-to-Duration conversion
// overflows (a device expires_in of 9.2e9 became an expiry in the past).
const maxSeconds = math.MaxInt32

// secondsFields are the answer fields that x/oauth2 reads as whole seconds.
var secondsFields = []string{"expires_in", "interval", "refresh_token_expires_in"}

// lenientNumbers sits under x/oauth2 and rewrites what it would misread.
//
// The seconds fields of a 2xx JSON answer become what it can read: an
// integer between 0 and maxSeconds. Providers send 3599.0, 1e3 or "3600";
// x/oauth2 refuses the first two in token answers and all three in device
// answers, and a refused answer to a code exchange has spent the
// single-use code.
//
// A JSON object labelled text/plain, which x/oauth2 reads as a form (and
// so finds neither a token nor an OAuth error in it), is labelled
// application/json: the original pizauth reads answers as JSON whatever
// their label, and some providers send their tokens and their
// invalid_grant so.
//
// Anything else passes through untouched.
type lenientNumbers struct{ base http.RoundTripper }

func (l lenientNumbers) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.base.RoundTrip(req)
	ok := err == nil && resp.StatusCode/100 == 2
	if err != nil || !ok && !isTextPlain(resp.Header) {
		return resp, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	resp.Body.Close()
	if err == nil && len(body) > maxBody {
		err = errBodyTooLarge
	}
	switch {
	case err != nil && ok:
		return nil, &unreadableAnswer{status: resp.StatusCode, err: err}
	case err != nil:
		return nil, err
	}
	if isTextPlain(resp.Header) && isJSONObject(body) {
		resp.Header.Set("Content-Type", "application/json")
	}
	if ok {
		body = fixSeconds(body)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// isTextPlain reports whether h labels its body text/plain.
func isTextPlain(h http.Header) bool {
	t, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return t == "text/plain"
}

// isJSONObject reports whether body is one JSON object.
func isJSONObject(body []byte) bool {
	b := bytes.TrimSpace(body)
	return len(b) > 0 && b[0] == '{' && json.Valid(b)
}

// fixSeconds returns body with its seconds fields made integers, or body
// itself when it is not a JSON object or needs no change.
func fixSeconds(body []byte) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	changed := false
	for _, k := range secondsFields {
		v, ok := m[k]
		if !ok {
			continue
		}
		n, ok := parseSeconds(v)
		if s := strconv.FormatInt(n, 10); ok && s != string(v) {
			m[k] = json.RawMessage(s)
			changed = true
		}
	}
	if !changed {
		return body
	}
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}

// parseSeconds reads a JSON number, or a string holding one, as whole
// seconds: fractions are dropped, negative values become 0 and huge ones
// maxSeconds. ok is false for anything else (null, "soon", true).
func parseSeconds(v json.RawMessage) (n int64, ok bool) {
	s := string(v)
	if unq, err := strconv.Unquote(s); err == nil && strings.HasPrefix(s, `"`) {
		s = strings.TrimSpace(unq)
	}
	if s == "" || strings.ContainsAny(s, "xXnNiI_") { // no hex, NaN, Inf, 1_000
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeError(err) {
		return 0, false
	}
	switch {
	case f <= 0:
		return 0, true
	case f >= maxSeconds:
		return maxSeconds, true
	}
	return int64(f), true
}

// unreadableAnswer is a 2xx answer whose body could not be read whole: cut
// off, or larger than maxBody. To an exchange it is final: the provider
// had the code, which works once.
type unreadableAnswer struct {
	status int
	err    error
}

func (e *unreadableAnswer) Error() string {
	return fmt.Sprintf("token endpoint answered %d, but its answer could not be read: %v", e.status, e.err)
}

func (e *unreadableAnswer) Unwrap() error { return e.err }

func isRangeError(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}
