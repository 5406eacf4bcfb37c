package rules

import (
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/tfreview/tfreview/finding"
)

// MissingResourceLimits: not part of the Pod Security Standards; Kubescape
// C-0270 (CPU limits) and C-0271 (memory limits) flag it.
var MissingResourceLimits = &Rule{
	ID:       "TFR-K8S-009",
	Slug:     "missing-resource-limits",
	Severity: finding.SeverityMedium,
	Title:    "Container has no CPU or memory limit",
	Explanation: "Without limits, one container can take all the CPU or memory of its node, starving its " +
		"neighbours; a compromised or runaway process becomes a denial of service for everything scheduled beside it.",
	Resolution: "Set `resources { limits = { cpu = \"...\", memory = \"...\" } }` on every container and init container.",
	Provider:   "kubernetes",
	Service:    "workloads",
	References: []string{"https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/"},
	Check:      checkResourceLimits,
}

func checkResourceLimits(p *Pass) {
	for _, pd := range workloads(p.Project) {
		for _, c := range pd.containers() {
			res := c.child("resources")
			if res == nil {
				if !c.unsure("resources") {
					reportK8sMissing(p, c.kobj, c.kobj, []string{"resources", "limits"}, c.label+" of "+resName(pd.res)+" has no cpu and memory limits", nil,
						"the right limits cannot be known here")
				}
				continue
			}
			have, where, known := limitKeys(res)
			if !known {
				continue
			}
			var missing []string
			for _, k := range []string{"cpu", "memory"} {
				if !have[k] {
					missing = append(missing, k)
				}
			}
			if len(missing) == 0 {
				continue
			}
			msg := c.label + " of " + resName(pd.res) + " has no " + strings.Join(missing, " and ") + " limit"
			if len(missing) == 2 {
				msg += "s"
			}
			if where != nil {
				reportK8sAttr(p, where, msg, nil, "the right limits cannot be known here")
			} else {
				reportK8sMissing(p, res, res, []string{"limits"}, msg, nil, "the right limits cannot be known here")
			}
		}
	}
}

// limitKeys returns which limits are set: `limits = {...}` (provider v2,
// manifests) or a `limits {}` block (provider v1). where is the limits
// attribute when there is one.
func limitKeys(res kobj) (have map[string]bool, where *kattr, known bool) {
	have = map[string]bool{}
	if a := res.attr("limits"); a != nil {
		v := a.Value
		if !v.IsKnown() {
			return nil, nil, false
		}
		if v.Type().IsObjectType() || v.Type().IsMapType() {
			for it := v.ElementIterator(); it.Next(); {
				k, e := it.Element()
				if !e.IsKnown() {
					return nil, nil, false
				}
				if !e.IsNull() && k.Type() == cty.String {
					have[k.AsString()] = true
				}
			}
		}
		return have, a, true
	}
	if res.unsure("limits") {
		return nil, nil, false
	}
	if lb := res.child("limits"); lb != nil {
		for _, k := range []string{"cpu", "memory"} {
			if a := lb.attr(k); a != nil {
				if !a.Value.IsKnown() {
					return nil, nil, false
				}
				have[k] = true
			}
		}
	}
	return have, nil, true
}
