package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/getopt"
	"github.com/pizauth-go/pizauth/internal/paths"
	"github.com/pizauth-go/pizauth/internal/version"
)

// infoFormatVersion is the version of `info -j`'s format.
const infoFormatVersion = 2

// infoJSON is what `info` reports; infoJSON.json is `info -j`.
type infoJSON struct {
	CacheDirectory    string
	ConfigFile        string
	ExecutedAs        string
	InfoFormatVersion int
	PizauthVersion    string
	ServerRunning     bool
	ServerInfo        *ctl.ServerInfo
}

// json returns in as an indented JSON object. It is written by hand so that
// the client need not link encoding/json (see internal/daemon); a test checks
// it against encoding/json.
func (in infoJSON) json() string {
	var b strings.Builder
	field := func(indent, key, val string, last bool) {
		b.WriteString(indent + jsonString(key) + ": " + val)
		if !last {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("{\n")
	field("  ", "cache_directory", jsonString(in.CacheDirectory), false)
	field("  ", "config_file", jsonString(in.ConfigFile), false)
	field("  ", "executed_as", jsonString(in.ExecutedAs), false)
	field("  ", "info_format_version", strconv.Itoa(in.InfoFormatVersion), false)
	field("  ", "pizauth_version", jsonString(in.PizauthVersion), false)
	field("  ", "server_running", strconv.FormatBool(in.ServerRunning), in.ServerInfo == nil)
	if srv := in.ServerInfo; srv != nil {
		b.WriteString(`  "server_info": {` + "\n")
		field("    ", "http_port", jsonString(srv.HTTPPort), false)
		field("    ", "https_port", jsonString(srv.HTTPSPort), false)
		field("    ", "https_pub_key", jsonString(srv.HTTPSPubKey), true)
		b.WriteString("  }\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// jsonString quotes s as encoding/json does: HTML-safe, each byte of
// invalid UTF-8 written as \ufffd.
func jsonString(s string) string {
	const hex = "0123456789abcdef"
	b := []byte{'"'}
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			b = append(b, `\ufffd`...)
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\b':
			b = append(b, `\b`...)
		case r == '\f':
			b = append(b, `\f`...)
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r < 0x20 || r == '<' || r == '>' || r == '&':
			b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
		case r == '\u2028' || r == '\u2029':
			b = append(b, `\u202`...)
			b = append(b, hex[r&0xf])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return string(append(b, '"'))
}

func cmdInfo(p getopt.Args) error {
	in := infoJSON{InfoFormatVersion: infoFormatVersion, PizauthVersion: version.String()}
	in.CacheDirectory, _ = paths.RuntimeDir(os.Getenv)
	in.ConfigFile, _ = paths.ConfigFile("", os.Getenv)
	in.ExecutedAs, _ = os.Executable()
	srv, answered, err := serverInfo(in.CacheDirectory)
	switch {
	case err == nil:
		in.ServerRunning, in.ServerInfo = true, srv
		// A running server may read another file (-c) than the default.
		if srv.ConfigFile != "" {
			in.ConfigFile = srv.ConfigFile
		}
	case answered:
		// A server answered, but not in a form this pizauth reads (one of
		// another version, still running after an upgrade).
		in.ServerRunning = true
		fmt.Fprintf(os.Stderr, "pizauth: the server's details are unavailable: %v\n", err)
	}
	if p.Count["j"] > 0 {
		_, err := os.Stdout.WriteString(in.json())
		return err
	}
	printInfo(in)
	return nil
}

// serverInfo asks the server in dir about itself; answered reports whether
// a server answered at all, even if not with its details.
func serverInfo(dir string) (in *ctl.ServerInfo, answered bool, err error) {
	c := &ctl.Client{Socket: dir + "/" + paths.SocketName}
	resp, err := c.Info()
	if err != nil {
		return nil, false, err
	}
	if resp.Kind != ctl.KindOK {
		return nil, true, fmt.Errorf("%s", resp.Payload)
	}
	decoded, err := ctl.DecodeServerInfo(resp.Payload)
	if err != nil {
		return nil, true, err
	}
	return &decoded, true, nil
}

func printInfo(in infoJSON) {
	fmt.Printf("pizauth version %s:\n", in.PizauthVersion)
	fmt.Printf("  cache directory: %s\n", in.CacheDirectory)
	fmt.Printf("  config file: %s\n", in.ConfigFile)
	if !in.ServerRunning {
		fmt.Println("  server running: no")
		return
	}
	fmt.Println("  server running: yes")
	if in.ServerInfo == nil {
		return
	}
	fmt.Printf("    HTTP port: %s\n", in.ServerInfo.HTTPPort)
	fmt.Printf("    HTTPS port: %s\n", in.ServerInfo.HTTPSPort)
	fmt.Printf("    HTTPS public key: %s\n", in.ServerInfo.HTTPSPubKey)
}
