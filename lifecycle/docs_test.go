package lifecycle_test

import (
	"os"
	"testing"

	"github.com/tfreview/tfreview/internal/testutil/workflowlint"
)

// TestLifecycleWorkflowLints lints the workflow of docs/lifecycle.md with
// actionlint, checking its inputs against action.yml.
func TestLifecycleWorkflowLints(t *testing.T) {
	if !workflowlint.Available {
		t.Skip("actionlint is not compiled in (-tags noactionlint)")
	}
	doc, err := os.ReadFile("../docs/lifecycle.md")
	if err != nil {
		t.Fatal(err)
	}
	wfs := workflowlint.MarkdownWorkflows(doc)
	if len(wfs) != 1 {
		t.Fatalf("docs/lifecycle.md has %d workflows, want 1", len(wfs))
	}
	problems, _, err := workflowlint.Lint("docs/lifecycle.md", workflowlint.UseLocalAction(wfs[0]), "..")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}
