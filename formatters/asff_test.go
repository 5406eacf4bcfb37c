package formatters

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// asffRequired are the required top-level attributes of a finding in
// BatchImportFindings, from AWS's "Required top-level ASFF attributes"
// (https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html).
var asffRequired = []string{"AwsAccountId", "CreatedAt", "Description", "GeneratorId", "Id", "ProductArn", "Resources", "SchemaVersion", "Severity", "Title", "Types", "UpdatedAt"}

// asffTypeNamespaces are the namespaces of the ASFF types taxonomy.
var asffTypeNamespaces = []string{"Software and Configuration Checks", "TTPs", "Effects", "Unusual Behaviors", "Sensitive Data Identifications"}

var productArnRE = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:securityhub:[a-z0-9-]+:([0-9]{12}):product/([0-9]{12})/default$`)

// checkASFF validates one finding as AWS documents it: the required
// attributes, their formats and length limits, and Resources (1 to 32,
// each with Type and Id).
func checkASFF(f map[string]any) []string {
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	for _, k := range asffRequired {
		if _, ok := f[k]; !ok {
			bad("missing required %s", k)
		}
	}
	str := func(k string) string { s, _ := f[k].(string); return s }
	if str("SchemaVersion") != "2018-10-08" {
		bad("SchemaVersion %q", str("SchemaVersion"))
	}
	if !regexp.MustCompile(`^[0-9]{12}$`).MatchString(str("AwsAccountId")) {
		bad("AwsAccountId %q", str("AwsAccountId"))
	}
	if m := productArnRE.FindStringSubmatch(str("ProductArn")); m == nil || m[2] != str("AwsAccountId") || m[3] != str("AwsAccountId") {
		bad("ProductArn %q is not the account's default product", str("ProductArn"))
	}
	for _, k := range []string{"CreatedAt", "UpdatedAt"} {
		if _, err := time.Parse(time.RFC3339Nano, str(k)); err != nil {
			bad("%s %q is not ISO 8601", k, str(k))
		}
	}
	for k, n := range map[string]int{"Title": 256, "Description": 1024, "Id": 512, "GeneratorId": 512} {
		if s := str(k); s == "" || utf8.RuneCountInString(s) > n || !utf8.ValidString(s) {
			bad("%s empty, invalid or over %d characters", k, n)
		}
	}
	sev, _ := f["Severity"].(map[string]any)
	switch sev["Label"] {
	case "INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL":
	default:
		bad("Severity.Label %v", sev["Label"])
	}
	types, _ := f["Types"].([]any)
	if len(types) == 0 || len(types) > 50 {
		bad("Types has %d entries", len(types))
	}
	for _, t := range types {
		parts := strings.Split(fmt.Sprint(t), "/")
		if len(parts) < 2 || len(parts) > 3 || !contains(asffTypeNamespaces, parts[0]) {
			bad("Type %q is not namespace/category[/classifier]", t)
		}
	}
	res, _ := f["Resources"].([]any)
	if len(res) == 0 || len(res) > 32 {
		bad("Resources has %d entries", len(res))
	}
	for _, r := range res {
		m, _ := r.(map[string]any)
		if s, _ := m["Type"].(string); s == "" {
			bad("resource without Type")
		}
		if s, _ := m["Id"].(string); s == "" || utf8.RuneCountInString(s) > 512 {
			bad("resource Id %q", s)
		}
	}
	if rem, ok := f["Remediation"].(map[string]any); ok {
		rec, _ := rem["Recommendation"].(map[string]any)
		if s, _ := rec["Text"].(string); utf8.RuneCountInString(s) > 512 {
			bad("Recommendation.Text over 512 characters")
		}
	}
	return errs
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestASFFSchema checks every document of the fixture report, and of one
// with oversized hostile text, against AWS's required fields.
func TestASFFSchema(t *testing.T) {
	rep := testReport(t)
	long := rep.Findings[0]
	long.Title = strings.Repeat("é", 400)
	long.Message = strings.Repeat("<script>", 300)
	long.Resolution = strings.Repeat("x", 900)
	long.Resource = strings.Repeat("aws_s3_bucket.b", 60)
	long.Fingerprint = "0123456789abcdef0123456789abcdef"
	rep.Findings = append(rep.Findings, long)
	target := ASFFTarget{Account: "123456789012", Region: "eu-central-1", Repository: "acme/infra", Commit: "abc", Now: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		name string
		o    Options
	}{{"target", Options{ASFF: target, ShowSuppressed: true}}, {"placeholder", Options{}}} {
		t.Run(tc.name, func(t *testing.T) {
			out := format(t, "asff", tc.o, rep)
			var doc struct{ Findings []map[string]any }
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Findings) == 0 {
				t.Fatal("no findings")
			}
			ids := map[string]bool{}
			for _, f := range doc.Findings {
				for _, e := range checkASFF(f) {
					t.Errorf("%v: %s", f["Id"], e)
				}
				ids[f["Id"].(string)] = true
			}
			if len(ids) != len(doc.Findings) {
				t.Errorf("%d findings, %d distinct Ids", len(doc.Findings), len(ids))
			}
		})
	}
	// The check itself fails on a document missing what AWS requires.
	if errs := checkASFF(map[string]any{"Title": "x"}); len(errs) < len(asffRequired)-1 {
		t.Errorf("checkASFF accepts an incomplete finding: %v", errs)
	}
	if _, err := ASFF(rep, ASFFTarget{Account: "12345"}, false); err == nil {
		t.Error("a malformed account is accepted")
	}
}
