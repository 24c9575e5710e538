package testidp_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"testing/synctest"
	"time"
)

// TestDevicePollTooSoon: a poll sooner than half the interval after the
// previous one is impatience and gets slow_down; one at half the interval
// or later is a poll whose arrival jittered and gets
// authorization_pending.
func TestDevicePollTooSoon(t *testing.T) {
	p := newProvider(t)
	p.AddClient("pub", "")
	p.SetDeviceTiming(2*time.Second, 10*time.Minute)
	synctest.Test(t, func(t *testing.T) {
		c := &http.Client{Transport: p.Transport()}
		post := func(uri string, form url.Values) map[string]any {
			t.Helper()
			resp, err := c.PostForm(uri, form)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			return body
		}
		dc := post(p.DeviceURI(), url.Values{"client_id": {"pub"}})["device_code"].(string)
		poll := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {dc}, "client_id": {"pub"}}
		for _, tt := range []struct {
			wait time.Duration
			want string
		}{
			{time.Second, "authorization_pending"},
			{900 * time.Millisecond, "slow_down"},
		} {
			time.Sleep(tt.wait)
			if got := post(p.TokenURI(), poll)["error"]; got != tt.want {
				t.Errorf("poll %v after the previous one: got %v; want %s", tt.wait, got, tt.want)
			}
		}
		if polls := p.DevicePolls(); len(polls) != 2 || polls[1].Answer != "slow_down" {
			t.Errorf("polls recorded: %+v", polls)
		}
	})
}
