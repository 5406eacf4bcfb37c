package rules

import (
	"slices"
	"strings"

	"github.com/tfreview/tfreview/finding"
)

// DangerousCapabilitiesAdded: the Baseline Pod Security Standard allows
// adding only a short list of capabilities; Kubescape C-0046 rates insecure
// capabilities High.
var DangerousCapabilitiesAdded = &Rule{
	ID:       "TFR-K8S-006",
	Slug:     "dangerous-capabilities-added",
	Severity: finding.SeverityHigh,
	Title:    "Container adds Linux capabilities beyond the Baseline set",
	Explanation: "Capabilities such as SYS_ADMIN, NET_ADMIN, NET_RAW, SYS_PTRACE or ALL give a container powers " +
		"close to root on the node: mounting file systems, sniffing or spoofing traffic, tracing other processes. " +
		"The Baseline Pod Security Standard allows adding only AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, " +
		"KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID and SYS_CHROOT.",
	Resolution: "Remove the capability from `capabilities.add`; if the workload really needs it, isolate it on " +
		"dedicated nodes and document why.",
	Provider:   "kubernetes",
	Service:    "workloads",
	References: []string{"https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"},
	Check:      checkAddedCapabilities,
}

// baselineCapabilities may be added under the Baseline standard.
var baselineCapabilities = []string{"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
	"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}

func checkAddedCapabilities(p *Pass) {
	for _, pd := range workloads(p.Project) {
		for _, c := range pd.containers() {
			a := firstAttr("add", child(child(c, "security_context"), "capabilities"))
			if a == nil {
				continue
			}
			caps, ok := stringList(a.Value)
			if !ok {
				continue
			}
			var bad []string
			for _, cp := range caps {
				n := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(cp)), "CAP_")
				if !slices.Contains(baselineCapabilities, n) && !slices.Contains(bad, n) {
					bad = append(bad, n)
				}
			}
			if len(bad) == 0 {
				continue
			}
			reportK8sAttr(p, a, c.label+" of "+resName(pd.res)+" adds capabilities "+strings.Join(bad, ", "), nil,
				"removing a capability can break the workload; decide by hand")
		}
	}
}
