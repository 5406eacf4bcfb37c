package safetext

import (
	"strings"
	"testing"
)

func TestNeutralizeRunnerCommands(t *testing.T) {
	for in, want := range map[string]string{
		"plain text: a::b ok":                "plain text: a::b ok",
		"::error::x":                         `\x3a:error::x`,
		"  \t::error::x":                     "  \t" + `\x3a:error::x`,
		"\u00a0::error::nbsp":                "\u00a0" + `\x3a:error::nbsp`,
		"\u3000::error::ideographic":         "\u3000" + `\x3a:error::ideographic`,
		"\ufeff\u200b::error::bom":           "\ufeff\u200b" + `\x3a:error::bom`,
		":\u200d:error::joined":              `\x3a` + "\u200d:error::joined",
		"\x1b[1m::error::colour":             "\x1b[1m" + `\x3a:error::colour`,
		"a##[stop-commands]x":                `a#\x23[stop-commands]x`,
		"a###[x":                             `a##\x23[x`,
		"a#\u00ad#[x":                        "a#\u00ad" + `\x23[x`,
		"##vso[task]":                        `#\x23vso[task]`,
		"### heading":                        "### heading",
		"ok\n::warning::b\r::error::c":       "ok\n" + `\x3a:warning::b` + "\r" + `\x3a:error::c`,
		"x\u2028::y":                         "x\u2028::y", // one line to the runner; not at its start
		"text: ## heading [no] # [x] #\x00#": "text: ## heading [no] # [x] #\x00#",
	} {
		if got := string(NeutralizeRunnerCommands([]byte(in), TextEscape)); got != want {
			t.Errorf("NeutralizeRunnerCommands(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNeutralizeLegacyCommands(t *testing.T) {
	if got, want := NeutralizeLegacyCommands("::a ##[x", TextEscape), `::a #\x23[x`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestNeutralizedLinesAreInert checks every output line the way the runner
// reads it, for every Unicode space and ignorable rune before "::".
func TestNeutralizedLinesAreInert(t *testing.T) {
	var b strings.Builder
	for r := rune(0); r <= 0x10ffff; r++ {
		if (r >= 0xd800 && r <= 0xdfff) || r == '\n' || r == '\r' {
			continue
		}
		if Ignorable(r) || isSpace(r) {
			b.WriteString(string(r) + "::error::x\n")
			b.WriteString("y#" + string(r) + "#[stop-commands]z\n")
		}
	}
	out := string(NeutralizeRunnerCommands([]byte(b.String()), JSONEscape))
	for _, l := range strings.Split(out, "\n") {
		trimmed := strings.TrimLeftFunc(l, func(r rune) bool { return Ignorable(r) || isSpace(r) })
		if strings.HasPrefix(trimmed, "::") || strings.Contains(withoutIgnorable(l), "##[") {
			t.Errorf("line still a command: %q", l)
		}
	}
}

func isSpace(r rune) bool { return strings.TrimSpace(string(r)) == "" }

func withoutIgnorable(s string) string {
	return strings.Map(func(r rune) rune {
		if Ignorable(r) {
			return -1
		}
		return r
	}, s)
}
