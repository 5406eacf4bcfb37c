// Package github keeps tfreview's tickets as GitHub issues: one issue per
// finding group, found again by a hidden marker in its body, listed once
// per run by the tfreview label.
package github

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v91/github"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/httpretry"
	"github.com/tfreview/tfreview/internal/loopback"
	"github.com/tfreview/tfreview/lifecycle"
)

const (
	// Label marks every issue tfreview files; issues are listed by it.
	Label = "tfreview"
	// AcceptedLabel marks an issue closed as an accepted risk.
	AcceptedLabel = "tfreview:accepted-risk"
	// perPage is the Issues API maximum ("per_page ... max 100").
	// https://docs.github.com/en/rest/issues/issues#list-repository-issues
	perPage = 100
	// maxBody is GitHub's limit on an issue body (65,536 characters),
	// with room for the marker.
	maxBody = 60000
)

// retryPolicy waits out GitHub's rate limits, bounded: three retries, none
// after a wait of more than 90s (the run then exits 3). Other errors are
// returned at once; a failed write is never repeated, so a timeout cannot
// file an issue twice.
var retryPolicy = httpretry.Policy{
	MaxRetries:     3,
	MaxWait:        90 * time.Second,
	AttemptTimeout: 30 * time.Second,
	RateLimit:      httpretry.GitHubRateLimit,
}

// Options configure the tracker. Token, APIURL and Repository come from
// GITHUB_TOKEN, GITHUB_API_URL and GITHUB_REPOSITORY in the command.
type Options struct {
	Token      string
	APIURL     string // default https://api.github.com
	ServerURL  string // for permalinks; default https://github.com
	Repository string // owner/name
	// PathPrefix is the scanned root relative to the repository root,
	// for permalinks ("" or "infra").
	PathPrefix string
	HTTPClient *http.Client
	// Sleep waits out rate limits (nil: a real wait); tests make it instant.
	Sleep func(context.Context, time.Duration) error
}

// Tracker is the GitHub Issues adapter of lifecycle.Tracker.
type Tracker struct {
	cli         *gh.Client
	owner, repo string
	opts        Options
}

// New checks the options and builds the client. The token is sent only to
// APIURL, and only over https or to a loopback address.
func New(o Options) (*Tracker, error) {
	owner, repo, ok := strings.Cut(o.Repository, "/")
	if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
		return nil, fmt.Errorf("github tracker: repository %q is not owner/name (GITHUB_REPOSITORY)", o.Repository)
	}
	if o.Token == "" {
		return nil, errors.New("github tracker: no token (GITHUB_TOKEN)")
	}
	raw := cmp.Or(o.APIURL, "https://api.github.com")
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("github tracker: GITHUB_API_URL %q is not an http(s) URL", raw)
	}
	if u.Scheme == "http" && !loopback.Host(u.Hostname()) {
		return nil, fmt.Errorf("github tracker: GITHUB_API_URL %q is not https: refusing to send the token in clear text", raw)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	base := u.String()
	hc := &http.Client{}
	if o.HTTPClient != nil {
		c := *o.HTTPClient
		hc = &c
	}
	hc.Transport = &httpretry.Transport{Base: hc.Transport, Policy: retryPolicy, Sleep: o.Sleep}
	hc.Timeout = 0 // per attempt, in retryPolicy: a rate-limit wait is not cut short
	cli, err := gh.NewClient(gh.WithHTTPClient(hc), gh.WithURLs(&base, &base), gh.WithUserAgent("tfreview"), gh.WithAuthToken(o.Token),
		// Rate limits are waited out (bounded) by retryPolicy; go-github's
		// own check would refuse a call before it reaches it.
		gh.WithDisableRateLimitCheck())
	if err != nil {
		return nil, fmt.Errorf("github tracker: %w", err)
	}
	o.ServerURL = strings.TrimSuffix(cmp.Or(o.ServerURL, "https://github.com"), "/")
	return &Tracker{cli: cli, owner: owner, repo: repo, opts: o}, nil
}

var markerRE = regexp.MustCompile(`<!-- tfreview:fp=([0-9a-f]{32}) digest=([0-9a-f]{0,64}) -->`)

// marker is the hidden identity line of an issue body.
func marker(key, digest string) string {
	return fmt.Sprintf("<!-- tfreview:fp=%s digest=%s -->", key, digest)
}

