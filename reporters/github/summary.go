package github

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/reporters/review"
)

// GitHub's size limits for the bodies we write.
const (
	// Issue, pull request and review comment bodies: "Body is too long
	// (maximum is 65536 characters)". We count bytes, which is never less.
	MaxCommentBody = 65536
	// Check run output.summary and output.text: "Only 65535 characters are
	// allowed" (reviewdog's service/github/check.go cites the error).
	MaxCheckOutput = 65535
	// "The job summary size limit is 1MiB per step."
	// https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#adding-a-job-summary
	MaxStepSummary = 1 << 20
)

// Caps of the summaries people read on the pull request (the sticky
// comment and the check run): a summary that runs to GitHub's 64 KB limit
// for a one-file change is not read. The job summary keeps everything and
// the capped ones link to it.
const (
	MaxSummaryBody   = 16 << 10
	MaxSummaryGroups = 20
)

// Status of an in-scope group, shown in the summary table. Trusted text.
const (
	statusCommented     = "commented"
	statusAlready       = "commented earlier"
	statusOverLimit     = "over --max-comments"
	statusNoLine        = "not on a changed line"
	statusAnnotated     = "annotated"
	statusNotAnnotated  = "over the annotation limit"
	statusFallbackShown = "annotated (fallback)"
)

// summary is everything a summary shows. Sections are written in order of
// importance, so cutting to the size limit drops the least useful part.
type summary struct {
	Tool     string
	Marker   string // hidden marker line for the sticky comment, or ""
	Report   finding.Report
	Mode     string // filter mode applied
	FailOn   finding.Severity
	In, Out  []review.Group
	Status   map[string]string // group fingerprint → status
	Owners   review.Owners
	Labels   []string // labels added to the pull request
	Mention  bool     // write owners as mentions (only in the PR comment)
	Fallback string
	Notes    []string
	Links    linker
	Prefix   string // scanned root relative to the repository root
	FullURL  string // where the full report is
	Limit    int
	// MaxGroups caps the rows of each findings table, most severe kept;
	// 0 means no cap.
	MaxGroups int
}

// linker builds links to lines in the repository at one commit.
type linker struct {
	RepoHTMLURL string
	SHA         string
}

