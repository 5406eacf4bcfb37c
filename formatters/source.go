package formatters

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tfreview/tfreview/finding"
)

// maxSourceBytes caps the size of a file used for snippets and column
// conversion; larger files get no snippet and line-only columns.
const maxSourceBytes = 8 << 20

// sourceFiles splits the report's sources into lines lazily, once each:
// the text format shows snippets from them, and SARIF and GitHub need each
// line's text to turn the model's UTF-8 byte columns into UTF-16 code
// units. Formatters never read the disk: a file the scan did not hand over
// has no snippet and line-only columns.
type sourceFiles struct {
	sources map[string][]byte
	files   map[string][][]byte // nil value: not available
}

// newSourceFiles serves the files of sources (Report.Sources).
func newSourceFiles(sources map[string][]byte) *sourceFiles {
	return &sourceFiles{sources: sources, files: map[string][][]byte{}}
}

// lines returns the file's lines without their terminators, or nil when
// the report has no source for it.
func (s *sourceFiles) lines(file string) [][]byte {
	if ls, ok := s.files[file]; ok {
		return ls
	}
	ls := splitLines(s.sources[file])
	s.files[file] = ls
	return ls
}

func splitLines(b []byte) [][]byte {
	if b == nil || len(b) > maxSourceBytes {
		return nil
	}
	ls := bytes.Split(b, []byte("\n"))
	for i, l := range ls {
		ls[i] = bytes.TrimSuffix(l, []byte("\r"))
	}
	if len(ls) > 0 && len(ls[len(ls)-1]) == 0 {
		ls = ls[:len(ls)-1] // the text after the final newline is not a line
	}
	return ls
}

// line returns 1-based line n of file.
func (s *sourceFiles) line(file string, n int) ([]byte, bool) {
	ls := s.lines(file)
	if n < 1 || n > len(ls) {
		return nil, false
	}
	return ls[n-1], true
}

// utf16Columns converts r's byte columns to UTF-16 code-unit columns, the
// unit SARIF uses by default and GitHub's annotations follow. ok is false
// when r has no columns or the source is unavailable: then callers give
// lines only rather than columns that may be wrong.
func (s *sourceFiles) utf16Columns(r finding.Range) (start, end int, ok bool) {
	if !r.HasColumns() || r.End.Column < 1 {
		return 0, 0, false
	}
	start, ok1 := s.utf16Column(r.File, r.Start)
	end, ok2 := s.utf16Column(r.File, r.End)
	return start, end, ok1 && ok2
}

func (s *sourceFiles) utf16Column(file string, p finding.Position) (int, bool) {
	l, ok := s.line(file, p.Line)
	if !ok || p.Column < 1 || p.Column-1 > len(l) {
		return 0, false
	}
	return utf16Len(l[:p.Column-1]) + 1, true
}

// utf16Len counts the UTF-16 code units of b; an invalid byte counts as
// one U+FFFD.
func utf16Len(b []byte) int {
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		n += utf16.RuneLen(r)
		b = b[size:]
	}
	return n
}
