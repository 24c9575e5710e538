// Package ctl is the control socket between pizauth's short-lived clients
// and its server.
//
// The wire format is the original pizauth's: one request per connection. The
// client writes `<cmd>:<arg>` and closes its write side; the server reads to
// EOF (bounded by MaxRequest, or MaxRestore for restore), answers
// `<kind>:<payload>` and closes the connection.
//
// This package is the wire format and the client, which is on the hot path
// of `pizauth show` and stays small: it links nothing the client does not
// use. The server's end is package endpoint.
package ctl

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// A Cmd is a request's command, the word before the first ':' on the wire.
type Cmd string

// Commands a client can send.
const (
	CmdDump     Cmd = "dump"
	CmdInfo     Cmd = "info"
	CmdReload   Cmd = "reload"
	CmdRefresh  Cmd = "refresh"
	CmdRestore  Cmd = "restore"
	CmdRevoke   Cmd = "revoke"
	CmdShow     Cmd = "showtoken"
	CmdShutdown Cmd = "shutdown"
	CmdStatus   Cmd = "status"
	// CmdStatusJSON is ours, not the original's: status as a JSON array.
	CmdStatusJSON Cmd = "statusjson"
	// CmdShowWait is ours: show that waits for a usable token
	// (`show --wait`, `--min-valid`). Its argument is
	// "withurl|withouturl <wait ms> <min-valid ms> <account>".
	CmdShowWait Cmd = "showwait"
	// CmdShowFresh is ours: showwait that waits only for the refresh of a
	// token (`show --min-valid` without --wait); without a token it answers
	// as showtoken does, at once. Its argument is showwait's.
	CmdShowFresh Cmd = "showfresh"
	// CmdComplete is ours: finish an authorisation with the address the
	// browser was redirected to (`pizauth complete`). Its argument is
	// "<address> <account>": an address has no spaces, an account name may.
	// The server answers once the code has been exchanged, within
	// CompleteWait.
	CmdComplete Cmd = "complete"
)

// A Kind is an answer's kind, the word before the first ':' on the wire.
type Kind string

// Kinds of answer the server gives.
const (
	KindOK        Kind = "ok"
	KindError     Kind = "error"
	KindPending   Kind = "pending"
	KindScheduled Kind = "scheduled"
	KindToken     Kind = "access_token"
)

// Size limits of a whole encoded request.
const (
	MaxRequest  = 4 << 10  // every command but restore and complete
	MaxRestore  = 16 << 20 // restore
	MaxComplete = 16 << 10 // complete: as long as a request the redirect listener takes
)

// CompleteWait bounds how long the server waits for the code exchange of a
// complete request before it answers; a client waits that much longer.
const CompleteWait = 90 * time.Second

const (
	withURL    = "withurl"
	withoutURL = "withouturl"
)

// ServerInfo is the server's answer to info: what `pizauth info` reports
// about the running server.
type ServerInfo struct {
	HTTPPort    string
	HTTPSPort   string
	HTTPSPubKey string
	// ConfigFile is the file the server reads, which `info` reports instead
	// of the default path.
	ConfigFile string
}

// infoField is one field of a ServerInfo with its name on the wire.
type infoField struct {
	key string
	val *string
}

// fields are in's fields with their names on the wire.
func (in *ServerInfo) fields() []infoField {
	return []infoField{
		{"http_port", &in.HTTPPort},
		{"https_port", &in.HTTPSPort},
		{"https_pub_key", &in.HTTPSPubKey},
		{"config_file", &in.ConfigFile},
	}
}

// Encode returns the payload of an info answer: a `key="value"` line per
// field, the value quoted as a Go string literal. (Not JSON, so that the
// client need not link encoding/json.)
func (in ServerInfo) Encode() string {
	var b []byte
	for _, f := range in.fields() {
		b = append(b, f.key...)
		b = append(b, '=')
		b = strconv.AppendQuote(b, *f.val)
		b = append(b, '\n')
	}
	return string(b)
}

// DecodeServerInfo parses an info answer's payload. Unknown keys are
// ignored (a newer server may say more); a malformed line is an error.
func DecodeServerInfo(payload string) (ServerInfo, error) {
	var in ServerInfo
	for payload != "" {
		line, rest, found := strings.Cut(payload, "\n")
		if !found {
			return ServerInfo{}, errors.New("malformed info answer: no final newline")
		}
		payload = rest
		key, quoted, ok := strings.Cut(line, "=")
		val, err := strconv.Unquote(quoted)
		if !ok || err != nil || !utf8.ValidString(val) {
			return ServerInfo{}, fmt.Errorf("malformed info answer line %q", clip([]byte(line)))
		}
		for _, f := range in.fields() {
			if f.key == key {
				*f.val = val
			}
		}
	}
	return in, nil
}

