package formatters

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/safetext"
)

// maxSnippetLines caps the source lines shown for one finding; Trivy ranges
// often cover a whole resource block.
const maxSnippetLines = 6

// ANSI SGR sequences; written only when Options.Color is set.
const (
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiDim     = "\x1b[2m"
	ansiRed     = "\x1b[31m"
	ansiBoldRed = "\x1b[1;31m"
	ansiYellow  = "\x1b[33m"
	ansiBlue    = "\x1b[34m"
	ansiCyan    = "\x1b[36m"
)

// textFormatter is for a person at a terminal: findings grouped by file,
// each with its source lines and the exact range marked, then what could
// not be checked and a summary.
type textFormatter struct{ opts Options }

type textPrinter struct {
	buf            bytes.Buffer
	color          bool
	showSuppressed bool
	src            *sourceFiles
}

func (t textFormatter) Format(w io.Writer, r finding.Report) error {
	p := &textPrinter{color: t.opts.Color, showSuppressed: t.opts.ShowSuppressed, src: newSourceFiles(r.Sources)}
	fs := shown(r, t.opts)
	file := "\x00" // no real file name contains NUL
	for _, f := range fs {
		if f.Range.File != file {
			file = f.Range.File
			name := file
			if name == "" {
				name = "(no file)"
			}
			p.printf("%s\n\n", p.paint(ansiBold, safetext.Visible(name)))
		}
		p.finding(f)
	}
	p.notes(r.Notes)
	p.comparison(r)
	p.gate(r)
	p.summary(r)
	_, err := w.Write(p.buf.Bytes()) // New neutralises runner commands
	return err
}

func (p *textPrinter) printf(format string, args ...any) { fmt.Fprintf(&p.buf, format, args...) }

// paint wraps already-escaped text in a colour.
func (p *textPrinter) paint(code, s string) string {
	if !p.color || code == "" || s == "" {
		return s
	}
	return code + s + ansiReset
}

// severity is the coloured severity name padded to the widest, CRITICAL.
func (p *textPrinter) severity(s finding.Severity) string {
	name := s.String()
	return p.paint(severityColor(s), name) + strings.Repeat(" ", max(len("CRITICAL")-len(name), 0))
}

func (p *textPrinter) finding(f finding.Finding) {
	head := fmt.Sprintf("  %s %s  %s", p.severity(f.Severity), p.paint(ansiBold, safetext.Visible(f.RuleID)), safetext.Visible(f.Title))
	if f.Suppressed != nil {
		head += "  " + p.paint(ansiDim, "[suppressed]")
	}
	p.printf("%s\n", head)

	where := "    at " + p.paint(ansiCyan, safetext.Visible(location(f.Range)))
	if f.Resource != "" {
		where += " in " + safetext.Visible(f.Resource)
	}
	if f.AttributePath != "" {
		where += " (" + safetext.Visible(f.AttributePath) + ")"
	}
	p.printf("%s\n", where)
	if f.Message != "" {
		p.block("    ", f.Message)
	}
	p.printf("\n")

	if p.snippet(f.Range, f.Sensitive) {
		p.printf("\n")
	}

	var extra []string
	for _, cs := range f.CallSites {
		extra = append(extra, "via "+safetext.Visible(cs.Module)+" at "+safetext.Visible(location(lineOnly(cs.Range))))
	}
	if c := f.Cause; c != nil {
		extra = append(extra, causeText(*c))
	}
	if s := f.Suppressed; s != nil {
		extra = append(extra, "suppressed by "+suppressionText(*s))
	}
	if s := f.ExpiredIgnore; s != nil {
		extra = append(extra, p.paint(ansiYellow, "ignore expired")+": "+suppressionText(*s))
	}
	switch {
	case f.Fix != nil:
		extra = append(extra, p.paint(ansiBold, "fix available")+": "+safetext.Visible(oneLine(f.Fix.Description)))
	case f.NoFixReason != "":
		extra = append(extra, "no automatic fix: "+safetext.Visible(oneLine(f.NoFixReason)))
	}
	if u := f.DocURL(); u != "" {
		extra = append(extra, "docs: "+safetext.Visible(u))
	}
	for _, e := range extra {
		p.printf("    %s\n", e)
	}
	if len(extra) > 0 {
		p.printf("\n")
	}
}

// suppressionText describes an ignore for the text format, escaped.
func suppressionText(s finding.Suppression) string {
	var b strings.Builder
	b.WriteString(safetext.Visible(s.Kind))
	if s.Range.File != "" {
		b.WriteString(" ignore at " + safetext.Visible(location(lineOnly(s.Range))))
	}
	if s.Expires != "" {
		b.WriteString(", expires " + safetext.Visible(s.Expires))
	}
	if s.Reason != "" {
		b.WriteString(": " + safetext.Visible(oneLine(s.Reason)))
	}
	return b.String()
}

// block prints a possibly multi-line untrusted text, each line indented
// and escaped, so a newline cannot start something that looks like tool
// output at the margin.
func (p *textPrinter) block(indent, s string) {
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		p.printf("%s%s\n", indent, safetext.Visible(l))
	}
}

