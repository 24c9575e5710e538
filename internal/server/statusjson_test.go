package server

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/oauth"
	"github.com/pizauth-go/pizauth/internal/secret"
)

// TestStatusJSONStatesAndNoSecrets walks one account through every state
// and checks `status -j` in each, with canary tokens that must never show.
func TestStatusJSONStatesAndNoSecrets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("a"), testAccount("b")))
		h.idp.setAnswer(func(grant string, n int) (*oauth.Token, error) {
			if grant == "refresh_token" {
				return nil, errTransient
			}
			return &oauth.Token{Access: secret.String("CANARY-ACCESS"), Refresh: secret.String("CANARY-REFRESH"), ExpiresIn: time.Hour}, nil
		})
		check := func(wantState string, wantNull, wantTime []string) {
			t.Helper()
			raw := h.statusJSON()
			if strings.Contains(raw, "CANARY") {
				t.Fatalf("status -j shows a secret: %s", raw)
			}
			var list []map[string]any
			if err := json.Unmarshal([]byte(raw), &list); err != nil || len(list) != 2 {
				t.Fatalf("status -j = %s, %v; want a JSON array of 2", raw, err)
			}
			a := list[0]
			if a["name"] != "a" || list[1]["name"] != "b" || a["state"] != wantState || a["flow"] != "code" {
				t.Errorf("status -j = %s; want a (state %s, flow code) then b", raw, wantState)
			}
			for _, k := range wantNull {
				if a[k] != nil {
					t.Errorf("state %s: %s = %v; want null", wantState, k, a[k])
				}
			}
			for _, k := range wantTime {
				s, _ := a[k].(string)
				if _, err := time.Parse(time.RFC3339, s); err != nil {
					t.Errorf("state %s: %s = %v; want an RFC 3339 time", wantState, k, a[k])
				}
			}
		}
		all := []string{"obtained", "expires", "last_refresh_attempt", "last_notification"}
		check("none", all, nil)
		h.show("a")
		check("pending", all[:3], all[3:])
		h.s.HandleRedirect(redirectFor(h.pendingState("a")))
		synctest.Wait()
		check("active", []string{"last_refresh_attempt", "last_notification"}, []string{"obtained", "expires"})
		time.Sleep(2 * time.Hour) // refreshes fail transiently; the token expires
		synctest.Wait()
		check("expired", []string{"last_notification"}, []string{"obtained", "expires", "last_refresh_attempt"})
	})
}
