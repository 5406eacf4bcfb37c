package github

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	gh "github.com/google/go-github/v91/github"

	"github.com/tfreview/tfreview/internal/httpretry"
	"github.com/tfreview/tfreview/internal/loopback"
	"github.com/tfreview/tfreview/internal/origin"
	"github.com/tfreview/tfreview/reporters/review"
)

const (
	defaultTimeout      = 30 * time.Second
	defaultMaxRetries   = 3
	defaultMaxRetryWait = 60 * time.Second
)

// tokenFrom picks the token: the explicit option, then GITHUB_TOKEN, then
// REVIEWDOG_GITHUB_API_TOKEN (reviewdog's name, so existing workflows work).
func tokenFrom(o ClientOptions, env func(string) string) string {
	if o.Token != "" {
		return o.Token
	}
	if t := env("GITHUB_TOKEN"); t != "" {
		return t
	}
	return env("REVIEWDOG_GITHUB_API_TOKEN")
}

// apiBaseURL is GITHUB_API_URL (GitHub Enterprise sets it to
// https://HOST/api/v3) or api.github.com, with the trailing slash go-github
// needs. Plain http is refused except to a loopback address (tests, a
// local proxy): the token and the findings would travel in clear text.
func apiBaseURL(env func(string) string) (*url.URL, error) {
	raw := env("GITHUB_API_URL")
	if raw == "" {
		raw = "https://api.github.com"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("GITHUB_API_URL %q is not an http(s) URL", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("GITHUB_API_URL must not carry credentials")
	}
	if u.Scheme == "http" && !loopback.Host(u.Hostname()) {
		return nil, fmt.Errorf("GITHUB_API_URL %q is not https: refusing to send the token in clear text", raw)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// newClient builds a go-github client whose transport retries and bounds
// each attempt. The token goes into the Authorization header of requests
// to the API's origin (scheme, host and port) and nowhere else: a
// redirect that leaves the origin is refused, and the header is set per
// request by tokenTransport, not by go-github (whose transport would add
// it to every hop of a redirect, whatever the host or scheme).
func newClient(o ClientOptions, env func(string) string, token string, sleep func(context.Context, time.Duration) error) (*gh.Client, error) {
	base, err := apiBaseURL(env)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{}
	if o.HTTPClient != nil {
		c := *o.HTTPClient
		hc = &c
	}
	inner := hc.Transport
	if inner == nil {
		inner = http.DefaultTransport
	}
	rt := &httpretry.Transport{Base: inner, Policy: retryPolicy(o), Sleep: sleep}
	hc.Transport = &tokenTransport{base: rt, origin: origin.Of(base), token: token}
	hc.Timeout = 0 // per attempt, in the retry policy
	hc.CheckRedirect = sameOriginRedirects(origin.Of(base))
	// One URL for the API and uploads, so one origin receives the token.
	bs := base.String()
	return gh.NewClient(
		gh.WithHTTPClient(hc),
		gh.WithURLs(&bs, &bs),
		gh.WithUserAgent("tfreview"),
		// Rate limits are handled (bounded) by the retry policy.
		gh.WithDisableRateLimitCheck(),
	)
}

// retryPolicy retries bounded times: on secondary rate limits (403/429
// with Retry-After, or saying so), on primary rate limits that reset soon,
// and, for requests that are safe to repeat, on 5xx and network errors. A
// POST that reached GitHub is not repeated on 5xx: it may have been applied,
// and a second review would duplicate every comment.
func retryPolicy(o ClientOptions) httpretry.Policy {
	p := httpretry.Policy{
		MaxRetries:     o.MaxRetries,
		MaxWait:        cmp.Or(o.MaxRetryWait, defaultMaxRetryWait),
		AttemptTimeout: cmp.Or(o.Timeout, defaultTimeout),
		RateLimit:      httpretry.GitHubRateLimit,
		ServerErrors:   true,
	}
	if p.MaxRetries == 0 {
		p.MaxRetries = defaultMaxRetries
	}
	p.MaxRetries = max(p.MaxRetries, 0)
	return p
}

// sameOriginRedirects refuses a redirect out of the API's origin (another
// host, port, or scheme, such as https to http): net/http forwards the
// Authorization header to the same host name whatever the port or scheme,
// and GitHub never redirects the API elsewhere.
func sameOriginRedirects(api string) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		if got := origin.Of(req.URL); got != api {
			return fmt.Errorf("refusing a redirect from the GitHub API (%s) to %s", api, got)
		}
		return nil
	}
}

// tokenTransport sets the token on requests to the API's origin and
// removes any Authorization header from the others.
type tokenTransport struct {
	base   http.RoundTripper
	origin string
	token  string
}

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if t.token != "" && origin.Of(req.URL) == t.origin {
		r.Header.Set("Authorization", "Bearer "+t.token)
	} else {
		r.Header.Del("Authorization")
	}
	return t.base.RoundTrip(r)
}

// apiError turns a go-github error into a review.Error that names the
// operation and the status, with every secret removed from its text.
func apiError(op string, err error, secrets ...string) *review.Error {
	e := &review.Error{Op: op, Msg: redact(err.Error(), secrets...)}
	var er *gh.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		e.StatusCode = er.Response.StatusCode
		e.Msg = redact(fmt.Sprintf("%d %s", er.Response.StatusCode, er.Message), secrets...)
	}
	var rl *gh.RateLimitError
	if errors.As(err, &rl) && rl.Response != nil {
		e.StatusCode = rl.Response.StatusCode
	}
	var arl *gh.AbuseRateLimitError
	if errors.As(err, &arl) && arl.Response != nil {
		e.StatusCode = arl.Response.StatusCode
	}
	return e
}

// redact removes secrets from s. Short secrets are left (they would match
// ordinary words); GitHub tokens are far longer.
func redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 8 {
			s = strings.ReplaceAll(s, sec, "***")
		}
	}
	return s
}

// isPermissionError: GitHub answers 403 (or 404 for hidden resources) when
// the token cannot write, as for pull requests from forks.
func isPermissionError(err error) bool {
	var e *review.Error
	return errors.As(err, &e) && (e.StatusCode == http.StatusForbidden || e.StatusCode == http.StatusNotFound)
}
