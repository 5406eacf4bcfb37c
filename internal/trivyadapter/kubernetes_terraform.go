package trivyadapter

import (
	"math/big"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/tfmodel"
)

// TerraformKubernetesObject is a Kubernetes object written as Terraform.
type TerraformKubernetesObject struct {
	KubernetesObject
	// Resource is the resource block that declares it.
	Resource *tfmodel.Block
}

// kubernetesTypes are the kubernetes provider's typed resources tfreview
// converts, with the object each one creates.
var kubernetesTypes = map[string][2]string{
	"kubernetes_pod":                       {"v1", "Pod"},
	"kubernetes_deployment":                {"apps/v1", "Deployment"},
	"kubernetes_daemonset":                 {"apps/v1", "DaemonSet"},
	"kubernetes_daemon_set_v1":             {"apps/v1", "DaemonSet"},
	"kubernetes_stateful_set":              {"apps/v1", "StatefulSet"},
	"kubernetes_replication_controller":    {"v1", "ReplicationController"},
	"kubernetes_job":                       {"batch/v1", "Job"},
	"kubernetes_cron_job":                  {"batch/v1", "CronJob"},
	"kubernetes_role":                      {"rbac.authorization.k8s.io/v1", "Role"},
	"kubernetes_role_binding":              {"rbac.authorization.k8s.io/v1", "RoleBinding"},
	"kubernetes_cluster_role":              {"rbac.authorization.k8s.io/v1", "ClusterRole"},
	"kubernetes_cluster_role_binding":      {"rbac.authorization.k8s.io/v1", "ClusterRoleBinding"},
	"kubernetes_service_account":           {"v1", "ServiceAccount"},
	"kubernetes_config_map":                {"v1", "ConfigMap"},
	"kubernetes_service":                   {"v1", "Service"},
	"kubernetes_network_policy":            {"networking.k8s.io/v1", "NetworkPolicy"},
	"kubernetes_namespace":                 {"v1", "Namespace"},
	"kubernetes_replication_controller_v1": {"v1", "ReplicationController"},
}

// kubernetesListBlocks are the provider's repeated blocks, with the API's
// list field each one becomes (a block written once is still a list).
var kubernetesListBlocks = map[string]string{
	"container":                  "containers",
	"init_container":             "initContainers",
	"ephemeral_container":        "ephemeralContainers",
	"port":                       "ports",
	"env":                        "env",
	"env_from":                   "envFrom",
	"volume":                     "volumes",
	"volume_mount":               "volumeMounts",
	"volume_device":              "volumeDevices",
	"toleration":                 "tolerations",
	"host_aliases":               "hostAliases",
	"image_pull_secrets":         "imagePullSecrets",
	"rule":                       "rules",
	"subject":                    "subjects",
	"readiness_gate":             "readinessGates",
	"topology_spread_constraint": "topologySpreadConstraints",
	"sysctl":                     "sysctls",
	"ingress":                    "ingress",
	"egress":                     "egress",
	"secret":                     "secrets",
	"match_expressions":          "matchExpressions",
	"items":                      "items",
}

// kubernetesKeys are the fields whose camelCase is not the plain one.
var kubernetesKeys = map[string]string{
	"host_pid":     "hostPID",
	"host_ipc":     "hostIPC",
	"cluster_ip":   "clusterIP",
	"external_ips": "externalIPs",
	"rule":         "rules",
}

