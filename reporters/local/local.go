// Package local reviews a work tree on a laptop or in a pre-commit hook: it
// marks findings against `git diff <base>` with reviewdog's filter and prints
// those in the changed lines, then counts and lists the rest.
package local

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/reviewdog/reviewdog/filter"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/safetext"
	"github.com/tfreview/tfreview/reporters/review"
)

// Options configure the local reporter. The zero value of every field has
// a useful default.
type Options struct {
	// FilterMode is added (default), diff_context, file or nofilter, with
	// reviewdog's meaning.
	FilterMode string
	// FailOn: findings in the changed lines at or above it set
	// Result.Failed. SeverityUnknown means nothing fails.
	FailOn finding.Severity
	// DiffBase is the git revision to diff against; "" means the
	// merge-base of HEAD and its upstream.
	DiffBase string
	// RepoRoot is the root of the git work tree holding Report.Root; ""
	// means found by walking up from Report.Root.
	RepoRoot string
	// Stdout receives the review; nil means os.Stdout.
	Stdout io.Writer
	// Env reads PRE_COMMIT; nil means os.Getenv.
	Env func(key string) string
}

// Reporter implements review.Reporter for the "local" name.
type Reporter struct {
	opts Options
	mode filter.Mode
}

var _ review.Reporter = (*Reporter)(nil)

// New checks the options and returns the local reporter.
func New(o Options) (*Reporter, error) {
	mode, err := review.ParseFilterMode(o.FilterMode)
	if err != nil {
		return nil, err
	}
	if mode == filter.ModeDefault {
		mode = filter.ModeAdded
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	return &Reporter{opts: o, mode: mode}, nil
}

// Report diffs the repository holding rep.Root against the diff base and
// prints the findings in scope. A git failure is a *review.Error.
func (rp *Reporter) Report(ctx context.Context, rep finding.Report) (review.Result, error) {
	res := review.Result{Reporter: review.Local, FilterMode: rp.mode.String()}
	repoRoot, prefix := review.Locate(rp.opts.RepoRoot, rep.Root, "")
	if review.FindRepoRoot(repoRoot) == "" {
		return res, &review.Error{Op: "diff against git", Msg: repoRoot + " is not in a git work tree: the local reporter reviews git changes"}
	}
	var scope *review.Scope
	base := rp.opts.DiffBase
	if rp.mode == filter.ModeNoFilter {
		scope = review.NewScope(nil, 1, prefix, rp.mode)
	} else {
		getenv := rp.opts.Env
		if getenv == nil {
			getenv = os.Getenv
		}
		head := ""
		// `pre-commit run --from-ref A --to-ref B` (CI, or a repository
		// with no upstream) names the change itself: review A...B.
		if from, to := getenv("PRE_COMMIT_FROM_REF"), getenv("PRE_COMMIT_TO_REF"); base == "" && from != "" && to != "" {
			if strings.HasPrefix(from, "-") || strings.HasPrefix(to, "-") {
				return res, &review.Error{Op: "diff between PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF", Msg: "a ref may not start with -"}
			}
			base, head = from, to
		}
		if base == "" {
			// The merge-base with the upstream branch; with none, HEAD
			// (under pre-commit: the staged lines), never nothing.
			b, err := review.DefaultDiffBase(ctx, repoRoot)
			if err != nil {
				return res, &review.Error{Op: "find the diff base", Msg: err.Error()}
			}
			base = b
		}
		// pre-commit stashes unstaged changes but leaves untracked files:
		// under it (PRE_COMMIT=1) only what is staged is reviewed.
		fds, err := review.GitDiff(ctx, repoRoot, base, head, head == "" && getenv("PRE_COMMIT") != "1")
		if err != nil {
			return res, &review.Error{Op: "diff against " + base, Msg: err.Error()}
		}
		scope = review.NewScope(fds, 1, prefix, rp.mode)
	}
	items := scope.Mark(rep.Findings)
	in, out := review.Split(review.GroupItems(items))
	res.InScope = review.CountItems(in)
	res.OutOfScope = review.CountItems(out)
	res.Suppressed = len(rep.Findings) - len(items)
	res.Failed = review.Failing(in, rp.opts.FailOn)
	res.Posted = res.InScope

	cwd, _ := os.Getwd()
	p := printer{root: rep.Root, cwd: cwd}
	for _, g := range review.BySeverity(in) {
		p.group(g)
	}
	p.summary(rp.opts.FailOn, base, rp.mode, out, res)
	// The hook's output lands in CI job logs too: no line of it may be a
	// runner command.
	if _, err := rp.opts.Stdout.Write(safetext.NeutralizeRunnerCommands(p.buf.Bytes(), safetext.TextEscape)); err != nil {
		return res, &review.Error{Op: "write output", Msg: err.Error()}
	}
	return res, nil
}

type printer struct {
	buf  bytes.Buffer
	root string
	cwd  string
}

func (p *printer) printf(format string, args ...any) {
	fmt.Fprintf(&p.buf, format, args...)
}

// path shows a finding's file relative to the current directory when it is
// below it, so terminals can open it; otherwise relative to the repository.
func (p *printer) path(it review.Item) string {
	abs := filepath.Join(p.root, filepath.FromSlash(it.Finding.Range.File))
	if p.root != "" && p.cwd != "" {
		if rel, err := filepath.Rel(p.cwd, abs); err == nil && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return rel
		}
	}
	return it.Path
}

