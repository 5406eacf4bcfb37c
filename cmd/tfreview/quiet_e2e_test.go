package main

import (
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/config"
	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/testutil/githubtest"
)

// Two tfreview jobs on one pull request (a monorepo scanning two trees)
// with their own --tool-name: the second must neither resolve the first
// job's review comments nor overwrite its summary comment.
func TestToolNameKeepsTwoJobsApart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the CLI as a process against a GitHub stand-in")
	}
	ws, prDiff := prWorkspace(t)
	gh := githubtest.NewServer(t, e2eToken)
	gh.Diff = prDiff
	env := map[string]string{"GITHUB_API_URL": gh.APIURL(), "GITHUB_TOKEN": e2eToken}

	first := runAsAction(t, ws, env, "scan", ".", "--reporter", "github-pr-review", "--pr-comment", "--tool-name", "tfreview services")
	if first.code != exitFindings {
		t.Fatalf("first job: exit %d\n%s", first.code, first.stderr)
	}
	// The second job finds nothing (its checks are all skipped), which on
	// its own would resolve every comment it takes for its own.
	second := runAsAction(t, ws, env, "scan", ".", "--reporter", "github-pr-review", "--pr-comment", "--tool-name", "tfreview platform", "--severity", "CRITICAL", "--engines", "builtin")
	if second.code == exitNotReported || second.code == exitError {
		t.Fatalf("second job: exit %d\n%s", second.code, second.stderr)
	}
	gh.Mu.Lock()
	defer gh.Mu.Unlock()
	if len(gh.ReviewComments) == 0 {
		t.Fatal("the first job posted no review comments")
	}
	for _, c := range gh.ReviewComments {
		if strings.Contains(c.Body, "Resolved") {
			t.Errorf("the second job resolved the first job's comment %d:\n%s", c.ID, c.Body)
		}
	}
	var firstSummary, secondSummary int
	for _, c := range gh.IssueComments {
		switch {
		case strings.HasPrefix(c.Body, "<!-- tfreview-summary: tfreview services"):
			firstSummary++
			if !strings.Contains(c.Body, "tfreview services security review") {
				t.Errorf("the first job's summary was overwritten:\n%.400s", c.Body)
			}
		case strings.HasPrefix(c.Body, "<!-- tfreview-summary: tfreview platform"):
			secondSummary++
		}
	}
	if firstSummary != 1 {
		t.Errorf("%d summary comments of the first job, want 1", firstSummary)
	}
}

func TestToolNameIsValidated(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the CLI as a process against a GitHub stand-in")
	}
	ws, _ := prWorkspace(t)
	r := runAsAction(t, ws, nil, "scan", ".", "--reporter", "github-annotations", "--tool-name", "x -->\n<img>")
	if r.code != exitError {
		t.Errorf("exit %d for a tool name with markup, want 2\n%s", r.code, r.stderr)
	}
}

// GitHub unreachable (nothing listens on the API port): exit 3, and every
// finding is still in the job summary.
func TestAPIUnreachableKeepsFindingsInTheJobSummary(t *testing.T) {
	// Slow and independent: runs beside the other slow tests.
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the CLI as a process against a GitHub stand-in")
	}
	ws, _ := prWorkspace(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	env := map[string]string{"GITHUB_API_URL": closed, "GITHUB_TOKEN": e2eToken}
	r := runAsAction(t, ws, env, "scan", ".", "--reporter", "github-pr-review", "--github-timeout", "2s", "--format", "text")
	if r.code != exitNotReported {
		t.Fatalf("exit %d, want 3\nstderr:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{`AWS\-0096`, `AWS\-0104`} {
		if !strings.Contains(r.summary, want) {
			t.Errorf("job summary lacks %s:\n%s", want, r.summary)
		}
	}
	if !strings.Contains(r.stdout, "AWS-0096") {
		t.Errorf("the step log (text on stdout) lacks the findings:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr+r.summary, e2eToken) {
		t.Error("token leaked")
	}
}

func TestOwnerSeverityRanges(t *testing.T) {
	rules, err := ownerRules([]config.OwnerRule{
		{Severity: "CRITICAL", Mention: []string{"@acme/sre"}},
		{Severity: "HIGH..HIGH", Mention: []string{"@acme/product"}},
		{Severity: "low .. medium", Labels: []string{"later"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(rules[0].Severity, rules[0].MaxSeverity, rules[1].Severity, rules[1].MaxSeverity, rules[2].Severity, rules[2].MaxSeverity)
	if got != "CRITICALUNKNOWN HIGH HIGH LOW MEDIUM" && got != fmt.Sprint(finding.SeverityCritical, finding.SeverityUnknown, finding.SeverityHigh, finding.SeverityHigh, finding.SeverityLow, finding.SeverityMedium) {
		t.Errorf("parsed %s", got)
	}
	for _, bad := range []string{"HIGH..LOW", "HIGH..", "..HIGH", "HIGH...CRITICAL"} {
		if _, err := ownerRules([]config.OwnerRule{{Severity: bad, Labels: []string{"x"}}}); err == nil {
			t.Errorf("severity %q accepted", bad)
		}
	}
}
