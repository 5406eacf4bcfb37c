package formatters

import (
	"bytes"
	"strings"
	"testing"
)

// TestJSONReadRoundTrip: json (with --show-ignored) → ReadJSON → json is
// the same document, for the fixture report (fixes, suppressions,
// expired ignores, call sites, notes, every severity) — what lets
// `tfreview merge` stand in for a scan.
func TestJSONReadRoundTrip(t *testing.T) {
	rep := testReport(t)
	rep.Findings[0].Sensitive = true
	full := format(t, "json", Options{ShowSuppressed: true}, rep)
	back, err := ReadJSON(bytes.NewReader(full))
	if err != nil {
		t.Fatal(err)
	}
	if again := format(t, "json", Options{ShowSuppressed: true}, back); !bytes.Equal(full, again) {
		t.Errorf("round trip changed the report: %s", firstDiff(string(full), string(again)))
	}
	if !back.Findings[0].Sensitive {
		t.Errorf("sensitive lost: a merged report would show the secret in snippets")
	}
}

// TestJSONReadRefuses: what is not a json report of this schema is an
// error, never an empty (passing) report.
func TestJSONReadRefuses(t *testing.T) {
	for name, doc := range map[string]string{
		"empty":           ``,
		"not json":        `findings:`,
		"other schema":    `{"schema_version":"2","findings":[]}`,
		"unknown field":   `{"schema_version":"1","findingz":[]}`,
		"bad severity":    `{"schema_version":"1","findings":[{"severity":"SEVERE"}]}`,
		"suppressed lies": `{"schema_version":"1","findings":[{"severity":"HIGH","suppressed":true}]}`,
		"comparison":      `{"schema_version":"1","comparison":{"ref":"main"}}`,
	} {
		if _, err := ReadJSON(strings.NewReader(doc)); err == nil {
			t.Errorf("%s: read without error", name)
		}
	}
	if _, err := ReadJSON(strings.NewReader(`{"schema_version":"1","findings":[],"notes":[],"rules":[]}`)); err != nil {
		t.Errorf("minimal report refused: %v", err)
	}
	// Without --show-ignored the suppressed findings are missing: a merge
	// of such reports would drop them silently.
	if suppressedCount(testReport(t)) == 0 {
		t.Fatal("fixture has no suppressed finding")
	}
	if _, err := ReadJSON(bytes.NewReader(format(t, "json", Options{}, testReport(t)))); err == nil || !strings.Contains(err.Error(), "--show-ignored") {
		t.Errorf("report without its suppressed findings read back: %v", err)
	}
}
