package ctl

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// wireRequests are valid requests and their wire forms.
var wireRequests = []struct {
	req  Request
	wire string
}{
	{Request{Cmd: CmdDump}, "dump:"},
	{Request{Cmd: CmdInfo}, "info:"},
	{Request{Cmd: CmdReload}, "reload:"},
	{Request{Cmd: CmdShutdown}, "shutdown:"},
	{Request{Cmd: CmdStatus}, "status:"},
	{Request{Cmd: CmdStatusJSON}, "statusjson:"},
	{Request{Cmd: CmdRefresh, Account: "work", WithURL: true}, "refresh:withurl work"},
	{Request{Cmd: CmdRefresh, Account: "work"}, "refresh:withouturl work"},
	{Request{Cmd: CmdShow, Account: "work", WithURL: true}, "showtoken:withurl work"},
	{Request{Cmd: CmdShow, Account: "my office: smtp"}, "showtoken:withouturl my office: smtp"},
	{Request{Cmd: CmdShow, Account: "é"}, "showtoken:withouturl é"},
	{Request{Cmd: CmdRevoke, Account: "work"}, "revoke:work"},
	{Request{Cmd: CmdRevoke, Account: " a b "}, "revoke: a b "},
	{Request{Cmd: CmdRestore, Data: []byte("\x00\xff:binary")}, "restore:\x00\xff:binary"},
	{Request{Cmd: CmdShowWait, Account: "work", WithURL: true, Wait: 5 * time.Minute}, "showwait:withurl 300000 0 work"},
	{Request{Cmd: CmdShowWait, Account: "a b", Wait: 1500 * time.Millisecond, MinValid: time.Hour}, "showwait:withouturl 1500 3600000 a b"},
	{Request{Cmd: CmdShowFresh, Account: "work", WithURL: true, Wait: time.Minute, MinValid: time.Hour}, "showfresh:withurl 60000 3600000 work"},
	{Request{Cmd: CmdComplete, Account: "work", Data: []byte("http://localhost:1/?code=c&state=s")}, "complete:http://localhost:1/?code=c&state=s work"},
	{Request{Cmd: CmdComplete, Account: "my office: smtp", Data: []byte("x")}, "complete:x my office: smtp"},
}

func TestRequestRoundTrip(t *testing.T) {
	for _, tt := range wireRequests {
		if got := string(tt.req.Encode()); got != tt.wire {
			t.Errorf("Encode(%+v): got %q; want %q", tt.req, got, tt.wire)
		}
		got, err := DecodeRequest([]byte(tt.wire))
		if err != nil {
			t.Errorf("DecodeRequest(%q): %v", tt.wire, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.req) {
			t.Errorf("DecodeRequest(%q): got %+v; want %+v", tt.wire, got, tt.req)
		}
	}
}

func TestDecodeRequestErrors(t *testing.T) {
	tests := []struct {
		wire, want string // want: part of the error
	}{
		{"", "no ':'"},
		{"status", "no ':'"},
		{":", "unknown command"},
		{"Status:", "unknown command"},
		{"nope:x", `unknown command "nope"`},
		{strings.Repeat("x", 5000) + ":", "unknown command"},
		{"status:x", "takes no argument"},
		{"statusjson:x", "takes no argument"},
		{"statusjson", "no ':'"},
		{"showwait:withurl 10 0", "needs withurl or withouturl, two durations"},
		{"showwait:sometimes 10 0 work", "want withurl or withouturl"},
		{"showwait:withurl 010 0 work", "not a number of milliseconds"},
		{"showwait:withurl 10 -1 work", "not a number of milliseconds"},
		{"showwait:withurl 1000000000 0 work", "not a number of milliseconds"},
		{"showwait:withurl 10 0 ", "needs an account"},
		{"showfresh:withurl 10 work", "needs withurl or withouturl, two durations"},
		{"StatusJSON:", "unknown command"},
		{"dump: ", "takes no argument"},
		{"revoke:", "needs an account"},
		{"revoke:\xff", "not valid UTF-8"},
		{"restore:", "needs data"},
		{"showtoken:", "needs withurl or withouturl"},
		{"showtoken:work", "needs withurl or withouturl"},
		{"showtoken:withurl", "needs withurl or withouturl"},
		{"showtoken:withurl ", "needs an account"},
		{"showtoken:WITHURL work", "want withurl or withouturl"},
		{"showtoken: work", "want withurl or withouturl"},
		{"refresh:withouturl \xc3", "not valid UTF-8"},
		{"complete:", "needs an address and an account"},
		{"complete:http://localhost/?code=c", "needs an address and an account"},
		{"complete: work", "needs an address and an account"},
		{"complete:http://localhost/ ", "needs an account"},
		{"complete:http://localhost/ \xff", "not valid UTF-8"},
	}
	for _, tt := range tests {
		_, err := DecodeRequest([]byte(tt.wire))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("DecodeRequest(%.40q): got %v; want an error containing %q", tt.wire, err, tt.want)
		}
		if err != nil && len(err.Error()) > 200 {
			t.Errorf("DecodeRequest(%.40q): error is %d bytes long; want untrusted input clipped", tt.wire, len(err.Error()))
		}
	}
}

