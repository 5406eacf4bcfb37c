package formatters

import (
	"fmt"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/safetext"
)

// This file renders what --new-since and --baseline add to a report: the
// cause of an introduced finding, the resolved findings and the counts.

// causeText describes a cause for the text format, escaped.
func causeText(c finding.Cause) string {
	s := "caused by " + safetext.Visible(oneLine(c.Message)) + " at " + safetext.Visible(location(lineOnly(c.Range)))
	if c.Deleted {
		s += " (deleted; line in the base)"
	}
	return s
}

// comparison prints the --new-since and --baseline summary lines.
func (p *textPrinter) comparison(r finding.Report) {
	if b := r.Baseline; b != nil {
		p.printf("Baseline %s: %s suppressed", safetext.Visible(b.File), plural(b.Matched, "recorded finding"))
		if b.Stale > 0 {
			p.printf(", %d stale %s (fixed since; `tfreview baseline --update` drops them)", b.Stale, pluralWord(b.Stale, "entry", "entries"))
		}
		p.printf(".\n")
	}
	c := r.Comparison
	if c == nil {
		return
	}
	if c.Skipped != "" {
		p.printf("%s %s; every finding is reported.\n", p.paint(ansiYellow, "Not compared:"), safetext.Visible(oneLine(c.Skipped)))
		return
	}
	p.printf("Compared with %s (%s): %d introduced, %d unchanged (not shown), %d resolved%s.\n",
		safetext.Visible(c.Ref), safetext.Visible(shortSHA(c.BaseCommit)), c.Introduced, c.Unchanged, len(c.Resolved), unaffected(c))
	for _, f := range c.Resolved {
		line := fmt.Sprintf("  %s %s %s  %s", p.paint(ansiBold, "resolved"), p.severity(f.Severity), safetext.Visible(f.RuleID), safetext.Visible(location(lineOnly(f.Range))))
		if f.Resource != "" {
			line += " in " + safetext.Visible(f.Resource)
		}
		p.printf("%s\n", line)
	}
}

