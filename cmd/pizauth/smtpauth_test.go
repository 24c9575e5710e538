package main

import (
	"maps"
	"testing"
)

// The SMTP test server's parsers are what make the msmtp script prove
// anything: they must take exactly the formats of XOAUTH2 and RFC 7628.
func TestParseXOAUTH2(t *testing.T) {
	tests := []struct {
		resp        string
		user, token string
		wantErr     bool
	}{
		{resp: "user=me@example.com\x01auth=Bearer at-1\x01\x01", user: "me@example.com", token: "at-1"},
		{resp: "user=me@example.com\x01auth=Bearer at-1\x01", wantErr: true},
		{resp: "user=me@example.com\x01auth=bearer at-1\x01\x01", wantErr: true},
		{resp: "user=\x01auth=Bearer at-1\x01\x01", wantErr: true},
		{resp: "user=me\x01x=y\x01auth=Bearer at-1\x01\x01", wantErr: true},
		{resp: "n,a=me,\x01auth=Bearer at-1\x01\x01", wantErr: true},
	}
	for _, tt := range tests {
		user, token, err := parseXOAUTH2(tt.resp)
		if (err != nil) != tt.wantErr || user != tt.user || token != tt.token {
			t.Errorf("parseXOAUTH2(%q) = %q, %q, %v; want %q, %q, error %t", tt.resp, user, token, err, tt.user, tt.token, tt.wantErr)
		}
	}
}

func TestParseOAuthBearer(t *testing.T) {
	tests := []struct {
		resp    string
		user    string
		kv      map[string]string
		wantErr bool
	}{
		{
			resp: "n,a=me@example.com,\x01host=127.0.0.1\x01port=25\x01auth=Bearer at-1\x01\x01",
			user: "me@example.com",
			kv:   map[string]string{"host": "127.0.0.1", "port": "25", "auth": "Bearer at-1"},
		},
		{resp: "n,a=a=2Cb=3Dc,\x01auth=Bearer t\x01\x01", user: "a,b=c", kv: map[string]string{"auth": "Bearer t"}},
		{resp: "n,,\x01auth=Bearer t\x01\x01", wantErr: true},
		{resp: "n,a=me,\x01auth=Bearer t\x01", wantErr: true},
		{resp: "n,a=me,auth=Bearer t\x01\x01", wantErr: true},
		{resp: "n,a=me,\x01auth=Bearer t\x01auth=Bearer u\x01\x01", wantErr: true},
		{resp: "n,a=me,\x01noequals\x01\x01", wantErr: true},
	}
	for _, tt := range tests {
		user, kv, err := parseOAuthBearer(tt.resp)
		if (err != nil) != tt.wantErr || user != tt.user || !maps.Equal(kv, tt.kv) {
			t.Errorf("parseOAuthBearer(%q) = %q, %v, %v; want %q, %v, error %t", tt.resp, user, kv, err, tt.user, tt.kv, tt.wantErr)
		}
	}
}
