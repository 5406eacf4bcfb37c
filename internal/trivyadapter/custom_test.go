package trivyadapter_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/internal/testutil/checkstest"
	"github.com/tfreview/tfreview/scanner"
)

// TestCustomChecksRunWithEmbedded: a custom check directory adds its check
// to the embedded ones.
func TestCustomChecksRunWithEmbedded(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "custom"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "custom", "volume.rego"), []byte(checkstest.VolumeEncrypted("MEDIUM")), 0o644); err != nil {
		t.Fatal(err)
	}
	tf := t.TempDir()
	os.WriteFile(filepath.Join(tf, "main.tf"), []byte("resource \"aws_ebs_volume\" \"v\" {\n  availability_zone = \"eu-west-1a\"\n  size = 10\n  encrypted = false\n}\n"), 0o644)
	rep, err := scanner.Scan(context.Background(), scanner.Options{Paths: []string{tf}, BaseDir: tf, CustomChecks: dir, Engines: []string{scanner.EngineTrivy}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range rep.Findings {
		ids = append(ids, f.RuleID)
	}
	got := strings.Join(ids, ",")
	if !strings.Contains(got, "ACME-0001") || !strings.Contains(got, "AWS-0026") {
		t.Errorf("findings %s: want the custom ACME-0001 and the embedded AWS-0026", got)
	}
}
