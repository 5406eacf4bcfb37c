package review

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tfreview/tfreview/finding"
)

// Suggestion is a fix as a replacement of whole lines: the shape of GitHub's
// suggested changes, which replace every line a comment covers.
type Suggestion struct {
	Lines Lines    // repository-relative path and the lines replaced
	Text  string   // the new lines, without a final newline; "" deletes
	Old   []string // the current lines, to check against the diff
}

// LineSuggestion turns a finding's fix into a whole-line replacement of the
// file as the scan read it (sources is Report.Sources; the disk is not
// read). All edits must be in one file and must not overlap.
func LineSuggestion(sources map[string][]byte, f finding.Finding, s *Scope) (Suggestion, error) {
	if f.Fix == nil || len(f.Fix.Edits) == 0 {
		return Suggestion{}, fmt.Errorf("no fix")
	}
	file := f.Fix.Edits[0].Range.File
	for _, e := range f.Fix.Edits {
		if e.Range.File != file {
			return Suggestion{}, fmt.Errorf("fix edits several files")
		}
	}
	src, ok := sources[file]
	if !ok {
		return Suggestion{}, fmt.Errorf("fix edits %s, which the scan did not read", file)
	}
	starts := lineStarts(src)
	type span struct {
		from, to int
		text     string
	}
	spans := make([]span, 0, len(f.Fix.Edits))
	for _, e := range f.Fix.Edits {
		from, ok1 := offset(src, starts, e.Range.Start, false)
		to, ok2 := offset(src, starts, e.Range.End, true)
		if !ok1 || !ok2 || to < from {
			return Suggestion{}, fmt.Errorf("fix edit at %d:%d is outside %s", e.Range.Start.Line, e.Range.Start.Column, file)
		}
		spans = append(spans, span{from, to, e.NewText})
	}
	slices.SortStableFunc(spans, func(a, b span) int { return a.from - b.from })
	for i := 1; i < len(spans); i++ {
		if spans[i].from < spans[i-1].to {
			return Suggestion{}, fmt.Errorf("fix edits overlap")
		}
	}
	first, last := spans[0].from, spans[len(spans)-1].to
	l1 := lineOf(starts, first)
	l2 := lineOf(starts, last)
	// An edit that ends just after a newline ends on the line before.
	if l2 > l1 && starts[l2-1] == last {
		l2--
	}
	regionStart := starts[l1-1]
	regionEnd := len(src)
	if l2 < len(starts) {
		regionEnd = starts[l2] // includes the newline of line l2
	}
	var b strings.Builder
	pos := regionStart
	for _, sp := range spans {
		b.Write(src[pos:sp.from])
		b.WriteString(sp.text)
		pos = sp.to
	}
	if pos < regionEnd {
		b.Write(src[pos:regionEnd])
	}
	text, ok1 := normalizeLineEndings(b.String())
	region, ok2 := normalizeLineEndings(string(src[regionStart:regionEnd]))
	if !ok1 || !ok2 {
		return Suggestion{}, fmt.Errorf("fix for %s:%d: %w", file, l1, ErrNotFenceable)
	}
	if strings.HasSuffix(region, "\n") {
		text = strings.TrimSuffix(text, "\n")
	}
	old := strings.Split(strings.TrimSuffix(region, "\n"), "\n")
	return Suggestion{
		Lines: Lines{Path: s.RepoPath(file), Start: l1, End: l2},
		Text:  text,
		Old:   old,
	}, nil
}

// MatchesDiff reports whether the suggestion's lines are all in diff hunks
// and read the same there as in the scanned file: only then do they match
// what GitHub shows (the checkout may be a merge commit, not the pull
// request head).
func (sg Suggestion) MatchesDiff(s *Scope) bool {
	if !s.InHunks(sg.Lines) {
		return false
	}
	for i, old := range sg.Old {
		got, _ := s.DiffLine(sg.Lines.Path, sg.Lines.Start+i)
		if strings.TrimSuffix(got, "\r") != strings.TrimSuffix(old, "\r") {
			return false
		}
	}
	return true
}

// lineStarts returns the byte offset of each line's start; line n starts at
// starts[n-1].
func lineStarts(src []byte) []int {
	starts := []int{0}
	for i, c := range src {
		if c == '\n' && i+1 <= len(src) {
			starts = append(starts, i+1)
		}
	}
	// A final newline does not begin a line.
	if len(src) > 0 && src[len(src)-1] == '\n' {
		starts = starts[:len(starts)-1]
	}
	return starts
}

func lineOf(starts []int, off int) int {
	l, _ := slices.BinarySearch(starts, off+1)
	return max(l, 1)
}

// offset finds a position in src: by line and column when the column is
// known (it survives JSON, Byte does not), else by Byte when it agrees with
// the line, else the start (or end, for an end position) of the line.
func offset(src []byte, starts []int, p finding.Position, end bool) (int, bool) {
	if p.Line < 1 || p.Line > len(starts) {
		if p.Line == len(starts)+1 && p.Column <= 1 {
			return len(src), true // just past a final newline
		}
		return 0, false
	}
	ls := starts[p.Line-1]
	le := len(src)
	if p.Line < len(starts) {
		le = starts[p.Line] - 1
	} else if len(src) > 0 && src[len(src)-1] == '\n' {
		le = len(src) - 1
	}
	switch {
	case p.Column > 0:
		off := ls + p.Column - 1
		return off, off <= le+1 && off <= len(src)
	case p.Byte > 0 && p.Byte >= ls && p.Byte <= le+1:
		return p.Byte, true
	case end:
		return le, true
	default:
		return ls, true
	}
}

// Block renders the suggestion as a GitHub suggested-change block. Its
// fence is longer than any run of backticks anywhere in the text: a
// closing fence may be indented, and reviewdog's GetCodeFenceLength counts
// only backticks at the very start of a \n-separated line. LineSuggestion
// has already normalised line endings and refused lone CRs, which
// CommonMark (and GitHub) read as line breaks.
func (sg Suggestion) Block() string {
	longest, run := 0, 0
	for _, c := range []byte(sg.Text) {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", max(longest+1, 3))
	block := fence + "suggestion\n" + sg.Text
	if sg.Text != "" {
		block += "\n"
	}
	return block + fence + "\n"
}

// ErrNotFenceable is returned for a fix whose lines hold a carriage return
// that does not end a line: Markdown reads it as a line break, so the
// suggestion could not show (or apply) the lines as they are, and text
// after it could escape the code block. The fix is still there for
// `tfreview fix`.
var ErrNotFenceable = errors.New("the fixed lines hold a carriage return inside a line, which a suggested change cannot show")

// normalizeLineEndings turns CRLF into LF and reports whether a lone CR
// is left. CommonMark's line endings are \n, \r\n and \r only (U+2028,
// U+2029 and NEL are not), so nothing else can end a line of the block.
func normalizeLineEndings(s string) (string, bool) {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return s, !strings.Contains(s, "\r")
}
