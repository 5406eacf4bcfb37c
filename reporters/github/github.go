// Package github reports findings on GitHub: review comments with suggested
// changes (github-pr-review), check runs with annotations (github-pr-check,
// github-check), workflow commands (github-annotations), a sticky summary
// comment and the job summary. It uses reviewdog's diff service, parser,
// filter and comment markers, and go-github at the version reviewdog uses.
package github

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	gh "github.com/google/go-github/v91/github"
	"github.com/reviewdog/reviewdog/diff"
	"github.com/reviewdog/reviewdog/filter"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/reporters/review"
)

// Reporter implements review.Reporter for the github-* reporter names.
type Reporter struct {
	opts  review.Options
	mode  filter.Mode
	sleep func(context.Context, time.Duration) error
	now   func() time.Time
}

var _ review.Reporter = (*Reporter)(nil)

// New checks the options and returns a reporter for o.Name, which must be
// one of the github-* names.
func New(o review.Options) (*Reporter, error) {
	switch o.Name {
	case review.GitHubPRReview, review.GitHubPRCheck, review.GitHubCheck, review.GitHubAnnotations:
	default:
		return nil, fmt.Errorf("reporter %q: not a GitHub reporter", o.Name)
	}
	mode, err := review.ParseFilterMode(o.FilterMode)
	if err != nil {
		return nil, err
	}
	switch o.Outdated {
	case "", review.OutdatedResolve, review.OutdatedDelete, review.OutdatedKeep:
	default:
		return nil, fmt.Errorf("outdated comments: %q is not resolve, delete or keep", o.Outdated)
	}
	for _, rule := range o.Owners {
		if err := rule.Validate(); err != nil {
			return nil, err
		}
	}
	if o.ToolName == "" {
		o.ToolName = review.DefaultToolName
	}
	return &Reporter{opts: o, mode: mode, sleep: sleepCtx, now: time.Now}, nil
}

// run is the state of one Report call.
type run struct {
	opts   review.Options
	env    func(string) string
	stdout io.Writer
	stderr io.Writer
	now    func() time.Time

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
		opts:    o,
		env:     o.Env,
		stdout:  o.Stdout,
		stderr:  o.Stderr,
		now:     rp.now,
		tool:    o.ToolName,
		report:  rep,
		mode:    rp.mode,
		status:  map[string]string{},
		replied: map[int64]bool{},
		res:     &review.Result{Reporter: o.Name},
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
	r.token = tokenFrom(r.opts, r.env)
	needsAPI := r.opts.Name != review.GitHubAnnotations
	if needsAPI && r.token == "" {
		return &review.Error{Op: "find a GitHub token", Msg: "set GITHUB_TOKEN or REVIEWDOG_GITHUB_API_TOKEN (reporter " + r.opts.Name + " calls the GitHub API)"}
	}
	if needsAPI && (rc.Owner == "" || rc.HeadSHA == "") {
		return &review.Error{Op: "find the repository and commit", Msg: "GITHUB_REPOSITORY and GITHUB_SHA (or a pull_request event in GITHUB_EVENT_PATH) are needed"}
	}
	if r.token != "" && rc.Owner != "" {
		cli, err := newClient(r.opts, r.env, r.token, sleep)
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

	prOnly := r.opts.Name == review.GitHubPRReview || r.opts.Name == review.GitHubPRCheck
	switch {
	case prOnly && rc.PR == 0:
		r.note("Not a pull request event: nothing to review; every finding is listed in the job summary.")
		return nil
	case r.opts.Name == review.GitHubPRReview:
		err = r.postReview(ctx)
	case r.opts.Name == review.GitHubAnnotations:
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
		fmt.Fprintf(r.stdout, "%s: %d more %s not annotated (GitHub shows %d annotations per step); all are in the job summary.\n",
			r.tool, rest, plural(rest, "finding"), MaxAnnotationsPerStep)
	}
	return nil
}

// fallback reports with workflow commands when the token cannot write, as
// for pull requests from forks, and says so.
func (r *run) fallback(cause error) error {
	r.res.Fallback = fmt.Sprintf("The token cannot write to this repository (%s); expected for pull requests from forks. "+
		"Findings are reported as workflow annotations and in the job summary instead.", cause.Error())
	fmt.Fprintf(r.stderr, "%s: %s\n", r.tool, r.res.Fallback)
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
	f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return &review.Error{Op: "write the job summary", Msg: err.Error()}
	}
	defer f.Close()
	if _, err := io.WriteString(f, s.render()+"\n"); err != nil {
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
	f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return &review.Error{Op: "write step outputs", Msg: err.Error()}
	}
	defer f.Close()
	for _, l := range lines {
		if _, err := io.WriteString(f, l+"\n"); err != nil {
			return &review.Error{Op: "write step outputs", Msg: err.Error()}
		}
	}
	return nil
}
