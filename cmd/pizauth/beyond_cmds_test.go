package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/paths"
)

func init() {
	scriptCmds["jsonitem"] = cmdJSONItem
	scriptCmds["waitstate"] = cmdWaitState
	scriptCmds["saslcheck"] = cmdSASLCheck
	scriptCmds["idpenv"] = cmdIDPEnv
	scriptCmds["idpreq"] = cmdIDPReq
	scriptCmds["idpissued"] = cmdIDPIssued
	scriptCmds["idpdevice"] = cmdIDPDevice
	scriptCmds["idpdiscovery"] = cmdIDPDiscovery
}

// cmdIDPDiscovery controls the provider's discovery documents:
//
//	idpdiscovery issuer URL      the document names URL as its issuer
//	idpdiscovery oidc on|off     off: only /.well-known/oauth-authorization-server
func cmdIDPDiscovery(ts *testscript.TestScript, neg bool, args []string) {
	p := provider(ts)
	switch arg(ts, args, 0) {
	case "issuer":
		p.SetDiscoveryIssuer(arg(ts, args, 1))
	case "oidc":
		p.SetDiscoveryOIDC(arg(ts, args, 1) == "on")
	default:
		ts.Fatalf("unknown idpdiscovery command %q", args[0])
	}
}

// cmdIDPDevice controls the provider's device authorization grant:
//
//	idpdevice timing INTERVAL LIFETIME  of device codes issued from now on
//	idpdevice complete on|off           give verification_uri_complete
//	idpdevice approve|deny|expire       the latest user code
//	idpdevice slowdown N                the next N polls get slow_down
//	idpdevice usercode                  prints the latest user code
//	idpdevice polls                     prints the polls' answers, one a line; fails
//	                                    if a poll came sooner than the interval (less
//	                                    250 ms of jitter) after the previous one
func cmdIDPDevice(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: idpdevice COMMAND ARGS...")
	}
	p := provider(ts)
	switch args[0] {
	case "timing":
		interval, err := time.ParseDuration(arg(ts, args, 1))
		ts.Check(err)
		lifetime, err := time.ParseDuration(arg(ts, args, 2))
		ts.Check(err)
		p.SetDeviceTiming(interval, lifetime)
	case "complete":
		p.SetDeviceComplete(arg(ts, args, 1) == "on")
	case "approve":
		ts.Check(p.ApproveDevice(p.LastUserCode()))
	case "deny":
		ts.Check(p.DenyDevice(p.LastUserCode()))
	case "expire":
		ts.Check(p.ExpireDevice(p.LastUserCode()))
	case "slowdown":
		n, err := strconv.Atoi(arg(ts, args, 1))
		ts.Check(err)
		p.SlowDownDevice(n)
	case "usercode":
		fmt.Fprintln(ts.Stdout(), p.LastUserCode())
	case "polls":
		// Only the answers and intervals: when polls arrive depends on the
		// machine's load (TestDevicePollingHonoursInterval checks the
		// timing on the synctest clock).
		for _, poll := range p.DevicePolls() {
			fmt.Fprintf(ts.Stdout(), "%s (interval %v)\n", poll.Answer, poll.Interval)
		}
	default:
		ts.Fatalf("unknown idpdevice command %q", args[0])
	}
}

// cmdIDPEnv sets IDP_URL (the provider's base URL), IDP_REVOKE_URI and
// IDP_DEVICE_URI for
// scripts that configure more of the provider's endpoints.
//
//	idpenv
func cmdIDPEnv(ts *testscript.TestScript, neg bool, args []string) {
	p := provider(ts)
	ts.Setenv("IDP_URL", p.URL())
	ts.Setenv("IDP_REVOKE_URI", p.RevokeURI())
	ts.Setenv("IDP_DEVICE_URI", p.DeviceURI())
}

// cmdIDPReq waits (up to 30 s) until ENDPOINT has had N requests and prints
// KEY of the form of the Nth (counting from 1).
//
//	idpreq ENDPOINT N KEY
func cmdIDPReq(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: idpreq ENDPOINT N KEY")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	p := provider(ts)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ts.Check(p.WaitCount(ctx, "/"+args[0], n))
	i := 0
	for _, r := range p.Requests() {
		if r.Endpoint == "/"+args[0] {
			if i++; i == n {
				fmt.Fprintln(ts.Stdout(), r.Form.Get(args[2]))
				return
			}
		}
	}
}

// cmdIDPIssued prints the access or refresh token of the provider's Nth
// token answer (counting from 1).
//
//	idpissued N access|refresh
func cmdIDPIssued(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: idpissued N access|refresh")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	issued := provider(ts).Tokens()
	if n < 1 || n > len(issued) {
		ts.Fatalf("the provider issued %d tokens; no token answer %d", len(issued), n)
	}
	tok := issued[n-1].Access
	if args[1] == "refresh" {
		tok = issued[n-1].Refresh
	}
	fmt.Fprintln(ts.Stdout(), tok)
}

// cmdSASLCheck decodes the base64 in FILE and compares it with WANT, in
// which \x01 stands for the byte 1 and TOKEN for the content of TOKENFILE.
//
//	saslcheck FILE TOKENFILE WANT
func cmdSASLCheck(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: saslcheck FILE TOKENFILE WANT")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(ts.ReadFile(args[0])))
	ts.Check(err)
	token := strings.TrimSpace(ts.ReadFile(args[1]))
	want := strings.ReplaceAll(strings.ReplaceAll(args[2], `\x01`, "\x01"), "TOKEN", token)
	if string(raw) != want {
		ts.Fatalf("%s decodes to %q; want %q", args[0], raw, want)
	}
}

// cmdWaitState waits (up to 30 s) until `pizauth status -j` says ACCOUNT is
// in STATE (none, pending, active or expired), for states that change with
// time rather than with an event a script can wait for.
//
//	waitstate ACCOUNT STATE
func cmdWaitState(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: waitstate ACCOUNT STATE")
	}
	c := &ctl.Client{Socket: filepath.Join(ts.Getenv("XDG_RUNTIME_DIR"), "pizauth", paths.SocketName)}
	deadline := time.Now().Add(30 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		resp, err := c.Do(ctl.Request{Cmd: ctl.CmdStatusJSON})
		ts.Check(err)
		var list []struct{ Name, State string }
		ts.Check(json.Unmarshal([]byte(resp.Payload), &list))
		for _, a := range list {
			if a.Name == args[0] {
				last = a.State
			}
		}
		if last == args[1] {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	ts.Fatalf("account %s is still %q after 30s; want %q", args[0], last, args[1])
}

// cmdJSONItem prints KEY of the object at INDEX of the JSON array in FILE;
// JSON null prints as null. With only FILE, it prints the array's length.
//
//	jsonitem FILE [INDEX KEY]
func cmdJSONItem(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 && len(args) != 3 {
		ts.Fatalf("usage: jsonitem FILE [INDEX KEY]")
	}
	var list []map[string]any
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[0])), &list))
	if len(args) == 1 {
		fmt.Fprintln(ts.Stdout(), len(list))
		return
	}
	i, err := strconv.Atoi(args[1])
	ts.Check(err)
	if i < 0 || i >= len(list) {
		ts.Fatalf("%s has %d items; no item %d", args[0], len(list), i)
	}
	v, found := list[i][args[2]]
	switch {
	case !found:
		ts.Fatalf("%s: item %d has no key %q", args[0], i, args[2])
	case v == nil:
		fmt.Fprintln(ts.Stdout(), "null")
	default:
		fmt.Fprintln(ts.Stdout(), v)
	}
}
