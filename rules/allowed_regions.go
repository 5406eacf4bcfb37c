package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tfreview/tfreview/finding"
)

// AllowedRegions: organisation policy, configured with allowed_regions in
// .tfreview.yaml.
var AllowedRegions = &Rule{
	ID:       "TFR-AWS-002",
	Slug:     "allowed-regions",
	Severity: finding.SeverityHigh,
	Title:    "AWS provider or resource uses a region outside the allowed list",
	Explanation: "Your organisation allows AWS resources only in certain regions (data residency, latency, " +
		"support coverage). A `provider \"aws\"` block, or a resource's `region` argument (AWS provider v6+), " +
		"that names another region creates resources there. This check runs only when `allowed_regions` is set " +
		"in .tfreview.yaml; a region left to the environment (AWS_REGION) cannot be checked here.",
	Resolution: "Use one of the allowed regions, or have the exception added to the policy.",
	Provider:   "aws",
	Service:    "regions",
	References: []string{"https://registry.terraform.io/providers/hashicorp/aws/latest/docs#region"},
	Configured: func(cfg Config) bool { return len(cfg.AllowedRegions) > 0 },
	Configuration: `rules:
  allowed_regions: [eu-west-1, eu-central-1]`,
	Check: checkAllowedRegions,
}

func checkAllowedRegions(p *Pass) {
	allowed := p.Config.AllowedRegions
	if len(allowed) == 0 {
		return
	}
	list := strings.Join(allowed, ", ")
	for _, b := range p.Project.BlocksOfType("provider") {
		if b.TypeLabel() != "aws" {
			continue
		}
		a := b.Attr("region")
		if a == nil || !knownString(a.Value) || slices.Contains(allowed, a.Value.AsString()) {
			continue
		}
		what := `provider "aws"`
		if al := b.Attr("alias"); al != nil && knownString(al.Value) {
			what = fmt.Sprintf(`provider "aws" (alias %q)`, al.Value.AsString())
		}
		p.ReportAttr(a, fmt.Sprintf("%s uses region %q, not one of the allowed regions (%s)", what, a.Value.AsString(), list), nil,
			"which allowed region to move to cannot be known here")
	}
	for _, res := range p.Project.Resources() {
		if !strings.HasPrefix(res.TypeLabel(), "aws_") {
			continue
		}
		a := res.Attr("region")
		if a == nil || !knownString(a.Value) || slices.Contains(allowed, a.Value.AsString()) {
			continue
		}
		p.ReportAttr(a, fmt.Sprintf("%s is placed in region %q, not one of the allowed regions (%s)", res.Address, a.Value.AsString(), list), nil,
			"which allowed region to move to cannot be known here")
	}
}
