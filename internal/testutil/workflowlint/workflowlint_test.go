package workflowlint

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const root = "../../.."

func lint(t *testing.T, name string, wf []byte) {
	t.Helper()
	problems, shellchecked, err := Lint(name, wf, root)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !shellchecked {
		t.Logf("%s: shellcheck not installed; scripts were not checked", name)
	}
	for _, p := range problems {
		t.Errorf("%s", p)
	}
}

func TestActionAndExampleWorkflows(t *testing.T) {
	if !Available {
		t.Skip("actionlint is not compiled in (-tags noactionlint): action.yml and the example workflows were not linted")
	}
	action, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	wf, err := ActionAsWorkflow(action)
	if err != nil {
		t.Fatal(err)
	}
	lint(t, "action.yml", wf)

	doc, err := os.ReadFile(filepath.Join(root, "docs", "github-action.md"))
	if err != nil {
		t.Fatal(err)
	}
	examples := MarkdownWorkflows(doc)
	if len(examples) == 0 {
		t.Fatal("docs/github-action.md has no example workflow")
	}
	for i, ex := range examples {
		lint(t, "docs/github-action.md#"+string(rune('1'+i)), UseLocalAction(ex))
	}

	files, _ := filepath.Glob("testdata/*.yml")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lint(t, f, b)
	}
}

// TestLintCatchesMistakes makes sure the checks above can fail.
func TestLintCatchesMistakes(t *testing.T) {
	if !Available {
		t.Skip("actionlint is not compiled in (-tags noactionlint)")
	}
	bad := []byte(`on: pull_request
jobs:
  x:
    runs-on: ubuntu-latest
    steps:
      - uses: ./
        with:
          reporterr: github-pr-review
      - run: echo "${{ github.event.pull_request.title }}"
`)
	problems, _, err := Lint("bad.yml", bad, root)
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(problems, "\n")
	for _, want := range []string{`input "reporterr" is not defined`, "potentially untrusted"} {
		if !strings.Contains(joined, want) {
			t.Errorf("actionlint did not report %q:\n%s", want, joined)
		}
	}
}

// TestRepositoryWorkflows lints every workflow this repository runs (the
// release workflow among them) the way action.yml is linted above.
func TestRepositoryWorkflows(t *testing.T) {
	if !Available {
		t.Skip("actionlint is not compiled in (-tags noactionlint): .github/workflows was not linted")
	}
	files, err := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.y*ml"))
	if err != nil {
		t.Fatal(err)
	}
	var release bool
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		lint(t, rel, b)
		release = release || filepath.Base(f) == "release.yml"
	}
	if !release {
		t.Fatalf("no .github/workflows/release.yml among %v", files)
	}
}

var usesRE = regexp.MustCompile(`(?m)^\s*(?:-\s+)?uses:\s*(\S+)(.*)$`)
var pinnedRE = regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40}$`)
var versionCommentRE = regexp.MustCompile(`^\s+# v\d+(\.\d+)*\b`)

// unpinnedUses lists the `uses:` of a workflow or action that are not a
// full commit SHA followed by a "# vX.Y.Z" comment (local ./ actions aside).
func unpinnedUses(yml []byte) []string {
	var bad []string
	for _, m := range usesRE.FindAllStringSubmatch(string(yml), -1) {
		ref, rest := strings.Trim(m[1], `"'`), m[2]
		if strings.HasPrefix(ref, "./") {
			continue
		}
		if !pinnedRE.MatchString(ref) || !versionCommentRE.MatchString(rest) {
			bad = append(bad, ref+rest)
		}
	}
	return bad
}

// TestActionsArePinnedBySHA: a tag of a third-party action can be moved to
// other code; a commit SHA cannot. The release workflow holds a token that
// can publish releases and images, and action.yml runs in users' jobs.
func TestActionsArePinnedBySHA(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.y*ml"))
	files = append(files, filepath.Join(root, "action.yml"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range unpinnedUses(b) {
			t.Errorf("%s: %s is not pinned to a commit SHA with a # vX.Y.Z comment", f, u)
		}
	}
	if bad := unpinnedUses([]byte("    - uses: actions/checkout@v4\n    - uses: actions/setup-go@4b73464bb391d4059bd26b0524d20df3927bd417\n")); len(bad) != 2 {
		t.Errorf("the pin check passed a tag or a SHA without its version: %v", bad)
	}
}

// TestReleaseWorkflowPermissions: the release job can publish the release
// and the image and sign keylessly; nothing else gets write access.
func TestReleaseWorkflowPermissions(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, ".github", "workflows", "release.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		On          map[string]map[string][]string `yaml:"on"`
		Permissions map[string]string              `yaml:"permissions"`
		Jobs        map[string]struct {
			Permissions map[string]string `yaml:"permissions"`
			Steps       []struct {
				Uses string            `yaml:"uses"`
				With map[string]string `yaml:"with"`
				Run  string            `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatal(err)
	}
	if len(wf.Permissions) != 0 {
		t.Errorf("workflow-level permissions %v, want none (per job)", wf.Permissions)
	}
	if tags := wf.On["push"]["tags"]; len(tags) == 0 || len(wf.On) != 1 {
		t.Errorf("release.yml runs on %v, want only tag pushes", wf.On)
	}
	gr := wf.Jobs["goreleaser"]
	for k, v := range map[string]string{"contents": "write", "packages": "write", "id-token": "write"} {
		if gr.Permissions[k] != v {
			t.Errorf("goreleaser job: permissions.%s = %q, want %q", k, gr.Permissions[k], v)
		}
	}
	var ranGoreleaser bool
	for _, s := range gr.Steps {
		if strings.HasPrefix(s.Uses, "goreleaser/goreleaser-action@") && strings.HasPrefix(s.With["args"], "release") {
			ranGoreleaser = true
		}
	}
	if !ranGoreleaser {
		t.Error("the goreleaser job does not run goreleaser release")
	}
	mt := wf.Jobs["major-tag"]
	if len(mt.Permissions) != 1 || mt.Permissions["contents"] != "write" {
		t.Errorf("major-tag job permissions %v, want contents: write only", mt.Permissions)
	}
	var moves bool
	for _, s := range mt.Steps {
		moves = moves || strings.Contains(s.Run, `git push -f origin "refs/tags/$major"`)
	}
	if !moves {
		t.Error("no step moves the major tag")
	}
}

// TestReadmeAdoptionWorkflow lints the README's GitHub Action snippet,
// verbatim, inside the smallest workflow around it: what a new user copies
// must pass actionlint and use only inputs action.yml declares.
func TestReadmeAdoptionWorkflow(t *testing.T) {
	if !Available {
		t.Skip("actionlint is not compiled in (-tags noactionlint)")
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var snippet string
	for _, m := range fenceRE.FindAllSubmatch(readme, -1) {
		if strings.Contains(string(m[1]), "uses: tfreview/tfreview@v1\n") {
			snippet = string(m[1])
		}
	}
	if snippet == "" {
		t.Fatal("README.md has no YAML block using tfreview/tfreview@v1")
	}
	var wf strings.Builder
	wf.WriteString("on: pull_request\njobs:\n  tfreview:\n    runs-on: ubuntu-latest\n")
	for _, line := range strings.SplitAfter(snippet, "\n") {
		if line != "" {
			wf.WriteString("    " + line)
		}
	}
	lint(t, "README.md (GitHub Action)", UseLocalAction([]byte(wf.String())))
}
