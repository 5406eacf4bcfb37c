package review

import (
	"path"
	"strings"

	"github.com/reviewdog/reviewdog/diff"
	"github.com/reviewdog/reviewdog/filter"
	"github.com/reviewdog/reviewdog/proto/rdf"

	"github.com/tfreview/tfreview/finding"
)

// Lines is an inclusive range of lines in one file; the zero value is none.
type Lines struct {
	Path       string
	Start, End int
}

// IsZero reports whether no lines are set.
func (l Lines) IsZero() bool { return l.Start == 0 }

// Item is one active finding marked against a diff. Nothing is dropped:
// filtering only sets InScope.
type Item struct {
	Finding finding.Finding
	// Path is Finding.Range.File relative to the repository root.
	Path string
	// InScope is reviewdog's ShouldReport for the finding's lines, or for a
	// module call that reaches it.
	InScope bool
	// InDiffFile is true when the finding's file is in the diff.
	InDiffFile bool
	// Anchor is where a review comment can go: lines of the finding (or of
	// a module call reaching it) that are in a diff hunk. Zero when none.
	Anchor Lines
	// SourceLines are the new-side lines of the diff around the anchor,
	// by line number, to check suggestions against what GitHub shows.
	SourceLines map[int]string
}

// Scope marks findings against a diff. Build it with NewScope.
type Scope struct {
	mode   filter.Mode
	diffs  []*diff.FileDiff
	strip  int
	prefix string
	df     *filter.DiffFilter
}

// NewScope prepares marking with reviewdog's filter. diffs may be nil (no
// diff known): then only nofilter keeps findings. strip is the number of
// leading path parts to drop from diff paths (1 for git's a/ and b/).
// prefix is the scanned root relative to the repository root ("" when they
// are the same), so finding paths match diff paths.
func NewScope(diffs []*diff.FileDiff, strip int, prefix string, mode filter.Mode) *Scope {
	return &Scope{
		mode:   mode,
		diffs:  diffs,
		strip:  strip,
		prefix: strings.Trim(path.Clean("/"+prefix), "/"),
		// cwd "" keeps reviewdog from looking for a git directory itself.
		df: filter.NewDiffFilter(diffs, strip, "", mode),
	}
}

// RepoPath returns a scan-root-relative path relative to the repository.
func (s *Scope) RepoPath(file string) string {
	return RepoPath(s.prefix, file)
}

// RepoPath joins prefix and a slash-separated file path and cleans it.
func RepoPath(prefix, file string) string {
	p := path.Clean(path.Join(prefix, file))
	if p == "." {
		return ""
	}
	return p
}

// Mark marks every active finding of fs; suppressed findings are left out
// (the summary lists them from the report).
func (s *Scope) Mark(fs []finding.Finding) []Item {
	var active []finding.Finding
	for _, f := range fs {
		if f.Suppressed == nil {
			active = append(active, f)
		}
	}
	diags := make([]*rdf.Diagnostic, len(active))
	for i, f := range active {
		diags[i] = s.diagnostic(f.RuleID, f.Message, f.Range)
	}
	marked := filter.FilterCheck(diags, s.diffs, s.strip, "", s.mode)
	items := make([]Item, len(active))
	for i, f := range active {
		m := marked[i]
		it := Item{
			Finding:     f,
			Path:        s.RepoPath(f.Range.File),
			InScope:     m.ShouldReport,
			InDiffFile:  m.InDiffFile,
			SourceLines: m.SourceLines,
		}
		it.Anchor = s.anchor(it.Path, f.Range, m.InDiffContext)
		// A finding inside module code is also in scope when a call of that
		// module changed: the change brought the problem in.
		for _, cs := range f.CallSites {
			if it.InScope && !it.Anchor.IsZero() {
				break
			}
			csPath := s.RepoPath(cs.Range.File)
			cm := filter.FilterCheck([]*rdf.Diagnostic{s.diagnostic(f.RuleID, "", cs.Range)}, s.diffs, s.strip, "", s.mode)[0]
			if !cm.ShouldReport {
				continue
			}
			it.InScope = true
			if it.Anchor.IsZero() {
				it.Anchor = s.anchor(csPath, cs.Range, cm.InDiffContext)
				for l, c := range cm.SourceLines {
					it.SourceLines[l] = c
				}
			}
		}
		items[i] = it
	}
	return items
}

