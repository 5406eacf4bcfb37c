package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// tfsec's json (v1.28.14, trimmed): results are failures unless
// --include-passed/--include-ignored add others (status 1, 2).
func TestReadFindingsTfsec(t *testing.T) {
	p := write(t, "tfsec.json", `{
	"results": [
		{"rule_id": "AVD-AWS-0130", "status": 0, "location": {"filename": "/c/compute.tf", "start_line": 49, "end_line": 49}},
		{"rule_id": "AVD-AWS-0104", "status": 0, "location": {"filename": "/c/network.tf", "start_line": 3, "end_line": 9}},
		{"rule_id": "AVD-AWS-0088", "status": 1, "location": {"filename": "/c/s3.tf", "start_line": 1, "end_line": 4}}
	]
}`)
	ks, err := readFindings(p, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(ks) != 2 || ks[0] != (key{"AVD-AWS-0130", "/c/compute.tf", 49, 49}) {
		t.Fatalf("got %v, want the two failures", ks)
	}
	// No results at all is written as null.
	if ks, err := readFindings(write(t, "empty.json", `{"results": null}`), false); err != nil || len(ks) != 0 {
		t.Fatalf("null results: %v, %v", ks, err)
	}
}

const oneFinding = `{"schema_version": "1", "summary": {"total": %d}, "findings": [
	{"rule_id": "AWS-0086", "message": "%s", "fingerprint": "f1", "resource": "aws_s3_bucket.a",
	 "range": {"file": "a/main.tf", "start": {"line": 1}, "end": {"line": 3}}},
	{"rule_id": "AWS-0087", "message": "hidden", "fingerprint": "f2", "suppressed": true,
	 "range": {"file": "a/main.tf", "start": {"line": 1}, "end": {"line": 3}}}
]}`

func report(total int, message string) string {
	return strings.Replace(strings.Replace(oneFinding, "%d", strings.Repeat("1", total), 1), "%s", message, 1)
}

// same compares active findings only (a shard report is written with
// --show-ignored, the single scan without) and fails on any difference.
func TestSame(t *testing.T) {
	merged := write(t, "merged.json", report(1, "public"))
	single := write(t, "single.json", strings.Replace(report(1, "public"), `,
	{"rule_id": "AWS-0087", "message": "hidden", "fingerprint": "f2", "suppressed": true,
	 "range": {"file": "a/main.tf", "start": {"line": 1}, "end": {"line": 3}}}`, "", 1))
	var out bytes.Buffer
	if err := same(&out, merged, single); err != nil || !strings.HasPrefix(out.String(), "identical: 1 findings") {
		t.Fatalf("same report: %v, %q", err, out.String())
	}
	out.Reset()
	other := write(t, "other.json", report(1, "private"))
	if err := same(&out, merged, other); err == nil || !strings.Contains(out.String(), "only merged 1, only single 1") {
		t.Fatalf("different message: %v, %q", err, out.String())
	}
}

// A Trivy finding without a location: trivy config puts it on target "."
// at line 0, tfreview at line 1 of the root module, saying so; the parity
// comparison counts them as the same finding.
func TestReadFindingsUnlocated(t *testing.T) {
	tfr := write(t, "tfreview.json", `{"schema_version": "1", "findings": [
	{"rule_id": "AZU-0068", "engine": "trivy", "message": "Virtual machine network interface is not associated with a network security group. (Trivy gave no location for this finding: it is reported at the start of the root module)",
	 "range": {"file": "terraform/azure/aks.tf", "start": {"line": 1}, "end": {"line": 1}}}]}`)
	trivy := write(t, "trivy.json", `{"Results": [{"Target": ".", "Misconfigurations": [{"ID": "AZU-0068", "Status": "FAIL", "CauseMetadata": {}}]}]}`)
	a, err := readFindings(tfr, true)
	if err != nil {
		t.Fatal(err)
	}
	b, err := readFindings(trivy, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 1 || len(b) != 1 || a[0] != b[0] {
		t.Fatalf("tfreview %v, trivy %v: want the same key", a, b)
	}
}
