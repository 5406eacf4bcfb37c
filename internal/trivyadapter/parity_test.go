package trivyadapter_test

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aquasecurity/trivy/pkg/iac/rego"
	"github.com/aquasecurity/trivy/pkg/iac/scanners/terraform"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/scanner"
)

// fixtureDirs returns every directory directly under testdata/ that holds
// Terraform somewhere below it.
func fixtureDirs(t *testing.T) []string {
	t.Helper()
	root := filepath.Join("..", "..", "testdata")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		// trivy-misses holds what tfreview deliberately reports
		// differently from Trivy (corrections.go).
		if !e.IsDir() || e.Name() == "rules" || e.Name() == "fuzz" || e.Name() == "trivy-misses" {
			continue
		}
		dir := filepath.Join(root, e.Name())
		has := false
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".tf") || strings.HasSuffix(p, ".tf.json")) {
				has = true
			}
			return nil
		})
		if has {
			dirs = append(dirs, dir)
		}
	}
	if len(dirs) < 3 {
		t.Fatalf("expected at least 3 fixtures under testdata, got %v", dirs)
	}
	return dirs
}

// autoTFVars lists, for Trivy, the tfvars Terraform would load in each
// directory: Trivy takes explicit paths only.
func autoTFVars(t *testing.T, dir string) []string {
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b := d.Name()
		if b == "terraform.tfvars" || strings.HasSuffix(b, ".auto.tfvars") {
			rel, _ := filepath.Rel(dir, p)
			if !strings.Contains(rel, "broken") { // invalid tfvars make Trivy skip the root
				out = append(out, filepath.ToSlash(rel))
			}
		}
		return nil
	})
	sort.Strings(out)
	return out
}

type key struct {
	ID         string
	File       string
	Start, End int
	Resource   string
}

// TestTrivyParity checks that the trivy engine reports exactly what Trivy's
// own terraform.Scanner.ScanFS reports for every fixture: same check ID,
// file, start and end line (and resource).
func TestTrivyParity(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			ctx := context.Background()
			s := terraform.New(
				rego.WithEmbeddedPolicies(true),
				rego.WithEmbeddedLibraries(true),
				terraform.ScannerWithAllDirectories(true),
				terraform.ScannerWithDownloadsAllowed(false),
				terraform.ScannerWithTFVarsPaths(autoTFVars(t, dir)...),
			)
			results, err := s.ScanFS(ctx, os.DirFS(dir), ".")
			if err != nil {
				t.Fatal(err)
			}
			want := map[key]bool{}
			for _, r := range results.GetFailed() {
				rng := r.Range()
				want[key{r.Rule().ID, path.Clean(rng.GetFilename()), rng.GetStartLine(), rng.GetEndLine(), ""}] = true
			}

			rep, err := scanner.Scan(ctx, scanner.Options{Paths: []string{dir}, BaseDir: dir, Engines: []string{scanner.EngineTrivy}})
			if err != nil {
				t.Fatal(err)
			}
			got := map[key]bool{}
			for _, f := range rep.Findings {
				// Trivy honours trivy: and tfsec: ignores, not tfreview's own.
				if f.Engine != finding.EngineTrivy || f.Suppressed != nil && f.Suppressed.Kind != "tfreview" {
					continue
				}
				// Kubernetes (KSV) findings come from Trivy's Kubernetes
				// checks, which its Terraform scanner does not run:
				// TestKubernetesYAMLParityWithTrivy compares those.
				if strings.HasPrefix(f.RuleID, "KSV-") {
					continue
				}
				got[key{f.RuleID, f.Range.File, f.Range.Start.Line, f.Range.End.Line, ""}] = true
			}
			var missing, extra []string
			for k := range want {
				if !got[k] {
					missing = append(missing, fmt.Sprint(k))
				}
			}
			for k := range got {
				if !want[k] {
					extra = append(extra, fmt.Sprint(k))
				}
			}
			slices.Sort(missing)
			slices.Sort(extra)
			if len(missing)+len(extra) > 0 {
				t.Errorf("trivy engine differs from Trivy's ScanFS on %s\nmissing (Trivy has, we don't): %v\nextra (we have, Trivy doesn't): %v", dir, missing, extra)
			}
			if strings.HasSuffix(dir, "insecure") && len(want) < 20 {
				t.Errorf("insecure fixture: Trivy found only %d findings; fixture broken?", len(want))
			}
			t.Logf("%s: %d Trivy findings, %d tfreview trivy-engine findings", dir, len(want), len(got))
		})
	}
}
