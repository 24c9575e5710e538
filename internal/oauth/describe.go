package oauth

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/pizauth-go/pizauth/internal/secret"
)

// maxDescription caps a provider's error_description in messages; longer
// than other provider text because Microsoft's put the useful part first
// and are long.
const maxDescription = 300

// DescribeError says in one line what a provider's OAuth error answer
// (RFC 6749 section 5.2) or error redirect (section 4.1.2.1) said: its
// error code, error_description and error_uri, each made safe by
// SafeText, followed by a hint when the description names a Microsoft
// Entra ID error (AADSTS<number>) whose remedy is known, e.g.
//
//	invalid_grant: AADSTS70008: The refresh token has expired due to
//	inactivity. (https://login.microsoftonline.com/error?code=70008);
//	hint: the refresh token expired unused: log in again
func DescribeError(code, description, uri string) string {
	return describeError(code, description, uri, nil)
}

func describeError(code, description, uri string, sent []secret.String) string {
	var b strings.Builder
	b.WriteString(safe(code, sent, maxProviderText))
	// Microsoft appends "Trace ID: ... Correlation ID: ... Timestamp: ...",
	// which only its support can use.
	if i := strings.Index(description, " Trace ID:"); i > 0 {
		description = description[:i]
	}
	if d := safe(description, sent, maxDescription); d != "" {
		b.WriteString(": " + d)
	}
	if u := safe(uri, sent, maxProviderText); u != "" {
		b.WriteString(" (" + u + ")")
	}
	if h := aadstsHint(description); h != "" {
		b.WriteString("; hint: " + h)
	}
	return b.String()
}

// aadsts finds Microsoft Entra ID's error numbers.
var aadsts = regexp.MustCompile(`\bAADSTS(\d{4,8})\b`)

// aadstsHints are the remedies of the Microsoft Entra ID errors that
// pizauth users meet most.
var aadstsHints = map[int]string{
	50011:   "the redirect URI does not match the app registration's: register http://localhost under \"Mobile and desktop applications\"",
	500113:  "the app registration has no redirect URI: register http://localhost under \"Mobile and desktop applications\"",
	50076:   "multi-factor authentication is required: log in again",
	50079:   "multi-factor authentication must be set up: log in again",
	50173:   "the grant was revoked (a password change?): log in again",
	53003:   "a conditional access policy blocks this sign-in: ask your administrator",
	65001:   "consent required: log in again and consent to the permissions, or ask an administrator to grant consent for the tenant",
	65004:   "the user declined to consent: log in again and accept",
	70000:   "the grant is invalid, revoked or for other scopes: log in again",
	70008:   "the refresh token expired unused: log in again",
	70043:   "the refresh token expired under a sign-in frequency policy: log in again",
	700016:  "client_id is not an application of this tenant: check client_id and the tenant in the URIs",
	700082:  "the refresh token expired unused: log in again",
	700084:  "the refresh token (issued to a single-page application) expired: log in again",
	7000215: "invalid client secret: client_secret must be the secret's Value, not its Secret ID",
	7000222: "the client secret has expired: create a new one in the app registration and update client_secret",
}

// aadstsHint is the hint for the first AADSTS error in description with
// one, or "".
func aadstsHint(description string) string {
	for _, m := range aadsts.FindAllStringSubmatch(description, 4) {
		if n, err := strconv.Atoi(m[1]); err == nil && aadstsHints[n] != "" {
			return "AADSTS" + m[1] + ": " + aadstsHints[n]
		}
	}
	return ""
}