func (l linker) lines(p string, start, end int) string {
	if l.RepoHTMLURL == "" || l.SHA == "" || p == "" {
		return ""
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	u := l.RepoHTMLURL + "/blob/" + url.PathEscape(l.SHA) + "/" + strings.Join(segs, "/")
	if start > 0 {
		u += fmt.Sprintf("#L%d", start)
		if end > start {
			u += fmt.Sprintf("-L%d", end)
		}
	}
	return u
}

// location renders path:line as a link to the line when possible.
func (l linker) location(p string, r finding.Range) string {
	text := p
	if r.Start.Line > 0 {
		text = fmt.Sprintf("%s:%d", p, r.Start.Line)
	}
	if u := l.lines(p, r.Start.Line, r.End.Line); u != "" {
		return Link(text, u)
	}
	return Code(text)
}

var severityIcon = map[finding.Severity]string{
	finding.SeverityCritical: "🔴",
	finding.SeverityHigh:     "🟠",
	finding.SeverityMedium:   "🟡",
	finding.SeverityLow:      "🔵",
	finding.SeverityUnknown:  "⚪",
}

func severityLabel(s finding.Severity) string { return severityIcon[s] + " " + s.String() }

// budget writes Markdown up to a limit, keeping room for the footer.
type budget struct {
	b       strings.Builder
	limit   int
	omitted int
}

func (w *budget) fits(s string) bool { return w.b.Len()+len(s) <= w.limit }

func (w *budget) write(s string) bool {
	if !w.fits(s) {
		return false
	}
	w.b.WriteString(s)
	return true
}

// footerRoom is kept free for the "cut here, full report there" footer.
const footerRoom = 1024

func (s summary) render() string {
	limit := s.Limit
	if limit <= 0 {
		limit = MaxCommentBody
	}
	w := &budget{limit: limit - footerRoom}
	if s.Marker != "" {
		w.write(s.Marker + "\n")
	}
	w.write("### " + Text(s.Tool) + " security review\n\n")
	w.write(s.verdict() + "\n\n")
	if s.Fallback != "" {
		w.write("> [!WARNING]\n> " + Text(s.Fallback) + "\n\n")
	}
	for _, n := range s.Notes {
		w.write("> [!NOTE]\n> " + Text(n) + "\n\n")
	}
	w.write(s.countsTable() + "\n")
	s.writeGate(w)
	s.writeOwners(w)
	s.writeGroups(w, "Findings "+s.scopePhrase(), s.In, true, false)
	if len(s.Out) > 0 {
		s.writeGroups(w, fmt.Sprintf("%d outside the changed lines (filter mode %s)", review.CountItems(s.Out), s.Mode), s.Out, false, true)
	}
	s.writeIgnored(w)
	s.writeNotes(w)
	out := w.b.String()
	var foot strings.Builder
	if w.omitted > 0 {
		fmt.Fprintf(&foot, "\n%d more rows did not fit in GitHub's size limit.", w.omitted)
		if u := s.FullURL; u != "" {
			foot.WriteString(" " + Link("Full report", u) + ".")
		}
		foot.WriteString("\n")
	} else if s.FullURL != "" {
		foot.WriteString("\n<sub>" + Link("Workflow run", s.FullURL) + "</sub>\n")
	}
	return out + Truncate(foot.String(), footerRoom)
}

func (s summary) scopePhrase() string {
	if s.Mode == "nofilter" {
		return "in the scanned code"
	}
	return "in the changed code"
}

func (s summary) verdict() string {
	n := review.CountItems(s.In)
	switch {
	case review.Failing(s.In, s.FailOn):
		failing := 0
		for _, g := range s.In {
			if review.AtOrAbove(g.Severity(), s.FailOn) {
				failing += len(g.Items)
			}
		}
		return fmt.Sprintf("❌ **%d %s at or above %s** %s.", failing, plural(failing, "finding"), s.FailOn, s.scopePhrase())
	case n > 0 && s.FailOn == finding.SeverityUnknown:
		return fmt.Sprintf("⚠️ %d %s %s.", n, plural(n, "finding"), s.scopePhrase())
	case n > 0:
		return fmt.Sprintf("⚠️ %d %s %s, none at or above %s.", n, plural(n, "finding"), s.scopePhrase(), s.FailOn)
	}
	return "✅ No findings " + s.scopePhrase() + "."
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func (s summary) countsTable() string {
	in := review.CountBySeverity(s.In)
	out := review.CountBySeverity(s.Out)
	ign := map[finding.Severity]int{}
	for _, f := range s.Report.Findings {
		if f.Suppressed != nil {
			ign[f.Severity]++
		}
	}
	var b strings.Builder
	b.WriteString("| | Critical | High | Medium | Low | Total |\n|---|---:|---:|---:|---:|---:|\n")
	row := func(name string, m map[finding.Severity]int) {
		total := 0
		for _, n := range m {
			total += n
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d |\n", name,
			m[finding.SeverityCritical], m[finding.SeverityHigh], m[finding.SeverityMedium], m[finding.SeverityLow], total)
	}
	if s.Mode == "nofilter" {
		row("Findings", in)
	} else {
		row("In the changed code", in)
		row("Elsewhere", out)
	}
	row("Ignored", ign)
	if n := s.Report.Stats.Filtered; n > 0 {
		fmt.Fprintf(&b, "\n%d below the --severity threshold are not counted.\n", n)
	}
	return b.String()
}

func (s summary) writeOwners(w *budget) {
	if len(s.Owners.Assignments) == 0 && len(s.Labels) == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**Who must act** (from %s):\n", Text(s.Owners.Source))
	for _, a := range s.Owners.Assignments {
		who := Text(a.Owner)
		if s.Mention && review.ValidMention(a.Owner) {
			who = a.Owner // validated: @user or @org/team, nothing else
		} else if review.ValidMention(a.Owner) {
			who = Code(a.Owner)
		}
		fmt.Fprintf(&b, "- %s — %s\n", who, Text(a.Reason))
	}
	if len(s.Labels) > 0 {
		labels := make([]string, len(s.Labels))
		for i, l := range s.Labels {
			labels[i] = Code(l)
		}
		fmt.Fprintf(&b, "- labels: %s\n", strings.Join(labels, ", "))
	}
	w.write(b.String() + "\n")
}

func (s summary) writeGroups(w *budget, title string, gs []review.Group, withStatus, folded bool) {
	if len(gs) == 0 {
		return
	}
	head := "#### " + title + "\n\n"
	if folded {
		head = "<details><summary>" + title + "</summary>\n\n"
	}
	header := "| Severity | Check | Location | Resource | Finding |"
	sep := "|---|---|---|---|---|"
	if withStatus {
		header += " Review |"
		sep += "---|"
	}
	if !w.write(head + header + "\n" + sep + "\n") {
		w.omitted += len(gs)
		return
	}
	sorted := review.BySeverity(gs)
	capped := 0
	if s.MaxGroups > 0 && len(sorted) > s.MaxGroups {
		capped = len(sorted) - s.MaxGroups
		sorted = sorted[:s.MaxGroups]
	}
	for i, g := range sorted {
		p := g.Primary()
		f := p.Finding
		row := fmt.Sprintf("| %s | %s | %s | %s | %s |", severityLabel(g.Severity()), Link(f.RuleID, f.DocURL()),
			s.Links.location(p.Path, f.Range), instancesCell(g), Text(Truncate(f.Message, 300)))
		if withStatus {
			row += " " + Text(s.Status[g.Fingerprint()]) + " |"
		}
		if !w.write(row + "\n") {
			w.omitted += len(sorted) - i
			break
		}
	}
	if capped > 0 {
		more := fmt.Sprintf("\nand %d more (less severe)", capped)
		if s.FullURL != "" {
			more += " — full report: " + Link("job summary", s.FullURL)
		}
		w.write(more + "\n")
	}
	if folded {
		w.write("\n</details>\n")
	}
	w.write("\n")
}

func instancesCell(g review.Group) string {
	inst := g.Instances()
	switch len(inst) {
	case 0:
		return ""
	case 1:
		return Code(inst[0])
	}
	shown := inst[:min(len(inst), 3)]
	parts := make([]string, len(shown))
	for i, a := range shown {
		parts[i] = Code(a)
	}
	cell := strings.Join(parts, "<br>")
	if more := len(inst) - len(shown); more > 0 {
		cell += fmt.Sprintf("<br>and %d more", more)
	}
	return cell
}

func (s summary) writeIgnored(w *budget) {
	var ignored, expired []finding.Finding
	for _, f := range s.Report.Findings {
		if f.Suppressed != nil {
			ignored = append(ignored, f)
		} else if f.ExpiredIgnore != nil {
			expired = append(expired, f)
		}
	}
	if len(ignored) > 0 {
		if !w.write(fmt.Sprintf("<details><summary>%d ignored</summary>\n\n| Check | Location | Resource | Ignored by | Reason | Expires |\n|---|---|---|---|---|---|\n", len(ignored))) {
			w.omitted += len(ignored)
			return
		}
		rows := ignored
		if s.MaxGroups > 0 && len(rows) > s.MaxGroups {
			rows = rows[:s.MaxGroups]
		}
		for i, f := range rows {
			sp := f.Suppressed
			by := Text(sp.Kind)
			if sp.Range.File != "" {
				by = Text(sp.Kind) + " at " + s.Links.location(s.repoPath(sp.Range.File), sp.Range)
			}
			row := fmt.Sprintf("| %s | %s | %s | %s | %s | %s |\n", Link(f.RuleID, f.DocURL()),
				s.Links.location(s.repoPath(f.Range.File), f.Range), Code(f.Resource), by, Text(Truncate(sp.Reason, 200)), Text(sp.Expires))
			if !w.write(row) {
				w.omitted += len(rows) - i
				break
			}
		}
		if more := len(ignored) - len(rows); more > 0 {
			w.write(fmt.Sprintf("\nand %d more ignored; the job summary lists them all.\n", more))
		}
		w.write("\n</details>\n\n")
	}
	if len(expired) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "**%d %s expired** and no longer hide findings:\n", len(expired), plural(len(expired), "ignore"))
		for _, f := range expired {
			fmt.Fprintf(&b, "- %s at %s expired %s\n", Text(f.RuleID), s.Links.location(s.repoPath(f.Range.File), f.Range), Text(f.ExpiredIgnore.Expires))
		}
		if !w.write(b.String() + "\n") {
			w.omitted += len(expired)
		}
	}
}

