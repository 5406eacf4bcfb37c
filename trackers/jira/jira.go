// Package jira keeps tfreview's tickets in JIRA Cloud or Data Center with
// the go-jira client: one issue per finding group, identified by the label
// tfreview-fp-<key>, found by one JQL search per run, moved through the
// workflow by transitions to the configured statuses.
package jira

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	gojira "github.com/andygrunwald/go-jira"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/httpretry"
	"github.com/tfreview/tfreview/internal/loopback"
	"github.com/tfreview/tfreview/lifecycle"
)

const (
	// Label marks every issue tfreview files; the search is by it.
	Label = "tfreview"
	// KeyLabelPrefix + the group key is an issue's identity. Labels are
	// set only by tfreview, never from scanned text.
	KeyLabelPrefix = "tfreview-fp-"
	// AcceptedLabel marks an issue closed as an accepted risk.
	AcceptedLabel = "tfreview-accepted-risk"
	pageSize      = 100
	// maxSummary is JIRA's limit on a summary (255 characters).
	maxSummary = 255
)

// Options configure the tracker; the command fills them from JIRA_URL,
// JIRA_USER with JIRA_API_TOKEN (Cloud, basic auth) or JIRA_PAT (Data
// Center personal access token, bearer).
type Options struct {
	BaseURL  string
	User     string
	APIToken string
	PAT      string
	// Cloud selects the Cloud search API (/rest/api/3/search/jql); Data
	// Center keeps /rest/api/2/search. Default: the host ends in
	// .atlassian.net.
	Cloud *bool
	// Statuses the workflow moves issues to.
	DoneStatus, ReopenStatus, AcceptedStatus string
	// Defaults for routes that name no project or issue type.
	Defaults   lifecycle.JiraFields
	HTTPClient *http.Client
	// Sleep waits out rate limits (nil: a real wait); tests record it.
	Sleep func(context.Context, time.Duration) error
}

// Tracker is the JIRA adapter of lifecycle.Tracker.
type Tracker struct {
	cli   *gojira.Client
	opts  Options
	cloud bool
}

// New checks the options. Credentials go only to BaseURL, over https or to
// a loopback address.
func New(o Options) (*Tracker, error) {
	u, err := url.Parse(o.BaseURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("jira tracker: JIRA_URL %q is not an http(s) URL", o.BaseURL)
	}
	if u.Scheme == "http" && !loopback.Host(u.Hostname()) {
		return nil, fmt.Errorf("jira tracker: JIRA_URL %q is not https: refusing to send credentials in clear text", o.BaseURL)
	}
	var base http.RoundTripper
	if o.HTTPClient != nil {
		base = o.HTTPClient.Transport
	}
	rt := &httpretry.Transport{Base: base, Policy: retryPolicy, Sleep: o.Sleep}
	var hc *http.Client
	switch {
	case o.PAT != "":
		hc = (&gojira.BearerAuthTransport{Token: o.PAT, Transport: rt}).Client()
	case o.User != "" && o.APIToken != "":
		hc = (&gojira.BasicAuthTransport{Username: o.User, Password: o.APIToken, Transport: rt}).Client()
	default:
		return nil, errors.New("jira tracker: no credentials (JIRA_USER and JIRA_API_TOKEN, or JIRA_PAT)")
	}
	hc.Timeout = 0 // per attempt, in retryPolicy: a rate-limit wait is not cut short
	cli, err := gojira.NewClient(hc, u.String())
	if err != nil {
		return nil, fmt.Errorf("jira tracker: %w", err)
	}
	cloud := strings.HasSuffix(u.Hostname(), ".atlassian.net")
	if o.Cloud != nil {
		cloud = *o.Cloud
	}
	o.DoneStatus = cmp.Or(o.DoneStatus, "Done")
	o.ReopenStatus = cmp.Or(o.ReopenStatus, "To Do")
	o.AcceptedStatus = cmp.Or(o.AcceptedStatus, o.DoneStatus)
	return &Tracker{cli: cli, opts: o, cloud: cloud}, nil
}

// retryPolicy waits out JIRA's rate limit: a 429 with Retry-After (the
// request was not processed, so even a create is safe to repeat; 10s
// without one), at most three times and a minute each. Other failures are
// not repeated: a create that timed out may have filed its issue.
var retryPolicy = httpretry.Policy{
	MaxRetries:     3,
	MaxWait:        time.Minute,
	AttemptTimeout: 30 * time.Second,
	RateLimit:      httpretry.TooManyRequests(10 * time.Second),
}

