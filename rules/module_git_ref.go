package rules

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/tfreview/tfreview/finding"
)

// ModuleGitRef: a module from git must be pinned to an immutable ref.
var ModuleGitRef = &Rule{
	ID:       "TFR-TF-001",
	Slug:     "module-git-ref-unpinned",
	Severity: finding.SeverityHigh,
	Title:    "Module source from git is not pinned to a tag or commit",
	Explanation: "A module sourced from git with no `ref`, or with a branch as `ref`, runs whatever code the branch " +
		"holds at the next `terraform init`: anyone who can push to that branch changes your infrastructure, and " +
		"two plans of the same commit can differ.",
	Resolution: "Add `?ref=<tag>` (a release tag such as v5.1.2) or `?ref=<full commit SHA>` to the source.",
	Provider:   "terraform",
	Service:    "modules",
	References: []string{"https://developer.hashicorp.com/terraform/language/modules/sources#selecting-a-revision"},
	Check:      checkModuleGitRef,
}

var (
	commitSHA  = regexp.MustCompile(`^[0-9a-f]{7,40}$`)
	versionTag = regexp.MustCompile(`^v?[0-9]+(\.[0-9]+)*([-+.][0-9A-Za-z.-]+)?$`)
)

// gitSource reports whether a module source is fetched with git, and its
// ref ("" when none).
func gitSource(src string) (isGit bool, ref string) {
	s := src
	switch {
	case strings.HasPrefix(s, "git::"):
		s = strings.TrimPrefix(s, "git::")
	case strings.HasPrefix(s, "github.com/"), strings.HasPrefix(s, "bitbucket.org/"),
		strings.HasPrefix(s, "git@"):
	default:
		return false, ""
	}
	if i := strings.Index(s, "?"); i >= 0 {
		q, err := url.ParseQuery(s[i+1:])
		if err == nil {
			ref = q.Get("ref")
		}
	}
	return true, ref
}

func checkModuleGitRef(p *Pass) {
	for _, b := range p.Project.BlocksOfType("module") {
		a := b.Attr("source")
		if a == nil || !knownString(a.Value) {
			continue
		}
		isGit, ref := gitSource(a.Value.AsString())
		switch {
		case !isGit:
		case ref == "":
			p.ReportAttr(a, fmt.Sprintf("module %q is sourced from git with no ref, so it follows the default branch", b.TypeLabel()), nil,
				"the tag or commit to pin to cannot be known here")
		case !commitSHA.MatchString(ref) && !versionTag.MatchString(ref):
			p.ReportAttr(a, fmt.Sprintf("module %q is pinned to ref %q, which looks like a branch, not a tag or commit", b.TypeLabel(), ref), nil,
				"the tag or commit to pin to cannot be known here")
		}
	}
}
