package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pizauth-go/pizauth/internal/cmdline"
	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/getopt"
	"github.com/pizauth-go/pizauth/internal/paths"
	"github.com/pizauth-go/pizauth/internal/version"
)

// infoFormatVersion is the version of `info -j`'s format.
const infoFormatVersion = 2

// notUTF8 stands for a path that is not UTF-8, as in the original.
const notUTF8 = "<path cannot be represented as UTF-8>"

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

// json returns in as the original prints it: one line of compact JSON, the
// keys sorted, https_pub_key only when HTTPS is on. It is written by hand
// because encoding/json cannot print what the original's serde_json does
// (it always escapes U+2028 and U+2029), and so that the client links no
// encoding/json (TestClientDeps; bench/NOTES.md has the figures); a test
// and a fuzzer check it against encoding/json.
func (in infoJSON) json() string {
	var b strings.Builder
	field := func(key, val string) {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(jsonString(key) + ":" + val)
	}
	b.WriteByte('{')
	field("cache_directory", jsonString(in.CacheDirectory))
	field("config_file", jsonString(in.ConfigFile))
	field("executed_as", jsonString(in.ExecutedAs))
	field("info_format_version", strconv.Itoa(in.InfoFormatVersion))
	field("pizauth_version", jsonString(in.PizauthVersion))
	if srv := in.ServerInfo; srv != nil {
		s := `{"http_port":` + jsonString(srv.HTTPPort) + `,"https_port":` + jsonString(srv.HTTPSPort)
		if key, ok := pubKey(srv); ok {
			s += `,"https_pub_key":` + jsonString(key)
		}
		field("server_info", s+"}")
	}
	field("server_running", strconv.FormatBool(in.ServerRunning))
	b.WriteString("}\n")
	return b.String()
}

// pubKey is the HTTPS listener's public key; ok is false when HTTPS is off.
func pubKey(srv *ctl.ServerInfo) (key string, ok bool) {
	if srv.HTTPSPubKey == "" || srv.HTTPSPubKey == "none" || srv.HTTPSPort == "none" {
		return "", false
	}
	return srv.HTTPSPubKey, true
}

// jsonString quotes s as the original's JSON library (serde_json) does:
// only '"', '\\' and control characters below U+0020 are escaped.
func jsonString(s string) string {
	const hex = "0123456789abcdef"
	b := []byte{'"'}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\b':
			b = append(b, `\b`...)
		case c == '\f':
			b = append(b, `\f`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\r':
			b = append(b, `\r`...)
		case c == '\t':
			b = append(b, `\t`...)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return string(append(b, '"'))
}

// utf8Path is path, or what the original prints for one that is not UTF-8.
func utf8Path(path string) string {
	if !utf8.ValidString(path) {
		return notUTF8
	}
	return path
}

func cmdInfo(p getopt.Args) error {
	in := infoJSON{InfoFormatVersion: infoFormatVersion, PizauthVersion: version.String(), ExecutedAs: cmdline.ProgName()}
	dir, err := paths.RuntimeDir(os.Getenv)
	if err != nil {
		return bareError{err}
	}
	in.CacheDirectory = utf8Path(dir)
	sock, err := paths.Socket(os.Getenv)
	if err != nil {
		return bareError{err}
	}
	srv, answered, err := serverInfo(sock)
	switch {
	case err == nil:
		in.ServerRunning, in.ServerInfo = true, srv
	case answered:
		// A server answered, but not in a form this pizauth reads (one of
		// another version, still running after an upgrade).
		in.ServerRunning = true
		fmt.Fprintf(os.Stderr, "pizauth: the server's details are unavailable: %v\n", err)
	case !errors.Is(err, ctl.ErrNotRunning):
		// A socket the client refused to trust (another user's).
		fmt.Fprintf(os.Stderr, "pizauth: %v\n", err)
	}
	if in.ConfigFile, err = infoConfigFile(p, srv); err != nil {
		return bareError{err}
	}
	in.ConfigFile = utf8Path(in.ConfigFile)
	if p.Count["j"] > 0 {
		_, err := os.Stdout.WriteString(in.json())
		return err
	}
	_, err = os.Stdout.WriteString(in.text())
	return err
}

// infoConfigFile is the config file `info` reports: -c's, else the one a
// running server reads (it may have been started with -c), else the
// default, which must exist as in the original.
func infoConfigFile(p getopt.Args, srv *ctl.ServerInfo) (string, error) {
	if v := p.Value["config"]; v == "" && srv != nil && srv.ConfigFile != "" {
		return srv.ConfigFile, nil
	}
	return cmdline.ConfigFile(p.Value["config"])
}

// serverInfo asks the server on socket about itself; answered reports whether
// a server answered at all, even if not with its details.
func serverInfo(socket string) (in *ctl.ServerInfo, answered bool, err error) {
	c := &ctl.Client{Socket: socket}
	resp, err := c.Do(ctl.Request{Cmd: ctl.CmdInfo})
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

// text is `info` without -j, laid out as the original's.
func (in infoJSON) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s version %s:\n  cache directory: %s\n  config file: %s\n",
		in.ExecutedAs, in.PizauthVersion, in.CacheDirectory, in.ConfigFile)
	if !in.ServerRunning {
		b.WriteString("server not running\n")
		return b.String()
	}
	b.WriteString("server running:\n")
	if srv := in.ServerInfo; srv != nil {
		fmt.Fprintf(&b, "  HTTP port: %s\n  HTTPS port: %s\n", srv.HTTPPort, srv.HTTPSPort)
		if key, ok := pubKey(srv); ok {
			fmt.Fprintf(&b, "  HTTPS public key: %s\n", key)
		}
	}
	return b.String()
}
