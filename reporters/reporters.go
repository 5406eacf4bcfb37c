// Package reporters delivers a scan report where reviewers work: GitHub pull
// request reviews, check runs, workflow annotations, or a local git diff
// review. The CLI calls New with the --reporter name and Report once; each
// reporter has its own constructor and options in its package.
package reporters

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/reporters/github"
	"github.com/tfreview/tfreview/reporters/local"
	"github.com/tfreview/tfreview/reporters/review"
)

// The API lives in package review (so the implementations can share it
// without an import cycle); these aliases are what callers use.
type (
	Reporter  = review.Reporter
	Result    = review.Result
	Error     = review.Error
	OwnerRule = review.OwnerRule
)

// Names lists the reporter names.
var Names = review.Names

// DefaultMaxComments is the --max-comments default.
const DefaultMaxComments = github.DefaultMaxComments

// Options are the command line's reporting settings. New hands each
// reporter the ones it uses and ignores the rest, as the flags are shared.
type Options struct {
	FilterMode string           // --filter-mode
	FailOn     finding.Severity // --fail-on
	// GitHub reporters.
	MaxComments int           // --max-comments (github-pr-review)
	Outdated    string        // --outdated (github-pr-review; checked for every GitHub reporter)
	PRComment   bool          // --pr-comment
	Owners      []OwnerRule   // owners in .tfreview.yaml
	Timeout     time.Duration // --github-timeout
	// ToolName (--tool-name) keys review comments, the check run and the
	// summary comment, so several tfreview jobs on one pull request keep
	// apart; "" means github.DefaultToolName.
	ToolName string
	// The local reporter.
	DiffBase string // --diff-base

	// Stdout and Stderr; nil means os.Stdout and os.Stderr.
	Stdout io.Writer
	Stderr io.Writer
}

// New returns the reporter called name, configured from o.
func New(name string, o Options) (Reporter, error) {
	gh := github.Options{
		FilterMode: o.FilterMode, FailOn: o.FailOn, PRComment: o.PRComment, Owners: o.Owners, ToolName: o.ToolName,
		Stdout: o.Stdout, Stderr: o.Stderr, Client: github.ClientOptions{Timeout: o.Timeout},
	}
	ro := github.ReviewOptions{MaxComments: o.MaxComments, Outdated: o.Outdated}
	var r Reporter
	var err error
	switch name {
	case review.Local:
		r, err = local.New(local.Options{FilterMode: o.FilterMode, FailOn: o.FailOn, DiffBase: o.DiffBase, Stdout: o.Stdout})
	case review.GitHubPRReview:
		r, err = github.NewPRReview(gh, ro)
	case review.GitHubPRCheck:
		r, err = github.NewPRCheck(gh)
	case review.GitHubCheck:
		r, err = github.NewCheck(gh)
	case review.GitHubAnnotations:
		r, err = github.NewAnnotations(gh)
	default:
		return nil, fmt.Errorf("unknown reporter %q (want %s)", name, strings.Join(Names, ", "))
	}
	if err == nil && name != review.Local {
		// --outdated is checked whatever the GitHub reporter, as it was
		// when every reporter shared one options struct.
		err = ro.Validate()
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}