// Request is one decoded client request.
type Request struct {
	Cmd     Cmd
	Account string // refresh, revoke, showtoken, showwait, complete
	WithURL bool   // refresh, showtoken, showwait
	Data    []byte // restore; complete: the address
	// Wait bounds how long showwait waits; MinValid is the life the token
	// must have left. Both are whole milliseconds on the wire.
	Wait, MinValid time.Duration
}

// Waits reports whether the server may hold r for long before it answers
// (showwait, showfresh, complete, and restore and reload, which wait for
// their turn and may run client_secret_cmd): such requests are served
// apart from the others.
func (r Request) Waits() bool {
	switch r.Cmd {
	case CmdShowWait, CmdShowFresh, CmdComplete, CmdRestore, CmdReload:
		return true
	}
	return false
}

// Encode returns the wire form of r. It does not validate r: the server does.
func (r Request) Encode() []byte {
	n := len(r.Cmd) + 1 + len(withoutURL) + 1 + len(r.Account) + len(r.Data)
	b := make([]byte, 0, n)
	b = append(b, r.Cmd...)
	b = append(b, ':')
	switch r.Cmd {
	case CmdRefresh, CmdShow:
		if r.WithURL {
			b = append(b, withURL...)
		} else {
			b = append(b, withoutURL...)
		}
		b = append(b, ' ')
		b = append(b, r.Account...)
	case CmdShowWait, CmdShowFresh:
		if r.WithURL {
			b = append(b, withURL...)
		} else {
			b = append(b, withoutURL...)
		}
		b = append(b, ' ')
		b = strconv.AppendInt(b, r.Wait.Milliseconds(), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, r.MinValid.Milliseconds(), 10)
		b = append(b, ' ')
		b = append(b, r.Account...)
	case CmdRevoke:
		b = append(b, r.Account...)
	case CmdRestore:
		b = append(b, r.Data...)
	case CmdComplete:
		b = append(b, r.Data...)
		b = append(b, ' ')
		b = append(b, r.Account...)
	}
	return b
}

// DecodeRequest parses a request strictly: an unknown command, a missing or
// extra argument, an empty or invalid UTF-8 account name, or empty restore
// data is an error. For restore, Data aliases b.
func DecodeRequest(b []byte) (Request, error) {
	i := bytes.IndexByte(b, ':')
	if i < 0 {
		return Request{}, errors.New("malformed request: no ':' after the command")
	}
	cmd, arg := command(b[:i]), b[i+1:]
	switch cmd {
	case "":
		return Request{}, fmt.Errorf("unknown command %q", clip(b[:i]))
	case CmdDump, CmdInfo, CmdReload, CmdShutdown, CmdStatus, CmdStatusJSON:
		if len(arg) != 0 {
			return Request{}, fmt.Errorf("%s takes no argument", cmd)
		}
		return Request{Cmd: cmd}, nil
	case CmdRevoke:
		acct, err := account(cmd, arg)
		return Request{Cmd: cmd, Account: acct}, err
	case CmdRestore:
		if len(arg) == 0 {
			return Request{}, errors.New("restore needs data")
		}
		return Request{Cmd: cmd, Data: arg}, nil
	}
	switch cmd {
	case CmdShowWait, CmdShowFresh:
		return decodeShowWait(cmd, arg)
	case CmdComplete:
		return decodeComplete(arg)
	}
	// refresh and showtoken: "withurl|withouturl <account>".
	flag, rest, ok := bytes.Cut(arg, []byte{' '})
	if !ok {
		return Request{}, fmt.Errorf("%s needs withurl or withouturl and an account", cmd)
	}
	var with bool
	switch string(flag) {
	case withURL:
		with = true
	case withoutURL:
	default:
		return Request{}, fmt.Errorf("%s: got %q; want withurl or withouturl", cmd, clip(flag))
	}
	acct, err := account(cmd, rest)
	return Request{Cmd: cmd, Account: acct, WithURL: with}, err
}

