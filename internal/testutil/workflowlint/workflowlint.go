//go:build !noactionlint

// Package workflowlint lints the GitHub Actions YAML this repository ships —
// action.yml's composite steps and the example workflows in docs — with
// actionlint (github.com/rhysd/actionlint) used as a library. Shell scripts
// are checked with shellcheck when it is installed.
//
// Build with -tags noactionlint where the actionlint module cannot be built;
// the test then skips and says so.
package workflowlint

import (
	"bytes"
	"fmt"
	"os/exec"
	"regexp"
	"sort"

	"github.com/rhysd/actionlint"
	"gopkg.in/yaml.v3"
)

// Available reports whether actionlint was compiled in.
const Available = true

// Lint lints one workflow. projectRoot lets `uses: ./` resolve to the
// repository's action.yml, so the inputs a workflow passes are checked
// against the ones the action declares. It returns actionlint's errors as
// lines, and whether shellcheck ran.
func Lint(name string, workflow []byte, projectRoot string) (problems []string, shellchecked bool, err error) {
	opts := &actionlint.LinterOptions{WorkingDir: projectRoot}
	if p, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = p
		shellchecked = true
	}
	var out bytes.Buffer
	l, err := actionlint.NewLinter(&out, opts)
	if err != nil {
		return nil, false, err
	}
	proj, err := actionlint.NewProject(projectRoot)
	if err != nil {
		return nil, false, err
	}
	errs, err := l.Lint(name, workflow, proj)
	if err != nil {
		return nil, false, err
	}
	for _, e := range errs {
		problems = append(problems, e.Error())
	}
	return problems, shellchecked, nil
}

// ActionAsWorkflow turns a composite action into a workflow that runs its
// steps, with the action's inputs as workflow_call inputs, so actionlint
// checks the steps, their expressions and (with shellcheck) their scripts.
func ActionAsWorkflow(action []byte) ([]byte, error) {
	var a struct {
		Inputs map[string]struct {
			Default string `yaml:"default"`
		} `yaml:"inputs"`
		Runs struct {
			Using string      `yaml:"using"`
			Steps []yaml.Node `yaml:"steps"`
		} `yaml:"runs"`
	}
	if err := yaml.Unmarshal(action, &a); err != nil {
		return nil, fmt.Errorf("parse action: %w", err)
	}
	if a.Runs.Using != "composite" {
		return nil, fmt.Errorf("runs.using is %q, want composite", a.Runs.Using)
	}
	names := make([]string, 0, len(a.Inputs))
	for n := range a.Inputs {
		names = append(names, n)
	}
	sort.Strings(names)
	inputs := map[string]any{}
	for _, n := range names {
		inputs[n] = map[string]any{"type": "string", "required": false}
	}
	wf := map[string]any{
		"name": "action.yml as a workflow",
		"on":   map[string]any{"workflow_call": map[string]any{"inputs": inputs}},
		"jobs": map[string]any{"action": map[string]any{
			"runs-on": "ubuntu-latest",
			"steps":   a.Runs.Steps,
		}},
	}
	return yaml.Marshal(wf)
}

var fenceRE = regexp.MustCompile("(?ms)^```ya?ml\n(.*?)^```")

// MarkdownWorkflows returns the YAML code blocks of a Markdown file that are
// workflows (they have jobs:).
func MarkdownWorkflows(md []byte) [][]byte {
	var out [][]byte
	for _, m := range fenceRE.FindAllSubmatch(md, -1) {
		if bytes.Contains(m[1], []byte("\njobs:")) {
			out = append(out, m[1])
		}
	}
	return out
}

// UseLocalAction points `uses: tfreview/tfreview@<ref>` at the local
// action, so its inputs are checked against action.yml.
func UseLocalAction(workflow []byte) []byte {
	re := regexp.MustCompile(`(?m)uses: tfreview/tfreview@\S+`)
	return re.ReplaceAll(workflow, []byte("uses: ./"))
}
