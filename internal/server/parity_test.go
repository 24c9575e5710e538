package server

import (
	"regexp"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

// The tests in this file pin behaviour that scripts written for the
// original pizauth see (SPEC §11).

// TestStatusDatesAsTheOriginalPrintsThem checks chrono's RFC 2822: the day
// of the month is not zero-padded. The synctest clock starts at midnight
// UTC on 1 January 2000; twelve hours later it is the 1st or 2nd in every
// time zone.
func TestStatusDatesAsTheOriginalPrintsThem(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		time.Sleep(12 * time.Hour)
		h.authorise("work")
		date := `(Sat|Sun), [12] Jan 2000 \d\d:\d\d:\d\d [+-]\d{4}`
		want := regexp.MustCompile(`^work: Active access token \(obtained ` + date + `; expires ` + date + `\)\n$`)
		if got := h.status(); !want.MatchString(got) {
			t.Errorf("status = %q; want it to match %s", got, want)
		}
	})
}

// TestStatusSortsWholeLines sorts as the original does: "a-b: ..." comes
// before "a: ..." because '-' sorts before ':'.
func TestStatusSortsWholeLines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("a"), testAccount("a-b")))
		if got, want := h.status(), "a-b: No access token\na: No access token\n"; got != want {
			t.Errorf("status = %q; want %q", got, want)
		}
	})
}

// TestStatusShowsTheLastNotificationWithoutAuthNotifyCmd: the original
// records each notification whether or not auth_notify_cmd is set.
func TestStatusShowsTheLastNotificationWithoutAuthNotifyCmd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig(testAccount("work"))
		cfg.AuthNotifyCmd = ""
		h := start(t, cfg)
		time.Sleep(12 * time.Hour)
		h.show("work")
		want := regexp.MustCompile(`^work: Access token pending authentication \(last notification (Sat|Sun), [12] Jan 2000 [^)]+\)\n$`)
		if got := h.status(); !want.MatchString(got) {
			t.Errorf("status = %q; want it to match %s", got, want)
		}
	})
}

// TestRevokeAlwaysEmitsTokenRevoked, as the original does, even when there
// was nothing to forget.
func TestRevokeAlwaysEmitsTokenRevoked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		if r := h.do(ctl.Request{Cmd: ctl.CmdRevoke, Account: "work"}); r.Kind != ctl.KindOK {
			t.Fatalf("revoke = %+v; want ok", r)
		}
		synctest.Wait()
		if got, want := h.runner.events(), []string{"work:token_revoked"}; !slices.Equal(got, want) {
			t.Errorf("events = %q; want %q", got, want)
		}
	})
}

func TestUnknownCommandAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		want := "Unknown command 'frobnicate'"
		if r := h.do(ctl.Request{Cmd: "frobnicate"}); r.Kind != ctl.KindError || r.Payload != want {
			t.Errorf("answer = %+v; want error %q", r, want)
		}
	})
}

// TestRefreshOfPendingAccountStartsANewRequest: as in the original, refresh
// replaces a pending request (users run it to be notified again): the old
// URL stops working and auth_notify_cmd runs again.
func TestRefreshOfPendingAccountStartsANewRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		first := h.show("work")
		oldState := h.pendingState("work")
		r := h.do(ctl.Request{Cmd: ctl.CmdRefresh, Account: "work", WithURL: true})
		if r.Kind != ctl.KindPending || r.Payload == first.Payload || r.Payload == "" {
			t.Fatalf("refresh = %+v; want pending with a new URL (the old one was %q)", r, first.Payload)
		}
		synctest.Wait()
		// The commands run concurrently: their order is not fixed.
		var urls []string
		for _, n := range h.runner.runs("auth_notify_cmd") {
			urls = append(urls, envValue(n.env, "PIZAUTH_URL"))
		}
		slices.Sort(urls)
		want := []string{first.Payload, r.Payload}
		slices.Sort(want)
		if !slices.Equal(urls, want) {
			t.Fatalf("auth_notify_cmd ran with %q; want the old and the new URL", urls)
		}
		if page := h.s.HandleRedirect(redirectFor(oldState)); page.Body != pageNoMatch {
			t.Errorf("redirect with the old state = %+v; want %q: the old URL must stop working", page, pageNoMatch)
		}
		if page := h.s.HandleRedirect(redirectFor(h.pendingState("work"))); page.Body != pageProcessing {
			t.Errorf("redirect with the new state = %+v; want %q", page, pageProcessing)
		}
		synctest.Wait()
		if h.token("work") == "" {
			t.Error("no token after logging in with the new URL")
		}
	})
}

// TestRefreshDuringCodeExchangeKeepsTheLogin: once the user has logged in
// and the code is being exchanged, refresh does not throw the login away.
func TestRefreshDuringCodeExchangeKeepsTheLogin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.show("work")
		release := h.idp.holdCalls()
		h.s.HandleRedirect(redirectFor(h.pendingState("work")))
		if r := h.do(ctl.Request{Cmd: ctl.CmdRefresh, Account: "work"}); r.Kind != ctl.KindPending {
			t.Errorf("refresh during the exchange = %+v; want pending", r)
		}
		release()
		synctest.Wait()
		if r := h.show("work"); r.Kind != ctl.KindToken {
			t.Errorf("show after the exchange = %+v; want the token", r)
		}
	})
}
