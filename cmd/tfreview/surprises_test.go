package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// scanFindings runs scan with --format json --show-ignored and returns the
// findings and the exit code.
func scanFindings(t *testing.T, args ...string) ([]map[string]any, int, string) {
	t.Helper()
	code, out, stderr := runCLI(t, append([]string{"scan", "--format", "json", "--show-ignored"}, args...)...)
	return decodeFindings(t, code, out, stderr)
}

// decodeFindings reads the findings of a scan's json output.
func decodeFindings(t *testing.T, code int, out, stderr string) ([]map[string]any, int, string) {
	t.Helper()
	var rep struct {
		Findings []map[string]any `json:"findings"`
	}
	if code == exitOK || code == exitFindings {
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("json output: %v\n%s\nstderr: %s", err, out, stderr)
		}
	}
	return rep.Findings, code, stderr
}

func findingsOf(fs []map[string]any, id string) []map[string]any {
	var out []map[string]any
	for _, f := range fs {
		if f["rule_id"] == id {
			out = append(out, f)
		}
	}
	return out
}

func suppression(f map[string]any) map[string]any {
	s, _ := f["suppression"].(map[string]any)
	return s
}

// TestUnknownCheckIDsAreErrors: a check ID that names nothing, in any of
// the three places, fails the run naming it and the closest real ID (it
// used to run no check and print "No problems found", exit 0).
func TestUnknownCheckIDsAreErrors(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"main.tf": insecureVolume})
	cfgDir := t.TempDir()
	writeFiles(t, cfgDir, map[string]string{"main.tf": insecureVolume, ".tfreview.yaml": "disabled_checks: [AWS-0O26]\n"})
	for _, c := range []struct {
		args       []string
		id, nearID string
	}{
		{[]string{"scan", "--checks", "AWS-9999", dir}, "AWS-9999", "AWS-0099"},
		{[]string{"scan", "--skip-checks", "AWS-0026,TFR-AWS-01", dir}, "TFR-AWS-01", "TFR-AWS-001"},
		{[]string{"scan", cfgDir}, "AWS-0O26", "AWS-0026"},
		{[]string{"fix", "--dry-run", "--checks", "AWS-9999", dir}, "AWS-9999", "AWS-0099"},
	} {
		code, _, stderr := runCLI(t, c.args...)
		if code != exitError || !strings.Contains(stderr, c.id) || !strings.Contains(stderr, "did you mean "+c.nearID) {
			t.Errorf("tfreview %s: exit %d, stderr %q; want 2 naming %s and suggesting %s", strings.Join(c.args, " "), code, stderr, c.id, c.nearID)
		}
	}
	// Real IDs and aliases (any case) still work.
	if code, _, stderr := runCLI(t, "scan", "--checks", "aws-0026", dir); code != exitFindings {
		t.Errorf("--checks aws-0026: exit %d (%s), want 1", code, stderr)
	}
}

// TestUnknownIgnoreIDIsAFinding: an ignore comment naming no check is a
// TFR-IGNORE-UNKNOWN finding (it used to be at most "unused").
func TestUnknownIgnoreIDIsAFinding(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"main.tf": "# trivy:ignore:AWS-9999 typo\n" + insecureVolume})
	fs, _, stderr := scanFindings(t, dir)
	unk := findingsOf(fs, "TFR-IGNORE-UNKNOWN")
	if len(unk) != 1 || !strings.Contains(unk[0]["message"].(string), "AWS-9999") {
		t.Fatalf("want one TFR-IGNORE-UNKNOWN naming AWS-9999, got %v (stderr %s)", fs, stderr)
	}
	code, out, _ := runCLI(t, "checks")
	if code != exitOK || !strings.Contains(out, "TFR-IGNORE-UNKNOWN") {
		t.Error("`tfreview checks` does not list TFR-IGNORE-UNKNOWN")
	}
}

