package rules

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/tfmodel"
)

// ServiceAccountTokenAutomounted: Kubescape C-0034 (automatic mapping of
// service account) rates it Medium.
var ServiceAccountTokenAutomounted = &Rule{
	ID:       "TFR-K8S-011",
	Slug:     "service-account-token-automounted",
	Severity: finding.SeverityMedium,
	Title:    "Pod mounts a service account token it may not need",
	Explanation: "Unless `automount_service_account_token = false` is set on the pod (or its service account), " +
		"every container gets a token for the Kubernetes API. Most applications never call the API; for them " +
		"the token only helps an attacker move from the container to the cluster.",
	Resolution: "Set `automount_service_account_token = false` in the pod spec, or on the service account; " +
		"leave it on only for workloads that call the Kubernetes API.",
	Provider:   "kubernetes",
	Service:    "workloads",
	References: []string{"https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting"},
	Fixable:    true,
	Check:      checkTokenAutomount,
}

func checkTokenAutomount(p *Pass) {
	const desc = "Set automount_service_account_token = false (keep it only for pods that call the Kubernetes API)"
	optedOut := serviceAccountsWithoutAutomount(p.Project)
	for _, pd := range workloads(p.Project) {
		a := pd.spec.attr("automount_service_account_token")
		switch {
		case a != nil:
			if !a.Value.IsKnown() || isFalse(a.Value) {
				continue
			}
			fix, why := a.setFix(cty.False, desc)
			reportK8sAttr(p, a, resName(pd.res)+" sets automount_service_account_token = true", fix, why)
		case pd.spec.unsure("automount_service_account_token"):
		default:
			sa := firstAttr("service_account_name", pd.spec)
			if sa == nil {
				sa = firstAttr("service_account", pd.spec) // kubernetes_manifest: serviceAccount
			}
			if sa != nil {
				if !knownString(sa.Value) || optedOut[sa.Value.AsString()] {
					continue
				}
			}
			fix, why := pd.spec.setFix([]string{"automount_service_account_token"}, cty.False, desc)
			reportK8sMissing(p, pd.spec, pd.spec, []string{"automount_service_account_token"},
				resName(pd.res)+" mounts a service account token by default (automount_service_account_token is not false)", fix, why)
		}
	}
}

// serviceAccountsWithoutAutomount names the service accounts defined in the
// project with automount_service_account_token = false.
func serviceAccountsWithoutAutomount(p *tfmodel.Project) map[string]bool {
	out := map[string]bool{}
	for _, b := range p.Resources() {
		switch b.TypeLabel() {
		case "kubernetes_service_account", "kubernetes_service_account_v1":
		default:
			continue
		}
		name := b.Child("metadata").Attr("name")
		if a := b.Attr("automount_service_account_token"); a != nil && isFalse(a.Value) && name != nil && knownString(name.Value) {
			out[name.Value.AsString()] = true
		}
	}
	return out
}