// unaffected says how many root modules the comparison did not need to
// scan.
func unaffected(c *finding.Comparison) string {
	if c.UnaffectedRootModules == 0 {
		return ""
	}
	return fmt.Sprintf("; %s the change cannot affect not scanned", plural(c.UnaffectedRootModules, "root module"))
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

type jsonCause struct {
	Kind    string    `json:"kind"`
	Message string    `json:"message"`
	Range   jsonRange `json:"range"`
	Deleted bool      `json:"deleted,omitempty"`
}

type jsonComparison struct {
	Ref             string        `json:"ref"`
	BaseCommit      string        `json:"base_commit,omitempty"`
	Introduced      int           `json:"introduced"`
	Unchanged       int           `json:"unchanged"`
	Resolved        []jsonFinding `json:"resolved"`
	HeadRootModules int           `json:"head_root_modules"`
	BaseRootModules int           `json:"base_root_modules"`
	Unaffected      int           `json:"unaffected_root_modules"`
	Skipped         string        `json:"skipped,omitempty"`
}

type jsonBaseline struct {
	File    string `json:"file"`
	Entries int    `json:"entries"`
	Matched int    `json:"matched"`
	Stale   int    `json:"stale"`
}

func jsonCauseOf(c *finding.Cause) *jsonCause {
	if c == nil {
		return nil
	}
	return &jsonCause{Kind: c.Kind, Message: c.Message, Range: jsonRangeOf(c.Range), Deleted: c.Deleted}
}

func jsonComparisonOf(c *finding.Comparison) *jsonComparison {
	if c == nil {
		return nil
	}
	out := &jsonComparison{
		Ref: c.Ref, BaseCommit: c.BaseCommit, Introduced: c.Introduced, Unchanged: c.Unchanged,
		Resolved:        make([]jsonFinding, 0, len(c.Resolved)),
		HeadRootModules: c.HeadRootModules, BaseRootModules: c.BaseRootModules, Unaffected: c.UnaffectedRootModules, Skipped: c.Skipped,
	}
	for _, f := range c.Resolved {
		out.Resolved = append(out.Resolved, jsonFindingOf(f))
	}
	return out
}

func jsonBaselineOf(b *finding.BaselineStatus) *jsonBaseline {
	if b == nil {
		return nil
	}
	return &jsonBaseline{File: b.File, Entries: b.Entries, Matched: b.Matched, Stale: b.Stale}
}

// markdownComparison is the --new-since and --baseline paragraph of the
// markdown summary.
func markdownComparison(r finding.Report) string {
	var s string
	if b := r.Baseline; b != nil {
		s += fmt.Sprintf("Baseline %s: %s suppressed", markdownText(b.File, markdownCellRunes), plural(b.Matched, "recorded finding"))
		if b.Stale > 0 {
			s += fmt.Sprintf(", %d stale %s (fixed since)", b.Stale, pluralWord(b.Stale, "entry", "entries"))
		}
		s += ".\n\n"
	}
	if c := r.Comparison; c != nil {
		if c.Skipped != "" {
			s += "**Not compared:** " + markdownText(c.Skipped, markdownMessageRunes) + "; every finding is listed.\n\n"
		} else {
			s += fmt.Sprintf("Compared with %s (%s): **%d introduced**, %d unchanged (not listed), %d resolved%s.\n\n",
				markdownText(c.Ref, markdownCellRunes), markdownText(shortSHA(c.BaseCommit), markdownCellRunes),
				c.Introduced, c.Unchanged, len(c.Resolved), unaffected(c))
		}
	}
	return s
}

// markdownCause is appended to an introduced finding's message.
func markdownCause(c *finding.Cause) string {
	if c == nil {
		return ""
	}
	where := markdownText(location(lineOnly(c.Range)), markdownCellRunes)
	if c.Deleted {
		where += ", deleted"
	}
	return " _(caused by " + markdownText(c.Message, markdownCellRunes) + " at " + where + ")_"
}

// markdownResolved lists the resolved findings within budget bytes.
func markdownResolved(r finding.Report, budget int) string {
	c := r.Comparison
	if c == nil || len(c.Resolved) == 0 {
		return ""
	}
	s := "#### Resolved\n\n| Severity | Rule | Location (base) | Resource |\n| --- | --- | --- | --- |\n"
	for i, f := range c.Resolved {
		row := fmt.Sprintf("| %s | %s | %s | %s |\n", f.Severity, markdownText(f.RuleID, markdownCellRunes),
			markdownText(location(lineOnlyStart(f.Range)), markdownCellRunes), markdownText(f.Resource, markdownCellRunes))
		if len(s)+len(row) > budget {
			s += fmt.Sprintf("\n_and %d more, not shown (comment length limit)_\n", len(c.Resolved)-i)
			break
		}
		s += row
	}
	return s + "\n"
}

// gateLine describes one gate change in plain words (unescaped).
func gateLine(c finding.GateChange) string {
	state := "not applied"
	if c.Applied {
		state = "applied"
	}
	switch c.Kind {
	case finding.GateSetting:
		return fmt.Sprintf("setting %s changed: %s (%s)", c.Subject, c.Detail, state)
	case finding.GateBaseline:
		return fmt.Sprintf("baseline %s: %s (%s)", c.Subject, c.Detail, state)
	case finding.GateSuppression:
		reason := c.Detail
		if reason == "" {
			reason = "no reason given"
		}
		if c.Applied {
			state = "hides a finding that was already there"
		} else {
			state = "not honoured: the finding is new in this change"
		}
		return fmt.Sprintf("ignore added for %s at %s: %q (%s)", c.Subject, location(lineOnlyStart(c.Range)), reason, state)
	}
	return c.Kind + " " + c.Subject + ": " + c.Detail
}

// gateHeading says whose settings judged the change.
func gateHeading(g *finding.Gate) string {
	if g.From == "base" {
		return fmt.Sprintf("This change edits the settings that judge it (judged with those of the base %s):", shortSHA(g.BaseCommit))
	}
	return "This change edits the settings that judge it (--config-from head: its own settings judged it):"
}

// gate prints what the change did to its own gate (--new-since).
func (p *textPrinter) gate(r finding.Report) {
	g := r.Gate
	if g == nil || len(g.Changes) == 0 {
		return
	}
	p.printf("%s\n", p.paint(ansiYellow, gateHeading(g)))
	for _, c := range g.Changes {
		p.printf("  %s\n", safetext.Visible(oneLine(gateLine(c))))
	}
}

// markdownGate is the gate paragraph of the markdown summary.
func markdownGate(r finding.Report) string {
	g := r.Gate
	if g == nil || len(g.Changes) == 0 {
		return ""
	}
	s := "**" + gateHeading(g) + "**\n\n"
	for _, c := range g.Changes {
		s += "- " + markdownText(gateLine(c), markdownMessageRunes) + "\n"
	}
	return s + "\n"
}

type jsonGate struct {
	From       string           `json:"from"`
	BaseCommit string           `json:"base_commit,omitempty"`
	Changes    []jsonGateChange `json:"changes"`
}

type jsonGateChange struct {
	Kind    string     `json:"kind"`
	Subject string     `json:"subject"`
	Detail  string     `json:"detail"`
	Range   *jsonRange `json:"range,omitempty"`
	Applied bool       `json:"applied"`
}

func jsonGateOf(g *finding.Gate) *jsonGate {
	if g == nil {
		return nil
	}
	out := &jsonGate{From: g.From, BaseCommit: g.BaseCommit, Changes: make([]jsonGateChange, 0, len(g.Changes))}
	for _, c := range g.Changes {
		jc := jsonGateChange{Kind: c.Kind, Subject: c.Subject, Detail: c.Detail, Applied: c.Applied}
		if c.Range.File != "" {
			rg := jsonRangeOf(c.Range)
			jc.Range = &rg
		}
		out.Changes = append(out.Changes, jc)
	}
	return out
}
