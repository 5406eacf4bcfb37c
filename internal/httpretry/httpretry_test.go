package httpretry

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// script answers attempt i with answers[i] (the last one repeats) and
// records what each attempt sent.
type script struct {
	answers []func(*http.Request) (*http.Response, error)
	bodies  []string
}

func (s *script) RoundTrip(r *http.Request) (*http.Response, error) {
	body := ""
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		body = string(b)
	}
	s.bodies = append(s.bodies, body)
	return s.answers[min(len(s.bodies)-1, len(s.answers)-1)](r)
}

func status(code int, hdr ...string) func(*http.Request) (*http.Response, error) {
	return answer(code, "{}", hdr...)
}

func answer(code int, body string, hdr ...string) func(*http.Request) (*http.Response, error) {
	return func(*http.Request) (*http.Response, error) {
		h := http.Header{}
		for i := 0; i+1 < len(hdr); i += 2 {
			h.Set(hdr[i], hdr[i+1])
		}
		return &http.Response{StatusCode: code, Header: h, Body: io.NopCloser(strings.NewReader(body))}, nil
	}
}

// anyWait stands for a wait computed from the clock (X-RateLimit-Reset).
const anyWait = time.Duration(-1)

func netErr(*http.Request) (*http.Response, error) { return nil, errors.New("connection reset") }

