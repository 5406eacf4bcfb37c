package trivyadapter_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/trivyadapter"
)

// planFindings scans testdata/plan/plan.json with Trivy's checks and maps
// the findings, with the source tree when withSource.
func planFindings(t *testing.T, withSource bool) []finding.Finding {
	t.Helper()
	ctx := context.Background()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "plan", "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := trivyadapter.LoadPlan(ctx, data, trivyadapter.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := trivyadapter.NewEngine(trivyadapter.EngineOptions{Providers: []string{"aws"}})
	if err != nil {
		t.Fatal(err)
	}
	found, err := e.Scan(ctx, plan.Root)
	if err != nil {
		t.Fatal(err)
	}
	var syntax map[string]*hcl.File
	sources := map[string][]byte{}
	if withSource {
		syntax = map[string]*hcl.File{}
		src := os.DirFS(filepath.Join("..", "..", "testdata", "plan", "src"))
		_ = fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".tf") {
				return err
			}
			b, err := fs.ReadFile(src, p)
			if err != nil {
				return err
			}
			f, diags := hclsyntax.ParseConfig(b, p, hcl.InitialPos)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			syntax[p], sources[p] = f, b
			return nil
		})
	}
	plan.Locate(found, "plan.json", syntax, sources)
	return found
}

// find returns the findings of rule on resource.
func find(fs []finding.Finding, rule, resource string) []finding.Finding {
	var out []finding.Finding
	for _, f := range fs {
		if f.RuleID == rule && f.Resource == resource {
			out = append(out, f)
		}
	}
	return out
}

// TestPlanFindingsAtSourceLines: planned values are checked (the ingress
// CIDR comes from a variable with no default, known only to the plan), and
// each finding carries the plan's resource address and points at the HCL
// that declares it: through module.app -> module.bucket for the count
// instances, at the module call for the registry module.
func TestPlanFindingsAtSourceLines(t *testing.T) {
	found := planFindings(t, true)
	type want struct {
		rule, resource, file string
		line                 int
		calls                int
	}
	for _, w := range []want{
		{"AWS-0107", "aws_security_group.web", "main.tf", 14, 0},                                       // cidr_blocks = [var.allowed_cidr]
		{"AWS-0090", "module.app.module.bucket.aws_s3_bucket.this[0]", "modules/bucket/main.tf", 5, 2}, // resource block
		{"AWS-0090", "module.app.module.bucket.aws_s3_bucket.this[1]", "modules/bucket/main.tf", 5, 2},
		{"AWS-0178", "module.vpc.aws_vpc.this[0]", "main.tf", 22, 0}, // registry module: its call
	} {
		got := find(found, w.rule, w.resource)
		if len(got) != 1 {
			t.Errorf("%s on %s: %d findings, want 1", w.rule, w.resource, len(got))
			continue
		}
		f := got[0]
		if f.Range.File != w.file || f.Range.Start.Line != w.line || len(f.CallSites) != w.calls {
			t.Errorf("%s on %s at %s:%d with %d call sites, want %s:%d with %d", w.rule, w.resource, f.Range.File, f.Range.Start.Line, len(f.CallSites), w.file, w.line, w.calls)
		}
	}
	if got := find(found, "AWS-0090", "aws_s3_bucket.old"); len(got) != 0 {
		t.Errorf("a resource the plan deletes was checked: %v", got)
	}
	for _, f := range found {
		if strings.HasPrefix(f.Range.File, "plan-") {
			t.Errorf("finding left on a generated file: %+v", f)
		}
	}
}

// TestPlanFindingsWithoutSource: without the source tree, findings carry
// the address and the plan file, at the line of the resource's change.
func TestPlanFindingsWithoutSource(t *testing.T) {
	found := planFindings(t, false)
	got := find(found, "AWS-0090", "module.app.module.bucket.aws_s3_bucket.this[1]")
	if len(got) != 1 {
		t.Fatalf("got %d findings, want 1", len(got))
	}
	data, _ := os.ReadFile(filepath.Join("..", "..", "testdata", "plan", "plan.json"))
	lines := strings.Split(string(data), "\n")
	f := got[0]
	if f.Range.File != "plan.json" || f.Range.Start.Line < 1 || !strings.Contains(lines[f.Range.Start.Line-1], `"address": "module.app.module.bucket.aws_s3_bucket.this[1]"`) {
		t.Errorf("at %s:%d, want plan.json at the resource change", f.Range.File, f.Range.Start.Line)
	}
}