// writeGate lists what the change did to the settings that judge it
// (--new-since): reviewers see a loosened gate even when nothing fails.
func (s summary) writeGate(w *budget) {
	g := s.Report.Gate
	if g == nil || len(g.Changes) == 0 {
		return
	}
	var b strings.Builder
	if g.From == "base" {
		fmt.Fprintf(&b, "> [!WARNING]\n> **This change edits the settings that judge it.** It was judged with the settings of the base %s; its own edits below are not in effect.\n", Code(shortCommit(g.BaseCommit)))
	} else {
		b.WriteString("> [!WARNING]\n> **This change edits the settings that judge it**, and was judged with them (`--config-from head`).\n")
	}
	for _, c := range g.Changes {
		state := "not applied"
		if c.Applied {
			state = "applied"
		}
		switch c.Kind {
		case finding.GateSetting:
			fmt.Fprintf(&b, "> - setting %s: %s (%s)\n", Code(c.Subject), Text(Truncate(c.Detail, 300)), state)
		case finding.GateBaseline:
			fmt.Fprintf(&b, "> - baseline %s: %s (%s)\n", Code(c.Subject), Text(Truncate(c.Detail, 300)), state)
		case finding.GateSuppression:
			reason := c.Detail
			if reason == "" {
				reason = "no reason given"
			}
			what := "hides a finding that was already there"
			if !c.Applied {
				what = "not honoured: the finding is new in this change"
			}
			fmt.Fprintf(&b, "> - ignore added for %s at %s: %s (%s)\n", Text(c.Subject),
				s.Links.location(s.repoPath(c.Range.File), c.Range), Text(Truncate(reason, 200)), what)
		}
	}
	if !w.write(b.String() + "\n") {
		w.omitted += len(g.Changes)
	}
}

func shortCommit(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

func (s summary) writeNotes(w *budget) {
	if len(s.Report.Notes) == 0 {
		return
	}
	if !w.write(fmt.Sprintf("<details><summary>%d %s could not be checked</summary>\n\n", len(s.Report.Notes), plural(len(s.Report.Notes), "thing"))) {
		w.omitted += len(s.Report.Notes)
		return
	}
	for i, n := range s.Report.Notes {
		line := "- " + Text(string(n.Kind)) + ": " + Text(Truncate(n.Message, 300))
		if n.Range.File != "" {
			line += " (" + s.Links.location(s.repoPath(n.Range.File), n.Range) + ")"
		}
		if !w.write(line + "\n") {
			w.omitted += len(s.Report.Notes) - i
			break
		}
	}
	w.write("\n</details>\n")
}

// repoPath maps a scan-root-relative path to the repository.
func (s summary) repoPath(file string) string { return review.RepoPath(s.Prefix, file) }
