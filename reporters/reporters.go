// Package reporters delivers a scan report where reviewers work: GitHub pull
// request reviews, check runs, workflow annotations, or a local git diff
// review. The CLI calls New with the --reporter name and Report once.
package reporters

import (
	"fmt"
	"strings"

	"github.com/tfreview/tfreview/reporters/github"
	"github.com/tfreview/tfreview/reporters/local"
	"github.com/tfreview/tfreview/reporters/review"
)

// The API lives in package review (so the implementations can share it
// without an import cycle); these aliases are what callers use.
type (
	Reporter  = review.Reporter
	Options   = review.Options
	Result    = review.Result
	Error     = review.Error
	OwnerRule = review.OwnerRule
)

// Names lists the reporter names.
var Names = review.Names

// DefaultMaxComments is the --max-comments default.
const DefaultMaxComments = review.DefaultMaxComments

// New returns the reporter named o.Name.
func New(o Options) (Reporter, error) {
	switch o.Name {
	case review.Local:
		r, err := local.New(o)
		if err != nil {
			return nil, err
		}
		return r, nil
	case review.GitHubPRReview, review.GitHubPRCheck, review.GitHubCheck, review.GitHubAnnotations:
		r, err := github.New(o)
		if err != nil {
			return nil, err
		}
		return r, nil
	}
	return nil, fmt.Errorf("unknown reporter %q (want %s)", o.Name, strings.Join(Names, ", "))
}
