package rules

import (
	"fmt"

	"github.com/tfreview/tfreview/finding"
)

// HostPathVolume: the Baseline Pod Security Standard forbids hostPath
// volumes; Kubescape C-0048 rates them High.
var HostPathVolume = &Rule{
	ID:       "TFR-K8S-005",
	Slug:     "host-path-volume",
	Severity: finding.SeverityHigh,
	Title:    "Pod mounts a host path",
	Explanation: "A `host_path` volume exposes the node's file system to the pod. Mounting paths such as " +
		"/var/run/docker.sock, /etc or / gives a path to taking over the node. The Baseline Pod Security Standard " +
		"forbids hostPath volumes.",
	Resolution: "Use a persistent volume claim, a ConfigMap/Secret volume or an emptyDir instead of `host_path`.",
	Provider:   "kubernetes",
	Service:    "workloads",
	References: []string{"https://kubernetes.io/docs/concepts/storage/volumes/#hostpath"},
	Check:      checkHostPathVolumes,
}

func checkHostPathVolumes(p *Pass) {
	for _, pd := range workloads(p.Project) {
		for i, v := range pd.spec.children("volume") {
			hp := v.child("host_path")
			if hp == nil {
				continue
			}
			name := fmt.Sprintf("#%d", i+1)
			if a := v.attr("name"); a != nil && knownString(a.Value) {
				name = fmt.Sprintf("%q", a.Value.AsString())
			}
			msg := fmt.Sprintf("volume %s of %s mounts a host path", name, resName(pd.res))
			if a := hp.attr("path"); a != nil && knownString(a.Value) {
				msg = fmt.Sprintf("volume %s of %s mounts the host path %q", name, resName(pd.res), a.Value.AsString())
			}
			p.Report(Issue{Block: hp.block(), Range: hp.where(), AttributePath: hp.path(), Message: msg,
				NoFixReason: "what should replace the host path cannot be known here"})
		}
	}
}
