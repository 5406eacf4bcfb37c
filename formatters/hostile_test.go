package formatters

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/safetext"
)

// hostile are strings a crafted Terraform file can put into a finding:
// resource names and messages quote the user's code.
var hostile = []string{
	"x\n::error::pwned",
	"x\r\n::warning file=a.tf::pwned",
	"%0A::error::pwned%0D",
	"@org/team and @user please look",
	"<img src=x onerror=alert(1)>",
	"[click me](http://evil.example)",
	"![img](http://evil.example/x.png)",
	"a|b|c",
	"`code` and ``` fence",
	"\x1b[31mred\x1b[0m \x1b]0;title\x07 \x9b2J",
	"\u202eexe.txt\u2066 \u200f",
	"www.evil.example and http://evil.example",
	"# heading\n> quote\n- item",
	"*em* _em_ ~~del~~ $x^2$",
	"::error::at start",
	"##vso[task.setvariable variable=x]y",
	"a,line=1,title=pwned::b",
	"\xff\xfe invalid utf-8",
}

// hostileReport puts each hostile string into every untrusted field.
func hostileReport() finding.Report {
	var r finding.Report
	r.Tool = finding.Tool{Name: "tfreview", Version: "test"}
	for i, h := range hostile {
		r.Findings = append(r.Findings, finding.Finding{
			RuleID:        "TFR-X-00" + string(rune('0'+i%10)),
			Engine:        finding.EngineBuiltin,
			Severity:      finding.Severity(1 + i%4),
			Title:         "title " + h,
			Message:       h,
			References:    []string{"javascript:alert(1)//" + h},
			Range:         finding.Range{File: "dir/" + h + ".tf", Start: finding.Position{Line: i + 1, Column: 2}, End: finding.Position{Line: i + 1, Column: 5}},
			Resource:      "aws_s3_bucket." + h,
			AttributePath: h,
			CallSites:     []finding.CallSite{{Module: "module." + h, Range: finding.Range{File: h, Start: finding.Position{Line: 1}}}},
			Fix:           &finding.Fix{Description: h, Edits: []finding.TextEdit{{Range: finding.Range{File: "dir/" + h + ".tf", Start: finding.Position{Line: i + 1, Column: 2}, End: finding.Position{Line: i + 1, Column: 5}}, NewText: h}}},
		})
		r.Notes = append(r.Notes, finding.Note{Kind: finding.NoteEngineError, Message: h, Range: finding.Range{File: h, Start: finding.Position{Line: 1}}})
	}
	supp := r.Findings[0]
	supp.Suppressed = &finding.Suppression{Kind: "tfreview", Reason: hostile[0] + hostile[4], Range: finding.Range{File: hostile[3], Start: finding.Position{Line: 1}}}
	r.Findings = append(r.Findings, supp)
	return r
}

// parseWorkflowCommand reads a line the way the GitHub Actions runner
// does (ActionCommand.TryParseV2): leading space trimmed, "::" then the
// command, properties up to the next "::", then the data.
func parseWorkflowCommand(line string) (cmd string, props map[string]string, data string, ok bool) {
	line = strings.TrimLeft(line, " \t")
	if !strings.HasPrefix(line, "::") {
		return "", nil, "", false
	}
	end := strings.Index(line[2:], "::")
	if end < 0 {
		return "", nil, "", false
	}
	info, data := line[2:2+end], line[2+end+2:]
	cmd, rest, _ := strings.Cut(info, " ")
	props = map[string]string{}
	if rest != "" {
		for _, p := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(p, "=")
			props[k] = unescapeProperty(v)
		}
	}
	return cmd, props, unescapeData(data), true
}

func unescapeData(s string) string {
	return strings.NewReplacer("%0D", "\r", "%0A", "\n", "%25", "%").Replace(s)
}