// List returns every issue with the tfreview label and a marker, open and
// closed, in pages of 100: a bounded number of requests for any number of
// findings.
func (t *Tracker) List(ctx context.Context) ([]lifecycle.Ticket, error) {
	// Oldest first: an issue filed while we page lands on the last page
	// instead of shifting the ones we have not read yet.
	opt := &gh.IssueListByRepoOptions{State: "all", Labels: []string{Label}, Sort: "created", Direction: "asc", ListOptions: gh.ListOptions{PerPage: perPage}}
	var out []lifecycle.Ticket
	for {
		issues, resp, err := t.cli.Issues.ListByRepo(ctx, t.owner, t.repo, opt)
		if err != nil {
			return nil, fmt.Errorf("list issues labelled %s: %w", Label, t.redact(err))
		}
		for _, is := range issues {
			if is.IsPullRequest() {
				continue
			}
			// The last marker counts: text quoted from a finding is
			// escaped and cannot hold one, and ours ends the body.
			ms := markerRE.FindAllStringSubmatch(is.GetBody(), -1)
			if len(ms) == 0 {
				continue
			}
			m := ms[len(ms)-1]
			tk := lifecycle.Ticket{
				Key: m[1], Digest: m[2], ID: strconv.Itoa(is.GetNumber()), URL: is.GetHTMLURL(),
				Open: is.GetState() == "open", Order: int64(is.GetNumber()),
				Title: is.GetTitle(), Severity: severityOfTitle(is.GetTitle()),
			}
			for _, l := range is.Labels {
				if l.GetName() == AcceptedLabel {
					tk.Accepted = true
				}
			}
			tk.Accepted = tk.Accepted && !tk.Open
			out = append(out, tk)
		}
		if resp == nil || resp.NextPage == 0 {
			return out, nil
		}
		opt.ListOptions.Page = resp.NextPage
	}
}

// Apply carries out one change of the plan.
func (t *Tracker) Apply(ctx context.Context, c lifecycle.Change) (lifecycle.Ticket, error) {
	switch c.Action {
	case lifecycle.Create:
		return t.create(ctx, c)
	case lifecycle.Update:
		return t.edit(ctx, c, "")
	case lifecycle.Close:
		return t.close(ctx, c, fmt.Sprintf("Fixed in %s: tfreview no longer finds this.", commitRef(c.Commit)), "completed", false)
	case lifecycle.Reopen:
		if err := t.comment(ctx, c.Ticket, fmt.Sprintf("Found again in %s: reopening.", commitRef(c.Commit))); err != nil {
			return *c.Ticket, err
		}
		if c.Ticket.Accepted {
			if _, err := t.cli.Issues.RemoveLabelForIssue(ctx, t.owner, t.repo, number(c.Ticket), AcceptedLabel); err != nil && !isStatus(err, http.StatusNotFound) {
				return *c.Ticket, fmt.Errorf("remove label: %w", t.redact(err))
			}
		}
		return t.edit(ctx, c, "open")
	case lifecycle.Accept:
		reason := "no reason given"
		if c.Group.Accepted.Reason != "" {
			reason = c.Group.Accepted.Reason
		}
		body := "Closed as an accepted risk: the finding is suppressed with the reason " + quote(reason)
		if c.Group.Accepted.Expires != "" {
			body += "\n\nThe ignore expires on " + code(c.Group.Accepted.Expires) + "; the issue reopens then if the finding is still there."
		}
		tk, err := t.close(ctx, c, body, "not_planned", true)
		tk.Accepted = err == nil
		return tk, err
	case lifecycle.CloseDuplicate:
		return t.close(ctx, c, fmt.Sprintf("Duplicate of #%s, filed by a tfreview run at the same time.", c.Of.ID), "not_planned", false)
	}
	return lifecycle.Ticket{}, fmt.Errorf("github tracker: unknown action %q", c.Action)
}

