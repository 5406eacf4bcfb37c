package formatters

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/finding"
)

// comparedReport is a report as --new-since and --baseline leave it, with
// hostile text where a crafted repository could put some.
func comparedReport() finding.Report {
	at := func(file string, line int) finding.Range {
		return finding.Range{File: file, Start: finding.Position{Line: line}, End: finding.Position{Line: line}}
	}
	return finding.Report{
		Tool: finding.Tool{Name: "tfreview", Version: "test"},
		Findings: []finding.Finding{
			{RuleID: "AWS-0092", Severity: finding.SeverityHigh, Title: "S3 ACL", Message: "bucket is public",
				Range: at("main.tf", 7), Resource: "aws_s3_bucket_acl.logs", Fingerprint: "f1",
				Cause: &finding.Cause{Kind: finding.CauseVariable, Message: `the default of variable "acl" changed <script>@team`, Range: at("variables.tf", 3)}},
			{RuleID: "AWS-0086", Severity: finding.SeverityHigh, Title: "PAB", Message: "old", Range: at("main.tf", 1),
				Resource: "aws_s3_bucket.logs", Fingerprint: "f2",
				Suppressed: &finding.Suppression{Kind: "new-since", Reason: "present at main (abc)"}},
		},
		Comparison: &finding.Comparison{Ref: "main", BaseCommit: "0123456789abcdef0123", Introduced: 1, Unchanged: 1,
			HeadRootModules: 3, BaseRootModules: 1,
			Resolved: []finding.Finding{{RuleID: "AWS-0096", Severity: finding.SeverityHigh, Range: at("queues/é.tf", 2), Resource: "aws_sqs_queue.jobs"}}},
		Baseline: &finding.BaselineStatus{File: ".tfreview-baseline.json", Entries: 3, Matched: 2, Stale: 1},
	}
}

func formatAs(t *testing.T, name string, r finding.Report) string {
	t.Helper()
	f, err := New(name, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Format(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestComparisonInText(t *testing.T) {
	out := formatAs(t, "text", comparedReport())
	for _, want := range []string{
		`caused by the default of variable "acl" changed`, "at variables.tf:3",
		"Compared with main (0123456789ab): 1 introduced, 1 unchanged (not shown), 1 resolved.",
		"resolved", "AWS-0096  queues/é.tf:2 in aws_sqs_queue.jobs",
		"Baseline .tfreview-baseline.json: 2 recorded findings suppressed, 1 stale entry",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	r := comparedReport()
	r.Comparison = &finding.Comparison{Ref: "nope", Skipped: "--new-since nope: no such branch"}
	if out := formatAs(t, "text", r); !strings.Contains(out, "Not compared: --new-since nope: no such branch; every finding is reported.") {
		t.Errorf("skipped comparison not said:\n%s", out)
	}
}

func TestComparisonInJSON(t *testing.T) {
	var got struct {
		Findings []struct {
			Cause *struct {
				Kind  string `json:"kind"`
				Range struct {
					File string `json:"file"`
				} `json:"range"`
			} `json:"cause"`
		} `json:"findings"`
		Comparison struct {
			Introduced int `json:"introduced"`
			Resolved   []struct {
				RuleID string `json:"rule_id"`
			} `json:"resolved"`
			BaseRootModules int `json:"base_root_modules"`
		} `json:"comparison"`
		Baseline struct {
			Stale int `json:"stale"`
		} `json:"baseline"`
	}
	if err := json.Unmarshal([]byte(formatAs(t, "json", comparedReport())), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Findings) != 1 || got.Findings[0].Cause == nil || got.Findings[0].Cause.Kind != "variable" || got.Findings[0].Cause.Range.File != "variables.tf" {
		t.Errorf("findings = %+v", got.Findings)
	}
	if got.Comparison.Introduced != 1 || len(got.Comparison.Resolved) != 1 || got.Comparison.Resolved[0].RuleID != "AWS-0096" || got.Comparison.BaseRootModules != 1 || got.Baseline.Stale != 1 {
		t.Errorf("comparison = %+v, baseline = %+v", got.Comparison, got.Baseline)
	}
}

func TestComparisonInMarkdown(t *testing.T) {
	out := formatAs(t, "markdown", comparedReport())
	for _, want := range []string{"**1 introduced**", "#### Resolved", `AWS\-0096`, "caused by", "1 stale entry"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "<script>") || strings.Contains(out, " @team") {
		t.Errorf("untrusted cause text not escaped:\n%s", out)
	}
}
