package trivyadapter

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"

	checks "github.com/aquasecurity/trivy-checks"
	"github.com/aquasecurity/trivy/pkg/iac/rego"

	"github.com/tfreview/tfreview/finding"
)

type regoModule = ast.Module

// embeddedChecksJSON is the metadata of the embedded checks that run on
// Terraform, as listModules derives it from the pinned trivy-checks. Parsing
// the checks' annotations to list them took 0.2 s of CPU in every scan;
// the listing only changes with the Trivy version, so it is generated once:
//
//	go test ./internal/trivyadapter -run TestEmbeddedChecksListing -update
//
// and the test fails when it no longer matches the checks.
//
//go:embed embedded_checks.json
var embeddedChecksJSON []byte

var embeddedChecks = sync.OnceValues(func() ([]finding.RuleInfo, error) {
	return decodeChecks(embeddedChecksJSON)
})

func decodeChecks(data []byte) ([]finding.RuleInfo, error) {
	var out []finding.RuleInfo
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("embedded Trivy checks listing: %w", err)
	}
	return out, nil
}

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
