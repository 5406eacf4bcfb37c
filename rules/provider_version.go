package rules

import (
	"fmt"

	"github.com/zclconf/go-cty/cty"

	"github.com/tfreview/tfreview/finding"
)

// ProviderVersion: every required provider needs a version constraint.
var ProviderVersion = &Rule{
	ID:       "TFR-TF-003",
	Slug:     "provider-version-unconstrained",
	Severity: finding.SeverityMedium,
	Title:    "Required provider has no version constraint",
	Explanation: "A `required_providers` entry without `version` lets `terraform init` install any release of the " +
		"provider, so a new major version can change or destroy resources on the next apply without a code change.",
	Resolution: "Add a `version` constraint, e.g. `version = \"~> 5.0\"`, and commit `.terraform.lock.hcl`.",
	Provider:   "terraform",
	Service:    "providers",
	References: []string{"https://developer.hashicorp.com/terraform/language/providers/requirements#version-constraints"},
	Check:      checkProviderVersion,
}

func checkProviderVersion(p *Pass) {
	for _, e := range p.Project.RequiredProviders() {
		n, a := e.Name, e.Attr
		v := a.Value
		switch {
		case !v.IsKnown() || v.IsNull():
		case v.Type() == cty.String:
			// Legacy form: aws = "~> 5.0" is itself the constraint.
		case v.Type().IsObjectType() || v.Type().IsMapType():
			if !v.Type().IsObjectType() || !v.Type().HasAttribute("version") || v.GetAttr("version").IsNull() {
				p.ReportAttr(a, fmt.Sprintf("provider %q has no version constraint", n), nil, "the version to require cannot be known here")
			}
		}
	}
}

func knownString(v cty.Value) bool {
	return v.IsKnown() && !v.IsNull() && v.Type() == cty.String
}
