package rules_test

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/fixes"
	"github.com/tfreview/tfreview/rules"
	"github.com/tfreview/tfreview/scanner"
)

var update = flag.Bool("update", false, "rewrite the .golden files of fixable rules")

func TestRegistryIsValid(t *testing.T) {
	if err := rules.Validate(rules.All()); err != nil {
		t.Fatal(err)
	}
	if n := len(rules.All()); n < 25 {
		t.Errorf("%d built-in checks, want at least 25", n)
	}
}

var wantRE = regexp.MustCompile(`(?:#|//)\s*want "([^"]+)"`)

// sourceFile reports whether a fixture file is Terraform the scanner reads.
func sourceFile(name string) bool {
	return strings.HasSuffix(name, ".tf") || strings.HasSuffix(name, ".tfvars") || strings.HasSuffix(name, ".tf.json")
}

// wants returns "file:line ID" for every `# want "ID"` marker below dir.
func wants(t *testing.T, dir string) map[string]int {
	t.Helper()
	out := map[string]int{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !sourceFile(p) {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		for i, line := range strings.Split(string(data), "\n") {
			for _, m := range wantRE.FindAllStringSubmatch(line, -1) {
				out[fmt.Sprintf("%s:%d %s", filepath.ToSlash(rel), i+1, m[1])]++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// fixture copies the rule's testdata into a temporary directory: for the
// bad case everything but good.tf, for the good case good.tf alone. Checks
// that look at a whole root module (TFR-TF-004) need them apart.
func fixture(t *testing.T, src string, good bool) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.HasSuffix(rel, ".golden") || (good != (rel == "good.tf")) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// testConfig turns on every configurable check for the fixtures.
var testConfig = rules.Config{RequiredTags: []string{"owner", "cost-center"}, AllowedRegions: []string{"eu-west-1", "eu-central-1"}, RequireImageDigest: true}

func scanRule(t *testing.T, dir, id string) finding.Report {
	t.Helper()
	rep, err := scanner.Scan(context.Background(), scanner.Options{
		Paths: []string{dir}, BaseDir: dir, Engines: []string{scanner.EngineBuiltin},
		Checks: []string{id}, RulesConfig: testConfig,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Engine == finding.EngineCore {
			t.Errorf("%s:%d: %s %s", f.Range.File, f.Range.Start.Line, f.RuleID, f.Message)
		}
	}
	return rep
}

// TestRules runs every registered rule over testdata/rules/<ID>: bad.tf
// (with any other fixture files) must produce exactly the findings its
// `# want "<ID>"` markers name, good.tf none. Unexpected and missing findings
// both fail with file:line. Fixable rules also apply their fixes and
// compare the result with <file>.golden.
func TestRules(t *testing.T) {
	for _, r := range rules.All() {
		t.Run(r.ID, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join("..", "testdata", "rules", r.ID)
			for _, name := range []string{"bad.tf", "good.tf"} {
				if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
					t.Fatalf("every rule needs testdata: %v", err)
				}
			}
			bad := fixture(t, dir, false)
			rep := scanRule(t, bad, r.ID)
			want := wants(t, bad)
			got := map[string]int{}
			for _, f := range rep.Findings {
				if f.Engine == finding.EngineCore {
					continue
				}
				got[fmt.Sprintf("%s:%d %s", f.Range.File, f.Range.Start.Line, f.RuleID)]++
				checkFinding(t, r, f)
			}
			var problems []string
			for k, n := range want {
				if got[k] < n {
					problems = append(problems, "missing: "+k)
				}
			}
			for k, n := range got {
				if want[k] < n {
					problems = append(problems, "unexpected: "+k)
				}
			}
			sort.Strings(problems)
			for _, p := range problems {
				t.Error(p)
			}
			if len(want) == 0 {
				t.Error("bad.tf has no `# want` markers")
			}

			good := fixture(t, dir, true)
			for _, f := range scanRule(t, good, r.ID).Findings {
				t.Errorf("good.tf:%d: unexpected %s: %s", f.Range.Start.Line, f.RuleID, f.Message)
			}

			checkFixes(t, r, dir, bad, rep)
		})
	}
}

// checkFinding asserts what every built-in finding must carry.
func checkFinding(t *testing.T, r *rules.Rule, f finding.Finding) {
	t.Helper()
	at := fmt.Sprintf("%s:%d", f.Range.File, f.Range.Start.Line)
	if f.Range.Start.Column == 0 {
		t.Errorf("%s: built-in finding without a column", at)
	}
	if f.Fingerprint == "" || f.Message == "" {
		t.Errorf("%s: finding lacks fingerprint or message: %+v", at, f)
	}
	// Only file-level findings (tfvars, a root module with no terraform
	// block) have no resource address.
	if f.Resource == "" && !strings.HasSuffix(f.Range.File, ".tfvars") && f.RuleID != "TFR-TF-004" {
		t.Errorf("%s: finding has no resource address", at)
	}
	if f.Fix != nil && !r.Fixable {
		t.Errorf("%s: rule is not marked Fixable but attached a fix", at)
	}
	if f.Fix == nil && r.Fixable && f.NoFixReason == "" {
		t.Errorf("%s: fixable rule offered no fix and no NoFixReason", at)
	}
	if f.Fix != nil {
		for _, e := range f.Fix.Edits {
			if e.Range.File != f.Range.File {
				t.Errorf("%s: fix edits another file, %s", at, e.Range.File)
			}
		}
	}
}

// checkFixes applies the rule's fixes to the bad fixture until none is
// left (fixes of one block can overlap and need a rescan), then compares
// every changed file with its .golden and checks the fixed findings are
// gone.
func checkFixes(t *testing.T, r *rules.Rule, dir, work string, rep finding.Report) {
	t.Helper()
	changed := map[string]bool{}
	for pass := 0; ; pass++ {
		var fs []*finding.Fix
		for _, f := range rep.Findings {
			if f.Fix != nil {
				fs = append(fs, f.Fix)
			}
		}
		if len(fs) == 0 {
			break
		}
		if pass == 10 {
			t.Fatalf("fixes still offered after %d passes: the fixes do not converge", pass)
		}
		src := map[string][]byte{}
		for _, fix := range fs {
			for _, e := range fix.Edits {
				data, err := os.ReadFile(filepath.Join(work, e.Range.File))
				if err != nil {
					t.Fatal(err)
				}
				src[e.Range.File] = data
			}
		}
		res, err := fixes.ApplyFixes(src, fs)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Applied) == 0 {
			t.Fatal("no fix could be applied")
		}
		for file, data := range res.Files {
			changed[file] = true
			if err := os.WriteFile(filepath.Join(work, file), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		rep = scanRule(t, work, r.ID)
	}
	var goldens []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".golden") {
			rel, _ := filepath.Rel(dir, strings.TrimSuffix(p, ".golden"))
			goldens = append(goldens, filepath.ToSlash(rel))
		}
		return nil
	})
	if r.Fixable && len(changed) == 0 {
		t.Error("rule is Fixable but no fix was applied to the bad fixture")
	}
	for file := range changed {
		got, _ := os.ReadFile(filepath.Join(work, file))
		golden := filepath.Join(dir, file+".golden")
		if *update {
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Errorf("%s was fixed but has no golden file (run go test ./rules -run TestRules -update): %v", file, err)
			continue
		}
		if string(got) != string(want) {
			t.Errorf("%s after fixes differs from %s.golden:\n--- got\n%s\n--- want\n%s", file, file, got, want)
		}
	}
	for _, g := range goldens {
		if !changed[g] && !*update {
			t.Errorf("%s.golden exists but no fix changed %s", g, g)
		}
	}
}

func TestRegistryIsInIDOrder(t *testing.T) {
	all := rules.All()
	for i := 1; i < len(all); i++ {
		if all[i-1].ID >= all[i].ID {
			t.Errorf("All() is not in ID order: %s before %s", all[i-1].ID, all[i].ID)
		}
	}
}
