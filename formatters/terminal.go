package formatters

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/tfreview/tfreview/internal/safetext"
)

// tabWidth is how many cells a tab in a source snippet advances to.
const tabWidth = 4

// runeCells is how many terminal cells r takes.
func runeCells(r rune) int {
	if unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) {
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// renderSourceLine makes a source line safe to print and maps each byte
// offset of the original line (0..len) to the terminal cell it starts at,
// so markers line up under multibyte, wide and escaped characters. Tabs are
// expanded to spaces.
func renderSourceLine(line []byte) (string, []int) {
	var b strings.Builder
	cells := make([]int, len(line)+1)
	col := 0
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRune(line[i:])
		var text string
		var w int
		switch {
		case r == utf8.RuneError && size <= 1:
			text = fmt.Sprintf(`\x%02x`, line[i])
			w = len(text)
		case r == '\t':
			w = tabWidth - col%tabWidth
			text = strings.Repeat(" ", w)
		case safetext.UnsafeRune(r):
			text = safetext.EscapeRune(r)
			w = len(text)
		default:
			text = string(line[i : i+size])
			w = runeCells(r)
		}
		for j := i; j < i+size; j++ {
			cells[j] = col
		}
		b.WriteString(text)
		col += w
		i += size
	}
	cells[len(line)] = col
	return b.String(), cells
}
