package rules

import (
	"regexp"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/tfmodel"
)

// RemoteScriptPipedToShell: a provisioner that runs whatever a URL returns.
var RemoteScriptPipedToShell = &Rule{
	ID:       "TFR-TF-009",
	Slug:     "remote-script-piped-to-shell",
	Severity: finding.SeverityMedium,
	Title:    "Provisioner pipes a downloaded script into a shell",
	Explanation: "`curl ... | sh` in a `local-exec` or `remote-exec` provisioner runs whatever the URL serves at " +
		"apply time, unreviewed and unpinned, on the machine running Terraform (with its cloud credentials) or " +
		"on the new server. A compromised or changed script changes your infrastructure without a code change.",
	Resolution: "Download a pinned version, verify its checksum or signature, then run it; better, bake the " +
		"software into the image or use a package manager.",
	Provider:   "terraform",
	Service:    "provisioners",
	References: []string{"https://developer.hashicorp.com/terraform/language/resources/provisioners/syntax#provisioners-are-a-last-resort"},
	Check:      checkRemoteScript,
}

var pipeToShell = []*regexp.Regexp{
	regexp.MustCompile(`(?i)\b(curl|wget)\b[^|\n;&]*\|\s*(sudo\s+(-\S+\s+)*)?(ba|z|k|da|fi)?sh\b`),
	regexp.MustCompile(`(?i)\b(ba|z)?sh\s+(-c\s+)?\\?["']?\$\(\s*(curl|wget)\b`),
	regexp.MustCompile(`(?i)\b(ba|z)?sh\s+<\(\s*(curl|wget)\b`),
}

func checkRemoteScript(p *Pass) {
	for _, res := range p.Project.Resources() {
		for _, prov := range res.Children("provisioner") {
			var attrs []*tfmodel.Attribute
			switch prov.TypeLabel() {
			case "local-exec":
				attrs = append(attrs, prov.Attr("command"))
			case "remote-exec":
				attrs = append(attrs, prov.Attr("inline"))
			}
			for _, a := range attrs {
				if a == nil {
					continue
				}
				// The source text, so `curl ${var.url} | bash` is found
				// whatever the variable holds.
				text := sourceText(p.Project, a.ExprRange)
				for _, re := range pipeToShell {
					if re.MatchString(text) {
						p.ReportAttr(a, prov.TypeLabel()+" provisioner of "+res.Address+" pipes a downloaded script into a shell", nil,
							"a pinned, verified download cannot be written for you")
						break
					}
				}
			}
		}
	}
}
