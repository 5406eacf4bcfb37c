package rules_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/scanner"
)

// intentionalOverlaps lists built-in checks that may report at the same
// place as a Trivy check, with why that is not a duplicate. Key: built-in
// ID + " " + Trivy ID.
var intentionalOverlaps = map[string]string{
	// Trivy's Kubernetes checks report a missing field at the block that
	// lacks it; a container or pod spec written on one line shares that
	// line with other fields.
	"TFR-K8S-010 KSV-0001": "image tag/digest vs allowPrivilegeEscalation missing, same one-line container",
	"TFR-K8S-010 KSV-0003": "image tag/digest vs capabilities not dropped, same one-line container",
	"TFR-K8S-010 KSV-0011": "image tag/digest vs no CPU limit, same one-line container",
	"TFR-K8S-010 KSV-0012": "image tag/digest vs runAsNonRoot missing, same one-line container",
	"TFR-K8S-010 KSV-0014": "image tag/digest vs writable root filesystem, same one-line container",
	"TFR-K8S-010 KSV-0018": "image tag/digest vs no memory limit, same one-line container",
	"TFR-K8S-011 KSV-0030": "service account token automounted vs seccomp profile not set, both reported at the pod spec",
	"TFR-K8S-011 KSV-0104": "service account token automounted vs seccomp profile unconfined, both reported at the pod spec",
	"TFR-K8S-011 KSV-0118": "service account token automounted vs default security context, both reported at the pod spec",
}

// TestNoDuplicateOfTrivy runs both engines over every fixture directory and
// fails when a built-in finding is at the same place as a Trivy finding,
// unless the pair is listed in intentionalOverlaps. Built-in checks exist to
// cover what Trivy misses, not to report its findings twice.
//
// The same place: the same file and start line, where Trivy points at an
// attribute (its finding names an attribute path). A Trivy finding about a
// whole resource spans the block from its header, where built-in checks
// report a missing attribute (e.g. tags); those name different things and
// are counted separately as header coincidences.
func TestNoDuplicateOfTrivy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Trivy over every fixture")
	}
	var dirs []string
	top, _ := filepath.Glob(filepath.Join("..", "testdata", "*"))
	for _, d := range top {
		if filepath.Base(d) == "rules" {
			continue
		}
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			dirs = append(dirs, d)
		}
	}
	ruleDirs, _ := filepath.Glob(filepath.Join("..", "testdata", "rules", "*"))
	dirs = append(dirs, ruleDirs...)
	sort.Strings(dirs)
	used := map[string]bool{}
	headerAt := map[string]bool{}
	compared, header := 0, 0
	for _, dir := range dirs {
		rep, err := scanner.Scan(context.Background(), scanner.Options{
			Paths: []string{dir}, BaseDir: dir, RulesConfig: testConfig,
			Engines: []string{scanner.EngineTrivy, scanner.EngineBuiltin},
		})
		if err != nil {
			t.Errorf("%s: %v", dir, err)
			continue
		}
		trivyAt := map[string][]string{}
		for _, f := range rep.Findings {
			if f.Engine != finding.EngineTrivy {
				continue
			}
			k := fmt.Sprintf("%s:%d", f.Range.File, f.Range.Start.Line)
			if f.AttributePath == "" {
				headerAt[filepath.Base(dir)+"/"+k] = true
				continue
			}
			trivyAt[k] = append(trivyAt[k], f.RuleID)
		}
		for _, f := range rep.Findings {
			if f.Engine != finding.EngineBuiltin {
				continue
			}
			compared++
			k := fmt.Sprintf("%s:%d", f.Range.File, f.Range.Start.Line)
			if headerAt[filepath.Base(dir)+"/"+k] {
				header++
			}
			for _, tid := range trivyAt[k] {
				pair := f.RuleID + " " + tid
				if _, ok := intentionalOverlaps[pair]; ok {
					used[pair] = true
					continue
				}
				t.Errorf("%s/%s: %s and Trivy's %s report at the same place (%s); list the pair in intentionalOverlaps with a reason if this is not a duplicate",
					filepath.Base(dir), k, f.RuleID, tid, f.Message)
			}
		}
	}
	for pair := range intentionalOverlaps {
		if !used[pair] {
			t.Errorf("intentional overlap %q no longer occurs in the fixtures; remove it", pair)
		}
	}
	t.Logf("%d fixture directories, %d built-in findings compared with Trivy's (%d share a resource header with a whole-resource Trivy finding)",
		len(dirs), compared, header)
}
