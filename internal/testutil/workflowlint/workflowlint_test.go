package workflowlint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
