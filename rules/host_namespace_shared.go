package rules

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/tfreview/tfreview/finding"
)

// HostNamespaceShared: the Baseline Pod Security Standard forbids sharing
// the host's network, PID and IPC namespaces; Kubescape C-0038 and C-0041
// rate them High.
var HostNamespaceShared = &Rule{
	ID:       "TFR-K8S-004",
	Slug:     "host-namespace-shared",
	Severity: finding.SeverityHigh,
	Title:    "Pod shares the host's network, PID or IPC namespace",
	Explanation: "With `host_network`, the pod sees every interface of the node and can reach services bound to " +
		"localhost; with `host_pid` it can see and signal every process on the node; with `host_ipc` it can read " +
		"other processes' shared memory. The Baseline Pod Security Standard forbids all three.",
	Resolution: "Remove `host_network`, `host_pid` and `host_ipc` from the pod spec or set them to false.",
	Provider:   "kubernetes",
	Service:    "workloads",
	References: []string{"https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"},
	Fixable:    true,
	Check:      checkHostNamespaces,
}

func checkHostNamespaces(p *Pass) {
	for _, pd := range workloads(p.Project) {
		for _, name := range []string{"host_network", "host_pid", "host_ipc"} {
			a := pd.spec.attr(name)
			if a == nil || !isTrue(a.Value) {
				continue
			}
			fix, why := a.setFix(cty.False, "Set "+name+" = false")
			reportK8sAttr(p, a, resName(pd.res)+" sets "+name+" = true", fix, why)
		}
	}
}
