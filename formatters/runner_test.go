package formatters

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	stdhtml "html"
	"io"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/tfreview/tfreview/finding"
)

// runnerHostile are names and messages built to be read as GitHub Actions
// runner commands from a job log: the reporter's reproductions (a resource
// named a##[stop-commands]x, a file name starting with a no-break space
// and ::error) and variants (other Unicode spaces, zero-width characters
// the runner's culture-sensitive comparison skips).
var runnerHostile = []string{
	"a##[stop-commands]x",
	"\u00a0::error::nbsp",
	"\u3000::error file=a.tf::ideographic space",
	"\u2007\u205f::warning::figure and math space",
	"\ufeff::error::bom",
	"\u200b\u00a0::error::zero width then nbsp",
	":\u200d:error::joiner between the colons",
	"x#\u200b#[stop-commands]y",
	"x###[set-output name=a]b",
	"\u0085::error::nel",
}

// runnerReport puts each runnerHostile string at the start of every
// untrusted field, so it starts a line in some format.
func runnerReport() finding.Report {
	var r finding.Report
	r.Tool = finding.Tool{Name: "tfreview", Version: "test"}
	for i, h := range runnerHostile {
		rng := finding.Range{File: h + ".tf", Start: finding.Position{Line: i + 1}, End: finding.Position{Line: i + 1}}
		r.Findings = append(r.Findings, finding.Finding{
			RuleID: "TFR-X-001", Engine: finding.EngineBuiltin, Severity: finding.SeverityHigh,
			Title: h, Message: h + "\n" + h, Resource: h, AttributePath: h, Range: rng,
			Fix: &finding.Fix{Description: h, Edits: []finding.TextEdit{{Range: rng, NewText: h}}},
		})
		r.Notes = append(r.Notes, finding.Note{Kind: finding.NoteEngineError, Message: h, Range: rng})
	}
	return r
}

var sgrCode = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// runnerCommands returns the lines of out that the GitHub Actions runner
// would act on, read its way: lines split at \n, \r and \r\n; for "::",
// the line's start trimmed of every white-space rune (.NET TrimStart);
// and, both for "::" and the legacy "##[" anywhere, ignorable runes
// (controls, format characters, default ignorables) skipped, as its
// culture-sensitive comparison does. Our own colour codes are skipped too.
func runnerCommands(out string) []string {
	skipped := func(r rune) bool {
		return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
	}
	var bad []string
	for _, l := range strings.FieldsFunc(out, func(r rune) bool { return r == '\n' || r == '\r' }) {
		seen := strings.Map(func(r rune) rune {
			if skipped(r) {
				return -1
			}
			return r
		}, sgrCode.ReplaceAllString(l, ""))
		if strings.HasPrefix(strings.TrimLeftFunc(seen, unicode.IsSpace), "::") || strings.Contains(seen, "##[") {
			bad = append(bad, l)
		}
	}
	return bad
}

// TestHostileRunnerCommandsEveryFormat: no output format, written to a job
// log, lets a crafted name or message run a workflow command; the github
// format's own command lines are the only ones, and they carry no legacy
// command. Machine formats still parse and keep every string as it was.
func TestHostileRunnerCommandsEveryFormat(t *testing.T) {
	r := runnerReport()
	for _, name := range Names() {
		for _, color := range []bool{false, true} {
			out := string(format(t, name, Options{ShowSuppressed: true, Color: color}, r))
			bad := runnerCommands(out)
			if name == "github" {
				var rest []string
				for _, l := range bad {
					if _, _, _, ok := parseWorkflowCommand(l); !ok || strings.Contains(l, "##[") {
						rest = append(rest, l)
					}
				}
				bad = rest
				if n := strings.Count(out, "\n"); n != len(r.Findings)+len(r.Notes) {
					t.Errorf("github: %d lines, want one per finding and note", n)
				}
			}
			for _, l := range bad {
				t.Errorf("%s (color %v): line the runner would act on: %q", name, color, l)
			}
			checkStringsKept(t, name, out)
		}
	}
}

