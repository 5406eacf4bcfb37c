package github

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/testutil/githubtest"
	"github.com/tfreview/tfreview/reporters/review"
)

type sentReview struct {
	CommitID string `json:"commit_id"`
	Event    string `json:"event"`
	Body     string `json:"body"`
	Comments []struct {
		Path      string `json:"path"`
		Line      int    `json:"line"`
		Side      string `json:"side"`
		StartLine int    `json:"start_line"`
		StartSide string `json:"start_side"`
		Body      string `json:"body"`
	} `json:"comments"`
}

func TestPullRequestReview(t *testing.T) {
	h := newHarness(t)
	rep := prReport(h.dir)
	res, err := h.run(review.GitHubPRReview, Options{PRComment: true}, rep)
	if err != nil {
		t.Fatalf("Report: %v", err)
	}

	// The diff is asked for with the diff media type, on the event's PR.
	if d := h.gh.RequestsTo("GET", "/repos/reviewdog/reviewdog/pulls/285"); len(d) != 1 || !strings.Contains(d[0].Accept, "application/vnd.github.v3.diff") {
		t.Errorf("diff requests = %+v", d)
	}
	posts := h.gh.RequestsTo("POST", "/repos/reviewdog/reviewdog/pulls/285/reviews")
	if len(posts) != 1 {
		t.Fatalf("want exactly one review per run, got %d", len(posts))
	}
	rv := decode[sentReview](t, posts[0].Body)
	if rv.CommitID != headSHA || rv.Event != "COMMENT" {
		t.Errorf("review commit_id=%q event=%q, want the event's head SHA and COMMENT", rv.CommitID, rv.Event)
	}
	type where struct {
		path       string
		start, end int
	}
	var got []where
	for _, c := range rv.Comments {
		if c.Side != "RIGHT" {
			t.Errorf("comment on %s:%d has side %q, want RIGHT", c.Path, c.Line, c.Side)
		}
		got = append(got, where{c.Path, c.StartLine, c.Line})
	}
	// Most severe first: CRITICAL ssh (line 8), HIGH acl (line 3, with a
	// suggestion), MEDIUM module instances on the module call (line 11),
	// LOW monitoring on the changed line 4 of old.tf. The HIGH finding in
	// old.tf lines 12-18 is outside the diff: no comment.
	want := []where{{"main.tf", 0, 8}, {"main.tf", 0, 3}, {"main.tf", 0, 11}, {"old.tf", 0, 4}}
	if !slices.Equal(got, want) {
		t.Fatalf("comments at %v, want %v", got, want)
	}
	acl := rv.Comments[1].Body
	if !strings.Contains(acl, "```suggestion\n  acl    = \"private\"\n```\n") {
		t.Errorf("acl comment has no exact suggestion block:\n%s", acl)
	}
	mod := rv.Comments[2].Body
	for _, inst := range []string{"`module.buckets[\"a\"].aws_s3_bucket.this`", "`module.buckets[\"b\"].aws_s3_bucket.this`", "`module.buckets[\"c\"].aws_s3_bucket.this`", "**Instances (3):**"} {
		if !strings.Contains(mod, inst) {
			t.Errorf("module comment lacks %s:\n%s", inst, mod)
		}
	}
	ssh := rv.Comments[0].Body
	for _, bad := range []string{"@octo-org/admins", "<img", "](http://evil", "\n::error::"} {
		if strings.Contains(ssh, bad) {
			t.Errorf("untrusted text %q reached the comment unescaped:\n%s", bad, ssh)
		}
	}
	for _, c := range rv.Comments {
		if !strings.Contains(c.Body, "<!-- __reviewdog__:") {
			t.Errorf("comment without hidden marker:\n%s", c.Body)
		}
	}

	if res.InScope != 6 || res.OutOfScope != 1 || res.Suppressed != 1 || !res.Failed || res.Posted != 6 {
		t.Errorf("result = %+v", res)
	}
	if n := len(h.gh.RequestsTo("POST", "/issues/285/comments")); n != 1 {
		t.Errorf("sticky comment created %d times, want 1", n)
	}
	sticky := h.gh.IssueComments[0].Body
	if !strings.HasPrefix(sticky, "<!-- tfreview-summary: tfreview -->\n") {
		t.Errorf("sticky comment lacks its marker:\n%s", sticky)
	}
	sum := h.stepSummary()
	for _, s := range []string{"AVD\\-AWS\\-0080", "outside the changed lines", "1 ignored", "public website", "[main\\.tf\\:8](https://github.com/reviewdog/reviewdog/blob/" + headSHA + "/main.tf#L8)"} {
		if !strings.Contains(sum, s) {
			t.Errorf("step summary lacks %q:\n%s", s, sum)
		}
	}

	// Second run, nothing changed: no new review, the sticky comment is
	// edited, not posted again.
	res2, err := h.run(review.GitHubPRReview, Options{PRComment: true}, rep)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(h.gh.RequestsTo("POST", "/pulls/285/reviews")); n != 1 {
		t.Errorf("re-run posted another review (%d reviews)", n)
	}
	if res2.AlreadyPosted != 6 || res2.Posted != 0 {
		t.Errorf("re-run result = %+v", res2)
	}
	if n := len(h.gh.RequestsTo("POST", "/issues/285/comments")); n != 1 {
		t.Errorf("re-run posted the sticky comment again (%d posts)", n)
	}
	edits := h.gh.RequestsTo("PATCH", fmt.Sprintf("/issues/comments/%d", h.gh.IssueComments[0].ID))
	if len(edits) != 1 {
		t.Errorf("sticky comment edits = %d, want 1", len(edits))
	}
	if len(h.gh.ReviewComments) != 4 || len(h.gh.IssueComments) != 1 {
		t.Errorf("after two runs: %d review comments, %d issue comments", len(h.gh.ReviewComments), len(h.gh.IssueComments))
	}

	// Third run: the acl finding is fixed; its comment is resolved (edited)
	// and nothing is posted.
	var fixed finding.Report = rep
	fixed.Findings = slices.DeleteFunc(slices.Clone(rep.Findings), func(f finding.Finding) bool { return f.RuleID == "TFR-S3-ACL" })
	res3, err := h.run(review.GitHubPRReview, Options{}, fixed)
	if err != nil {
		t.Fatal(err)
	}
	var aclID int64
	for _, c := range h.gh.ReviewComments {
		if c.Line == 3 {
			aclID = c.ID
		}
	}
	patches := h.gh.RequestsTo("PATCH", fmt.Sprintf("/pulls/comments/%d", aclID))
	if len(patches) != 1 || res3.Outdated != 1 {
		t.Fatalf("resolve: %d PATCHes of the acl comment, result %+v", len(patches), res3)
	}
	body := decode[struct{ Body string }](t, patches[0].Body).Body
	if !strings.HasPrefix(body, "✅ **Resolved**") || strings.Contains(body, "```suggestion") {
		t.Errorf("resolved body:\n%s", body)
	}
	if n := len(h.gh.RequestsTo("POST", "/pulls/285/reviews")); n != 1 {
		t.Errorf("third run posted a review")
	}
	// A fourth run does not resolve it again.
	if _, err := h.run(review.GitHubPRReview, Options{}, fixed); err != nil {
		t.Fatal(err)
	}
	if n := len(h.gh.RequestsTo("PATCH", fmt.Sprintf("/pulls/comments/%d", aclID))); n != 1 {
		t.Errorf("resolved comment edited again (%d PATCHes)", n)
	}

	// Delete mode removes outdated comments instead.
	noSSH := fixed
	noSSH.Findings = slices.DeleteFunc(slices.Clone(fixed.Findings), func(f finding.Finding) bool { return f.RuleID == "TFR-SG-OPEN" })
	if _, err := h.runReview(Options{}, ReviewOptions{Outdated: OutdatedDelete}, noSSH); err != nil {
		t.Fatal(err)
	}
	if n := len(h.gh.RequestsTo("DELETE", "")); n != 1 {
		t.Errorf("delete mode: %d DELETE requests, want 1", n)
	}
	if strings.Contains(h.everything(), fakeToken) {
		t.Error("the token leaked into output or requests")
	}
}