// TestEmptyScanFails: paths without any Terraform are an error unless
// --allow-empty (a wrong path used to pass as "No problems found").
func TestEmptyScanFails(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"README.md": "no terraform here\n"})
	code, _, stderr := runCLI(t, "scan", dir)
	if code != exitError || !strings.Contains(stderr, "no Terraform files") {
		t.Errorf("empty scan: exit %d, stderr %q; want 2 and said so", code, stderr)
	}
	if code, _, stderr := runCLI(t, "scan", "--allow-empty", dir); code != exitOK {
		t.Errorf("--allow-empty: exit %d (%s), want 0", code, stderr)
	}
}

// TestFailOnNoneReportsOnly: --fail-on none prints the findings and exits 0.
func TestFailOnNoneReportsOnly(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"main.tf": insecureVolume})
	code, out, stderr := runCLI(t, "scan", "--fail-on", "none", dir)
	if code != exitOK || !strings.Contains(out, "AWS-0026") {
		t.Errorf("exit %d (stderr %s), output:\n%s\nwant 0 and the finding printed", code, stderr, out)
	}
}

// TestSeverityListIsExact: --severity LOW,CRITICAL reports exactly those
// (as Trivy's --severity), where a single value stays a floor.
func TestSeverityListIsExact(t *testing.T) {
	fs, _, stderr := scanFindings(t, "--severity", "LOW,CRITICAL", "../../testdata/insecure")
	seen := map[string]bool{}
	for _, f := range fs {
		seen[f["severity"].(string)] = true
	}
	if !seen["CRITICAL"] || !seen["LOW"] || seen["HIGH"] || seen["MEDIUM"] {
		t.Errorf("--severity LOW,CRITICAL reported severities %v (stderr %s)", seen, stderr)
	}
	fs, _, _ = scanFindings(t, "--severity", "HIGH", "../../testdata/insecure")
	seen = map[string]bool{}
	for _, f := range fs {
		seen[f["severity"].(string)] = true
	}
	if !seen["HIGH"] || !seen["CRITICAL"] || seen["LOW"] {
		t.Errorf("--severity HIGH (a floor) reported %v", seen)
	}
	if code, _, _ := runCLI(t, "scan", "--severity", "HIGH,SEVERE", "../../testdata/clean"); code != exitError {
		t.Errorf("--severity HIGH,SEVERE: exit %d, want 2", code)
	}
}

// TestQuietPrintsNothing: -q prints no report on stdout; the exit code is
// what it would be.
func TestQuietPrintsNothing(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"main.tf": insecureVolume})
	code, out, _ := runCLI(t, "scan", "-q", dir)
	if code != exitFindings || out != "" {
		t.Errorf("-q: exit %d, stdout %q; want 1 and nothing", code, out)
	}
	sarif := filepath.Join(t.TempDir(), "out.sarif")
	code, out, _ = runCLI(t, "scan", "--quiet", "-f", "sarif", "-o", sarif, "-f", "text", dir)
	if st, err := os.Stat(sarif); code != exitFindings || out != "" || err != nil || st.Size() == 0 {
		t.Errorf("--quiet with a file output: exit %d, stdout %q, sarif %v; want 1, nothing on stdout, the file written", code, out, err)
	}
}

// TestFixDryRunExitCode: fix --dry-run exits 1 when fixes are pending
// (like terraform fmt -check) and 0 when there are none.
func TestFixDryRunExitCode(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"main.tf": insecureVolume})
	if code, diff, stderr := runCLI(t, "fix", "--dry-run", dir); code != exitFindings || !strings.Contains(diff, "encrypted") {
		t.Errorf("pending fixes: exit %d (stderr %s), diff %q; want 1 and the diff", code, stderr, diff)
	}
	if code, _, stderr := runCLI(t, "fix", "--dry-run", "../../testdata/clean"); code != exitOK {
		t.Errorf("nothing to fix: exit %d (stderr %s), want 0", code, stderr)
	}
}

