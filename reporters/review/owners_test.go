package review

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/reviewdog/reviewdog/filter"

	"github.com/tfreview/tfreview/finding"
)

func TestCodeOwnersMatching(t *testing.T) {
	co, err := ParseCodeOwners(strings.NewReader(`# comment
*                    @org/everyone
*.tf                 @org/terraform   # trailing comment
/services/payments/  @org/payments
docs/*               docs@example.com
apps/                @org/apps
/services/payments/legacy/
**/logs              @org/logging
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"README.md", []string{"@org/everyone"}},
		{"main.tf", []string{"@org/terraform"}},
		{"x/y/z.tf", []string{"@org/terraform"}},
		{"services/payments/main.tf", []string{"@org/payments"}},
		{"services/payments/deep/x.tf", []string{"@org/payments"}},
		{"services/payments/legacy/x.tf", nil}, // explicit un-assignment, last match wins
		{"docs/a.md", []string{"docs@example.com"}},
		{"docs/sub/a.md", []string{"@org/everyone"}}, // docs/* does not recurse
		{"x/apps/y.tf", []string{"@org/apps"}},
		{"a/logs/b.tf", []string{"@org/logging"}},
	} {
		if got := co.Owners(tc.path); !slices.Equal(got, tc.want) {
			t.Errorf("Owners(%s) = %v, want %v", tc.path, got, tc.want)
		}
	}
}

func TestLoadCodeOwnersOrder(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, ".github"), 0o755)
	os.MkdirAll(filepath.Join(dir, "docs"), 0o755)
	os.WriteFile(filepath.Join(dir, "docs", "CODEOWNERS"), []byte("* @docs\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "CODEOWNERS"), []byte("* @root\n"), 0o644)
	co, name, err := LoadCodeOwners(dir)
	if err != nil || name != "CODEOWNERS" || !slices.Equal(co.Owners("x"), []string{"@root"}) {
		t.Errorf("got %v %q %v", co, name, err)
	}
	os.WriteFile(filepath.Join(dir, ".github", "CODEOWNERS"), []byte("* @gh\n"), 0o644)
	if _, name, _ := LoadCodeOwners(dir); name != ".github/CODEOWNERS" {
		t.Errorf("name = %q", name)
	}
	if co, _, err := LoadCodeOwners(t.TempDir()); co != nil || err != nil {
		t.Error("no CODEOWNERS should be nil, nil")
	}
}

func TestOwnerRules(t *testing.T) {
	fs := []finding.Finding{
		{RuleID: "A", Severity: finding.SeverityCritical, Range: finding.Range{File: "net/main.tf", Start: finding.Position{Line: 1}}},
		{RuleID: "B", Severity: finding.SeverityHigh, Range: finding.Range{File: "services/payments/db.tf", Start: finding.Position{Line: 1}}},
		{RuleID: "C", Severity: finding.SeverityLow, Range: finding.Range{File: "services/payments/db.tf", Start: finding.Position{Line: 2}}},
	}
	gs := GroupItems(NewScope(nil, 1, "", filter.ModeNoFilter).Mark(fs))
	rules := []OwnerRule{
		{Severity: finding.SeverityCritical, Mention: []string{"@org/sre"}, Labels: []string{"security:critical"}},
		{Severity: finding.SeverityHigh, Paths: []string{"services/payments/**"}, Mention: []string{"@org/payments"}},
	}
	o := WhoMustAct(gs, rules, "")
	var who []string
	for _, a := range o.Assignments {
		who = append(who, a.Owner+": "+a.Reason)
	}
	want := []string{"@org/sre: 1 finding, worst CRITICAL", "@org/payments: 1 finding, worst HIGH"}
	if !slices.Equal(who, want) || !slices.Equal(o.Labels, []string{"security:critical"}) {
		t.Errorf("got %v %v", who, o.Labels)
	}
}

func TestOwnerRuleValidate(t *testing.T) {
	for _, bad := range []OwnerRule{
		{Mention: []string{"@org/team](http://x)"}},
		{Mention: []string{"org"}},
		{Mention: []string{"@a"}, Paths: []string{"[unclosed"}},
		{Labels: []string{"two\nlines"}},
		{Paths: []string{"x/**"}},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	good := OwnerRule{Severity: finding.SeverityHigh, Paths: []string{"services/**"}, Mention: []string{"@user", "@org/team-a.b_c"}, Labels: []string{"security:high"}}
	if err := good.Validate(); err != nil {
		t.Error(err)
	}
}
