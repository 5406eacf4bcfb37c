package rules

import (
	"path"
	"slices"
	"strings"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/tfmodel"
)

// RequiredVersionMissing: a root module should say which Terraform versions
// it was written for.
var RequiredVersionMissing = &Rule{
	ID:       "TFR-TF-004",
	Slug:     "required-version-missing",
	Severity: finding.SeverityLow,
	Title:    "Root module does not constrain the Terraform version",
	Explanation: "Without `required_version`, any Terraform (or a fork) will plan and apply the configuration, " +
		"including versions that read it differently or upgrade the state format so that older versions in CI " +
		"can no longer use it.",
	Resolution: "Add `terraform { required_version = \"~> 1.9\" }` (the range you test with) to the root module.",
	Provider:   "terraform",
	Service:    "core",
	References: []string{"https://developer.hashicorp.com/terraform/language/terraform#terraform-required_version"},
	Check:      checkRequiredVersion,
}

func checkRequiredVersion(p *Pass) {
	for _, rm := range p.Project.RootModules {
		if len(rm.Modules) == 0 || rm.Modules[0].Address != "" {
			continue
		}
		var tfBlocks []*tfmodel.Block
		set := false
		for _, b := range rm.Modules[0].Blocks {
			if b.Type != "terraform" {
				continue
			}
			tfBlocks = append(tfBlocks, b)
			if a := b.Attr("required_version"); a != nil {
				set = true
			}
		}
		if set {
			continue
		}
		const msg = "root module has no terraform { required_version }"
		const noFix = "the Terraform versions this configuration supports cannot be known here"
		if len(tfBlocks) > 0 {
			slices.SortFunc(tfBlocks, func(a, b *tfmodel.Block) int {
				return strings.Compare(a.DefRange.File, b.DefRange.File)*1000 + a.DefRange.Start.Line - b.DefRange.Start.Line
			})
			p.ReportMissing(tfBlocks[0], "required_version", msg, nil, noFix)
			continue
		}
		// No terraform block at all: point at the start of the root
		// module's first file, where one would go.
		var files []string
		for f := range p.Project.Sources {
			if path.Dir(f) == rm.Dir && strings.HasSuffix(f, ".tf") {
				files = append(files, f)
			}
		}
		if len(files) == 0 {
			continue
		}
		slices.Sort(files)
		start := finding.Position{Line: 1, Column: 1, Byte: 0}
		p.Report(Issue{Range: finding.Range{File: files[0], Start: start, End: start},
			AttributePath: "terraform.required_version", Message: msg, NoFixReason: noFix})
	}
}
