package rules

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

//go:generate go run -tags gendocs ./internal/gendocs -out ../docs/checks -testdata ../testdata/rules

// Example is Terraform shown in a check's documentation.
type Example struct {
	Bad, Good string
}

var wantMarker = regexp.MustCompile(`\s*(#|//)\s*want "[^"]+".*`)

// LoadExample reads a rule's bad.tf and good.tf from its testdata folder
// (testdata/rules/<ID>), without the `# want` markers.
func LoadExample(testdata string, r *Rule) (Example, error) {
	var ex Example
	for name, dst := range map[string]*string{"bad.tf": &ex.Bad, "good.tf": &ex.Good} {
		data, err := os.ReadFile(filepath.Join(testdata, r.ID, name))
		if err != nil {
			return Example{}, fmt.Errorf("example for %s: %w", r.ID, err)
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		for i, l := range lines {
			lines[i] = wantMarker.ReplaceAllString(l, "")
		}
		*dst = strings.Join(lines, "\n")
	}
	return ex, nil
}

// RenderDoc renders a check's documentation page (docs/checks/<ID>.md).
func RenderDoc(r *Rule, ex Example) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s: %s\n\n", r.ID, r.Title)
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| ID | `%s` |\n| Alias | `%s` |\n| Severity | %s |\n", r.ID, r.Slug, r.Severity)
	fmt.Fprintf(&b, "| Provider / service | %s / %s |\n", r.Provider, r.Service)
	fix := "no"
	if r.Fixable {
		fix = "yes, where the value is written literally (`tfreview fix`)"
	}
	fmt.Fprintf(&b, "| Automatic fix | %s |\n", fix)
	if r.IsPolicy() {
		fmt.Fprintf(&b, "| Runs | only when configured (organisation policy) |\n")
	}
	fmt.Fprintf(&b, "\n## Why\n\n%s\n\n## How to fix\n\n%s\n", r.Explanation, r.Resolution)
	if r.Configuration != "" {
		fmt.Fprintf(&b, "\n## Configuration\n\nIn `.tfreview.yaml`:\n\n```yaml\n%s\n```\n", r.Configuration)
	}
	if ex.Bad != "" {
		fmt.Fprintf(&b, "\n## Example\n\nReported:\n\n```hcl\n%s\n```\n", ex.Bad)
	}
	if ex.Good != "" {
		fmt.Fprintf(&b, "\nNot reported:\n\n```hcl\n%s\n```\n", ex.Good)
	}
	fmt.Fprintf(&b, "\n## Ignoring\n\nOn the line above the block or attribute, or at the end of the reported line:\n\n"+
		"```hcl\n# tfreview:ignore:%s <reason>\n# tfreview:ignore:%s:exp:2030-01-31 <reason>\n```\n", r.Slug, r.ID)
	if len(r.References) > 0 {
		fmt.Fprintf(&b, "\n## References\n\n")
		for _, ref := range r.References {
			fmt.Fprintf(&b, "- %s\n", ref)
		}
	}
	return b.Bytes()
}

// RenderIndex renders docs/checks/README.md, the list of checks.
func RenderIndex(rs []*Rule) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Built-in checks\n\n")
	fmt.Fprintf(&b, "Generated from the rules' metadata by `go generate ./rules`; do not edit. ")
	fmt.Fprintf(&b, "Trivy's checks are listed by `tfreview checks`.\n\n")
	fmt.Fprintf(&b, "| ID | Alias | Severity | Title | Fix |\n|---|---|---|---|---|\n")
	for _, r := range rs {
		fix := ""
		if r.Fixable {
			fix = "yes"
		}
		title := r.Title
		if r.IsPolicy() {
			title += " (policy, opt-in)"
		}
		fmt.Fprintf(&b, "| [%s](%s.md) | `%s` | %s | %s | %s |\n", r.ID, r.ID, r.Slug, r.Severity, title, fix)
	}
	return b.Bytes()
}

// Docs returns every documentation file (name -> content) for the rules,
// with examples read from testdata.
func Docs(rs []*Rule, testdata string) (map[string][]byte, error) {
	out := map[string][]byte{"README.md": RenderIndex(rs)}
	for _, r := range rs {
		ex, err := LoadExample(testdata, r)
		if err != nil {
			return nil, err
		}
		out[r.ID+".md"] = RenderDoc(r, ex)
	}
	return out, nil
}
