package github

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/tfreview/tfreview/internal/safetext"
)

// Everything that comes from the pull request — resource names, attribute
// values in messages, file names — is untrusted. These helpers make such text
// render as itself in GitHub Flavored Markdown: no HTML, no mentions, no
// links or images, no table breaks, no multi-line tricks.

// zwsp is a zero-width space as an entity. GitHub finds mentions and bare
// links in the rendered text, after entities and backslash escapes are
// decoded, so the only robust way to stop them is to break the token.
const zwsp = "&#8203;"

// Text escapes untrusted text for inline Markdown: one line, every Markdown
// punctuation backslash-escaped, HTML as entities, mentions, issue
// references and bare links broken.
func Text(s string) string {
	s = oneLine(s)
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for i, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '@':
			b.WriteString("@" + zwsp)
		case '\\', '`', '*', '_', '{', '}', '[', ']', '(', ')', '+', '-', '.', '!', '|', '~', '^', '=', ':', '#':
			b.WriteByte('\\')
			b.WriteRune(r)
			if safetext.IssueReferenceAt(s, i) { // #123, owner/repo#123, GH-123
				b.WriteString(zwsp)
			}
		default:
			b.WriteRune(r)
		}
	}
	// Bare-link detection runs on rendered text: put a zero-width space
	// inside scheme: and www. (now written as "\:" and "\.").
	return breakAutolinks(b.String())
}

var escapedAutolinkRE = regexp.MustCompile(`(?i)(https?|ftp|mailto|file|data|javascript)\\:|www\\\.`)

func breakAutolinks(s string) string {
	return escapedAutolinkRE.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasSuffix(m, `\:`) {
			return strings.TrimSuffix(m, `\:`) + zwsp + `\:`
		}
		return m[:3] + zwsp + m[3:]
	})
}

// Code renders untrusted text as an inline code span: nothing inside is
// interpreted, so it only needs a fence longer than any backtick run, no
// newlines, and `|` escaped for tables (GFM splits cells before inlines).
func Code(s string) string {
	s = oneLine(s)
	if s == "" {
		return ""
	}
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	s = strings.ReplaceAll(s, "|", `\|`)
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ") {
		pad = " "
	}
	return fence + pad + s + pad + fence
}

// oneLine replaces line breaks and tabs with spaces, and shows other
// controls and bidi formatting characters as visible escapes (\u202e), as
// every human-facing output does: a reader sees they are there (Trojan
// Source) and nothing reorders or recolours the text.
func oneLine(s string) string {
	return safetext.Visible(strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s))
}

// Link renders a link whose text is untrusted and whose URL we built (or is
// a rule's doc URL): only http(s) URLs are linked, others shown as text.
func Link(text, u string) string {
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
		return Text(text)
	}
	// Escape what could end the link destination early.
	dest := strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E", "\n", "", "\r", "").Replace(pu.String())
	return "[" + Text(text) + "](" + dest + ")"
}

// Truncate cuts s to at most n bytes on a rune boundary, adding "…".
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := max(n-len("…"), 0)
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
