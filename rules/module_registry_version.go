package rules

import (
	"fmt"
	"strings"

	"github.com/hashicorp/go-version"

	"github.com/tfreview/tfreview/finding"
)

// ModuleRegistryVersion: a registry module needs a bounded version.
var ModuleRegistryVersion = &Rule{
	ID:       "TFR-TF-002",
	Slug:     "module-registry-version-unbounded",
	Severity: finding.SeverityMedium,
	Title:    "Registry module has no version or an unbounded version constraint",
	Explanation: "Without `version`, or with only a lower bound such as `>= 3.0`, `terraform init` pulls the newest " +
		"release of the module, including a new major version or a compromised release, without review.",
	Resolution: "Set `version` to an exact version or a pessimistic constraint such as `~> 5.1`.",
	Provider:   "terraform",
	Service:    "modules",
	References: []string{"https://developer.hashicorp.com/terraform/language/modules/syntax#version"},
	Check:      checkModuleRegistryVersion,
}

// registrySource reports whether src is a Terraform registry address:
// [host/]namespace/name/provider.
func registrySource(src string) bool {
	if strings.Contains(src, "::") || strings.HasPrefix(src, ".") || strings.HasPrefix(src, "/") ||
		strings.HasPrefix(src, "github.com/") || strings.HasPrefix(src, "bitbucket.org/") || strings.HasPrefix(src, "git@") ||
		strings.Contains(src, "?") {
		return false
	}
	parts := strings.Split(src, "/")
	return len(parts) == 3 || len(parts) == 4 && strings.Contains(parts[0], ".")
}

// unbounded reports whether a constraint allows any future major version:
// only lower bounds or exclusions, no exact version, ~> or upper bound.
func unbounded(constraint string) bool {
	if _, err := version.NewConstraint(constraint); err != nil {
		return false // an invalid constraint is Terraform's to report
	}
	for _, part := range strings.Split(constraint, ",") {
		part = strings.TrimSpace(part)
		op := strings.TrimSpace(part[:len(part)-len(strings.TrimLeft(part, "=!<>~ "))])
		switch op {
		case "", "=", "~>", "<", "<=":
			return false
		}
	}
	return true
}

func checkModuleRegistryVersion(p *Pass) {
	for _, b := range p.Project.BlocksOfType("module") {
		src := b.Attr("source")
		if src == nil || !knownString(src.Value) || !registrySource(src.Value.AsString()) {
			continue
		}
		v := b.Attr("version")
		switch {
		case v == nil:
			p.ReportMissing(b, "version", fmt.Sprintf("registry module %q (%s) has no version: every init takes the newest release", b.TypeLabel(), src.Value.AsString()), nil,
				"the version to pin to cannot be known here")
		case knownString(v.Value) && unbounded(v.Value.AsString()):
			p.ReportAttr(v, fmt.Sprintf("registry module %q allows any newer version (%q has no upper bound)", b.TypeLabel(), v.Value.AsString()), nil,
				"the upper bound cannot be known here")
		}
	}
}
