//go:build goexperiment.jsonv2

// Trivy's Kubernetes scanner (its YAML parser) needs the jsonv2
// experiment to build, so this comparison runs with
//
//	GOEXPERIMENT=jsonv2 go test ./internal/trivyadapter -run TestKubernetesYAMLParityWithTrivy

package trivyadapter

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aquasecurity/trivy/pkg/iac/rego"
	"github.com/aquasecurity/trivy/pkg/iac/scanners/kubernetes"
)

// TestKubernetesYAMLParityWithTrivy runs Trivy's own Kubernetes scanner
// (what `trivy config` runs on YAML) and tfreview's path over the same
// manifests: both must report the same set of (ID, file, line).
// TFREVIEW_K8S_PARITY_DIR names another tree to compare on (the note on
// terraform-aws-eks was measured this way).
func TestKubernetesYAMLParityWithTrivy(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "kubernetes", "manifests")
	minFindings := 10
	if d := os.Getenv("TFREVIEW_K8S_PARITY_DIR"); d != "" {
		dir, minFindings = d, 1
	}
	fsys := os.DirFS(dir)
	trivy := kubernetes.NewScanner(rego.WithEmbeddedPolicies(true), rego.WithEmbeddedLibraries(true))
	results, err := trivy.ScanFS(t.Context(), fsys, ".")
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
		want = append(want, fmt.Sprintf("%s %s:%d", r.Rule().ID, file, trivyLineInFile(string(src), r.Range().GetStartLine())))
	}
	e, err := NewKubernetesEngine(KubernetesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && p != "." && strings.HasPrefix(d.Name(), ".") {
			return fs.SkipDir
		}
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			return err
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		objs, err := ParseKubernetesYAML(p, src)
		if err != nil {
			return err
		}
		for _, o := range objs {
			// Without the source: trivy config applies no inline ignores
			// to Kubernetes YAML, tfreview does (tested on its own).
			fs, err := e.Scan(t.Context(), o, nil)
			if err != nil {
				return err
			}
			for _, f := range fs {
				got = append(got, fmt.Sprintf("%s %s:%d", f.RuleID, f.Range.File, f.Range.Start.Line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	slices.Sort(got)
	if len(want) < minFindings {
		t.Fatalf("Trivy reported only %d findings on the fixture: %v", len(want), want)
	}
	if !slices.Equal(got, want) {
		t.Errorf("tfreview and Trivy differ\ntfreview: %v\ntrivy:    %v", got, want)
	}
	t.Logf("%d findings, equal: %v", len(got), got)
}

// trivyLineInFile corrects a line Trivy v0.74.0 reports in a multi-document
// file: its parser does not count the "---" separator lines (but a leading
// one), so lines in later documents are early by one per separator.
func trivyLineInFile(src string, line int) int {
	parts := regexp.MustCompile(`(?m:^---\r?\n)`).Split(src, -1)
	trivyOff, fileOff := 0, 0
	for i, part := range parts {
		n := strings.Count(part, "\n")
		trivyLines := n
		if part == "" {
			trivyLines = 1
		} else if part[len(part)-1] != '\n' {
			trivyLines++
		}
		if line <= trivyOff+trivyLines || i == len(parts)-1 {
			return line - trivyOff + fileOff
		}
		trivyOff += trivyLines
		fileOff += n + 1
	}
	return line
}

// TrivyLineInFile is trivyLineInFile for the scan-level parity test.
var TrivyLineInFile = trivyLineInFile
