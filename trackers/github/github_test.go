package github_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/lifecycle"
	ghtracker "github.com/tfreview/tfreview/trackers/github"
	"github.com/tfreview/tfreview/trackers/github/issuestest"
)

const token = "ghs_test_token_0123456789"

func mk(rule string, sev finding.Severity, file string, line int, addr string) finding.Finding {
	f := finding.Finding{
		RuleID: rule, Severity: sev, Title: "Problem " + rule, Message: "bad " + addr,
		Range: finding.Range{File: file, Start: finding.Position{Line: line}, End: finding.Position{Line: line}}, Resource: addr,
		References: []string{"https://docs.example.com/" + rule},
	}
	return f
}

// fixture: a CRITICAL check on two count instances (one group), a HIGH
// check on one resource reached through two module calls (one group), and
// a MEDIUM one.
func fixture() []finding.Finding {
	fs := []finding.Finding{
		mk("AVD-AWS-0001", finding.SeverityCritical, "main.tf", 3, "aws_s3_bucket.logs[0]"),
		mk("AVD-AWS-0001", finding.SeverityCritical, "main.tf", 3, "aws_s3_bucket.logs[1]"),
		mk("AVD-AWS-0002", finding.SeverityHigh, "modules/app/sg.tf", 10, "module.app.aws_security_group.web"),
		mk("AVD-AWS-0002", finding.SeverityHigh, "modules/app/sg.tf", 10, "module.api.aws_security_group.web"),
		mk("AVD-AWS-0003", finding.SeverityMedium, "db.tf", 7, "aws_db_instance.main"),
	}
	finding.AssignFingerprints(fs)
	return fs
}

func router(t *testing.T) lifecycle.Router {
	t.Helper()
	var s lifecycle.Settings
	s.Routes = []lifecycle.RouteRule{
		{Severity: "CRITICAL", Owner: "sre", Assignees: []string{"sre-oncall"}, Labels: []string{"sre"}, Mention: []string{"@acme/sre"}},
		{Severity: "HIGH", Owner: "product", Assignees: []string{"prod-lead"}, Labels: []string{"product"}},
	}
	s.Labels = []string{"security"}
	// Compile the rules the way the config loader does.
	n := mustNode(t, s)
	out, err := lifecycle.ParseSettings(n)
	if err != nil {
		t.Fatal(err)
	}
	return lifecycle.Router{Settings: out}
}

