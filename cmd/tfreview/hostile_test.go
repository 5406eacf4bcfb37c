package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"gopkg.in/yaml.v3"
)

// hookCommand is what pre-commit runs for the tfreview hook: the entry of
// .pre-commit-hooks.yaml, then the user's args, then the staged file names
// (pre-commit adds no "--" of its own).
func hookCommand(t *testing.T, userArgs []string, files ...string) []string {
	t.Helper()
	src, err := os.ReadFile("../../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var hooks []struct {
		ID    string `yaml:"id"`
		Entry string `yaml:"entry"`
	}
	if err := yaml.Unmarshal(src, &hooks); err != nil {
		t.Fatalf("hooks %+v: %v", hooks, err)
	}
	// The golang hook; tfreview-docker passes the same arguments to the
	// image (internal/installtest.TestPreCommitHooks).
	i := 0
	for i < len(hooks) && hooks[i].ID != "tfreview" {
		i++
	}
	if i == len(hooks) {
		t.Fatalf("no tfreview hook in %+v", hooks)
	}
	entry := strings.Fields(hooks[i].Entry)
	if entry[0] != "tfreview" {
		t.Fatalf("entry %q does not run tfreview", hooks[i].Entry)
	}
	args := append(entry[1:], userArgs...)
	return append(args, files...)
}

// gitRepo makes dir a git repository with one commit, cwd for the test.
func gitRepo(t *testing.T, dir string) {
	t.Helper()
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false", "commit", "-q", "--allow-empty", "-m", "base"},
	} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	t.Chdir(dir)
}

const insecureVolume = `resource "aws_ebs_volume" "v" {
  availability_zone = "eu-west-1a"
  size              = 10
  encrypted         = false
}
`

// TestHostileFileNameIsNotAFlag: a staged file named
// "--checks-bundle=evil.tf" next to a directory evil.tf/ holding a Rego
// check that calls http.send. Run as pre-commit runs the hook, the file is
// scanned as a file: the bundle is never loaded, no request is made, and
// the embedded checks still report the unencrypted volume.
func TestHostileFileNameIsNotAFlag(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
	}))
	defer srv.Close()
	args := hookCommand(t, nil, "--checks-bundle=evil.tf")
	dir := t.TempDir()
	gitRepo(t, dir)
	if err := os.WriteFile("--checks-bundle=evil.tf", []byte(insecureVolume), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir("evil.tf", 0o755); err != nil {
		t.Fatal(err)
	}
	rule := `# METADATA
# title: evil
# custom:
#   id: AWS-9903
#   provider: aws
#   service: ec2
#   severity: LOW
#   input:
#     selector:
#       - type: cloud
package builtin.aws.ec2.evil

import rego.v1

deny contains res if {
	some v in input.aws.ec2.volumes
	http.send({"method": "GET", "url": "` + srv.URL + `"})
	res := result.new("evil", v)
}
`
	if err := os.WriteFile(filepath.Join("evil.tf", "evil.rego"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, args...)
	if n := requests.Load(); n != 0 {
		t.Errorf("the file name was taken for --checks-bundle: %d request(s) made", n)
	}
	if code != exitFindings || !strings.Contains(stdout+stderr, "AWS-0026") {
		t.Errorf("tfreview %q: exit %d, want 1 with the embedded AWS-0026 finding\nstdout: %s\nstderr: %s", args, code, stdout, stderr)
	}
}

// TestHostileHookArgsAfterDash: a flag that lands after "--" (pre-commit
// puts a user's `args` after the entry) is an error saying where flags go,
// not a path that silently matches nothing; for scan and fix alike.
func TestHostileHookArgsAfterDash(t *testing.T) {
	hook := hookCommand(t, []string{"--fail-on", "CRITICAL"}, "main.tf")
	dir := t.TempDir()
	gitRepo(t, dir)
	if err := os.WriteFile("main.tf", []byte(insecureVolume), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		hook,
		{"fix", "--dry-run", "--", "--check=AWS-0026", "main.tf"},
		{"baseline", "-o", "b.json", "--", "--severity=HIGH", "."},
	} {
		code, _, stderr := runCLI(t, args...)
		if code != exitError || !strings.Contains(stderr, "before --") {
			t.Errorf("tfreview %q: exit %d, stderr %q: want 2 and flags-before-- named", args, code, stderr)
		}
	}
}

// TestDashPrefixedDirFixed: fix takes a directory whose name starts with
// "-" after "--" as a directory.
func TestDashPrefixedDirFixed(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.Mkdir("-infra", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("-infra/volume.tf", []byte(insecureVolume), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "fix", "--dry-run", "--", "-infra")
	if code != exitFindings || !strings.Contains(stdout, "+  encrypted         = true") {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s\nwant a diff setting encrypted = true", code, stdout, stderr)
	}
}

// TestHostileConfigVarFileOutsideRootCLI: var_files in .tfreview.yaml that
// lead out of the scanned directory fail the scan (exit 2) unless
// --allow-outside-root; the same file given with --var-file is the user's
// and is read.
func TestHostileConfigVarFileOutsideRootCLI(t *testing.T) {
	base := t.TempDir()
	repo := filepath.Join(base, "repo")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "outside.tfvars"), []byte("size = 20\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "main.tf"), []byte("variable \"size\" {}\n"+strings.Replace(insecureVolume, "10", "var.size", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, ".tfreview.yaml"), []byte("var_files: [../outside.tfvars]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(repo)
	code, _, stderr := runCLI(t, "scan", "--engines", "builtin", ".")
	if code != exitError || !strings.Contains(stderr, "var_files[0]") || !strings.Contains(stderr, "--allow-outside-root") {
		t.Errorf("exit %d, stderr %q: want 2 naming var_files[0] and --allow-outside-root", code, stderr)
	}
	if code, _, stderr := runCLI(t, "scan", "--engines", "builtin", "--allow-outside-root", "."); code == exitError {
		t.Errorf("--allow-outside-root: exit 2: %s", stderr)
	}
	os.WriteFile(".tfreview.yaml", []byte("fail_on: HIGH\n"), 0o644)
	// As a process: the relative --var-file reaches the evaluation worker,
	// which runs elsewhere, as an absolute path.
	if code, _, stderr := runCLIProcess(t, "scan", "--engines", "builtin", "--var-file", "../outside.tfvars", "."); code == exitError {
		t.Errorf("--var-file outside the root: exit 2: %s", stderr)
	}
}

// TestHostileConfigSymlinkCLI: a .tfreview.yaml that links to a file
// outside the tree fails the scan without printing that file.
func TestHostileConfigSymlinkCLI(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte("pw1234\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	repo := t.TempDir()
	os.WriteFile(filepath.Join(repo, "main.tf"), []byte(insecureVolume), 0o644)
	if err := os.Symlink(secretFile, filepath.Join(repo, ".tfreview.yaml")); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "scan", "--engines", "builtin", repo)
	if code != exitError || strings.Contains(stdout+stderr, "pw1234") {
		t.Errorf("exit %d, output %q: want 2 and nothing of the link's target", code, stdout+stderr)
	}
}
