package formatters

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"maps"
	"regexp"
	"strings"
	"testing"

	"github.com/reviewdog/reviewdog/parser"

	"github.com/tfreview/tfreview/finding"
)

// fuzzReport builds a report whose untrusted fields all come from the
// fuzzer: a line-only finding, a finding with columns and a fix, a
// suppressed finding, and a note. Its sources are the fixture's files,
// with the fuzzed file holding fuzzed text.
func fuzzReport(sources map[string][]byte, s1, s2, file string, line, col, width int, sev uint8) finding.Report {
	rg := finding.Range{File: file, Start: finding.Position{Line: line, Column: col}, End: finding.Position{Line: line, Column: col + width}}
	base := finding.Finding{
		RuleID:     s1,
		Engine:     finding.EngineBuiltin,
		Severity:   finding.Severity(sev % 6), // includes out-of-range values
		Title:      s2,
		Message:    s1 + "\n" + s2,
		References: []string{"https://example.com/" + s2, s1},
		Resource:   s2,
		CallSites:  []finding.CallSite{{Module: s1, Range: rg}},
	}
	lineOnly, withCols, suppressed := base, base, base
	lineOnly.Range = finding.Range{File: file, Start: finding.Position{Line: line}, End: finding.Position{Line: line + width}}
	withCols.Range = rg
	withCols.Fix = &finding.Fix{Description: s2, Edits: []finding.TextEdit{{Range: rg, NewText: s1}}}
	suppressed.Range = rg
	suppressed.Suppressed = &finding.Suppression{Kind: s1, Reason: s2, Range: rg}
	return finding.Report{
		Tool:     finding.Tool{Name: "tfreview", Version: s1},
		Root:     "testdata/src",
		Sources:  sources,
		Findings: []finding.Finding{lineOnly, withCols, suppressed},
		Notes:    []finding.Note{{Kind: finding.NoteKind(s1), Message: s2, Range: rg}},
		Rules:    []finding.RuleInfo{{ID: s1, Title: s2, Description: s1, References: []string{s2}}},
		Stats:    finding.Stats{Engines: []string{s1}},
	}
}

var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

func FuzzFormatters(f *testing.F) {
	for _, h := range hostile {
		f.Add(h, "café 日本", "main.tf", 10, 109, 13, uint8(4))
		f.Add("TFR-X-001", h, h+".tf", 1, 1, 0, uint8(2))
	}
	f.Add("", "", "", 0, 0, 0, uint8(0))
	f.Add("a", "b", "/abs/path.tf", -5, -1, -10, uint8(255))
	f.Add("a", "b", "modules/storage/main.tf", 11, 25, 5, uint8(3))

	fixture := readSources(f, "testdata/src")
	f.Fuzz(func(t *testing.T, s1, s2, file string, line, col, width int, sev uint8) {
		line, col, width = line%100000, col%100000, width%1000
		sources := maps.Clone(fixture)
		if _, ok := sources[file]; !ok {
			sources[file] = []byte(s1 + "\n" + s2 + "\r\n" + s1)
		}
		r := fuzzReport(sources, s1, s2, file, line, col, width, sev)
		opts := Options{ShowSuppressed: true, Color: sev%2 == 0}
		listed := len(r.Findings)
		for _, name := range Names() {
			out := format(t, name, opts, r)
			switch name {
			case "json", "sarif", "asff":
				if !json.Valid(out) {
					t.Fatalf("%s: invalid JSON:\n%s", name, out)
				}
			case "rdjson", "rdjsonl":
				p := parser.Parser(parser.NewRDJSONParser())
				if name == "rdjsonl" {
					p = parser.NewRDJSONLParser()
				}
				ds, err := p.Parse(bytes.NewReader(out))
				if err != nil {
					t.Fatalf("%s: reviewdog cannot parse: %v\n%s", name, err, out)
				}
				if len(ds) != listed {
					t.Fatalf("%s: %d diagnostics, want %d", name, len(ds), listed)
				}
			case "checkstyle", "junit":
				if err := xml.Unmarshal(out, new(struct{})); err != nil {
					t.Fatalf("%s: %v\n%s", name, err, out)
				}
			case "github":
				lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
				if want := listed + len(r.Notes); len(lines) != want {
					t.Fatalf("github: %d lines, want %d:\n%q", len(lines), want, out)
				}
				for _, l := range lines {
					_, props, _, ok := parseWorkflowCommand(l)
					if !ok || !strings.HasPrefix(l, "::") {
						t.Fatalf("github: not a command: %q", l)
					}
					for k := range props {
						switch k {
						case "file", "line", "endLine", "col", "endColumn", "title":
						default:
							t.Fatalf("github: injected property %q: %q", k, l)
						}
					}
				}
			case "markdown":
				s := string(out)
				if strings.Contains(s, "<") {
					t.Fatalf("markdown: raw '<':\n%s", s)
				}
				if strings.Count(s, "@") != strings.Count(s, "@"+zeroWidthSpace) {
					t.Fatalf("markdown: unescaped '@':\n%s", s)
				}
			case "text":
				s := sgr.ReplaceAllString(string(out), "")
				if m := ctlOrBidi.FindString(s); m != "" {
					t.Fatalf("text: control character %q:\n%q", m, s)
				}
				for _, l := range strings.Split(s, "\n") {
					l = strings.TrimLeft(l, " \t")
					if strings.HasPrefix(l, "::") || strings.HasPrefix(l, "##") {
						t.Fatalf("text: CI command line %q", l)
					}
				}
			default:
				// A new format must say what its consumer can parse.
				t.Fatalf("%s: no check for this format: add a case to FuzzFormatters", name)
			}
		}
	})
}
