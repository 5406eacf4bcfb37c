package rules

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/tfreview/tfreview/finding"
)

// WritableRootFilesystem: not part of the Pod Security Standards; Kubescape
// C-0017 (immutable container filesystem) rates it Low.
var WritableRootFilesystem = &Rule{
	ID:       "TFR-K8S-008",
	Slug:     "writable-root-filesystem",
	Severity: finding.SeverityLow,
	Title:    "Container root file system is writable",
	Explanation: "A writable root file system lets an attacker who gets code execution drop tools or modify binaries " +
		"and configuration inside the container. A read-only root, with emptyDir volumes for the paths the " +
		"process writes, prevents that.",
	Resolution: "Set `read_only_root_filesystem = true` in the container's `security_context` and mount writable " +
		"volumes where the application needs them (e.g. /tmp).",
	Provider:   "kubernetes",
	Service:    "workloads",
	References: []string{"https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"},
	Fixable:    true,
	Check:      checkReadOnlyRoot,
}

func checkReadOnlyRoot(p *Pass) {
	const desc = "Set read_only_root_filesystem = true (mount writable volumes where the process writes)"
	for _, pd := range workloads(p.Project) {
		for _, c := range pd.containers() {
			who := c.label + " of " + resName(pd.res)
			sc := c.child("security_context")
			var a *kattr
			if sc != nil {
				a = sc.attr("read_only_root_filesystem")
			}
			switch {
			case a != nil:
				if !a.Value.IsKnown() || isTrue(a.Value) {
					continue
				}
				fix, why := a.setFix(cty.True, desc)
				reportK8sAttr(p, a, who+" has a writable root file system", fix, why)
			case sc == nil && c.unsure("security_context"), sc != nil && sc.unsure("read_only_root_filesystem"):
			default:
				path := []string{"security_context", "read_only_root_filesystem"}
				fix, why := c.setFix(path, cty.True, desc)
				reportK8sMissing(p, c.kobj, deepest(c.kobj, path[0]), path, who+" does not set read_only_root_filesystem = true", fix, why)
			}
		}
	}
}
