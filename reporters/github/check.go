package github

import (
	"context"
	"fmt"

	gh "github.com/google/go-github/v91/github"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/reporters/review"
)

// MaxAnnotationsPerRequest: "The Checks API limits the number of annotations
// to a maximum of 50 per API request. To create more than 50 annotations,
// you have to make multiple requests to the Update a check run endpoint."
// https://docs.github.com/en/rest/checks/runs#update-a-check-run
const MaxAnnotationsPerRequest = 50

// Check annotation limits from the same page: title and message sizes.
const (
	maxAnnotationTitle   = 255
	maxAnnotationMessage = 64 * 1024
)

// postCheck creates a check run on the head commit, adds one annotation per
// in-scope group in batches of MaxAnnotationsPerRequest, and completes it
// with the conclusion and the summary. The last batch goes with the
// completion.
func (r *run) postCheck(ctx context.Context) error {
	cr, _, err := r.cli.Checks.CreateCheckRun(ctx, r.rc.Owner, r.rc.Repo, gh.CreateCheckRunOptions{
		Name:    r.tool,
		HeadSHA: r.rc.HeadSHA,
		Status:  new("in_progress"),
	})
	if err != nil {
		return apiError("create check run", err, r.token)
	}
	var anns []*gh.CheckRunAnnotation
	for _, g := range review.BySeverity(r.in) {
		anns = append(anns, r.checkAnnotation(g))
		r.status[g.Fingerprint()] = statusAnnotated
	}
	r.res.Conclusion = r.conclusion()
	title := r.checkTitle()
	for start := 0; ; start += MaxAnnotationsPerRequest {
		batch := anns[min(start, len(anns)):min(start+MaxAnnotationsPerRequest, len(anns))]
		last := start+MaxAnnotationsPerRequest >= len(anns)
		opt := gh.UpdateCheckRunOptions{
			Name: r.tool,
			Output: &gh.CheckRunOutput{
				Title:       new(title),
				Summary:     new("Adding annotations…"),
				Annotations: batch,
			},
		}
		if last {
			s := r.summary(false)
			s.Limit, s.MaxGroups = MaxSummaryBody, MaxSummaryGroups
			opt.Status = new("completed")
			opt.Conclusion = new(r.res.Conclusion)
			opt.CompletedAt = &gh.Timestamp{Time: r.now()}
			opt.Output.Summary = new(s.render())
			if r.fullURL != "" {
				opt.DetailsURL = new(r.fullURL)
			}
		}
		done, _, err := r.cli.Checks.UpdateCheckRun(ctx, r.rc.Owner, r.rc.Repo, cr.GetID(), opt)
		if err != nil {
			return apiError(fmt.Sprintf("update check run (annotations %d-%d)", start+1, start+len(batch)), err, r.token)
		}
		if last {
			r.res.Posted = review.CountItems(r.in)
			r.res.CheckURL = done.GetHTMLURL()
			return nil
		}
	}
}

func (r *run) checkAnnotation(g review.Group) *gh.CheckRunAnnotation {
	p := g.Primary()
	f := p.Finding
	path, start, end := p.Path, max(f.Range.Start.Line, 1), max(f.Range.End.Line, f.Range.Start.Line, 1)
	if a := g.Anchor(); !a.IsZero() && a.Path != p.Path {
		path, start, end = a.Path, a.Start, a.End
	}
	level := annotationLevel(g.Severity(), r.opts.FailOn)
	if level == "error" {
		level = "failure"
	}
	a := &gh.CheckRunAnnotation{
		Path:            new(path),
		StartLine:       new(start),
		EndLine:         new(end),
		AnnotationLevel: new(level),
		Title:           new(Truncate(fmt.Sprintf("%s %s: %s", g.Severity(), f.RuleID, f.Title), maxAnnotationTitle)),
		Message:         new(Truncate(annotationMessage(g), maxAnnotationMessage)),
	}
	// "start_column and end_column ... only when start_line and end_line
	// are the same".
	if start == end && path == p.Path && f.Range.HasColumns() && f.Range.End.Column > 0 {
		a.StartColumn = new(f.Range.Start.Column)
		a.EndColumn = new(f.Range.End.Column)
	}
	return a
}

// conclusion: failure when something in scope is at or above FailOn,
// neutral when there are findings below it, success when there are none.
func (r *run) conclusion() string {
	switch {
	case review.Failing(r.in, r.opts.FailOn):
		return "failure"
	case len(r.in) > 0:
		return "neutral"
	}
	return "success"
}

func (r *run) checkTitle() string {
	n := review.CountItems(r.in)
	if n == 0 {
		return "No findings"
	}
	c := review.CountBySeverity(r.in)
	return fmt.Sprintf("%d %s: %d critical, %d high, %d medium, %d low", n, plural(n, "finding"),
		c[finding.SeverityCritical], c[finding.SeverityHigh], c[finding.SeverityMedium], c[finding.SeverityLow])
}
