package formatters

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// tabWidth is how many cells a tab in a source snippet advances to.
const tabWidth = 4

// unsafeRune reports whether a terminal could act on r rather than print
// it: C0 and C1 controls and DEL (escape sequences, carriage returns that
// overwrite a line), bidirectional formatting characters that reorder what
// is shown (Trojan Source, CVE-2021-42574), and the Unicode line and
// paragraph separators.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, // ALM, LRM, RLM
		r >= 0x202a && r <= 0x202e, // LRE, RLE, PDF, LRO, RLO
		r >= 0x2066 && r <= 0x2069, // LRI, RLI, FSI, PDI
		r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

// escapeRune is the visible form of an unsafe rune.
func escapeRune(r rune) string {
	switch r {
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\t':
		return `\t`
	}
	if r < 0x80 {
		return fmt.Sprintf(`\x%02x`, r)
	}
	return fmt.Sprintf(`\u%04x`, r)
}

// terminalSafe returns s with every unsafe rune, and every byte that is not
// valid UTF-8 (a lone 0x9b is CSI to some terminals), replaced by a visible
// Go-style escape. Every untrusted string the text format prints goes
// through it.
func terminalSafe(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeRune(r):
			b.WriteString(escapeRune(r))
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

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
		case unsafeRune(r):
			text = escapeRune(r)
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