func TestMaxCommentsKeepsMostSevere(t *testing.T) {
	h := newHarness(t)
	res, err := h.runReview(Options{}, ReviewOptions{MaxComments: 2}, prReport(h.dir))
	if err != nil {
		t.Fatal(err)
	}
	rv := decode[sentReview](t, h.gh.RequestsTo("POST", "/reviews")[0].Body)
	if len(rv.Comments) != 2 || rv.Comments[0].Line != 8 || rv.Comments[1].Line != 3 {
		t.Fatalf("comments = %+v", rv.Comments)
	}
	if res.NotPosted != 4 {
		t.Errorf("NotPosted = %d, want 4 (3 module instances + 1 monitoring)", res.NotPosted)
	}
	if !strings.Contains(rv.Body, "not commented on a line") || !strings.Contains(rv.Body, "over \\-\\-max\\-comments") {
		t.Errorf("review body does not list what was left out:\n%s", rv.Body)
	}
	if !strings.Contains(h.stepSummary(), "over \\-\\-max\\-comments") {
		t.Error("step summary does not say which findings were over the limit")
	}
}

func TestForgedMarkerDoesNotSilence(t *testing.T) {
	h := newHarness(t)
	// Someone else posts a look-alike of our comment on line 8.
	if _, err := h.run(review.GitHubPRReview, Options{}, prReport(h.dir)); err != nil {
		t.Fatal(err)
	}
	var forged []*githubtest.Comment
	for _, c := range h.gh.ReviewComments {
		c2 := *c
		c2.ID += 5000
		c2.User.Login = "mallory"
		forged = append(forged, &c2)
	}
	h2 := newHarness(t)
	h2.gh.ReviewComments = forged
	if _, err := h2.run(review.GitHubPRReview, Options{}, prReport(h2.dir)); err != nil {
		t.Fatal(err)
	}
	rv := decode[sentReview](t, h2.gh.RequestsTo("POST", "/reviews")[0].Body)
	if len(rv.Comments) != 4 {
		t.Errorf("forged markers suppressed comments: posted %d of 4", len(rv.Comments))
	}
	if n := len(h2.gh.RequestsTo("PATCH", "")) + len(h2.gh.RequestsTo("DELETE", "")); n != 0 {
		t.Errorf("touched someone else's comments (%d requests)", n)
	}
}

