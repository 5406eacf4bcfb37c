package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestK8sPSSFlagAndConfig: --k8s-pss baseline (or k8s_pss in the config)
// drops the restricted-only pod checks (KSV-0011, CPU limits) and keeps
// the baseline ones (KSV-0017, privileged); an unknown level is an error.
// KSV findings reach the SARIF and text outputs with their YAML file.
func TestK8sPSSFlagAndConfig(t *testing.T) {
	// Slow and independent: runs beside the other slow tests.
	t.Parallel()
	fixture := "../../testdata/kubernetes"
	_, def, _ := runCLI(t, "scan", fixture, "--format", "json")
	if !strings.Contains(def, `"KSV-0011"`) || !strings.Contains(def, `"KSV-0017"`) {
		t.Fatalf("default (restricted) scan lacks KSV-0011 or KSV-0017")
	}
	_, base, _ := runCLI(t, "scan", fixture, "--format", "json", "--k8s-pss", "baseline")
	if strings.Contains(base, `"KSV-0011"`) || !strings.Contains(base, `"KSV-0017"`) {
		t.Errorf("--k8s-pss baseline: KSV-0011 present or KSV-0017 missing")
	}
	cfg := filepath.Join(t.TempDir(), "tfreview.yaml")
	if err := os.WriteFile(cfg, []byte("k8s_pss: baseline\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, fromCfg, stderr := runCLI(t, "scan", fixture, "--format", "json", "--config", cfg)
	if strings.Contains(fromCfg, `"KSV-0011"`) || !strings.Contains(fromCfg, `"KSV-0017"`) {
		t.Errorf("k8s_pss: baseline in the config not applied (stderr %s)", stderr)
	}
	if code, _, _ := runCLI(t, "scan", fixture, "--k8s-pss", "privileged"); code != exitError {
		t.Errorf("--k8s-pss privileged: exit %d, want %d", code, exitError)
	}
	_, sarif, _ := runCLI(t, "scan", fixture, "--format", "sarif")
	if !strings.Contains(sarif, "KSV-0017") || !strings.Contains(sarif, "manifests/web.yaml") {
		t.Error("SARIF output lacks the YAML KSV findings")
	}
	_, text, _ := runCLI(t, "scan", fixture, "--no-color")
	if !strings.Contains(text, "KSV-0009") || !strings.Contains(text, "manifests/multi.yaml") {
		t.Error("text output lacks the YAML KSV findings")
	}
}

// TestKubernetesChecksListedAndSelectable: `tfreview checks` lists the
// Kubernetes checks with their AVD- aliases and Pod Security Standards
// level, and --checks, --skip-checks and disabled_checks take their IDs
// and aliases (they were "unknown check" errors).
func TestKubernetesChecksListedAndSelectable(t *testing.T) {
	code, out, _ := runCLI(t, "checks", "--format", "json")
	var list []struct {
		ID      string   `json:"id"`
		Aliases []string `json:"aliases"`
		PSS     string   `json:"pss"`
	}
	if err := json.Unmarshal([]byte(out), &list); code != exitOK || err != nil {
		t.Fatalf("checks --format json: exit %d, %v", code, err)
	}
	pss := map[string]string{}
	for _, c := range list {
		if slices.Contains(c.Aliases, "AVD-"+c.ID) {
			pss[c.ID] = c.PSS
		}
	}
	for id, want := range map[string]string{"KSV-0017": "baseline", "KSV-0012": "restricted", "KSV-0044": "", "KCV-0001": ""} {
		if got, ok := pss[id]; !ok || got != want {
			t.Errorf("checks: %s listed %v with pss %q, want %q and its AVD- alias", id, ok, got, want)
		}
	}
	_, text, _ := runCLI(t, "checks")
	if !regexpLine(text, `KSV-0017\s+trivy\s+HIGH\s+kubernetes/general\s+baseline\s`) {
		t.Error("checks text output does not list KSV-0017 with its PSS level")
	}

	fixture := "../../testdata/kubernetes"
	ids := func(args ...string) map[string]bool {
		t.Helper()
		fs, code, stderr := scanFindings(t, append([]string{fixture}, args...)...)
		if code != exitFindings {
			t.Fatalf("scan %v: exit %d (%s)", args, code, stderr)
		}
		seen := map[string]bool{}
		for _, f := range fs {
			seen[f["rule_id"].(string)] = true
		}
		return seen
	}
	if only := ids("--checks", "AVD-KSV-0017"); !only["KSV-0017"] || len(only) != 1 {
		t.Errorf("--checks AVD-KSV-0017 reported %v", only)
	}
	if skip := ids("--skip-checks", "KSV-0017,ksv011"); skip["KSV-0017"] || skip["KSV-0011"] || !skip["KSV-0009"] {
		t.Errorf("--skip-checks KSV-0017,ksv011 reported %v", skip)
	}
	cfg := filepath.Join(t.TempDir(), "tfreview.yaml")
	if err := os.WriteFile(cfg, []byte("disabled_checks: [AVD-KSV-0009]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if dis := ids("--config", cfg); dis["KSV-0009"] || !dis["KSV-0017"] {
		t.Errorf("disabled_checks [AVD-KSV-0009] reported %v", dis)
	}
}
