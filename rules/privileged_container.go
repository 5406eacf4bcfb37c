package rules

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/tfreview/tfreview/finding"
)

// PrivilegedContainer: Pod Security Standards (Baseline) forbid privileged
// containers; Kubescape C-0057 rates them High.
var PrivilegedContainer = &Rule{
	ID:       "TFR-K8S-001",
	Slug:     "privileged-container",
	Severity: finding.SeverityHigh,
	Title:    "Container runs privileged",
	Explanation: "A privileged container has every capability and access to all host devices: a compromise of the " +
		"container is a compromise of the node. The Baseline Pod Security Standard forbids it.",
	Resolution: "Set `privileged = false` in the container's `security_context` (or remove it) and grant only the " +
		"capabilities the process needs.",
	Provider:   "kubernetes",
	Service:    "workloads",
	References: []string{"https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"},
	Fixable:    true,
	Check:      checkPrivilegedContainer,
}

func checkPrivilegedContainer(p *Pass) {
	for _, pd := range workloads(p.Project) {
		for _, c := range pd.containers() {
			a := firstAttr("privileged", child(c, "security_context"))
			if a == nil || !isTrue(a.Value) {
				continue
			}
			fix, why := a.setFix(cty.False, "Set privileged = false")
			reportK8sAttr(p, a, c.label+" of "+resName(pd.res)+" runs privileged", fix, why)
		}
	}
}
