package scanner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/finding"
)

// TestIgnoreTrivyignoreFormats: .trivyignore lines (comments, exp:) and
// .trivyignore.yaml misconfigurations (paths, expired_at, statement) become
// file-wide directives that match by ID and path.
func TestIgnoreTrivyignoreFormats(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".trivyignore"), []byte("# comment\n\nAVD-AWS-0026 exp:2030-01-31 # trailing\nCVE-2024-0001\n"), 0o644)
	os.WriteFile(filepath.Join(dir, ".trivyignore.yaml"), []byte("vulnerabilities:\n  - id: CVE-1\nmisconfigurations:\n  - id: AWS-0086\n    paths: [\"modules/**\", \"legacy.tf\"]\n    expired_at: 2030-06-30\n    statement: public website\n"), 0o644)
	ds, err := readTrivyIgnores(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 3 {
		t.Fatalf("got %d directives, want 3 (two from .trivyignore, one misconfiguration)", len(ds))
	}
	if ds[0].ID != "AVD-AWS-0026" || ds[0].Expires != "2030-01-31" || ds[0].Range.Start.Line != 3 {
		t.Errorf(".trivyignore entry: %+v", ds[0])
	}
	y := ds[2]
	if y.ID != "AWS-0086" || y.Reason != "public website" || y.Expires != "2030-06-30" || y.Range.File != ".trivyignore.yaml" || y.Range.Start.Line != 4 {
		t.Errorf(".trivyignore.yaml entry: %+v", y)
	}
	at := func(file string) *finding.Finding {
		return &finding.Finding{RuleID: "AWS-0086", Range: finding.Range{File: file}}
	}
	for file, want := range map[string]bool{"modules/s3/main.tf": true, "legacy.tf": true, "main.tf": false} {
		if got := y.matches(at(file)); got != want {
			t.Errorf("paths: %s matched %v, want %v", file, got, want)
		}
	}
	// Relocated under a scanned directory "infra", paths stay relative to it.
	y.Range.File = "infra/.trivyignore.yaml"
	if !y.matches(at("infra/legacy.tf")) || y.matches(at("legacy.tf")) || y.matches(at("other/legacy.tf")) {
		t.Error("paths are not relative to the directory holding .trivyignore.yaml")
	}
}

// TestIgnoreTrivyignoreYAMLHostile: a malformed .trivyignore.yaml is an
// error that does not quote the file; an oversized one is refused.
func TestIgnoreTrivyignoreYAMLHostile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".trivyignore.yaml"), []byte("misconfigurations: [secret-token-value: {\n"), 0o644)
	if _, err := readTrivyIgnores(dir); err == nil || strings.Contains(err.Error(), "secret-token-value") {
		t.Errorf("malformed yaml: err %v; want an error without the file's text", err)
	}
	big := t.TempDir()
	os.WriteFile(filepath.Join(big, ".trivyignore"), make([]byte, maxTrivyIgnoreSize+1), 0o644)
	if _, err := readTrivyIgnores(big); err == nil {
		t.Error("an oversized .trivyignore was read")
	}
}

// TestIgnoreUnknownCheckID: knownCheckID accepts IDs and aliases of every
// engine in any case and refuses typos and Checkov IDs.
func TestIgnoreUnknownCheckID(t *testing.T) {
	for id, want := range map[string]bool{"AWS-0026": true, "avd-aws-0026": true, "TFR-K8S-001": true, "privileged-container": true,
		"TFR-IGNORE-UNUSED": true, "AWS-9999": false, "CKV_AWS_3": false} {
		if got := knownCheckID(id); got != want {
			t.Errorf("knownCheckID(%q) = %v, want %v", id, got, want)
		}
	}
}
