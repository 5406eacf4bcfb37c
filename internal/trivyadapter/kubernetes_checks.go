package trivyadapter

import (
	_ "embed"
	"fmt"
	"sync"

	"github.com/aquasecurity/trivy-checks/pkg/compliance"
	"gopkg.in/yaml.v3"

	"github.com/tfreview/tfreview/finding"
)

// embeddedKubernetesChecksJSON is the metadata of the embedded Kubernetes
// checks (KSV, and KCV for control-plane manifests), generated as
// embeddedChecksJSON is:
//
//	go test ./internal/trivyadapter -run TestEmbeddedChecksListing -update
//
//go:embed embedded_k8s_checks.json
var embeddedKubernetesChecksJSON []byte

var embeddedKubernetesChecks = sync.OnceValues(func() ([]finding.RuleInfo, error) {
	return decodeChecks(embeddedKubernetesChecksJSON)
})

// ListKubernetesChecks lists the checks NewKubernetesEngine runs on
// Kubernetes objects: the embedded ones, or those of a local checks bundle.
func ListKubernetesChecks(bundle string) ([]finding.RuleInfo, error) {
	if bundle == "" {
		return embeddedKubernetesChecks()
	}
	modules, err := loadDir(bundle)
	if err != nil {
		return nil, err
	}
	return listModules(modules, "kubernetes"), nil
}

// KubernetesPSSLevel is the lowest Pod Security Standards level whose
// Trivy compliance spec names the check id: "baseline" (in restricted
// too), "restricted", or "" for a check neither spec names. On workloads,
// --k8s-pss baseline runs only the baseline ones and restricted runs
// every check; other kinds (RBAC, network policies) get every check at
// both levels.
func KubernetesPSSLevel(id string) string {
	levels, err := pssLevels()
	if err != nil {
		return ""
	}
	return levels[id]
}

var pssLevels = sync.OnceValues(func() (map[string]string, error) {
	out := map[string]string{}
	for _, level := range []string{PSSRestricted, PSSBaseline} {
		ids, err := complianceChecks("k8s-pss-" + level + "-0.1")
		if err != nil {
			return nil, err
		}
		for id := range ids {
			out[id] = level
		}
	}
	return out, nil
})

// complianceChecks are the check IDs of one of Trivy's compliance specs.
func complianceChecks(name string) (map[string]bool, error) {
	var spec struct {
		Spec struct {
			Controls []struct {
				Checks []struct {
					ID string `yaml:"id"`
				} `yaml:"checks"`
			} `yaml:"controls"`
		} `yaml:"spec"`
	}
	src := compliance.GetSpec(name)
	if src == "" {
		return nil, fmt.Errorf("no %s compliance spec in trivy-checks", name)
	}
	if err := yaml.Unmarshal([]byte(src), &spec); err != nil {
		return nil, fmt.Errorf("the %s spec of Trivy: %w", name, err)
	}
	ids := map[string]bool{}
	for _, c := range spec.Spec.Controls {
		for _, ch := range c.Checks {
			ids[ch.ID] = true
		}
	}
	return ids, nil
}
