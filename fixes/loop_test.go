package fixes

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tfreview/tfreview/finding"
)

// digitScan reports every digit in a.tf as a finding whose fix replaces it
// with "x", plus, for each digit, a second fix over the digit and the
// byte before it, which overlaps the first and must wait for a rescan.
func digitScan(dir string, broken bool) func(context.Context) (finding.Report, error) {
	return func(context.Context) (finding.Report, error) {
		src, err := os.ReadFile(filepath.Join(dir, "a.tf"))
		if err != nil {
			return finding.Report{}, err
		}
		var rep finding.Report
		for i, c := range src {
			if c < '0' || c > '9' {
				continue
			}
			r := finding.Range{File: "a.tf", Start: finding.Position{Byte: i}, End: finding.Position{Byte: i + 1}}
			rep.Findings = append(rep.Findings,
				finding.Finding{RuleID: "DIGIT", Range: r, Fix: &finding.Fix{Edits: []finding.TextEdit{{Range: r, NewText: "x"}}}},
				finding.Finding{RuleID: "WIDE", Range: r, Fix: &finding.Fix{Edits: []finding.TextEdit{{
					Range: finding.Range{File: "a.tf", Start: finding.Position{Byte: i - 1}, End: finding.Position{Byte: i + 1}}, NewText: "yy"}}}})
		}
		if broken {
			rep.Findings = append(rep.Findings, finding.Finding{RuleID: "PARSE", Range: finding.Range{File: "a.tf"}})
		}
		return rep, nil
	}
}

func TestLoopRescansUntilNothingIsLeft(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.tf"), []byte("a=1\nb=2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Loop{Dir: dir, Scan: digitScan(dir, false), Select: func(f finding.Finding) bool { return f.RuleID == "DIGIT" }}.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "a.tf"))
	if !bytes.Equal(got, []byte("a=x\nb=x\n")) || res.Applied != 2 || res.Remaining != 0 || !res.Changed["a.tf"] {
		t.Fatalf("got %q, %+v", got, res)
	}

	// Unselected overlapping fixes need a second pass each time.
	if err := os.WriteFile(filepath.Join(dir, "a.tf"), []byte("a=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err = Loop{Dir: dir, Scan: digitScan(dir, false)}.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Remaining != 0 || res.Passes < 2 {
		t.Fatalf("overlapping fixes: %+v", res)
	}
}

func TestLoopStopsAtMaxPassesAndSkipsBrokenFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.tf"), []byte("a=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Loop{Dir: dir, Scan: digitScan(dir, true), ParseErrorID: "PARSE"}.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "a.tf")); string(got) != "a=1\n" || res.Applied != 0 {
		t.Fatalf("a file with a parse error was edited: %q %+v", got, res)
	}
	// A fix that keeps reappearing: bounded by MaxPasses, and reported as
	// remaining.
	endless := func(context.Context) (finding.Report, error) {
		src, err := os.ReadFile(filepath.Join(dir, "a.tf"))
		if err != nil {
			return finding.Report{}, err
		}
		flip := map[byte]string{'a': "b", 'b': "a"}[src[0]]
		r := finding.Range{File: "a.tf", Start: finding.Position{Byte: 0}, End: finding.Position{Byte: 1}}
		return finding.Report{Findings: []finding.Finding{{RuleID: "X", Range: r, Fix: &finding.Fix{Edits: []finding.TextEdit{{Range: r, NewText: flip}}}}}}, nil
	}
	res, err = Loop{Dir: dir, Scan: endless, MaxPasses: 3}.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Passes != 4 || res.Remaining != 1 || res.Applied != 3 {
		t.Fatalf("endless: %+v", res)
	}
}
