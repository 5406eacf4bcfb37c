package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const cliQueue = `resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}
`

const cliTopic = `resource "aws_sns_topic" "alerts" {
  name = "alerts"
}
`

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type jsonOut struct {
	Findings []struct {
		RuleID      string `json:"rule_id"`
		Resource    string `json:"resource"`
		Suppressed  bool   `json:"suppressed"`
		Suppression *struct {
			Kind string `json:"kind"`
		} `json:"suppression"`
	} `json:"findings"`
	Comparison *struct {
		Introduced      int               `json:"introduced"`
		Unchanged       int               `json:"unchanged"`
		Resolved        []json.RawMessage `json:"resolved"`
		HeadRootModules int               `json:"head_root_modules"`
		BaseRootModules int               `json:"base_root_modules"`
		Unaffected      int               `json:"unaffected_root_modules"`
		Skipped         string            `json:"skipped"`
	} `json:"comparison"`
	Baseline *struct {
		Entries, Matched, Stale int
	} `json:"baseline"`
}

func parseJSON(t *testing.T, out string) jsonOut {
	t.Helper()
	var r jsonOut
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("json output: %v\n%s", err, out)
	}
	return r
}

// These tests run the Trivy engine only: the findings they count should
// not move when a built-in check is added.

func TestBaselineCommand(t *testing.T) {
	// Slow and independent: runs beside the other slow tests.
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"main.tf": cliQueue + "\n" + cliTopic})
	file := filepath.Join(dir, ".tfreview-baseline.json")

	code, out, stderr := runCLI(t, "baseline", "--engines", "trivy", dir, "-o", file)
	if code != exitOK || !strings.Contains(out, "Recorded 2 findings") {
		t.Fatalf("baseline: exit %d, %q %q", code, out, stderr)
	}
	first, _ := os.ReadFile(file)
	// Stable: recording again writes the same bytes.
	runCLI(t, "baseline", "--engines", "trivy", dir, "-o", file)
	if again, _ := os.ReadFile(file); string(again) != string(first) {
		t.Errorf("baseline changed between identical runs:\n%s\n---\n%s", first, again)
	}

	code, out, stderr = runCLI(t, "scan", "--engines", "trivy", dir, "--baseline", file, "--format", "json")
	r := parseJSON(t, out)
	if code != exitOK || len(r.Findings) != 0 || r.Baseline == nil || r.Baseline.Matched != 2 || r.Baseline.Stale != 0 {
		t.Fatalf("scan --baseline on the recorded state: exit %d, %+v %s", code, r, stderr)
	}
	code, out, _ = runCLI(t, "scan", "--engines", "trivy", dir, "--baseline", file, "--format", "json", "--show-ignored")
	r = parseJSON(t, out)
	if code != exitOK || len(r.Findings) != 2 || r.Findings[0].Suppression == nil || r.Findings[0].Suppression.Kind != "baseline" {
		t.Errorf("--show-ignored should list baselined findings marked baseline: %+v", r.Findings)
	}

	// Move code around, fix the topic, add a security group: only the new
	// finding is reported, the topic's entry is stale.
	writeFiles(t, dir, map[string]string{
		"main.tf":  "\n\n# queues\n" + cliQueue,
		"topic.tf": "",
		"sg.tf": `resource "aws_security_group_rule" "ssh" {
  type        = "ingress"
  description = "ssh"
  from_port   = 22
  to_port     = 22
  protocol    = "tcp"
  cidr_blocks = ["0.0.0.0/0"]
  security_group_id = "sg-1"
}
`,
	})
	code, out, stderr = runCLI(t, "scan", "--engines", "trivy", dir, "--baseline", file, "--format", "json")
	r = parseJSON(t, out)
	if code != exitFindings || r.Baseline.Stale != 1 || r.Baseline.Matched != 1 {
		t.Fatalf("after changes: exit %d, baseline %+v, %s", code, r.Baseline, stderr)
	}
	for _, f := range r.Findings {
		if f.Resource != "aws_security_group_rule.ssh" {
			t.Errorf("reported a baselined finding: %+v", f)
		}
	}
	code, out, _ = runCLI(t, "scan", "--engines", "trivy", dir, "--baseline", file)
	if !strings.Contains(out, "1 stale entry") {
		t.Errorf("text output does not count the stale entry:\n%s", out)
	}

	code, out, stderr = runCLI(t, "baseline", "--engines", "trivy", dir, "-o", file, "--update")
	if code != exitOK || !strings.Contains(out, "Kept 1 of 2") {
		t.Fatalf("--update: exit %d, %q %q", code, out, stderr)
	}
	updated, _ := os.ReadFile(file)
	if strings.Contains(string(updated), "aws_sns_topic") || !strings.Contains(string(updated), "aws_sqs_queue.jobs") || strings.Contains(string(updated), "security_group") {
		t.Errorf("--update should keep only the queue:\n%s", updated)
	}

	if code, _, stderr := runCLI(t, "scan", "--engines", "trivy", dir, "--baseline", filepath.Join(dir, "missing.json")); code != exitError || !strings.Contains(stderr, "missing.json") {
		t.Errorf("missing baseline: exit %d, %q", code, stderr)
	}
}

