package scanner_test

import (
	"context"
	"os"
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

// TestHostilePlanIsReportedNotFatal: a plan that cannot be read is a
// TFR-PARSE finding at the plan file's line and column, naming the file;
// the source tree's other inputs (a Kubernetes manifest, a .tf file that
// does not parse) are still reported. A plan that cannot be opened stays
// an error.
func TestHostilePlanIsReportedNotFatal(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	manifest, err := os.ReadFile(filepath.Join("..", "testdata", "kubernetes", "manifests", "web.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"plan.json":          "{\"format_version\": \"1.2\",\n  \"resource_changes\": {\"a\": 1}}\n",
		"src/main.tf":        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n",
		"src/broken.tf":      "resource \"aws_s3_bucket\" {\n",
		"src/k8s/web.yaml":   string(manifest),
		"src/k8s/.keep.yaml": "",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	planFile := filepath.Join(dir, "plan.json")
	rep, err := scanner.Scan(context.Background(), scanner.Options{Paths: []string{src}, BaseDir: dir, PlanFile: planFile})
	if err != nil {
		t.Fatalf("a hostile plan failed the scan: %v", err)
	}
	var planErr, brokenTF, ksv bool
	for _, f := range rep.Findings {
		switch {
		case f.RuleID == scanner.ParseRuleID && f.Range.File == "plan.json":
			planErr = f.Range.Start.Line == 2 && f.Range.Start.Column == 23 && strings.Contains(f.Message, planFile) && strings.Contains(f.Message, "cannot unmarshal object")
			if !planErr {
				t.Errorf("plan error at %d:%d: %s", f.Range.Start.Line, f.Range.Start.Column, f.Message)
			}
		case f.RuleID == scanner.ParseRuleID && f.Range.File == "src/broken.tf":
			brokenTF = true
		case f.RuleID == "KSV-0009" && f.Range.File == "src/k8s/web.yaml":
			ksv = true
		}
	}
	if !planErr || !brokenTF || !ksv {
		t.Errorf("plan error %v, broken .tf %v, KSV-0009 on the manifest %v; want all", planErr, brokenTF, ksv)
	}
	if _, err := scanner.Scan(context.Background(), scanner.Options{Paths: []string{src}, BaseDir: dir, PlanFile: filepath.Join(dir, "missing.json")}); err == nil {
		t.Error("a missing plan file is not an error")
	}
}
