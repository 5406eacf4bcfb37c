// Package review holds what every reporter shares: the Reporter interface and
// its Result, marking findings against a diff with reviewdog's filter,
// grouping instances of one finding, and who must act on them. It depends
// only on the finding model and reviewdog's library packages.
package review

import (
	"context"
	"fmt"

	"github.com/reviewdog/reviewdog/filter"

	"github.com/tfreview/tfreview/finding"
)

// Reporter delivers a report where reviewers work. It never decides the exit
// code; it says in Result whether anything in scope is at or above FailOn.
type Reporter interface {
	Report(ctx context.Context, r finding.Report) (Result, error)
}

// Reporter names, as accepted by `tfreview scan --reporter`.
const (
	GitHubPRReview    = "github-pr-review"
	GitHubPRCheck     = "github-pr-check"
	GitHubCheck       = "github-check"
	GitHubAnnotations = "github-annotations"
	Local             = "local"
)

// Names lists the reporter names in the order they are documented.
var Names = []string{GitHubPRReview, GitHubPRCheck, GitHubCheck, GitHubAnnotations, Local}

// ParseFilterMode parses a filter mode name; "" is filter.ModeDefault.
func ParseFilterMode(s string) (filter.Mode, error) {
	var m filter.Mode
	if err := m.Set(s); err != nil {
		return m, fmt.Errorf("filter mode %q: want added, diff_context, file or nofilter", s)
	}
	return m, nil
}

// Result says what a reporter did.
type Result struct {
	Reporter string `json:"reporter"`
	// FilterMode is the mode actually applied.
	FilterMode string `json:"filter_mode"`
	// InScope counts active findings the filter kept (in the diff, or all
	// with nofilter); OutOfScope those it marked out. Suppressed counts
	// ignored ones. InScope + OutOfScope + Suppressed = len(Report.Findings).
	InScope    int `json:"in_scope"`
	OutOfScope int `json:"out_of_scope"`
	Suppressed int `json:"suppressed"`
	// Posted counts review comments, check annotations or workflow commands
	// sent; AlreadyPosted those skipped because an earlier run posted them;
	// NotPosted in-scope findings left to the summary (over MaxComments, the
	// annotation limit, or outside diff hunks).
	Posted        int `json:"posted"`
	AlreadyPosted int `json:"already_posted"`
	NotPosted     int `json:"not_posted"`
	// Outdated counts earlier comments resolved or deleted.
	Outdated int `json:"outdated"`
	// Failed is true when a finding in scope is at or above FailOn.
	Failed bool `json:"failed"`
	// Conclusion is the check run conclusion (success, neutral, failure).
	Conclusion string `json:"conclusion,omitempty"`
	CheckURL   string `json:"check_url,omitempty"`
	ReviewURL  string `json:"review_url,omitempty"`
	CommentURL string `json:"comment_url,omitempty"`
	// Fallback is set when the reporter could not write to GitHub (fork pull
	// request) and used workflow annotations instead; it says why.
	Fallback string `json:"fallback,omitempty"`
	// Notes are things the user should know (diff unavailable, ...).
	Notes []string `json:"notes,omitempty"`
}

// Error means the report could not be delivered (network, permissions,
// GitHub errors). The CLI should exit with its own code for it. Its text
// never contains the token.
type Error struct {
	Op         string // what was being done, e.g. "create review"
	StatusCode int    // HTTP status, 0 if none
	Msg        string // sanitized cause
}

func (e *Error) Error() string {
	if e.Msg == "" {
		return "could not report: " + e.Op
	}
	return "could not report: " + e.Op + ": " + e.Msg
}
