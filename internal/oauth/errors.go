package oauth

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/pizauth-go/pizauth/internal/secret"
)

// Class says what a failed token request means for the token.
type Class int

const (
	// Transient failures keep the token and retry later.
	Transient Class = iota + 1
	// Permanent failures drop the token.
	Permanent
)

func (c Class) String() string {
	switch c {
	case Transient:
		return "transient"
	case Permanent:
		return "permanent"
	}
	return "Class(" + strconv.Itoa(int(c)) + ")"
}

// maxRetryAfter caps how long a provider can make us wait.
const maxRetryAfter = time.Hour

// maxProviderText caps the provider-supplied text quoted in errors;
// maxErrorText caps network errors, which name the token URI.
const (
	maxProviderText = 200
	maxErrorText    = 400
)

// tokenError is what Exchange and Refresh return: a message safe to show and
// log, the class decided when the whole story was known, and the original
// error for errors.As.
type tokenError struct {
	msg   string
	class Class
	err   error // nil for failures found by this package
}

func (e *tokenError) Error() string { return e.msg }
func (e *tokenError) Unwrap() error { return e.err }

// Classify says whether err, from Exchange, Refresh, the device flow,
// Discover or Revoke, is transient or permanent, and for how long the
// provider asked us to wait (Retry-After, delta-seconds or HTTP-date, at
// most one hour; 0 when absent).
//
// Permanent: an OAuth error answer (RFC 6749 section 5.2: a 2xx or 4xx
// answer whose body names an error code, such as invalid_grant,
// invalid_client or unauthorized_client), a token answer that is well
// formed but unusable (another token_type, a token outside the RFC 6749
// character set), and a token URI that is not an http or https URL.
// Everything else is transient, because it says nothing about the token:
// network, TLS and timeout errors (and a cancelled context), HTTP 408,
// 429 and 5xx whatever their body, the OAuth codes that mean "later"
// (temporarily_unavailable, server_error), and answers that are not OAuth
// at all: an HTML page, a redirect (never followed), an empty body, a 2xx
// answer that is truncated, not JSON or has no access_token. Proxies,
// captive portals and maintenance pages give those; dropping a valid token
// for them would force a new login for nothing.
//
// Exchange is the exception: once a 2xx answer arrived, the single-use
// code is spent, so an unusable one (cut off, too large, unreadable) is
// permanent there.
// Classify(nil) is (0, 0).
func Classify(err error) (class Class, retryAfter time.Duration) {
	if err == nil {
		return 0, 0
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		retryAfter = parseRetryAfter(re.Response.Header.Get("Retry-After"), time.Now())
	}
	var te *tokenError
	if errors.As(err, &te) {
		return te.class, retryAfter
	}
	return classify(err), retryAfter
}

// classify decides for errors as x/oauth2 and net/http return them.
func classify(err error) Class {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && isOAuthError(re) {
		switch re.ErrorCode {
		case "temporarily_unavailable", "server_error":
			return Transient
		}
		return Permanent
	}
	return Transient
}

// isOAuthError reports whether re is an OAuth error answer: a 2xx or 4xx
// status (a 408 or 429 asks to come back later whatever it says) and a
// body naming a well-formed error code (RFC 6749 appendix A.7).
func isOAuthError(re *oauth2.RetrieveError) bool {
	if re.Response == nil {
		return false
	}
	switch status := re.Response.StatusCode; {
	case status == http.StatusRequestTimeout || status == http.StatusTooManyRequests:
		return false
	case status/100 != 2 && status/100 != 4:
		return false
	}
	return validErrorCode(re.ErrorCode)
}

// validErrorCode: 1*( %x20-21 / %x23-5B / %x5D-7E ), RFC 6749 appendix A.7.
func validErrorCode(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return s != ""
}

// isMissingAccessToken recognises x/oauth2's untyped error for a parseable
// answer without access_token. A test pins the wording.
func isMissingAccessToken(err error) bool {
	return strings.Contains(err.Error(), "missing access_token")
}

