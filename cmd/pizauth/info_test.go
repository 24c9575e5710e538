package main

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"path/filepath"
	"testing"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/paths"
	"github.com/pizauth-go/pizauth/internal/testtool"
)

// oddStrings exercise every escape of jsonString and every padding of
// base64Std.
var oddStrings = []string{
	"", "a", "ab", "abc", "abcd", `"quoted" \back\slash`, "\b\f\n\r\t\x00\x01\x1f\x7f",
	"<script>&amp;</script>", "\u2028\u2029", "caf\xc3", "\xff\xfe", "日本語 🙂", "/run/user/1000/pizauth",
}

func TestJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range oddStrings {
		want, _ := json.Marshal(s)
		if got := jsonString(s); got != string(want) {
			t.Errorf("jsonString(%q) = %s; want %s", s, got, want)
		}
	}
}

func FuzzJSONString(f *testing.F) {
	for _, s := range oddStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := jsonString(s); got != string(want) {
			t.Errorf("jsonString(%q) = %s; want %s", s, got, want)
		}
	})
}

func TestBase64MatchesEncodingBase64(t *testing.T) {
	for _, s := range oddStrings {
		if got, want := base64Std(s), base64.StdEncoding.EncodeToString([]byte(s)); got != want {
			t.Errorf("base64Std(%q) = %s; want %s", s, got, want)
		}
	}
}

func FuzzBase64(f *testing.F) {
	for _, s := range oddStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := base64Std(s), base64.StdEncoding.EncodeToString([]byte(s)); got != want {
			t.Errorf("base64Std(%q) = %s; want %s", s, got, want)
		}
	})
}

// TestInfoJSONMatchesEncodingJSON checks the hand-written `info -j` against
// encoding/json's indented output of the same object, with and without a
// server.
func TestInfoJSONMatchesEncodingJSON(t *testing.T) {
	type serverJSON struct {
		HTTPPort    string `json:"http_port"`
		HTTPSPort   string `json:"https_port"`
		HTTPSPubKey string `json:"https_pub_key"`
	}
	type outputJSON struct {
		CacheDirectory    string      `json:"cache_directory"`
		ConfigFile        string      `json:"config_file"`
		ExecutedAs        string      `json:"executed_as"`
		InfoFormatVersion int         `json:"info_format_version"`
		PizauthVersion    string      `json:"pizauth_version"`
		ServerRunning     bool        `json:"server_running"`
		ServerInfo        *serverJSON `json:"server_info,omitempty"`
	}
	in := infoJSON{
		CacheDirectory: "/run/user/1000/pizauth", ConfigFile: "/home/a \"b\"/.config/pizauth.conf",
		ExecutedAs: "/usr/bin/pizauth", InfoFormatVersion: infoFormatVersion, PizauthVersion: "v1.2.3 <dev>",
	}
	withServer := in
	withServer.ServerRunning = true
	withServer.ServerInfo = &ctl.ServerInfo{HTTPPort: "8080", HTTPSPort: "none", HTTPSPubKey: "3059301306072a8648ce3d02"}
	for _, tt := range []infoJSON{in, withServer} {
		want := outputJSON{tt.CacheDirectory, tt.ConfigFile, tt.ExecutedAs, tt.InfoFormatVersion, tt.PizauthVersion, tt.ServerRunning, nil}
		if srv := tt.ServerInfo; srv != nil {
			want.ServerInfo = &serverJSON{srv.HTTPPort, srv.HTTPSPort, srv.HTTPSPubKey}
		}
		b, err := json.MarshalIndent(want, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if got := tt.json(); got != string(b)+"\n" {
			t.Errorf("got\n%s\nwant\n%s", got, b)
		}
	}
}

// TestServerInfoFromAnotherVersion: a server that answers info in a form
// this client does not read (an older one's JSON) still counts as running.
func TestServerInfoFromAnotherVersion(t *testing.T) {
	dir := testtool.ShortDir(t)
	ln, err := net.Listen("unix", filepath.Join(dir, paths.SocketName))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			io.ReadAll(c)
			c.Write([]byte(`ok:{"http_port":"8080"}`))
			c.Close()
		}
	}()
	in, answered, err := serverInfo(dir)
	if in != nil || !answered || err == nil {
		t.Errorf("got %+v, answered %v, %v; want no details, answered, an error", in, answered, err)
	}
	if _, answered, err := serverInfo(filepath.Join(dir, "none")); answered || err == nil {
		t.Errorf("no server: got answered %v, %v", answered, err)
	}
}
