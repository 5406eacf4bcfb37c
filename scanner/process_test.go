package scanner

import (
	"context"
	"testing"

	"github.com/tfreview/tfreview/finding"
)

// TestProcessSeverityAfterIgnores: the severity floor drops findings after
// the ignores are applied, so an ignore of a finding below the floor is
// used, not reported as TFR-IGNORE-UNUSED.
func TestProcessSeverityAfterIgnores(t *testing.T) {
	dir := writeTree(t, map[string]string{"main.tf": "# tfreview:ignore:AWS-0026 test volume\n" + unencrypted})
	rep, err := Scan(context.Background(), Options{Paths: []string{dir}, BaseDir: dir, MinSeverity: finding.SeverityCritical})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		t.Errorf("unexpected finding %s at %s:%d: %s", f.RuleID, f.Range.File, f.Range.Start.Line, f.Message)
	}
	if rep.Stats.Filtered == 0 {
		t.Errorf("the HIGH finding was not counted as filtered: %+v", rep.Stats)
	}
}

// TestAtSeverity: findings below the floor are dropped and counted, except
// TFR-PARSE.
func TestAtSeverity(t *testing.T) {
	in := []finding.Finding{
		{RuleID: "AWS-0026", Severity: finding.SeverityHigh},
		{RuleID: "AWS-0089", Severity: finding.SeverityLow},
		{RuleID: ParseRuleID, Severity: finding.SeverityLow},
	}
	var stats finding.Stats
	got := atSeverity(in, finding.SeverityMedium, &stats)
	if len(got) != 2 || got[0].RuleID != "AWS-0026" || got[1].RuleID != ParseRuleID || stats.Filtered != 1 {
		t.Errorf("got %+v, filtered %d", got, stats.Filtered)
	}
}

// TestTidyNotes: notes are ordered by file and line, and a note given by
// several root modules is kept once.
func TestTidyNotes(t *testing.T) {
	n := func(file string, line int) finding.Note {
		return finding.Note{Kind: finding.NoteModuleNotLoaded, Range: finding.Range{File: file, Start: finding.Position{Line: line}}, Message: "m"}
	}
	got := tidyNotes([]finding.Note{n("b.tf", 2), n("a.tf", 10), n("b.tf", 2), n("a.tf", 9)})
	want := []finding.Note{n("a.tf", 9), n("a.tf", 10), n("b.tf", 2)}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("note %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}