var digestRE = regexp.MustCompile(`tfreview:fp=([0-9a-f]{32}) digest=([0-9a-f]{0,64})`)

var searchFields = []string{"summary", "status", "labels", "description", "created"}

// jql finds every issue tfreview filed, oldest first (a ticket filed while
// we page lands on the last page).
const jql = `labels = "` + Label + `" ORDER BY created ASC`

// List runs one JQL search, page by page.
func (t *Tracker) List(ctx context.Context) ([]lifecycle.Ticket, error) {
	var issues []gojira.Issue
	var err error
	if t.cloud {
		issues, err = t.searchCloud(ctx)
	} else {
		err = t.cli.Issue.SearchPagesWithContext(ctx, jql, &gojira.SearchOptions{MaxResults: pageSize, Fields: searchFields}, func(is gojira.Issue) error {
			issues = append(issues, is)
			return nil
		})
	}
	if err != nil {
		return nil, fmt.Errorf("search %s: %w", jql, err)
	}
	var out []lifecycle.Ticket
	for i, is := range issues {
		if is.Fields == nil {
			continue
		}
		key := ""
		for _, l := range is.Fields.Labels {
			if k, ok := strings.CutPrefix(l, KeyLabelPrefix); ok {
				key = k
			}
		}
		if key == "" {
			continue
		}
		tk := lifecycle.Ticket{Key: key, ID: is.Key, URL: t.browse(is.Key), Order: int64(i), Title: is.Fields.Summary, Severity: severityOfTitle(is.Fields.Summary)}
		if m := digestRE.FindAllStringSubmatch(is.Fields.Description, -1); len(m) > 0 && m[len(m)-1][1] == key {
			tk.Digest = m[len(m)-1][2]
		}
		tk.Open = is.Fields.Status == nil || is.Fields.Status.StatusCategory.Key != gojira.StatusCategoryComplete
		tk.Accepted = !tk.Open && slices.Contains(is.Fields.Labels, AcceptedLabel)
		out = append(out, tk)
	}
	return out, nil
}

// searchCloud uses Cloud's enhanced search (the v2 search is gone there),
// through go-jira's request and auth handling.
func (t *Tracker) searchCloud(ctx context.Context) ([]gojira.Issue, error) {
	var out []gojira.Issue
	next := ""
	for {
		body := map[string]any{"jql": jql, "maxResults": pageSize, "fields": searchFields}
		if next != "" {
			body["nextPageToken"] = next
		}
		req, err := t.cli.NewRequestWithContext(ctx, http.MethodPost, "rest/api/3/search/jql", body)
		if err != nil {
			return nil, err
		}
		var page struct {
			Issues        []gojira.Issue `json:"issues"`
			NextPageToken string         `json:"nextPageToken"`
			IsLast        bool           `json:"isLast"`
		}
		resp, err := t.cli.Do(req, &page)
		if err != nil {
			return nil, gojira.NewJiraError(resp, err)
		}
		out = append(out, page.Issues...)
		if page.IsLast || page.NextPageToken == "" {
			return out, nil
		}
		next = page.NextPageToken
	}
}

func (t *Tracker) browse(key string) string {
	return strings.TrimSuffix(t.opts.BaseURL, "/") + "/browse/" + url.PathEscape(key)
}

// Apply carries out one change of the plan.
func (t *Tracker) Apply(ctx context.Context, c lifecycle.Change) (lifecycle.Ticket, error) {
	switch c.Action {
	case lifecycle.Create:
		return t.create(ctx, c)
	case lifecycle.Update:
		return t.update(ctx, c)
	case lifecycle.Close:
		return t.move(ctx, c, fmt.Sprintf("Fixed in %s: tfreview no longer finds this.", commitRef(c.Commit)), t.opts.DoneStatus, false)
	case lifecycle.Reopen:
		if c.Ticket.Accepted {
			if err := t.labels(ctx, c.Ticket.ID, "remove", AcceptedLabel); err != nil {
				return *c.Ticket, err
			}
		}
		tk, err := t.move(ctx, c, fmt.Sprintf("Found again in %s: reopening.", commitRef(c.Commit)), t.opts.ReopenStatus, true)
		if err != nil {
			return tk, err
		}
		return t.update(ctx, lifecycle.Change{Action: lifecycle.Update, Key: c.Key, Group: c.Group, Ticket: &tk, Commit: c.Commit})
	case lifecycle.Accept:
		if err := t.labels(ctx, c.Ticket.ID, "add", AcceptedLabel); err != nil {
			return *c.Ticket, err
		}
		reason := cmp.Or(c.Group.Accepted.Reason, "no reason given")
		msg := "Closed as an accepted risk: the finding is suppressed with the reason:\n" + noformat(reason)
		if c.Group.Accepted.Expires != "" {
			msg += "\nThe ignore expires on " + noformat(c.Group.Accepted.Expires) + "; the issue reopens then if the finding is still there."
		}
		tk, err := t.move(ctx, c, msg, t.opts.AcceptedStatus, false)
		tk.Accepted = err == nil
		return tk, err
	case lifecycle.CloseDuplicate:
		return t.move(ctx, c, "Duplicate of "+c.Of.ID+", filed by a tfreview run at the same time.", t.opts.DoneStatus, false)
	}
	return lifecycle.Ticket{}, fmt.Errorf("jira tracker: unknown action %q", c.Action)
}

