package fixes

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tfreview/tfreview/finding"
)

// DefaultMaxPasses bounds re-scanning: fixes of one block that overlap are
// applied over successive passes, each against the re-scanned file.
const DefaultMaxPasses = 5

// Loop fixes a tree of files in place until nothing more can be fixed:
// scan, apply every usable fix whose edits do not overlap one already
// taken, write the files, and scan again. It works on a copy the caller
// made (tfreview fix copies the Terraform files to a temporary directory),
// so a dry run and a real run take the same path.
type Loop struct {
	// Dir holds the files; fix edits name them relative to it.
	Dir string
	// Scan returns the findings of the tree as it is now.
	Scan func(ctx context.Context) (finding.Report, error)
	// Select picks the findings to fix; all when nil.
	Select func(finding.Finding) bool
	// ParseErrorID is the rule ID of parse errors: a file that has one is
	// never edited.
	ParseErrorID string
	// MaxPasses bounds the scans; DefaultMaxPasses when 0.
	MaxPasses int
}

// LoopResult says what a Loop did.
type LoopResult struct {
	Applied int             // fixes applied over every pass
	Passes  int             // scans made
	Changed map[string]bool // files written, relative to Dir
	// Remaining is the number of selected fixes still offered by the
	// last scan: 0 when the loop converged.
	Remaining int
}

// Run runs the loop.
func (l Loop) Run(ctx context.Context) (LoopResult, error) {
	maxPasses := l.MaxPasses
	if maxPasses <= 0 {
		maxPasses = DefaultMaxPasses
	}
	res := LoopResult{Changed: map[string]bool{}}
	for res.Passes < maxPasses {
		rep, err := l.Scan(ctx)
		res.Passes++
		if err != nil {
			return res, err
		}
		todo := l.usable(rep)
		res.Remaining = len(todo)
		if len(todo) == 0 {
			return res, nil
		}
		src := map[string][]byte{}
		for _, fx := range todo {
			for _, e := range fx.Edits {
				if _, ok := src[e.Range.File]; ok {
					continue
				}
				data, err := os.ReadFile(filepath.Join(l.Dir, filepath.FromSlash(e.Range.File)))
				if err != nil {
					return res, fmt.Errorf("fix %s: %w", e.Range.File, err)
				}
				src[e.Range.File] = data
			}
		}
		// Fixes whose edits overlap one already taken wait for the next
		// pass, against the re-scanned file.
		applied, err := ApplyFixes(src, todo)
		if err != nil {
			return res, err
		}
		if len(applied.Files) == 0 || len(applied.Applied) == 0 {
			return res, nil // what is left cannot be applied
		}
		for file, out := range applied.Files {
			if err := os.WriteFile(filepath.Join(l.Dir, filepath.FromSlash(file)), out, 0o644); err != nil {
				return res, err
			}
			res.Changed[file] = true
		}
		res.Applied += len(applied.Applied)
	}
	// The last pass applied fixes: one more scan says whether any is left.
	rep, err := l.Scan(ctx)
	res.Passes++
	if err != nil {
		return res, err
	}
	res.Remaining = len(l.usable(rep))
	return res, nil
}

// usable returns the fixes of the selected, active findings that touch no
// file with a parse error.
func (l Loop) usable(rep finding.Report) []*finding.Fix {
	broken := map[string]bool{}
	for _, f := range rep.Findings {
		if l.ParseErrorID != "" && f.RuleID == l.ParseErrorID {
			broken[f.Range.File] = true
		}
	}
	var todo []*finding.Fix
	for _, f := range rep.Findings {
		if f.Fix == nil || f.Suppressed != nil || (l.Select != nil && !l.Select(f)) {
			continue
		}
		touchesBroken := false
		for _, e := range f.Fix.Edits {
			touchesBroken = touchesBroken || broken[e.Range.File]
		}
		if !touchesBroken {
			todo = append(todo, f.Fix)
		}
	}
	return todo
}