func TestForkFallsBackToAnnotations(t *testing.T) {
	h := newHarness(t)
	h.gh.ForbidWrites = true
	res, err := h.run(review.GitHubPRReview, Options{PRComment: true}, prReport(h.dir))
	if err != nil {
		t.Fatalf("a fork PR must not be an error: %v", err)
	}
	if res.Fallback == "" || !strings.Contains(res.Fallback, "403") {
		t.Errorf("Fallback = %q", res.Fallback)
	}
	out := h.stdout.String()
	if !strings.HasPrefix(out, "::error file=main.tf,line=8,endLine=8,col=17,endColumn=30,title=CRITICAL TFR-SG-OPEN%3A Title of TFR-SG-OPEN::") {
		t.Errorf("first annotation:\n%s", out)
	}
	if n := strings.Count(out, "\n::"); n != 3 {
		t.Errorf("want 4 annotations (one per group), got %d lines starting with ::\n%s", n+1, out)
	}
	if !strings.Contains(h.stderr.String(), "forks") {
		t.Errorf("stderr does not explain the fallback: %s", h.stderr.String())
	}
	if s := h.stepSummary(); !strings.Contains(s, "[!WARNING]") || !strings.Contains(s, "annotated \\(fallback\\)") {
		t.Errorf("step summary does not say so:\n%s", s)
	}
	if n := len(h.gh.RequestsTo("POST", "/issues/285/comments")); n != 0 {
		t.Errorf("tried to post the sticky comment after a 403 (%d)", n)
	}
}

