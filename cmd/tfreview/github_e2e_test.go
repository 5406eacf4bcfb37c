package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tfreview/tfreview/internal/testutil/githubtest"
)

const e2eToken = "ghs_E2EfakeTokenThatMustNeverBePrinted0123"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// cliName is the name under which the test binary runs as the CLI.
const cliName = "tfreview"

// tfreviewBinary is the CLI as a process: this test binary, linked as
// tfreview in a temporary directory, which TestMain runs as main does
// (main's code, no 100 MB second build; the evaluation workers it starts
// are this binary too).
func tfreviewBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		exe, err := os.Executable()
		if err != nil {
			buildErr = err
			return
		}
		dir, err := os.MkdirTemp("", "tfreview-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, cliName)
		buildErr = os.Symlink(exe, binPath)
	})
	if buildErr != nil {
		t.Fatalf("tfreview binary: %v", buildErr)
	}
	return binPath
}

// prWorkspace is a checkout like the Action's: testdata/insecure under
// infra/, where the pull request adds messaging.tf (CRLF line endings).
func prWorkspace(t *testing.T) (dir, prDiff string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir = t.TempDir()
	src := filepath.Join("..", "..", "testdata", "insecure")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, "infra", rel)
		os.MkdirAll(filepath.Dir(dst), 0o755)
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	git := func(args ...string) string {
		out, err := exec.Command("git", append([]string{"-C", dir, "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	git("init", "-q", "-b", "main")
	git("add", "-A", ":!infra/messaging.tf")
	git("commit", "-qm", "base")
	git("add", "-A")
	git("commit", "-qm", "add messaging")
	return dir, git("diff", "--src-prefix=a/", "--dst-prefix=b/", "HEAD~1", "HEAD")
}

type actionRun struct {
	stdout, stderr string
	code           int
	summary        string
	output         string
}

// runAsAction runs the binary the way action.yml does: in the working
// directory, with the Actions environment and the token in GITHUB_TOKEN.
func runAsAction(t *testing.T, ws string, env map[string]string, args ...string) actionRun {
	t.Helper()
	r, err := runAction(tfreviewBinary(t), t.TempDir(), ws, env, args...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// runAction is runAsAction for a goroutine of a test: bin is the binary,
// tmp a directory for the step summary and outputs.
func runAction(bin, tmp, ws string, env map[string]string, args ...string) (actionRun, error) {
	summary, output := filepath.Join(tmp, "summary.md"), filepath.Join(tmp, "output")
	event, _ := filepath.Abs(filepath.Join("..", "..", "reporters", "github", "testdata", "pull_request_event.json"))
	cmd := exec.Command(bin, args...)
	cmd.Dir = filepath.Join(ws, "infra")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GITHUB_") && !strings.HasPrefix(kv, "REVIEWDOG_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	base := map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_EVENT_NAME":   "pull_request",
		"GITHUB_EVENT_PATH":   event,
		"GITHUB_REPOSITORY":   "reviewdog/reviewdog",
		"GITHUB_SHA":          "1111111111111111111111111111111111111111",
		"GITHUB_SERVER_URL":   "https://github.com",
		"GITHUB_RUN_ID":       "7",
		"GITHUB_WORKSPACE":    ws,
		"GITHUB_STEP_SUMMARY": summary,
		"GITHUB_OUTPUT":       output,
	}
	for k, v := range env {
		base[k] = v
	}
	for k, v := range base {
		if v != "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		return actionRun{}, err
	}
	s, _ := os.ReadFile(summary)
	o, _ := os.ReadFile(output)
	return actionRun{stdout.String(), stderr.String(), code, string(s), string(o)}, nil
}

func TestActionEndToEnd(t *testing.T) {
	// Slow and independent: runs beside the other slow tests.
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the CLI as a process against a GitHub stand-in")
	}
	ws, prDiff := prWorkspace(t)
	gh := githubtest.NewServer(t, e2eToken)
	gh.Diff = prDiff
	env := map[string]string{"GITHUB_API_URL": gh.APIURL(), "GITHUB_TOKEN": e2eToken}
	args := []string{"scan", ".", "--reporter", "github-pr-review", "--pr-comment", "--format", "sarif", "--output", "out.sarif"}

	r := runAsAction(t, ws, env, args...)
	if r.code != exitFindings {
		t.Fatalf("exit %d, want 1 (HIGH findings in the changed code)\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	reviews := gh.RequestsTo("POST", "/repos/reviewdog/reviewdog/pulls/285/reviews")
	if len(reviews) != 1 {
		t.Fatalf("%d reviews posted, want 1", len(reviews))
	}
	var rv struct {
		CommitID string `json:"commit_id"`
		Comments []struct {
			Path string `json:"path"`
			Line int    `json:"line"`
			Side string `json:"side"`
			Body string `json:"body"`
		} `json:"comments"`
	}
	if err := json.Unmarshal(reviews[0].Body, &rv); err != nil {
		t.Fatal(err)
	}
	var at []string
	for _, c := range rv.Comments {
		at = append(at, fmt.Sprintf("%s:%d:%s", c.Path, c.Line, c.Side))
	}
	// The SQS and SNS findings carry fixes, so each comment sits on the last
	// line its suggested change replaces (for SNS: the topic's name line and
	// closing brace, after which the new KMS key is inserted).
	if strings.Join(at, " ") != "infra/messaging.tf:2:RIGHT infra/messaging.tf:7:RIGHT" || rv.CommitID != "cb23119096646023c05e14ea708b7f20cee906d5" {
		t.Errorf("review comments at %v on %s", at, rv.CommitID)
	}
	if !strings.Contains(rv.Comments[0].Body, "AWS\\-0096") || !strings.Contains(rv.Comments[0].Body, "```suggestion") || !strings.Contains(rv.Comments[0].Body, "sqs_managed_sse_enabled = true") {
		t.Errorf("first comment:\n%s", rv.Comments[0].Body)
	}
	if n := len(gh.RequestsTo("POST", "/issues/285/comments")); n != 1 {
		t.Errorf("summary comment posted %d times", n)
	}
	if _, err := os.Stat(filepath.Join(ws, "infra", "out.sarif")); err != nil {
		t.Errorf("SARIF not written: %v", err)
	}
	if !strings.Contains(r.output, "high=2\n") || !strings.Contains(r.output, "failed=true\n") {
		t.Errorf("step outputs:\n%s", r.output)
	}
	if !strings.Contains(r.summary, "outside the changed lines") || !strings.Contains(r.summary, "AWS\\-0104") {
		t.Errorf("job summary lacks the findings outside the diff:\n%s", r.summary)
	}

	// Second run: the summary comment is edited, nothing is posted twice.
	r2 := runAsAction(t, ws, env, args...)
	if r2.code != exitFindings {
		t.Fatalf("second run exit %d: %s", r2.code, r2.stderr)
	}
	if len(gh.RequestsTo("POST", "/pulls/285/reviews")) != 1 || len(gh.RequestsTo("POST", "/issues/285/comments")) != 1 {
		t.Error("second run posted again")
	}
	if len(gh.RequestsContaining("PATCH", "/issues/comments/")) != 1 {
		t.Error("second run did not edit the summary comment")
	}

	// Only what the pull request changed decides: the CRITICAL finding in
	// main.tf predates it. Without a token the diff comes from git, so the
	// event must name commits of this repository.
	r3 := runAsAction(t, ws, map[string]string{"GITHUB_EVENT_PATH": localEvent(t, ws)}, "scan", ".", "--reporter", "github-annotations", "--fail-on", "CRITICAL")
	if r3.code != exitOK {
		t.Errorf("annotations exit %d, want 0:\n%s%s", r3.code, r3.stdout, r3.stderr)
	}
	if !strings.Contains(r3.stdout, "::warning file=infra/messaging.tf,line=1,endLine=3,title=HIGH AWS-0096") {
		t.Errorf("annotations:\n%s", r3.stdout)
	}

	// A reporter that cannot report exits 3, and the SARIF is still there.
	gh.Fail("POST /repos/reviewdog/reviewdog/check-runs", 500)
	os.Remove(filepath.Join(ws, "infra", "out.sarif"))
	r4 := runAsAction(t, ws, env, "scan", ".", "--reporter", "github-pr-check", "--format", "sarif", "--output", "out.sarif")
	if r4.code != exitNotReported || !strings.Contains(r4.stderr, "could not report: create check run: 500") {
		t.Errorf("exit %d, stderr:\n%s", r4.code, r4.stderr)
	}
	if _, err := os.Stat(filepath.Join(ws, "infra", "out.sarif")); err != nil {
		t.Errorf("SARIF not written before reporting failed: %v", err)
	}

	for _, run := range []actionRun{r, r2, r3, r4} {
		if strings.Contains(run.stdout+run.stderr+run.summary+run.output, e2eToken) {
			t.Error("the token was printed")
		}
	}
}

// localEvent is the event payload with base and head replaced by the
// workspace's two commits.
func localEvent(t *testing.T, ws string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "reporters", "github", "testdata", "pull_request_event.json"))
	if err != nil {
		t.Fatal(err)
	}
	rev := func(r string) string {
		out, err := exec.Command("git", "-C", ws, "rev-parse", r).Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	s := strings.ReplaceAll(string(b), "dff1fc5f6db637cb82ffd1b2403a79789b439364", rev("HEAD~1"))
	s = strings.ReplaceAll(s, "cb23119096646023c05e14ea708b7f20cee906d5", rev("HEAD"))
	p := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
