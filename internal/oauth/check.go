package oauth

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pizauth-go/pizauth/internal/secret"
)

// maxURI bounds a URI a provider gives that is shown to the user.
const maxURI = 2048

// errTokenEmpty and errTokenChars are ValidToken's answers.
var (
	errTokenEmpty = errors.New("the token is empty")
	errTokenChars = errors.New("the token has characters outside RFC 6749's visible ASCII (%x21-7E)")
)

// ValidToken checks that an access or refresh token can be handed out:
// non-empty, and only visible ASCII without space (RFC 6749 appendix A.12
// and A.17 allow %x20-7E; RFC 6750's b64token, what an Authorization
// header carries, has no space, and a space would split the token in
// SASL strings and shell commands). A token holding CR and LF would
// inject headers through `curl -H "Authorization: Bearer $(pizauth show
// x)"`. The error never quotes the token.
//
// Exchange, Refresh and DevicePoll check their answers with it; whatever
// reads tokens back from elsewhere (a dump, a persisted file) should too.
func ValidToken(tok string) error {
	if tok == "" {
		return errTokenEmpty
	}
	for i := 0; i < len(tok); i++ {
		if c := tok[i]; c < 0x21 || c > 0x7e {
			return errTokenChars
		}
	}
	return nil
}

// displayable reports whether a provider's s can be printed to a terminal
// or put in a user command's environment as one word: valid UTF-8 without
// C0 or C1 control codes, format characters (the bidi overrides such as
// U+202E, zero-width characters) or any kind of space.
func displayable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// displayableURI reports whether s is an absolute http or https URL that
// can be shown as it is: at most maxURI bytes of visible ASCII (RFC 3986
// URIs are ASCII; an IRI's Unicode is where spoofing hides).
func displayableURI(s string) bool {
	if s == "" || len(s) > maxURI {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e {
			return false
		}
	}
	return httpURL(s)
}

// httpURL reports whether s parses as an absolute http or https URL.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && len(s) <= maxURI
}

// isHTTPS reports whether s parses as an https URL.
func isHTTPS(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https"
}

// isLoopbackHTTP reports whether s is an http URL of a loopback host:
// localhost, 127.0.0.0/8 or ::1.
func isLoopbackHTTP(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "http" {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// SafeText makes text from outside (a provider's error description, a
// redirect's error parameter) fit for a message, a log line or a user
// command's environment: control codes (C0 and C1), format characters
// such as bidi overrides, invalid UTF-8 and runs of spaces become one
// space, and the result is at most limit bytes, ending in "..." when cut.
func SafeText(s string, limit int) string { return safe(s, nil, limit) }

// quoteProvider quotes provider text for an error message, made safe.
func quoteProvider(s string, sent []secret.String, limit int) string {
	return fmt.Sprintf("%q", safe(s, sent, limit))
}