func TestTransport(t *testing.T) {
	soon := strconv.FormatInt(time.Now().Add(3*time.Second).Unix(), 10)
	later := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	date := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	github := Policy{MaxRetries: 3, MaxWait: time.Minute, RateLimit: GitHubRateLimit, ServerErrors: true}
	jira := Policy{MaxRetries: 3, MaxWait: time.Minute, RateLimit: TooManyRequests(10 * time.Second)}
	type answerFn = func(*http.Request) (*http.Response, error)
	for _, tc := range []struct {
		name    string
		policy  Policy
		method  string
		answers []answerFn
		// waits are the sleeps between attempts (their count is the
		// retries); final is the status returned, 0 for an error.
		waits []time.Duration
		final int
	}{
		{"success", github, "GET", []answerFn{status(200)}, nil, 200},
		{"5xx backs off 1s 2s", github, "PATCH", []answerFn{status(500), status(502), status(200)}, []time.Duration{time.Second, 2 * time.Second}, 200},
		{"5xx bounded", github, "GET", []answerFn{status(503)}, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, 503},
		{"5xx on POST not repeated", github, "POST", []answerFn{status(500), status(200)}, nil, 500},
		{"network error on GET repeated", github, "GET", []answerFn{netErr, status(200)}, []time.Duration{time.Second}, 200},
		{"network error on POST not repeated", github, "POST", []answerFn{netErr, status(200)}, nil, 0},
		{"5xx not retried without ServerErrors", jira, "GET", []answerFn{status(503), status(200)}, nil, 503},
		{"retry-after seconds", github, "POST", []answerFn{status(429, "Retry-After", "7"), status(200)}, []time.Duration{7 * time.Second}, 200},
		{"retry-after over the cap", github, "GET", []answerFn{status(429, "Retry-After", "3600")}, nil, 429},
		{"primary limit resets soon", github, "GET", []answerFn{status(403, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", soon), status(200)}, []time.Duration{anyWait}, 200},
		{"primary limit resets in an hour", github, "GET", []answerFn{status(403, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", later)}, nil, 403},
		{"secondary limit in the body", github, "POST", []answerFn{answer(403, `{"message":"You have exceeded a secondary rate limit"}`), status(200)}, []time.Duration{GitHubSecondaryWait}, 200},
		{"secondary limit by its documentation link", github, "POST", []answerFn{answer(403, `{"documentation_url":"https://docs.github.com/rest#abuse-rate-limits"}`), status(200)}, []time.Duration{GitHubSecondaryWait}, 200},
		{"permission error", github, "POST", []answerFn{answer(403, `{"message":"Resource not accessible by integration"}`)}, nil, 403},
		{"jira 429 without Retry-After", jira, "POST", []answerFn{status(429), status(201)}, []time.Duration{10 * time.Second}, 201},
		{"jira 429 bounded", jira, "GET", []answerFn{status(429, "Retry-After", "1")}, []time.Duration{time.Second, time.Second, time.Second}, 429},
		{"jira 403 is not a rate limit", jira, "GET", []answerFn{status(403, "Retry-After", "1")}, nil, 403},
		{"no retries", Policy{RateLimit: GitHubRateLimit, ServerErrors: true}, "GET", []answerFn{status(503)}, nil, 503},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &script{answers: tc.answers}
			var waits []time.Duration
			tr := &Transport{Base: s, Policy: tc.policy, Sleep: func(_ context.Context, d time.Duration) error {
				waits = append(waits, d)
				return nil
			}}
			req, _ := http.NewRequest(tc.method, "https://api.example.com/x", strings.NewReader(`{"a":1}`))
			resp, err := tr.RoundTrip(req)
			got := 0
			if err == nil {
				got = resp.StatusCode
				// The body is whole after a peek.
				if b, err := io.ReadAll(resp.Body); err != nil || len(b) == 0 {
					t.Errorf("body %q, %v", b, err)
				}
			}
			if got != tc.final || len(waits) != len(tc.waits) || len(s.bodies) != len(tc.waits)+1 {
				t.Fatalf("status %d after %d attempts, waits %v; want %d after %d, waits %v", got, len(s.bodies), waits, tc.final, len(tc.waits)+1, tc.waits)
			}
			for i, w := range tc.waits {
				if w != anyWait && waits[i] != w {
					t.Errorf("wait %d = %v, want %v", i, waits[i], w)
				}
			}
			for i, b := range s.bodies {
				if b != `{"a":1}` {
					t.Errorf("attempt %d sent body %q: not replayed", i, b)
				}
			}
		})
	}
	t.Run("retry-after date", func(t *testing.T) {
		var waits []time.Duration
		tr := &Transport{Base: &script{answers: []answerFn{status(503, "Retry-After", date), status(200)}},
			Policy: Policy{MaxRetries: 1, MaxWait: time.Minute, RateLimit: func(r *http.Response) (time.Duration, bool) { return RetryAfter(r.Header) }},
			Sleep:  func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
		req, _ := http.NewRequest("GET", "https://api.example.com/x", nil)
		resp, err := tr.RoundTrip(req)
		if err != nil || resp.StatusCode != 200 || len(waits) != 1 || waits[0] < 25*time.Second || waits[0] > 30*time.Second {
			t.Errorf("%v %v, waits %v: want 200 after about 30s", resp, err, waits)
		}
	})
}

// A body that cannot be read again is sent once.
func TestBodyNotReplayable(t *testing.T) {
	s := &script{answers: []func(*http.Request) (*http.Response, error){status(429, "Retry-After", "1"), status(200)}}
	tr := &Transport{Base: s, Policy: Policy{MaxRetries: 3, MaxWait: time.Minute, RateLimit: GitHubRateLimit},
		Sleep: func(context.Context, time.Duration) error { t.Error("slept"); return nil }}
	req, _ := http.NewRequest("POST", "https://api.example.com/x", io.NopCloser(strings.NewReader("once")))
	req.GetBody = nil
	resp, err := tr.RoundTrip(req)
	if err != nil || resp.StatusCode != 429 || len(s.bodies) != 1 {
		t.Errorf("%v %v after %d attempts; want the 429 after one", resp, err, len(s.bodies))
	}
}

// A caller that gives up while waiting gets its context's error at once,
// and nothing more is sent.
func TestContextEndsTheWait(t *testing.T) {
	s := &script{answers: []func(*http.Request) (*http.Response, error){status(429, "Retry-After", "5"), status(200)}}
	tr := &Transport{Base: s, Policy: Policy{MaxRetries: 3, MaxWait: time.Minute, RateLimit: GitHubRateLimit}}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "https://api.example.com/x", nil)
	start := time.Now()
	_, err := tr.RoundTrip(req)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second || len(s.bodies) != 1 {
		t.Errorf("err %v after %v and %d attempts; want the deadline at once after one", err, time.Since(start), len(s.bodies))
	}
}

// AttemptTimeout ends a slow attempt (which is then retried when safe) and
// covers the reading of the body, not the waits.
func TestAttemptTimeout(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // so the server notices the client leave
		if n.Add(1) == 1 {
			select {
			case <-r.Context().Done(): // the client gave up
			case <-time.After(5 * time.Second):
			}
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	tr := &Transport{Policy: Policy{MaxRetries: 2, MaxWait: time.Minute, AttemptTimeout: 200 * time.Millisecond, ServerErrors: true},
		Sleep: func(context.Context, time.Duration) error { return nil }}
	req, _ := http.NewRequest("GET", srv.URL, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if string(b) != "ok" || err != nil || n.Load() != 2 {
		t.Errorf("%q %v after %d requests; want ok after the slow one", b, err, n.Load())
	}

	// A POST past the timeout is not repeated.
	n.Store(0)
	req, _ = http.NewRequest("POST", srv.URL, strings.NewReader("x"))
	if _, err := tr.RoundTrip(req); !errors.Is(err, context.DeadlineExceeded) || n.Load() != 1 {
		t.Errorf("POST: %v after %d requests; want the deadline after one", err, n.Load())
	}
}

func TestSleep(t *testing.T) {
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Error(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Errorf("Sleep on a cancelled context: %v after %v", err, time.Since(start))
	}
}
