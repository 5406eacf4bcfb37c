package github

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/reporters/review"
)

// manyFindings is a report of n in-scope findings on main.tf (new in the
// pull request), LOW and MEDIUM except one CRITICAL listed last.
func manyFindings(root string, n int) finding.Report {
	var fs []finding.Finding
	for i := range n {
		sev := finding.SeverityLow
		if i%2 == 0 {
			sev = finding.SeverityMedium
		}
		if i == n-1 {
			sev = finding.SeverityCritical
		}
		line := 1 + i%14
		fs = append(fs, mk(fmt.Sprintf("TFR-MANY-%03d", i), sev, rng("main.tf", line, 0, line, 0), "aws_s3_bucket.logs",
			strings.Repeat("a long message about what is wrong here ", 3)))
	}
	return finding.Report{Tool: finding.Tool{Name: "tfreview", Version: "test"}, Root: root, Findings: fs, Sources: headSources()}
}

func TestSummaryIsCappedMostSevereFirst(t *testing.T) {
	h := newHarness(t)
	if _, err := h.runReview(Options{PRComment: true}, ReviewOptions{}, manyFindings(h.dir, 500)); err != nil {
		t.Fatal(err)
	}
	if len(h.gh.IssueComments) != 1 {
		t.Fatalf("%d summary comments", len(h.gh.IssueComments))
	}
	body := h.gh.IssueComments[0].Body
	if len(body) > 20<<10 {
		t.Errorf("summary comment is %d bytes for a one-file pull request, want at most 20 KB", len(body))
	}
	_, table, ok := strings.Cut(body, "|---|---|---|---|---|---|\n")
	if !ok || !strings.HasPrefix(table, "| 🔴 CRITICAL") {
		t.Errorf("the first row is not the CRITICAL finding:\n%.300s", table)
	}
	if !strings.Contains(body, "more (less severe)") || !strings.Contains(body, "https://github.com/reviewdog/reviewdog/actions/runs/42") {
		t.Error("the capped summary does not say how many more or link to the full report")
	}
	for _, rv := range h.gh.Reviews {
		if len(rv.Body) > 20<<10 {
			t.Errorf("review body is %d bytes", len(rv.Body))
		}
	}
	// The job summary is the full report.
	if s := h.stepSummary(); !strings.Contains(s, `TFR\-MANY\-000`) || !strings.Contains(s, `TFR\-MANY\-498`) {
		t.Error("the job summary should list every finding")
	}
}

func TestCheckSummaryIsCapped(t *testing.T) {
	h := newHarness(t)
	if _, err := h.run(review.GitHubPRCheck, Options{}, manyFindings(h.dir, 500)); err != nil {
		t.Fatal(err)
	}
	h.gh.Mu.Lock()
	defer h.gh.Mu.Unlock()
	for _, updates := range h.gh.CheckRuns {
		last := updates[len(updates)-1]
		out, _ := last["output"].(map[string]any)
		if s, _ := out["summary"].(string); len(s) > 20<<10 {
			t.Errorf("check run summary is %d bytes", len(s))
		}
	}
}

func TestAPIDownStillWritesEveryFindingToTheJobSummary(t *testing.T) {
	h := newHarness(t)
	// The diff request fails on every attempt: nothing is known about the
	// pull request, but the findings must not be lost.
	h.gh.Fail("GET /repos/reviewdog/reviewdog/pulls/285", 500, 500, 500, 500, 500)
	_, err := h.run(review.GitHubPRReview, Options{Client: ClientOptions{MaxRetries: 1}}, prReport(h.dir))
	var re *review.Error
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a reporting error", err)
	}
	s := h.stepSummary()
	for _, want := range []string{`TFR\-SG\-OPEN`, `TFR\-S3\-ACL`, `AVD\-AWS\-0080`, "Could not report to GitHub"} {
		if !strings.Contains(s, want) {
			t.Errorf("job summary lacks %s:\n%s", want, s)
		}
	}
	if strings.Contains(s, fakeToken) {
		t.Error("token leaked into the job summary")
	}
}

// renameRepo is the issue's pull request: it renames one S3 bucket (line 2
// changes; the other lines of the block are diff context).
func renameRepo(t *testing.T, h *harness) map[string][]byte {
	t.Helper()
	base := "resource \"aws_s3_bucket\" \"data\" {\n  bucket = \"old-data\"\n  tags   = { team = \"data\" }\n}\n"
	head := strings.Replace(base, "old-data", "renamed-data", 1)
	dir := t.TempDir()
	git := func(args ...string) string {
		out, err := execGit(dir, append([]string{"-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false"}, args...)...)
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return out
	}
	git("init", "-q", "-b", "main")
	write(t, dir, map[string]string{"s3.tf": base})
	git("add", "-A")
	git("commit", "-qm", "base")
	write(t, dir, map[string]string{"s3.tf": head})
	git("commit", "-qam", "rename")
	h.dir = dir
	h.gh.Diff = git("diff", "--src-prefix=a/", "--dst-prefix=b/", "HEAD~1", "HEAD")
	return map[string][]byte{"s3.tf": []byte(head)}
}

