package review

import (
	"bytes"
	"strings"
	"testing"

	"github.com/reviewdog/reviewdog/filter"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"

	"github.com/tfreview/tfreview/finding"
)

// suggestionFor returns the suggestion for a fix replacing the value on
// line 2 (columns 9-22) of main.tf, whose source is src, with "private".
func suggestionFor(t *testing.T, src string) (Suggestion, error) {
	t.Helper()
	p := func(l, c int) finding.Position { return finding.Position{Line: l, Column: c, Byte: -1} }
	f := at("main.tf", 2, 2)
	f.Fix = &finding.Fix{Edits: []finding.TextEdit{{Range: finding.Range{File: "main.tf", Start: p(2, 9), End: p(2, 22)}, NewText: `"private"`}}}
	return LineSuggestion(map[string][]byte{"main.tf": []byte(src)}, f, NewScope(nil, 1, "", filter.ModeNoFilter))
}

// renderGFM renders markdown as GitHub does (cmark-gfm treats \n, \r\n
// and a lone \r as line endings, as goldmark does).
func renderGFM(t *testing.T, md string) string {
	t.Helper()
	var out bytes.Buffer
	if err := goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(html.WithUnsafe())).Convert([]byte(md), &out); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// TestHostileSuggestionLoneCR is the reporter's reproduction: a lone CR
// in an HCL comment on the fixed line, then a backtick fence and
// Markdown. GitHub reads the CR as a line break, so the fence would close
// and the rest render in our comment. Such a suggestion is not offered.
func TestHostileSuggestionLoneCR(t *testing.T) {
	src := "resource \"x\" \"y\" {\n  acl = \"public-read\" # \r```\r@octo-org/admins #1 ![x](http://evil.example/x.png)\r```\n}\n"
	if sg, err := suggestionFor(t, src); err == nil {
		t.Errorf("suggestion with a lone CR offered: %q\nrenders as:\n%s", sg.Text, renderGFM(t, sg.Block()))
	}
	// A lone CR in a line the fix does not cover changes nothing.
	if _, err := suggestionFor(t, "# \r```\r@x\n  acl = \"public-read\"\n"); err != nil {
		t.Errorf("a fix on line 2 was refused for a CR on line 1: %v", err)
	}
}

// TestHostileSuggestionCRLF: a file with CRLF line endings still gets its
// suggestion, with the line endings normalised before any Markdown is
// built, and the block renders as exactly one code block holding the
// fixed lines.
func TestHostileSuggestionCRLF(t *testing.T) {
	src := "resource \"x\" \"y\" {\r\n  acl = \"public-read\" # ```\r\n}\r\n"
	sg, err := suggestionFor(t, src)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sg.Text, "\r") || strings.Contains(strings.Join(sg.Old, ""), "\r") {
		t.Errorf("CR kept: text %q, old %q", sg.Text, sg.Old)
	}
	checkOneCodeBlock(t, sg, `  acl = "private" # `+"```")
}

// TestHostileSuggestionIndentedFence: reviewdog's GetCodeFenceLength
// counts only backticks at the very start of a line, but CommonMark
// closes a fence indented by up to three spaces; the fence must outgrow
// every backtick run.
func TestHostileSuggestionIndentedFence(t *testing.T) {
	src := "resource \"x\" \"y\" {\n  acl = \"public-read\" # ```` \n}\n"
	sg, err := suggestionFor(t, src)
	if err != nil {
		t.Fatal(err)
	}
	sg.Text += "\n   ````\n@octo-org/admins ![x](http://evil.example/x.png)"
	checkOneCodeBlock(t, sg, sg.Text)
}

func checkOneCodeBlock(t *testing.T, sg Suggestion, want string) {
	t.Helper()
	block := sg.Block()
	html := renderGFM(t, "Suggested fix:\n\n"+block+"\nafter\n")
	if n := strings.Count(html, "<pre>"); n != 1 {
		t.Errorf("%d code blocks, want 1:\n%s", n, html)
	}
	if strings.Contains(html, "<img") || strings.Contains(html, "<a ") {
		t.Errorf("markup escaped the code block:\n%s", html)
	}
	inner := html[strings.Index(html, "<code"):]
	inner = inner[strings.Index(inner, ">")+1 : strings.Index(inner, "</code>")]
	got := strings.NewReplacer("&quot;", `"`, "&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(inner)
	if got != want+"\n" {
		t.Errorf("code block holds %q, want %q", got, want+"\n")
	}
	if !strings.HasPrefix(block, "```") || !strings.Contains(block, "suggestion\n") {
		t.Errorf("not a suggestion block: %q", block)
	}
}