// TestTrivyignoreFiles: .trivyignore and .trivyignore.yaml in the scanned
// directory suppress findings (kind trivyignore, the statement as reason,
// paths and expiry honoured).
func TestTrivyignoreFiles(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"main.tf":           insecureVolume,
		"other/main.tf":     insecureVolume,
		".trivyignore":      "# migrated from Trivy\nAVD-AWS-0026 exp:2000-01-01\n",
		".trivyignore.yaml": "misconfigurations:\n  - id: AWS-0026\n    paths: [\"other/**\"]\n    statement: scratch volumes\n    expired_at: 2999-12-31\nvulnerabilities:\n  - id: CVE-2024-0001\n",
	})
	fs, _, stderr := scanFindings(t, dir)
	var top, other map[string]any
	for _, f := range findingsOf(fs, "AWS-0026") {
		rng := f["range"].(map[string]any)
		if strings.Contains(rng["file"].(string), "other/") {
			other = f
		} else {
			top = f
		}
	}
	if other == nil || top == nil {
		t.Fatalf("want AWS-0026 in both files, got %v (stderr %s)", fs, stderr)
	}
	if s := suppression(other); s == nil || s["kind"] != "trivyignore" || s["reason"] != "scratch volumes" {
		t.Errorf("other/main.tf: suppression %v, want trivyignore with the statement", s)
	}
	// The .trivyignore entry expired in 2000: reported again.
	if s := suppression(top); s != nil {
		t.Errorf("main.tf: suppressed by %v, but its only ignore expired", s)
	}

	// A symbolic link standing in for .trivyignore is refused, not followed.
	link := t.TempDir()
	writeFiles(t, link, map[string]string{"main.tf": insecureVolume})
	os.Symlink("/etc/passwd", filepath.Join(link, ".trivyignore"))
	if code, _, stderr := runCLI(t, "scan", link); code != exitError || !strings.Contains(stderr, ".trivyignore") {
		t.Errorf("symlinked .trivyignore: exit %d, stderr %q; want 2 naming it", code, stderr)
	}
}

// TestIgnoreCommentsOfOtherTools: checkov:skip (inside the resource) and
// kics-scan ignore-line / ignore-block are read like trivy:ignore.
func TestIgnoreCommentsOfOtherTools(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"checkov.tf": `resource "aws_ebs_volume" "a" {
  # checkov:skip=AWS-0026:restored from an encrypted snapshot
  availability_zone = "eu-west-1a"
  size              = 10
  encrypted         = false
}
`,
		"kics.tf": `resource "aws_ebs_volume" "b" {
  availability_zone = "eu-west-1a"
  size              = 10
  # kics-scan ignore-line
  encrypted         = false
}

# kics-scan ignore-block
resource "aws_ebs_volume" "c" {
  availability_zone = "eu-west-1a"
  size              = 10
  encrypted         = false
}

resource "aws_ebs_volume" "d" {
  availability_zone = "eu-west-1a"
  size              = 10
  encrypted         = false
}
`,
	})
	fs, _, stderr := scanFindings(t, "--checks", "AWS-0026", dir)
	kinds := map[string]string{}
	for _, f := range findingsOf(fs, "AWS-0026") {
		kind := "active"
		if s := suppression(f); s != nil {
			kind = s["kind"].(string)
			if kind == "checkov" && s["reason"] != "restored from an encrypted snapshot" {
				t.Errorf("checkov reason %q", s["reason"])
			}
		}
		kinds[f["resource"].(string)] = kind
	}
	want := map[string]string{"aws_ebs_volume.a": "checkov", "aws_ebs_volume.b": "kics", "aws_ebs_volume.c": "kics", "aws_ebs_volume.d": "active"}
	for r, k := range want {
		if kinds[r] != k {
			t.Errorf("%s: %q, want %q (all: %v, stderr %s)", r, kinds[r], k, kinds, stderr)
		}
	}
	if unk := findingsOf(fs, "TFR-IGNORE-UNKNOWN"); len(unk) != 0 || slices.ContainsFunc(fs, func(f map[string]any) bool { return f["rule_id"] == "TFR-IGNORE-UNUSED" }) {
		t.Errorf("the ignores were reported as unknown or unused: %v", fs)
	}
}

