package main

import (
	"os"
	"path/filepath"
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