// snippet prints the range's source lines with line numbers: a caret line
// under the exact columns when they are known, a gutter marker on each line
// for line-only ranges. It prints nothing when the file cannot be read.
// With mask, the bytes under the range are shown as '*' (a secret).
func (p *textPrinter) snippet(r finding.Range, mask bool) bool {
	lines := p.src.lines(r.File)
	from, to := r.Start.Line, max(r.End.Line, r.Start.Line)
	if r.HasColumns() && r.End.Line > r.Start.Line && r.End.Column == 1 {
		to-- // an exclusive end at the start of a line does not include it
	}
	if from < 1 || from > len(lines) {
		return false
	}
	to = min(to, len(lines))
	hidden := 0
	if n := to - from + 1; n > maxSnippetLines {
		hidden = n - (maxSnippetLines - 1)
		to = from + maxSnippetLines - 2
	}
	gutter := len(strconv.Itoa(to))
	for n := from; n <= to; n++ {
		line := lines[n-1]
		if mask {
			line = maskedLine(line, n, r)
		}
		text, cells := renderSourceLine(line)
		num := fmt.Sprintf("%*d", gutter, n)
		if !r.HasColumns() {
			p.printf("  %s %s %s %s\n", p.paint(ansiRed, ">"), p.paint(ansiDim, num), p.paint(ansiDim, "|"), text)
			continue
		}
		p.printf("    %s %s %s\n", p.paint(ansiDim, num), p.paint(ansiDim, "|"), text)
		a, b := markedBytes(line, n, r)
		width := max(cells[b]-cells[a], 1)
		p.printf("    %s %s %s%s\n", strings.Repeat(" ", gutter), p.paint(ansiDim, "|"),
			strings.Repeat(" ", cells[a]), p.paint(ansiRed, strings.Repeat("^", width)))
	}
	if hidden > 0 {
		p.printf("    %s %s %s\n", strings.Repeat(" ", gutter), p.paint(ansiDim, ":"),
			p.paint(ansiDim, fmt.Sprintf("(%d more lines)", hidden)))
	}
	return true
}

// maskedLine replaces the bytes of line n under range r with '*', keeping
// the length so columns still line up. Without columns the whole line is
// masked.
func maskedLine(line []byte, n int, r finding.Range) []byte {
	out := bytes.Clone(line)
	a, b := 0, len(out)
	if r.HasColumns() {
		a, b = markedBytes(out, n, r)
	}
	for i := a; i < b && i < len(out); i++ {
		if out[i] != ' ' && out[i] != '\t' {
			out[i] = '*'
		}
	}
	return out
}

// markedBytes returns the byte span [a, b) of line n that range r covers.
func markedBytes(line []byte, n int, r finding.Range) (a, b int) {
	a, b = 0, len(line)
	if n == r.Start.Line {
		a = r.Start.Column - 1
	} else {
		for a < len(line) && (line[a] == ' ' || line[a] == '\t') {
			a++
		}
	}
	if n == r.End.Line && r.End.Column > 0 {
		b = r.End.Column - 1
	}
	a = min(max(a, 0), len(line))
	b = min(max(b, a), len(line))
	return a, b
}

func (p *textPrinter) notes(ns []finding.Note) {
	if len(ns) == 0 {
		return
	}
	p.printf("%s\n", p.paint(ansiBold, fmt.Sprintf("Could not check (%d):", len(ns))))
	for _, n := range ns {
		line := "  "
		if n.Range.File != "" {
			line += p.paint(ansiCyan, safetext.Visible(location(lineOnly(n.Range)))) + ": "
		}
		line += safetext.Visible(oneLine(n.Message)) + " " + p.paint(ansiDim, "["+safetext.Visible(string(n.Kind))+"]")
		p.printf("%s\n", line)
	}
	p.printf("\n")
}

func (p *textPrinter) summary(r finding.Report) {
	counts := r.CountBySeverity()
	total := 0
	var parts []string
	for _, s := range append(severitiesDesc, finding.SeverityUnknown) {
		if n := counts[s]; n > 0 {
			total += n
			parts = append(parts, fmt.Sprintf("%d %s", n, p.paint(severityColor(s), s.String())))
		}
	}
	if total == 0 {
		p.printf("%s", p.paint(ansiBold, "No problems found."))
	} else {
		p.printf("%s %s.", p.paint(ansiBold, fmt.Sprintf("Found %s:", plural(total, "problem"))), strings.Join(parts, ", "))
	}
	if n := suppressedCount(r); n > 0 {
		if p.showSuppressed {
			p.printf(" %d suppressed (listed above, not counted).", n)
		} else {
			p.printf(" %d suppressed, not shown.", n)
		}
	}
	p.printf("\n")
	st := r.Stats
	p.printf("Scanned %s in %s: %s, %s run",
		plural(st.Files, "file"), plural(st.RootModules, "root module"),
		plural(st.Resources, "resource"), plural(st.ChecksRun, "check"))
	if len(st.Engines) > 0 {
		p.printf(" (%s)", safetext.Visible(strings.Join(st.Engines, ", ")))
	}
	p.printf(".\n")
	if st.Filtered > 0 {
		p.printf("%s below the severity threshold not shown.\n", plural(st.Filtered, "finding"))
	}
}

func severityColor(s finding.Severity) string {
	switch s {
	case finding.SeverityCritical:
		return ansiBoldRed
	case finding.SeverityHigh:
		return ansiRed
	case finding.SeverityMedium:
		return ansiYellow
	case finding.SeverityLow:
		return ansiBlue
	}
	return ""
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// location is "file:line", "file:line-end" or "file:line:col".
func location(r finding.Range) string {
	switch {
	case r.HasColumns():
		return fmt.Sprintf("%s:%d:%d", r.File, r.Start.Line, r.Start.Column)
	case r.End.Line > r.Start.Line:
		return fmt.Sprintf("%s:%d-%d", r.File, r.Start.Line, r.End.Line)
	default:
		return fmt.Sprintf("%s:%d", r.File, r.Start.Line)
	}
}

// lineOnly drops columns and the end, for places named by their line.
func lineOnly(r finding.Range) finding.Range {
	return finding.Range{File: r.File, Start: finding.Position{Line: r.Start.Line}, End: finding.Position{Line: r.Start.Line}}
}

// oneLine joins the lines of s with spaces.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}