func TestChecksBatchAnnotations(t *testing.T) {
	h := newHarness(t)
	var fs []finding.Finding
	for i := range 120 {
		sev := finding.SeverityMedium
		if i%3 == 0 {
			sev = finding.SeverityCritical
		}
		fs = append(fs, mk(fmt.Sprintf("R%03d", i), sev, rng("main.tf", 3, 0, 3, 0), "aws_s3_bucket.logs", "finding"))
	}
	finding.Sort(fs)
	res, err := h.run(review.GitHubPRCheck, Options{}, finding.Report{Root: h.dir, Findings: fs})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(h.gh.RequestsTo("POST", "/check-runs")); n != 1 {
		t.Fatalf("%d check runs created", n)
	}
	create := decode[map[string]any](t, h.gh.RequestsTo("POST", "/check-runs")[0].Body)
	if create["head_sha"] != headSHA || create["name"] != "tfreview" || create["status"] != "in_progress" {
		t.Errorf("create = %v", create)
	}
	type update struct {
		Status     string `json:"status"`
		Conclusion string `json:"conclusion"`
		Output     struct {
			Summary     string `json:"summary"`
			Annotations []struct {
				Path            string `json:"path"`
				StartLine       int    `json:"start_line"`
				EndLine         int    `json:"end_line"`
				AnnotationLevel string `json:"annotation_level"`
			} `json:"annotations"`
		} `json:"output"`
	}
	patches := h.gh.RequestsContaining("PATCH", "/check-runs/")
	var sizes []int
	for _, p := range patches {
		sizes = append(sizes, len(decode[update](t, p.Body).Output.Annotations))
	}
	if !slices.Equal(sizes, []int{50, 50, 20}) {
		t.Fatalf("annotation batches = %v, want [50 50 20]", sizes)
	}
	first := decode[update](t, patches[0].Body)
	if a := first.Output.Annotations[0]; a.AnnotationLevel != "failure" || a.Path != "main.tf" || a.StartLine != 3 || a.EndLine != 3 {
		t.Errorf("first annotation = %+v (critical first, failure level)", a)
	}
	last := decode[update](t, patches[2].Body)
	if last.Status != "completed" || last.Conclusion != "failure" || res.Conclusion != "failure" {
		t.Errorf("completion = %s/%s", last.Status, last.Conclusion)
	}
	if a := last.Output.Annotations[19]; a.AnnotationLevel != "warning" {
		t.Errorf("medium below fail-on should be a warning, got %q", a.AnnotationLevel)
	}
	if len(last.Output.Summary) > MaxCheckOutput || !strings.Contains(last.Output.Summary, "40 findings at or above HIGH") {
		t.Errorf("summary (%d bytes) lacks the verdict", len(last.Output.Summary))
	}
}

func TestCheckConclusions(t *testing.T) {
	for _, tc := range []struct {
		name string
		fs   []finding.Finding
		want string
	}{
		{"none", nil, "success"},
		{"below fail-on", []finding.Finding{mk("R1", finding.SeverityLow, rng("main.tf", 3, 0, 3, 0), "", "m")}, "neutral"},
		{"outside the diff only", []finding.Finding{mk("R1", finding.SeverityCritical, rng("old.tf", 14, 0, 14, 0), "", "m")}, "success"},
		{"at fail-on", []finding.Finding{mk("R1", finding.SeverityHigh, rng("main.tf", 3, 0, 3, 0), "", "m")}, "failure"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			res, err := h.run(review.GitHubCheck, Options{}, finding.Report{Root: h.dir, Findings: tc.fs})
			if err != nil {
				t.Fatal(err)
			}
			if res.Conclusion != tc.want || res.Failed != (tc.want == "failure") {
				t.Errorf("conclusion = %s failed=%v, want %s", res.Conclusion, res.Failed, tc.want)
			}
		})
	}
}

func TestGitHubCheckOnPushReportsEverything(t *testing.T) {
	h := newHarness(t)
	h.env["GITHUB_EVENT_NAME"] = "push"
	h.env["GITHUB_EVENT_PATH"] = ""
	h.env["GITHUB_SHA"] = headSHA
	res, err := h.run(review.GitHubCheck, Options{}, prReport(h.dir))
	if err != nil {
		t.Fatal(err)
	}
	if res.FilterMode != "nofilter" || res.InScope != 7 {
		t.Errorf("result = %+v", res)
	}
	if n := len(h.gh.RequestsTo("GET", "/pulls/285")); n != 0 {
		t.Error("asked for a pull request diff outside a pull request")
	}
}

