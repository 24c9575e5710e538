package oauth

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/pizauth-go/pizauth/internal/secret"
)

const canary = "CANARY-7f3a+/="

// TestNoSecretInErrors has providers echo the request (which holds every
// secret) in every place an answer can carry text.
func TestNoSecretInErrors(t *testing.T) {
	echo := func(status int, ctype string, format string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			raw := r.PostForm.Encode()
			all := raw + " " + strings.Join(append(r.PostForm["client_secret"], r.PostForm["refresh_token"]...), " ") +
				" " + r.PostForm.Get("code") + " " + r.PostForm.Get("code_verifier")
			w.Header().Set("Content-Type", ctype)
			w.Header().Set("Location", "http://x.invalid/?"+raw)
			w.WriteHeader(status)
			fmt.Fprintf(w, format, all)
		}
	}
	handlers := map[string]http.HandlerFunc{
		"oauth error description": echo(400, "application/json", `{"error":"invalid_grant","error_description":%q}`),
		"oauth error code":        echo(400, "application/json", `{"error":%q}`),
		"error in a 200":          echo(200, "application/json", `{"error":%q}`),
		"html page":               echo(500, "text/html", `<pre>%s</pre>`),
		"unparseable 200":         echo(200, "application/json", `not json %s`),
		"token type":              echo(200, "application/json", `{"access_token":"a","token_type":%q}`),
		"form error":              echo(400, "application/x-www-form-urlencoded", `error=x&error_description=%s`),
		"redirect":                echo(307, "text/plain", `%s`),
	}
	for name, h := range handlers {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			p := Params{TokenURI: srv.URL, ClientID: "cid", RedirectURI: "http://localhost/", ClientSecret: canary + "s"}
			var errs []error
			_, err := new(Client).Refresh(t.Context(), p, canary+"r")
			errs = append(errs, err)
			_, err = new(Client).Exchange(t.Context(), p, canary+"c", secret.String(canary+"v"))
			errs = append(errs, err)
			for _, err := range errs {
				if err == nil {
					t.Fatalf("got no error")
				}
				for _, s := range []string{err.Error(), fmt.Sprintf("%v %+v %#v", err, err, err)} {
					if strings.Contains(s, "CANARY") || strings.Contains(s, url.QueryEscape(canary)) {
						t.Errorf("error %q reveals a secret", s)
					}
				}
			}
		})
	}
}