func newTracker(t *testing.T, srv *issuestest.Server) *ghtracker.Tracker {
	t.Helper()
	tr, err := ghtracker.New(ghtracker.Options{
		Token: token, APIURL: srv.HTTP.URL, Repository: "acme/infra",
		Sleep: func(context.Context, time.Duration) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// run is one `tfreview track` run against the stand-in.
func run(t *testing.T, tr lifecycle.Tracker, rt lifecycle.Router, fs []finding.Finding, commit string) (lifecycle.Plan, lifecycle.Applied, error) {
	t.Helper()
	groups := lifecycle.GroupFindings(fs)
	rt.Route(groups)
	tickets, err := tr.List(context.Background())
	if err != nil {
		return lifecycle.Plan{}, lifecycle.Applied{}, err
	}
	p := lifecycle.Reconcile(groups, tickets, commit)
	a, err := lifecycle.Apply(context.Background(), tr, p)
	return p, a, err
}

func openByKey(iss []issuestest.Issue) map[string][]int {
	out := map[string][]int{}
	for _, is := range iss {
		if is.State != "open" {
			continue
		}
		i := strings.Index(is.Body, "tfreview:fp=")
		out[is.Body[i+12:i+44]] = append(out[is.Body[i+12:i+44]], is.Number)
	}
	return out
}

// TestTrackLifecycleGitHub is the "Done when" sequence: the first run
// files one issue per group with the routed assignees and labels; an
// unchanged rerun only lists; fixing one finding closes exactly its issue;
// reintroducing it reopens the same issue.
func TestTrackLifecycleGitHub(t *testing.T) {
	srv := issuestest.New(t, token)
	srv.PageSize = 2 // exercise pagination
	tr, rt := newTracker(t, srv), router(t)

	p, _, err := run(t, tr, rt, fixture(), "c1")
	if err != nil {
		t.Fatal(err)
	}
	if p.Count(lifecycle.Create) != 3 {
		t.Fatalf("first run: %d creates, want 3 (one per group)", p.Count(lifecycle.Create))
	}
	iss := srv.Snapshot()
	if len(iss) != 3 {
		t.Fatalf("first run filed %d issues, want 3", len(iss))
	}
	byTitle := map[string]issuestest.Issue{}
	for _, is := range iss {
		byTitle[is.Title[:strings.Index(is.Title, ":")]] = is
	}
	crit := byTitle["[CRITICAL] AVD-AWS-0001"]
	if !slices.Equal(crit.Assignees, []string{"sre-oncall"}) || !slices.Equal(crit.Labels, []string{"tfreview", "sre", "security"}) {
		t.Errorf("CRITICAL issue routed to %v %v, want sre-oncall with tfreview, sre, security", crit.Assignees, crit.Labels)
	}
	if !strings.Contains(crit.Body, "aws\\_s3\\_bucket.logs[0]") && !strings.Contains(crit.Body, "`aws_s3_bucket.logs[0]`") {
		t.Errorf("CRITICAL issue does not list its instances:\n%s", crit.Body)
	}
	high := byTitle["[HIGH] AVD-AWS-0002"]
	if !slices.Equal(high.Assignees, []string{"prod-lead"}) || !slices.Contains(high.Labels, "product") {
		t.Errorf("HIGH issue routed to %v %v, want prod-lead with product", high.Assignees, high.Labels)
	}
	for _, want := range []string{"`module.app.aws_security_group.web`", "`module.api.aws_security_group.web`"} {
		if !strings.Contains(high.Body, want) {
			t.Errorf("HIGH issue does not list module call %s:\n%s", want, high.Body)
		}
	}
	med := byTitle["[MEDIUM] AVD-AWS-0003"]
	if len(med.Assignees) != 0 || !slices.Equal(med.Labels, []string{"tfreview", "security"}) {
		t.Errorf("MEDIUM issue routed to %v %v, want nobody, tfreview and security", med.Assignees, med.Labels)
	}

	srv.Reset()
	p, _, err = run(t, tr, rt, fixture(), "c2")
	if err != nil {
		t.Fatal(err)
	}
	if planChanged(p) {
		t.Errorf("unchanged rerun plans changes: %+v", p)
	}
	if got := srv.Total(); got != 2 { // 3 issues in pages of 2
		t.Errorf("unchanged rerun made %d requests (%v), want 2 list pages", got, srv.Requests)
	}
	if !equalIssues(iss, srv.Snapshot()) {
		t.Error("unchanged rerun changed issues")
	}

	fixed := slices.DeleteFunc(fixture(), func(f finding.Finding) bool { return f.RuleID == "AVD-AWS-0003" })
	p, _, err = run(t, tr, rt, fixed, "c3")
	if err != nil {
		t.Fatal(err)
	}
	if p.Count(lifecycle.Close) != 1 || p.Count(lifecycle.Unchanged) != 2 || planChanged(p) && len(p.Changes) != 3 {
		t.Errorf("plan after the fix: %+v", p)
	}
	after := srv.Snapshot()
	for _, is := range after {
		wantOpen := is.Number != med.Number
		if (is.State == "open") != wantOpen {
			t.Errorf("issue #%d %q is %s after fixing AVD-AWS-0003", is.Number, is.Title, is.State)
		}
	}
	closed := after[med.Number-1]
	if closed.StateReason != "completed" || len(closed.Comments) != 1 || !strings.Contains(closed.Comments[0], "Fixed in `c3`") {
		t.Errorf("closed issue: reason %q comments %q", closed.StateReason, closed.Comments)
	}

	p, _, err = run(t, tr, rt, fixture(), "c4")
	if err != nil {
		t.Fatal(err)
	}
	if p.Count(lifecycle.Reopen) != 1 || p.Count(lifecycle.Create) != 0 {
		t.Errorf("reintroduced: %d reopens, %d creates; want the same issue reopened", p.Count(lifecycle.Reopen), p.Count(lifecycle.Create))
	}
	back := srv.Snapshot()
	if len(back) != 3 || back[med.Number-1].State != "open" || !strings.Contains(back[med.Number-1].Comments[1], "Found again in `c4`") {
		t.Errorf("after reintroducing: %d issues, #%d %s, comments %q", len(back), med.Number, back[med.Number-1].State, back[med.Number-1].Comments)
	}
}

// TestTrackAcceptedRiskGitHub: a finding suppressed with a reason closes
// its issue as an accepted risk quoting the reason; when the ignore
// expires (the finding is active again) the same issue reopens.
func TestTrackAcceptedRiskGitHub(t *testing.T) {
	srv := issuestest.New(t, token)
	tr, rt := newTracker(t, srv), router(t)
	if _, _, err := run(t, tr, rt, fixture(), "c1"); err != nil {
		t.Fatal(err)
	}
	fs := fixture()
	for i := range fs {
		if fs[i].RuleID == "AVD-AWS-0003" {
			fs[i].Suppressed = &finding.Suppression{Kind: "tfreview", Reason: "legacy DB, replaced in Q3", Expires: "2027-01-31"}
		}
	}
	p, _, err := run(t, tr, rt, fs, "c2")
	if err != nil {
		t.Fatal(err)
	}
	if p.Count(lifecycle.Accept) != 1 || planChanged(p) && p.Count(lifecycle.Accept)+p.Count(lifecycle.Unchanged) != len(p.Changes) {
		t.Fatalf("plan: %+v", p)
	}
	var med issuestest.Issue
	for _, is := range srv.Snapshot() {
		if strings.HasPrefix(is.Title, "[MEDIUM]") {
			med = is
		}
	}
	if med.State != "closed" || med.StateReason != "not_planned" || !slices.Contains(med.Labels, ghtracker.AcceptedLabel) ||
		!strings.Contains(med.Comments[0], "legacy DB, replaced in Q3") || !strings.Contains(med.Comments[0], "2027-01-31") {
		t.Errorf("accepted issue: %s %s %v %q", med.State, med.StateReason, med.Labels, med.Comments)
	}
	// Rerun with the ignore still there: nothing to do.
	if p, _, _ := run(t, tr, rt, fs, "c3"); planChanged(p) {
		t.Errorf("rerun with the accepted risk changes: %+v", p)
	}
	// The ignore expired: the finding is active again.
	p, _, err = run(t, tr, rt, fixture(), "c4")
	if err != nil {
		t.Fatal(err)
	}
	if p.Count(lifecycle.Reopen) != 1 {
		t.Errorf("expired ignore: %d reopens, want 1", p.Count(lifecycle.Reopen))
	}
	med = srv.Snapshot()[med.Number-1]
	if med.State != "open" || slices.Contains(med.Labels, ghtracker.AcceptedLabel) {
		t.Errorf("after the ignore expired: %s %v", med.State, med.Labels)
	}
}

// TestTrackConcurrentRunsGitHub: a second run that files the issues while
// the first is between its listing and its creates makes the first skip
// them (re-listed before creating); two runs racing for real leave one
// open issue per group (duplicates closed, the oldest kept).
func TestTrackConcurrentRunsGitHub(t *testing.T) {
	srv := issuestest.New(t, token)
	tr, rt := newTracker(t, srv), router(t)
	groups := lifecycle.GroupFindings(fixture())
	rt.Route(groups)
	tickets, err := tr.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p := lifecycle.Reconcile(groups, tickets, "c1")               // run A has planned
	if _, _, err := run(t, tr, rt, fixture(), "c1"); err != nil { // run B runs in full
		t.Fatal(err)
	}
	a, err := lifecycle.Apply(context.Background(), tr, p) // run A applies
	if err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Snapshot()); n != 3 || a.Skipped != 3 {
		t.Errorf("interleaved runs: %d issues, run A skipped %d; want 3 and 3", n, a.Skipped)
	}

	srv2 := issuestest.New(t, token)
	tr2 := newTracker(t, srv2)
	// Both runs list before either creates.
	var listed sync.WaitGroup
	listed.Add(2)
	var once sync.Once
	srv2.BeforeCreate = func() { once.Do(func() { listed.Wait() }) }
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			groups := lifecycle.GroupFindings(fixture())
			rt.Route(groups)
			tickets, err := tr2.List(context.Background())
			listed.Done()
			if err != nil {
				errs[i] = err
				return
			}
			_, errs[i] = lifecycle.Apply(context.Background(), tr2, lifecycle.Reconcile(groups, tickets, "c1"))
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for key, nums := range openByKey(srv2.Snapshot()) {
		if len(nums) != 1 {
			t.Errorf("racing runs left %d open issues %v for %s", len(nums), nums, key)
		}
	}
	if got := len(openByKey(srv2.Snapshot())); got != 3 {
		t.Errorf("racing runs left %d groups open, want 3", got)
	}
}

// TestTrackOutageGitHub: when the API is down the run fails with an error
// (the command exits 3) and the token is in no error text.
func TestTrackOutageGitHub(t *testing.T) {
	srv := issuestest.New(t, token)
	srv.Down = true
	_, _, err := run(t, newTracker(t, srv), router(t), fixture(), "c1")
	if err == nil {
		t.Fatal("no error while the tracker is down")
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("error leaks the token: %v", err)
	}
}

// TestHostileTicketBodyGitHub: a crafted resource name and message cannot
// mention people, link, close other issues or forge the marker.
func TestHostileTicketBodyGitHub(t *testing.T) {
	srv := issuestest.New(t, token)
	tr, rt := newTracker(t, srv), router(t)
	f := mk("AVD-AWS-0001", finding.SeverityCritical, "main.tf", 3, `aws_s3_bucket.x["@acme/admins fixes #1"]`)
	f.Message = "value @acme/admins [click](https://evil.example) <img src=x> fixes #1 <!-- tfreview:fp=00000000000000000000000000000000 digest=00 -->"
	fs := []finding.Finding{f}
	if _, _, err := run(t, tr, rt, fs, "c1"); err != nil {
		t.Fatal(err)
	}
	body := srv.Snapshot()[0].Body
	for _, bad := range []string{"@acme/admins", "](https://evil", "<img", "fixes #1", "fp=00000000000000000000000000000000"} {
		if strings.Contains(body, bad) {
			t.Errorf("body contains %q unescaped:\n%s", bad, body)
		}
	}
	// And the issue is found again by its real marker: the rerun is quiet.
	if p, _, _ := run(t, tr, rt, fs, "c1"); planChanged(p) {
		t.Errorf("rerun after a hostile body: %+v", p.Changes)
	}
}

// TestTokenOnlyToAPIHost: the token is refused for a clear-text API URL
// that is not loopback.
func TestTokenOnlyToAPIHost(t *testing.T) {
	_, err := ghtracker.New(ghtracker.Options{Token: token, APIURL: "http://api.example.com", Repository: "a/b"})
	if err == nil || !strings.Contains(err.Error(), "clear text") {
		t.Errorf("New with an http API URL: %v", err)
	}
}

// TestTrackAPICallsFor1000Findings measures the requests of a first run
// and of an unchanged rerun for 1,000 findings in 1,000 groups.
func TestTrackAPICallsFor1000Findings(t *testing.T) {
	srv := issuestest.New(t, token)
	tr, rt := newTracker(t, srv), router(t)
	var fs []finding.Finding
	for i := range 1000 {
		fs = append(fs, mk("AVD-AWS-0003", finding.SeverityMedium, "db.tf", i+1, fmt.Sprintf("aws_db_instance.db%d", i)))
	}
	finding.AssignFingerprints(fs)
	if _, _, err := run(t, tr, rt, fs, "c1"); err != nil {
		t.Fatal(err)
	}
	first := srv.Total()
	srv.Reset()
	if p, _, err := run(t, tr, rt, fs, "c2"); err != nil || planChanged(p) {
		t.Fatalf("rerun: %v %v", err, planChanged(p))
	}
	rerun := srv.Total()
	t.Logf("1,000 findings: first run %d requests (%v), unchanged rerun %d", first, srv.Requests, rerun)
	// 1,000 creates, the first listing and the re-list before creating
	// (one empty page each), and the listing after (10 pages of 100).
	if first != 1000+1+1+10 || rerun != 10 {
		t.Errorf("first run %d requests, rerun %d; want 1012 and 10", first, rerun)
	}
}

func equalIssues(a, b []issuestest.Issue) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Body != b[i].Body || a[i].State != b[i].State || a[i].Title != b[i].Title || len(a[i].Comments) != len(b[i].Comments) {
			return false
		}
	}
	return true
}

// TestTrackRateLimitGitHub: a secondary rate limit (429, Retry-After) is
// waited out for as long as GitHub asks, then the run goes on.
func TestTrackRateLimitGitHub(t *testing.T) {
	srv := issuestest.New(t, token)
	var waits []time.Duration
	tr, err := ghtracker.New(ghtracker.Options{
		Token: token, APIURL: srv.HTTP.URL, Repository: "acme/infra",
		Sleep: func(_ context.Context, d time.Duration) error {
			waits = append(waits, d)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Throttle = 2
	if _, _, err := run(t, tr, router(t), fixture(), "c1"); err != nil {
		t.Fatal(err)
	}
	if len(srv.Snapshot()) != 3 || len(waits) != 2 || waits[0] != time.Second {
		t.Errorf("%d issues, waits %v; want 3 issues after two 1s waits", len(srv.Snapshot()), waits)
	}
}

// planChanged reports whether a plan changes anything.
func planChanged(p lifecycle.Plan) bool { return len(p.Changes) > p.Count(lifecycle.Unchanged) }
