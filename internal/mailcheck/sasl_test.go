package mailcheck

import (
	"encoding/base64"
	"testing"
)

func TestDescribeChallenge(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct{ payload, want string }{
		{gmailChallenge, gmailDecoded},
		{" " + gmailChallenge + " ", gmailDecoded},
		// Outlook's, and the members after the three in name order.
		{b64(`{"status":"401","schemes":"bearer","scope":"https://outlook.office365.com/","openid-configuration":"https://x/"}`),
			`status "401", schemes "bearer", scope "https://outlook.office365.com/", openid-configuration "https://x/"`},
		{b64(`{"z":1,"status":401,"a":[1, 2],"scope":null}`), `status 401, scope null, a [1,2], z 1`},
		{b64(`{"status":"invalid_token\u001b[2J"}`), `status "invalid_token\x1b[2J"`},
		{b64(`not json`), `challenge "not json"`},
		{b64(`{}`), `challenge "{}"`},
		{"not base64!", `challenge "not base64!"`},
		{"", ""},
		{b64(`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9}`), "a 1, b 2, c 3, d 4, e 5, f 6, g 7, h 8"},
	}
	for _, tt := range tests {
		if got := describeChallenge(tt.payload); got != tt.want {
			t.Errorf("describeChallenge(%q) = %s; want %s", tt.payload, got, tt.want)
		}
	}
}

// The initial responses are the formats the SMTP test server of
// cmd/pizauth and Dovecot parse: Google's XOAUTH2 and RFC 7628.
func TestInitialResponse(t *testing.T) {
	tests := []struct{ mech, user, want string }{
		{mechXOAUTH2, "me@example.com", "user=me@example.com\x01auth=Bearer tok\x01\x01"},
		{mechOAUTHBEARER, "me@example.com", "n,a=me@example.com,\x01host=mail.example.com\x01port=587\x01auth=Bearer tok\x01\x01"},
		{mechOAUTHBEARER, "a,b=c", "n,a=a=2Cb=3Dc,\x01host=mail.example.com\x01port=587\x01auth=Bearer tok\x01\x01"},
	}
	for _, tt := range tests {
		raw, err := base64.StdEncoding.DecodeString(initialResponse(tt.mech, tt.user, "tok", "mail.example.com", 587))
		if err != nil || string(raw) != tt.want {
			t.Errorf("%s for %q: got %q, %v; want %q", tt.mech, tt.user, raw, err, tt.want)
		}
	}
	if got := errorChallengeReply(mechOAUTHBEARER); got != "AQ==" {
		t.Errorf("OAUTHBEARER's reply to an error challenge: got %q; want %q", got, "AQ==")
	}
}

func TestChooseMech(t *testing.T) {
	tests := []struct {
		offered []string
		want    string
	}{
		{[]string{"PLAIN", "OAUTHBEARER", "XOAUTH2"}, mechXOAUTH2},
		{[]string{"OAUTHBEARER"}, mechOAUTHBEARER},
		{[]string{"PLAIN", "LOGIN"}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := chooseMech(tt.offered); got != tt.want {
			t.Errorf("chooseMech(%q) = %q; want %q", tt.offered, got, tt.want)
		}
	}
}
