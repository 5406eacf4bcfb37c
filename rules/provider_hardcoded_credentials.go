package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/tfmodel"
)

// ProviderHardcodedCredentials: credentials written into a provider block
// end up in version control and in every clone.
var ProviderHardcodedCredentials = &Rule{
	ID:       "TFR-TF-005",
	Slug:     "provider-hardcoded-credentials",
	Severity: finding.SeverityCritical,
	Title:    "Credentials hard-coded in a provider block",
	Explanation: "A secret key, token or password written into a `provider` block is committed with the code: " +
		"everyone with read access to the repository, its forks, CI logs and backups has it, and rotating it " +
		"means rewriting history.",
	Resolution: "Remove the argument and let the provider read credentials from its environment (e.g. " +
		"AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, an AWS profile or role, GOOGLE_CREDENTIALS, ARM_CLIENT_SECRET), " +
		"or pass them through a sensitive variable set outside the repository. Rotate the exposed credential.",
	Provider:   "terraform",
	Service:    "providers",
	References: []string{"https://registry.terraform.io/providers/hashicorp/aws/latest/docs#authentication-and-configuration"},
	Check:      checkProviderCredentials,
}

// credentialArg matches provider arguments that hold secrets across the
// common providers: aws access_key/secret_key/token, azurerm client_secret,
// google credentials/access_token, github/vault/kubernetes token, ...
var credentialArg = regexp.MustCompile(`(?i)^(access_key|secret_key|secret_access_key|token|access_token|api_token|api_key|app_key|` +
	`client_secret|client_certificate_password|client_key|password|credentials|private_key|secret|spaces_secret_key)$`)

// hardcodedCredential returns the provider's credential argument if it is a
// non-empty literal.
func hardcodedCredential(a *tfmodel.Attribute) bool {
	return credentialArg.MatchString(a.Name) && a.IsLiteral() && knownString(a.Value) && strings.TrimSpace(a.Value.AsString()) != ""
}

func checkProviderCredentials(p *Pass) {
	for _, b := range p.Project.BlocksOfType("provider") {
		var names []string
		for n, a := range b.Attrs {
			if hardcodedCredential(a) {
				names = append(names, n)
			}
		}
		slices.Sort(names)
		for _, n := range names {
			// Never echo the value: only the provider and argument name.
			a := b.Attrs[n]
			p.Report(Issue{Block: b, Range: a.ExprRange, AttributePath: a.Path(), Sensitive: true,
				Message: fmt.Sprintf("provider %q has a hard-coded %s", b.TypeLabel(), n)})
		}
	}
}
