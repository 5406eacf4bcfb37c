package rules

import (
	"cmp"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/tfmodel"
)

// HardcodedSecret: secret-looking values written in Terraform sources or
// tfvars. Reported where they are written, never echoed.
var HardcodedSecret = &Rule{
	ID:       "TFR-TF-006",
	Slug:     "hardcoded-secret",
	Severity: finding.SeverityCritical,
	Title:    "Secret written in Terraform code or tfvars",
	Explanation: "A value that looks like an AWS access key, an AWS secret key, a private key (PEM), a GitHub token " +
		"or a Slack token is written in a variable default, a local, a resource or module argument, or a " +
		".tfvars file. It is committed with the code and copied into the state and plan files. tfreview reports " +
		"where the secret is, never the secret itself.",
	Resolution: "Remove the value, rotate the credential, and supply it at apply time from a secret store " +
		"(a sensitive variable set in CI, Vault, AWS Secrets Manager / SSM via a data source).",
	Provider: "terraform",
	Service:  "secrets",
	References: []string{
		"https://developer.hashicorp.com/terraform/language/values/variables#suppressing-values-in-cli-output",
		"https://developer.hashicorp.com/terraform/tutorials/configuration-language/sensitive-variables",
	},
	Check: checkHardcodedSecrets,
}

// secretPattern is one kind of secret. Patterns follow gitleaks' rules for
// the same providers.
type secretPattern struct {
	kind string
	re   *regexp.Regexp
	// group is the submatch that is the secret itself (0 = whole match).
	group int
}

var secretPatterns = []secretPattern{
	{"an AWS access key ID", regexp.MustCompile(`\b((?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16})\b`), 1},
	{"an AWS secret access key", regexp.MustCompile(`(?i)secret[_-]?(?:access[_-]?)?key["']?\s*[=:]\s*["']([A-Za-z0-9/+]{40})["']`), 1},
	{"a private key", regexp.MustCompile(`-----BEGIN[ A-Z0-9]*PRIVATE KEY( BLOCK)?-----`), 0},
	{"a GitHub token", regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{82})\b`), 1},
	{"a Slack token", regexp.MustCompile(`\b(xox[baprs]-[0-9A-Za-z-]{10,})\b`), 1},
	{"a Slack webhook URL", regexp.MustCompile(`https://hooks\.slack\.com/services/(T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,})`), 1},
}

// awsSecretValue matches a bare 40-character AWS secret key, reported only
// when the argument's name says it is a secret.
var (
	awsSecretValue = regexp.MustCompile(`^\s*["']([A-Za-z0-9/+]{40})["']\s*$`)
	secretName     = regexp.MustCompile(`(?i)secret`)
)

// delegatedToTrivy are arguments Trivy's own checks scan for secrets
// (AWS-0029, AWS-0129, AWS-0036, GIT-0002); reporting them here too would
// duplicate the finding at the same place.
var delegatedToTrivy = map[string][]string{
	"aws_instance":                      {"user_data", "user_data_base64"},
	"aws_launch_template":               {"user_data"},
	"aws_launch_configuration":          {"user_data", "user_data_base64"},
	"aws_ecs_task_definition":           {"container_definitions"},
	"github_actions_secret":             {"plaintext_value"},
	"github_actions_environment_secret": {"plaintext_value"},
}

// secretKinds returns the kinds of secret in text (the source of one
// value) and the byte span [first, end) of the first one.
func secretKinds(name, text string) (kinds []string, first, end int) {
	first = -1
	found := func(kind string, at, to int) {
		if !slices.Contains(kinds, kind) {
			kinds = append(kinds, kind)
		}
		if first < 0 || at < first {
			first, end = at, to
		}
	}
	for _, sp := range secretPatterns {
		for _, m := range sp.re.FindAllStringSubmatchIndex(text, -1) {
			s := text[m[2*sp.group]:m[2*sp.group+1]]
			if strings.HasSuffix(s, "EXAMPLE") || strings.HasSuffix(s, "EXAMPLEKEY") {
				continue // AWS's documentation placeholders
			}
			found(sp.kind, m[2*sp.group], m[2*sp.group+1])
		}
	}
	if m := awsSecretValue.FindStringSubmatchIndex(text); m != nil && secretName.MatchString(name) &&
		!strings.HasSuffix(text[m[2]:m[3]], "EXAMPLEKEY") {
		found("an AWS secret access key", m[2], m[3])
	}
	return kinds, first, end
}

