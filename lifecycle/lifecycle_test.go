package lifecycle

import (
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tfreview/tfreview/finding"
)

func f(rule, file, addr string, sev finding.Severity) finding.Finding {
	return finding.Finding{RuleID: rule, Severity: sev, Resource: addr, Range: finding.Range{File: file, Start: finding.Position{Line: 1}}}
}

// TestKeyOfGroupsInstancesAndModuleCalls: count/for_each instances and
// calls of one module share a key; another check, another resource or
// another module directory do not.
func TestKeyOfGroupsInstancesAndModuleCalls(t *testing.T) {
	base := KeyOf(f("R1", "modules/app/main.tf", "module.a.aws_s3_bucket.b", finding.SeverityHigh))
	for _, same := range []finding.Finding{
		f("R1", "modules/app/main.tf", `module.a["x"].aws_s3_bucket.b[0]`, finding.SeverityHigh),
		f("R1", "modules/app/main.tf", `module.other.aws_s3_bucket.b["k]ey"]`, finding.SeverityHigh),
		f("R1", "modules/app/other.tf", "module.a.aws_s3_bucket.b", finding.SeverityHigh),
	} {
		if KeyOf(same) != base {
			t.Errorf("%s %s: key differs", same.Range.File, same.Resource)
		}
	}
	for _, other := range []finding.Finding{
		f("R2", "modules/app/main.tf", "module.a.aws_s3_bucket.b", finding.SeverityHigh),
		f("R1", "modules/app/main.tf", "module.a.aws_s3_bucket.c", finding.SeverityHigh),
		f("R1", "modules/db/main.tf", "module.a.aws_s3_bucket.b", finding.SeverityHigh),
	} {
		if KeyOf(other) == base {
			t.Errorf("%s %s %s: same key", other.RuleID, other.Range.File, other.Resource)
		}
	}
	if got := instanceFree(`module.a["x]y"].aws_s3_bucket.b[0]`); got != "module.a.aws_s3_bucket.b" {
		t.Errorf("instanceFree = %q", got)
	}
}

// TestReconcile covers every action of the plan.
func TestReconcile(t *testing.T) {
	fs := []finding.Finding{
		f("NEW", "a.tf", "x.new", finding.SeverityLow),
		f("SAME", "a.tf", "x.same", finding.SeverityLow),
		f("CHANGED", "a.tf", "x.changed", finding.SeverityLow),
		f("BACK", "a.tf", "x.back", finding.SeverityLow),
		f("ACCEPT", "a.tf", "x.accept", finding.SeverityLow),
	}
	fs[4].Suppressed = &finding.Suppression{Kind: "tfreview", Reason: "ok"}
	gs := GroupFindings(fs)
	key := map[string]Group{}
	for _, g := range gs {
		key[g.RuleID] = g
	}
	tickets := []Ticket{
		{Key: key["SAME"].Key, Digest: key["SAME"].Digest(), ID: "1", Open: true},
		{Key: key["CHANGED"].Key, Digest: "old", ID: "2", Open: true},
		{Key: key["BACK"].Key, Digest: key["BACK"].Digest(), ID: "3", Open: false},
		{Key: key["ACCEPT"].Key, ID: "4", Open: true},
		{Key: "gone", ID: "5", Open: true},
		{Key: "gone-long-ago", ID: "6", Open: false},
	}
	p := Reconcile(gs, tickets, "abc")
	want := map[string]Action{"NEW": Create, "SAME": Unchanged, "CHANGED": Update, "BACK": Reopen, "ACCEPT": Accept}
	for _, c := range p.Changes {
		if c.Group == nil {
			if c.Key != "gone" || c.Action != Close {
				t.Errorf("ticket %s: %s", c.Ticket.ID, c.Action)
			}
			continue
		}
		if c.Action != want[c.Group.RuleID] {
			t.Errorf("%s: %s, want %s", c.Group.RuleID, c.Action, want[c.Group.RuleID])
		}
	}
	if len(p.Changes) != 6 {
		t.Errorf("%d changes, want 6", len(p.Changes))
	}
}

// TestRouteSeverities: exact, at-or-above and range rules, first match
// wins, unknown keys are an error.
func TestRouteSeverities(t *testing.T) {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(`
routes:
  - severity: CRITICAL
    owner: sre
  - severity: HIGH
    owner: product
  - severity: LOW..MEDIUM
    owner: backlog
`), &n); err != nil {
		t.Fatal(err)
	}
	s, err := ParseSettings(&n)
	if err != nil {
		t.Fatal(err)
	}
	rt := Router{Settings: s}
	for sev, want := range map[finding.Severity]string{finding.SeverityCritical: "sre", finding.SeverityHigh: "product", finding.SeverityMedium: "backlog", finding.SeverityLow: "backlog"} {
		gs := []Group{{Severity: sev}}
		rt.Route(gs)
		if gs[0].Route.Owner != want {
			t.Errorf("%s routed to %q, want %q", sev, gs[0].Route.Owner, want)
		}
	}
	var bad yaml.Node
	_ = yaml.Unmarshal([]byte("routes:\n  - severty: HIGH\n"), &bad)
	if _, err := ParseSettings(&bad); err == nil {
		t.Error("a misspelt key is accepted")
	}
	_ = yaml.Unmarshal([]byte("routes:\n  - mention: ['[x](http://e)']\n"), &bad)
	if _, err := ParseSettings(&bad); err == nil {
		t.Error("a Markdown mention is accepted")
	}
}