// kubernetesKey turns a provider attribute name into the API's field name.
func kubernetesKey(name string) string {
	if k, ok := kubernetesKeys[name]; ok {
		return k
	}
	parts := strings.Split(name, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// KubernetesObjectsOf converts the kubernetes provider's workload and RBAC
// resources (typed, _v1 variants included, and kubernetes_manifest) of the
// evaluated project into Kubernetes objects, each map carrying the lines
// of the HCL block or expression it comes from. Unknown values are left
// out, as a field the checks cannot see.
func KubernetesObjectsOf(p *tfmodel.Project) []TerraformKubernetesObject {
	var out []TerraformKubernetesObject
	for _, res := range p.Resources() {
		typ := res.TypeLabel()
		var content map[string]any
		if typ == "kubernetes_manifest" {
			a := res.Attr("manifest")
			if a == nil || !a.Value.IsWhollyKnown() || a.Value.IsNull() {
				continue
			}
			e, _ := a.Expr.(hclsyntax.Expression)
			content, _ = manifestValue(a.Value, e, a.ExprRange, p.Sources[a.ExprRange.File]).(map[string]any)
		} else {
			kind, ok := kubernetesTypes[strings.TrimSuffix(typ, "_v1")]
			if !ok {
				kind, ok = kubernetesTypes[typ]
			}
			if !ok {
				continue
			}
			content = blockValue(res)
			content["apiVersion"], content["kind"] = kind[0], kind[1]
		}
		if content == nil {
			continue
		}
		if _, ok := content["kind"].(string); !ok {
			continue
		}
		out = append(out, TerraformKubernetesObject{KubernetesObject: KubernetesObject{File: res.Range.File, Content: content}, Resource: res})
	}
	return out
}

func lineMetadata(r finding.Range) map[string]any {
	return map[string]any{"startline": r.Start.Line, "endline": r.End.Line, "filepath": r.File, "offset": 0}
}

// blockValue converts one block of a typed resource.
func blockValue(b *tfmodel.Block) map[string]any {
	out := map[string]any{"__defsec_metadata": lineMetadata(b.Range)}
	for name, a := range b.Attrs {
		if name == "count" || name == "for_each" || name == "depends_on" || name == "provider" || name == "lifecycle" {
			continue
		}
		if v := ctyToGo(a.Value, a.ExprRange); v != nil {
			out[kubernetesKey(name)] = v
		}
	}
	for _, c := range b.Blocks {
		if c.Type == "dynamic" || c.Type == "lifecycle" || c.Type == "timeouts" {
			continue
		}
		v := blockValue(c)
		if key, ok := kubernetesListBlocks[c.Type]; ok {
			list, _ := out[key].([]any)
			out[key] = append(list, v)
			continue
		}
		out[kubernetesKey(c.Type)] = v
	}
	return out
}

// ctyToGo converts an evaluated value; maps and objects carry r's lines.
func ctyToGo(v cty.Value, r finding.Range) any {
	if !v.IsWhollyKnown() || v.IsNull() {
		return nil
	}
	ty := v.Type()
	switch {
	case ty == cty.Bool:
		return v.True()
	case ty == cty.String:
		return v.AsString()
	case ty == cty.Number:
		bf := v.AsBigFloat()
		if i, acc := bf.Int64(); acc == big.Exact {
			return i
		}
		f, _ := bf.Float64()
		return f
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		out := []any{}
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if g := ctyToGo(e, r); g != nil {
				out = append(out, g)
			}
		}
		return out
	case ty.IsMapType() || ty.IsObjectType():
		out := map[string]any{"__defsec_metadata": lineMetadata(r)}
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			if g := ctyToGo(e, r); g != nil {
				out[k.AsString()] = g
			}
		}
		return out
	}
	return nil
}

// manifestValue converts a kubernetes_manifest value (already in the
// API's shape), giving each map the lines of its own expression where it
// is written inline.
func manifestValue(v cty.Value, e hclsyntax.Expression, r finding.Range, src []byte) any {
	if !v.IsWhollyKnown() || v.IsNull() {
		return nil
	}
	if e != nil {
		r = tfmodel.ConvertRange(e.Range(), r.File, src)
	}
	ty := v.Type()
	switch {
	case ty.IsMapType() || ty.IsObjectType():
		items := map[string]hclsyntax.Expression{}
		if oc, ok := e.(*hclsyntax.ObjectConsExpr); ok {
			for _, item := range oc.Items {
				if k := tfmodel.ObjectKey(item.KeyExpr); k != "" {
					items[k] = item.ValueExpr
				}
			}
		}
		out := map[string]any{"__defsec_metadata": lineMetadata(r)}
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			if g := manifestValue(ev, items[k.AsString()], r, src); g != nil {
				out[k.AsString()] = g
			}
		}
		return out
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		var exprs []hclsyntax.Expression
		if tc, ok := e.(*hclsyntax.TupleConsExpr); ok && len(tc.Exprs) == v.LengthInt() {
			exprs = tc.Exprs
		}
		out := []any{}
		i := 0
		for it := v.ElementIterator(); it.Next(); i++ {
			_, ev := it.Element()
			var ee hclsyntax.Expression
			if exprs != nil {
				ee = exprs[i]
			}
			if g := manifestValue(ev, ee, r, src); g != nil {
				out = append(out, g)
			}
		}
		return out
	}
	return ctyToGo(v, r)
}