func (p *printer) group(g review.Group) {
	f := g.Primary().Finding
	loc := p.path(g.Primary())
	if f.Range.Start.Line > 0 {
		loc += fmt.Sprintf(":%d", f.Range.Start.Line)
		if f.Range.Start.Column > 0 {
			loc += fmt.Sprintf(":%d", f.Range.Start.Column)
		}
	}
	p.printf("%s: %s %s: %s\n", clean(loc), f.Severity, clean(f.RuleID), clean(f.Message))
	if inst := g.Instances(); len(inst) > 0 {
		p.printf("    %s\n", clean(strings.Join(inst, ", ")))
	}
	if f.Fix != nil {
		p.printf("    fix available: %s\n", clean(f.Fix.Description))
	} else if f.Resolution != "" {
		p.printf("    %s\n", clean(f.Resolution))
	}
	if u := f.DocURL(); u != "" {
		p.printf("    %s\n", clean(u))
	}
}

func (p *printer) summary(failOn finding.Severity, base string, mode filter.Mode, out []review.Group, res review.Result) {
	scope := "in the changed lines"
	if mode == filter.ModeNoFilter {
		scope = "in the scanned code"
	} else {
		if len(base) == 40 {
			base = base[:12]
		}
		scope += fmt.Sprintf(" (git diff %s, filter %s)", clean(base), mode.String())
	}
	p.printf("\n%d %s %s", res.InScope, plural(res.InScope, "finding"), scope)
	if failOn != finding.SeverityUnknown {
		if res.Failed {
			p.printf("; failing: something is at or above %s", failOn)
		} else {
			p.printf("; none at or above %s", failOn)
		}
	}
	p.printf(".\n")
	if len(out) > 0 {
		p.printf("%d more outside the changed lines (not failing):\n", res.OutOfScope)
		for _, g := range review.BySeverity(out) {
			f := g.Primary().Finding
			times := ""
			if len(g.Items) > 1 {
				times = fmt.Sprintf(" (%d instances)", len(g.Items))
			}
			p.printf("  %s:%d: %s %s%s\n", clean(p.path(g.Primary())), f.Range.Start.Line, f.Severity, clean(f.RuleID), times)
		}
	}
	if res.Suppressed > 0 {
		p.printf("%d ignored.\n", res.Suppressed)
	}
}

func plural(n int, w string) string {
	if n == 1 {
		return w
	}
	return w + "s"
}

// clean keeps untrusted text from moving the cursor, recolouring the
// terminal or reordering the line: controls and bidi formatting characters
// are shown as escapes (the text format's rule).
func clean(s string) string { return safetext.Visible(s) }