func TestWorkflowAnnotationsWithoutToken(t *testing.T) {
	h := newHarness(t)
	delete(h.env, "GITHUB_TOKEN")
	var fs []finding.Finding
	for i := range 15 {
		fs = append(fs, mk(fmt.Sprintf("R%02d", i), finding.Severity(1+i%4), rng("main.tf", 8, 17, 8, 30), "res", hostile))
	}
	bad := mk("EVIL", finding.SeverityCritical, rng("main.tf", 3, 0, 3, 0), "x", hostile)
	bad.Title = "a:b,c\nd%"
	fs = append(fs, bad)
	finding.Sort(fs)
	res, err := h.run(review.GitHubAnnotations, Options{FilterMode: "nofilter"}, finding.Report{Root: h.dir, Findings: fs})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(h.stdout.String(), "\n"), "\n")
	if len(lines) != MaxAnnotationsPerStep+1 {
		t.Fatalf("want %d commands and a count line, got:\n%s", MaxAnnotationsPerStep, h.stdout.String())
	}
	if !strings.HasPrefix(lines[0], "::error file=main.tf,line=3,endLine=3,title=CRITICAL EVIL%3A a%3Ab%2Cc%0Ad%25::@octo-org/admins <img src=x onerror=alert(1)> ](http://evil.example) %0A::error::pwned %250A #1 `x` | y%0AResource: x") {
		t.Errorf("escaped command:\n%s", lines[0])
	}
	if !strings.HasPrefix(lines[10], "tfreview: 6 more findings not annotated") {
		t.Errorf("count line = %q", lines[10])
	}
	if res.Posted != 10 || res.NotPosted != 6 {
		t.Errorf("result = %+v", res)
	}
	if len(h.gh.Requests) != 0 {
		t.Errorf("github-annotations without a token called the API %d times", len(h.gh.Requests))
	}
}

func TestAnnotationsFilterWithGitWithoutToken(t *testing.T) {
	h := newHarness(t)
	delete(h.env, "GITHUB_TOKEN")
	// The event's SHAs are not in our test repository; point a copy at ours.
	ev, _ := os.ReadFile("testdata/pull_request_event.json")
	base := gitOut(t, h.dir, "rev-parse", "HEAD~1")
	head := gitOut(t, h.dir, "rev-parse", "HEAD")
	ev = []byte(strings.ReplaceAll(strings.ReplaceAll(string(ev), "dff1fc5f6db637cb82ffd1b2403a79789b439364", base), headSHA, head))
	p := t.TempDir() + "/event.json"
	os.WriteFile(p, ev, 0o644)
	h.env["GITHUB_EVENT_PATH"] = p
	res, err := h.run(review.GitHubAnnotations, Options{}, prReport(h.dir))
	if err != nil {
		t.Fatal(err)
	}
	if res.FilterMode != "added" || res.InScope != 6 || res.OutOfScope != 1 {
		t.Errorf("result = %+v, notes %v", res, res.Notes)
	}
}

func TestRetriesAndErrors(t *testing.T) {
	h := newHarness(t)
	h.gh.Fail("GET /repos/reviewdog/reviewdog/pulls/285", 502)
	h.gh.Fail("POST /repos/reviewdog/reviewdog/pulls/285/reviews", 429)
	h.gh.RetryAfter = "2"
	if _, err := h.run(review.GitHubPRReview, Options{}, prReport(h.dir)); err != nil {
		t.Fatalf("retries should have recovered: %v", err)
	}
	// 502 on GET: exponential backoff from 1s; 429 on POST: Retry-After.
	if len(h.sleeps) != 2 || h.sleeps[0] != 1e9 || h.sleeps[1] != 2e9 {
		t.Errorf("sleeps = %v, want [1s 2s]", h.sleeps)
	}
	if n := len(h.gh.RequestsTo("POST", "/reviews")); n != 2 {
		t.Errorf("%d review POSTs, want 2 (429 then success)", n)
	}

	// A 5xx on POST is not repeated: it may have been applied.
	h2 := newHarness(t)
	h2.gh.Fail("POST /repos/reviewdog/reviewdog/pulls/285/reviews", 502)
	_, err := h2.run(review.GitHubPRReview, Options{}, prReport(h2.dir))
	var re *review.Error
	if !errors.As(err, &re) || re.StatusCode != 502 || re.Op != "create review" {
		t.Fatalf("err = %#v", err)
	}
	if n := len(h2.gh.RequestsTo("POST", "/reviews")); n != 1 {
		t.Errorf("POST retried on 502 (%d attempts)", n)
	}
	if strings.Contains(err.Error(), fakeToken) || strings.Contains(h2.everything(), fakeToken) {
		t.Error("token leaked")
	}
	if !strings.Contains(h2.stepSummary(), "tfreview security review") {
		t.Error("the job summary should be written even when posting failed")
	}

	// Bounded: a server that keeps failing is given up on.
	h3 := newHarness(t)
	h3.gh.Fail("GET /repos/reviewdog/reviewdog/pulls/285", 503, 503, 503, 503, 503)
	_, err = h3.run(review.GitHubPRCheck, Options{Client: ClientOptions{MaxRetries: 2}}, prReport(h3.dir))
	if !errors.As(err, &re) || re.StatusCode != 503 {
		t.Fatalf("err = %v", err)
	}
	if n := len(h3.gh.RequestsTo("GET", "/pulls/285")); n != 3 {
		t.Errorf("%d attempts, want 3 (1 + 2 retries)", n)
	}
}

