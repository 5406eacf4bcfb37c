package review

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/rootfile"
)

// OwnerRule says who must act on findings at or above Severity in files
// matching Paths: the `owners:` rules of .tfreview.yaml.
type OwnerRule struct {
	// Severity is the lowest severity the rule applies to (a floor);
	// SeverityUnknown means any.
	Severity finding.Severity `json:"severity,omitempty" yaml:"severity,omitempty"`
	// MaxSeverity is the highest severity the rule applies to;
	// SeverityUnknown means no ceiling. Severity == MaxSeverity matches one
	// severity exactly (`severity: HIGH..HIGH` in .tfreview.yaml).
	MaxSeverity finding.Severity `json:"max_severity,omitempty" yaml:"max_severity,omitempty"`
	// Paths are doublestar globs relative to the repository root
	// (services/payments/**); empty means any file.
	Paths []string `json:"paths,omitempty" yaml:"paths,omitempty"`
	// Mention are GitHub users or teams: @user, @org/team.
	Mention []string `json:"mention,omitempty" yaml:"mention,omitempty"`
	// Labels are added to the pull request.
	Labels []string `json:"labels,omitempty" yaml:"labels,omitempty"`
}

// Validate checks globs, mentions and labels, so a bad rule fails at start.
func (r OwnerRule) Validate() error {
	for _, p := range r.Paths {
		if !doublestar.ValidatePattern(p) {
			return fmt.Errorf("owners: bad path glob %q", p)
		}
	}
	for _, m := range r.Mention {
		if !ValidMention(m) {
			return fmt.Errorf("owners: %q is not a GitHub @user or @org/team", m)
		}
	}
	for _, l := range r.Labels {
		if strings.TrimSpace(l) == "" || len(l) > 50 || strings.ContainsAny(l, "\r\n") {
			return fmt.Errorf("owners: bad label %q (1-50 characters, one line)", l)
		}
	}
	if r.MaxSeverity != finding.SeverityUnknown && r.MaxSeverity < r.Severity {
		return fmt.Errorf("owners: severity range %s..%s is empty", r.Severity, r.MaxSeverity)
	}
	if len(r.Mention) == 0 && len(r.Labels) == 0 {
		return fmt.Errorf("owners: rule for %v names nobody to mention and no label", r.Paths)
	}
	return nil
}

var mentionRE = regexp.MustCompile(`^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[A-Za-z0-9][A-Za-z0-9._-]*)?$`)

// ValidMention reports whether s is a plain @user or @org/team, so a
// mention can never carry Markdown.
func ValidMention(s string) bool { return mentionRE.MatchString(s) }

// Assignment is one owner and the findings that made them one.
type Assignment struct {
	Owner string // @user or @org/team (or an e-mail from CODEOWNERS)
	// Reason is short and made of trusted parts: severity names and counts.
	Reason string
	Count  int
	Worst  finding.Severity
}

// Owners is the answer to "who must act".
type Owners struct {
	Assignments []Assignment
	Labels      []string
	// Source is "owners rules", "CODEOWNERS (path)" or "".
	Source string
}

// WhoMustAct applies owners rules to the in-scope groups; with no rules it
// falls back to the CODEOWNERS file of the repository at repoRoot.
func WhoMustAct(gs []Group, rules []OwnerRule, repoRoot string) Owners {
	if len(rules) > 0 {
		return applyRules(gs, rules)
	}
	co, name, err := LoadCodeOwners(repoRoot)
	if err != nil || co == nil {
		return Owners{}
	}
	o := Owners{Source: "CODEOWNERS (" + name + ")"}
	idx := map[string]int{}
	for _, g := range gs {
		seen := map[string]bool{}
		for _, it := range g.Items {
			for _, owner := range co.Owners(it.Path) {
				if seen[owner] {
					continue
				}
				seen[owner] = true
				add(&o, idx, owner, g.Severity(), len(g.Items))
			}
		}
	}
	finishReasons(&o)
	return o
}

func applyRules(gs []Group, rules []OwnerRule) Owners {
	o := Owners{Source: "owners rules"}
	idx := map[string]int{}
	for _, g := range gs {
		seen := map[string]bool{}
		for _, r := range rules {
			if !r.matches(g) {
				continue
			}
			for _, m := range r.Mention {
				if ValidMention(m) && !seen[m] {
					seen[m] = true
					add(&o, idx, m, g.Severity(), len(g.Items))
				}
			}
			for _, l := range r.Labels {
				if !slices.Contains(o.Labels, l) {
					o.Labels = append(o.Labels, l)
				}
			}
		}
	}
	finishReasons(&o)
	return o
}