// customCheck is a check in Trivy's custom-check format (METADATA
// annotations, a cloud input selector, a package outside builtin).
func customCheck(id, body string) string {
	return `# METADATA
# title: Team policy - volumes are encrypted
# description: Our volumes hold customer data.
# scope: package
# custom:
#   id: ` + id + `
#   avd_id: ` + id + `
#   provider: aws
#   service: ec2
#   severity: MEDIUM
#   short_code: volume-min-size
#   recommended_action: Set encrypted = true.
#   input:
#     selector:
#       - type: cloud
#         subtypes:
#           - service: ec2
#             provider: aws
package custom.aws.ec2.volume_min_size

import rego.v1

deny contains res if {
	some volume in input.aws.ec2.volumes
	not volume.encryption.enabled.value
` + body + `
	res := result.new("team policy: volumes are encrypted", volume.encryption.enabled)
}
`
}

// TestCustomChecksAddedToEmbedded: --custom-checks (and custom_checks in
// the config) add the directory's checks to the embedded ones: the custom
// finding appears with its own ID next to the embedded AWS-0026, and
// `tfreview checks` lists it.
func TestCustomChecksAddedToEmbedded(t *testing.T) {
	checks := t.TempDir()
	writeFiles(t, checks, map[string]string{"custom/volume_min_size.rego": customCheck("ACME-0001", "")})
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"main.tf": insecureVolume})
	fs, code, stderr := scanFindings(t, "--custom-checks", checks, dir)
	if code != exitFindings || len(findingsOf(fs, "ACME-0001")) != 1 || len(findingsOf(fs, "AWS-0026")) != 1 {
		t.Fatalf("exit %d, stderr %s, findings %v: want ACME-0001 and the embedded AWS-0026", code, stderr, fs)
	}
	// From the config file, inside the scanned tree.
	cfgDir := t.TempDir()
	writeFiles(t, cfgDir, map[string]string{"main.tf": insecureVolume, ".tfreview.yaml": "custom_checks: policies\n",
		"policies/custom/volume_min_size.rego": customCheck("ACME-0001", "")})
	// The relative directory reaches the evaluation workers, which run
	// elsewhere, as an absolute one: these scans run as a process.
	t.Chdir(cfgDir)
	code, out, stderr := runCLIProcess(t, "scan", "--format", "json", "--show-ignored", ".")
	fs, _, stderr = decodeFindings(t, code, out, stderr)
	if len(findingsOf(fs, "ACME-0001")) != 1 {
		t.Errorf("custom_checks in the config: no ACME-0001 (stderr %s)", stderr)
	}
	code, out, stderr = runCLI(t, "checks", "--custom-checks", "policies")
	if code != exitOK || !strings.Contains(out, "ACME-0001") || !strings.Contains(out, "AWS-0026") {
		t.Errorf("checks --custom-checks: exit %d (%s); ACME-0001 and AWS-0026 listed? %v %v", code, stderr, strings.Contains(out, "ACME-0001"), strings.Contains(out, "AWS-0026"))
	}
	// A custom ID is a known ID for --checks.
	if code, _, stderr := runCLIProcess(t, "scan", "--custom-checks", "policies", "--checks", "ACME-0001", "."); code != exitOK && code != exitFindings {
		t.Errorf("--checks ACME-0001 with its custom check: exit %d (%s)", code, stderr)
	}
}

// TestHostileCustomCheckHTTPSend: a custom check calling http.send fails to
// load, naming the built-in, before anything is evaluated.
func TestHostileCustomCheckHTTPSend(t *testing.T) {
	checks := t.TempDir()
	writeFiles(t, checks, map[string]string{"custom/exfil.rego": customCheck("ACME-0002", `	http.send({"method": "GET", "url": "http://127.0.0.1:1/"})`)})
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"main.tf": insecureVolume})
	code, _, stderr := runCLI(t, "scan", "--custom-checks", checks, dir)
	if code != exitError || !strings.Contains(stderr, "http.send") {
		t.Errorf("exit %d, stderr %q: want 2 naming http.send", code, stderr)
	}
}

