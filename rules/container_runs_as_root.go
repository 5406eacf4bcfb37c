package rules

import (
	"fmt"

	"github.com/zclconf/go-cty/cty"

	"github.com/tfreview/tfreview/finding"
)

// ContainerRunsAsRoot: the Restricted Pod Security Standard requires
// runAsNonRoot: true and forbids runAsUser: 0; Kubescape C-0013 rates
// non-root containers Medium.
var ContainerRunsAsRoot = &Rule{
	ID:       "TFR-K8S-003",
	Slug:     "container-runs-as-root",
	Severity: finding.SeverityMedium,
	Title:    "Container may run as root",
	Explanation: "A container whose image runs as UID 0 is root inside the container and, after any escape, on the " +
		"node. Unless `run_as_non_root = true` or a non-zero `run_as_user` is set on the container or the pod, " +
		"Kubernetes runs the image's user, which is often root.",
	Resolution: "Set `run_as_non_root = true` (and a non-zero `run_as_user` if the image has no numeric user) in the " +
		"container's or the pod's `security_context`; never `run_as_user = 0`.",
	Provider:   "kubernetes",
	Service:    "workloads",
	References: []string{"https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted"},
	Fixable:    true,
	Check:      checkRunsAsRoot,
}

func checkRunsAsRoot(p *Pass) {
	const desc = "Set run_as_non_root = true"
	for _, pd := range workloads(p.Project) {
		podSC := pd.spec.child("security_context")
		reported := map[string]bool{} // pod-level settings are reported once
		report := func(a *kattr, msg string, fix *finding.Fix, why string) {
			k := fmt.Sprint(a.Range)
			if !reported[k] {
				reported[k] = true
				reportK8sAttr(p, a, msg, fix, why)
			}
		}
		for _, c := range pd.containers() {
			sc := c.child("security_context")
			who := c.label + " of " + resName(pd.res)
			user := firstAttr("run_as_user", sc, podSC)
			nonRoot := firstAttr("run_as_non_root", sc, podSC)
			if user != nil {
				uid, ok := toInt(user.Value)
				if !user.Value.IsKnown() || !ok && !user.Value.IsNull() {
					continue
				}
				if ok && uid == 0 {
					report(user, who+" runs as UID 0 (root)", nil, "the non-root UID the image supports cannot be known here")
					continue
				}
			}
			if nonRoot != nil {
				if !nonRoot.Value.IsKnown() || isTrue(nonRoot.Value) {
					continue
				}
				if user != nil {
					continue // a non-zero UID already runs as non-root
				}
				fix, why := nonRoot.setFix(cty.True, desc)
				report(nonRoot, who+" sets run_as_non_root to false", fix, why)
				continue
			}
			if user != nil {
				continue
			}
			if (sc == nil && c.unsure("security_context")) || (podSC == nil && pd.spec.unsure("security_context")) ||
				(sc != nil && (sc.unsure("run_as_non_root") || sc.unsure("run_as_user"))) {
				continue
			}
			path := []string{"security_context", "run_as_non_root"}
			fix, why := c.setFix(path, cty.True, desc)
			reportK8sMissing(p, c.kobj, deepest(c.kobj, path[0]), path,
				who+" sets neither run_as_non_root = true nor a non-zero run_as_user, so it runs as the image's user, often root", fix, why)
		}
	}
}
