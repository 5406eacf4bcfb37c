package formatters

import (
	"fmt"

	"github.com/tfreview/tfreview/finding"
)

// This file renders what --new-since and --baseline add to a report: the
// cause of an introduced finding, the resolved findings and the counts.

// causeText describes a cause for the text format, escaped.
func causeText(c finding.Cause) string {
	s := "caused by " + terminalSafe(oneLine(c.Message)) + " at " + terminalSafe(location(lineOnly(c.Range)))
	if c.Deleted {
		s += " (deleted; line in the base)"
	}
	return s
}

// comparison prints the --new-since and --baseline summary lines.
func (p *textPrinter) comparison(r finding.Report) {
	if b := r.Baseline; b != nil {
		p.printf("Baseline %s: %s suppressed", terminalSafe(b.File), plural(b.Matched, "recorded finding"))
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
		p.printf("%s %s; every finding is reported.\n", p.paint(ansiYellow, "Not compared:"), terminalSafe(oneLine(c.Skipped)))
		return
	}
	p.printf("Compared with %s (%s): %d introduced, %d unchanged (not shown), %d resolved.\n",
		terminalSafe(c.Ref), terminalSafe(shortSHA(c.BaseCommit)), c.Introduced, c.Unchanged, len(c.Resolved))
	for _, f := range c.Resolved {
		line := fmt.Sprintf("  %s %s %s  %s", p.paint(ansiBold, "resolved"), p.severity(f.Severity), terminalSafe(f.RuleID), terminalSafe(location(lineOnly(f.Range))))
		if f.Resource != "" {
			line += " in " + terminalSafe(f.Resource)
		}
		p.printf("%s\n", line)
	}
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
		HeadRootModules: c.HeadRootModules, BaseRootModules: c.BaseRootModules, Skipped: c.Skipped,
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