func (t *Tracker) create(ctx context.Context, c lifecycle.Change) (lifecycle.Ticket, error) {
	g := c.Group
	labels := append([]string{Label}, g.Route.Labels...)
	req := gh.CreateIssueRequest{
		Title:     Title(*g),
		Body:      new(Body(*g, t.permalinks(c.Commit))),
		Labels:    labels,
		Assignees: slices.Clone(g.Route.Assignees),
	}
	is, _, err := t.cli.Issues.Create(ctx, t.owner, t.repo, req)
	if err != nil && req.Assignees != nil && isStatus(err, http.StatusUnprocessableEntity) {
		// An assignee without access to the repository makes GitHub refuse
		// the whole issue; file it unassigned rather than not at all.
		req.Assignees = nil
		is, _, err = t.cli.Issues.Create(ctx, t.owner, t.repo, req)
	}
	if err != nil {
		return lifecycle.Ticket{}, t.redact(err)
	}
	return lifecycle.Ticket{Key: g.Key, Digest: g.Digest(), ID: strconv.Itoa(is.GetNumber()), URL: is.GetHTMLURL(), Open: true, Order: int64(is.GetNumber())}, nil
}

// edit rewrites title and body (and the state, when given) and adds the
// routed labels; it never removes labels people added.
func (t *Tracker) edit(ctx context.Context, c lifecycle.Change, state string) (lifecycle.Ticket, error) {
	g := c.Group
	req := gh.UpdateIssueRequest{Title: new(Title(*g)), Body: new(Body(*g, t.permalinks(c.Commit)))}
	if state != "" {
		req.State = new(state)
	}
	is, _, err := t.cli.Issues.Update(ctx, t.owner, t.repo, number(c.Ticket), req)
	if err != nil {
		return *c.Ticket, t.redact(err)
	}
	if len(g.Route.Labels) > 0 {
		if _, _, err := t.cli.Issues.AddLabelsToIssue(ctx, t.owner, t.repo, number(c.Ticket), g.Route.Labels); err != nil {
			return *c.Ticket, fmt.Errorf("add labels: %w", t.redact(err))
		}
	}
	tk := *c.Ticket
	tk.Digest, tk.URL, tk.Open, tk.Accepted = g.Digest(), cmp.Or(is.GetHTMLURL(), tk.URL), is.GetState() != "closed", false
	return tk, nil
}

func (t *Tracker) close(ctx context.Context, c lifecycle.Change, comment, reason string, accepted bool) (lifecycle.Ticket, error) {
	if err := t.comment(ctx, c.Ticket, comment); err != nil {
		return *c.Ticket, err
	}
	if accepted {
		if _, _, err := t.cli.Issues.AddLabelsToIssue(ctx, t.owner, t.repo, number(c.Ticket), []string{AcceptedLabel}); err != nil {
			return *c.Ticket, fmt.Errorf("add label: %w", t.redact(err))
		}
	}
	req := gh.UpdateIssueRequest{State: new("closed"), StateReason: new(reason)}
	if c.Group != nil {
		// Keep the body current, so a closed ticket shows what was accepted.
		req.Body = new(Body(*c.Group, t.permalinks(c.Commit)))
	}
	if _, _, err := t.cli.Issues.Update(ctx, t.owner, t.repo, number(c.Ticket), req); err != nil {
		return *c.Ticket, fmt.Errorf("close: %w", t.redact(err))
	}
	tk := *c.Ticket
	tk.Open = false
	if c.Group != nil {
		tk.Digest = c.Group.Digest()
	}
	return tk, nil
}

func (t *Tracker) comment(ctx context.Context, tk *lifecycle.Ticket, body string) error {
	_, _, err := t.cli.Issues.CreateComment(ctx, t.owner, t.repo, number(tk), gh.IssueCommentRequest{Body: body})
	return t.redact(err)
}

// redact keeps the token out of error messages, whatever a server echoes.
func (t *Tracker) redact(err error) error {
	if err == nil || t.opts.Token == "" || !strings.Contains(err.Error(), t.opts.Token) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), t.opts.Token, "***"))
}

// severityOfTitle reads back the severity Title wrote: "[HIGH] ...".
func severityOfTitle(title string) finding.Severity {
	if !strings.HasPrefix(title, "[") {
		return finding.SeverityUnknown
	}
	name, _, _ := strings.Cut(title[1:], "]")
	s, _ := finding.ParseSeverity(name)
	return s
}

func isStatus(err error, code int) bool {
	var er *gh.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == code
}

func number(t *lifecycle.Ticket) int {
	n, _ := strconv.Atoi(t.ID)
	return n
}

func commitRef(c string) string {
	if c == "" {
		return "the latest scan"
	}
	return code(c)
}
