package server

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/control"
	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/testidp"
)

// TestRefusalInTheProvidersWords: a refused refresh reaches
// error_notify_cmd, the log and status -j with the provider's error,
// description, URI and the AADSTS hint, with the refresh token the
// provider echoed redacted; status keeps the original's lines (issue 16
// item 2).
func TestRefusalInTheProvidersWords(t *testing.T) {
	p := newIDP(t)
	synctest.Test(t, func(t *testing.T) {
		h := startIDP(t, p, 0)
		h.loginAt(p, "acc")
		rt := p.Tokens()[0].Refresh
		p.FailNext(testidp.PathToken, 1, testidp.Fault{Status: 400, Body: `{"error":"invalid_grant",` +
			`"error_description":"AADSTS700082: The refresh token ` + rt + ` has expired due to inactivity. Trace ID: 1 Correlation ID: 2",` +
			`"error_uri":"https://login.microsoftonline.com/error?code=700082"}`})
		t0 := time.Now()
		h.do(ctl.Request{Cmd: ctl.CmdRefresh, Account: "acc"})
		synctest.Wait()
		const want = "invalid_grant: AADSTS700082: The refresh token [redacted] has expired due to inactivity. " +
			"(https://login.microsoftonline.com/error?code=700082); hint: AADSTS700082: the refresh token expired unused: log in again"
		notes := h.runner.runs("error_notify_cmd")
		if len(notes) != 1 || !strings.HasSuffix(envValue(notes[0].env, "PIZAUTH_MSG"), want) {
			t.Fatalf("error_notify_cmd runs = %+v; want one ending %q", notes, want)
		}
		var st []control.AccountStatus
		raw := h.statusJSON()
		if err := json.Unmarshal([]byte(raw), &st); err != nil || len(st) != 1 {
			t.Fatalf("status -j = %s: %v", raw, err)
		}
		if st[0].LastError == nil || !strings.HasSuffix(*st[0].LastError, want) || st[0].LastErrorTime == nil || !st[0].LastErrorTime.Equal(t0.UTC()) {
			t.Errorf("status -j = %s; want last_error ending %q at %v", raw, want, t0.UTC())
		}
		if strings.Contains(raw, rt) {
			t.Errorf("status -j reveals the refresh token: %s", raw)
		}
		if got := h.status(); got != "acc: No access token\n" {
			t.Errorf("status = %q; want the original's line", got)
		}
	})
}

// TestTransientFailureIsTheLastError: status -j says why refreshes keep
// failing while the token is kept.
func TestTransientFailureIsTheLastError(t *testing.T) {
	p := newIDP(t)
	synctest.Test(t, func(t *testing.T) {
		h := startIDP(t, p, 0)
		h.loginAt(p, "acc")
		p.FailNext(testidp.PathToken, 1, testidp.Fault{Status: 503})
		h.do(ctl.Request{Cmd: ctl.CmdRefresh, Account: "acc"})
		synctest.Wait()
		var st []control.AccountStatus
		json.Unmarshal([]byte(h.statusJSON()), &st)
		if len(st) != 1 || st[0].LastError == nil || !strings.Contains(*st[0].LastError, "token endpoint answered 503") {
			t.Errorf("status -j = %+v; want last_error saying the endpoint answered 503", st)
		}
	})
}
