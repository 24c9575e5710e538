package interop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
)

const (
	opClientID = "pizauth-interop"
	opPassword = "verysecure" // the example storage's test users' password
)

// TestZitadel runs the real pizauth against zitadel's OpenID Provider
// (github.com/zitadel/oidc/v3/pkg/op with its example storage and login
// page): authorization code with PKCE for a public native client on a
// loopback redirect URI, then two refreshes with refresh token rotation.
func TestZitadel(t *testing.T) {
	bin := buildPizauth(t, t.TempDir())
	op := startOP(t)
	p := startPizauth(t, bin, fmt.Sprintf(`
token_event_cmd = "echo $PIZAUTH_EVENT >> \"$EVENTS\"";
account "zitadel" {
    auth_uri = %q;
    token_uri = %q;
    client_id = %q;
    scopes = ["openid", "offline_access"];
}
`, op.discovery.AuthorizationEndpoint, op.discovery.TokenEndpoint, opClientID))

	_, stderr, err := p.run("show", "zitadel")
	m := regexp.MustCompile(`Access token unavailable until authorised with URL (\S+)`).FindStringSubmatch(stderr)
	if err == nil || m == nil {
		t.Fatalf("pizauth show before login: err %v, stderr %q; want exit 1 with the URL", err, stderr)
	}
	page := login(t, m[1], "test-user@127.0.0.1", opPassword)
	if !strings.Contains(page, "pizauth processing authentication") {
		t.Fatalf("after login the browser shows %q; want pizauth's page", page)
	}
	p.waitEvents(`(?m)^token_new$`)
	first := op.exchange(t, 0, "authorization_code")
	if first.form.Get("code_verifier") == "" {
		t.Errorf("the code exchange carried no code_verifier")
	}
	op.checkShown(t, p, first)

	// Each refresh must use the refresh token the previous answer rotated in:
	// zitadel's storage deletes the old one.
	prev := first
	for i := 1; i <= 2; i++ {
		p.mustRun("refresh", "zitadel")
		p.waitEvents(fmt.Sprintf(`(?s)(token_refreshed.*){%d}`, i))
		got := op.exchange(t, i, "refresh_token")
		if rt := got.form.Get("refresh_token"); rt != prev.resp.RefreshToken {
			t.Errorf("refresh %d sent refresh_token %.8q...; want the one the last answer gave, %.8q...", i, rt, prev.resp.RefreshToken)
		}
		if got.resp.RefreshToken == "" || got.resp.RefreshToken == prev.resp.RefreshToken {
			t.Errorf("refresh %d: the provider did not rotate the refresh token", i)
		}
		op.checkShown(t, p, got)
		if status := op.userinfo(t, prev.resp.AccessToken); status == http.StatusOK {
			t.Errorf("userinfo with the access token before refresh %d: status 200; want it refused (zitadel's storage deletes it)", i)
		}
		prev = got
	}
	if status := op.refreshWith(t, first.resp.RefreshToken); status != http.StatusBadRequest {
		t.Errorf("refreshing with the first, rotated-out refresh token: status %d; want 400", status)
	}
	if n := op.count(); n != 4 {
		t.Errorf("the token endpoint got %d requests; want 4 (one code exchange, two refreshes, the replay)", n)
	}
}

// openidProvider is zitadel's example OpenID Provider on 127.0.0.1, with a
// public native client for pizauth, wrapped to record what its token
// endpoint is asked and answers.
type openidProvider struct {
	srv       *httptest.Server
	discovery struct {
		AuthorizationEndpoint string `json:"authorization_endpoint"`
		TokenEndpoint         string `json:"token_endpoint"`
		UserinfoEndpoint      string `json:"userinfo_endpoint"`
	}

	log lockedBuffer

	mu        sync.Mutex // guards exchanges
	exchanges []exchange
}

// lockedBuffer is a bytes.Buffer for concurrent writers.
type lockedBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// exchange is one request to the token endpoint and its answer.
type exchange struct {
	form   url.Values
	status int
	resp   struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int    `json:"expires_in"`
	}
}