func unescapeProperty(s string) string {
	return strings.NewReplacer("%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",", "%25", "%").Replace(s)
}

func TestGitHubEscapingMatchesActionsCore(t *testing.T) {
	// Expected values follow @actions/core's toCommandValue/escapeData/
	// escapeProperty.
	if got := githubData("100% done\r\nnext:a,b"); got != "100%25 done%0D%0Anext:a,b" {
		t.Errorf("githubData = %q", got)
	}
	if got := githubProperty("100% done\r\nnext:a,b"); got != "100%25 done%0D%0Anext%3Aa%2Cb" {
		t.Errorf("githubProperty = %q", got)
	}
}

func TestGitHubHostile(t *testing.T) {
	r := hostileReport()
	out := string(format(t, "github", Options{ShowSuppressed: true}, r))
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if want := len(r.Findings) + len(r.Notes); len(lines) != want {
		t.Fatalf("%d lines, want %d (one per finding and note):\n%s", len(lines), want, out)
	}
	allowed := map[string]bool{"file": true, "line": true, "endLine": true, "col": true, "endColumn": true, "title": true}
	for i, l := range lines {
		cmd, props, data, ok := parseWorkflowCommand(l)
		if !ok || !strings.HasPrefix(l, "::") {
			t.Fatalf("line %d is not a workflow command: %q", i, l)
		}
		if cmd != "error" && cmd != "warning" && cmd != "notice" {
			t.Errorf("line %d: command %q", i, cmd)
		}
		for k := range props {
			if !allowed[k] {
				t.Errorf("line %d: injected property %q in %q", i, k, l)
			}
		}
		if strings.ContainsAny(l, "\r") {
			t.Errorf("line %d has a raw CR", i)
		}
		if i < len(r.Findings) {
			f := r.Findings[i]
			// A legacy runner command ("##[", "##vso[") is the only thing
			// changed, shown as the text format shows it.
			legacyFree := func(s string) string { return safetext.NeutralizeLegacyCommands(s, safetext.TextEscape) }
			if props["file"] != legacyFree(f.Range.File) {
				t.Errorf("line %d: file %q, want %q", i, props["file"], f.Range.File)
			}
			if !strings.HasPrefix(data, legacyFree(f.Message)) {
				t.Errorf("line %d: message %q does not round-trip %q", i, data, f.Message)
			}
			if !strings.Contains(props["title"], legacyFree(f.Title)) {
				t.Errorf("line %d: title %q does not round-trip %q", i, props["title"], f.Title)
			}
		}
	}
}

// ctlOrBidi finds what must never reach a terminal from untrusted text.
var ctlOrBidi = regexp.MustCompile("[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")

func TestTextHostile(t *testing.T) {
	r := hostileReport()
	for _, color := range []bool{false, true} {
		out := format(t, "text", Options{ShowSuppressed: true, Color: color}, r)
		s := string(out)
		if color {
			// Our own SGR codes are the only escape sequences allowed.
			s = regexp.MustCompile(`\x1b\[[0-9;]*m`).ReplaceAllString(s, "")
		}
		if m := ctlOrBidi.FindString(s); m != "" {
			t.Errorf("color=%v: control or bidi character %q in text output", color, m)
		}
		if strings.Contains(s, "\xff") || strings.Contains(s, "\xfe") {
			t.Errorf("color=%v: invalid UTF-8 passed through", color)
		}
		for _, l := range strings.Split(s, "\n") {
			trimmed := strings.TrimLeft(l, " \t")
			if strings.HasPrefix(trimmed, "::") || strings.HasPrefix(trimmed, "##") {
				t.Errorf("color=%v: line a CI runner would execute: %q", color, l)
			}
		}
		if !strings.Contains(s, `\x1b[31mred`) || !strings.Contains(s, `\u202eexe.txt`) {
			t.Errorf("color=%v: escapes are not shown visibly", color)
		}
	}
}

func TestMarkdownHostile(t *testing.T) {
	r := hostileReport()
	out := string(format(t, "markdown", Options{ShowSuppressed: true}, r))
	if strings.Contains(out, "<") {
		t.Errorf("raw '<' in markdown")
	}
	if n, m := strings.Count(out, "@"), strings.Count(out, "@"+zeroWidthSpace); n != m {
		t.Errorf("%d of %d '@' are not neutralised", n-m, n)
	}
	if m := ctlOrBidi.FindString(out); m != "" {
		t.Errorf("control or bidi character %q in markdown", m)
	}
	rows := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "| ") && !strings.HasPrefix(l, "| Severity") && !strings.HasPrefix(l, "| ---") {
			rows++
			if cells := unescapedPipes(l); cells != 6 && cells != 3 {
				t.Errorf("row leaves its cells (%d pipes): %q", cells, l)
			}
		}
		if strings.Contains(l, "](") {
			t.Errorf("link syntax from untrusted text: %q", l)
		}
	}
	if want := 4 + len(r.Findings); rows != want { // 4 severity-count rows
		t.Errorf("%d table rows, want %d", rows, want)
	}

	// Render it as GitHub-flavoured markdown, with raw HTML allowed so any
	// that slipped through would show.
	md := goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithRendererOptions(html.WithUnsafe()),
	)
	var buf bytes.Buffer
	if err := md.Convert([]byte(out), &buf); err != nil {
		t.Fatal(err)
	}
	rendered := buf.String()
	for _, bad := range []string{"<img", "<a ", "<code", "<del", "<h1", "<blockquote", "<ul>\n<li>item", "<script", "onerror=alert(1)>"} {
		if strings.Contains(rendered, bad) {
			t.Errorf("rendered markdown contains %q", bad)
		}
	}
	if got := strings.Count(rendered, "<tr>"); got != 1+4+1+len(r.Findings) { // header rows + rows
		t.Errorf("rendered %d table rows", got)
	}
	for _, tr := range strings.Split(rendered, "<tr>")[7:] {
		if n := strings.Count(tr, "<td"); n != 5 {
			t.Errorf("finding row has %d cells, want 5: %s", n, tr)
		}
	}
	if !strings.Contains(rendered, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Error("hostile HTML is not shown as text")
	}
}