func TestResponseRoundTrip(t *testing.T) {
	tests := []struct {
		resp Response
		wire string
	}{
		{Response{KindOK, ""}, "ok:"},
		{Response{KindOK, "a: b\nc"}, "ok:a: b\nc"},
		{Response{KindError, "No account 'x'"}, "error:No account 'x'"},
		{Response{KindPending, "https://example.com/?a=b"}, "pending:https://example.com/?a=b"},
		{Response{KindPending, ""}, "pending:"},
		{Response{KindScheduled, ""}, "scheduled:"},
		{Response{KindToken, "tok"}, "access_token:tok"},
		{Response{KindOK, "\x00\xff"}, "ok:\x00\xff"},
	}
	for _, tt := range tests {
		if got := string(tt.resp.Encode()); got != tt.wire {
			t.Errorf("Encode(%+v): got %q; want %q", tt.resp, got, tt.wire)
		}
		got, err := DecodeResponse([]byte(tt.wire))
		if err != nil || got != tt.resp {
			t.Errorf("DecodeResponse(%q): got %+v, %v; want %+v", tt.wire, got, err, tt.resp)
		}
	}
}

func TestDecodeResponseErrors(t *testing.T) {
	for _, wire := range []string{"", "ok", "OK:x", "token:x", ":x"} {
		if got, err := DecodeResponse([]byte(wire)); err == nil {
			t.Errorf("DecodeResponse(%q): got %+v, nil; want an error", wire, got)
		}
	}
}

func FuzzDecodeRequest(f *testing.F) {
	for _, tt := range wireRequests {
		f.Add([]byte(tt.wire))
	}
	for _, s := range []string{"", ":", "status", "showtoken:withurl", "showtoken:withurl ",
		"revoke:\xff", "restore:", "refresh:x y", "dump:x", "statusjson:x", "statusjso:", "showwait:withurl 1 1 x", "showwait:withouturl 0 99 y"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeRequest(b)
		if err != nil {
			return
		}
		enc := r.Encode()
		if !bytes.Equal(enc, b) {
			t.Errorf("Encode(DecodeRequest(%q)) = %q; want the input back", b, enc)
		}
		r2, err := DecodeRequest(enc)
		if err != nil || !reflect.DeepEqual(r2, r) {
			t.Errorf("DecodeRequest(Encode(%+v)): got %+v, %v; want it back", r, r2, err)
		}
	})
}

func FuzzDecodeResponse(f *testing.F) {
	for _, s := range []string{"", "ok:", "error:x", "pending:", "scheduled:", "access_token:t", "x:y", "ok"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeResponse(b)
		if err != nil {
			return
		}
		if enc := r.Encode(); !bytes.Equal(enc, b) {
			t.Errorf("Encode(DecodeResponse(%q)) = %q; want the input back", b, enc)
		}
	})
}

func TestServerInfoRoundTrip(t *testing.T) {
	for _, in := range []ServerInfo{
		{},
		{HTTPPort: "8080", HTTPSPort: "none", HTTPSPubKey: "30593013", ConfigFile: "/home/a/.config/pizauth.conf"},
		{ConfigFile: "/odd \"path\"\nwith a newline=and equals\x00"},
	} {
		got, err := DecodeServerInfo(in.Encode())
		if err != nil || got != in {
			t.Errorf("%+v: got %+v, %v", in, got, err)
		}
	}
}

func TestDecodeServerInfo(t *testing.T) {
	tests := []struct {
		payload string
		want    ServerInfo
		ok      bool
	}{
		{"", ServerInfo{}, true},
		{"http_port=\"1\"\nnews=\"ignored\"\n", ServerInfo{HTTPPort: "1"}, true},
		{"http_port=\"1\"", ServerInfo{}, false},       // no final newline
		{"http_port=1\n", ServerInfo{}, false},         // not quoted
		{"http_port\n", ServerInfo{}, false},           // no value
		{"http_port=\"\\xff\"\n", ServerInfo{}, false}, // not UTF-8
		{"{\"http_port\":\"1\"}", ServerInfo{}, false}, // JSON of an older server
	}
	for _, tt := range tests {
		got, err := DecodeServerInfo(tt.payload)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("%q: got %+v, %v; want %+v, ok %v", tt.payload, got, err, tt.want, tt.ok)
		}
	}
}

func FuzzDecodeServerInfo(f *testing.F) {
	f.Add(ServerInfo{HTTPPort: "8080", HTTPSPort: "none", HTTPSPubKey: "ab", ConfigFile: "/c"}.Encode())
	f.Add("http_port=\"1\"\n")
	f.Fuzz(func(t *testing.T, payload string) {
		in, err := DecodeServerInfo(payload)
		if err != nil {
			return
		}
		// What decodes re-encodes to something that decodes the same.
		again, err := DecodeServerInfo(in.Encode())
		if err != nil || again != in {
			t.Errorf("%q: decoded %+v; re-encoded and decoded %+v, %v", payload, in, again, err)
		}
	})
}

func TestRequestWaits(t *testing.T) {
	for _, tt := range []struct {
		cmd  Cmd
		want bool
	}{
		{CmdShow, false}, {CmdStatus, false}, {CmdRefresh, false},
		{CmdShowWait, true}, {CmdShowFresh, true}, {CmdComplete, true}, {CmdRestore, true}, {CmdReload, true},
	} {
		if got := (Request{Cmd: tt.cmd}).Waits(); got != tt.want {
			t.Errorf("%s: Waits() = %t; want %t", tt.cmd, got, tt.want)
		}
	}
}

// The server reads requests into buffers it reuses, and a request that
// waits gives its buffer back before it is handled: what a decoded request
// keeps must not alias the input (restore excepted).
func TestDecodeRequestCopies(t *testing.T) {
	for _, in := range []string{
		"complete:http://localhost:1/?state=s&code=c work",
		"showwait:withurl 1000 0 work",
		"showtoken:withurl work",
		"revoke:work",
	} {
		b := []byte(in)
		req, err := DecodeRequest(b)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		want := fmt.Sprintf("%+v", req)
		for i := range b {
			b[i] = 'X'
		}
		if got := fmt.Sprintf("%+v", req); got != want {
			t.Errorf("%q: the decoded request changed with its input: got %s; want %s", in, got, want)
		}
	}
}
