package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/tfreview/tfreview/internal/testutil/registrytest"
)

// TestDownloadModulesE2E: `scan --download-modules --module-cache DIR`
// fetches a registry module from a stand-in registry, reports Trivy's
// finding in it through the CLI, and a second run reuses the cache with no
// request.
func TestDownloadModulesE2E(t *testing.T) {
	reg := registrytest.New(t, registrytest.Modules{"acme/volume/aws": {"1.0.0": registrytest.TarGz(t, map[string]string{"main.tf": `variable "zone" {}

resource "aws_ebs_volume" "this" {
  availability_zone = var.zone
  encrypted         = false
}
`})}})
	dir := t.TempDir()
	src := "module \"data\" {\n  source  = \"" + reg.Host() + "/acme/volume/aws\"\n  version = \"~> 1.0\"\n  zone    = \"eu-west-1a\"\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(t.TempDir(), "modules")
	t.Chdir(dir)
	scan := func() (int, []string) {
		code, out, stderr := runCLI(t, "scan", ".", "--engines", "trivy", "--download-modules", "--module-cache", cache, "--format", "json")
		var rep struct {
			Findings []struct {
				RuleID    string `json:"rule_id"`
				Range     struct{ File string }
				CallSites []struct{ Module string } `json:"call_sites"`
			}
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("exit %d: %v\n%s\n%s", code, err, out, stderr)
		}
		var got []string
		for _, f := range rep.Findings {
			if f.RuleID == "AWS-0026" && len(f.CallSites) == 1 {
				got = append(got, f.Range.File+" "+f.CallSites[0].Module)
			}
		}
		return code, got
	}
	code, got := scan()
	if code != exitFindings || len(got) != 1 || got[0] != ".terraform/modules/data/main.tf module.data" {
		t.Fatalf("exit %d, AWS-0026 findings %q", code, got)
	}
	if n := len(reg.Requests()); n != 3 {
		t.Errorf("registry requests %q", reg.Paths())
	}
	reg.Reset()
	reg.Files.Reset()
	if code, again := scan(); code != exitFindings || len(again) != 1 {
		t.Errorf("second run: exit %d, %q", code, again)
	}
	if n := len(reg.Requests()) + len(reg.Files.Requests()); n != 0 {
		t.Errorf("second run made %d requests", n)
	}
}
