package rules

import (
	"slices"
	"strings"

	"github.com/tfreview/tfreview/finding"
)

// RBACWildcard: Kubescape C-0187 (minimize wildcard use in Roles and
// ClusterRoles); Trivy's KSV044-046 rate the same for manifests Critical.
var RBACWildcard = &Rule{
	ID:       "TFR-K8S-015",
	Slug:     "rbac-wildcard",
	Severity: finding.SeverityHigh,
	Title:    "Role grants wildcard verbs or resources",
	Explanation: "A `*` in `verbs` or `resources` grants every current and future permission: including `escalate`, " +
		"`bind` and `impersonate`, and access to secrets. It also hides what the role is for.",
	Resolution: "List the verbs and resources the role needs explicitly.",
	Provider:   "kubernetes",
	Service:    "rbac",
	References: []string{"https://kubernetes.io/docs/concepts/security/rbac-good-practices/"},
	Check:      checkRBACWildcard,
}

var roleTypes = map[string]bool{
	"kubernetes_cluster_role": true, "kubernetes_cluster_role_v1": true,
	"kubernetes_role": true, "kubernetes_role_v1": true,
}

func checkRBACWildcard(p *Pass) {
	for _, res := range p.Project.Resources() {
		var rules []kobj
		if roleTypes[res.TypeLabel()] {
			rules = blockObj{p.Project, res}.children("rule")
		} else if m, kind := manifest(p.Project, res); kind == "ClusterRole" || kind == "Role" {
			rules = m.children("rule")
		}
		for _, r := range rules {
			for _, field := range []string{"verbs", "resources"} {
				a := r.attr(field)
				if a == nil {
					continue
				}
				list, ok := stringList(a.Value)
				if !ok || !slices.Contains(list, "*") {
					continue
				}
				reportK8sAttr(p, a, resName(res)+" grants "+strings.TrimSuffix(field, "s")+` "*"`, nil,
					"the permissions the role needs cannot be known here")
			}
		}
	}
}
