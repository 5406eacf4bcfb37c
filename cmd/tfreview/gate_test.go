package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// newGateRepo makes a repository whose main branch has old findings (an
// SNS topic) and checks out a feature branch.
func newGateRepo(t *testing.T, baseFiles map[string]string) string {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"envs/a/main.tf": cliTopic}
	for k, v := range baseFiles {
		files[k] = v
	}
	writeFiles(t, dir, files)
	gitIn(t, dir, "init", "-q", "-b", "main")
	gitIn(t, dir, "add", "-A")
	gitIn(t, dir, "commit", "-q", "-m", "base")
	gitIn(t, dir, "checkout", "-q", "-b", "feature")
	return dir
}

type gateJSON struct {
	Findings []struct {
		RuleID     string          `json:"rule_id"`
		Suppressed json.RawMessage `json:"suppressed"`
	} `json:"findings"`
	Gate *struct {
		From       string `json:"from"`
		BaseCommit string `json:"base_commit"`
		Changes    []struct {
			Kind, Subject, Detail string
			Applied               bool
		} `json:"changes"`
	} `json:"gate"`
}

func parseGate(t *testing.T, out string) gateJSON {
	t.Helper()
	var g gateJSON
	if err := json.Unmarshal([]byte(out), &g); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	return g
}

