package trivyadapter

import (
	"fmt"

	checks "github.com/aquasecurity/trivy-checks"
	"github.com/aquasecurity/trivy/pkg/iac/rego"
	"github.com/open-policy-agent/opa/v1/ast"
)

// loadEmbedded parses the embedded checks that can run on Terraform: those
// under checks/cloud (the Kubernetes and Dockerfile checks are a third of
// the embedded files).
func loadEmbedded() (map[string]*ast.Module, error) {
	m, err := rego.LoadPoliciesFromDirs(checks.EmbeddedPolicyFileSystem, "checks/cloud")
	if err != nil {
		return nil, fmt.Errorf("load embedded Trivy checks: %w", err)
	}
	return m, nil
}

// loadEmbeddedKubernetes parses the embedded checks NewKubernetesEngine
// runs.
func loadEmbeddedKubernetes() (map[string]*ast.Module, error) {
	m, err := rego.LoadPoliciesFromDirs(checks.EmbeddedPolicyFileSystem, "checks/kubernetes")
	if err != nil {
		return nil, fmt.Errorf("load embedded Kubernetes checks: %w", err)
	}
	return m, nil
}
