package oauth_test

import (
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/oauth"
	"github.com/pizauth-go/pizauth/internal/testidp"
)

// deviceSetup is a provider with a public client "c" and the parameters
// to use it in memory, with a 20 s client timeout like NewHTTPClient's
// wait for response headers. Call it outside the synctest bubble: the
// provider's listener is a real socket.
func deviceSetup(t *testing.T) (*testidp.Provider, oauth.Params, *oauth.Client) {
	p := testidp.New()
	t.Cleanup(p.Close)
	p.AddClient("c", "")
	params := oauth.Params{TokenURI: p.TokenURI(), DeviceAuthURI: p.DeviceURI(), ClientID: "c"}
	c := &oauth.Client{HTTP: &http.Client{Transport: p.Transport(), Timeout: 20 * time.Second}}
	return p, params, c
}

// TestDevicePollSlowAnswerIsTransient: a poll that times out is not the
// device code expiring (issue 13 item 3). The code has 15 minutes left.
func TestDevicePollSlowAnswerIsTransient(t *testing.T) {
	p, params, c := deviceSetup(t)
	synctest.Test(t, func(t *testing.T) {
		p.SetDeviceTiming(5*time.Second, 15*time.Minute)
		dc, err := c.DeviceAuth(t.Context(), params)
		if err != nil {
			t.Fatal(err)
		}
		p.FailNext(testidp.PathToken, 1, testidp.Fault{Delay: 25 * time.Second})
		_, err = c.DevicePoll(t.Context(), params, dc)
		class, _ := oauth.Classify(err)
		if err == nil || class != oauth.Transient || strings.Contains(err.Error(), "expired") {
			t.Fatalf("slow poll: got %v (%v); want a transient error that is not an expiry", err, class)
		}
		p.ApproveDevice(dc.UserCode)
		if tok, err := c.DevicePoll(t.Context(), params, dc); err != nil || tok.Access.Reveal() != p.LastAccessToken() {
			t.Fatalf("next poll: got %v, %v; want the token", tok, err)
		}
	})
}

// TestDevicePollExpiry: the code's own expiry ends the polling, as a
// permanent error.
func TestDevicePollExpiry(t *testing.T) {
	p, params, c := deviceSetup(t)
	synctest.Test(t, func(t *testing.T) {
		p.SetDeviceTiming(5*time.Second, time.Minute)
		dc, err := c.DeviceAuth(t.Context(), params)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.DevicePoll(t.Context(), params, dc)
		if class, _ := oauth.Classify(err); err == nil || class != oauth.Permanent || !strings.Contains(err.Error(), "expired") {
			t.Fatalf("got %v (%v); want the code's expiry, permanent", err, class)
		}
	})
}

// TestDeviceNumbers: huge and float numbers in a device answer (issue 18
// item 11).
func TestDeviceNumbers(t *testing.T) {
	tests := []struct {
		name, expiresIn, interval string
		wantLeft, wantInterval    time.Duration // wantLeft 0: no expiry
	}{
		{"integers", "900", "5", 900 * time.Second, 5 * time.Second},
		{"floats", "900.0", "5.0", 900 * time.Second, 5 * time.Second},
		{"exponent", "9e2", "1e1", 900 * time.Second, 10 * time.Second},
		{"strings", `"900"`, `"5"`, 900 * time.Second, 5 * time.Second},
		{"past int64 seconds in nanoseconds", "9300000000", "5", (1<<31 - 1) * time.Second, 5 * time.Second},
		{"past int64", "1e300", "1e300", (1<<31 - 1) * time.Second, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, params, _ := deviceSetup(t)
			// No client timeout: x/oauth2 never closes a device answer's
			// body, so the timeout's goroutine would outlive the bubble.
			c := &oauth.Client{HTTP: &http.Client{Transport: p.Transport()}}
			synctest.Test(t, func(t *testing.T) {
				p.FailNext(testidp.PathDevice, 1, testidp.Fault{Status: 200, Body: `{"device_code":"d","user_code":"ABCD-EFGH",` +
					`"verification_uri":"https://idp.example/device","expires_in":` + tt.expiresIn + `,"interval":` + tt.interval + `}`})
				dc, err := c.DeviceAuth(t.Context(), params)
				if err != nil {
					t.Fatalf("DeviceAuth: %v", err)
				}
				if left := time.Until(dc.Expiry); left != tt.wantLeft || dc.Interval != tt.wantInterval {
					t.Errorf("got expiry in %v, interval %v; want %v, %v", left, dc.Interval, tt.wantLeft, tt.wantInterval)
				}
			})
		})
	}
}
