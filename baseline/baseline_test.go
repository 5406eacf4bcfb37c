package baseline

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/finding"
)

func mk(rule, file string, line int, resource, msg string) finding.Finding {
	return finding.Finding{
		RuleID: rule, Severity: finding.SeverityHigh, Message: msg, Resource: resource,
		Range: finding.Range{File: file, Start: finding.Position{Line: line}, End: finding.Position{Line: line}},
	}
}

func report(root string, fs ...finding.Finding) finding.Report {
	finding.AssignFingerprints(fs)
	return finding.Report{Root: root, Findings: fs}
}

func TestWriteIsSortedStableAndParses(t *testing.T) {
	root := t.TempDir()
	rep := report(root,
		mk("AWS-0092", "z.tf", 9, "aws_s3_bucket_acl.b", `ACL "public-read" <allows> everyone`),
		mk("AWS-0086", "a.tf", 3, "aws_s3_bucket.b", "no public access block"),
		mk("TFR-PARSE", "broken.tf", 1, "", "Unclosed configuration block"),
		mk("AWS-0086", "a.tf", 3, "aws_s3_bucket.c", "no public access block"),
	)
	rep.Findings[0].Suppressed = nil
	file := filepath.Join(root, ".tfreview-baseline.json")
	b := Build(rep, file)
	if len(b.Findings) != 3 {
		t.Fatalf("want 3 entries (parse errors are never recorded), got %d", len(b.Findings))
	}
	var out1, out2 bytes.Buffer
	if err := b.Write(&out1); err != nil {
		t.Fatal(err)
	}
	// Same findings in another order: same bytes.
	rev := rep
	rev.Findings = append([]finding.Finding(nil), rep.Findings...)
	for i, j := 0, len(rev.Findings)-1; i < j; i, j = i+1, j-1 {
		rev.Findings[i], rev.Findings[j] = rev.Findings[j], rev.Findings[i]
	}
	if err := Build(rev, file).Write(&out2); err != nil {
		t.Fatal(err)
	}
	if out1.String() != out2.String() {
		t.Errorf("output depends on finding order:\n%s\n---\n%s", out1.String(), out2.String())
	}
	lines := strings.Split(out1.String(), "\n")
	// {, version, findings: [, 3 entries, ], }, ""
	if len(lines) != 9 || !strings.Contains(lines[3], `"file":"a.tf"`) || !strings.Contains(lines[3], "aws_s3_bucket.b") ||
		!strings.Contains(lines[4], "aws_s3_bucket.c") || !strings.Contains(lines[5], `"file":"z.tf"`) {
		t.Errorf("want one sorted entry per line:\n%s", out1.String())
	}
	if !strings.Contains(out1.String(), `\"public-read\" <allows>`) {
		t.Errorf("messages should stay readable (no HTML escaping):\n%s", out1.String())
	}
	parsed, err := Parse(out1.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(parsed.Findings) != 3 || parsed.Findings[0] != b.Findings[0] {
		t.Errorf("round trip changed the entries: %+v", parsed.Findings)
	}
	for _, bad := range []string{`{"version":2,"findings":[]}`, `{"version":1,"findings":[{"rule_id":"x"}]}`, `{"version":1,"extra":1}`, `[]`} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%s) should fail", bad)
		}
	}
}

func TestApplyMarksCountsStaleAndUpdateShrinks(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "baseline.json")
	old := report(root,
		mk("AWS-0086", "main.tf", 3, "aws_s3_bucket.b", "m"),
		mk("AWS-0096", "main.tf", 20, "aws_sqs_queue.q", "m"),
	)
	var buf bytes.Buffer
	if err := Build(old, file).Write(&buf); err != nil {
		t.Fatal(err)
	}
	b, err := Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}

	// Later: the bucket finding moved lines and files, the queue was fixed,
	// a new finding appeared, and one is ignored inline.
	now := report(root,
		mk("AWS-0086", "buckets.tf", 40, "aws_s3_bucket.b", "m"),
		mk("AWS-0107", "sg.tf", 2, "aws_security_group.s", "m"),
		mk("AWS-0088", "buckets.tf", 41, "aws_s3_bucket.b", "m"),
	)
	for i := range now.Findings {
		if now.Findings[i].RuleID == "AWS-0088" {
			now.Findings[i].Suppressed = &finding.Suppression{Kind: "tfreview"}
		}
	}
	Apply(&now, b, file, buf.Bytes())
	if now.Baseline == nil || now.Baseline.Entries != 2 || now.Baseline.Matched != 1 || now.Baseline.Stale != 1 || now.Baseline.File != "baseline.json" {
		t.Fatalf("status = %+v", now.Baseline)
	}
	for _, f := range now.Findings {
		switch f.RuleID {
		case "AWS-0086":
			if f.Suppressed == nil || f.Suppressed.Kind != SuppressionKind || f.Suppressed.Range.File != "baseline.json" || f.Suppressed.Range.Start.Line != 4 {
				t.Errorf("baselined finding: %+v", f.Suppressed)
			}
		case "AWS-0107":
			if f.Suppressed != nil {
				t.Error("new finding suppressed")
			}
		case "AWS-0088":
			if f.Suppressed.Kind != "tfreview" {
				t.Error("inline ignore replaced")
			}
		}
	}

	up := Update(b, now, file)
	if len(up.Findings) != 1 || up.Findings[0].RuleID != "AWS-0086" || up.Findings[0].File != "buckets.tf" {
		t.Errorf("update = %+v, want only the bucket entry, with its new file", up.Findings)
	}
}

func TestFingerprintsAreRelativeToTheBaselineFile(t *testing.T) {
	repo := t.TempDir()
	infra := filepath.Join(repo, "infra")
	file := filepath.Join(infra, ".tfreview-baseline.json")
	// Recorded from the repository root …
	fromRoot := report(repo,
		mk("AWS-0086", "infra/main.tf", 3, "aws_s3_bucket.b", "m"),
		mk("TFR-IGNORE-UNUSED", "infra/main.tf", 9, "", "unused"),
	)
	b := Build(fromRoot, file)
	if b.Findings[0].File != "main.tf" {
		t.Errorf("entry file = %q, want it relative to the baseline", b.Findings[0].File)
	}
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		t.Fatal(err)
	}
	// … matched when scanning from infra/.
	fromInfra := report(infra,
		mk("AWS-0086", "main.tf", 5, "aws_s3_bucket.b", "m"),
		mk("TFR-IGNORE-UNUSED", "main.tf", 12, "", "unused"),
	)
	Apply(&fromInfra, b, file, buf.Bytes())
	if fromInfra.Baseline.Matched != 2 || len(fromInfra.Active()) != 0 {
		t.Errorf("status %+v, active %d", fromInfra.Baseline, len(fromInfra.Active()))
	}
}