// TestFixClassOptIn: fixes that add a billable KMS key, a TODO placeholder
// or deletion protection are applied only with --fix-class; safe fixes by
// default. `tfreview checks` shows each fixable check's class.
func TestFixClassOptIn(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"main.tf": insecureVolume + `
resource "aws_security_group" "sg" {
  name = "web"
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}

resource "aws_sns_topic" "alerts" {
  name = "alerts"
}
`})
	_, diff, stderr := runCLI(t, "fix", "--dry-run", dir)
	if !strings.Contains(diff, "encrypted") || strings.Contains(diff, "TODO") || strings.Contains(diff, "aws_kms_key") {
		t.Errorf("default (safe) fix: want the encryption fix only (stderr %s):\n%s", stderr, diff)
	}
	_, diff, _ = runCLI(t, "fix", "--dry-run", "--fix-class", "safe,placeholder", dir)
	if !strings.Contains(diff, "TODO") || strings.Contains(diff, "aws_kms_key") {
		t.Errorf("--fix-class safe,placeholder: want the TODO description and no KMS key:\n%s", diff)
	}
	_, diff, _ = runCLI(t, "fix", "--dry-run", "--fix-class", "all", dir)
	if !strings.Contains(diff, "TODO") || !strings.Contains(diff, "aws_kms_key") {
		t.Errorf("--fix-class all: want the TODO description and the KMS key:\n%s", diff)
	}
	if code, _, _ := runCLI(t, "fix", "--fix-class", "cheap", dir); code != exitError {
		t.Errorf("--fix-class cheap: exit %d, want 2", code)
	}
	code, out, _ := runCLI(t, "checks", "--format", "json")
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); code != exitOK || err != nil {
		t.Fatalf("checks --format json: exit %d, %v", code, err)
	}
	classes := map[string]any{}
	for _, c := range list {
		classes[c["id"].(string)] = c["fix_class"]
	}
	for id, want := range map[string]string{"AWS-0026": "safe", "AWS-0095": "billable", "AWS-0124": "placeholder", "AWS-0177": "lifecycle"} {
		if classes[id] != want {
			t.Errorf("checks: %s fix_class %v, want %s", id, classes[id], want)
		}
	}
	_, text, _ := runCLI(t, "checks")
	if !strings.Contains(text, "FIX") || !regexpLine(text, `AWS-0124\s.*placeholder`) {
		t.Error("checks text output does not show the fix class")
	}
}

func regexpLine(text, pattern string) bool {
	return regexp.MustCompile(`(?m)^` + pattern).MatchString(text)
}

// TestHostileTrivyignoreAddedByChange: a pull request that adds an
// insecure volume together with a .trivyignore (or a checkov:skip) naming
// its check does not pass under --new-since: like an ignore comment the
// change adds, it is not honoured unless allow_new_ignores is on at the
// base.
func TestHostileTrivyignoreAddedByChange(t *testing.T) {
	dir := newGateRepo(t, nil)
	writeFiles(t, dir, map[string]string{
		"envs/a/volume.tf":         insecureVolume,
		".trivyignore":             "AWS-0026\n",
		"envs/a/.trivyignore.yaml": "misconfigurations:\n  - id: AWS-0026\n    statement: trust me\n",
	})
	// Without --new-since the ignore file is honoured (the test can fail).
	if code, _, stderr := runCLI(t, "scan", "--engines", "trivy", "--checks", "AWS-0026", dir+"/envs/a"); code != exitOK {
		t.Fatalf("plain scan: exit %d (%s), want 0: the .trivyignore.yaml suppresses the finding", code, stderr)
	}
	code, out, stderr := runCLI(t, "scan", "--engines", "trivy", "--checks", "AWS-0026", dir+"/envs/a", "--new-since", "main")
	if code != exitFindings {
		t.Errorf(".trivyignore added by the change: exit %d, want 1\n%s\n%s", code, out, stderr)
	}
}

// TestRelativeChecksBundleWithWorkers: a relative --checks-bundle reaches
// the evaluation workers, which run in another directory, as the
// absolute path (it was "stat .: no such file or directory", exit 2).
func TestRelativeChecksBundleWithWorkers(t *testing.T) {
	code, out, errOut := runCLIProcess(t, "scan", "--checks-bundle", "../../testdata/bundles/small", "--format", "json", "../../testdata/insecure")
	if code != exitFindings || !strings.Contains(out, `"AWS-9901"`) {
		t.Fatalf("exit %d, want %d with the bundle's AWS-9901; stderr:\n%s", code, exitFindings, errOut)
	}
}
