package rules

import (
	"fmt"
	"slices"

	"github.com/zclconf/go-cty/cty"

	"github.com/tfreview/tfreview/finding"
)

// ProviderSourceMissing: every required provider should name its registry
// source explicitly.
var ProviderSourceMissing = &Rule{
	ID:       "TFR-TF-008",
	Slug:     "provider-source-missing",
	Severity: finding.SeverityLow,
	Title:    "Required provider has no source address",
	Explanation: "A `required_providers` entry without `source` (or in the legacy `name = \"version\"` form) is " +
		"resolved as `hashicorp/<name>`. For a provider published by anyone else this installs the wrong " +
		"provider or fails, and a reviewer cannot see from the code where provider binaries come from.",
	Resolution: "Write each entry as `name = { source = \"namespace/name\", version = \"...\" }`.",
	Provider:   "terraform",
	Service:    "providers",
	References: []string{"https://developer.hashicorp.com/terraform/language/providers/requirements#source-addresses"},
	Fixable:    true,
	Check:      checkProviderSource,
}

// hashicorpProviders are published under registry.terraform.io/hashicorp,
// so adding that source changes nothing Terraform installs.
var hashicorpProviders = []string{"ad", "archive", "assert", "aws", "awscc", "azuread", "azurerm", "azurestack", "boundary",
	"cloudinit", "consul", "dns", "external", "google", "google-beta", "googleworkspace", "hcp", "hcs", "helm", "http",
	"kubernetes", "local", "nomad", "null", "random", "template", "tfe", "time", "tls", "vault", "vsphere"}

func checkProviderSource(p *Pass) {
	for _, e := range p.Project.RequiredProviders() {
		n, a, rp := e.Name, e.Attr, e.Block
		v := a.Value
		var fields map[string]cty.Value
		switch {
		case !v.IsKnown() || v.IsNull():
			continue
		case v.Type() == cty.String:
			fields = map[string]cty.Value{"version": v}
		case v.Type().IsObjectType():
			if v.Type().HasAttribute("source") && !v.GetAttr("source").IsNull() {
				continue
			}
			fields = v.AsValueMap()
		default:
			continue
		}
		msg := fmt.Sprintf("provider %q has no source address, so Terraform assumes hashicorp/%s", n, n)
		if !slices.Contains(hashicorpProviders, n) {
			p.ReportAttr(a, msg, nil, "the registry namespace of this provider cannot be known here")
			continue
		}
		if !v.IsWhollyKnown() {
			p.ReportAttr(a, msg, nil, "the entry refers to other values (e.g. configuration_aliases) and is not rewritten")
			continue
		}
		if fields == nil {
			fields = map[string]cty.Value{}
		}
		fields["source"] = cty.StringVal("hashicorp/" + n)
		fix, why := setFix(p.Project, rp, []string{n}, cty.ObjectVal(fields), fmt.Sprintf("Add source = \"hashicorp/%s\" (what Terraform already assumes)", n))
		p.ReportAttr(a, msg, fix, why)
	}
}
