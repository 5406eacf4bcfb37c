package trivyadapter

import (
	"fmt"
	"os"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/aquasecurity/trivy/pkg/iac/rego"
)

type regoModule = ast.Module

func loadEmbedded() (map[string]*ast.Module, error) {
	m, err := rego.LoadEmbeddedPolicies()
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