func startOP(t *testing.T) *openidProvider {
	t.Helper()
	op := &openidProvider{srv: httptest.NewUnstartedServer(nil)}
	issuer := "http://" + op.srv.Listener.Addr().String()
	clients := map[string]*storage.Client{opClientID: storage.NativeClient(opClientID, "http://localhost/")}
	store := storage.NewStorageWithClients(storage.NewUserStore(issuer), clients)
	// SetupServer makes its logger the process's default.
	router := exampleop.SetupServer(issuer, store, slog.New(slog.NewTextHandler(&op.log, nil)), false)
	op.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth/token" {
			router.ServeHTTP(w, r)
			return
		}
		op.recordToken(w, r, router)
	})
	op.srv.Start()
	t.Cleanup(func() {
		op.srv.Close()
		if t.Failed() {
			t.Logf("OpenID Provider log:\n%s", op.log.String())
		}
	})
	resp, err := http.Get(issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&op.discovery); err != nil {
		t.Fatalf("discovery: %v", err)
	}
	if !strings.HasSuffix(op.discovery.TokenEndpoint, "/oauth/token") {
		t.Fatalf("token endpoint %q; the recorder expects /oauth/token", op.discovery.TokenEndpoint)
	}
	return op
}

// recordToken serves the token endpoint and records the request's form and
// the answer.
func (op *openidProvider) recordToken(w http.ResponseWriter, r *http.Request, next http.Handler) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	ex := exchange{form: form, status: rec.Code}
	json.Unmarshal(rec.Body.Bytes(), &ex.resp)
	op.mu.Lock()
	op.exchanges = append(op.exchanges, ex)
	op.mu.Unlock()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// exchange returns the i'th token request, which must have been a
// successful grant_type=grant.
func (op *openidProvider) exchange(t *testing.T, i int, grant string) exchange {
	t.Helper()
	op.mu.Lock()
	defer op.mu.Unlock()
	if i >= len(op.exchanges) {
		t.Fatalf("token request %d: only %d arrived", i, len(op.exchanges))
	}
	ex := op.exchanges[i]
	if g := ex.form.Get("grant_type"); g != grant || ex.status != http.StatusOK || ex.resp.AccessToken == "" {
		t.Fatalf("token request %d: grant_type %q, status %d, access token %t; want a successful %s", i, g, ex.status, ex.resp.AccessToken != "", grant)
	}
	return ex
}

func (op *openidProvider) count() int {
	op.mu.Lock()
	defer op.mu.Unlock()
	return len(op.exchanges)
}

// checkShown checks that pizauth show prints ex's access token and that the
// provider's userinfo endpoint accepts it.
func (op *openidProvider) checkShown(t *testing.T, p *pizauth, ex exchange) {
	t.Helper()
	if got := p.mustRun("show", "zitadel"); got != ex.resp.AccessToken+"\n" {
		t.Errorf("pizauth show printed %.8q...; want the provider's latest access token %.8q... and a newline", got, ex.resp.AccessToken)
	}
	if status := op.userinfo(t, ex.resp.AccessToken); status != http.StatusOK {
		t.Errorf("userinfo with the token pizauth shows: status %d; want 200", status)
	}
}

// userinfo calls the userinfo endpoint with token and returns the status.
func (op *openidProvider) userinfo(t *testing.T, token string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, op.discovery.UserinfoEndpoint, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	return do(t, req)
}

// refreshWith asks for a refresh with refreshToken, as pizauth would, and
// returns the status.
func (op *openidProvider) refreshWith(t *testing.T, refreshToken string) int {
	t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "client_id": {opClientID}, "refresh_token": {refreshToken}}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, op.discovery.TokenEndpoint, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, req)
}

func do(t *testing.T, req *http.Request) int {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

var (
	formAction  = regexp.MustCompile(`<form method="POST" action="([^"]*)"`)
	hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// login is the user in a browser: it opens authURL, which leads to the
// provider's login page, posts the form with the credentials, and follows
// the redirects to pizauth's loopback listener. It returns the last page.
func login(t *testing.T, authURL, user, password string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if h := req.URL.Hostname(); h != "127.0.0.1" && h != "localhost" {
			return fmt.Errorf("redirected off loopback to %s", req.URL.Redacted())
		}
		return nil
	}}
	loginPage, base := browse(t, browser, http.MethodGet, authURL, nil)
	action, fields := formAction.FindStringSubmatch(loginPage), hiddenInput.FindAllStringSubmatch(loginPage, -1)
	if action == nil || len(fields) == 0 {
		t.Fatalf("no login form at %s:\n%s", base.Redacted(), loginPage)
	}
	form := url.Values{"username": {user}, "password": {password}}
	for _, f := range fields {
		form.Set(f[1], html.UnescapeString(f[2]))
	}
	target, err := base.Parse(html.UnescapeString(action[1]))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := browse(t, browser, http.MethodPost, target.String(), form)
	return page
}

// browse makes a request with browser and returns the final page (which
// must be 200) and its URL.
func browse(t *testing.T, browser *http.Client, method, target string, form url.Values) (string, *url.URL) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, target, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: status %d, %v\n%s", method, resp.Request.URL.Redacted(), resp.StatusCode, err, b)
	}
	return string(b), resp.Request.URL
}
