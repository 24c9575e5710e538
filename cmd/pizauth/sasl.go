package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pizauth-go/pizauth/internal/getopt"
)

// SASL mechanisms that `show --sasl` can encode a token for.
const (
	saslXOAUTH2     = "xoauth2"
	saslOAUTHBEARER = "oauthbearer"
)

// saslRequest is what `show --sasl` asks for; zero when plain show.
type saslRequest struct{ mech, user string }

// parseSASL checks show's --sasl and --user options.
func parseSASL(p getopt.Args) (saslRequest, error) {
	mech, hasMech := p.Value["sasl"]
	user, hasUser := p.Value["user"]
	switch {
	case !hasMech && !hasUser:
		return saslRequest{}, nil
	case !hasMech:
		return saslRequest{}, optionError{"--user needs --sasl xoauth2 or --sasl oauthbearer"}
	case !hasUser || user == "":
		return saslRequest{}, optionError{"--sasl needs --user ADDRESS"}
	}
	mech = strings.ToLower(mech)
	if mech != saslXOAUTH2 && mech != saslOAUTHBEARER {
		return saslRequest{}, optionError{fmt.Sprintf("--sasl %q: want xoauth2 or oauthbearer", mech)}
	}
	if strings.ContainsAny(user, "\x00\x01") {
		return saslRequest{}, optionError{"--user must not contain control characters \\x00 or \\x01"}
	}
	return saslRequest{mech: mech, user: user}, nil
}

// saslResponse is the base64 SASL initial client response carrying token:
// Google's and Microsoft's XOAUTH2, or RFC 7628 OAUTHBEARER.
func saslResponse(r saslRequest, token string) (string, error) {
	if strings.ContainsAny(token, "\x00\x01") {
		return "", errors.New("the access token contains a control character and cannot be put into a SASL string")
	}
	var s string
	switch r.mech {
	case saslXOAUTH2:
		s = "user=" + r.user + "\x01auth=Bearer " + token + "\x01\x01"
	default:
		s = "n,a=" + gs2Name(r.user) + ",\x01auth=Bearer " + token + "\x01\x01"
	}
	return base64Std(s), nil
}

// base64Std is the standard base64 encoding of s, with padding (RFC 4648 §4).
// It is written by hand so that the client need not link encoding/base64,
// whose tables every pizauth start would build (see internal/daemon); a
// test checks it against encoding/base64.
func base64Std(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, 0, (len(s)+2)/3*4)
	for ; len(s) >= 3; s = s[3:] {
		v := uint(s[0])<<16 | uint(s[1])<<8 | uint(s[2])
		b = append(b, alphabet[v>>18&63], alphabet[v>>12&63], alphabet[v>>6&63], alphabet[v&63])
	}
	switch len(s) {
	case 1:
		v := uint(s[0]) << 16
		b = append(b, alphabet[v>>18&63], alphabet[v>>12&63], '=', '=')
	case 2:
		v := uint(s[0])<<16 | uint(s[1])<<8
		b = append(b, alphabet[v>>18&63], alphabet[v>>12&63], alphabet[v>>6&63], '=')
	}
	return string(b)
}

// gs2Name escapes an authorisation identity for a GS2 header (RFC 5801):
// "," becomes =2C and "=" becomes =3D.
func gs2Name(s string) string {
	return strings.NewReplacer("=", "=3D", ",", "=2C").Replace(s)
}