func TestTokenNeverLeaks(t *testing.T) {
	h := newHarness(t)
	h.gh.Token = "something-else" // every request is refused with 401
	_, err := h.run(review.GitHubPRReview, Options{PRComment: true}, prReport(h.dir))
	if err == nil {
		t.Fatal("want an error for bad credentials")
	}
	var re *review.Error
	if !errors.As(err, &re) || re.StatusCode != 401 {
		t.Errorf("err = %v", err)
	}
	for _, r := range h.gh.Requests {
		if r.Auth != "Bearer "+fakeToken {
			t.Errorf("request %s %s without the token header", r.Method, r.Path)
		}
	}
	text := err.Error() + h.everything()
	if strings.Contains(text, fakeToken) {
		t.Errorf("token leaked: %s", text)
	}

	// Plain http to a non-loopback host is refused before anything is sent.
	h2 := newHarness(t)
	h2.env["GITHUB_API_URL"] = "http://github.example.com/api/v3"
	_, err = h2.run(review.GitHubPRCheck, Options{}, prReport(h2.dir))
	if err == nil || strings.Contains(err.Error(), fakeToken) || !strings.Contains(err.Error(), "refusing") {
		t.Errorf("err = %v", err)
	}
}

func TestEnterpriseAPIURL(t *testing.T) {
	h := newHarness(t)
	h.gh.Prefix = "/api/v3"
	h.env["GITHUB_API_URL"] = h.gh.APIURL()
	if _, err := h.run(review.GitHubPRCheck, Options{}, prReport(h.dir)); err != nil {
		t.Fatal(err)
	}
	if n := len(h.gh.RequestsTo("POST", "/api/v3/repos/reviewdog/reviewdog/check-runs")); n != 1 {
		t.Errorf("check run not created under /api/v3")
	}
}

func TestHugeDiffFallsBackToFiles(t *testing.T) {
	h := newHarness(t)
	h.gh.DiffTooLarge = true
	for _, part := range strings.Split(h.gh.Diff, "diff --git ")[1:] {
		name := strings.TrimPrefix(strings.Fields(part)[1], "b/")
		status := "modified"
		if strings.Contains(part, "new file mode") {
			status = "added"
		}
		h.gh.Files = append(h.gh.Files, githubtest.File{Filename: name, Status: status, Patch: part[strings.Index(part, "@@"):]})
	}
	res, err := h.run(review.GitHubPRReview, Options{}, prReport(h.dir))
	if err != nil {
		t.Fatal(err)
	}
	if res.InScope != 6 || res.Posted != 6 {
		t.Errorf("result = %+v", res)
	}
	if n := len(h.gh.RequestsTo("GET", "/pulls/285/files")); n < 1 {
		t.Error("files endpoint not used")
	}
}

