package formatters

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/owenrumney/go-sarif/v2/sarif"
	"github.com/reviewdog/reviewdog/parser"

	"github.com/tfreview/tfreview/finding"
)

// With --new-since, SARIF carries every result with its baselineState, so
// code scanning does not close the alerts of findings the change did not
// introduce, and learns which ones it fixed.
func TestSARIFBaselineStateWithNewSince(t *testing.T) {
	r := testReport(t)
	// The first active finding was already in the base; the suppressed one
	// (an ignore comment) stays as it is.
	var unchanged string
	for i, f := range r.Findings {
		if f.Suppressed == nil {
			r.Findings[i].Suppressed = &finding.Suppression{Kind: "new-since", Reason: "already in the base"}
			unchanged = f.Fingerprint
			break
		}
	}
	gone := r.Findings[0]
	gone.RuleID, gone.Fingerprint, gone.Suppressed, gone.Range.File = "AVD-AWS-0001", "gonefp", nil, "removed.tf"
	r.Comparison = &finding.Comparison{Ref: "origin/main", BaseCommit: "abc", Introduced: 3, Resolved: []finding.Finding{gone}}

	out := format(t, "sarif", Options{}, r)
	var doc struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID        string            `json:"ruleId"`
				RuleIndex     int               `json:"ruleIndex"`
				Kind          string            `json:"kind"`
				Level         string            `json:"level"`
				BaselineState string            `json:"baselineState"`
				Fingerprints  map[string]string `json:"partialFingerprints"`
				Suppressions  []any             `json:"suppressions"`
				Fixes         []any             `json:"fixes"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	rules := doc.Runs[0].Tool.Driver.Rules
	for _, res := range doc.Runs[0].Results {
		states[res.BaselineState]++
		if rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("%s points at rule %s", res.RuleID, rules[res.RuleIndex].ID)
		}
		switch res.BaselineState {
		case "unchanged":
			if res.Fingerprints["tfreview/v2"] != unchanged || len(res.Suppressions) != 0 {
				t.Errorf("unchanged result %+v: want the old finding, not a suppression (code scanning would dismiss it)", res)
			}
		case "absent":
			if res.RuleID != "AVD-AWS-0001" || res.Kind != "pass" || res.Level != "none" || len(res.Fixes) != 0 {
				t.Errorf("absent result %+v", res)
			}
		case "new":
			if len(res.Suppressions) != 0 {
				t.Errorf("new result with suppressions %+v", res)
			}
		case "":
			if len(res.Suppressions) != 1 {
				t.Errorf("result without baselineState is not the ignored one: %+v", res)
			}
		}
	}
	// testReport: 5 findings, one ignored by a comment.
	if states["new"] != 3 || states["unchanged"] != 1 || states["absent"] != 1 || states[""] != 0 {
		t.Errorf("baseline states %v, want 3 new, 1 unchanged, 1 absent (the ignored one only with --show-ignored)", states)
	}
	if _, err := sarif.FromBytes(out); err != nil {
		t.Errorf("go-sarif cannot read it back: %v", err)
	}
	if _, err := parser.NewSarifParser().Parse(bytes.NewReader(out)); err != nil {
		t.Errorf("reviewdog cannot parse it: %v", err)
	}

	// Without --new-since nothing changes: no baselineState at all.
	r.Comparison = nil
	if bytes.Contains(format(t, "sarif", Options{}, r), []byte("baselineState")) {
		t.Error("baselineState without a comparison")
	}
}