func (s *Scope) diagnostic(id, msg string, r finding.Range) *rdf.Diagnostic {
	end := r.End.Line
	if end < r.Start.Line {
		end = r.Start.Line
	}
	return &rdf.Diagnostic{
		Message: msg,
		Code:    &rdf.Code{Value: id},
		Location: &rdf.Location{
			Path: s.RepoPath(r.File),
			Range: &rdf.Range{
				Start: &rdf.Position{Line: int32(r.Start.Line), Column: int32(r.Start.Column)},
				End:   &rdf.Position{Line: int32(end), Column: int32(r.End.Column)},
			},
		},
	}
}

// anchor picks the lines a review comment attaches to. A precise (column)
// range wholly inside a hunk is used as is; otherwise — Trivy's whole-block
// ranges — the first line of the range that the filter mode counts and that
// is in a hunk, so the comment sits on what the author changed.
func (s *Scope) anchor(p string, r finding.Range, inContext bool) Lines {
	start, end := r.Start.Line, max(r.End.Line, r.Start.Line)
	if start <= 0 {
		return Lines{}
	}
	if inContext && r.HasColumns() && s.significant(p, start, end) {
		return Lines{Path: p, Start: start, End: end}
	}
	for l := start; l <= end; l++ {
		if ok, _, dl := s.df.ShouldReport(p, l); ok && dl != nil {
			return Lines{Path: p, Start: l, End: l}
		}
	}
	return Lines{}
}

func (s *Scope) significant(p string, start, end int) bool {
	for l := start; l <= end; l++ {
		if ok, _, _ := s.df.ShouldReport(p, l); ok {
			return true
		}
	}
	return false
}

// InHunks reports whether every line of l is on the new side of a hunk, so
// a review comment (and a suggestion) can cover it.
func (s *Scope) InHunks(l Lines) bool {
	if l.IsZero() {
		return false
	}
	for n := l.Start; n <= l.End; n++ {
		if s.df.DiffLine(l.Path, n) == nil {
			return false
		}
	}
	return true
}

// DiffLine returns the new-side content of a line in a hunk.
func (s *Scope) DiffLine(p string, n int) (string, bool) {
	dl := s.df.DiffLine(p, n)
	if dl == nil {
		return "", false
	}
	return dl.Content, true
}

// HasAdded reports whether any line of l was added by the change (not a
// context line around it).
func (s *Scope) HasAdded(l Lines) bool {
	if l.IsZero() {
		return false
	}
	for n := l.Start; n <= max(l.End, l.Start); n++ {
		if dl := s.df.DiffLine(l.Path, n); dl != nil && dl.Type == diff.LineAdded {
			return true
		}
	}
	return false
}

// FirstAdded returns the first added line among the group's lines: each
// instance's range, then the module calls that reach it. Zero when the
// change added none of them (the finding is only near the change).
func (s *Scope) FirstAdded(g Group) Lines {
	for _, it := range g.Items {
		if l := s.firstAdded(it.Path, it.Finding.Range); !l.IsZero() {
			return l
		}
		for _, cs := range it.Finding.CallSites {
			if l := s.firstAdded(s.RepoPath(cs.Range.File), cs.Range); !l.IsZero() {
				return l
			}
		}
	}
	return Lines{}
}

func (s *Scope) firstAdded(p string, r finding.Range) Lines {
	for n := r.Start.Line; n > 0 && n <= max(r.End.Line, r.Start.Line); n++ {
		if dl := s.df.DiffLine(p, n); dl != nil && dl.Type == diff.LineAdded {
			return Lines{Path: p, Start: n, End: n}
		}
	}
	return Lines{}
}
