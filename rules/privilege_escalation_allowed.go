package rules

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/tfreview/tfreview/finding"
)

// PrivilegeEscalationAllowed: the Restricted Pod Security Standard requires
// allowPrivilegeEscalation: false; Kubescape C-0016 rates it Medium.
var PrivilegeEscalationAllowed = &Rule{
	ID:       "TFR-K8S-002",
	Slug:     "privilege-escalation-allowed",
	Severity: finding.SeverityMedium,
	Title:    "Container allows privilege escalation",
	Explanation: "Unless `allow_privilege_escalation` is explicitly false, a process in the container can gain more " +
		"privileges than its parent (setuid binaries, file capabilities). Kubernetes allows it by default; the " +
		"Restricted Pod Security Standard requires it to be off.",
	Resolution: "Set `allow_privilege_escalation = false` in every container's and init container's `security_context`.",
	Provider:   "kubernetes",
	Service:    "workloads",
	References: []string{"https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted"},
	Fixable:    true,
	Check:      checkPrivilegeEscalation,
}

func checkPrivilegeEscalation(p *Pass) {
	const desc = "Set allow_privilege_escalation = false"
	for _, pd := range workloads(p.Project) {
		for _, c := range pd.containers() {
			sc := c.child("security_context")
			var a *kattr
			if sc != nil {
				a = sc.attr("allow_privilege_escalation")
			}
			switch {
			case a != nil:
				if !a.Value.IsKnown() || isFalse(a.Value) {
					continue
				}
				fix, why := a.setFix(cty.False, desc)
				reportK8sAttr(p, a, c.label+" of "+resName(pd.res)+" sets allow_privilege_escalation to true", fix, why)
			case sc == nil && c.unsure("security_context"), sc != nil && sc.unsure("allow_privilege_escalation"):
			default:
				path := []string{"security_context", "allow_privilege_escalation"}
				fix, why := c.setFix(path, cty.False, desc)
				reportK8sMissing(p, c.kobj, deepest(c.kobj, path[0]), path,
					c.label+" of "+resName(pd.res)+" does not set allow_privilege_escalation = false (Kubernetes allows escalation by default)", fix, why)
			}
		}
	}
}
