package scanner

import (
	"slices"
	"testing"

	"github.com/tfreview/tfreview/rules"
)

func selectedIDs(t *testing.T, opts Options) []string {
	t.Helper()
	rs, err := selectRules(opts)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return ids
}

// TestPolicyRuleRunsOnlyWhenItsSettingIsSet: each policy rule asks its own
// setting; one policy setting no longer turns on every policy rule.
func TestPolicyRuleRunsOnlyWhenItsSettingIsSet(t *testing.T) {
	cases := []struct {
		name     string
		cfg      rules.Config
		want     []string
		dontWant []string
	}{
		{"none", rules.Config{}, nil, []string{rules.RequiredTags.ID, rules.AllowedRegions.ID}},
		{"regions only", rules.Config{AllowedRegions: []string{"eu-west-1"}}, []string{rules.AllowedRegions.ID}, []string{rules.RequiredTags.ID}},
		{"tags only", rules.Config{RequiredTags: []string{"owner"}}, []string{rules.RequiredTags.ID}, []string{rules.AllowedRegions.ID}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ids := selectedIDs(t, Options{RulesConfig: c.cfg})
			for _, id := range c.want {
				if !slices.Contains(ids, id) {
					t.Errorf("%s does not run", id)
				}
			}
			for _, id := range c.dontWant {
				if slices.Contains(ids, id) {
					t.Errorf("%s runs without its setting", id)
				}
			}
		})
	}
}

// TestChecksSelectionByIDAndAlias: --checks and disabled checks match a
// rule's ID and its slug alias, case-insensitively, and a policy rule named
// in --checks runs even unconfigured.
func TestChecksSelectionByIDAndAlias(t *testing.T) {
	ids := selectedIDs(t, Options{Checks: []string{"required-tags", "tfr-k8s-001"}})
	if !slices.Equal(ids, []string{"TFR-AWS-001", "TFR-K8S-001"}) {
		t.Errorf("--checks by alias and lower-case ID selected %v", ids)
	}
	ids = selectedIDs(t, Options{DisabledChecks: []string{"PRIVILEGED-CONTAINER"}})
	if slices.Contains(ids, "TFR-K8S-001") || len(ids) == 0 {
		t.Errorf("disabling by alias left %v", ids)
	}
}
