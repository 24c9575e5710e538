package mailcheck

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The SASL mechanisms tried, in order of preference: XOAUTH2 is what
// Google and Microsoft document; OAUTHBEARER is RFC 7628.
const (
	mechXOAUTH2     = "XOAUTH2"
	mechOAUTHBEARER = "OAUTHBEARER"
)

// chooseMech returns the first OAuth mechanism in our order of preference
// that offered (upper-case names) holds, or "". Only one is tried: a token
// refused by one is refused by the other, and every failed login counts
// towards the server's lock-out.
func chooseMech(offered []string) string {
	for _, m := range []string{mechXOAUTH2, mechOAUTHBEARER} {
		if slices.Contains(offered, m) {
			return m
		}
	}
	return ""
}

// initialResponse is the base64 SASL initial client response of mech for
// user and token; OAUTHBEARER's carries the host and port as RFC 7628 asks.
func initialResponse(mech, user, token, host string, port int) string {
	var s string
	if mech == mechXOAUTH2 {
		s = "user=" + user + "\x01auth=Bearer " + token + "\x01\x01"
	} else {
		gs2 := strings.NewReplacer("=", "=3D", ",", "=2C").Replace(user)
		s = "n,a=" + gs2 + ",\x01host=" + host + "\x01port=" + strconv.Itoa(port) + "\x01auth=Bearer " + token + "\x01\x01"
	}
	return base64.StdEncoding.EncodeToString([]byte(s))
}

// errorChallengeReply is what the client sends after mech's error
// challenge so that the server ends the exchange with its failure answer:
// an empty response for XOAUTH2, a single %x01 for OAUTHBEARER (RFC 7628
// §3.2.3).
func errorChallengeReply(mech string) string {
	if mech == mechXOAUTH2 {
		return ""
	}
	return base64.StdEncoding.EncodeToString([]byte{1})
}

// maxChallengeKeys bounds how many members of a JSON challenge are shown.
const maxChallengeKeys = 8

// describeChallenge decodes a server's error challenge, the base64 JSON
// object Gmail, Outlook and Dovecot send (RFC 7628 §3.2.2): `status "401",
// schemes "Bearer", scope "https://mail.google.com/"`, the members in that
// order and then the others by name. A challenge that is not base64 JSON is
// quoted as it came.
func describeChallenge(payload string) string {
	payload = strings.TrimSpace(payload)
	if payload == "" {
		return ""
	}
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return "challenge " + quote(payload)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || len(obj) == 0 {
		return "challenge " + quote(string(raw))
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(challengeRank(a), challengeRank(b)), strings.Compare(a, b))
	})
	var parts []string
	for _, k := range keys[:min(len(keys), maxChallengeKeys)] {
		parts = append(parts, printable(k)+" "+jsonValue(obj[k]))
	}
	return strings.Join(parts, ", ")
}

// challengeRank orders a challenge's members: RFC 7628's status, schemes
// and scope first.
func challengeRank(key string) int {
	switch key {
	case "status":
		return 1
	case "schemes":
		return 2
	case "scope":
		return 3
	}
	return 4
}

// jsonValue shows a JSON member's value: a string quoted, anything else
// compacted.
func jsonValue(v json.RawMessage) string {
	var s string
	if len(v) > 0 && v[0] == '"' && json.Unmarshal(v, &s) == nil {
		return quote(s)
	}
	var b bytes.Buffer
	if json.Compact(&b, v) != nil {
		return quote(string(v))
	}
	return printable(b.String())
}

// quote quotes a string from the server, escaping what a terminal would
// act on.
func quote(s string) string { return fmt.Sprintf("%q", s) }
