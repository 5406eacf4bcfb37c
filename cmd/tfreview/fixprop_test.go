package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/rules"
	"github.com/tfreview/tfreview/scanner"
)

// TestTrivyFixesOnTrivyExamples is a property test over Trivy's own bad
// Terraform examples (the .yaml beside each check in the trivy-checks
// module): for every check with a fixer, fixing each bad example makes the
// check pass, adds no new finding, and leaves HCL that parses.
func TestTrivyFixesOnTrivyExamples(t *testing.T) {
	// Slow and independent: runs beside the other slow tests.
	t.Parallel()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aquasecurity/trivy-checks").Output()
	if err != nil {
		t.Fatalf("locate trivy-checks: %v", err)
	}
	checksDir := filepath.Join(strings.TrimSpace(string(out)), "checks", "cloud")
	examples := map[string][]string{} // check ID -> bad examples
	err = filepath.WalkDir(checksDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") || strings.HasSuffix(p, "_test.rego") {
			return err
		}
		rego, _ := os.ReadFile(p)
		id := ""
		for _, line := range strings.Split(string(rego), "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "#   id: "); ok {
				id = strings.TrimSpace(v)
				break
			}
		}
		if !rules.TrivyFixable(id) {
			return nil
		}
		data, err := os.ReadFile(strings.TrimSuffix(p, ".rego") + ".yaml")
		if err != nil {
			return nil
		}
		var ex struct {
			Terraform struct {
				Bad []string `yaml:"bad"`
			} `yaml:"terraform"`
		}
		if err := yaml.Unmarshal(data, &ex); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		examples[id] = append(examples[id], ex.Terraform.Bad...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 0, len(examples))
	for id := range examples {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if len(ids) < 15 {
		t.Fatalf("found examples for only %d fixable checks: %v", len(ids), ids)
	}
	ctx := context.Background()
	exercised, fixed, noFix, notRun := 0, 0, 0, 0
	for _, id := range ids {
		for i, src := range examples[id] {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			scan := func() finding.Report {
				rep, err := scanner.Scan(ctx, scanner.Options{Paths: []string{dir}, BaseDir: dir, Engines: []string{scanner.EngineTrivy}})
				if err != nil {
					t.Fatal(err)
				}
				return rep
			}
			before := scan()
			offered, reported := false, false
			var why []string
			for _, f := range before.Findings {
				if f.RuleID == id {
					reported = true
					offered = offered || f.Fix != nil
					why = append(why, f.NoFixReason)
				}
			}
			if !reported {
				// Deprecated checks (AWS-0088) do not run by default.
				notRun++
				continue
			}
			exercised++
			if !offered {
				noFix++
				t.Errorf("%s example %d: the check fails but no fix was offered (%q)", id, i, why)
				continue
			}
			if _, err := runFix(ctx, scanner.Options{Paths: []string{dir}, Engines: []string{scanner.EngineTrivy}}, []string{id}, allFixClasses(t), false, &strings.Builder{}, &strings.Builder{}); err != nil {
				t.Fatalf("%s example %d: %v", id, i, err)
			}
			after := scan()
			old := map[string]bool{}
			for _, f := range before.Findings {
				old[f.Fingerprint] = true
			}
			for _, f := range after.Findings {
				switch {
				case f.RuleID == scanner.ParseRuleID:
					t.Errorf("%s example %d: fixed HCL does not parse: %s", id, i, f.Message)
				case f.RuleID == id:
					t.Errorf("%s example %d: still failing after the fix", id, i)
				case !old[f.Fingerprint]:
					t.Errorf("%s example %d: the fix introduced %s (%s)", id, i, f.RuleID, f.Message)
				}
			}
			fixed++
		}
	}
	t.Logf("%d fixable Trivy checks, %d bad examples exercised: %d fixed and verified, %d offered no fix; %d examples of checks that do not run by default skipped",
		len(ids), exercised, fixed, noFix, notRun)
}

func allFixClasses(t *testing.T) map[string]bool {
	t.Helper()
	set, err := fixClassSet([]string{"all"})
	if err != nil {
		t.Fatal(err)
	}
	return set
}
