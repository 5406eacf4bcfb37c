package weekly

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/ledger"
	"github.com/tfreview/tfreview/lifecycle"
)

func mk(rule string, sev finding.Severity, addr string) finding.Finding {
	return finding.Finding{RuleID: rule, Severity: sev, Title: "T", Resource: addr, Range: finding.Range{File: "main.tf", Start: finding.Position{Line: 1}}}
}

func router() lifecycle.Router {
	return lifecycle.Router{Owners: nil, Settings: lifecycle.Settings{}}
}

// TestReportMatchesLedger: after three weekly runs, the report's table
// has exactly the ledger's open counts by severity and owner, lists what
// this run fixed and the accepted risk expiring within 30 days, and the
// chart's last point equals the open counts.
func TestReportMatchesLedger(t *testing.T) {
	l := &ledger.Ledger{Header: ledger.Columns}
	week := func(day string, fs []finding.Finding) lifecycle.Plan {
		gs := lifecycle.GroupFindings(fs)
		for i := range gs {
			gs[i].Route.Owner = map[finding.Severity]string{finding.SeverityCritical: "sre", finding.SeverityHigh: "product"}[gs[i].Severity]
		}
		p := lifecycle.Reconcile(gs, l.Tickets(), "c")
		now, _ := time.Parse(ledger.DateLayout, day)
		l.Apply(p, nil, now)
		return p
	}
	base := []finding.Finding{
		mk("C1", finding.SeverityCritical, "a.x"), mk("C2", finding.SeverityCritical, "a.y"),
		mk("H1", finding.SeverityHigh, "b.x"), mk("H2", finding.SeverityHigh, "b.y"), mk("H3", finding.SeverityHigh, "b.z"),
		mk("M1", finding.SeverityMedium, "c.x"),
	}
	week("2026-11-12", base)
	week("2026-11-19", append(base, mk("L1", finding.SeverityLow, "d.x")))
	third := append(append([]finding.Finding{}, base[1:]...), mk("L1", finding.SeverityLow, "d.x")) // C1 fixed
	acc := mk("A1", finding.SeverityHigh, "e.x")
	acc.Suppressed = &finding.Suppression{Kind: "tfreview", Reason: "vendor fix due", Expires: "2026-12-10"}
	third = append(third, acc)
	p := week("2026-11-26", third)

	var out bytes.Buffer
	if err := Write(&out, l, p, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	page := out.String()

	// Count the ledger independently of Count.
	want := map[string]map[string]int{}
	total := 0
	for _, r := range l.Rows {
		if r["status"] != "open" {
			continue
		}
		o := r["owner"]
		if o == "" {
			o = "(unowned)"
		}
		if want[o] == nil {
			want[o] = map[string]int{}
		}
		want[o][r["severity"]]++
		total++
	}
	if total != 6 { // C2, H1-3, M1, L1 (A1 accepted, C1 fixed)
		t.Fatalf("ledger has %d open rows, fixture expects 6", total)
	}
	for owner, bySev := range want {
		row := fmt.Sprintf("| `%s` | %d | %d | %d | %d |", owner, bySev["CRITICAL"], bySev["HIGH"], bySev["MEDIUM"], bySev["LOW"])
		if !strings.Contains(page, row) {
			t.Errorf("report lacks the ledger's row %q:\n%s", row, page)
		}
	}
	if !strings.Contains(page, fmt.Sprintf("**%d open**", total)) || !strings.Contains(page, "| **All** | 1 | 3 | 1 | 1 | 6 |") {
		t.Errorf("report totals differ from the ledger:\n%s", page)
	}
	if !strings.Contains(page, "### Fixed (1)") || !strings.Contains(page, "0 new · 0 reopened · 1 fixed") {
		t.Errorf("report does not say C1 was fixed:\n%s", page)
	}
	if !strings.Contains(page, "2026\\-12\\-10") || !strings.Contains(page, "vendor fix due") {
		t.Errorf("report lacks the expiring accepted risk:\n%s", page)
	}
	// The chart's last point of each line is the open count by severity.
	lines := regexp.MustCompile(`line \[([0-9, ]+)\]`).FindAllStringSubmatch(page, -1)
	if len(lines) != 4 {
		t.Fatalf("chart has %d lines:\n%s", len(lines), page)
	}
	for i, sev := range []string{"CRITICAL", "HIGH", "MEDIUM", "LOW"} {
		pts := strings.Split(lines[i][1], ", ")
		n := 0
		for _, bySev := range want {
			n += bySev[sev]
		}
		if pts[len(pts)-1] != fmt.Sprint(n) {
			t.Errorf("chart %s ends at %s, ledger has %d open", sev, pts[len(pts)-1], n)
		}
	}
	if !strings.Contains(page, `"2026-11-12"`) {
		t.Errorf("chart does not start at the first week:\n%s", page)
	}
}
