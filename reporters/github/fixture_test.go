package github

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/testutil/githubtest"
	"github.com/tfreview/tfreview/reporters/review"
)

const fakeToken = "ghs_FAKEt0kenDoNotLeak1234567890abcdef"

// The pull request under test: base has old.tf and a module; head adds
// main.tf and changes line 4 of old.tf.
var (
	baseFiles = map[string]string{
		"old.tf": `resource "aws_instance" "web" {
  ami           = "ami-123"
  instance_type = "t3.micro"
  monitoring    = true
}

locals {
  a = 1
  b = 2
}

resource "aws_db_instance" "db" {
  engine            = "postgres"
  storage_encrypted = false
  instance_class    = "db.t3.micro"
  allocated_storage = 20
  username          = "admin"
}
`,
		"modules/bucket/main.tf": `resource "aws_s3_bucket" "this" {
  bucket = var.name
}

variable "name" {}
`,
	}
	headFiles = map[string]string{
		"main.tf": `resource "aws_s3_bucket" "logs" {
  bucket = "logs"
  acl    = "public-read"
}

resource "aws_security_group_rule" "ssh" {
  type        = "ingress"
  cidr_blocks = ["0.0.0.0/0"]
}

module "buckets" {
  source   = "./modules/bucket"
  for_each = toset(["a", "b", "c"])
}
`,
		"old.tf": strings.Replace(baseFiles["old.tf"], "monitoring    = true", "monitoring    = false", 1),
	}
)

// hostile is text a pull request author controls, crafted to break out of
// every context it lands in.
const hostile = "@octo-org/admins <img src=x onerror=alert(1)> ](http://evil.example) \n::error::pwned %0A #1 `x` | y"

// prRepo makes a git repository with the base and head commits and returns
// the work tree (at head), the pull request diff and the head SHA.
func prRepo(t *testing.T) (dir, prDiff string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir = t.TempDir()
	run := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	run("init", "-q", "-b", "main")
	write(t, dir, baseFiles)
	run("add", "-A")
	run("commit", "-qm", "base")
	write(t, dir, headFiles)
	run("add", "-A")
	run("commit", "-qm", "head")
	prDiff = run("diff", "--src-prefix=a/", "--dst-prefix=b/", "HEAD~1", "HEAD")
	return dir, prDiff
}

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func pos(line, col int) finding.Position { return finding.Position{Line: line, Column: col, Byte: -1} }

func rng(file string, sl, sc, el, ec int) finding.Range {
	return finding.Range{File: file, Start: pos(sl, sc), End: pos(el, ec)}
}

func mk(id string, sev finding.Severity, r finding.Range, resource, msg string) finding.Finding {
	f := finding.Finding{
		RuleID: id, Engine: finding.EngineBuiltin, Severity: sev, Title: "Title of " + id,
		Message: msg, Range: r, Resource: resource,
		References: []string{"https://tfreview.dev/checks/" + strings.ToLower(id)},
		Resolution: "Do the safe thing.",
	}
	f.Fingerprint = finding.FingerprintOf(f)
	return f
}

// prReport is the report of scanning the head commit.
func prReport(root string) finding.Report {
	acl := mk("TFR-S3-ACL", finding.SeverityHigh, rng("main.tf", 3, 12, 3, 25), "aws_s3_bucket.logs",
		`aws_s3_bucket.logs has acl "public-read"`)
	acl.Fix = &finding.Fix{Description: `Set acl to "private"`, Edits: []finding.TextEdit{{
		Range: rng("main.tf", 3, 12, 3, 25), NewText: `"private"`,
	}}}
	ssh := mk("TFR-SG-OPEN", finding.SeverityCritical, rng("main.tf", 8, 17, 8, 30), "aws_security_group_rule.ssh",
		"ingress open to the world: "+hostile)
	var mods []finding.Finding
	for _, k := range []string{"a", "b", "c"} {
		f := mk("AVD-AWS-0088", finding.SeverityMedium, rng("modules/bucket/main.tf", 1, 0, 3, 0),
			`module.buckets["`+k+`"].aws_s3_bucket.this`, "Bucket does not have encryption enabled")
		f.Engine = finding.EngineTrivy
		f.CallSites = []finding.CallSite{{Module: `module.buckets["` + k + `"]`, Range: rng("main.tf", 11, 0, 14, 0)}}
		mods = append(mods, f)
	}
	mon := mk("AVD-AWS-0028", finding.SeverityLow, rng("old.tf", 1, 0, 5, 0), "aws_instance.web", "Instance does not have detailed monitoring")
	db := mk("AVD-AWS-0080", finding.SeverityHigh, rng("old.tf", 12, 0, 18, 0), "aws_db_instance.db", "Instance does not have storage encryption enabled")
	ign := mk("AVD-AWS-0086", finding.SeverityHigh, rng("main.tf", 1, 0, 4, 0), "aws_s3_bucket.logs", "No public access block")
	ign.Suppressed = &finding.Suppression{Kind: "tfreview", Reason: "public website " + hostile, Expires: "2099-01-01", Range: rng("main.tf", 1, 0, 1, 0)}
	fs := append([]finding.Finding{acl, ssh, mon, db, ign}, mods...)
	finding.Sort(fs)
	return finding.Report{Tool: finding.Tool{Name: "tfreview", Version: "test"}, Root: root, Findings: fs, Sources: headSources()}
}

