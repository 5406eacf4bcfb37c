package rules

import (
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/tfreview/tfreview/finding"
)

// SeccompProfileUnconfined: the Baseline Pod Security Standard forbids an
// Unconfined seccomp profile (High); the Restricted standard requires
// RuntimeDefault or Localhost to be set (Medium when unset).
var SeccompProfileUnconfined = &Rule{
	ID:       "TFR-K8S-013",
	Slug:     "seccomp-profile-unconfined",
	Severity: finding.SeverityHigh,
	Title:    "Pod runs without a seccomp profile",
	Explanation: "Seccomp filters the system calls a container may make, closing off most kernel attack surface. " +
		"`Unconfined` turns it off, which the Baseline Pod Security Standard forbids (reported as HIGH); leaving " +
		"it unset falls back to the runtime's choice, often unconfined, which the Restricted standard forbids " +
		"(reported as MEDIUM).",
	Resolution: "Set `seccomp_profile { type = \"RuntimeDefault\" }` in the pod's `security_context`.",
	Provider:   "kubernetes",
	Service:    "workloads",
	References: []string{"https://kubernetes.io/docs/tutorials/security/seccomp/"},
	Fixable:    true,
	Check:      checkSeccomp,
}

func checkSeccomp(p *Pass) {
	const desc = `Use the runtime's default seccomp profile: type = "RuntimeDefault"`
	rd := cty.StringVal("RuntimeDefault")
	for _, pd := range workloads(p.Project) {
		podSC := pd.spec.child("security_context")
		podType := firstAttr("type", child(podSC, "seccomp_profile"))
		unsure := podSC == nil && pd.spec.unsure("security_context") || podSC != nil && podSC.unsure("seccomp_profile")
		if podType != nil {
			if !podType.Value.IsKnown() {
				unsure = true
			} else if knownString(podType.Value) && strings.EqualFold(podType.Value.AsString(), "Unconfined") {
				fix, why := podType.setFix(rd, desc)
				reportK8sAttr(p, podType, resName(pd.res)+" sets the pod's seccomp profile to Unconfined", fix, why)
				unsure = true // reported; do not also report containers as unset
			}
		}
		allSet := true
		for _, c := range pd.containers() {
			sc := c.child("security_context")
			t := firstAttr("type", child(sc, "seccomp_profile"))
			switch {
			case t == nil:
				if sc == nil && c.unsure("security_context") || sc != nil && sc.unsure("seccomp_profile") {
					unsure = true
				}
				allSet = false
			case !t.Value.IsKnown():
				unsure = true
			case knownString(t.Value) && strings.EqualFold(t.Value.AsString(), "Unconfined"):
				fix, why := t.setFix(rd, desc)
				reportK8sAttr(p, t, c.label+" of "+resName(pd.res)+" sets its seccomp profile to Unconfined", fix, why)
			}
		}
		if podType != nil || allSet || unsure {
			continue
		}
		path := []string{"security_context", "seccomp_profile", "type"}
		fix, why := pd.spec.setFix(path, rd, desc)
		at := deepest(pd.spec, path[:2]...)
		p.Report(Issue{Block: at.block(), Range: at.where(), AttributePath: pd.spec.path() + "." + pd.spec.field("security_context") + "." + pd.spec.field("seccomp_profile"),
			Severity: finding.SeverityMedium, Fix: fix, NoFixReason: why,
			Message: resName(pd.res) + " sets no seccomp profile, so the runtime's default applies (often unconfined)"})
	}
}
