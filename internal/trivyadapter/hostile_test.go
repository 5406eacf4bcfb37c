package trivyadapter_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tfreview/tfreview/scanner"
)

// bundleCheck is a Trivy check that matches every EBS volume; body is the
// Rego that runs for each.
func bundleCheck(body string) string {
	return `# METADATA
# title: hostile bundle check
# custom:
#   id: AWS-9902
#   provider: aws
#   service: ec2
#   severity: HIGH
#   input:
#     selector:
#       - type: cloud
package builtin.aws.ec2.aws9902

import rego.v1

deny contains res if {
	some volume in input.aws.ec2.volumes
` + body + `
	res := result.new(msg, volume)
}
`
}

// scanWithBundle scans testdata/broken (an unencrypted EBS volume) with a
// bundle holding only check.
func scanWithBundle(t *testing.T, check string) (string, error) {
	t.Helper()
	bundle := t.TempDir()
	if err := os.WriteFile(filepath.Join(bundle, "hostile.rego"), []byte(check), 0o644); err != nil {
		t.Fatal(err)
	}
	fixture, err := filepath.Abs(filepath.Join("..", "..", "testdata", "broken"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := scanner.Scan(context.Background(), scanner.Options{
		Paths: []string{fixture}, BaseDir: fixture, ChecksBundle: bundle, Engines: []string{scanner.EngineTrivy},
	})
	var msgs []string
	for _, f := range rep.Findings {
		msgs = append(msgs, f.Message)
	}
	return strings.Join(msgs, "\n"), err
}

// TestHostileBundleHTTPSend: a checks bundle whose rule calls http.send
// (to send the environment away) fails to load, naming http.send, and no
// request is made.
func TestHostileBundleHTTPSend(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	_, err := scanWithBundle(t, bundleCheck(`	resp := http.send({"method": "GET", "url": "`+srv.URL+`/exfil"})
	msg := sprintf("sent: %v", [resp.status_code])`))
	if n := requests.Load(); n != 0 {
		t.Errorf("the bundle's rule made %d HTTP request(s)", n)
	}
	if err == nil || !strings.Contains(err.Error(), "http.send") {
		t.Fatalf("scan error = %v, want one naming http.send", err)
	}
}

// TestHostileBundleRuntimeEnv: opa.runtime() hands a rule the process
// environment; a bundle calling it fails to load, and the secret appears in
// no finding.
func TestHostileBundleRuntimeEnv(t *testing.T) {
	const secret = "ghs_tfreviewTestSecret"
	t.Setenv("GITHUB_TOKEN", secret)
	msgs, err := scanWithBundle(t, bundleCheck(`	msg := sprintf("token %s", [opa.runtime().env.GITHUB_TOKEN])`))
	if strings.Contains(msgs, secret) {
		t.Errorf("a finding carries the environment's token: %s", msgs)
	}
	if err == nil || !strings.Contains(err.Error(), "opa.runtime") {
		t.Fatalf("scan error = %v, want one naming opa.runtime", err)
	}
}

// TestHostileBundleDNSLookup: net.lookup_ip_addr leaks data through DNS
// queries; a bundle calling it fails to load, naming it.
func TestHostileBundleDNSLookup(t *testing.T) {
	_, err := scanWithBundle(t, bundleCheck(`	addrs := net.lookup_ip_addr("localhost")
	msg := sprintf("%v", [addrs])`))
	if err == nil || !strings.Contains(err.Error(), "net.lookup_ip_addr") {
		t.Fatalf("scan error = %v, want one naming net.lookup_ip_addr", err)
	}
}

// TestBundlePureBuiltinsAllowed: the restriction removes only what reaches
// outside; a bundle using pure built-ins (net.cidr_contains, time.now_ns)
// loads and reports.
func TestBundlePureBuiltinsAllowed(t *testing.T) {
	msgs, err := scanWithBundle(t, bundleCheck(`	net.cidr_contains("10.0.0.0/8", "10.1.2.3")
	time.now_ns() > 0
	msg := "pure"`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msgs, "pure") {
		t.Fatalf("the bundle check did not report; findings: %q", msgs)
	}
}