// headSources is what a scan of the head commit read: the base files as
// the head commit changed them.
func headSources() map[string][]byte {
	out := map[string][]byte{}
	for _, files := range []map[string]string{baseFiles, headFiles} {
		for name, content := range files {
			out[name] = []byte(content)
		}
	}
	return out
}

// harness runs a reporter as the Action would: env from the event payload,
// a fake GitHub, files for the step summary and outputs.
type harness struct {
	t       *testing.T
	gh      *githubtest.Server
	dir     string
	env     map[string]string
	stdout  bytes.Buffer
	stderr  bytes.Buffer
	summary string
	output  string
	sleeps  []time.Duration
}

func newHarness(t *testing.T) *harness {
	dir, prDiff := prRepo(t)
	h := &harness{t: t, gh: githubtest.NewServer(t, fakeToken), dir: dir}
	h.gh.Diff = prDiff
	tmp := t.TempDir()
	h.summary = filepath.Join(tmp, "step_summary.md")
	h.output = filepath.Join(tmp, "output")
	h.env = map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_EVENT_NAME":   "pull_request",
		"GITHUB_EVENT_PATH":   "testdata/pull_request_event.json",
		"GITHUB_REPOSITORY":   "reviewdog/reviewdog",
		"GITHUB_SHA":          "0000000000000000000000000000000000000000", // merge commit; the event's head SHA wins
		"GITHUB_API_URL":      h.gh.APIURL(),
		"GITHUB_SERVER_URL":   "https://github.com",
		"GITHUB_RUN_ID":       "42",
		"GITHUB_TOKEN":        fakeToken,
		"GITHUB_STEP_SUMMARY": h.summary,
		"GITHUB_OUTPUT":       h.output,
	}
	return h
}

const headSHA = "cb23119096646023c05e14ea708b7f20cee906d5" // from the event payload

// run reports rep with the reporter called name.
func (h *harness) run(name string, o Options, rep finding.Report) (review.Result, error) {
	h.t.Helper()
	return h.report(name, o, ReviewOptions{}, rep)
}

// runReview reports rep with github-pr-review and its own options.
func (h *harness) runReview(o Options, ro ReviewOptions, rep finding.Report) (review.Result, error) {
	h.t.Helper()
	return h.report(review.GitHubPRReview, o, ro, rep)
}

func (h *harness) report(name string, o Options, ro ReviewOptions, rep finding.Report) (review.Result, error) {
	h.t.Helper()
	o.Stdout, o.Stderr = &h.stdout, &h.stderr
	o.Env = func(k string) string { return h.env[k] }
	o.RepoRoot = h.dir
	if o.FailOn == 0 {
		o.FailOn = finding.SeverityHigh
	}
	var r *Reporter
	var err error
	switch name {
	case review.GitHubPRReview:
		r, err = NewPRReview(o, ro)
	case review.GitHubPRCheck:
		r, err = NewPRCheck(o)
	case review.GitHubCheck:
		r, err = NewCheck(o)
	case review.GitHubAnnotations:
		r, err = NewAnnotations(o)
	default:
		h.t.Fatalf("not a GitHub reporter: %s", name)
	}
	if err != nil {
		h.t.Fatal(err)
	}
	r.sleep = func(_ context.Context, d time.Duration) error { h.sleeps = append(h.sleeps, d); return nil }
	r.now = func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) }
	return r.Report(context.Background(), rep)
}

// everything is all text the run produced or sent, to look for leaks.
func (h *harness) everything() string {
	var b strings.Builder
	b.WriteString(h.stdout.String())
	b.WriteString(h.stderr.String())
	for _, p := range []string{h.summary, h.output} {
		c, _ := os.ReadFile(p)
		b.Write(c)
	}
	h.gh.Mu.Lock()
	defer h.gh.Mu.Unlock()
	for _, r := range h.gh.Requests {
		b.WriteString(r.Method + " " + r.Path + "?" + r.Query + "\n")
		b.Write(r.Body)
	}
	return b.String()
}

func (h *harness) stepSummary() string {
	b, _ := os.ReadFile(h.summary)
	return string(b)
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

func execGit(dir string, args ...string) (string, error) {
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	return string(out), err
}
