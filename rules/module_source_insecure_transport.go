package rules

import (
	"fmt"
	"regexp"

	"github.com/tfreview/tfreview/finding"
)

// ModuleSourceInsecureTransport: module code fetched over plain HTTP or the
// unauthenticated git:// protocol can be replaced in transit.
var ModuleSourceInsecureTransport = &Rule{
	ID:       "TFR-TF-007",
	Slug:     "module-source-insecure-transport",
	Severity: finding.SeverityHigh,
	Title:    "Module source is fetched over an unencrypted protocol",
	Explanation: "A module `source` using `http://` or `git://` is downloaded without encryption or server " +
		"authentication: anyone on the network path between `terraform init` and the server can substitute " +
		"their own module code, which then runs with your cloud credentials.",
	Resolution: "Use `https://` (or `git::https://`, `git::ssh://`) for the module source.",
	Provider:   "terraform",
	Service:    "modules",
	References: []string{"https://developer.hashicorp.com/terraform/language/modules/sources"},
	Check:      checkModuleTransport,
}

var insecureSource = regexp.MustCompile(`^(?:[a-z0-9]+::)?(http|git)://`)

func checkModuleTransport(p *Pass) {
	for _, b := range p.Project.BlocksOfType("module") {
		a := b.Attr("source")
		if a == nil || !knownString(a.Value) {
			continue
		}
		if m := insecureSource.FindStringSubmatch(a.Value.AsString()); m != nil {
			p.ReportAttr(a, fmt.Sprintf("module %q is fetched over %s://, without encryption", b.TypeLabel(), m[1]), nil,
				"whether the server supports https or ssh cannot be known here")
		}
	}
}
