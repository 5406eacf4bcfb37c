// Package fixes applies automatic fixes (finding.Fix text edits) to file
// contents. It depends only on the finding model, so `tfreview fix` and the
// rule tests share it.
package fixes

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/tfreview/tfreview/finding"
)

// ErrOverlap is returned (wrapped) when two edits touch the same bytes.
var ErrOverlap = errors.New("overlapping edits")

// ApplyEdits applies edits to src. Edits are located by their byte offsets
// (Range.Start.Byte, Range.End.Byte), sorted, and applied in one pass.
// Identical edits (same range and text) are applied once, since several
// findings on one resource often carry the same fix. Edits that overlap
// otherwise, or that fall outside src, are rejected and src is not changed.
// Two insertions at the same offset are applied in the order given.
func ApplyEdits(src []byte, edits []finding.TextEdit) ([]byte, error) {
	es, err := normalize(src, edits)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Grow(len(src))
	last := 0
	for _, e := range es {
		out.Write(src[last:e.Range.Start.Byte])
		out.WriteString(e.NewText)
		last = e.Range.End.Byte
	}
	out.Write(src[last:])
	return out.Bytes(), nil
}

// normalize validates, deduplicates and sorts edits.
func normalize(src []byte, edits []finding.TextEdit) ([]finding.TextEdit, error) {
	es := make([]finding.TextEdit, 0, len(edits))
	for _, e := range edits {
		s, end := e.Range.Start.Byte, e.Range.End.Byte
		if s < 0 || end < s || end > len(src) {
			return nil, fmt.Errorf("edit at %s:%d has invalid byte range [%d,%d) for a file of %d bytes",
				e.Range.File, e.Range.Start.Line, s, end, len(src))
		}
		if slices.ContainsFunc(es, func(x finding.TextEdit) bool { return sameEdit(x, e) }) {
			continue
		}
		es = append(es, e)
	}
	slices.SortStableFunc(es, func(a, b finding.TextEdit) int {
		return cmp.Or(cmp.Compare(a.Range.Start.Byte, b.Range.Start.Byte), cmp.Compare(a.Range.End.Byte, b.Range.End.Byte))
	})
	for i := 1; i < len(es); i++ {
		prev, cur := es[i-1], es[i]
		if cur.Range.Start.Byte < prev.Range.End.Byte {
			return nil, fmt.Errorf("%w: %s lines %d-%d and %d-%d", ErrOverlap, cur.Range.File,
				prev.Range.Start.Line, prev.Range.End.Line, cur.Range.Start.Line, cur.Range.End.Line)
		}
	}
	return es, nil
}

func sameEdit(a, b finding.TextEdit) bool {
	return a.Range.Start.Byte == b.Range.Start.Byte && a.Range.End.Byte == b.Range.End.Byte && a.NewText == b.NewText
}

// Result is the outcome of ApplyFixes for one set of files.
type Result struct {
	// Files holds the new contents of every file that changed.
	Files map[string][]byte
	// Applied and Skipped partition the fixes given. A fix is skipped when
	// its edits overlap an earlier fix's; rescanning the fixed files and
	// applying again picks it up if it still applies.
	Applied, Skipped []*finding.Fix
}

// ApplyFixes applies whole fixes to the files in src (file -> bytes),
// greedily in the order given: a fix whose edits overlap an already accepted
// fix is skipped as a whole, so no file is left half-fixed. A fix touching a
// file missing from src is an error.
func ApplyFixes(src map[string][]byte, fs []*finding.Fix) (Result, error) {
	res := Result{Files: map[string][]byte{}}
	accepted := map[string][]finding.TextEdit{}
	for _, f := range fs {
		if f == nil || len(f.Edits) == 0 {
			continue
		}
		ok := true
		trial := map[string][]finding.TextEdit{}
		for _, e := range f.Edits {
			file := e.Range.File
			b, found := src[file]
			if !found {
				return Result{}, fmt.Errorf("fix %q edits %s, which was not loaded", f.Description, file)
			}
			if trial[file] == nil {
				trial[file] = slices.Clone(accepted[file])
			}
			trial[file] = append(trial[file], e)
			if _, err := normalize(b, trial[file]); err != nil {
				if !errors.Is(err, ErrOverlap) {
					return Result{}, fmt.Errorf("fix %q: %w", f.Description, err)
				}
				ok = false
				break
			}
		}
		if !ok {
			res.Skipped = append(res.Skipped, f)
			continue
		}
		for file, es := range trial {
			accepted[file] = es
		}
		res.Applied = append(res.Applied, f)
	}
	for file, es := range accepted {
		out, err := ApplyEdits(src[file], es)
		if err != nil {
			return Result{}, fmt.Errorf("apply fixes to %s: %w", file, err)
		}
		if !bytes.Equal(out, src[file]) {
			res.Files[file] = out
		}
	}
	return res, nil
}

// UnifiedDiff renders the change of one file as a unified diff.
func UnifiedDiff(file string, before, after []byte) (string, error) {
	return difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        splitLines(before),
		B:        splitLines(after),
		FromFile: "a/" + strings.TrimPrefix(file, "/"),
		ToFile:   "b/" + strings.TrimPrefix(file, "/"),
		Context:  3,
	})
}

// splitLines keeps line endings; unlike difflib.SplitLines it adds no empty
// line after a final newline, so hunk counts match the file.
func splitLines(b []byte) []string {
	lines := strings.SplitAfter(string(b), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}
