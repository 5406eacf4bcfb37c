package formatters

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/safetext"
)

// maxMarkdownBytes keeps the markdown under GitHub's limit for an issue or
// pull-request comment body ("Body is too long (maximum is 65536
// characters)"). Bytes are counted, which is never less than GitHub's
// character count, so the limit holds for any text.
const maxMarkdownBytes = 65536

// markdownReserve is room kept for the truncation notices and the stats
// line when the budget runs out.
const markdownReserve = 2048

// Rune limits for single table cells, so one huge message cannot crowd out
// the rest of the table.
const (
	markdownMessageRunes = 600
	markdownCellRunes    = 200
)

// markdownFormatter writes a summary for a pull-request comment or a job
// summary: counts by severity, then a table of findings. Every untrusted
// string goes through markdownText, so it cannot open HTML, mention a user
// or team, make a link or image, start a block, or leave its table cell.
type markdownFormatter struct{ opts Options }

func (m markdownFormatter) Format(w io.Writer, r finding.Report) error {
	var b strings.Builder
	fs := shown(r, m.opts)
	counts := r.CountBySeverity()
	total := 0
	for _, n := range counts {
		total += n
	}
	tool := markdownText(orDefault(r.Tool.Name, "tfreview"), markdownCellRunes)
	if total == 0 {
		fmt.Fprintf(&b, "### %s found no problems\n\n", tool)
	} else {
		fmt.Fprintf(&b, "### %s found %s\n\n", tool, plural(total, "problem"))
	}
	b.WriteString("| Severity | Count |\n| --- | ---: |\n")
	for _, s := range severitiesDesc {
		fmt.Fprintf(&b, "| %s | %d |\n", s, counts[s])
	}
	if n := counts[finding.SeverityUnknown]; n > 0 {
		fmt.Fprintf(&b, "| UNKNOWN | %d |\n", n)
	}
	b.WriteString("\n")
	if n := suppressedCount(r); n > 0 {
		if m.opts.ShowSuppressed {
			fmt.Fprintf(&b, "%s suppressed by an ignore or the baseline: listed, not counted.\n\n", plural(n, "finding"))
		} else {
			fmt.Fprintf(&b, "%s suppressed by an ignore or the baseline, not listed.\n\n", plural(n, "finding"))
		}
	}

	b.WriteString(markdownComparison(r))
	b.WriteString(markdownGate(r))

	stats := markdownStats(r.Stats)
	budget := maxMarkdownBytes - markdownReserve - len(stats)

	if len(fs) > 0 {
		b.WriteString("| Severity | Rule | Location | Resource | Message |\n| --- | --- | --- | --- | --- |\n")
		for i, f := range fs {
			row := markdownRow(f)
			if b.Len()+len(row) > budget {
				fmt.Fprintf(&b, "\n_The list was truncated: %s not shown, to stay under GitHub's %d-character comment limit._\n",
					plural(len(fs)-i, "more finding"), maxMarkdownBytes)
				break
			}
			b.WriteString(row)
		}
		b.WriteString("\n")
	}

	if b.Len() < budget {
		b.WriteString(markdownResolved(r, budget-b.Len()))
	}

	if len(r.Notes) > 0 {
		b.WriteString("#### Could not check\n\n")
		for i, n := range r.Notes {
			line := "- " + markdownNote(n) + "\n"
			if b.Len()+len(line) > budget {
				fmt.Fprintf(&b, "- _and %d more, not shown (comment length limit)_\n", len(r.Notes)-i)
				break
			}
			b.WriteString(line)
		}
		b.WriteString("\n")
	}
	b.WriteString(stats)
	_, err := io.WriteString(w, b.String())
	return err
}

func markdownRow(f finding.Finding) string {
	sev := f.Severity.String()
	if f.Suppressed != nil {
		sev += " (suppressed)"
	}
	rule := markdownText(f.RuleID, markdownCellRunes)
	if u := f.DocURL(); u != "" {
		rule = markdownLink(f.RuleID, u)
	}
	where := markdownText(location(lineOnlyStart(f.Range)), markdownCellRunes)
	msg := markdownText(f.Message, markdownMessageRunes)
	msg += markdownCause(f.Cause)
	if f.Fix != nil {
		msg += " _(fix available)_"
	}
	return fmt.Sprintf("| %s | %s | %s | %s | %s |\n", sev, rule, where,
		markdownText(f.Resource, markdownCellRunes), msg)
}

func markdownNote(n finding.Note) string {
	s := ""
	if n.Range.File != "" {
		s = markdownText(location(lineOnly(n.Range)), markdownCellRunes) + ": "
	}
	return s + markdownText(n.Message, markdownMessageRunes) + " (" + markdownText(string(n.Kind), markdownCellRunes) + ")"
}

func markdownStats(st finding.Stats) string {
	s := fmt.Sprintf("_Scanned %s in %s: %s, %s run",
		plural(st.Files, "file"), plural(st.RootModules, "root module"),
		plural(st.Resources, "resource"), plural(st.ChecksRun, "check"))
	if len(st.Engines) > 0 {
		s += " (" + markdownText(strings.Join(st.Engines, ", "), markdownCellRunes) + ")"
	}
	s += "._\n"
	if st.Filtered > 0 {
		s += fmt.Sprintf("_%s below the severity threshold not shown._\n", plural(st.Filtered, "finding"))
	}
	return s
}

// lineOnlyStart names a range by its first line and, when known, column.
func lineOnlyStart(r finding.Range) finding.Range {
	r.End = r.Start
	return r
}

// markdownEscaped are the ASCII punctuation characters that get a
// backslash: everything that can start inline or block markup (emphasis,
// code, links and images, tables, headings, lists, quotes, strikethrough,
// math) or an extended autolink (":" and "." break "http://" and "www.").
// '<', '>' and '&' become entities instead, so no raw '<' is ever written.
const markdownEscaped = "\\`*_[]()!#+-.|~:=$"

// zeroWidthSpace follows every '@' so GitHub sees no @user or @org/team
// mention and no e-mail autolink, and every '#' or '-' before a digit so
// it sees no #123, owner/repo#123 or GH-123 reference; it is invisible
// when rendered.
const zeroWidthSpace = "\u200b"

// markdownText makes untrusted text inert inside a table cell or list item:
// line breaks become spaces, terminal controls and bidi overrides become
// visible escapes, markup characters are escaped, and text longer than
// limit runes (when limit > 0) is cut with an ellipsis.
func markdownText(s string, limit int) string {
	if limit > 0 && utf8.RuneCountInString(s) > limit {
		s = string([]rune(s)[:limit]) + "…"
	}
	s = safetext.Visible(strings.TrimSpace(oneLine(s)))
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '&':
			b.WriteString("&amp;")
		case r == '@':
			b.WriteString("@" + zeroWidthSpace)
		case r < utf8.RuneSelf && strings.ContainsRune(markdownEscaped, r):
			b.WriteByte('\\')
			b.WriteRune(r)
			if safetext.IssueReferenceAt(s, i) {
				b.WriteString(zeroWidthSpace)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// markdownLink links text to an http(s) URL; anything else is shown as
// plain text. Characters that could end the destination or form markup are
// percent-encoded.
func markdownLink(text, raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return markdownText(text, markdownCellRunes)
	}
	dest := strings.NewReplacer("(", "%28", ")", "%29", "<", "%3C", ">", "%3E", "@", "%40",
		" ", "%20", "`", "%60", "|", "%7C", "\\", "%5C", "[", "%5B", "]", "%5D").Replace(u.String())
	return "[" + markdownText(text, markdownCellRunes) + "](" + dest + ")"
}
