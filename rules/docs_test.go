package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/rules"
)

// TestDocsUpToDate fails when docs/checks differs from what the rules'
// metadata and testdata generate.
func TestDocsUpToDate(t *testing.T) {
	docs, err := rules.Docs(rules.All(), filepath.Join("..", "testdata", "rules"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "docs", "checks")
	for name, want := range docs {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != string(want) {
			t.Errorf("docs/checks/%s is out of date: run `go generate ./rules`", name)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	for _, f := range files {
		if _, ok := docs[filepath.Base(f)]; !ok {
			t.Errorf("docs/checks/%s documents no rule: run `go generate ./rules`", filepath.Base(f))
		}
	}
	// Every rule's page points its readers at the same URL its findings do.
	for _, r := range rules.All() {
		if !strings.HasSuffix(r.DocURL(), "docs/checks/"+r.ID+".md") {
			t.Errorf("%s: DocURL %s does not match the generated page", r.ID, r.DocURL())
		}
	}
}

// Examples in the docs must not carry the test markers.
func TestDocsHaveNoWantMarkers(t *testing.T) {
	docs, err := rules.Docs(rules.All(), filepath.Join("..", "testdata", "rules"))
	if err != nil {
		t.Fatal(err)
	}
	for name, d := range docs {
		if strings.Contains(string(d), `want "`) {
			t.Errorf("%s contains a # want marker", name)
		}
	}
}
