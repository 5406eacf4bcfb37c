package rules

import (
	"fmt"

	"github.com/tfreview/tfreview/finding"
)

// HostPortUsed: the Baseline Pod Security Standard forbids host ports
// (Trivy's KSV024 for manifests rates it High).
var HostPortUsed = &Rule{
	ID:       "TFR-K8S-012",
	Slug:     "host-port-used",
	Severity: finding.SeverityHigh,
	Title:    "Container binds a host port",
	Explanation: "A `host_port` exposes the container directly on the node's network interface, bypassing network " +
		"policies and services, and pins the pod to nodes where the port is free. The Baseline Pod Security " +
		"Standard forbids host ports.",
	Resolution: "Remove `host_port` and expose the container through a Service (ClusterIP, NodePort or LoadBalancer).",
	Provider:   "kubernetes",
	Service:    "workloads",
	References: []string{"https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"},
	Check:      checkHostPort,
}

func checkHostPort(p *Pass) {
	for _, pd := range workloads(p.Project) {
		for _, c := range pd.containers() {
			for _, port := range c.children("port") {
				a := port.attr("host_port")
				if a == nil {
					continue
				}
				if n, ok := toInt(a.Value); ok && n != 0 {
					reportK8sAttr(p, a, fmt.Sprintf("%s of %s binds host port %d", c.label, resName(pd.res), n), nil,
						"how the port should be exposed instead cannot be known here")
				}
			}
		}
	}
}
