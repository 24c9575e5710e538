package main

import (
	"encoding/base64"
	"testing"

	"github.com/pizauth-go/pizauth/internal/getopt"
)

func TestSASLResponse(t *testing.T) {
	tests := []struct {
		mech, user, token, want string
	}{
		{"xoauth2", "me@example.com", "at-1", "user=me@example.com\x01auth=Bearer at-1\x01\x01"},
		{"oauthbearer", "me@example.com", "at-1", "n,a=me@example.com,\x01auth=Bearer at-1\x01\x01"},
		{"oauthbearer", "a,b=c", "t", "n,a=a=2Cb=3Dc,\x01auth=Bearer t\x01\x01"},
	}
	for _, tt := range tests {
		got, err := saslResponse(saslRequest{tt.mech, tt.user}, tt.token)
		if err != nil {
			t.Errorf("saslResponse(%s, %q): %v", tt.mech, tt.user, err)
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(got)
		if err != nil || string(raw) != tt.want {
			t.Errorf("saslResponse(%s, %q) decodes to %q, %v; want %q", tt.mech, tt.user, raw, err, tt.want)
		}
	}
	if _, err := saslResponse(saslRequest{"xoauth2", "u"}, "bad\x01token"); err == nil {
		t.Errorf("saslResponse with \\x01 in the token: got no error")
	}
}

func TestParseSASL(t *testing.T) {
	tests := []struct {
		value   map[string]string
		want    saslRequest
		wantErr bool
	}{
		{map[string]string{}, saslRequest{}, false},
		{map[string]string{"sasl": "XOAUTH2", "user": "u@x"}, saslRequest{"xoauth2", "u@x"}, false},
		{map[string]string{"sasl": "oauthbearer", "user": "u@x"}, saslRequest{"oauthbearer", "u@x"}, false},
		{map[string]string{"sasl": "plain", "user": "u@x"}, saslRequest{}, true},
		{map[string]string{"sasl": "xoauth2"}, saslRequest{}, true},
		{map[string]string{"sasl": "xoauth2", "user": ""}, saslRequest{}, true},
		{map[string]string{"user": "u@x"}, saslRequest{}, true},
		{map[string]string{"sasl": "xoauth2", "user": "u\x01x"}, saslRequest{}, true},
	}
	for _, tt := range tests {
		got, err := parseSASL(getopt.Args{Value: tt.value})
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseSASL(%q): got %+v, %v; want %+v, error %v", tt.value, got, err, tt.want, tt.wantErr)
		}
		if _, ok := err.(optionError); err != nil && !ok {
			t.Errorf("parseSASL(%q): got %v; want an optionError", tt.value, err)
		}
	}
}
