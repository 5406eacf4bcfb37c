package trivyadapter

import "strings"

// providerByPrefix maps the first word of a Terraform resource type to the
// Trivy provider whose adapter reads it (pkg/iac/adapters/terraform/<provider>
// in Trivy v0.74.0: each adapter reads only its own prefix).
var providerByPrefix = map[string]string{
	"aws":          "aws",
	"azurerm":      "azure",
	"cloudstack":   "cloudstack",
	"digitalocean": "digitalocean",
	"github":       "github",
	"google":       "google",
	"kubernetes":   "kubernetes",
	"nifcloud":     "nifcloud",
	"openstack":    "openstack",
	"opc":          "oracle",
}

// ProviderOf returns the Trivy provider whose checks can apply to a
// resource of this type, or "" when Trivy has no checks for it (random_,
// null_, tls_, ...).
func ProviderOf(resourceType string) string {
	prefix, _, _ := strings.Cut(resourceType, "_")
	return providerByPrefix[prefix]
}