// A pull request that loosens .tfreview.yaml (higher fail_on, disabled
// checks, every directory skipped) while adding an insecure queue is judged
// with the base's settings: it fails, and the text output lists each
// loosened setting as not applied.
func TestHostileConfigLoosenedByChangeIsNotApplied(t *testing.T) {
	dir := newGateRepo(t, nil)
	writeFiles(t, dir, map[string]string{
		"envs/a/queue.tf": cliQueue,
		".tfreview.yaml":  "fail_on: CRITICAL\ndisabled_checks: [AWS-0096, AWS-0135]\nskip_dirs: [\"**\"]\n",
	})
	code, out, stderr := runCLI(t, "scan", "--engines", "trivy", dir, "--new-since", "main")
	if code != exitFindings {
		t.Fatalf("loosened config: exit %d, want 1 (judged with the base's settings)\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"edits the settings that judge it", "setting fail_on changed: (unset) → \"CRITICAL\" (not applied)",
		"setting disabled_checks changed", "setting skip_dirs changed"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}

	// --config-from head opts out: the change's own settings judge it, and
	// the output still says what they changed.
	code, out, _ = runCLI(t, "scan", "--engines", "trivy", dir, "--new-since", "main", "--config-from", "head", "--format", "json")
	g := parseGate(t, out)
	if code != exitOK || g.Gate == nil || g.Gate.From != "head" || len(g.Gate.Changes) != 3 || !g.Gate.Changes[0].Applied {
		t.Fatalf("--config-from head: exit %d, gate %+v", code, g.Gate)
	}
}

// Variant: the config file exists at the base, and the change only
// raises severity (so the new finding would be filtered out of the report).
func TestHostileSeverityRaisedByChangeIsNotApplied(t *testing.T) {
	dir := newGateRepo(t, map[string]string{".tfreview.yaml": "severity: LOW\n"})
	writeFiles(t, dir, map[string]string{
		"envs/a/queue.tf": cliQueue,
		".tfreview.yaml":  "severity: CRITICAL\n",
	})
	code, out, stderr := runCLI(t, "scan", "--engines", "trivy", dir, "--new-since", "main", "--format", "json")
	g := parseGate(t, out)
	if code != exitFindings || len(g.Findings) == 0 {
		t.Fatalf("raised severity: exit %d, %d findings\n%s", code, len(g.Findings), stderr)
	}
	if g.Gate == nil || g.Gate.From != "base" || g.Gate.BaseCommit == "" || len(g.Gate.Changes) != 1 ||
		g.Gate.Changes[0].Subject != "severity" || g.Gate.Changes[0].Applied {
		t.Fatalf("gate: %+v", g.Gate)
	}
}

// An ignore comment the change adds does not excuse a finding the change
// introduces; it is listed. One on a finding that was already there is
// listed too (and hides it, as the finding is not new anyway).
func TestHostileIgnoreAddedByChangeDoesNotExcuseNewFinding(t *testing.T) {
	dir := newGateRepo(t, nil)
	writeFiles(t, dir, map[string]string{
		"envs/a/queue.tf": "# tfreview:ignore:* trust me\n" + cliQueue,
		"envs/a/main.tf":  "# tfreview:ignore:* old news\n" + cliTopic,
	})
	code, out, stderr := runCLI(t, "scan", "--engines", "trivy", dir, "--new-since", "main", "--format", "json")
	g := parseGate(t, out)
	if code != exitFindings {
		t.Fatalf("new finding under a new ignore: exit %d, want 1\n%s\n%s", code, out, stderr)
	}
	var honoured, notHonoured int
	for _, c := range g.Gate.Changes {
		if c.Kind != "suppression" {
			t.Errorf("unexpected gate change %+v", c)
			continue
		}
		switch {
		case c.Applied && c.Detail == "old news":
			honoured++
		case !c.Applied && c.Detail == "trust me":
			notHonoured++
		default:
			t.Errorf("gate change %+v", c)
		}
	}
	if honoured == 0 || notHonoured == 0 {
		t.Fatalf("gate: %+v", g.Gate)
	}

	// The base's settings may allow new ignores; the change cannot.
	writeFiles(t, dir, map[string]string{".tfreview.yaml": "allow_new_ignores: true\n"})
	if code, out, _ := runCLI(t, "scan", "--engines", "trivy", dir, "--new-since", "main"); code != exitFindings ||
		!strings.Contains(out, "setting allow_new_ignores changed") || !strings.Contains(out, "not honoured") {
		t.Fatalf("allow_new_ignores from the change itself: exit %d\n%s", code, out)
	}
	gitIn(t, dir, "checkout", "-q", "main")
	gitIn(t, dir, "add", ".tfreview.yaml")
	gitIn(t, dir, "commit", "-q", "-m", "allow new ignores")
	gitIn(t, dir, "checkout", "-q", "feature")
	gitIn(t, dir, "merge", "-q", "main")
	if code, out, _ := runCLI(t, "scan", "--engines", "trivy", dir, "--new-since", "main"); code != exitOK || !strings.Contains(out, "ignore added for") {
		t.Fatalf("allow_new_ignores at the base: exit %d\n%s", code, out)
	}
}

// A baseline regenerated by the change to swallow its new finding is read
// from the base instead; the added entries are listed.
func TestHostileBaselineRegeneratedByChangeIsNotApplied(t *testing.T) {
	dir := newGateRepo(t, nil)
	file := filepath.Join(dir, ".tfreview-baseline.json")
	if code, _, stderr := runCLI(t, "baseline", "--engines", "trivy", dir, "-o", file); code != exitOK {
		t.Fatalf("baseline: %d %s", code, stderr)
	}
	gitIn(t, dir, "add", "-A")
	gitIn(t, dir, "commit", "-q", "-m", "baseline")
	gitIn(t, dir, "branch", "-f", "main")

	writeFiles(t, dir, map[string]string{"envs/a/queue.tf": cliQueue})
	if code, _, stderr := runCLI(t, "baseline", "--engines", "trivy", dir, "-o", file); code != exitOK {
		t.Fatalf("baseline regenerated: %d %s", code, stderr)
	}
	code, out, stderr := runCLI(t, "scan", "--engines", "trivy", dir, "--new-since", "main", "--baseline", file, "--format", "json")
	g := parseGate(t, out)
	if code != exitFindings {
		t.Fatalf("regenerated baseline: exit %d, want 1\n%s", code, stderr)
	}
	if g.Gate == nil || len(g.Gate.Changes) != 1 || g.Gate.Changes[0].Kind != "baseline" || g.Gate.Changes[0].Applied ||
		!strings.Contains(g.Gate.Changes[0].Detail, "added") {
		t.Fatalf("gate: %+v", g.Gate)
	}
	// Without --new-since the file as it is applies (nothing to judge
	// against), as before.
	if code, _, _ := runCLI(t, "scan", "--engines", "trivy", dir, "--baseline", file); code != exitOK {
		t.Errorf("plain --baseline: exit %d", code)
	}
}