func (t *Tracker) create(ctx context.Context, c lifecycle.Change) (lifecycle.Ticket, error) {
	g := c.Group
	j := g.Route.Jira
	project, issueType := cmp.Or(j.Project, t.opts.Defaults.Project), cmp.Or(j.IssueType, t.opts.Defaults.IssueType)
	if project == "" {
		return lifecycle.Ticket{}, fmt.Errorf("no JIRA project routed for %s (track.routes[].jira.project or track.jira.defaults.project)", g.RuleID)
	}
	fields := &gojira.IssueFields{
		Project:     gojira.Project{Key: project},
		Type:        gojira.IssueType{Name: cmp.Or(issueType, "Bug")},
		Summary:     Summary(*g),
		Description: Description(*g),
		Labels:      labelsFor(*g),
	}
	if comp := cmp.Or(j.Component, t.opts.Defaults.Component); comp != "" {
		fields.Components = []*gojira.Component{{Name: comp}}
	}
	if prio := cmp.Or(j.Priority, t.opts.Defaults.Priority); prio != "" {
		fields.Priority = &gojira.Priority{Name: prio}
	}
	if len(g.Route.Assignees) > 0 {
		if t.cloud {
			fields.Assignee = &gojira.User{AccountID: g.Route.Assignees[0]}
		} else {
			fields.Assignee = &gojira.User{Name: g.Route.Assignees[0]}
		}
	}
	is, resp, err := t.cli.Issue.CreateWithContext(ctx, &gojira.Issue{Fields: fields})
	if err != nil {
		return lifecycle.Ticket{}, gojira.NewJiraError(resp, err)
	}
	return lifecycle.Ticket{Key: g.Key, Digest: g.Digest(), ID: is.Key, URL: t.browse(is.Key), Open: true, Title: fields.Summary, Severity: g.Severity}, nil
}

func (t *Tracker) update(ctx context.Context, c lifecycle.Change) (lifecycle.Ticket, error) {
	g := c.Group
	data := map[string]any{
		"fields": map[string]any{"summary": Summary(*g), "description": Description(*g)},
	}
	var adds []map[string]string
	for _, l := range labelsFor(*g) {
		adds = append(adds, map[string]string{"add": l})
	}
	data["update"] = map[string]any{"labels": adds}
	resp, err := t.cli.Issue.UpdateIssueWithContext(ctx, c.Ticket.ID, data)
	if err != nil {
		return *c.Ticket, gojira.NewJiraError(resp, err)
	}
	tk := *c.Ticket
	tk.Digest = g.Digest()
	return tk, nil
}

func (t *Tracker) labels(ctx context.Context, id, op, label string) error {
	resp, err := t.cli.Issue.UpdateIssueWithContext(ctx, id, map[string]any{"update": map[string]any{"labels": []map[string]string{{op: label}}}})
	if err != nil {
		return fmt.Errorf("%s label %s: %w", op, label, gojira.NewJiraError(resp, err))
	}
	return nil
}

