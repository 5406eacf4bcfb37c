package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tfreview/tfreview/internal/testutil/workflowlint"
)

// genCorpus writes the bench generator's corpus name under a temporary
// directory and returns its path.
func genCorpus(t *testing.T, name string) string {
	t.Helper()
	out := t.TempDir()
	cmd := exec.Command("go", "-C", "../../bench", "run", "./gen", "-out", out, "-only", name)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bench generator: %v\n%s", err, b)
	}
	return filepath.Join(out, name)
}

// comparable is the part of a json report a merge must reproduce.
type comparableReport struct {
	Summary  any   `json:"summary"`
	Findings []any `json:"findings"`
	Notes    []any `json:"notes"`
	Stats    any   `json:"stats"`
	Rules    []any `json:"rules"`
}

func readComparable(t *testing.T, file string) comparableReport {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var r comparableReport
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	// The order of rules is not part of the promise; the set is.
	slices.SortFunc(r.Rules, func(a, b any) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	return r
}

// TestShardMergeEqualsSingleScan: for N = 1, 3 and 7, scanning every shard
// and merging their json reports gives the findings (with fingerprints),
// notes, statistics and rules of one scan of the whole tree — on the
// bench's generated corpus (root modules sharing local modules) plus a
// file that does not parse outside every root module and one inside a
// shared module's directory.
func TestShardMergeEqualsSingleScan(t *testing.T) {
	// Slow and independent: runs beside the other slow tests.
	t.Parallel()
	corpus := genCorpus(t, "roots-10")
	os.MkdirAll(filepath.Join(corpus, "orphan"), 0o755)
	os.WriteFile(filepath.Join(corpus, "orphan", "broken.tfvars"), []byte("x = = 1\n"), 0o644)
	os.WriteFile(filepath.Join(corpus, "modules", "service", "broken.tf"), []byte("resource \"x\" {\n"), 0o644)
	out := t.TempDir()
	single := filepath.Join(out, "single.json")
	if code, _, stderr := runCLI(t, "scan", corpus, "--show-ignored", "--format", "json", "--output", single); code == exitError || code == exitNotReported {
		t.Fatalf("scan: exit %d: %s", code, stderr)
	}
	want := readComparable(t, single)
	if len(want.Findings) == 0 || len(want.Notes) == 0 {
		t.Fatalf("corpus gives %d findings, %d notes: the comparison would prove nothing", len(want.Findings), len(want.Notes))
	}
	for _, n := range []int{1, 3, 7} {
		var shards []string
		for k := 1; k <= n; k++ {
			f := filepath.Join(out, fmt.Sprintf("n%d-shard%d.json", n, k))
			if code, _, stderr := runCLI(t, "scan", corpus, "--shard", fmt.Sprintf("%d/%d", k, n), "--show-ignored", "--format", "json", "--output", f); code == exitError || code == exitNotReported {
				t.Fatalf("shard %d/%d: exit %d: %s", k, n, code, stderr)
			}
			shards = append(shards, f)
		}
		merged := filepath.Join(out, fmt.Sprintf("n%d-merged.json", n))
		if code, _, stderr := runCLI(t, append([]string{"merge", "--show-ignored", "--format", "json", "--output", merged}, shards...)...); code == exitError || code == exitNotReported {
			t.Fatalf("merge N=%d: exit %d: %s", n, code, stderr)
		}
		got := readComparable(t, merged)
		for _, part := range []struct {
			name      string
			got, want any
		}{{"summary", got.Summary, want.Summary}, {"findings", got.Findings, want.Findings}, {"notes", got.Notes, want.Notes},
			{"stats", got.Stats, want.Stats}, {"rules", got.Rules, want.Rules}} {
			if !reflect.DeepEqual(part.got, part.want) {
				g, _ := json.MarshalIndent(part.got, "", " ")
				w, _ := json.MarshalIndent(part.want, "", " ")
				t.Errorf("N=%d: merged %s differ from the single scan's:\n got %.3000s\nwant %.3000s", n, part.name, g, w)
			}
		}
	}
}

// TestShardPartitionsRootModules: the shards' root modules are disjoint
// and together all of them, and no shard is empty on a tree of 10.
func TestShardPartitionsRootModules(t *testing.T) {
	corpus := genCorpus(t, "roots-10")
	t.Chdir(corpus)
	total := 0
	for k := 1; k <= 3; k++ {
		code, stdout, stderr := runCLI(t, "scan", ".", "--shard", fmt.Sprintf("%d/3", k), "--engines", "builtin", "--format", "json")
		if code == exitError {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var r struct {
			Stats struct {
				RootModules int `json:"root_modules"`
			} `json:"stats"`
		}
		json.Unmarshal([]byte(stdout), &r)
		if r.Stats.RootModules == 0 {
			t.Errorf("shard %d/3 has no root module", k)
		}
		total += r.Stats.RootModules
	}
	if total != 10 {
		t.Errorf("shards hold %d root modules, want 10", total)
	}
	for _, args := range [][]string{{"--shard", "0/3"}, {"--shard", "4/3"}, {"--shard", "1/0"}, {"--shard", "x"}, {"--shard", "1/2/3"},
		{"--shard", "1/2", "--new-since", "HEAD"}, {"--shard", "1/2", "--baseline", "b.json"}} {
		if code, _, _ := runCLI(t, append([]string{"scan", "."}, args...)...); code != exitError {
			t.Errorf("scan %v: exit %d, want %d", args, code, exitError)
		}
	}
}

// TestMergeHostileFileNamesStayInRoot: a shard report is an artifact of
// another job; the files its findings name are read for snippets only
// through an os.Root of --root, so "../" names and symbolic links leading
// out of the tree show nothing of what lies outside.
func TestMergeHostileFileNamesStayInRoot(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.tf")
	os.WriteFile(secret, []byte("TOP-SECRET-CONTENT\n"), 0o644)
	root := t.TempDir()
	os.Symlink(secret, filepath.Join(root, "link.tf"))
	rel, _ := filepath.Rel(root, secret)
	report := func(file string) string {
		return `{"schema_version":"1","tool":{"name":"tfreview","version":"x"},"summary":{"total":1,"critical":0,"high":1,"medium":0,"low":0,"unknown":0,"suppressed":0},
"findings":[{"rule_id":"X-1","aliases":[],"engine":"builtin","severity":"HIGH","title":"t","message":"m","references":[],
"range":{"file":` + fmt.Sprintf("%q", file) + `,"start":{"line":1,"column":1},"end":{"line":1,"column":5}},"call_sites":[],"fingerprint":"f","suppressed":false}],
"notes":[],"stats":{"files":1,"root_modules":1,"resources":1,"checks_run":1,"engines":["builtin"],"filtered_below_severity":0},"rules":[]}`
	}
	for _, name := range []string{rel, filepath.ToSlash(rel), "link.tf", secret} {
		rep := filepath.Join(t.TempDir(), "r.json")
		os.WriteFile(rep, []byte(report(name)), 0o644)
		code, stdout, stderr := runCLI(t, "merge", "--root", root, "--format", "text", "--no-color", rep)
		if code != exitFindings {
			t.Fatalf("%s: exit %d, want %d: %s", name, code, exitFindings, stderr)
		}
		if strings.Contains(stdout+stderr, "TOP-SECRET") {
			t.Errorf("finding in %q: merge showed a file outside --root:\n%s", name, stdout)
		}
	}
}

// TestMergeExitCodes: --fail-on judges the merged report as it judges a
// scan; a report that is not tfreview json is an error, not a pass.
func TestMergeExitCodes(t *testing.T) {
	dir := t.TempDir()
	rep := filepath.Join(dir, "r.json")
	if code, _, stderr := runCLI(t, "scan", "../../testdata/insecure", "--format", "json", "--output", rep); code != exitFindings {
		t.Fatalf("scan: exit %d: %s", code, stderr)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"findings": "no"}`), 0o644)
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"merge", rep}, exitFindings},
		{[]string{"merge", rep, rep}, exitFindings},
		{[]string{"merge", "--fail-on", "CRITICAL", "--format", "json", rep}, exitFindings},
		{[]string{"merge", bad}, exitError},
		{[]string{"merge", filepath.Join(dir, "missing.json")}, exitError},
		{[]string{"merge"}, exitError},
	} {
		if code, _, stderr := runCLI(t, c.args...); code != c.want {
			t.Errorf("tfreview %s: exit %d, want %d (%s)", strings.Join(c.args, " "), code, c.want, stderr)
		}
	}
}

// TestMonorepoDocWorkflows lints the workflows of docs/monorepo.md with
// actionlint (and shellcheck when installed), against the inputs action.yml
// declares.
func TestMonorepoDocWorkflows(t *testing.T) {
	if !workflowlint.Available {
		t.Skip("actionlint is not compiled in (-tags noactionlint)")
	}
	doc, err := os.ReadFile("../../docs/monorepo.md")
	if err != nil {
		t.Fatal(err)
	}
	wfs := workflowlint.MarkdownWorkflows(doc)
	if len(wfs) == 0 {
		t.Fatal("docs/monorepo.md has no workflow")
	}
	for i, wf := range wfs {
		problems, _, err := workflowlint.Lint(fmt.Sprintf("docs/monorepo.md#%d", i+1), workflowlint.UseLocalAction(wf), "../..")
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Error(p)
		}
	}
}

// actionScanScript is the run script of action.yml's Scan step.
func actionScanScript(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		Runs struct {
			Steps []struct {
				Name, Run string
			} `yaml:"steps"`
		} `yaml:"runs"`
	}
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	for _, s := range a.Runs.Steps {
		if s.Name == "Scan" {
			return s.Run
		}
	}
	t.Fatal("action.yml has no Scan step")
	return ""
}

// TestShardActionSteps runs action.yml's Scan step as the documented
// matrix does: two shard jobs (findings do not fail them; each writes its
// report) and a merge job that reports once and fails on the findings.
func TestShardActionSteps(t *testing.T) {
	script := actionScanScript(t)
	ws := t.TempDir()
	copyDirTo(t, "../../testdata/insecure", filepath.Join(ws, "a"))
	copyDirTo(t, "../../testdata/clean", filepath.Join(ws, "b"))
	step := func(env map[string]string) (int, string, string) {
		out := filepath.Join(t.TempDir(), "output")
		cmd := exec.Command("bash", "-c", script)
		cmd.Dir = ws
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "GITHUB_OUTPUT=" + out, "GITHUB_ACTIONS=true",
			"TFREVIEW_BIN=" + tfreviewBinary(t), "INPUT_MODE=scan", "INPUT_REPORTER=github-annotations", "INPUT_FAIL_ON=HIGH",
			"INPUT_MAX_COMMENTS=30", "INPUT_WORKING_DIRECTORY=.", "INPUT_SHARD_REPORT=tfreview-shard.json", "INPUT_PR_COMMENT=false"}
		// The runner sets every input, empty when not given.
		for _, name := range []string{"FILTER_MODE", "SEVERITY", "CONFIG", "VAR_FILES", "BASELINE", "NEW_SINCE", "ENGINES",
			"SARIF_FILE", "FLAGS", "TRACKER", "LEDGER", "REPORT", "SECURITYHUB", "SHARD", "REPORTS", "CACHE_DIR"} {
			if _, ok := env["INPUT_"+name]; !ok {
				cmd.Env = append(cmd.Env, "INPUT_"+name+"=")
			}
		}
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		var stdout strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stdout
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		o, _ := os.ReadFile(out)
		return code, stdout.String(), string(o)
	}
	for k := 1; k <= 2; k++ {
		code, log, out := step(map[string]string{"INPUT_SHARD": fmt.Sprintf("%d/2", k), "INPUT_SHARD_REPORT": fmt.Sprintf("shard-%d.json", k)})
		if code != 0 {
			t.Fatalf("shard %d/2: exit %d: %s", k, code, log)
		}
		if _, err := os.Stat(filepath.Join(ws, fmt.Sprintf("shard-%d.json", k))); err != nil {
			t.Fatalf("shard %d/2 wrote no report: %v", k, err)
		}
		t.Logf("shard %d: %s", k, out)
	}
	code, log, out := step(map[string]string{"INPUT_MODE": "merge", "INPUT_REPORTS": "shard-*.json", "INPUT_SARIF_FILE": "merged.sarif"})
	if code != exitFindings || !strings.Contains(out, "exit_code=1") {
		t.Errorf("merge: exit %d, output %q, want 1 (the insecure shard's findings): %s", code, out, log)
	}
	if !strings.Contains(log, "::error") || !strings.Contains(log, "a/") {
		t.Errorf("merge job reported no annotations for a/:\n%.2000s", log)
	}
	if _, err := os.Stat(filepath.Join(ws, "merged.sarif")); err != nil {
		t.Errorf("merge wrote no SARIF: %v", err)
	}
	if code, log, _ := step(map[string]string{"INPUT_MODE": "merge", "INPUT_REPORTS": "nothing-*.json"}); code != exitError {
		t.Errorf("merge of no reports: exit %d, want %d: %s", code, exitError, log)
	}
}

func copyDirTo(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCacheNewSinceReusesBase: with --cache-dir, the --new-since base (a
// fresh temporary checkout each run) takes its root modules from what the
// scan of the base branch cached: a pull request changing one root module
// evaluates that root module's head version and nothing else.
func TestCacheNewSinceReusesBase(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cacheDir := t.TempDir()
	writeFiles(t, dir, map[string]string{"envs/a/main.tf": cliQueue, "envs/b/main.tf": cliTopic})
	gitIn(t, dir, "init", "-q", "-b", "main")
	gitIn(t, dir, "add", "-A")
	gitIn(t, dir, "commit", "-q", "-m", "base")
	count := func(stderr, msg string) []string {
		var roots []string
		for _, line := range strings.Split(stderr, "\n") {
			if strings.Contains(line, msg) {
				_, root, _ := strings.Cut(line, "root=")
				roots = append(roots, strings.Fields(root + " ")[0])
			}
		}
		slices.Sort(roots)
		return roots
	}
	// The default branch's run fills the cache.
	if code, _, stderr := runCLI(t, "scan", dir, "--engines", "trivy", "--cache-dir", cacheDir, "--debug"); code == exitError {
		t.Fatalf("main: exit %d: %s", code, stderr)
	}
	gitIn(t, dir, "checkout", "-q", "-b", "feature")
	writeFiles(t, dir, map[string]string{"envs/b/extra.tf": "resource \"aws_sns_topic\" \"t2\" {\n  name = \"t2\"\n}\n"})
	code, out, stderr := runCLI(t, "scan", dir, "--engines", "trivy", "--new-since", "main", "--cache-dir", cacheDir, "--debug", "--format", "json")
	if code == exitError {
		t.Fatalf("feature: exit %d: %s", code, stderr)
	}
	if got := count(stderr, "root module evaluated"); fmt.Sprint(got) != "[envs/b]" {
		t.Errorf("evaluated %v, want only the head version of envs/b", got)
	}
	if got := count(stderr, "root module from cache"); fmt.Sprint(got) != "[envs/b]" {
		t.Errorf("from the cache %v, want the base version of envs/b", got)
	}
	if r := parseJSON(t, out); r.Comparison == nil || r.Comparison.Introduced == 0 {
		t.Errorf("the new topic's findings were not reported as introduced: %+v", r.Comparison)
	}
}
