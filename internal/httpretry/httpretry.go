// Package httpretry is the one retrying http.RoundTripper of tfreview's API
// clients (the GitHub reporter, the GitHub and JIRA trackers): each caller
// gives its Policy (how many retries, the longest wait it accepts, which
// answers are rate limits, whether server errors are retried), and the
// Transport does the rest the same way for all of them: request bodies are
// replayed, a drained response is closed, each attempt can have its own
// timeout, and the caller's context ends the waiting.
//
// hashicorp/go-retryablehttp (in the module graph through Trivy) was
// considered and not used: its retry policy does not see the request on a
// network error (a POST must not be repeated then), a wait it computes
// beyond its cap is clamped instead of refused, it sleeps on its own clock
// (tests could not see or skip the waits), and its RoundTripper runs its
// own http.Client, whose redirects would bypass the GitHub client's
// same-origin check.
package httpretry

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Policy says when a request is tried again.
type Policy struct {
	// MaxRetries bounds the retries after the first attempt (0: none).
	MaxRetries int
	// MaxWait is the longest wait accepted: when a server asks for a
	// longer one, its answer is returned as it is, not waited for.
	MaxWait time.Duration
	// AttemptTimeout bounds each attempt, up to the end of reading its
	// response body; 0 leaves only the request's own context. The waits
	// between attempts are not counted.
	AttemptTimeout time.Duration
	// RateLimit tells a rate-limited answer and how long the server asks to
	// wait. A rate-limited request was not processed, so it is repeated
	// whatever its method. Nil: no answer is a rate limit.
	RateLimit func(*http.Response) (wait time.Duration, ok bool)
	// ServerErrors retries 5xx answers and network errors, after 1s, 2s,
	// 4s…, for requests that are safe to repeat (see Repeatable).
	ServerErrors bool
}

// Transport retries requests through Base by its Policy.
type Transport struct {
	Base   http.RoundTripper // nil: http.DefaultTransport
	Policy Policy
	// Sleep waits between attempts; nil: Sleep. Tests record the waits
	// and skip them.
	Sleep func(context.Context, time.Duration) error
}

// RoundTrip sends req, and again while the policy says so. The last answer
// (or error) is returned; a request whose body cannot be replayed (no
// GetBody) is sent once.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	sleep := t.Sleep
	if sleep == nil {
		sleep = Sleep
	}
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	for attempt := 0; ; attempt++ {
		r, err := attemptRequest(req, attempt)
		if err != nil {
			return nil, err
		}
		resp, err := t.send(base, r)
		wait, retry := t.decide(req, resp, err, attempt)
		if !retry || attempt >= t.Policy.MaxRetries || !replayable {
			return resp, err
		}
		if resp != nil {
			// Drained so the connection can be reused; the answer is
			// dropped for the retry, so a failing Close changes nothing.
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			_ = resp.Body.Close()
		}
		if err := sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// attemptRequest is req for the first attempt, and a copy with a fresh
// body for the others (the transport consumed the first one).
func attemptRequest(req *http.Request, attempt int) (*http.Request, error) {
	if attempt == 0 {
		return req, nil
	}
	r := req.Clone(req.Context())
	if req.Body != nil && req.Body != http.NoBody && req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	return r, nil
}

// send is one attempt, bounded by AttemptTimeout until its body is closed.
func (t *Transport) send(base http.RoundTripper, r *http.Request) (*http.Response, error) {
	if t.Policy.AttemptTimeout <= 0 {
		return base.RoundTrip(r)
	}
	ctx, cancel := context.WithTimeout(r.Context(), t.Policy.AttemptTimeout)
	resp, err := base.RoundTrip(r.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// decide says whether (and after how long) to try again.
func (t *Transport) decide(req *http.Request, resp *http.Response, err error, attempt int) (time.Duration, bool) {
	backoff := time.Second << attempt
	if err != nil {
		if req.Context().Err() != nil {
			return 0, false // the caller gave up
		}
		return backoff, t.Policy.ServerErrors && Repeatable(req)
	}
	if t.Policy.RateLimit != nil {
		if d, ok := t.Policy.RateLimit(resp); ok {
			d = max(d, 0)
			return d, d <= t.Policy.MaxWait
		}
	}
	if resp.StatusCode >= 500 {
		return backoff, t.Policy.ServerErrors && Repeatable(req)
	}
	return 0, false
}

// Repeatable says whether a request that may have reached the server can
// be sent again: every method but POST. A POST may have been applied (a
// second review would duplicate every comment); the PATCH and PUT our
// clients send set a state, so sending them twice sets it once.
func Repeatable(req *http.Request) bool { return req.Method != http.MethodPost }

// RetryAfter reads a Retry-After header: seconds, or an HTTP date.
// https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
func RetryAfter(h http.Header) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(time.Until(at), 0), true
	}
	return 0, false
}

// TooManyRequests is the rate limit of a plain 429 (JIRA's): the
// Retry-After it carries, else fallback.
func TooManyRequests(fallback time.Duration) func(*http.Response) (time.Duration, bool) {
	return func(resp *http.Response) (time.Duration, bool) {
		if resp.StatusCode != http.StatusTooManyRequests {
			return 0, false
		}
		if d, ok := RetryAfter(resp.Header); ok {
			return d, true
		}
		return fallback, true
	}
}

// GitHubSecondaryWait is GitHub's advice when a secondary rate limit gives
// no Retry-After: "wait for at least one minute before retrying".
// https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#handle-rate-limit-errors-appropriately
const GitHubSecondaryWait = 60 * time.Second

// GitHubRateLimit tells GitHub's rate limits, as its documentation
// describes them: a 403 or 429 with Retry-After (wait that long); with
// X-RateLimit-Remaining: 0, the primary limit (wait until
// X-RateLimit-Reset, plus a second); a 429, or a 403 whose body says so,
// the secondary limit (GitHubSecondaryWait). Any other 403 is a real
// permission error.
func GitHubRateLimit(resp *http.Response) (time.Duration, bool) {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusForbidden {
		return 0, false
	}
	if d, ok := RetryAfter(resp.Header); ok {
		return d, true
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64)
		if err != nil {
			return 0, false
		}
		return time.Until(time.Unix(reset, 0)) + time.Second, true
	}
	if resp.StatusCode == http.StatusTooManyRequests || bodySaysSecondary(resp) {
		return GitHubSecondaryWait, true
	}
	return 0, false
}

// bodySaysSecondary peeks at the answer's body (and puts it back) for
// GitHub's secondary-limit message or documentation link.
func bodySaysSecondary(resp *http.Response) bool {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), resp.Body), resp.Body}
	b = bytes.ToLower(b)
	for _, s := range []string{"secondary rate limit", "secondary-rate-limits", "abuse-rate-limits"} {
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

// Sleep waits d, or until ctx ends (then its error).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
