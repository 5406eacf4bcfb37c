package trivyadapter

import (
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"slices"
	"testing"

	"github.com/tfreview/tfreview/finding"
)

var update = flag.Bool("update", false, "rewrite embedded_checks.json from the pinned checks")

// The listing compiled into the binary must be what parsing the pinned
// checks gives; after a Trivy upgrade, regenerate it with -update.
func TestEmbeddedChecksListing(t *testing.T) {
	for _, c := range []struct {
		file, selector string
		load           func() (map[string]*regoModule, error)
		listed         func() ([]finding.RuleInfo, error)
		min            int
	}{
		{"embedded_checks.json", "cloud", loadEmbedded, embeddedChecks, 300},
		{"embedded_k8s_checks.json", "kubernetes", loadEmbeddedKubernetes, embeddedKubernetesChecks, 100},
	} {
		modules, err := c.load()
		if err != nil {
			t.Fatal(err)
		}
		want := listModules(modules, c.selector)
		if *update {
			b, err := json.MarshalIndent(want, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(c.file, append(b, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := c.listed()
		if err != nil {
			t.Fatal(err)
		}
		if len(want) < c.min {
			t.Fatalf("only %d %s checks parsed; embedded checks not found?", len(want), c.selector)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s is stale (%d checks listed, %d parsed): run go test ./internal/trivyadapter -run TestEmbeddedChecksListing -update", c.file, len(got), len(want))
		}
	}
}

// TestKubernetesChecksListed: the Kubernetes listing holds the checks the
// engine reports, with the AVD- aliases users' configs name, and their Pod
// Security Standards level.
func TestKubernetesChecksListed(t *testing.T) {
	list, err := ListKubernetesChecks("")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]finding.RuleInfo{}
	for _, c := range list {
		byID[c.ID] = c
	}
	priv, ok := byID["KSV-0017"]
	if !ok || !slices.Contains(priv.Aliases, "AVD-KSV-0017") || !slices.Contains(priv.Aliases, "KSV017") || priv.Engine != finding.EngineTrivy {
		t.Errorf("KSV-0017 listed as %+v", priv)
	}
	for id, want := range map[string]string{"KSV-0017": PSSBaseline, "KSV-0012": PSSRestricted, "KSV-0044": "", "KSV-0011": ""} {
		if _, ok := byID[id]; !ok {
			t.Errorf("%s not listed", id)
		}
		if got := KubernetesPSSLevel(id); got != want {
			t.Errorf("KubernetesPSSLevel(%s) = %q, want %q", id, got, want)
		}
	}
	if _, ok := byID["AWS-0086"]; ok {
		t.Error("a Terraform check is in the Kubernetes listing")
	}
}