func TestRenameBucketGetsOneCommentOnTheChangedLine(t *testing.T) {
	h := newHarness(t)
	src := renameRepo(t, h)
	const pab = "\n\nresource \"aws_s3_bucket_public_access_block\" \"data\" {\n  bucket                  = aws_s3_bucket.data.id\n  block_public_acls       = true\n}"
	var fs []finding.Finding
	for _, id := range []string{"AVD-AWS-0086", "AVD-AWS-0087", "AVD-AWS-0091", "AVD-AWS-0093", "AVD-AWS-0094"} {
		f := mk(id, finding.SeverityHigh, rng("s3.tf", 1, 0, 4, 0), "aws_s3_bucket.data", "No public access block")
		f.Fix = &finding.Fix{Description: "Add a public access block", Edits: []finding.TextEdit{{Range: rng("s3.tf", 4, 2, 4, 2), NewText: pab}}}
		fs = append(fs, f)
	}
	// Only near the change: a context line of the hunk.
	near := mk("AVD-AWS-0089", finding.SeverityMedium, rng("s3.tf", 3, 3, 3, 28), "aws_s3_bucket.data", "Bucket has no logging")
	fs = append(fs, near)
	finding.Sort(fs)
	rep := finding.Report{Tool: finding.Tool{Name: "tfreview"}, Root: h.dir, Findings: fs, Sources: src}

	if _, err := h.runReview(Options{FilterMode: "diff_context", PRComment: true}, ReviewOptions{}, rep); err != nil {
		t.Fatal(err)
	}
	if len(h.gh.ReviewComments) != 1 {
		var at []string
		for _, c := range h.gh.ReviewComments {
			at = append(at, fmt.Sprintf("%s:%d", c.Path, c.Line))
		}
		t.Fatalf("%d review comments (%v), want 1: the five public-access-block findings share one fix", len(h.gh.ReviewComments), at)
	}
	c := h.gh.ReviewComments[0]
	if c.Path != "s3.tf" || c.Line != 2 {
		t.Errorf("comment on %s:%d, want s3.tf:2 (the changed line, not the closing brace)", c.Path, c.Line)
	}
	for _, id := range []string{`AWS\-0087`, `AWS\-0091`, `AWS\-0093`, `AWS\-0094`} {
		if !strings.Contains(c.Body, id) {
			t.Errorf("the shared comment does not list %s:\n%s", id, c.Body)
		}
	}
	if strings.Contains(c.Body, `AWS\-0089`) {
		t.Error("the finding only near the change was commented")
	}
	sum := h.gh.IssueComments[0].Body
	if !strings.Contains(sum, `AVD\-AWS\-0089`) || !strings.Contains(sum, statusNoLine) {
		t.Errorf("the summary does not count the finding near the change:\n%s", sum)
	}
}

// The issue's routing: CRITICAL to SRE, HIGH (exactly) to the product team.
// A label is removed when its condition clears, and only if tfreview added
// it.
func TestOwnersExactSeverityAndLabelsClear(t *testing.T) {
	h := newHarness(t)
	rules := []review.OwnerRule{
		{Severity: finding.SeverityCritical, Mention: []string{"@acme/sre"}, Labels: []string{"sre-critical"}},
		{Severity: finding.SeverityHigh, MaxSeverity: finding.SeverityHigh, Mention: []string{"@acme/product"}, Labels: []string{"product-high"}},
		{Paths: []string{"platform/**"}, Mention: []string{"@acme/platform"}, Labels: []string{"platform"}},
	}
	// A person put the platform label on by hand; its rule does not match.
	h.gh.AddLabelEvent("labeled", "platform", "octocat")
	rep := prReport(h.dir)
	if _, err := h.run(review.GitHubPRReview, Options{PRComment: true, Owners: rules}, rep); err != nil {
		t.Fatal(err)
	}
	sum := h.gh.IssueComments[0].Body
	if !strings.Contains(sum, "- @acme/sre — 1 finding, worst CRITICAL") || !strings.Contains(sum, "- @acme/product — 1 finding, worst HIGH") {
		t.Errorf("routing by severity:\n%s", sum)
	}
	if !slices.Equal(h.gh.Labels, []string{"platform", "product-high", "sre-critical"}) {
		t.Fatalf("labels after the first run: %v", h.gh.Labels)
	}

	// The CRITICAL finding is fixed: its label goes, the others stay.
	rep.Findings = slices.DeleteFunc(slices.Clone(rep.Findings), func(f finding.Finding) bool { return f.Severity == finding.SeverityCritical })
	if _, err := h.run(review.GitHubPRReview, Options{PRComment: true, Owners: rules}, rep); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h.gh.Labels, []string{"platform", "product-high"}) {
		t.Errorf("labels after the CRITICAL finding cleared: %v, want [platform product-high]", h.gh.Labels)
	}
	if n := len(h.gh.RequestsContaining("DELETE", "/labels/")); n != 1 {
		t.Errorf("%d label removals, want 1", n)
	}
}
