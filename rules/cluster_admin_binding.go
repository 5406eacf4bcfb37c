package rules

import (
	"github.com/tfreview/tfreview/finding"
)

// ClusterAdminBinding: Kubescape C-0035 (administrative roles) and C-0185
// (cluster-admin only where required) rate it High.
var ClusterAdminBinding = &Rule{
	ID:       "TFR-K8S-014",
	Slug:     "cluster-admin-binding",
	Severity: finding.SeverityHigh,
	Title:    "Role binding grants cluster-admin",
	Explanation: "`cluster-admin` is full control of the cluster: every secret, every workload, every node. " +
		"Binding it to a user, group or service account makes that subject's compromise a cluster compromise.",
	Resolution: "Bind a role with only the permissions the subject needs; keep cluster-admin for break-glass access " +
		"outside Terraform.",
	Provider:   "kubernetes",
	Service:    "rbac",
	References: []string{"https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles"},
	Check:      checkClusterAdminBinding,
}

var bindingTypes = map[string]bool{
	"kubernetes_cluster_role_binding": true, "kubernetes_cluster_role_binding_v1": true,
	"kubernetes_role_binding": true, "kubernetes_role_binding_v1": true,
}

func checkClusterAdminBinding(p *Pass) {
	for _, res := range p.Project.Resources() {
		var ref kobj
		if bindingTypes[res.TypeLabel()] {
			ref = blockObj{p.Project, res}.child("role_ref")
		} else if m, kind := manifest(p.Project, res); kind == "ClusterRoleBinding" || kind == "RoleBinding" {
			ref = m.child("role_ref")
		}
		if ref == nil {
			continue
		}
		a := ref.attr("name")
		if a == nil || !knownString(a.Value) || a.Value.AsString() != "cluster-admin" {
			continue
		}
		if k := ref.attr("kind"); k != nil && knownString(k.Value) && k.Value.AsString() != "ClusterRole" {
			continue // a namespaced Role that happens to be called cluster-admin
		}
		reportK8sAttr(p, a, resName(res)+" binds the cluster-admin role", nil, "the permissions the subjects need cannot be known here")
	}
}