// decodeShowWait parses the argument of showwait or showfresh (cmd):
// "withurl|withouturl <wait ms> <min-valid ms> <account>".
func decodeShowWait(cmd Cmd, arg []byte) (Request, error) {
	r := Request{Cmd: cmd}
	fields := bytes.SplitN(arg, []byte{' '}, 4)
	if len(fields) != 4 {
		return Request{}, errors.New("showwait needs withurl or withouturl, two durations and an account")
	}
	switch string(fields[0]) {
	case withURL:
		r.WithURL = true
	case withoutURL:
	default:
		return Request{}, fmt.Errorf("showwait: got %q; want withurl or withouturl", clip(fields[0]))
	}
	var err error
	if r.Wait, err = millis(fields[1]); err != nil {
		return Request{}, err
	}
	if r.MinValid, err = millis(fields[2]); err != nil {
		return Request{}, err
	}
	r.Account, err = account(cmd, fields[3])
	return r, err
}

// CompleteRequest is the complete request for account and address. Its
// Wait lets a client wait CompleteWait longer than for other requests, as
// the server does for the code exchange. An address too long for the server
// to accept is an error.
func CompleteRequest(account, address string) (Request, error) {
	req := Request{Cmd: CmdComplete, Account: account, Data: []byte(address), Wait: CompleteWait}
	if n := len(req.Encode()); n > MaxComplete {
		return Request{}, fmt.Errorf("the address is %d bytes long; the server accepts at most %d", len(address), MaxComplete-(n-len(address)))
	}
	return req, nil
}

// decodeComplete parses "<address> <account>". Data is a copy: the server
// reads requests into buffers it reuses, and complete may wait long.
func decodeComplete(arg []byte) (Request, error) {
	addr, rest, ok := bytes.Cut(arg, []byte{' '})
	if !ok || len(addr) == 0 {
		return Request{}, errors.New("complete needs an address and an account")
	}
	acct, err := account(CmdComplete, rest)
	return Request{Cmd: CmdComplete, Account: acct, Data: bytes.Clone(addr)}, err
}

// millis parses a canonical decimal number of milliseconds: digits only,
// no leading zero, at most 9 digits (over 11 days).
func millis(b []byte) (time.Duration, error) {
	bad := len(b) == 0 || len(b) > 9 || (len(b) > 1 && b[0] == '0')
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			bad = true
			break
		}
		n = n*10 + int64(c-'0')
	}
	if bad {
		return 0, fmt.Errorf("showwait: %q is not a number of milliseconds", clip(b))
	}
	return time.Duration(n) * time.Millisecond, nil
}

// command returns the Cmd constant spelled by b, or "" (without allocating).
func command(b []byte) Cmd {
	for _, c := range [...]Cmd{CmdShow, CmdRefresh, CmdStatus, CmdRevoke, CmdDump,
		CmdInfo, CmdReload, CmdRestore, CmdShutdown, CmdStatusJSON, CmdShowWait, CmdShowFresh,
		CmdComplete} {
		if string(b) == string(c) {
			return c
		}
	}
	return ""
}

// account checks an account-name argument of cmd.
func account(cmd Cmd, b []byte) (string, error) {
	switch {
	case len(b) == 0:
		return "", fmt.Errorf("%s needs an account name", cmd)
	case !utf8.Valid(b):
		return "", fmt.Errorf("%s: account name %q is not valid UTF-8", cmd, clip(b))
	}
	return string(b), nil
}

// clip shortens untrusted bytes before they are quoted into an error.
func clip(b []byte) []byte {
	const limit = 64
	if len(b) > limit {
		return b[:limit]
	}
	return b
}

// Response is one answer from the server.
type Response struct {
	Kind    Kind
	Payload string // may be binary (dump)
}

// Encode returns the wire form of r.
func (r Response) Encode() []byte {
	b := make([]byte, 0, len(r.Kind)+1+len(r.Payload))
	b = append(b, r.Kind...)
	b = append(b, ':')
	return append(b, r.Payload...)
}

// DecodeResponse parses an answer; its kind must be one of the Kind constants.
func DecodeResponse(b []byte) (Response, error) {
	if len(b) == 0 {
		return Response{}, errors.New("empty answer")
	}
	i := bytes.IndexByte(b, ':')
	if i < 0 {
		return Response{}, errors.New("malformed answer: no ':' after the kind")
	}
	kind := b[:i]
	for _, k := range [...]Kind{KindToken, KindOK, KindError, KindPending, KindScheduled} {
		if string(kind) == string(k) {
			return Response{Kind: k, Payload: string(b[i+1:])}, nil
		}
	}
	return Response{}, fmt.Errorf("unknown answer kind %q", clip(kind))
}
