package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// actionYAML is the parts of action.yml these tests run.
type actionYAML struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Steps []struct {
			Name string            `yaml:"name"`
			If   string            `yaml:"if"`
			Run  string            `yaml:"run"`
			Env  map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

func loadAction(t *testing.T) actionYAML {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a actionYAML
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	return a
}

func (a actionYAML) step(t *testing.T, name string) (run, cond string) {
	t.Helper()
	for _, s := range a.Runs.Steps {
		if s.Name == name {
			return s.Run, s.If
		}
	}
	t.Fatalf("action.yml has no step %q", name)
	return "", ""
}

// runScanStep runs the Scan step's script with a stand-in binary that
// records its arguments, and returns them one per line.
func runScanStep(t *testing.T, a actionYAML, event string, inputs map[string]string) []string {
	t.Helper()
	run, _ := a.step(t, "Scan")
	dir := t.TempDir()
	argsFile := filepath.Join(dir, "args")
	bin := filepath.Join(dir, "tfreview")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \""+argsFile+"\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-c", run)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "GITHUB_OUTPUT=" + filepath.Join(dir, "out"), "GITHUB_EVENT_NAME=" + event, "TFREVIEW_BIN=" + bin, "INPUT_MODE=scan"}
	for name, in := range a.Inputs {
		v := in.Default
		if o, ok := inputs[name]; ok {
			v = o
		}
		if strings.HasPrefix(v, "${{") {
			v = ""
		}
		cmd.Env = append(cmd.Env, "INPUT_"+strings.ToUpper(name)+"="+v)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scan step: %v\n%s", err, out)
	}
	b, err := os.ReadFile(argsFile)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func hasArgs(args []string, want ...string) bool {
	for i := range args {
		if len(args)-i >= len(want) && slicesEqual(args[i:i+len(want)], want) {
			return true
		}
	}
	return false
}

func slicesEqual(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }

func TestActionDefaultsToNewSinceOnPullRequests(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	a := loadAction(t)
	if d := a.Inputs["new_since"].Default; d != "auto" {
		t.Fatalf("new_since defaults to %q, want auto", d)
	}
	pr := runScanStep(t, a, "pull_request", nil)
	if !hasArgs(pr, "--new-since", "auto") {
		t.Errorf("pull_request: %v lacks --new-since auto", pr)
	}
	// Without a SARIF file the step log still gets the text report.
	if !hasArgs(pr, "--format", "text") {
		t.Errorf("pull_request: %v lacks --format text", pr)
	}
	if push := runScanStep(t, a, "push", nil); hasArgs(push, "--new-since") {
		t.Errorf("push: %v compares with something", push)
	}
	for _, off := range []string{"", "none"} {
		if got := runScanStep(t, a, "pull_request", map[string]string{"new_since": off}); hasArgs(got, "--new-since") {
			t.Errorf("new_since %q: %v still compares", off, got)
		}
	}
	if got := runScanStep(t, a, "push", map[string]string{"new_since": "origin/main"}); !hasArgs(got, "--new-since", "origin/main") {
		t.Errorf("new_since origin/main: %v", got)
	}
	sarif := runScanStep(t, a, "pull_request", map[string]string{"sarif_file": "out.sarif", "tool_name": "tfreview services"})
	if !hasArgs(sarif, "--new-since-scan", "all") || !hasArgs(sarif, "--tool-name", "tfreview services") {
		t.Errorf("sarif_file and tool_name: %v", sarif)
	}
	if got := runScanStep(t, a, "pull_request", map[string]string{"flags": "--format json"}); hasArgs(got, "--format", "text") {
		t.Errorf("flags choose the format, but text was added: %v", got)
	}
}

// The base of a pull request is fetched when actions/checkout made a
// shallow clone of the merge commit, with only the base and HEAD's parents
// fetched: tested against a local bare repository as origin.
func TestActionFetchesThePullRequestBase(t *testing.T) {
	for _, tool := range []string{"bash", "git", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip("no " + tool)
		}
	}
	a := loadAction(t)
	run, cond := a.step(t, "Fetch the pull request base")
	if !strings.Contains(cond, "inputs.new_since == 'auto'") || !strings.Contains(cond, "'pull_request'") {
		t.Errorf("the fetch step runs on: %s", cond)
	}
	tmp := t.TempDir()
	git := func(dir string, args ...string) string {
		t.Helper()
		out, err := exec.Command("git", append([]string{"-C", dir, "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	src := filepath.Join(tmp, "src")
	os.MkdirAll(src, 0o755)
	git(src, "init", "-q", "-b", "main")
	for i, name := range []string{"a.tf", "b.tf", "c.tf"} {
		os.WriteFile(filepath.Join(src, name), []byte(strings.Repeat("#\n", i+1)), 0o644)
		git(src, "add", "-A")
		git(src, "commit", "-qm", name)
	}
	git(src, "checkout", "-qb", "pr")
	os.WriteFile(filepath.Join(src, "pr.tf"), []byte("# pr\n"), 0o644)
	git(src, "add", "-A")
	git(src, "commit", "-qm", "pr")
	git(src, "checkout", "-q", "main")
	os.WriteFile(filepath.Join(src, "d.tf"), []byte("# d\n"), 0o644)
	git(src, "add", "-A")
	git(src, "commit", "-qm", "d")
	base := git(src, "rev-parse", "HEAD")
	git(src, "checkout", "-q", "--detach")
	git(src, "merge", "-q", "--no-ff", "pr", "-m", "merge")
	merge := git(src, "rev-parse", "HEAD")
	origin := filepath.Join(tmp, "origin.git")
	git(tmp, "clone", "-q", "--bare", src, origin)
	ws := filepath.Join(tmp, "ws")
	os.MkdirAll(ws, 0o755)
	git(ws, "init", "-q")
	git(ws, "remote", "add", "origin", origin)
	git(ws, "fetch", "-q", "--no-tags", "--depth=1", "origin", merge)
	git(ws, "checkout", "-q", "--detach", merge)
	if out, err := exec.Command("git", "-C", ws, "merge-base", base, "HEAD").CombinedOutput(); err == nil {
		t.Fatalf("the shallow checkout already has the merge-base: %s", out)
	}
	event := filepath.Join(tmp, "event.json")
	os.WriteFile(event, []byte(`{"pull_request": {"base": {"sha": "`+base+`"}}}`), 0o644)

	out, err := fetchStep(run, ws, tmp, event).CombinedOutput()
	if err != nil {
		t.Fatalf("fetch step: %v\n%s", err, out)
	}
	if got := git(ws, "merge-base", base, "HEAD"); got != base {
		t.Errorf("merge-base %s, want the base %s\n%s", got, base, out)
	}
	// Not the whole history (6 commits): HEAD, its parents, the base's.
	if n := git(ws, "rev-list", "--count", "HEAD"); n != "4" {
		t.Errorf("%s commits fetched, want 4", n)
	}
	// A payload that is not a commit SHA is never passed to git.
	os.WriteFile(event, []byte(`{"pull_request": {"base": {"sha": "--upload-pack=touch /tmp/pwned"}}}`), 0o644)
	out, err = fetchStep(run, ws, tmp, event).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "no base commit") {
		t.Errorf("hostile base: %v\n%s", err, out)
	}
}

func fetchStep(run, dir, home, event string) *exec.Cmd {
	cmd := exec.Command("bash", "-c", run)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "GITHUB_EVENT_PATH=" + event}
	return cmd
}
