// Package github reports findings on GitHub: review comments with suggested
// changes (github-pr-review), check runs with annotations (github-pr-check,
// github-check), workflow commands (github-annotations), a sticky summary
// comment and the job summary. It uses reviewdog's diff service, parser,
// filter and comment markers, and go-github at the version reviewdog uses.
package github

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	gh "github.com/google/go-github/v91/github"
	"github.com/reviewdog/reviewdog/diff"
	"github.com/reviewdog/reviewdog/filter"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/httpretry"
	"github.com/tfreview/tfreview/reporters/review"
)

// Options configure every GitHub reporter. The zero value of every field
// has a useful default.
type Options struct {
	// FilterMode is added, diff_context, file or nofilter, with reviewdog's
	// meaning. "" means added on a pull request and nofilter otherwise.
	FilterMode string
	// FailOn: findings in scope at or above it fail the check and set
	// Result.Failed. SeverityUnknown means nothing fails.
	FailOn finding.Severity
	// PRComment keeps one sticky summary comment on the pull request.
	PRComment bool
	// StickyKey tells apart the comments of several tfreview jobs on one
	// pull request (a matrix over directories); "" means the scanned
	// directory relative to the repository root.
	StickyKey string
	// Owners map severity and paths to who must act; when empty, CODEOWNERS
	// is used.
	Owners []review.OwnerRule
	// RepoRoot is the root of the git work tree holding Report.Root; ""
	// means found by walking up from Report.Root, then GITHUB_WORKSPACE.
	RepoRoot string
	// ToolName names the check run and our comment markers; "" means
	// DefaultToolName.
	ToolName string
	// CommentAuthor is the login whose earlier comments this run may treat
	// as its own (dedup, sticky, resolve). "" means the token's user, or
	// any bot account when GitHub will not say (the Actions token, GitHub
	// App tokens).
	CommentAuthor string
	// ReportURL points readers to the full report when a body is cut to
	// GitHub's size limit; "" means the workflow run's page.
	ReportURL string

	// Stdout receives workflow commands; Stderr receives fallback notices.
	// nil means os.Stdout and os.Stderr.
	Stdout io.Writer
	Stderr io.Writer
	// Env reads the environment (GITHUB_EVENT_PATH, GITHUB_REPOSITORY,
	// GITHUB_SHA, GITHUB_API_URL, GITHUB_SERVER_URL, GITHUB_TOKEN,
	// REVIEWDOG_GITHUB_API_TOKEN, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT,
	// GITHUB_RUN_ID, GITHUB_EVENT_NAME, GITHUB_WORKSPACE). nil means
	// os.Getenv.
	Env func(key string) string

	// Client configures the API client.
	Client ClientOptions
}

// ClientOptions configure the GitHub API client.
type ClientOptions struct {
	// Token is an explicit GitHub token; "" means GITHUB_TOKEN, then
	// REVIEWDOG_GITHUB_API_TOKEN from Options.Env. It is never printed.
	Token string
	// HTTPClient is used for API calls; nil means a new client. Its
	// Transport is wrapped with retries.
	HTTPClient *http.Client
	// Timeout bounds each HTTP attempt; 0 means 30s.
	Timeout time.Duration
	// MaxRetries bounds retries of one request; 0 means 3, negative none.
	MaxRetries int
	// MaxRetryWait is the longest wait before a retry; a server asking for
	// longer is not retried. 0 means 60s.
	MaxRetryWait time.Duration
}

// What to do with review comments of earlier runs that no longer apply.
const (
	OutdatedResolve = "resolve" // edit them to say they are resolved (default)
	OutdatedDelete  = "delete"  // delete them, unless someone replied
	OutdatedKeep    = "keep"    // leave them alone
)

// DefaultMaxComments is how many review comments one run posts at most.
const DefaultMaxComments = 30

// DefaultToolName names the check run and marks our comments.
const DefaultToolName = "tfreview"

