package scanner_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/scanner"
)

// TestPlanScanMapsToSource: `scan --plan plan.json src` reports the plan's
// findings at the HCL lines of src (relative to the base directory) with
// the plan's resource addresses, and none on the generated input.
func TestPlanScanMapsToSource(t *testing.T) {
	dir := filepath.Join("..", "testdata", "plan")
	rep, err := scanner.Scan(context.Background(), scanner.Options{
		Paths: []string{filepath.Join(dir, "src")}, BaseDir: dir, PlanFile: filepath.Join(dir, "plan.json"),
	})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range rep.Findings {
		if strings.Contains(f.Range.File, "plan-") {
			t.Errorf("finding on a generated file: %s %s", f.RuleID, f.Range.File)
		}
		if f.RuleID == "AWS-0090" && f.Resource == "module.app.module.bucket.aws_s3_bucket.this[1]" {
			found = true
			if f.Range.File != "src/modules/bucket/main.tf" || f.Range.Start.Line != 5 || len(f.CallSites) != 2 || f.CallSites[0].Range.File != "src/main.tf" {
				t.Errorf("AWS-0090 at %s:%d via %v, want src/modules/bucket/main.tf:5 via src/main.tf", f.Range.File, f.Range.Start.Line, f.CallSites)
			}
		}
	}
	if !found {
		t.Errorf("no AWS-0090 finding on the second count instance of the nested module")
	}
	if _, ok := rep.Sources["src/modules/bucket/main.tf"]; !ok {
		t.Errorf("report sources lack the mapped file")
	}
}
