// Package fixes applies the text edits that checks attach to findings.
package fixes

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/tfreview/tfreview/finding"
)

// ApplyEdits applies edits to src. Edits are byte ranges of the original
// src; identical edits (one resource's several count instances) are applied
// once, and overlapping different edits are an error so that two fixes
// never corrupt each other.
func ApplyEdits(src []byte, edits []finding.TextEdit) ([]byte, error) {
	es := slices.Clone(edits)
	slices.SortFunc(es, func(a, b finding.TextEdit) int {
		if a.Range.Start.Byte != b.Range.Start.Byte {
			return a.Range.Start.Byte - b.Range.Start.Byte
		}
		return a.Range.End.Byte - b.Range.End.Byte
	})
	es = slices.CompactFunc(es, func(a, b finding.TextEdit) bool {
		return a.Range.Start.Byte == b.Range.Start.Byte && a.Range.End.Byte == b.Range.End.Byte && a.NewText == b.NewText
	})
	var out bytes.Buffer
	pos := 0
	for _, e := range es {
		s, end := e.Range.Start.Byte, e.Range.End.Byte
		if s < 0 || end < s || end > len(src) {
			return nil, fmt.Errorf("edit %d-%d is outside the file (%d bytes)", s, end, len(src))
		}
		if s < pos {
			return nil, fmt.Errorf("edits overlap at byte %d (line %d)", s, e.Range.Start.Line)
		}
		out.Write(src[pos:s])
		out.WriteString(e.NewText)
		pos = end
	}
	out.Write(src[pos:])
	return out.Bytes(), nil
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

// EditsByFile groups the fix edits of findings by file, skipping
// suppressed findings and those whose check is not selected.
func EditsByFile(fs []finding.Finding, selected func(finding.Finding) bool) map[string][]finding.TextEdit {
	out := map[string][]finding.TextEdit{}
	for _, f := range fs {
		if f.Fix == nil || f.Suppressed != nil || selected != nil && !selected(f) {
			continue
		}
		for _, e := range f.Fix.Edits {
			out[e.Range.File] = append(out[e.Range.File], e)
		}
	}
	return out
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