// toolNameRE is what a tool name may be: it is the check run's name and
// goes into hidden HTML comments, so no markup and no line breaks.
var toolNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._/:-]{0,63}$`)

// ReviewOptions are what only github-pr-review uses.
type ReviewOptions struct {
	// MaxComments caps review comments per run, most severe kept; 0 means
	// DefaultMaxComments, negative means no cap.
	MaxComments int
	// Outdated is OutdatedResolve (default), OutdatedDelete or OutdatedKeep.
	Outdated string
}

// Validate reports an unknown Outdated.
func (ro ReviewOptions) Validate() error {
	switch ro.Outdated {
	case "", OutdatedResolve, OutdatedDelete, OutdatedKeep:
		return nil
	}
	return fmt.Errorf("outdated comments: %q is not resolve, delete or keep", ro.Outdated)
}

// Reporter implements review.Reporter for the github-* reporter names.
type Reporter struct {
	kind       string // review.GitHubPRReview, ...
	opts       Options
	reviewOpts ReviewOptions
	mode       filter.Mode
	sleep      func(context.Context, time.Duration) error
	now        func() time.Time
}

var _ review.Reporter = (*Reporter)(nil)

// NewPRReview returns the github-pr-review reporter: review comments with
// suggested changes on the pull request's diff.
func NewPRReview(o Options, ro ReviewOptions) (*Reporter, error) {
	if err := ro.Validate(); err != nil {
		return nil, err
	}
	return newReporter(review.GitHubPRReview, o, ro)
}

// NewPRCheck returns the github-pr-check reporter: a check run with
// annotations, on pull request events only.
func NewPRCheck(o Options) (*Reporter, error) {
	return newReporter(review.GitHubPRCheck, o, ReviewOptions{})
}

// NewCheck returns the github-check reporter: a check run with
// annotations on any commit.
func NewCheck(o Options) (*Reporter, error) {
	return newReporter(review.GitHubCheck, o, ReviewOptions{})
}

// NewAnnotations returns the github-annotations reporter: workflow
// commands, no API call needed.
func NewAnnotations(o Options) (*Reporter, error) {
	return newReporter(review.GitHubAnnotations, o, ReviewOptions{})
}

func newReporter(kind string, o Options, ro ReviewOptions) (*Reporter, error) {
	mode, err := review.ParseFilterMode(o.FilterMode)
	if err != nil {
		return nil, err
	}
	for _, rule := range o.Owners {
		if err := rule.Validate(); err != nil {
			return nil, err
		}
	}
	if o.ToolName == "" {
		o.ToolName = DefaultToolName
	}
	if !toolNameRE.MatchString(o.ToolName) {
		return nil, fmt.Errorf("tool name %q: want 1-64 letters, digits, spaces and . _ / : - (it names the check run and keys our comments)", o.ToolName)
	}
	return &Reporter{kind: kind, opts: o, reviewOpts: ro, mode: mode, sleep: httpretry.Sleep, now: time.Now}, nil
}

// run is the state of one Report call.
type run struct {
	kind       string
	opts       Options
	reviewOpts ReviewOptions
	env        func(string) string
	stdout     io.Writer
	stderr     io.Writer
	now        func() time.Time

	rc      runContext
	cli     *gh.Client
	token   string
	tool    string
	author  string
	report  finding.Report
	scope   *review.Scope
	mode    filter.Mode
	prefix  string
	in, out []review.Group
	status  map[string]string
	replied map[int64]bool
	owners  review.Owners
	labels  []string
	links   linker
	fullURL string
	notes   []string
	res     *review.Result
}

// Report delivers rep. Errors that stop delivery are *review.Error; the job
// summary is written even then. A pull request the token cannot write to is
// not an error: Result.Fallback says what was done instead.
func (rp *Reporter) Report(ctx context.Context, rep finding.Report) (review.Result, error) {
	o := rp.opts
	r := &run{
		kind:       rp.kind,
		opts:       o,
		reviewOpts: rp.reviewOpts,
		env:        o.Env,
		stdout:     o.Stdout,
		stderr:     o.Stderr,
		now:        rp.now,
		tool:       o.ToolName,
		report:     rep,
		mode:       rp.mode,
		status:     map[string]string{},
		replied:    map[int64]bool{},
		res:        &review.Result{Reporter: rp.kind},
	}
	if r.env == nil {
		r.env = os.Getenv
	}
	if r.stdout == nil {
		r.stdout = os.Stdout
	}
	if r.stderr == nil {
		r.stderr = os.Stderr
	}
	err := r.deliver(ctx, rp.sleep)
	if err != nil && r.scope == nil {
		r.markUnfiltered(err)
	}
	if serr := r.writeStepSummary(); serr != nil && err == nil {
		err = serr
	}
	if oerr := r.writeOutputs(); oerr != nil && err == nil {
		err = oerr
	}
	r.res.Notes = append(r.res.Notes, r.notes...)
	return *r.res, err
}

func (r *run) deliver(ctx context.Context, sleep func(context.Context, time.Duration) error) error {
	rc, err := loadRunContext(r.env)
	if err != nil {
		return &review.Error{Op: "read the GitHub Actions event", Msg: err.Error()}
	}
	r.rc = rc
	r.token = tokenFrom(r.opts.Client, r.env)
	needsAPI := r.kind != review.GitHubAnnotations
	if needsAPI && r.token == "" {
		return &review.Error{Op: "find a GitHub token", Msg: "set GITHUB_TOKEN or REVIEWDOG_GITHUB_API_TOKEN (reporter " + r.kind + " calls the GitHub API)"}
	}
	if needsAPI && (rc.Owner == "" || rc.HeadSHA == "") {
		return &review.Error{Op: "find the repository and commit", Msg: "GITHUB_REPOSITORY and GITHUB_SHA (or a pull_request event in GITHUB_EVENT_PATH) are needed"}
	}
	if r.token != "" && rc.Owner != "" {
		cli, err := newClient(r.opts.Client, r.env, r.token, sleep)
		if err != nil {
			return &review.Error{Op: "configure the GitHub client", Msg: redact(err.Error(), r.token)}
		}
		r.cli = cli
	}
	r.links = linker{RepoHTMLURL: rc.RepoHTMLURL, SHA: rc.HeadSHA}
	r.fullURL = r.opts.ReportURL
	if r.fullURL == "" {
		r.fullURL = rc.RunURL
	}

	repoRoot, prefix := review.Locate(r.opts.RepoRoot, r.report.Root, r.env("GITHUB_WORKSPACE"))
	r.prefix = prefix
	diffs, err := r.diff(ctx, repoRoot)
	if err != nil {
		return err
	}
	r.scope = review.NewScope(diffs, 1, prefix, r.mode)
	items := r.scope.Mark(r.report.Findings)
	r.in, r.out = review.Split(review.GroupItems(items))
	r.res.FilterMode = r.mode.String()
	r.res.InScope = review.CountItems(r.in)
	r.res.OutOfScope = review.CountItems(r.out)
	r.res.Suppressed = len(r.report.Findings) - len(items)
	r.res.Failed = review.Failing(r.in, r.opts.FailOn)
	r.owners = review.WhoMustAct(r.in, r.opts.Owners, repoRoot)

	prOnly := r.kind == review.GitHubPRReview || r.kind == review.GitHubPRCheck
	switch {
	case prOnly && rc.PR == 0:
		r.note("Not a pull request event: nothing to review; every finding is listed in the job summary.")
		return nil
	case r.kind == review.GitHubPRReview:
		err = r.postReview(ctx)
	case r.kind == review.GitHubAnnotations:
		err = r.annotate()
	default:
		err = r.postCheck(ctx)
	}
	if err != nil {
		if !isPermissionError(err) {
			return err
		}
		if err := r.fallback(err); err != nil {
			return err
		}
	}
	return r.postPullRequestExtras(ctx)
}

// markUnfiltered marks every finding in scope when delivery stopped before
// the diff was known (GitHub unreachable, no token, no event), so the job
// summary still lists every finding: a failed delivery never loses them.
func (r *run) markUnfiltered(cause error) {
	_, prefix := review.Locate(r.opts.RepoRoot, r.report.Root, r.env("GITHUB_WORKSPACE"))
	r.prefix = prefix
	r.mode = filter.ModeNoFilter
	r.scope = review.NewScope(nil, 1, prefix, r.mode)
	r.in, r.out = review.Split(review.GroupItems(r.scope.Mark(r.report.Findings)))
	r.res.FilterMode = r.mode.String()
	r.res.InScope = review.CountItems(r.in)
	r.res.Suppressed = len(r.report.Findings) - review.CountItems(r.in)
	r.note("Could not report to GitHub (" + cause.Error() + "); every finding is listed here, unfiltered.")
}

// diff fetches what the filter compares with: the pull request's diff from
// the API, or — for github-annotations without a token — git's diff of the
// base and head commits. Without a pull request nothing is filtered.
func (r *run) diff(ctx context.Context, repoRoot string) ([]*diff.FileDiff, error) {
	if r.mode == filter.ModeNoFilter {
		return nil, nil
	}
	if r.rc.PR == 0 {
		if r.mode != filter.ModeDefault {
			r.note(fmt.Sprintf("Not a pull request event: filter mode %s needs a diff, so every finding is reported (nofilter).", r.mode.String()))
		}
		r.mode = filter.ModeNoFilter
		return nil, nil
	}
	if r.mode == filter.ModeDefault {
		r.mode = filter.ModeAdded
	}
	if r.cli != nil {
		return pullRequestDiff(ctx, r.cli, r.rc, []string{r.token})
	}
	if r.rc.BaseSHA != "" {
		fds, err := review.GitDiff(ctx, repoRoot, r.rc.BaseSHA, r.rc.HeadSHA, false)
		if err == nil {
			return fds, nil
		}
		r.note("Could not diff the pull request with git (fetch more history, e.g. actions/checkout with fetch-depth: 0, or pass a token); every finding is reported (nofilter).")
	}
	r.mode = filter.ModeNoFilter
	return nil, nil
}

// annotate writes workflow commands for the in-scope groups.
func (r *run) annotate() error {
	n, err := writeWorkflowCommands(r.stdout, r.in, r.opts.FailOn)
	if err != nil {
		return &review.Error{Op: "write workflow commands", Msg: err.Error()}
	}
	shown := review.BySeverity(r.in)
	for i, g := range shown {
		if i < n {
			r.status[g.Fingerprint()] = statusAnnotated
			r.res.Posted += len(g.Items)
		} else {
			r.status[g.Fingerprint()] = statusNotAnnotated
			r.res.NotPosted += len(g.Items)
		}
	}
	if rest := len(shown) - n; rest > 0 {
		if _, err := fmt.Fprintf(r.stdout, "%s: %d more %s not annotated (GitHub shows %d annotations per step); all are in the job summary.\n",
			r.tool, rest, plural(rest, "finding"), MaxAnnotationsPerStep); err != nil {
			return &review.Error{Op: "write workflow commands", Msg: err.Error()}
		}
	}
	return nil
}

// fallback reports with workflow commands when the token cannot write, as
// for pull requests from forks, and says so.
func (r *run) fallback(cause error) error {
	r.res.Fallback = fmt.Sprintf("The token cannot write to this repository (%s); expected for pull requests from forks. "+
		"Findings are reported as workflow annotations and in the job summary instead.", cause.Error())
	// A progress notice: Result.Fallback carries it to the caller too.
	_, _ = fmt.Fprintf(r.stderr, "%s: %s\n", r.tool, r.res.Fallback)
	r.res.Posted, r.res.AlreadyPosted, r.res.NotPosted = 0, 0, 0
	r.res.ReviewURL, r.res.CheckURL, r.res.Conclusion = "", "", ""
	if err := r.annotate(); err != nil {
		return err
	}
	for fp, st := range r.status {
		if st == statusAnnotated {
			r.status[fp] = statusFallbackShown
		}
	}
	return nil
}

// postPullRequestExtras keeps the sticky summary comment and adds labels.
func (r *run) postPullRequestExtras(ctx context.Context) error {
	if r.rc.PR == 0 || r.cli == nil {
		return nil
	}
	if r.res.Fallback != "" {
		if r.opts.PRComment || len(r.owners.Labels) > 0 {
			r.note("The summary comment and labels were skipped: the token cannot write to this pull request.")
		}
		return nil
	}
	if len(r.in) > 0 {
		r.labels = r.owners.Labels
	}
	if r.opts.PRComment {
		s := r.summary(true)
		s.Marker = r.stickyMarker()
		s.Limit, s.MaxGroups = MaxSummaryBody, MaxSummaryGroups
		if err := r.postSticky(ctx, s.render(), len(r.in) > 0); err != nil {
			if !isPermissionError(err) {
				return err
			}
			r.note("Could not write the summary comment: " + err.Error())
		}
	}
	if err := r.addLabels(ctx, r.labels); err != nil {
		if !isPermissionError(err) {
			return err
		}
		r.note("Could not add labels: " + err.Error())
	}
	if err := r.removeClearedLabels(ctx, r.labels); err != nil {
		if !isPermissionError(err) {
			return err
		}
		r.note("Could not remove labels: " + err.Error())
	}
	return nil
}

func (r *run) note(s string) { r.notes = append(r.notes, s) }

// summary collects what every summary shows.
func (r *run) summary(mention bool) summary {
	mode := r.mode.String()
	if r.mode == filter.ModeDefault {
		mode = "added"
	}
	return summary{
		Tool:     r.tool,
		Report:   r.report,
		Mode:     mode,
		FailOn:   r.opts.FailOn,
		In:       r.in,
		Out:      r.out,
		Status:   r.status,
		Owners:   r.owners,
		Labels:   r.labels,
		Mention:  mention,
		Fallback: r.res.Fallback,
		Notes:    r.notes,
		Links:    r.links,
		Prefix:   r.prefix,
		FullURL:  r.fullURL,
	}
}

// writeStepSummary appends the summary to $GITHUB_STEP_SUMMARY.
func (r *run) writeStepSummary() error {
	p := r.env("GITHUB_STEP_SUMMARY")
	if p == "" || r.scope == nil {
		return nil
	}
	s := r.summary(false)
	s.Limit = MaxStepSummary
	if err := appendFile(p, s.render()+"\n"); err != nil {
		return &review.Error{Op: "write the job summary", Msg: err.Error()}
	}
	return nil
}

// writeOutputs sets step outputs in $GITHUB_OUTPUT: counts in scope by
// severity, the totals and the conclusion. Values are numbers and words.
func (r *run) writeOutputs() error {
	p := r.env("GITHUB_OUTPUT")
	if p == "" || r.scope == nil {
		return nil
	}
	c := review.CountBySeverity(r.in)
	all := review.CountItems(r.in) + review.CountItems(r.out)
	lines := []string{
		fmt.Sprintf("findings=%d", review.CountItems(r.in)),
		fmt.Sprintf("critical=%d", c[finding.SeverityCritical]),
		fmt.Sprintf("high=%d", c[finding.SeverityHigh]),
		fmt.Sprintf("medium=%d", c[finding.SeverityMedium]),
		fmt.Sprintf("low=%d", c[finding.SeverityLow]),
		fmt.Sprintf("all_findings=%d", all),
		fmt.Sprintf("failed=%t", r.res.Failed),
	}
	if r.res.Conclusion != "" {
		lines = append(lines, "conclusion="+r.res.Conclusion)
	}
	if err := appendFile(p, strings.Join(lines, "\n")+"\n"); err != nil {
		return &review.Error{Op: "write step outputs", Msg: err.Error()}
	}
	return nil
}

// appendFile appends s to the file at p, created if missing. A failed
// Close is reported: the runner reads the file after the step.
func appendFile(p, s string) error {
	f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = io.WriteString(f, s)
	return errors.Join(err, f.Close())
}