func (r OwnerRule) matches(g Group) bool {
	if r.Severity != finding.SeverityUnknown && g.Severity() < r.Severity {
		return false
	}
	if r.MaxSeverity != finding.SeverityUnknown && g.Severity() > r.MaxSeverity {
		return false
	}
	if len(r.Paths) == 0 {
		return true
	}
	for _, it := range g.Items {
		for _, p := range r.Paths {
			if ok, _ := doublestar.Match(p, it.Path); ok {
				return true
			}
		}
	}
	return false
}

func add(o *Owners, idx map[string]int, owner string, sev finding.Severity, n int) {
	i, ok := idx[owner]
	if !ok {
		i = len(o.Assignments)
		idx[owner] = i
		o.Assignments = append(o.Assignments, Assignment{Owner: owner})
	}
	a := &o.Assignments[i]
	a.Count += n
	a.Worst = max(a.Worst, sev)
}

func finishReasons(o *Owners) {
	for i := range o.Assignments {
		a := &o.Assignments[i]
		noun := "findings"
		if a.Count == 1 {
			noun = "finding"
		}
		a.Reason = fmt.Sprintf("%d %s, worst %s", a.Count, noun, a.Worst)
	}
	slices.SortStableFunc(o.Assignments, func(a, b Assignment) int { return int(b.Worst) - int(a.Worst) })
}

// CodeOwners is a parsed CODEOWNERS file.
type CodeOwners struct {
	entries []codeOwnersEntry
}

type codeOwnersEntry struct {
	patterns []string // doublestar patterns, any of which matches
	owners   []string
}

// CodeOwnersLocations are where GitHub looks, in its order.
var CodeOwnersLocations = []string{".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"}

// maxCodeOwnersSize is GitHub's limit: a larger CODEOWNERS is ignored
// (docs.github.com, "About code owners", CODEOWNERS file size).
const maxCodeOwnersSize = 3 << 20

// LoadCodeOwners reads the first CODEOWNERS GitHub would use. It returns nil
// and no error when there is none. The file comes from the pull request: it
// is read only as a regular file inside repoRoot (not a symbolic link,
// device or FIFO), up to GitHub's size limit.
func LoadCodeOwners(repoRoot string) (*CodeOwners, string, error) {
	for _, name := range CodeOwnersLocations {
		data, err := rootfile.ReadIn(repoRoot, filepath.FromSlash(name), maxCodeOwnersSize)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, name, fmt.Errorf("read %s: %w", name, err)
		}
		co, err := ParseCodeOwners(bytes.NewReader(data))
		if err != nil {
			return nil, name, fmt.Errorf("parse %s: %w", name, err)
		}
		return co, name, nil
	}
	return nil, "", nil
}

// ParseCodeOwners parses GitHub's CODEOWNERS syntax: gitignore-like
// patterns, owners after them, the last matching line wins.
func ParseCodeOwners(r io.Reader) (*CodeOwners, error) {
	co := &CodeOwners{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, " #"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		var owners []string
		for _, o := range fields[1:] {
			if ValidMention(o) || strings.Contains(o, "@") && !strings.HasPrefix(o, "@") {
				owners = append(owners, o)
			}
		}
		co.entries = append(co.entries, codeOwnersEntry{patterns: codeOwnersPatterns(fields[0]), owners: owners})
	}
	return co, sc.Err()
}

// codeOwnersPatterns turns one CODEOWNERS pattern into doublestar patterns.
func codeOwnersPatterns(p string) []string {
	anchored := strings.HasPrefix(p, "/") || strings.Contains(strings.TrimSuffix(p, "/"), "/")
	dirOnly := strings.HasSuffix(p, "/")
	p = strings.Trim(p, "/")
	if !anchored {
		p = "**/" + p
	}
	// A directory matches what is under it, but GitHub documents that
	// docs/* does not reach into subdirectories: only a last part without
	// a wildcard is taken as a possible directory.
	var pats []string
	if !strings.Contains(path.Base(p), "*") {
		pats = append(pats, p+"/**")
	}
	if !dirOnly {
		pats = append(pats, p)
	}
	return pats
}

// Owners returns the owners of a repository-relative path; an entry with no
// owners (an explicit un-assignment) returns nil.
func (co *CodeOwners) Owners(file string) []string {
	for i := len(co.entries) - 1; i >= 0; i-- {
		e := co.entries[i]
		for _, p := range e.patterns {
			if ok, _ := doublestar.Match(p, file); ok {
				return e.owners
			}
		}
	}
	return nil
}
