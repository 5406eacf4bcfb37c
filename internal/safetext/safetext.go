// Package safetext makes untrusted text (file names, resource names,
// messages quoting a crafted Terraform file) safe to print where a person
// or a CI runner reads it: Visible for terminals and other human-facing
// text, NeutralizeRunnerCommands for anything that can reach a CI job log.
package safetext

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// UnsafeRune reports whether a terminal or a reader could be misled by r:
// C0 and C1 controls and DEL (escape sequences, carriage returns that
// overwrite a line), bidirectional formatting characters that reorder what
// is shown (Trojan Source, CVE-2021-42574), and the Unicode line and
// paragraph separators.
func UnsafeRune(r rune) bool {
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

// EscapeRune is the visible, Go-style form of an unsafe rune.
func EscapeRune(r rune) string {
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

// Visible returns s with every unsafe rune, and every byte that is not
// valid UTF-8 (a lone 0x9b is CSI to some terminals), replaced by a visible
// escape, so a bidi override shows as \u202e instead of reordering the
// line. Every human-facing output passes untrusted text through it.
func Visible(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || UnsafeRune(r) {
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
		case UnsafeRune(r):
			b.WriteString(EscapeRune(r))
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Escape spells one ASCII character (':' or '#') so that the consumer of a
// format reads the same character but a CI runner scanning the raw bytes
// does not.
type Escape func(c byte) string

// TextEscape is for plain text: a visible Go-style escape, like Visible.
func TextEscape(c byte) string { return fmt.Sprintf(`\x%02x`, c) }

// JSONEscape is a \u escape; only valid inside a JSON string, which is
// the only place untrusted text appears in JSON.
func JSONEscape(c byte) string { return fmt.Sprintf(`\u%04x`, c) }

// XMLEscape is a character reference, for XML text and attribute values;
// Markdown decodes the same references in text.
func XMLEscape(c byte) string { return fmt.Sprintf("&#%d;", c) }

// NeutralizeRunnerCommands rewrites out so that no line of it is a CI
// runner command, spelling the character that would trigger one with esc.
//
// The GitHub Actions runner (ActionCommand.TryParseV2 and TryParse in
// actions/runner) reads every line the job prints (split at \n, \r and
// \r\n, as .NET's ReadLine does) and acts on two forms: "::" at the start
// after String.TrimStart, which trims every Char.IsWhiteSpace rune (all
// Unicode spaces, NEL, NBSP, U+3000...), and the legacy "##[" anywhere in
// the line. Both matches use culture-sensitive comparison, which skips
// ignorable characters (zero-width spaces and joiners, U+FEFF, soft
// hyphen, other format characters), so those are skipped here too, as are
// our own ANSI colour codes. Azure Pipelines' "##vso[" and TeamCity's
// "##teamcity[" are broken by the same rule: "##", letters, "[".
//
// tfreview's own lines never start with "::" and never contain "##[" or
// "##word[", so only crafted text changes; with JSONEscape or XMLEscape
// the decoded document is unchanged.
func NeutralizeRunnerCommands(out []byte, esc Escape) []byte {
	var marks []int
	for start := 0; start < len(out); {
		end := start
		for end < len(out) && out[end] != '\n' && out[end] != '\r' {
			end++
		}
		marks = commandMarks(marks, out, start, end, true)
		start = end + 1
	}
	return applyMarks(out, marks, esc)
}

// NeutralizeLegacyCommands escapes only "##[" (and "##vso[") anywhere: for the values of
// a workflow command line, which itself must start with "::".
func NeutralizeLegacyCommands(s string, esc Escape) string {
	b := []byte(s)
	var marks []int
	// The value is one line once escaped, but a raw \r or \n here would be
	// a line start to the runner; the caller escapes those afterwards.
	marks = commandMarks(marks, b, 0, len(b), false)
	return string(applyMarks(b, marks, esc))
}

// commandMarks appends the offsets in out[start:end] (one line) of the
// characters to escape.
func commandMarks(marks []int, out []byte, start, end int, lineStart bool) []int {
	line := out[:end]
	if lineStart {
		i := skip(line, start, true)
		if i < end && line[i] == ':' {
			if j := skip(line, i+1, false); j < end && line[j] == ':' {
				marks = append(marks, i)
			}
		}
	}
	for i := start; i < end; i++ {
		if line[i] != '#' {
			continue
		}
		j := skip(line, i+1, false)
		if j >= end || line[j] != '#' {
			continue
		}
		k := skip(line, j+1, false)
		for k < end && (line[k] >= 'a' && line[k] <= 'z' || line[k] >= 'A' && line[k] <= 'Z') {
			k++
		}
		if k < end && line[k] == '[' {
			if len(marks) == 0 || marks[len(marks)-1] != j {
				marks = append(marks, j)
			}
		}
	}
	return marks
}

// applyMarks replaces the ASCII bytes at the sorted offsets with esc.
func applyMarks(out []byte, marks []int, esc Escape) []byte {
	if len(marks) == 0 {
		return out
	}
	res := make([]byte, 0, len(out)+len(marks)*8)
	prev := 0
	for _, m := range marks {
		if m < prev {
			continue // marked twice
		}
		res = append(res, out[prev:m]...)
		res = append(res, esc(out[m])...)
		prev = m + 1
	}
	return append(res, out[prev:]...)
}

// skip returns the offset of the first rune at or after i that the
// runner's comparison would not skip: ignorable runes and SGR colour codes
// always, white space too when trimming the line's start.
func skip(line []byte, i int, trimming bool) int {
	for i < len(line) {
		if line[i] == 0x1b && i+1 < len(line) && line[i+1] == '[' {
			j := i + 2
			for j < len(line) && (line[j] >= '0' && line[j] <= '9' || line[j] == ';') {
				j++
			}
			if j < len(line) && line[j] == 'm' {
				i = j + 1
				continue
			}
		}
		r, size := utf8.DecodeRune(line[i:])
		if r == '\n' || r == '\r' || (r == utf8.RuneError && size <= 1) {
			return i
		}
		if !Ignorable(r) && (!trimming || !unicode.IsSpace(r)) {
			return i
		}
		i += size
	}
	return i
}

// Ignorable reports whether a culture-sensitive .NET comparison may skip
// r: controls, format characters (zero-width space and joiners, U+FEFF,
// soft hyphen, bidi marks), variation selectors and the other default
// ignorable code points. Erring wide only escapes more.
func Ignorable(r rune) bool {
	return r != '\n' && r != '\r' && (unicode.IsControl(r) ||
		unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector))
}

// IssueReferenceAt reports whether s[i] is the '#' of #123 (or
// owner/repo#123) or the '-' of GH-123, in any case. GitHub links these in
// the rendered Markdown text, where backslash escapes are gone, so a
// zero-width space after s[i] is the only thing that stops them, as for
// @mentions.
// Rule IDs (AWS-0086) are left alone: people copy them into ignores.
func IssueReferenceAt(s string, i int) bool {
	if i+1 >= len(s) || s[i+1] < '0' || s[i+1] > '9' {
		return false
	}
	switch s[i] {
	case '#':
		return true
	case '-':
		return i >= 2 && strings.EqualFold(s[i-2:i], "gh")
	}
	return false
}
