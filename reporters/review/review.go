// Package review holds what every reporter shares: the Reporter interface and
// its options, marking findings against a diff with reviewdog's filter,
// grouping instances of one finding, and who must act on them. It depends
// only on the finding model and reviewdog's library packages.
package review

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

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

// Options configure a reporter. The zero value of every field has a useful
// default, except Name.
type Options struct {
	// Name is one of Names.
	Name string
	// FilterMode is added, diff_context, file or nofilter, with reviewdog's
	// meaning. "" means added when a diff is known and nofilter otherwise.
	FilterMode string
	// FailOn: findings in scope at or above it fail the check and set
	// Result.Failed. SeverityUnknown means nothing fails.
	FailOn finding.Severity
	// MaxComments caps review comments per run, most severe kept; 0 means
	// DefaultMaxComments, negative means no cap.
	MaxComments int
	// PRComment keeps one sticky summary comment on the pull request.
	PRComment bool
	// StickyKey tells apart the comments of several tfreview jobs on one
	// pull request (a matrix over directories); "" means the scanned
	// directory relative to the repository root.
	StickyKey string
	// Outdated is OutdatedResolve (default), OutdatedDelete or OutdatedKeep.
	Outdated string
	// DiffBase is the git revision the local reporter diffs against; ""
	// means the merge-base of HEAD and its upstream.
	DiffBase string
	// Owners map severity and paths to who must act; when empty, CODEOWNERS
	// is used.
	Owners []OwnerRule
	// RepoRoot is the root of the git work tree holding Report.Root; ""
	// means found by walking up from Report.Root to a .git entry.
	RepoRoot string
	// ToolName names the check run and our comment markers; "" means
	// DefaultToolName.
	ToolName string
	// Token is an explicit GitHub token; "" means GITHUB_TOKEN, then
	// REVIEWDOG_GITHUB_API_TOKEN from Env. It is never printed.
	Token string
	// CommentAuthor is the login whose earlier comments this run may treat
	// as its own (dedup, sticky, resolve). "" means the token's user, or
	// any bot account when GitHub will not say (the Actions token, GitHub
	// App tokens).
	CommentAuthor string
	// ReportURL points readers to the full report when a body is cut to
	// GitHub's size limit; "" means the workflow run's page.
	ReportURL string

	// Stdout receives workflow commands and local output; Stderr receives
	// progress and fallback notices. nil means os.Stdout and os.Stderr.
	Stdout io.Writer
	Stderr io.Writer
	// Env reads the environment (GITHUB_EVENT_PATH, GITHUB_REPOSITORY,
	// GITHUB_SHA, GITHUB_API_URL, GITHUB_SERVER_URL, GITHUB_TOKEN,
	// REVIEWDOG_GITHUB_API_TOKEN, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT,
	// GITHUB_RUN_ID, GITHUB_EVENT_NAME). nil means os.Getenv.
	Env func(key string) string

	// HTTPClient is used for GitHub API calls; nil means a new client.
	// Its Transport is wrapped with retries.
	HTTPClient *http.Client
	// Timeout bounds each HTTP attempt; 0 means 30s.
	Timeout time.Duration
	// MaxRetries bounds retries of one request; 0 means 3, negative none.
	MaxRetries int
	// MaxRetryWait is the longest wait before a retry; a server asking for
	// longer is not retried. 0 means 60s.
	MaxRetryWait time.Duration
}

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
