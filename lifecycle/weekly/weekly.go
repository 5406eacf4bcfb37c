// Package weekly writes the page a weekly security review needs, from the
// ledger and this run's plan: open findings by severity and owner, what is
// new, reopened and fixed, the oldest open items, accepted risks about to
// expire, and a Mermaid chart of open findings over time.
package weekly

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/ledger"
	"github.com/tfreview/tfreview/lifecycle"
	md "github.com/tfreview/tfreview/reporters/github"
)

const (
	oldestShown   = 10
	listShown     = 20
	expiryHorizon = 30 * 24 * time.Hour
	chartPoints   = 12 // weeks
)

var severities = []finding.Severity{finding.SeverityCritical, finding.SeverityHigh, finding.SeverityMedium, finding.SeverityLow}

// Counts are the open rows of the ledger by severity and by owner.
type Counts struct {
	BySeverity map[string]int
	ByOwner    map[string]map[string]int // owner → severity → n
	Open       int
}

// Count tallies the ledger's open rows; the report prints exactly these.
func Count(l *ledger.Ledger) Counts {
	c := Counts{BySeverity: map[string]int{}, ByOwner: map[string]map[string]int{}}
	for _, r := range l.Rows {
		if r["status"] != ledger.StatusOpen {
			continue
		}
		c.Open++
		c.BySeverity[r["severity"]]++
		owner := cmp.Or(r["owner"], "(unowned)")
		if c.ByOwner[owner] == nil {
			c.ByOwner[owner] = map[string]int{}
		}
		c.ByOwner[owner][r["severity"]]++
	}
	return c
}

