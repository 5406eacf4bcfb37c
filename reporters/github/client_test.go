package github

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tfreview/tfreview/internal/httpretry"
)

type scripted struct {
	resps []*http.Response
	n     int
}

func (s *scripted) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.ReadAll(r.Body)
	}
	resp := s.resps[min(s.n, len(s.resps)-1)]
	s.n++
	return resp, nil
}

func respond(code int, hdr map[string]string, body string) *http.Response {
	h := http.Header{}
	for k, v := range hdr {
		h.Set(k, v)
	}
	return &http.Response{StatusCode: code, Header: h, Body: io.NopCloser(strings.NewReader(body))}
}

func TestRetryTransport(t *testing.T) {
	soon := strconv.FormatInt(time.Now().Add(3*time.Second).Unix(), 10)
	later := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	for _, tc := range []struct {
		name     string
		method   string
		resps    []*http.Response
		attempts int
		final    int
	}{
		{"secondary limit in body", "POST", []*http.Response{respond(403, nil, `{"message":"You have exceeded a secondary rate limit"}`), respond(200, nil, "{}")}, 2, 200},
		{"primary limit resets soon", "GET", []*http.Response{respond(403, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": soon}, "{}"), respond(200, nil, "{}")}, 2, 200},
		{"primary limit resets in an hour", "GET", []*http.Response{respond(403, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": later}, "{}")}, 1, 403},
		{"retry-after too long", "GET", []*http.Response{respond(429, map[string]string{"Retry-After": "3600"}, "{}")}, 1, 429},
		{"permission error", "POST", []*http.Response{respond(403, nil, `{"message":"Resource not accessible by integration"}`)}, 1, 403},
		{"5xx on PATCH", "PATCH", []*http.Response{respond(500, nil, "{}"), respond(502, nil, "{}"), respond(200, nil, "{}")}, 3, 200},
		{"5xx on POST", "POST", []*http.Response{respond(500, nil, "{}")}, 1, 500},
		{"bounded", "GET", []*http.Response{respond(503, nil, "{}")}, 4, 503},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &scripted{resps: tc.resps}
			var waits []time.Duration
			rt := &httpretry.Transport{Base: s, Policy: retryPolicy(ClientOptions{Timeout: time.Second, MaxRetries: 3, MaxRetryWait: time.Minute}),
				Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
			req, _ := http.NewRequest(tc.method, "https://api.github.com/x", strings.NewReader(`{"a":1}`))
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			if s.n != tc.attempts || resp.StatusCode != tc.final {
				t.Errorf("attempts=%d status=%d, want %d %d (waits %v)", s.n, resp.StatusCode, tc.attempts, tc.final, waits)
			}
			// The body is still readable after peeking.
			if _, err := io.ReadAll(resp.Body); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestTokenSources(t *testing.T) {
	env := map[string]string{"REVIEWDOG_GITHUB_API_TOKEN": "rd"}
	get := func(k string) string { return env[k] }
	if tok := tokenFrom(optionsWithToken(""), get); tok != "rd" {
		t.Errorf("got %q", tok)
	}
	env["GITHUB_TOKEN"] = "gh"
	if tok := tokenFrom(optionsWithToken(""), get); tok != "gh" {
		t.Errorf("got %q", tok)
	}
	if tok := tokenFrom(optionsWithToken("explicit"), get); tok != "explicit" {
		t.Errorf("got %q", tok)
	}
}

func TestAPIBaseURL(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"", "https://api.github.com/", true},
		{"https://ghe.example.com/api/v3", "https://ghe.example.com/api/v3/", true},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/", true},
		{"http://[::1]:8080", "http://[::1]:8080/", true},
		{"http://localhost:8080", "http://localhost:8080/", true},
		{"http://ghe.example.com/api/v3", "", false},
		{"http://evil.example", "", false},
		{"http://127.0.0.1.evil.example", "", false},
		{"https://user:pw@ghe.example.com/api/v3", "", false},
		{"ftp://x", "", false},
	} {
		u, err := apiBaseURL(func(string) string { return tc.in })
		if (err == nil) != tc.ok || (err == nil && u.String() != tc.want) {
			t.Errorf("apiBaseURL(%q) = %v, %v", tc.in, u, err)
		}
	}
}

func optionsWithToken(tok string) ClientOptions { return ClientOptions{Token: tok} }
