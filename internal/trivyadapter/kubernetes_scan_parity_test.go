//go:build goexperiment.jsonv2

// Run with
//
//	GOEXPERIMENT=jsonv2 go test ./internal/trivyadapter -run TestKubernetesScanParityWithTrivy

package trivyadapter_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aquasecurity/trivy/pkg/iac/rego"
	"github.com/aquasecurity/trivy/pkg/iac/scanners/kubernetes"

	"github.com/tfreview/tfreview/internal/trivyadapter"
	"github.com/tfreview/tfreview/scanner"
)

// TestKubernetesScanParityWithTrivy is the "done when": on a tree
// with Terraform and Kubernetes YAML, every KSV finding of Trivy's own
// Kubernetes scanner (what `trivy config` runs on the YAML) is reported
// by a full `tfreview scan` of the tree, at the same file and line —
// through root discovery, Terraform evaluation, folding of the built-in
// checks and ignores (a finding under a trivy:ignore comment, which
// trivy config does not apply to Kubernetes YAML, counts when it is
// reported as suppressed). TFREVIEW_K8S_PARITY_DIR names another tree.
func TestKubernetesScanParityWithTrivy(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "kubernetes")
	minFindings := 10
	if d := os.Getenv("TFREVIEW_K8S_PARITY_DIR"); d != "" {
		dir, minFindings = d, 1
	}
	fsys := os.DirFS(dir)
	results, err := kubernetes.NewScanner(rego.WithEmbeddedPolicies(true), rego.WithEmbeddedLibraries(true)).ScanFS(t.Context(), fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, r := range results.GetFailed() {
		file := r.Range().GetFilename()
		src, err := fs.ReadFile(fsys, file)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, fmt.Sprintf("%s %s:%d", r.Rule().ID, file, trivyadapter.TrivyLineInFile(string(src), r.Range().GetStartLine())))
	}
	if len(want) < minFindings {
		t.Fatalf("Trivy reported only %d findings: %v", len(want), want)
	}
	rep, err := scanner.Scan(context.Background(), scanner.Options{Paths: []string{dir}, BaseDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var got, fromHCL []string
	for _, f := range rep.Findings {
		if !strings.HasPrefix(f.RuleID, "KSV") && !strings.HasPrefix(f.RuleID, "KCV") {
			continue
		}
		key := fmt.Sprintf("%s %s:%d", f.RuleID, f.Range.File, f.Range.Start.Line)
		if strings.HasSuffix(f.Range.File, ".tf") {
			fromHCL = append(fromHCL, key)
			continue
		}
		got = append(got, key)
	}
	var missing []string
	for _, w := range want {
		if !slices.Contains(got, w) {
			missing = append(missing, w)
		}
	}
	if len(missing) > 0 {
		t.Errorf("Trivy's findings not reported by tfreview scan: %v\ntfreview (YAML): %v", missing, got)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("tfreview reports YAML findings Trivy does not:\ntfreview: %v\ntrivy:    %v", got, want)
	}
	if os.Getenv("TFREVIEW_K8S_PARITY_DIR") == "" && len(fromHCL) == 0 {
		t.Error("no KSV finding on the fixture's Terraform: the tree is not Terraform and YAML")
	}
	t.Logf("Trivy %d = tfreview %d on YAML; tfreview also %d on Terraform-declared objects", len(want), len(got), len(fromHCL))
}