// checkStringsKept parses the machine formats back: escaping for the
// runner must leave them valid and every hostile string readable as it
// was written.
func checkStringsKept(t *testing.T, name, out string) {
	t.Helper()
	var got []string
	switch name {
	case "json", "sarif", "rdjson", "rdjsonl", "asff":
		dec := json.NewDecoder(strings.NewReader(out))
		for {
			var v any
			err := dec.Decode(&v)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s does not parse: %v", name, err)
			}
			got = append(got, jsonStrings(v)...)
		}
	case "checkstyle", "junit":
		dec := xml.NewDecoder(strings.NewReader(out))
		for {
			tok, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s does not parse: %v", name, err)
			}
			switch tok := tok.(type) {
			case xml.StartElement:
				for _, a := range tok.Attr {
					got = append(got, a.Value)
				}
			case xml.CharData:
				got = append(got, string(tok))
			}
		}
	case "text", "markdown", "github":
		// Written for people or the runner, not parsed back.
		return
	default:
		t.Fatalf("%s: no parser for this format: add a case to checkStringsKept", name)
	}
	all := strings.Join(got, "\x00")
	for _, h := range runnerHostile {
		if !strings.Contains(all, h) {
			t.Errorf("%s: %q is not read back unchanged", name, h)
		}
	}
}

func jsonStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, jsonStrings(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, e := range v {
			out = append(out, jsonStrings(e)...)
		}
		return out
	}
	return nil
}

// TestHostileRunnerCommandsSelfCheck makes sure runnerCommands finds the
// reproductions when nothing escapes them.
func TestHostileRunnerCommandsSelfCheck(t *testing.T) {
	var b bytes.Buffer
	for _, h := range runnerHostile {
		b.WriteString(h + "\n")
	}
	if got := runnerCommands(b.String()); len(got) != len(runnerHostile) {
		t.Errorf("runnerCommands found %d of %d raw commands: %q", len(got), len(runnerHostile), got)
	}
}

// referenceRE finds what GitHub turns into a link to an issue or pull
// request in rendered text: #123, GH-123 (any case), owner/repo#123.
var referenceRE = regexp.MustCompile(`(?i)(^|[^\w])(gh-[0-9]+|([\w.-]+/[\w.-]+)?#[0-9]+)`)

// TestHostileMarkdownReferences: issue references from crafted text are
// broken in --format markdown like @mentions, so the comment or summary
// links no issue and notifies nobody: the reporter's GH-123 and #123, and
// variants (lower case gh-12, owner/repo#7, a reference in a file name).
func TestHostileMarkdownReferences(t *testing.T) {
	refs := []string{"GH-123", "fixes #123", "gh-12", "octo-org/infra#7", "(#8)", "x,GH-9"}
	var r finding.Report
	for i, s := range refs {
		r.Findings = append(r.Findings, finding.Finding{RuleID: "TFR-X-001", Severity: finding.SeverityHigh, Message: s, Resource: s,
			Range: finding.Range{File: s + ".tf", Start: finding.Position{Line: i + 1}}})
		r.Notes = append(r.Notes, finding.Note{Kind: finding.NoteEngineError, Message: s})
	}
	out := format(t, "markdown", Options{}, r)
	html := renderGFMText(t, out)
	if m := referenceRE.FindAllString(html, -1); len(m) > 0 {
		t.Errorf("issue references survive: %q\n%s", m, html)
	}
	for _, s := range refs { // still readable once the zero-width spaces are gone
		if !strings.Contains(strings.ReplaceAll(html, zeroWidthSpace, ""), s) {
			t.Errorf("%q is not shown", s)
		}
	}
}

// renderGFMText renders markdown as GitHub does and returns the visible
// text, entities decoded.
func renderGFMText(t *testing.T, md []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := goldmark.New(goldmark.WithExtensions(extension.GFM)).Convert(md, &buf); err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(buf.String(), "")
	return stdhtml.UnescapeString(text)
}
