package scanner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/tfreview/tfreview/finding"
)

// TestReadsStayInsideRoot: file() through a symlinked directory and a ".."
// path, and a symlinked .tf file, must not read outside the scanned root.
func TestReadsStayInsideRoot(t *testing.T) {
	outside := t.TempDir()
	secret := "TOP-SECRET-OUTSIDE-ROOT"
	if err := os.WriteFile(filepath.Join(outside, "secret.txt"), []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "evil.tf"), []byte(`resource "aws_ebs_volume" "x" { encrypted = false }`), 0o644); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(root, "data")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "evil.tf"), filepath.Join(root, "link.tf")); err != nil {
		t.Fatal(err)
	}
	main := `locals {
  via_symlink = file("${path.module}/data/secret.txt")
  via_dotdot  = file("../` + filepath.Base(outside) + `/secret.txt")
}
`
	if err := os.WriteFile(filepath.Join(root, "main.tf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := ScanProject(context.Background(), Options{Paths: []string{root}, BaseDir: root})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Report.Findings {
		if f.Range.File == "link.tf" || strings.Contains(f.Message, secret) {
			t.Errorf("read outside the root: %+v", f)
		}
	}
	skipped := false
	for _, n := range res.Report.Notes {
		skipped = skipped || n.Kind == finding.NoteFileSkipped && n.Range.File == "link.tf"
	}
	if !skipped {
		t.Errorf("symlinked file not reported as skipped: %+v", res.Report.Notes)
	}
	for _, p := range res.Projects {
		for _, b := range p.BlocksOfType("locals") {
			for name, a := range b.Attrs {
				if a.Value.IsKnown() && !a.Value.IsNull() && a.Value.Type() == cty.String && strings.Contains(a.Value.AsString(), secret) {
					t.Errorf("local %s read a file outside the root", name)
				}
			}
		}
	}
}
