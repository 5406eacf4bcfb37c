package rules

import (
	"slices"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/tfreview/tfreview/finding"
)

// CapabilitiesNotDropped: the Restricted Pod Security Standard requires
// dropping ALL capabilities.
var CapabilitiesNotDropped = &Rule{
	ID:       "TFR-K8S-007",
	Slug:     "capabilities-not-dropped",
	Severity: finding.SeverityMedium,
	Title:    "Container does not drop all capabilities",
	Explanation: "Container runtimes grant a default set of capabilities (including NET_RAW, which allows ARP and " +
		"DNS spoofing on the pod network). The Restricted Pod Security Standard requires `drop = [\"ALL\"]`, adding " +
		"back only NET_BIND_SERVICE if needed.",
	Resolution: "Set `capabilities { drop = [\"ALL\"] }` in the container's `security_context` and add back only what " +
		"the process needs.",
	Provider:   "kubernetes",
	Service:    "workloads",
	References: []string{"https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted"},
	Fixable:    true,
	Check:      checkCapabilitiesDropped,
}

func checkCapabilitiesDropped(p *Pass) {
	const desc = `Drop all capabilities: drop = ["ALL"]`
	all := cty.ListVal([]cty.Value{cty.StringVal("ALL")})
	for _, pd := range workloads(p.Project) {
		for _, c := range pd.containers() {
			who := c.label + " of " + resName(pd.res)
			sc := c.child("security_context")
			caps := child(sc, "capabilities")
			var drop *kattr
			if caps != nil {
				drop = caps.attr("drop")
			}
			switch {
			case drop != nil:
				list, ok := stringList(drop.Value)
				if !ok || slices.ContainsFunc(list, func(s string) bool { return strings.EqualFold(s, "ALL") }) {
					continue
				}
				fix, why := drop.setFix(all, desc)
				reportK8sAttr(p, drop, who+` does not drop "ALL" capabilities`, fix, why)
			case sc == nil && c.unsure("security_context"), sc != nil && caps == nil && sc.unsure("capabilities"),
				caps != nil && caps.unsure("drop"):
			default:
				path := []string{"security_context", "capabilities", "drop"}
				fix, why := c.setFix(path, all, desc)
				reportK8sMissing(p, c.kobj, deepest(c.kobj, path[:2]...), path, who+" keeps the runtime's default capabilities (no drop = [\"ALL\"])", fix, why)
			}
		}
	}
}
