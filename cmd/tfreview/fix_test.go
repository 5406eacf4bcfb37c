package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/config"
	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/rules"
)

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	if err := copyTerraform(src, dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

func fingerprints(t *testing.T, dir string) map[string]string {
	t.Helper()
	_, out, stderr := runCLI(t, "scan", dir, "--format", "json")
	var rep struct {
		Findings []struct {
			RuleID      string `json:"rule_id"`
			Fingerprint string `json:"fingerprint"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	m := map[string]string{}
	for _, f := range rep.Findings {
		m[f.Fingerprint] = f.RuleID
	}
	return m
}

func TestFixInsecureExample(t *testing.T) {
	// Slow and independent: runs beside the other slow tests.
	t.Parallel()
	dir := copyDir(t, "../../testdata/insecure")
	before := fingerprints(t, dir)
	origMessaging, _ := os.ReadFile(filepath.Join(dir, "messaging.tf"))

	code, diff, stderr := runCLI(t, "fix", dir, "--dry-run")
	if code != exitFindings || !strings.Contains(diff, "+  storage_encrypted                   = true") || !strings.Contains(diff, "@@") {
		t.Fatalf("dry run: exit %d, stderr %s, diff:\n%s", code, stderr, diff)
	}
	if now, _ := os.ReadFile(filepath.Join(dir, "messaging.tf")); !bytes.Equal(now, origMessaging) {
		t.Fatal("--dry-run wrote a file")
	}
	// The diff applies cleanly with git apply --check (a real consumer).
	if _, err := exec.LookPath("git"); err == nil {
		cmd := exec.Command("git", "apply", "--check", "-p1", "--directory=", "-")
		cmd.Dir = "/"
		cmd.Stdin = strings.NewReader(diff)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("git apply --check rejects the diff: %v %s", err, out)
		}
	}

	if code, _, stderr := runCLI(t, "fix", dir); code != 0 {
		t.Fatalf("fix: exit %d: %s", code, stderr)
	}
	after := fingerprints(t, dir)
	if len(after) >= len(before) {
		t.Errorf("fix did not reduce findings: %d -> %d", len(before), len(after))
	}
	for fp, id := range after {
		if _, ok := before[fp]; !ok {
			t.Errorf("fix introduced a new finding %s (%s)", id, fp)
		}
	}
	for _, id := range []string{"AWS-0026", "AWS-0080", "AWS-0180", "AWS-0131", "AWS-0028"} {
		for _, got := range after {
			if got == id {
				t.Errorf("%s still reported after fix", id)
				break
			}
		}
	}
	// CRLF line endings are kept in the lines the fix wrote.
	msg, _ := os.ReadFile(filepath.Join(dir, "messaging.tf"))
	if bytes.Count(msg, []byte("\n")) != bytes.Count(msg, []byte("\r\n")) {
		t.Errorf("messaging.tf mixes line endings after fix:\n%q", msg)
	}
	// A second run finds nothing more to fix.
	_, diff, _ = runCLI(t, "fix", dir, "--dry-run")
	if diff != "" {
		t.Errorf("second run still has fixes:\n%s", diff)
	}
}

func TestFixNeverTouchesBrokenOrNonLiteral(t *testing.T) {
	dir := t.TempDir()
	broken := "resource \"aws_ebs_volume\" \"a\" {\n  encrypted = false\n"
	viaVar := "variable \"enc\" {\n  default = false\n}\n\nresource \"aws_ebs_volume\" \"b\" {\n  availability_zone = \"eu-west-1a\"\n  encrypted         = var.enc\n}\n"
	os.WriteFile(filepath.Join(dir, "broken.tf"), []byte(broken), 0o644)
	os.WriteFile(filepath.Join(dir, "var.tf"), []byte(viaVar), 0o644)
	if code, _, stderr := runCLI(t, "fix", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "broken.tf")); string(got) != broken {
		t.Error("a file that does not parse was changed")
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "var.tf")); string(got) != viaVar {
		t.Errorf("a value from a variable was rewritten:\n%s", got)
	}
	_, out, _ := runCLI(t, "scan", dir, "--format", "json")
	if !strings.Contains(out, "the value comes from var.enc; changing it would change every caller") {
		t.Error("the finding does not say why no fix is offered")
	}
}

// fix scans with the same config as scan: a disabled check is not fixed,
// and a skipped directory is not touched.
func TestFixUsesTheScanConfig(t *testing.T) {
	dir := t.TempDir()
	volume := "resource \"aws_ebs_volume\" \"data\" {\n  availability_zone = \"eu-west-1a\"\n  size              = 10\n  encrypted         = false\n}\n"
	instance := "resource \"aws_instance\" \"web\" {\n  ami           = \"ami-123\"\n  instance_type = \"t3.micro\"\n  metadata_options {\n    http_tokens = \"optional\"\n  }\n}\n"
	writeFiles(t, dir, map[string]string{
		"main.tf":            volume + instance,
		"examples/x/main.tf": volume + instance,
		config.FileName:      "disabled_checks: [AWS-0026]\nskip_dirs: [\"examples/**\"]\n",
	})
	code, out, stderr := runCLI(t, "fix", "--dry-run", "--engines", "trivy", dir)
	if code != exitFindings {
		t.Fatalf("fix: exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, `http_tokens = "required"`) {
		t.Errorf("the enabled check was not fixed:\n%s", out)
	}
	if strings.Contains(out, "encrypted") {
		t.Errorf("disabled_checks: AWS-0026 was fixed anyway:\n%s", out)
	}
	if strings.Contains(out, "examples") {
		t.Errorf("skip_dirs: examples/ was fixed anyway:\n%s", out)
	}
}

// TestFixSelection: fix applies a finding when its check's fix class was
// asked for and, with --check, when the finding is one of those checks,
// named by ID or any alias, in any case.
func TestFixSelection(t *testing.T) {
	acl := finding.Finding{RuleID: "AWS-0086", Aliases: []string{"AVD-AWS-0086", "aws-s3-block-public-acls"}} // safe
	kms := finding.Finding{RuleID: "AWS-0079"}                                                                // billable: a new KMS key
	for _, tc := range []struct {
		name     string
		only     []string
		classes  []string
		acl, kms bool
	}{
		{"default class", nil, []string{rules.FixClassSafe}, true, false},
		{"billable asked for", nil, []string{rules.FixClassSafe, rules.FixClassBillable}, true, true},
		{"--check by alias", []string{"avd-aws-0086"}, []string{rules.FixClassSafe, rules.FixClassBillable}, true, false},
		{"--check by slug", []string{"aws-s3-block-public-acls"}, []string{rules.FixClassSafe}, true, false},
		{"--check of a class not asked for", []string{"AWS-0079"}, []string{rules.FixClassSafe}, false, false},
		{"--check of another check", []string{"AWS-0079"}, []string{rules.FixClassBillable, rules.FixClassSafe}, false, true},
	} {
		classes, err := fixClassSet(tc.classes)
		if err != nil {
			t.Fatal(err)
		}
		sel := fixSelection(tc.only, classes)
		if sel(acl) != tc.acl || sel(kms) != tc.kms {
			t.Errorf("%s: AWS-0086 %v, AWS-0079 %v; want %v, %v", tc.name, sel(acl), sel(kms), tc.acl, tc.kms)
		}
	}
}