func gitIn(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestNewSinceCommand(t *testing.T) {
	// Slow and independent: runs beside the other slow tests.
	t.Parallel()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{
		"envs/a/main.tf": cliQueue,
		"envs/b/main.tf": cliTopic,
	})
	gitIn(t, dir, "init", "-q", "-b", "main")
	gitIn(t, dir, "add", "-A")
	gitIn(t, dir, "commit", "-q", "-m", "base")
	gitIn(t, dir, "checkout", "-q", "-b", "feature")

	// Nothing changed: old findings do not fail the run.
	_, out, _ := runCLI(t, "scan", "--engines", "trivy", dir, "--format", "json")
	all := len(parseJSON(t, out).Findings)
	// By default nothing is scanned: no root module can have changed.
	code, out, stderr := runCLI(t, "scan", "--engines", "trivy", dir, "--new-since", "main", "--format", "json")
	r := parseJSON(t, out)
	if all == 0 || code != exitOK || r.Comparison == nil || r.Comparison.Introduced != 0 || len(r.Findings) != 0 ||
		r.Comparison.HeadRootModules != 0 || r.Comparison.Unaffected != 2 {
		t.Fatalf("no change: exit %d, %+v, %d findings, %s", code, r.Comparison, len(r.Findings), stderr)
	}
	// --new-since-scan=all scans everything and counts the old findings.
	code, out, stderr = runCLI(t, "scan", "--engines", "trivy", dir, "--new-since", "main", "--new-since-scan", "all", "--format", "json")
	r = parseJSON(t, out)
	if code != exitOK || r.Comparison.Introduced != 0 || r.Comparison.Unchanged != all || r.Comparison.Unaffected != 0 {
		t.Fatalf("no change, all: exit %d, %+v, %s", code, r.Comparison, stderr)
	}
	// One root module changed: only it is scanned, on both sides.
	writeFiles(t, dir, map[string]string{"envs/b/extra.tf": "# a comment\n"})
	code, out, stderr = runCLI(t, "scan", "--engines", "trivy", dir, "--new-since", "main", "--format", "json")
	r = parseJSON(t, out)
	if code != exitOK || r.Comparison.HeadRootModules != 1 || r.Comparison.BaseRootModules != 1 || r.Comparison.Unaffected != 1 ||
		r.Comparison.Unchanged == 0 || r.Comparison.Unchanged == all {
		t.Fatalf("one root module: exit %d, %+v, %d findings, %s", code, r.Comparison, len(r.Findings), stderr)
	}
	if err := os.Remove(filepath.Join(dir, "envs/b/extra.tf")); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "scan", dir, "--new-since", "main", "--new-since-scan", "some"); code != exitError || !strings.Contains(stderr, "affected or all") {
		t.Errorf("bad --new-since-scan: exit %d, %q", code, stderr)
	}

	// A moved file and a removed topic: nothing introduced, one resolved.
	gitIn(t, dir, "mv", "envs/a/main.tf", "envs/a/queue.tf")
	if err := os.Remove(filepath.Join(dir, "envs/b/main.tf")); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"envs/b/main.tf": "# nothing\n"})
	code, out, stderr = runCLI(t, "scan", "--engines", "trivy", dir, "--new-since", "main", "--format", "json", "--debug")
	r = parseJSON(t, out)
	if code != exitOK || r.Comparison.Introduced != 0 || len(r.Comparison.Resolved) != 1 {
		t.Fatalf("refactor: exit %d, %+v, %s", code, r.Comparison, stderr)
	}
	if !strings.Contains(stderr, "head_root_modules=2") || !strings.Contains(stderr, "base_root_modules=2") {
		t.Errorf("debug log should say how many root modules each side scanned:\n%s", lastLines(stderr, 5))
	}

	// Something new fails the run, and the text says what was resolved.
	writeFiles(t, dir, map[string]string{"envs/b/main.tf": cliQueue})
	code, out, _ = runCLI(t, "scan", "--engines", "trivy", dir, "--new-since", "main")
	if code != exitFindings || !strings.Contains(out, "1 introduced") || !strings.Contains(out, "resolved") {
		t.Errorf("new queue: exit %d\n%s", code, out)
	}

	code, _, stderr = runCLI(t, "scan", "--engines", "trivy", dir, "--new-since", "no-such-ref")
	if code != exitError || !strings.Contains(stderr, "no-such-ref") {
		t.Errorf("missing ref: exit %d, %q", code, stderr)
	}
	code, out, _ = runCLI(t, "scan", "--engines", "trivy", dir, "--new-since", "no-such-ref", "--new-since-fallback=all", "--format", "json")
	r = parseJSON(t, out)
	_, out2, _ := runCLI(t, "scan", "--engines", "trivy", dir, "--format", "json")
	if code != exitFindings || r.Comparison == nil || r.Comparison.Skipped == "" || len(r.Findings) != len(parseJSON(t, out2).Findings) {
		t.Errorf("fallback all: exit %d, %+v, %d findings", code, r.Comparison, len(r.Findings))
	}
	if code, _, stderr := runCLI(t, "scan", "--engines", "trivy", dir, "--new-since-fallback=maybe"); code != exitError || !strings.Contains(stderr, "fail or all") {
		t.Errorf("bad fallback: exit %d, %q", code, stderr)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
