package rules_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/rules"
	"github.com/tfreview/tfreview/scanner"
)

func TestRegistryIsValid(t *testing.T) {
	if err := rules.Validate(rules.All()); err != nil {
		t.Fatal(err)
	}
}

var wantRE = regexp.MustCompile(`(?:#|//)\s*want "([^"]+)"`)

// wants returns "file:line ID" for every `# want "ID"` marker in dir.
func wants(t *testing.T, dir string) map[string]int {
	t.Helper()
	out := map[string]int{}
	files, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			for _, m := range wantRE.FindAllStringSubmatch(line, -1) {
				out[fmt.Sprintf("%s:%d %s", filepath.Base(f), i+1, m[1])]++
			}
		}
	}
	return out
}

// TestRules runs every registered rule over testdata/rules/<ID>: bad.tf must
// produce exactly the findings its `# want "<ID>"` markers name, good.tf
// none. Unexpected and missing findings both fail with file:line.
func TestRules(t *testing.T) {
	for _, r := range rules.All() {
		t.Run(r.ID, func(t *testing.T) {
			dir := filepath.Join("..", "testdata", "rules", r.ID)
			for _, name := range []string{"bad.tf", "good.tf"} {
				if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
					t.Fatalf("every rule needs testdata: %v", err)
				}
			}
			cfg := rules.Config{RequiredTags: []string{"owner"}, AllowedRegions: []string{"eu-west-1"}, RequireImageDigest: true}
			rep, err := scanner.Scan(context.Background(), scanner.Options{
				Paths: []string{dir}, BaseDir: dir, Engines: []string{scanner.EngineBuiltin},
				Checks: []string{r.ID}, RulesConfig: cfg,
			})
			if err != nil {
				t.Fatal(err)
			}
			want := wants(t, dir)
			got := map[string]int{}
			for _, f := range rep.Findings {
				if f.Engine == finding.EngineCore {
					t.Errorf("%s:%d: %s %s", f.Range.File, f.Range.Start.Line, f.RuleID, f.Message)
					continue
				}
				got[fmt.Sprintf("%s:%d %s", f.Range.File, f.Range.Start.Line, f.RuleID)]++
				if f.Range.Start.Column == 0 {
					t.Errorf("%s:%d: built-in finding without a column", f.Range.File, f.Range.Start.Line)
				}
				if f.Resource == "" || f.Fingerprint == "" || f.Message == "" {
					t.Errorf("%s:%d: finding lacks resource, fingerprint or message: %+v", f.Range.File, f.Range.Start.Line, f)
				}
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
		})
	}
}