// move comments, then transitions the issue to the status named status.
func (t *Tracker) move(ctx context.Context, c lifecycle.Change, comment, status string, open bool) (lifecycle.Ticket, error) {
	tk := *c.Ticket
	if _, resp, err := t.cli.Issue.AddCommentWithContext(ctx, tk.ID, &gojira.Comment{Body: comment}); err != nil {
		return tk, fmt.Errorf("comment on %s: %w", tk.ID, gojira.NewJiraError(resp, err))
	}
	trs, resp, err := t.cli.Issue.GetTransitionsWithContext(ctx, tk.ID)
	if err != nil {
		return tk, fmt.Errorf("transitions of %s: %w", tk.ID, gojira.NewJiraError(resp, err))
	}
	id := ""
	for _, tr := range trs {
		if strings.EqualFold(tr.To.Name, status) || strings.EqualFold(tr.Name, status) {
			id = tr.ID
			break
		}
	}
	if id == "" {
		var names []string
		for _, tr := range trs {
			names = append(names, tr.To.Name)
		}
		return tk, fmt.Errorf("%s: no transition to %q (available: %s); set track.jira statuses", tk.ID, status, strings.Join(names, ", "))
	}
	if resp, err := t.cli.Issue.DoTransitionWithContext(ctx, tk.ID, id); err != nil {
		return tk, fmt.Errorf("move %s to %s: %w", tk.ID, status, gojira.NewJiraError(resp, err))
	}
	tk.Open = open
	if c.Group != nil {
		tk.Digest = c.Group.Digest()
	}
	return tk, nil
}

func labelsFor(g lifecycle.Group) []string {
	out := []string{Label, KeyLabelPrefix + g.Key}
	for _, l := range g.Route.Labels {
		// JIRA labels cannot hold spaces.
		l = strings.Join(strings.Fields(l), "-")
		if l != "" && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// Summary is the issue summary: plain text, one line, at most 255
// characters.
func Summary(g lifecycle.Group) string {
	s := fmt.Sprintf("[%s] %s: %s on %s", g.Severity, g.RuleID, g.Title, cmp.Or(g.Resource, g.File))
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxSummary {
		s = string(r[:maxSummary-1]) + "…"
	}
	return s
}

// Description renders the issue in JIRA wiki markup. Everything from the
// scanned repository goes in {noformat} blocks, where JIRA renders no
// markup, links or mentions; only the severity, links tfreview builds
// and the marker are outside them.
func Description(g lifecycle.Group) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*Severity:* %s\n", g.Severity)
	b.WriteString("*Finding:*\n" + noformat(fmt.Sprintf("%s %s\nresource: %s\nlocation: %s:%d\n\n%s", g.RuleID, g.Title, g.Resource, g.File, g.Line, g.Message)))
	if len(g.Instances) > 1 {
		var inst strings.Builder
		for i, in := range g.Instances {
			if i == 50 {
				fmt.Fprintf(&inst, "… and %d more\n", len(g.Instances)-i)
				break
			}
			fmt.Fprintf(&inst, "%s %s at %s:%d\n", in.Address, in.Attribute, in.File, in.Line)
		}
		fmt.Fprintf(&b, "\n*Instances (%d):*\n%s", len(g.Instances), noformat(inst.String()))
	}
	if g.FixDiff != "" {
		b.WriteString("\n*Suggested fix:*\n" + noformat(g.FixDiff))
	}
	if g.Resolution != "" {
		b.WriteString("\n*Resolution:*\n" + noformat(g.Resolution))
	}
	if u, err := url.Parse(g.DocURL); err == nil && u.Scheme == "https" && !strings.ContainsAny(g.DocURL, "[]| \n") {
		fmt.Fprintf(&b, "\n[Documentation|%s]\n", g.DocURL)
	}
	fmt.Fprintf(&b, "\n_Filed and kept up to date by tfreview; edits to this description are overwritten._\ntfreview:fp=%s digest=%s\n", g.Key, g.Digest())
	return b.String()
}

// noformat wraps untrusted text in a {noformat} block that it cannot end.
func noformat(s string) string {
	s = noformatRE.ReplaceAllString(s, "{ noformat}")
	s = digestRE.ReplaceAllString(s, "tfreview-fp-quoted")
	return "{noformat}\n" + strings.TrimRight(s, "\n") + "\n{noformat}\n"
}

var noformatRE = regexp.MustCompile(`(?i)\{noformat\}`)

func severityOfTitle(title string) finding.Severity {
	if !strings.HasPrefix(title, "[") {
		return finding.SeverityUnknown
	}
	name, _, _ := strings.Cut(title[1:], "]")
	s, _ := finding.ParseSeverity(name)
	return s
}

func commitRef(c string) string {
	if c == "" {
		return "the latest scan"
	}
	return "{{" + strings.Map(func(r rune) rune {
		if strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return r
		}
		return -1
	}, c) + "}}"
}
