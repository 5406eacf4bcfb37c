package github

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"

	"github.com/tfreview/tfreview/reporters/review"
)

// gfm renders like GitHub: tables, strikethrough, bare-URL autolinks, and
// raw HTML passed through (GitHub sanitizes it, but lets <img>, <a>,
// <details> and more through, so none of those may come from the PR).
var gfm = goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(html.WithUnsafe()))

var (
	tagRE     = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9]*)`)
	hrefRE    = regexp.MustCompile(`href="([^"]*)"`)
	mentionRE = regexp.MustCompile(`(^|[^\w])(@[A-Za-z0-9][\w-]*(?:/[\w.-]+)?)`)
)

// TestRenderedBodiesAreInert renders every body we send to GitHub for the
// hostile fixture and checks the HTML: only our own tags, only our own
// links, no mention or issue reference from the pull request's text.
func TestRenderedBodiesAreInert(t *testing.T) {
	h := newHarness(t)
	owners := []review.OwnerRule{{Mention: []string{"@octo-org/sre"}}}
	if _, err := h.runReview(Options{PRComment: true, Owners: owners}, ReviewOptions{MaxComments: 1}, prReport(h.dir)); err != nil {
		t.Fatal(err)
	}
	rv := decode[sentReview](t, h.gh.RequestsTo("POST", "/reviews")[0].Body)
	bodies := map[string]string{"review body": rv.Body, "step summary": h.stepSummary(), "sticky comment": h.gh.IssueComments[0].Body}
	for _, c := range rv.Comments {
		bodies["comment "+c.Path] = c.Body
	}
	allowedTags := map[string]bool{"p": true, "strong": true, "em": true, "code": true, "pre": true, "a": true, "table": true, "thead": true,
		"tbody": true, "tr": true, "th": true, "td": true, "details": true, "summary": true, "br": true, "ul": true, "li": true,
		"h3": true, "h4": true, "sub": true, "blockquote": true, "del": true, "hr": true}
	for name, body := range bodies {
		var out bytes.Buffer
		if err := gfm.Convert([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		html := out.String()
		for _, m := range tagRE.FindAllStringSubmatch(html, -1) {
			if !allowedTags[strings.ToLower(m[1])] {
				t.Errorf("%s: unexpected <%s> in\n%s", name, m[1], html)
			}
		}
		for _, m := range hrefRE.FindAllStringSubmatch(html, -1) {
			if strings.Contains(m[1], "evil") || !strings.HasPrefix(m[1], "https://") {
				t.Errorf("%s: link to %q", name, m[1])
			}
		}
		text := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(html, "")
		text = strings.ReplaceAll(text, "&#8203;", "\u200b")
		for _, m := range mentionRE.FindAllStringSubmatch(text, -1) {
			if m[2] != "@octo-org/sre" {
				t.Errorf("%s: mention %q", name, m[2])
			}
		}
		if strings.Contains(text, "#1 ") {
			t.Errorf("%s: issue reference #1 survives", name)
		}
	}
}
