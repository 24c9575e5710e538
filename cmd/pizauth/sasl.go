package main

import (
	"encoding/base64"
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
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

// gs2Name escapes an authorisation identity for a GS2 header (RFC 5801):
// "," becomes =2C and "=" becomes =3D.
func gs2Name(s string) string {
	return strings.NewReplacer("=", "=3D", ",", "=2C").Replace(s)
}