func checkHardcodedSecrets(p *Pass) {
	seen := map[string]bool{} // count/for_each and module instances repeat ranges
	// report points at the first secret in the value (the exact place
	// inside a string, an object or a list), and marks the range sensitive.
	report := func(b *tfmodel.Block, rng finding.Range, attrPath, where string, kinds []string, first, end int) {
		k := fmt.Sprint(rng.File, rng.Start.Byte, rng.Start.Line)
		if seen[k] {
			return
		}
		seen[k] = true
		if src := p.Project.Sources[rng.File]; src != nil && first >= 0 && rng.Start.Byte+end <= len(src) {
			rng.Start, rng.End = posAt(src, rng.Start.Byte+first), posAt(src, rng.Start.Byte+end)
		}
		p.Report(Issue{Block: b, Range: rng, AttributePath: attrPath, Sensitive: true,
			Message:     fmt.Sprintf("%s looks like it contains %s", where, strings.Join(kinds, " and ")),
			NoFixReason: "a secret must be removed and rotated by hand"})
	}
	for _, rm := range p.Project.RootModules {
		for _, m := range rm.Modules {
			for _, b := range m.Blocks {
				walkAttrs(b, func(a *tfmodel.Attribute) {
					top := a.Block.Top()
					if top.Type == "provider" && hardcodedCredential(a) {
						return // TFR-TF-005
					}
					if top.Type == "resource" && a.Block == top && slices.Contains(delegatedToTrivy[top.TypeLabel()], a.Name) {
						return
					}
					text := sourceText(p.Project, a.ExprRange)
					if kinds, first, end := secretKinds(a.Name, text); len(kinds) > 0 {
						report(a.Block, a.ExprRange, a.Path(), describeAttr(a), kinds, first, end)
					}
				})
			}
		}
	}
	// tfvars are not part of the evaluated model: read them directly.
	var files []string
	for f := range p.Project.Sources {
		if strings.HasSuffix(f, ".tfvars") || strings.HasSuffix(f, ".tfvars.json") {
			files = append(files, f)
		}
	}
	slices.Sort(files)
	for _, f := range files {
		src := p.Project.Sources[f]
		var file *hcl.File
		var diags hcl.Diagnostics
		if strings.HasSuffix(f, ".json") {
			file, diags = hcljson.Parse(src, f)
		} else {
			file, diags = hclsyntax.ParseConfig(src, f, hcl.InitialPos)
		}
		if diags.HasErrors() {
			continue // TFR-PARSE reports it
		}
		attrs, _ := file.Body.JustAttributes()
		var list []*hcl.Attribute
		for _, a := range attrs {
			list = append(list, a)
		}
		slices.SortFunc(list, func(a, b *hcl.Attribute) int { return cmp.Compare(a.Range.Start.Byte, b.Range.Start.Byte) })
		for _, a := range list {
			rng := tfmodel.ConvertRange(a.Expr.Range(), f, src)
			if kinds, first, end := secretKinds(a.Name, sourceText(p.Project, rng)); len(kinds) > 0 {
				report(nil, rng, a.Name, fmt.Sprintf("the value of %s in %s", a.Name, path.Base(f)), kinds, first, end)
			}
		}
	}
}

// walkAttrs calls fn for every attribute of b and its nested blocks.
func walkAttrs(b *tfmodel.Block, fn func(*tfmodel.Attribute)) {
	names := make([]string, 0, len(b.Attrs))
	for n := range b.Attrs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fn(b.Attrs[n])
	}
	for _, c := range b.Blocks {
		walkAttrs(c, fn)
	}
}

// describeAttr names where an attribute is, for messages.
func describeAttr(a *tfmodel.Attribute) string {
	top := a.Block.Top()
	switch top.Type {
	case "variable":
		return fmt.Sprintf("the default of variable %q", top.TypeLabel())
	case "locals":
		return "local." + a.Name
	case "output":
		return fmt.Sprintf("output %q", top.TypeLabel())
	}
	return top.Address + "." + a.Path()
}

// sourceText is the source of a range: secrets are looked for where they
// are written, so a variable's value is reported at its definition, once.
func sourceText(p *tfmodel.Project, r finding.Range) string {
	src := p.Sources[r.File]
	if src == nil || r.Start.Byte < 0 || r.End.Byte > len(src) || r.End.Byte < r.Start.Byte {
		return ""
	}
	return string(src[r.Start.Byte:r.End.Byte])
}