// isUnusableAnswer recognises x/oauth2's untyped errors for a 2xx answer
// it could not read as a token: not JSON (or form), truncated, or without
// an access_token. A test pins the wording.
func isUnusableAnswer(err error) bool {
	var re *oauth2.RetrieveError
	var ue *url.Error
	if errors.As(err, &re) || errors.As(err, &ue) {
		return false
	}
	return isMissingAccessToken(err) || strings.HasPrefix(err.Error(), "oauth2: cannot parse")
}

// codeSpent makes an exchange error permanent when the provider answered
// 2xx: it had the code, which works once, so trying again would only earn
// invalid_grant after the user has long closed the page.
func codeSpent(err error) error {
	if te, ok := err.(*tokenError); ok && te.err != nil && (isUnusableAnswer(te.err) || errors.As(te.err, new(*unreadableAnswer))) {
		te.class = Permanent
	}
	return err
}

// wrapError turns an x/oauth2 error into a tokenError whose message carries
// no secret: neither the request (which x/oauth2 never puts in errors) nor
// anything in sent that the provider may have echoed.
func wrapError(err error, sent []secret.String) error {
	return &tokenError{msg: message(err, sent), class: classify(err), err: err}
}

func message(err error, sent []secret.String) string {
	var re *oauth2.RetrieveError
	var ue *url.Error
	var ua *unreadableAnswer
	switch {
	case errors.As(err, &re):
		return answerMessage(re, sent)
	case errors.As(err, &ua):
		return safe(ua.Error(), sent, maxErrorText)
	case errors.As(err, &ue):
		// url.Error's text is "Post \"TOKEN_URI\": cause"; no body in it.
		return "token request: " + safe(ue.Error(), sent, maxErrorText)
	case isMissingAccessToken(err):
		return "token endpoint answered without an access_token"
	}
	return "token endpoint gave an unusable answer: " + safe(strings.TrimPrefix(err.Error(), "oauth2: "), sent, maxProviderText)
}

// answerMessage describes an HTTP error answer or an OAuth error, e.g.
// "token endpoint answered 400: invalid_grant: AADSTS70000: ...; hint: ...".
func answerMessage(re *oauth2.RetrieveError, sent []secret.String) string {
	var b strings.Builder
	b.WriteString("token endpoint answered")
	if re.Response != nil {
		b.WriteString(" " + strconv.Itoa(re.Response.StatusCode))
		if re.Response.StatusCode/100 == 3 {
			b.WriteString(" (a redirect, not followed)")
		}
	}
	if re.ErrorCode != "" {
		b.WriteString(": " + describeError(re.ErrorCode, re.ErrorDescription, re.ErrorURI, sent))
	}
	return b.String()
}

// safe makes provider text fit for a message: control characters and
// invalid UTF-8 become spaces, runs of spaces shrink, secrets we sent are
// redacted however the provider wrote them (see redact), and the result is
// at most limit bytes. Spaces shrink first, so that a line break or a
// zero-width character put into a secret cannot hide it from redact.
func safe(s string, sent []secret.String, limit int) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == utf8.RuneError || !unicode.IsPrint(r) || unicode.IsSpace(r)
	}), " ")
	s = redact(s, sent)
	if len(s) <= limit {
		return s
	}
	const ellipsis = "..."
	cut := limit - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

// parseRetryAfter reads a Retry-After value (RFC 9110 section 10.2.3):
// delta-seconds or an HTTP-date, capped at maxRetryAfter. Garbage, absent and
// past dates give 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if strings.Trim(v, "0123456789") == "" {
		if len(v) > 7 { // more than ~115 days: no need to parse
			return maxRetryAfter
		}
		n, _ := strconv.Atoi(v)
		return min(time.Duration(n)*time.Second, maxRetryAfter)
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	return min(max(t.Sub(now), 0), maxRetryAfter)
}
