package main

import (
	"encoding/json"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/paths"
	"github.com/pizauth-go/pizauth/internal/testtool"
)

// oddStrings exercise every escape of jsonString.
var oddStrings = []string{
	"", "a", "ab", "abc", "abcd", `"quoted" \back\slash`, "\b\f\n\r\t\x00\x01\x1f\x7f",
	"<script>&amp;</script>", "\u2028\u2029", "caf\xc3", "\xff\xfe", "日本語 🙂", "/run/user/1000/pizauth",
}

// serdeJSON is v as the original's serde_json writes it, which
// encoding/json matches when it leaves out HTML escaping, except for U+2028
// and U+2029 (which serde_json writes as they are) and invalid UTF-8 (which
// jsonString keeps; info never gives it one).
func serdeJSON(t *testing.T, v any) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.NewReplacer(`\u2028`, "\u2028", `\u2029`, "\u2029").Replace(strings.TrimSuffix(b.String(), "\n"))
}

func TestJSONStringMatchesSerdeJSON(t *testing.T) {
	for _, s := range oddStrings {
		if !utf8.ValidString(s) {
			continue
		}
		if got, want := jsonString(s), serdeJSON(t, s); got != want {
			t.Errorf("jsonString(%q) = %s; want %s", s, got, want)
		}
	}
}

func FuzzJSONString(f *testing.F) {
	for _, s := range oddStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.Contains(s, `\u202`) { // serdeJSON's replacer would be fooled
			return
		}
		if got, want := jsonString(s), serdeJSON(t, s); got != want {
			t.Errorf("jsonString(%q) = %s; want %s", s, got, want)
		}
	})
}

// TestInfoJSON checks `info -j` against the original's output: serde_json's
// compact form of the same object, whose keys are sorted.
func TestInfoJSON(t *testing.T) {
	in := infoJSON{
		CacheDirectory: "/run/user/1000/pizauth", ConfigFile: "/home/a \"b\"/.config/pizauth.conf",
		ExecutedAs: "pizauth", InfoFormatVersion: infoFormatVersion, PizauthVersion: "v1.2.3 <dev>",
	}
	want := map[string]any{"cache_directory": in.CacheDirectory, "config_file": in.ConfigFile, "executed_as": in.ExecutedAs,
		"info_format_version": in.InfoFormatVersion, "pizauth_version": in.PizauthVersion, "server_running": false}
	if got := in.json(); got != serdeJSON(t, want)+"\n" {
		t.Errorf("no server: got\n%swant\n%s", got, serdeJSON(t, want))
	}
	in.ServerRunning, want["server_running"] = true, true
	for _, tt := range []struct {
		srv  ctl.ServerInfo
		want map[string]string
	}{
		{ctl.ServerInfo{HTTPPort: "8080", HTTPSPort: "none", HTTPSPubKey: "none"}, map[string]string{"http_port": "8080", "https_port": "none"}},
		{ctl.ServerInfo{HTTPPort: "none", HTTPSPort: "8443", HTTPSPubKey: "04:A1"}, map[string]string{"http_port": "none", "https_port": "8443", "https_pub_key": "04:A1"}},
	} {
		in.ServerInfo, want["server_info"] = &tt.srv, tt.want
		if got := in.json(); got != serdeJSON(t, want)+"\n" {
			t.Errorf("got\n%swant\n%s", got, serdeJSON(t, want))
		}
	}
}

// TestInfoText checks `info`'s layout against the original's.
func TestInfoText(t *testing.T) {
	in := infoJSON{CacheDirectory: "/run/user/1/pizauth", ConfigFile: "/h/.config/pizauth.conf", ExecutedAs: "pizauth", PizauthVersion: "1.0"}
	head := "pizauth version 1.0:\n  cache directory: /run/user/1/pizauth\n  config file: /h/.config/pizauth.conf\n"
	if got, want := in.text(), head+"server not running\n"; got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
	in.ServerRunning = true
	in.ServerInfo = &ctl.ServerInfo{HTTPPort: "8080", HTTPSPort: "none", HTTPSPubKey: "none"}
	if got, want := in.text(), head+"server running:\n  HTTP port: 8080\n  HTTPS port: none\n"; got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
	in.ServerInfo = &ctl.ServerInfo{HTTPPort: "8080", HTTPSPort: "8443", HTTPSPubKey: "04:A1"}
	if got, want := in.text(), head+"server running:\n  HTTP port: 8080\n  HTTPS port: 8443\n  HTTPS public key: 04:A1\n"; got != want {
		t.Errorf("got\n%swant\n%s", got, want)
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
	in, answered, err := serverInfo(filepath.Join(dir, paths.SocketName))
	if in != nil || !answered || err == nil {
		t.Errorf("got %+v, answered %v, %v; want no details, answered, an error", in, answered, err)
	}
	if _, answered, err := serverInfo(filepath.Join(dir, "none", paths.SocketName)); answered || err == nil {
		t.Errorf("no server: got answered %v, %v", answered, err)
	}
}