// Write renders the page. Text from findings is escaped with the
// reporters' Markdown helpers.
func Write(w io.Writer, l *ledger.Ledger, p lifecycle.Plan, now time.Time) error {
	var b strings.Builder
	c := Count(l)
	fmt.Fprintf(&b, "## Security findings: weekly review (%s)\n\n", now.UTC().Format(ledger.DateLayout))
	fmt.Fprintf(&b, "**%d open** · %d new · %d reopened · %d fixed since the previous run\n\n", c.Open, p.Count(lifecycle.Create), p.Count(lifecycle.Reopen), p.Count(lifecycle.Close))

	b.WriteString("### Open by severity and owner\n\n| Owner |")
	for _, s := range severities {
		fmt.Fprintf(&b, " %s |", s)
	}
	b.WriteString(" Total |\n|---|")
	for range severities {
		b.WriteString("--:|")
	}
	b.WriteString("--:|\n")
	owners := make([]string, 0, len(c.ByOwner))
	for o := range c.ByOwner {
		owners = append(owners, o)
	}
	slices.Sort(owners)
	for _, o := range owners {
		fmt.Fprintf(&b, "| %s |", md.Code(o))
		total := 0
		for _, s := range severities {
			n := c.ByOwner[o][s.String()]
			total += n
			fmt.Fprintf(&b, " %d |", n)
		}
		fmt.Fprintf(&b, " %d |\n", total)
	}
	b.WriteString("| **All** |")
	for _, s := range severities {
		fmt.Fprintf(&b, " %d |", c.BySeverity[s.String()])
	}
	fmt.Fprintf(&b, " %d |\n\n", c.Open)

	writeChanges(&b, p)
	writeOldest(&b, l)
	writeExpiring(&b, p, now)
	writeChart(&b, l, now)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeChanges(b *strings.Builder, p lifecycle.Plan) {
	for _, sec := range []struct {
		title string
		a     lifecycle.Action
	}{{"New", lifecycle.Create}, {"Reopened", lifecycle.Reopen}, {"Fixed", lifecycle.Close}} {
		var items []lifecycle.Change
		for _, c := range p.Changes {
			if c.Action == sec.a {
				items = append(items, c)
			}
		}
		if len(items) == 0 {
			continue
		}
		fmt.Fprintf(b, "### %s (%d)\n\n", sec.title, len(items))
		for i, c := range items {
			if i == listShown {
				fmt.Fprintf(b, "- … and %d more\n", len(items)-i)
				break
			}
			if c.Group != nil {
				fmt.Fprintf(b, "- **%s** %s %s in %s\n", c.Group.Severity, md.Code(c.Group.RuleID), md.Text(c.Group.Title), md.Code(cmp.Or(c.Group.Resource, c.Group.File)))
			} else {
				fmt.Fprintf(b, "- %s\n", ticketRef(c.Ticket.Title, c.Ticket.URL, c.Ticket.ID))
			}
		}
		b.WriteString("\n")
	}
}

func writeOldest(b *strings.Builder, l *ledger.Ledger) {
	var open []ledger.Row
	for _, r := range l.Rows {
		if r["status"] == ledger.StatusOpen {
			open = append(open, r)
		}
	}
	if len(open) == 0 {
		return
	}
	slices.SortStableFunc(open, func(a, b ledger.Row) int { return cmp.Compare(a["first_seen"], b["first_seen"]) })
	b.WriteString("### Oldest open\n\n| Since | Severity | Finding | Owner | Ticket |\n|---|---|---|---|---|\n")
	for _, r := range open[:min(oldestShown, len(open))] {
		fmt.Fprintf(b, "| %s | %s | %s %s | %s | %s |\n", md.Text(r["first_seen"]), md.Text(r["severity"]), md.Code(r["rule_id"]), md.Code(r["resource"]),
			md.Code(cmp.Or(r["owner"], "-")), ticketRef("ticket", r["ticket"], ""))
	}
	b.WriteString("\n")
}

func writeExpiring(b *strings.Builder, p lifecycle.Plan, now time.Time) {
	var lines []string
	for _, c := range p.Changes {
		g := c.Group
		if g == nil || g.Accepted == nil || g.Accepted.Expires == "" {
			continue
		}
		exp, err := time.Parse("2006-01-02", g.Accepted.Expires)
		if err != nil || exp.After(now.Add(expiryHorizon)) {
			continue
		}
		lines = append(lines, fmt.Sprintf("| %s | %s %s | %s | %s |", md.Text(g.Accepted.Expires), md.Code(g.RuleID), md.Code(cmp.Or(g.Resource, g.File)), md.Text(g.Accepted.Reason), md.Code(cmp.Or(g.Route.Owner, "-"))))
	}
	if len(lines) == 0 {
		return
	}
	slices.Sort(lines)
	b.WriteString("### Accepted risks expiring within 30 days\n\n| Expires | Finding | Reason | Owner |\n|---|---|---|---|\n")
	b.WriteString(strings.Join(lines, "\n") + "\n\n")
}

// writeChart draws open findings by severity at the end of each of the
// last weeks, from first_seen and fixed_at. Accepted rows are left out:
// the ledger does not say since when they are accepted.
func writeChart(b *strings.Builder, l *ledger.Ledger, now time.Time) {
	first := ""
	for _, r := range l.Rows {
		if fs := r["first_seen"]; fs != "" && (first == "" || fs < first) {
			first = fs
		}
	}
	if first == "" {
		return
	}
	start, err := time.Parse(ledger.DateLayout, first)
	if err != nil {
		return
	}
	var days []string
	for d := now.UTC(); len(days) < chartPoints; d = d.AddDate(0, 0, -7) {
		days = append(days, d.Format(ledger.DateLayout))
		if d.Before(start) {
			break
		}
	}
	slices.Reverse(days)
	b.WriteString("### Open findings over time\n\n```mermaid\nxychart-beta\n    title \"Open findings by severity\"\n    x-axis [")
	for i, d := range days {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(b, "%q", d)
	}
	b.WriteString("]\n    y-axis \"Open\"\n")
	for _, s := range severities {
		b.WriteString("    line [")
		for i, d := range days {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(b, "%d", openOn(l, s.String(), d))
		}
		b.WriteString("]\n")
	}
	b.WriteString("```\n\nLines, top to bottom in the legend order: CRITICAL, HIGH, MEDIUM, LOW.\n")
}

func openOn(l *ledger.Ledger, sev, day string) int {
	n := 0
	for _, r := range l.Rows {
		if r["severity"] != sev || r["status"] == ledger.StatusAccepted || r["first_seen"] == "" || r["first_seen"] > day {
			continue
		}
		if r["fixed_at"] == "" || r["fixed_at"] > day {
			n++
		}
	}
	return n
}

func ticketRef(text, u, id string) string {
	if u == "" {
		return md.Code(cmp.Or(id, "-"))
	}
	return md.Link(cmp.Or(text, id), u)
}
