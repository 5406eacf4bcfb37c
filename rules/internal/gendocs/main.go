// The tag keeps this generator out of `go install ./...` (what pre-commit
// runs for the hook), which must build only tfreview.

//go:build gendocs

// Command gendocs writes docs/checks from the built-in rules' metadata and
// testdata. Run it with `go generate ./rules`.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tfreview/tfreview/rules"
)

func main() {
	out := flag.String("out", "docs/checks", "output directory")
	testdata := flag.String("testdata", "testdata/rules", "the rules' testdata directory")
	flag.Parse()
	if err := run(*out, *testdata); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run(out, testdata string) error {
	docs, err := rules.Docs(rules.All(), testdata)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	// Remove pages of rules that no longer exist.
	old, _ := filepath.Glob(filepath.Join(out, "*.md"))
	for _, p := range old {
		if _, ok := docs[filepath.Base(p)]; !ok && strings.HasPrefix(filepath.Base(p), "TFR-") {
			if err := os.Remove(p); err != nil {
				return err
			}
		}
	}
	for name, data := range docs {
		if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
