package formatters

import (
	"bytes"
	"io"
	"os"
	"path"
	"path/filepath"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tfreview/tfreview/finding"
)

// maxSourceBytes caps how much of one file is read for snippets and column
// conversion; larger files get no snippet and line-only columns.
const maxSourceBytes = 8 << 20

// sourceFiles reads scanned files lazily, once each: the text format shows
// snippets from them, and SARIF and GitHub need each line's text to turn the
// model's UTF-8 byte columns into UTF-16 code units.
type sourceFiles struct {
	root  string
	files map[string][][]byte // nil value: could not be read
}

// newSourceFiles reads files relative to root. An empty root reads nothing.
func newSourceFiles(root string) *sourceFiles {
	return &sourceFiles{root: root, files: map[string][][]byte{}}
}

// lines returns the file's lines without their terminators, or nil when
// it cannot be read.
func (s *sourceFiles) lines(file string) [][]byte {
	if ls, ok := s.files[file]; ok {
		return ls
	}
	ls := s.read(file)
	s.files[file] = ls
	return ls
}

func (s *sourceFiles) read(file string) [][]byte {
	if s.root == "" || file == "" {
		return nil
	}
	p := filepath.FromSlash(file)
	if !path.IsAbs(file) && !filepath.IsAbs(p) {
		p = filepath.Join(s.root, p)
	}
	// Only regular files: a FIFO or device named by a crafted finding
	// must not block or flood the formatter.
	st, err := os.Stat(p)
	if err != nil || !st.Mode().IsRegular() || st.Size() > maxSourceBytes {
		return nil
	}
	fh, err := os.Open(p)
	if err != nil {
		return nil
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, maxSourceBytes+1))
	if err != nil || len(b) > maxSourceBytes {
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
