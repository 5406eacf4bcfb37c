package github

import (
	"bytes"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/reviewdog/reviewdog/filter"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/reporters/review"
)

func TestTextEscapesHostileInput(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"@octo-org/admins", "@&#8203;octo\\-org/admins"},
		{"<img src=x onerror=alert(1)>", "&lt;img src\\=x onerror\\=alert\\(1\\)&gt;"},
		{"](http://evil.example)", "\\]\\(http&#8203;\\://evil\\.example\\)"},
		{"[click](javascript:alert(1))", "\\[click\\]\\(javascript&#8203;\\:alert\\(1\\)\\)"},
		{"![x](https://t.example/p.png)", "\\!\\[x\\]\\(https&#8203;\\://t\\.example/p\\.png\\)"},
		{"see www.evil.example", "see www&#8203;\\.evil\\.example"},
		{"line1\nline2\r\n# heading", "line1 line2  \\# heading"},
		{"fixes #12", "fixes \\#&#8203;12"},
		{"a | b", "a \\| b"},
		{"**bold** _it_ `code` ~~s~~", "\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\~\\~s\\~\\~"},
		{"&lt; already", "&amp;lt; already"},
		{"bidi\u202eevil", "bidi\\\\u202eevil"},
		{"tab\there", "tab here"},
		{"ünïcødé ok", "ünïcødé ok"},
	} {
		if got := Text(tc.in); got != tc.want {
			t.Errorf("Text(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestCodeSpan(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`aws_s3_bucket.b["x"]`, "`aws_s3_bucket.b[\"x\"]`"},
		{"a`b", "``a`b``"},
		{"`x`", "`` `x` ``"},
		{"a|b\nc", "`a\\|b c`"},
		{"", ""},
	} {
		if got := Code(tc.in); got != tc.want {
			t.Errorf("Code(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLink(t *testing.T) {
	if got := Link("AWS-0086", "https://avd.aquasec.com/misconfig/aws-0086"); got != "[AWS\\-0086](https://avd.aquasec.com/misconfig/aws-0086)" {
		t.Errorf("got %q", got)
	}
	if got := Link("x", "javascript:alert(1)"); got != "x" {
		t.Errorf("non-http link kept: %q", got)
	}
	if got := Link("x", "https://e.example/a)b(c d"); got != "[x](https://e.example/a%29b%28c%20d)" {
		t.Errorf("got %q", got)
	}
}

func TestWorkflowCommandEscaping(t *testing.T) {
	if got := escapeData("100% done\r\nnext::error::x"); got != "100%25 done%0D%0Anext::error::x" {
		t.Errorf("escapeData = %q", got)
	}
	if got := escapeProperty("a:b,c%d\ne"); got != "a%3Ab%2Cc%25d%0Ae" {
		t.Errorf("escapeProperty = %q", got)
	}
	if got := escapeData("esc\x1b[31mred\x07"); got != "esc[31mred" {
		t.Errorf("controls kept: %q", got)
	}
	// A crafted file name cannot add properties or end the command.
	f := finding.Finding{RuleID: "R", Severity: finding.SeverityHigh, Title: "t", Message: "m",
		Range: finding.Range{File: "x,line=1::y\n::warning::z.tf", Start: finding.Position{Line: 2}}}
	g := review.GroupItems(review.NewScope(nil, 1, "", filter.ModeNoFilter).Mark([]finding.Finding{f}))[0]
	cmd := workflowCommand(g, finding.SeverityHigh)
	want := "::error file=x%2Cline=1%3A%3Ay%0A%3A%3Awarning%3A%3Az.tf,line=2,endLine=2,title=HIGH R%3A t::m"
	if cmd != want {
		t.Errorf("command\n got %s\nwant %s", cmd, want)
	}
}

func TestSummaryStaysUnderLimit(t *testing.T) {
	var fs []finding.Finding
	for i := range 3000 {
		fs = append(fs, finding.Finding{RuleID: fmt.Sprintf("R%04d", i), Severity: finding.SeverityHigh, Title: "t",
			Message:  strings.Repeat("long message ", 20),
			Resource: fmt.Sprintf("aws_s3_bucket.b%d", i),
			Range:    finding.Range{File: "main.tf", Start: finding.Position{Line: i + 1}}})
	}
	gs := review.GroupItems(review.NewScope(nil, 1, "", filter.ModeNoFilter).Mark(fs))
	s := summary{Tool: "tfreview", Mode: "nofilter", FailOn: finding.SeverityHigh, In: gs, Status: map[string]string{},
		Links: linker{RepoHTMLURL: "https://github.com/o/r", SHA: "abc"}, FullURL: "https://github.com/o/r/actions/runs/1"}
	body := s.render()
	if len(body) > MaxCommentBody {
		t.Fatalf("body is %d bytes, over %d", len(body), MaxCommentBody)
	}
	if !strings.Contains(body, "more rows did not fit") || !strings.Contains(body, "[Full report](https://github.com/o/r/actions/runs/1)") {
		t.Errorf("no pointer to the full report:\n%s", body[len(body)-500:])
	}
	s.Limit = MaxCheckOutput
	if n := len(s.render()); n > MaxCheckOutput {
		t.Errorf("check summary %d bytes", n)
	}
}

// referenceRE finds what GitHub links to an issue or pull request in
// rendered text: #123, GH-123 (any case), owner/repo#123.
var referenceRE = regexp.MustCompile(`(?i)(^|[^\w])(gh-[0-9]+|([\w.-]+/[\w.-]+)?#[0-9]+)`)

// TestHostileSummaryReferences: GH-123 and #123 from the pull request's
// text (the reporter's reproduction) and variants (gh-12 in lower case,
// owner/repo#7, in a message, a resource address, a note) are broken in
// the job summary like @mentions; rule IDs stay as they are.
func TestHostileSummaryReferences(t *testing.T) {
	for in, want := range map[string]string{
		"GH-123":       "GH\\-&#8203;123",
		"gh-12":        "gh\\-&#8203;12",
		"o/r#7":        "o/r\\#&#8203;7",
		"AWS-0086":     "AWS\\-0086",
		"bidi\u202ex":  "bidi\\\\u202ex",
		"esc\x1b[31mx": "esc\\\\x1b\\[31mx",
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
	refs := []string{"GH-123", "fixes #123", "gh-12", "octo-org/infra#7", "(#8)"}
	var fs []finding.Finding
	for i, s := range refs {
		fs = append(fs, finding.Finding{RuleID: "R", Severity: finding.SeverityHigh, Title: s, Message: s, Resource: "aws_s3_bucket." + s,
			Range: finding.Range{File: "main.tf", Start: finding.Position{Line: i + 1}}})
	}
	gs := review.GroupItems(review.NewScope(nil, 1, "", filter.ModeNoFilter).Mark(fs))
	s := summary{Tool: "tfreview", Mode: "nofilter", FailOn: finding.SeverityHigh, In: gs, Status: map[string]string{},
		Links: linker{RepoHTMLURL: "https://github.com/o/r", SHA: "abc"}}
	var out bytes.Buffer
	if err := gfm.Convert([]byte(s.render()), &out); err != nil {
		t.Fatal(err)
	}
	// Code spans are not searched for references; the rest is.
	text := regexp.MustCompile(`(?s)<code>.*?</code>|<[^>]*>`).ReplaceAllString(out.String(), "")
	text = html.UnescapeString(text)
	if m := referenceRE.FindAllString(text, -1); len(m) > 0 {
		t.Errorf("issue references survive in the summary: %q\n%s", m, text)
	}
}

// TestHostileAnnotationLegacyCommand: the annotations this reporter prints
// are workflow commands; a "##[" in their values (a resource named
// a##[stop-commands]x, or with a zero-width space inside) could start a
// legacy command, which the runner looks for anywhere in a line.
func TestHostileAnnotationLegacyCommand(t *testing.T) {
	for _, s := range []string{"a##[stop-commands]x", "b#\u200b#[set-output name=x]y", "c##vso[task.complete]"} {
		for _, got := range []string{escapeData(s), escapeProperty(s)} {
			seen := strings.Map(func(r rune) rune {
				if r == '\u200b' {
					return -1
				}
				return r
			}, got)
			if regexp.MustCompile(`##[a-z]*\[`).MatchString(seen) {
				t.Errorf("%q escapes to %q, a legacy command", s, got)
			}
		}
	}
}
