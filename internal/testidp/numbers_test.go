package testidp_test

import (
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/testidp"
)

func TestFloatNumbers(t *testing.T) {
	p := newProvider(t)
	p.AddClient("pub", "")
	rt := *exchange(t, p).RefreshToken
	p.SetFloatNumbers(true)
	_, _, body := rawPost(t, p, refreshForm(rt))
	if !strings.Contains(body, `"expires_in":3600.0`) {
		t.Errorf("answer %s; want expires_in 3600.0", body)
	}
}

func TestRefreshLifetime(t *testing.T) {
	p := newProvider(t)
	p.AddClient("pub", "")
	p.SetRefreshLifetime(time.Hour)
	_, _, body := rawPost(t, p, formFor(code(t, p, authQuery(ru)), ru))
	if !strings.Contains(body, `"refresh_token_expires_in":3600`) {
		t.Fatalf("answer %s; want refresh_token_expires_in 3600", body)
	}
	if n := len(p.Tokens()); n != 1 {
		t.Fatalf("%d tokens issued; want 1", n)
	}
	rt := p.Tokens()[0].Refresh
	if _, _, body := rawPost(t, p, refreshForm(rt)); !strings.Contains(body, `"refresh_token_expires_in":35`) {
		t.Errorf("refresh answer %s; want the time left, 35xx s", body)
	}
}

// TestDelay: a Fault with only a Delay is a slow answer of the endpoint;
// a client that gives up first gets nothing.
func TestDelay(t *testing.T) {
	p := newProvider(t)
	p.AddClient("pub", "")
	rt := *exchange(t, p).RefreshToken
	synctest.Test(t, func(t *testing.T) {
		c := &http.Client{Transport: p.Transport()}
		p.FailNext(testidp.PathToken, 1, testidp.Fault{Delay: time.Minute})
		t0 := time.Now()
		resp, err := c.PostForm(p.TokenURI(), refreshForm(rt))
		if err != nil || resp.StatusCode != 200 || time.Since(t0) != time.Minute {
			t.Fatalf("slow answer: %v, %v after %v; want 200 after 1m", resp, err, time.Since(t0))
		}
		resp.Body.Close()
		p.FailNext(testidp.PathToken, 1, testidp.Fault{Delay: time.Minute})
		c.Timeout = time.Second
		if _, err := c.PostForm(p.TokenURI(), refreshForm(rt)); err == nil {
			t.Errorf("a client that gave up after 1s got an answer")
		}
	})
}