func TestOwnersMentionsAndLabels(t *testing.T) {
	h := newHarness(t)
	owners := []review.OwnerRule{
		{Severity: finding.SeverityCritical, Mention: []string{"@octo-org/sre"}, Labels: []string{"security:critical"}},
		{Paths: []string{"modules/**"}, Mention: []string{"@octo-org/platform"}},
		{Paths: []string{"nothing/**"}, Mention: []string{"@nobody"}, Labels: []string{"never"}},
	}
	if _, err := h.run(review.GitHubPRReview, Options{PRComment: true, Owners: owners}, prReport(h.dir)); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h.gh.Labels, []string{"security:critical"}) {
		t.Errorf("labels = %v", h.gh.Labels)
	}
	sticky := h.gh.IssueComments[0].Body
	if !strings.Contains(sticky, "- @octo-org/sre — 1 finding, worst CRITICAL") || !strings.Contains(sticky, "- @octo-org/platform — 3 findings, worst MEDIUM") {
		t.Errorf("sticky comment does not say who must act:\n%s", sticky)
	}
	if strings.Contains(sticky, "@nobody") || strings.Contains(sticky, "@octo-org/admins") {
		t.Errorf("unexpected mention:\n%s", sticky)
	}
	// The job summary names owners without notifying anyone.
	if s := h.stepSummary(); !strings.Contains(s, "`@octo-org/sre`") {
		t.Errorf("step summary owners:\n%s", s)
	}
}

func TestCodeOwnersFallback(t *testing.T) {
	h := newHarness(t)
	write(t, h.dir, map[string]string{".github/CODEOWNERS": "* @octo-org/infra\n/modules/ @octo-org/platform\n"})
	if _, err := h.run(review.GitHubPRReview, Options{PRComment: true}, prReport(h.dir)); err != nil {
		t.Fatal(err)
	}
	sticky := h.gh.IssueComments[0].Body
	if !strings.Contains(sticky, "from CODEOWNERS \\(\\.github/CODEOWNERS\\)") || !strings.Contains(sticky, "- @octo-org/platform — 3 findings, worst MEDIUM") || !strings.Contains(sticky, "- @octo-org/infra") {
		t.Errorf("CODEOWNERS owners missing:\n%s", sticky)
	}
}

func TestNotAPullRequest(t *testing.T) {
	h := newHarness(t)
	h.env["GITHUB_EVENT_PATH"] = ""
	h.env["GITHUB_SHA"] = headSHA
	res, err := h.run(review.GitHubPRReview, Options{}, prReport(h.dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Notes) == 0 || !strings.Contains(res.Notes[0], "Not a pull request") {
		t.Errorf("notes = %v", res.Notes)
	}
	if n := len(h.gh.RequestsTo("POST", "")); n != 0 {
		t.Errorf("%d POSTs outside a pull request", n)
	}
}

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := execGit(dir, args...)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out)
}

func TestMatrixJobsKeepTheirOwnComments(t *testing.T) {
	h := newHarness(t)
	rep := prReport(h.dir)
	if _, err := h.run(review.GitHubPRReview, Options{PRComment: true}, rep); err != nil {
		t.Fatal(err)
	}
	// Another job of the matrix (another key) reports less: it must not
	// take the first job's comments for its own outdated ones.
	other := rep
	other.Findings = slices.DeleteFunc(slices.Clone(rep.Findings), func(f finding.Finding) bool { return f.RuleID != "TFR-SG-OPEN" })
	if _, err := h.run(review.GitHubPRReview, Options{PRComment: true, StickyKey: "envs/prod"}, other); err != nil {
		t.Fatal(err)
	}
	if n := len(h.gh.RequestsContaining("PATCH", "/pulls/comments/")) + len(h.gh.RequestsContaining("DELETE", "/pulls/comments/")); n != 0 {
		t.Errorf("the second job touched the first job's comments (%d requests)", n)
	}
	if len(h.gh.IssueComments) != 2 || !strings.HasPrefix(h.gh.IssueComments[1].Body, "<!-- tfreview-summary: tfreview:envs/prod -->") {
		t.Errorf("want one summary comment per job, got %d", len(h.gh.IssueComments))
	}
}

func TestPersonalTokenIdentity(t *testing.T) {
	h := newHarness(t)
	h.gh.UserForbidden = false
	h.gh.Bot = "ci-user" // a personal access token: GET /user names it
	for range 2 {
		if _, err := h.run(review.GitHubPRReview, Options{PRComment: true}, prReport(h.dir)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(h.gh.RequestsTo("POST", "/reviews")); n != 1 {
		t.Errorf("%d reviews after two runs, want 1", n)
	}
	if n := len(h.gh.IssueComments); n != 1 {
		t.Errorf("%d summary comments after two runs, want 1", n)
	}
	// Asked lazily: the first run found no comments to judge.
	if n := len(h.gh.RequestsTo("GET", "/user")); n != 1 {
		t.Errorf("GET /user %d times, want 1", n)
	}
}
