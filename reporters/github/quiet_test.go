package github

import (
	"errors"
	"fmt"
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
