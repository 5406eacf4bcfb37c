package github

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	gh "github.com/google/go-github/v91/github"
)

const redirectToken = "ghs_redirecttesttoken0123456789abcdef"

// catcher records the Authorization header of every request it receives.
type catcher struct {
	mu    sync.Mutex
	auths []string
}

func (c *catcher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.auths = append(c.auths, r.Header.Get("Authorization"))
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{}`))
}

func (c *catcher) sawToken() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range c.auths {
		if strings.Contains(a, redirectToken) {
			return true
		}
	}
	return false
}

func noSleep(context.Context, time.Duration) error { return nil }

// redirectingAPI answers every request with status, pointing at target
// plus the request's path, and records the Authorization it was sent.
func redirectingAPI(status int, target func() string) (http.Handler, *catcher) {
	own := &catcher{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		own.mu.Lock()
		own.auths = append(own.auths, r.Header.Get("Authorization"))
		own.mu.Unlock()
		http.Redirect(w, r, target()+r.URL.Path, status)
	}), own
}

func doRequest(t *testing.T, cli *gh.Client, method string) error {
	t.Helper()
	var body any
	if method == http.MethodPost {
		body = map[string]string{"body": "review"}
	}
	req, err := cli.NewRequest(context.Background(), method, "repos/o/r/pulls/1/reviews", body)
	if err != nil {
		t.Fatal(err)
	}
	_, err = cli.Do(req, nil)
	return err
}

// A redirect from the API to another origin does not carry the token:
// another port on the same host (302 on GET, 307 on POST, which keeps
// method and body), and https to plain http on the same host name.
func TestHostileRedirectDoesNotCarryTheToken(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		method string
		tls    bool
	}{
		{"302 GET to another port", http.StatusFound, http.MethodGet, false},
		{"307 POST to another port", http.StatusTemporaryRedirect, http.MethodPost, false},
		{"301 GET to another port", http.StatusMovedPermanently, http.MethodGet, false},
		{"302 GET from https to http", http.StatusFound, http.MethodGet, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			other := &catcher{}
			otherSrv := httptest.NewServer(other)
			defer otherSrv.Close()
			h, api := redirectingAPI(tc.status, func() string { return otherSrv.URL })
			var apiSrv *httptest.Server
			if tc.tls {
				apiSrv = httptest.NewTLSServer(h)
			} else {
				apiSrv = httptest.NewServer(h)
			}
			defer apiSrv.Close()

			o := ClientOptions{HTTPClient: apiSrv.Client(), MaxRetries: -1}
			env := func(k string) string {
				if k == "GITHUB_API_URL" {
					return apiSrv.URL
				}
				return ""
			}
			cli, err := newClient(o, env, redirectToken, noSleep)
			if err != nil {
				t.Fatal(err)
			}
			err = doRequest(t, cli, tc.method)
			if !api.sawToken() {
				t.Fatalf("the API itself did not receive the token (%v)", err)
			}
			if other.sawToken() {
				t.Errorf("the token followed the redirect to %s", otherSrv.URL)
			}
			if err == nil {
				t.Errorf("a redirect out of the API was followed without an error")
			}
			if err != nil && strings.Contains(err.Error(), redirectToken) {
				t.Errorf("the error carries the token: %v", err)
			}
		})
	}
}

// A redirect within the API's origin is followed with the token.
func TestRedirectWithinTheAPIKeepsTheToken(t *testing.T) {
	final := &catcher{}
	mux := http.NewServeMux()
	mux.Handle("/moved/", final)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/moved"+r.URL.Path, http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	env := func(k string) string {
		if k == "GITHUB_API_URL" {
			return srv.URL
		}
		return ""
	}
	cli, err := newClient(ClientOptions{MaxRetries: -1}, env, redirectToken, noSleep)
	if err != nil {
		t.Fatal(err)
	}
	if err := doRequest(t, cli, http.MethodGet); err != nil {
		t.Fatal(err)
	}
	if !final.sawToken() {
		t.Errorf("the same-origin redirect lost the token: %v", final.auths)
	}
}

// GITHUB_API_URL over plain http to a host that is not loopback is
// refused before anything is sent; loopback stays allowed for tests.
func TestHostileAPIURLOverPlainHTTPIsRefused(t *testing.T) {
	for _, u := range []string{"http://evil.example", "http://evil.example:8080/api/v3", "http://127.0.0.1.evil.example"} {
		env := func(k string) string {
			if k == "GITHUB_API_URL" {
				return u
			}
			return ""
		}
		if _, err := newClient(ClientOptions{}, env, redirectToken, noSleep); err == nil || !strings.Contains(err.Error(), "refusing") {
			t.Errorf("%s: err = %v", u, err)
		}
	}
	env := func(k string) string {
		if k == "GITHUB_API_URL" {
			return "http://127.0.0.1:9"
		}
		return ""
	}
	if _, err := newClient(ClientOptions{}, env, redirectToken, noSleep); err != nil {
		t.Errorf("loopback refused: %v", err)
	}
}