// unescapedPipes counts '|' not preceded by a backslash.
func unescapedPipes(l string) int {
	n := 0
	for i := 0; i < len(l); i++ {
		if l[i] == '\\' {
			i++
			continue
		}
		if l[i] == '|' {
			n++
		}
	}
	return n
}

func TestTerminalSafe(t *testing.T) {
	for in, want := range map[string]string{
		"plain café 日本":     "plain café 日本",
		"a\x1b[2Jb":         `a\x1b[2Jb`,
		"cr\rlf\ntab\t":     `cr\rlf\ntab\t`,
		"c1\u009bx":         `c1\u009bx`,
		"raw\x9b":           `raw\x9b`,
		"bidi\u202e\u2066":  `bidi\u202e\u2066`,
		"del\x7f":           `del\x7f`,
		"line\u2028sep":     `line\u2028sep`,
		"zero\u200dwidthok": "zero\u200dwidthok",
	} {
		if got := safetext.Visible(in); got != want {
			t.Errorf("safetext.Visible(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRenderSourceLineCells(t *testing.T) {
	text, cells := renderSourceLine([]byte("\tx = \"日本\" \x1b"))
	if want := `    x = "日本" \x1b`; text != want {
		t.Errorf("text = %q, want %q", text, want)
	}
	// byte 0 is the tab (cell 0), 'x' at byte 1 starts at cell 4; each
	// CJK character is 3 bytes and 2 cells.
	for b, c := range map[int]int{0: 0, 1: 4, 6: 9, 9: 11, 12: 13, 13: 14, 14: 15, 15: 19} {
		if cells[b] != c {
			t.Errorf("byte %d at cell %d, want %d", b, cells[b], c)
		}
	}
}
