package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tfreview/tfreview/internal/testutil/githubtest"
)

// TestGitHubFaults runs the built binary as the Action would, with --debug,
// against a GitHub API that fails in the ways GitHub does. Every finding
// must still reach SARIF and JSON, the exit code must tell "findings" (1)
// from "could not report" (3), a retried request must not post twice, and
// the token must appear in no output, file or request body.
func TestGitHubFaults(t *testing.T) {
	// Slow and independent: runs beside the other slow tests.
	t.Parallel()
	const prDiff = "GET /repos/reviewdog/reviewdog/pulls/285"
	const prComments = "GET /repos/reviewdog/reviewdog/pulls/285/comments"
	const reviews = "POST /repos/reviewdog/reviewdog/pulls/285/reviews"
	cases := []struct {
		name     string
		setup    func(gh *githubtest.Server)
		override map[string]string // route -> raw body answered with 200
		slow     map[string]int    // route -> how many requests answer after the client's timeout
		want     int
		// reviewPosts is how many review POSTs are sent; created is how
		// many of them GitHub accepted (injected failures create nothing).
		reviewPosts, created int
	}{
		{name: "502 then success is retried", setup: func(gh *githubtest.Server) { gh.Fail(prDiff, 502, 502) }, want: exitFindings, reviewPosts: 1, created: 1},
		{name: "secondary rate limit with Retry-After", setup: func(gh *githubtest.Server) { gh.RetryAfter = "1"; gh.Fail(reviews, 429) }, want: exitFindings, reviewPosts: 2, created: 1},
		{name: "500 on a POST is not retried", setup: func(gh *githubtest.Server) { gh.Fail(reviews, 500) }, want: exitNotReported, reviewPosts: 1, created: 0},
		{name: "pull request not found", setup: func(gh *githubtest.Server) { gh.Fail(prDiff, 404, 404, 404, 404) }, want: exitNotReported},
		{name: "5xx past the retry budget", setup: func(gh *githubtest.Server) { gh.Fail(prDiff, 503, 503, 503, 503, 503) }, want: exitNotReported},
		{name: "malformed JSON", override: map[string]string{prComments: `[{"id": 1, "body": `}, want: exitNotReported},
		// Past --github-timeout a read is retried; a write is not (GitHub
		// may have applied it), so nothing is posted twice.
		{name: "slow read past the timeout is retried", slow: map[string]int{prDiff: 1}, want: exitFindings, reviewPosts: 1, created: 1},
		{name: "slow write past the timeout is not retried", slow: map[string]int{reviews: 1}, want: exitNotReported, reviewPosts: 1, created: 1},
	}
	// The cases run at once (most of their time is the client's backoff
	// and timeouts), then each is checked in its own subtest.
	type faultRun struct {
		r             actionRun
		err           error
		gh            *githubtest.Server
		ws            string
		slowN, gaveUp int
	}
	runs := make([]*faultRun, len(cases))
	var wg sync.WaitGroup
	// Four at a time: each answer must still beat --github-timeout.
	slots := make(chan struct{}, 4)
	for i, c := range cases {
		fr := &faultRun{}
		runs[i] = fr
		ws, prDiff := prWorkspace(t)
		fr.ws = ws
		gh := githubtest.NewServer(t, e2eToken)
		fr.gh = gh
		gh.Diff = prDiff
		if c.setup != nil {
			c.setup(gh)
		}
		var mu sync.Mutex
		front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			route := r.Method + " " + strings.TrimPrefix(r.URL.Path, gh.Prefix)
			mu.Lock()
			slow := c.slow[route] > 0
			if slow {
				c.slow[route]--
			}
			mu.Unlock()
			if slow {
				// Answer late, as a slow GitHub would, after the
				// client gave up (it closes the connection, which the
				// server notices once the body has been read).
				body, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(body))
				select {
				case <-r.Context().Done():
					mu.Lock()
					fr.gaveUp++
					mu.Unlock()
				case <-time.After(5 * time.Second):
				}
				mu.Lock()
				fr.slowN++
				mu.Unlock()
			}
			if body, ok := c.override[route]; ok {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(body))
				return
			}
			gh.ServeHTTP(w, r)
		}))
		env := map[string]string{"GITHUB_API_URL": front.URL + gh.Prefix, "GITHUB_TOKEN": e2eToken}
		bin, tmp := tfreviewBinary(t), t.TempDir()
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			fr.r, fr.err = runAction(bin, tmp, ws, env, "scan", ".", "--debug", "--reporter", "github-pr-review", "--pr-comment", "--github-timeout", "500ms",
				"--format", "sarif", "--output", "out.sarif", "--format", "json", "--output", "out.json")
			front.Close() // waits for the slow handlers
		})
	}
	wg.Wait()
	for i, c := range cases {
		fr := runs[i]
		t.Run(c.name, func(t *testing.T) {
			r, gh, ws := fr.r, fr.gh, fr.ws
			if fr.err != nil {
				t.Fatal(fr.err)
			}
			if r.code != c.want {
				t.Fatalf("exit %d, want %d\nstderr:\n%s", r.code, c.want, r.stderr)
			}
			if fr.slowN != fr.gaveUp {
				t.Errorf("%d slow requests, the client gave up on %d: --github-timeout not applied", fr.slowN, fr.gaveUp)
			}
			if n := len(gh.RequestsTo("POST", "/pulls/285/reviews")); n != c.reviewPosts {
				t.Errorf("%d review POSTs, want %d (%d created): a retry must not post twice", n, c.reviewPosts, c.created)
			}
			var rep struct {
				Findings []json.RawMessage `json:"findings"`
			}
			data, err := os.ReadFile(filepath.Join(ws, "infra", "out.json"))
			if err != nil || json.Unmarshal(data, &rep) != nil || len(rep.Findings) < 20 {
				t.Errorf("JSON output lost findings: %v (%d findings)", err, len(rep.Findings))
			}
			sarif, err := os.ReadFile(filepath.Join(ws, "infra", "out.sarif"))
			if err != nil || !strings.Contains(string(sarif), "AWS-0096") {
				t.Errorf("SARIF output missing: %v", err)
			}
			var bodies []string
			for _, req := range gh.Requests {
				bodies = append(bodies, string(req.Body))
			}
			everything := r.stdout + r.stderr + r.summary + r.output + string(data) + string(sarif) + strings.Join(bodies, "\n")
			if strings.Contains(everything, e2eToken) || strings.Contains(everything, e2eToken[4:20]) {
				t.Error("the token appears in output, a written file or a request body")
			}
			if !strings.Contains(r.stderr, "level=DEBUG") {
				t.Error("--debug produced no debug log; the leak check would prove little")
			}
		})
	}
}
