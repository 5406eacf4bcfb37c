package trivyadapter

import (
	"fmt"
	"os"

	"github.com/open-policy-agent/opa/v1/ast"

	checks "github.com/aquasecurity/trivy-checks"
	"github.com/aquasecurity/trivy/pkg/iac/rego"
)

type regoModule = ast.Module

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

func loadDir(dir string) (map[string]*ast.Module, error) {
	m, err := rego.LoadPoliciesFromDirs(os.DirFS(dir), ".")
	if err != nil {
		return nil, fmt.Errorf("load checks bundle %s: %w", dir, err)
	}
	return m, nil
}
