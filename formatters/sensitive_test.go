package formatters

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/finding"
)

// A finding marked Sensitive holds a secret: the text format must point at
// it without printing it.
func TestTextMasksSensitiveRange(t *testing.T) {
	src := "provider \"aws\" {\n  secret_key = \"q8Xk2Lm9Pz4Rt7Vw1Ny5Bc3Df6Gh0Jk8Ls2Qa4Er\"\n}\n"
	start := strings.Index(src, `"q8X`)
	end := start + 42
	rng := finding.Range{File: "main.tf",
		Start: finding.Position{Line: 2, Column: 16, Byte: start},
		End:   finding.Position{Line: 2, Column: 58, Byte: end}}
	rep := finding.Report{Sources: map[string][]byte{"main.tf": []byte(src)}, Findings: []finding.Finding{{
		RuleID: "TFR-TF-005", Engine: finding.EngineBuiltin, Severity: finding.SeverityCritical,
		Title: "Credentials hard-coded in a provider block", Message: `provider "aws" has a hard-coded secret_key`,
		Range: rng, Resource: "provider.aws", Sensitive: true,
	}}}
	var buf bytes.Buffer
	if err := (textFormatter{}).Format(&buf, rep); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "q8Xk2Lm9") {
		t.Fatalf("secret printed:\n%s", out)
	}
	if !strings.Contains(out, "secret_key = "+strings.Repeat("*", 42)) {
		t.Errorf("masked source line missing:\n%s", out)
	}
}
