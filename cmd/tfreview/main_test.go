package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs tfreview in this process; root modules are evaluated in it
// too (see TestMain).
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// runCLIProcess runs tfreview as a process in the current directory, with
// evaluation workers as released: for what depends on them, such as a
// relative path that must reach a worker, which runs in another
// directory, as an absolute one.
func runCLIProcess(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(tfreviewBinary(t), args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("tfreview %v: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

func TestExitCodes(t *testing.T) {
	cases := []struct {
		args []string
		want int
	}{
		{[]string{"scan", "../../testdata/insecure"}, exitFindings},
		{[]string{"scan", "../../testdata/clean"}, exitOK},
		{[]string{"scan", "../../testdata/insecure", "--fail-on", "CRITICAL", "--engines", "builtin"}, exitOK},
		{[]string{"scan", "../../testdata/insecure", "--fail-on", "CRITICAL"}, exitFindings}, // AWS-0104 is CRITICAL
		{[]string{"scan", "--fail-on", "SEVERE", "../../testdata/clean"}, exitError},
		{[]string{"scan", "--format", "yaml", "../../testdata/clean"}, exitError},
		{[]string{"scan", "--no-such-flag"}, exitError},
		{[]string{"scan", "../../testdata/does-not-exist"}, exitError},
		{[]string{"scan", "--engines", "trivy,nope", "../../testdata/clean"}, exitError},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, c.args...)
		if code != c.want {
			t.Errorf("tfreview %s: exit %d, want %d (stderr: %s)", strings.Join(c.args, " "), code, c.want, stderr)
		}
	}
}

func TestConfigUnknownKeyNamesTheKey(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, ".tfreview.yaml")
	if err := os.WriteFile(cfg, []byte("severity: HIGH\nfail_onn: LOW\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "scan", "--config", cfg, "../../testdata/clean")
	if code != exitError || !strings.Contains(stderr, "fail_onn") || !strings.Contains(stderr, "line 2") {
		t.Errorf("exit %d, stderr %q: want 2 and the key and line named", code, stderr)
	}
}

func TestConfigFileAndFlagsOverride(t *testing.T) {
	dir := t.TempDir()
	src, _ := os.ReadFile("../../testdata/broken/good.tf")
	os.WriteFile(filepath.Join(dir, "main.tf"), src, 0o644)
	os.WriteFile(filepath.Join(dir, ".tfreview.yaml"), []byte("fail_on: CRITICAL\ndisabled_checks: [AWS-0027]\n"), 0o644)
	code, out, _ := runCLI(t, "scan", dir, "--format", "json")
	if code != exitOK {
		t.Errorf("fail_on from the config file ignored: exit %d", code)
	}
	if strings.Contains(out, "AWS-0027") || !strings.Contains(out, "AWS-0026") {
		t.Errorf("disabled_checks from the config file not applied")
	}
	if code, _, _ := runCLI(t, "scan", dir, "--fail-on", "HIGH"); code != exitFindings {
		t.Errorf("--fail-on did not override the config file: exit %d", code)
	}
}

func TestSeveralOutputsOneScan(t *testing.T) {
	dir := t.TempDir()
	sarif, jsonOut := filepath.Join(dir, "r.sarif"), filepath.Join(dir, "r.json")
	code, stdout, stderr := runCLI(t, "scan", "../../testdata/insecure",
		"--format", "sarif", "--output", sarif, "--format", "json", "--output", jsonOut, "--format", "text", "--no-color")
	if code != exitFindings {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "AWS-0086") || !strings.Contains(stdout, "root module") {
		t.Errorf("text output on stdout missing findings or summary")
	}
	var s struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
			} `json:"results"`
		} `json:"runs"`
	}
	data, err := os.ReadFile(sarif)
	if err != nil || json.Unmarshal(data, &s) != nil || s.Version != "2.1.0" || len(s.Runs) != 1 || len(s.Runs[0].Results) < 20 {
		t.Fatalf("sarif file: err=%v version=%q", err, s.Version)
	}
	var j struct {
		Findings []struct {
			RuleID string `json:"rule_id"`
		} `json:"findings"`
	}
	data, err = os.ReadFile(jsonOut)
	if err != nil || json.Unmarshal(data, &j) != nil {
		t.Fatalf("json file: %v", err)
	}
	if len(j.Findings) != len(s.Runs[0].Results) {
		t.Errorf("json has %d findings, sarif %d results: not from the same scan?", len(j.Findings), len(s.Runs[0].Results))
	}
	if code, _, _ := runCLI(t, "scan", "-o", sarif, "-o", jsonOut, "-f", "json"); code != exitError {
		t.Errorf("more --output than --format accepted")
	}
}

func TestChecksAndVersion(t *testing.T) {
	code, out, _ := runCLI(t, "checks", "--format", "json")
	if code != 0 {
		t.Fatalf("checks: exit %d", code)
	}
	var checks []struct {
		ID      string   `json:"id"`
		Aliases []string `json:"aliases"`
		Engine  string   `json:"engine"`
	}
	if err := json.Unmarshal([]byte(out), &checks); err != nil {
		t.Fatal(err)
	}
	byID := map[string][]string{}
	for _, c := range checks {
		byID[c.ID] = c.Aliases
	}
	if a, ok := byID["AWS-0086"]; !ok || !strings.Contains(strings.Join(a, ","), "AVD-AWS-0086") {
		t.Errorf("AWS-0086 missing or without its AVD alias: %v", a)
	}
	if _, ok := byID["TFR-PARSE"]; !ok {
		t.Error("TFR-PARSE not listed")
	}
	if len(checks) < 300 {
		t.Errorf("only %d checks listed", len(checks))
	}
	code, out, _ = runCLI(t, "version")
	if code != 0 || !strings.Contains(out, "trivy v0.74.0") {
		t.Errorf("version: %d %q", code, out)
	}
}
