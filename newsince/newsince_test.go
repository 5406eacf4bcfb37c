package newsince

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/scanner"
)

const bucketVars = `variable "acl" {
  type    = string
  default = "private"
}
`

const bucketMain = `resource "aws_s3_bucket" "logs" {
  bucket = "logs"
}

resource "aws_s3_bucket_acl" "logs" {
  bucket = aws_s3_bucket.logs.id
  acl    = var.acl
}
`

func TestVariableDefaultChangedInAnotherFile(t *testing.T) {
	r := newRepo(t, map[string]string{"variables.tf": bucketVars, "main.tf": bucketMain})
	r.branch()
	r.write(map[string]string{"variables.tf": strings.Replace(bucketVars, `"private"`, `"public-read"`, 1)})
	r.commit("make the bucket public")

	rep := mustCompare(t, r.dir, "main")
	got := introduced(rep)
	if len(got) != 1 {
		t.Fatalf("want 1 introduced finding, got %d:\n%s", len(got), describe(got))
	}
	f := got[0]
	if f.RuleID != "AWS-0092" || f.Range.File != "main.tf" || f.Range.Start.Line != 7 || f.Resource != "aws_s3_bucket_acl.logs" {
		t.Errorf("introduced finding not at the resource:\n%s", describe(got))
	}
	if f.Cause == nil {
		t.Fatalf("no cause:\n%s", describe(got))
	}
	if f.Cause.Kind != finding.CauseVariable || f.Cause.Range.File != "variables.tf" || f.Cause.Range.Start.Line != 3 || f.Cause.Deleted {
		t.Errorf("cause = %+v, want the variable's default line variables.tf:3", *f.Cause)
	}
	c := rep.Comparison
	if c.Introduced != 1 || len(c.Resolved) != 0 || c.Unchanged == 0 {
		t.Errorf("comparison = introduced %d, unchanged %d, resolved %d", c.Introduced, c.Unchanged, len(c.Resolved))
	}
	if c.BaseRootModules != 1 || c.HeadRootModules != 1 {
		t.Errorf("root modules scanned: head %d, base %d; want 1 and 1", c.HeadRootModules, c.BaseRootModules)
	}
	for _, f := range rep.Findings {
		if f.Suppressed != nil && f.Suppressed.Kind != SuppressionKind {
			t.Errorf("unchanged finding suppressed with kind %q", f.Suppressed.Kind)
		}
	}
	if len(r.worktrees()) != 1 {
		t.Errorf("worktree left behind: %v", r.worktrees())
	}
}

const twoResources = `resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}

resource "aws_security_group" "web" {
  description = "web"
  ingress {
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
`

const queueOnly = `resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}
`

const groupOnly = `resource "aws_security_group" "web" {
  description = "web"
  ingress {
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
`

func TestPureRefactorsIntroduceNothing(t *testing.T) {
	cases := []struct {
		name string
		edit func(r *repo)
	}{
		{"resource moved to another file", func(r *repo) {
			r.write(map[string]string{"main.tf": queueOnly, "network.tf": groupOnly})
		}},
		{"file renamed", func(r *repo) {
			r.git("mv", "main.tf", "resources.tf")
		}},
		{"resources reordered and lines moved", func(r *repo) {
			r.write(map[string]string{"main.tf": "# comment\n\n\n" + groupOnly + "\n\n" + queueOnly})
		}},
		{"renamed and moved, uncommitted", func(r *repo) {
			r.remove("main.tf")
			r.write(map[string]string{"queue.tf": queueOnly, "sg.tf": "\n\n" + groupOnly})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRepo(t, map[string]string{"main.tf": twoResources})
			r.branch()
			tc.edit(r)
			if !strings.Contains(tc.name, "uncommitted") {
				r.commit(tc.name)
			}
			rep := mustCompare(t, r.dir, "main")
			if got := introduced(rep); len(got) != 0 {
				t.Errorf("introduced:\n%s", describe(got))
			}
			if got := rep.Comparison.Resolved; len(got) != 0 {
				t.Errorf("resolved:\n%s", describe(got))
			}
			if rep.Comparison.Unchanged < 2 {
				t.Errorf("unchanged = %d, want every finding", rep.Comparison.Unchanged)
			}
		})
	}
}

func TestDirectoryRenamesIntroduceNothing(t *testing.T) {
	r := newRepo(t, map[string]string{
		"envs/a/main.tf":    "module \"q\" {\n  source = \"../../modules/q\"\n}\n\n" + groupOnly,
		"modules/q/main.tf": queueOnly,
	})
	r.branch()
	r.git("mv", "envs/a", "envs/alpha")
	r.git("mv", "modules/q", "modules/queue")
	r.write(map[string]string{"envs/alpha/main.tf": "module \"q\" {\n  source = \"../../modules/queue\"\n}\n\n" + groupOnly})
	r.commit("rename the root module and the module directories")
	rep := mustCompare(t, r.dir, "main")
	if got := introduced(rep); len(got) != 0 {
		t.Errorf("introduced:\n%s", describe(got))
	}
	if got := rep.Comparison.Resolved; len(got) != 0 {
		t.Errorf("resolved:\n%s", describe(got))
	}
	if rep.Comparison.Unchanged < 2 {
		t.Errorf("unchanged = %d", rep.Comparison.Unchanged)
	}
}

func TestMovedBlockRenameIntroducesNothing(t *testing.T) {
	t.Run("resource", func(t *testing.T) {
		r := newRepo(t, map[string]string{"main.tf": twoResources})
		r.branch()
		renamed := strings.Replace(twoResources, `"aws_sqs_queue" "jobs"`, `"aws_sqs_queue" "tasks"`, 1)
		r.write(map[string]string{"main.tf": renamed + "\nmoved {\n  from = aws_sqs_queue.jobs\n  to   = aws_sqs_queue.tasks\n}\n"})
		r.commit("rename queue")
		rep := mustCompare(t, r.dir, "main")
		if got := introduced(rep); len(got) != 0 {
			t.Errorf("introduced:\n%s", describe(got))
		}
		if got := rep.Comparison.Resolved; len(got) != 0 {
			t.Errorf("resolved:\n%s", describe(got))
		}
		if rep.Comparison.Unchanged == 0 {
			t.Error("no finding matched across the rename")
		}
	})
	t.Run("module call", func(t *testing.T) {
		r := newRepo(t, map[string]string{
			"main.tf":               "module \"queue\" {\n  source = \"./modules/queue\"\n}\n",
			"modules/queue/main.tf": queueOnly,
		})
		r.branch()
		r.write(map[string]string{"main.tf": "module \"jobs\" {\n  source = \"./modules/queue\"\n}\n\nmoved {\n  from = module.queue\n  to   = module.jobs\n}\n"})
		r.commit("rename module call")
		rep := mustCompare(t, r.dir, "main")
		if got := introduced(rep); len(got) != 0 {
			t.Errorf("introduced:\n%s", describe(got))
		}
		if got := rep.Comparison.Resolved; len(got) != 0 {
			t.Errorf("resolved:\n%s", describe(got))
		}
		if rep.Comparison.Unchanged == 0 {
			t.Error("no finding matched across the rename")
		}
	})
	t.Run("without moved block the rename is a new finding", func(t *testing.T) {
		r := newRepo(t, map[string]string{"main.tf": queueOnly})
		r.branch()
		r.write(map[string]string{"main.tf": strings.Replace(queueOnly, `"jobs" {`, `"tasks" {`, 1)})
		r.commit("rename queue")
		rep := mustCompare(t, r.dir, "main")
		in, res := introduced(rep), rep.Comparison.Resolved
		if len(in) == 0 || len(in) != len(res) {
			t.Errorf("want as many introduced as resolved, got\nintroduced:\n%s\nresolved:\n%s", describe(in), describe(res))
		}
	})
}

func TestInsecureResourceDeletedIsResolved(t *testing.T) {
	r := newRepo(t, map[string]string{"main.tf": twoResources})
	before := mustCompare(t, r.dir, "HEAD")
	var queue []finding.Finding
	for _, f := range before.Findings {
		if f.Resource == "aws_sqs_queue.jobs" {
			queue = append(queue, f)
		}
	}
	r.branch()
	r.write(map[string]string{"main.tf": groupOnly})
	r.commit("drop the queue")
	rep := mustCompare(t, r.dir, "main")
	if got := introduced(rep); len(got) != 0 {
		t.Errorf("introduced:\n%s", describe(got))
	}
	res := rep.Comparison.Resolved
	if len(res) != 1 || len(queue) != 1 || res[0].Resource != "aws_sqs_queue.jobs" || res[0].RuleID != queue[0].RuleID {
		t.Errorf("want the queue's one finding resolved (%s), got:\n%s", describe(queue), describe(res))
	}
}

func TestNewResourceInModuleCalledTwice(t *testing.T) {
	r := newRepo(t, map[string]string{
		"main.tf": `module "a" {
  source = "./modules/q"
}

module "b" {
  source = "./modules/q"
}
`,
		"modules/q/main.tf": `variable "name" {
  default = "q"
}
`,
	})
	r.branch()
	r.write(map[string]string{"modules/q/queue.tf": queueOnly})
	r.commit("add a queue to the module")
	rep := mustCompare(t, r.dir, "main")
	got := introduced(rep)
	if len(got) == 0 || len(got)%2 != 0 {
		t.Fatalf("want each finding twice, got:\n%s", describe(got))
	}
	byRule := map[string][]string{}
	for _, f := range got {
		if f.Range.File != "modules/q/queue.tf" {
			t.Errorf("finding outside the new file: %s", describe([]finding.Finding{f}))
		}
		if len(f.CallSites) != 1 {
			t.Fatalf("want one call site, got %+v", f.CallSites)
		}
		cs := f.CallSites[0]
		if cs.Range.File != "main.tf" || !strings.HasPrefix(f.Resource, cs.Module+".") {
			t.Errorf("call site %+v does not match %s", cs, f.Resource)
		}
		byRule[f.RuleID] = append(byRule[f.RuleID], cs.Module)
	}
	for rule, mods := range byRule {
		if len(mods) != 2 || !(mods[0] == "module.a" && mods[1] == "module.b" || mods[0] == "module.b" && mods[1] == "module.a") {
			t.Errorf("%s introduced via %v, want module.a and module.b", rule, mods)
		}
	}
}

const bucketWithPAB = `resource "aws_s3_bucket_public_access_block" "site" {
  bucket                  = aws_s3_bucket.site.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
`

func TestCompanionDeletedIntroducedAtBucket(t *testing.T) {
	r := newRepo(t, map[string]string{
		"bucket.tf": `resource "aws_s3_bucket" "site" {
  bucket = "site"
}
`,
		"access.tf": bucketWithPAB,
	})
	r.branch()
	r.remove("access.tf")
	r.commit("drop the public access block")
	rep := mustCompare(t, r.dir, "main")
	got := introduced(rep)
	if len(got) == 0 {
		t.Fatal("nothing introduced")
	}
	for _, f := range got {
		if f.Resource != "aws_s3_bucket.site" || f.Range.File != "bucket.tf" {
			t.Errorf("introduced away from the bucket: %s", describe([]finding.Finding{f}))
		}
		if f.Cause == nil || f.Cause.Kind != finding.CauseDeletedFile || f.Cause.Range.File != "access.tf" || !f.Cause.Deleted || f.Cause.Range.Start.Line != 1 {
			t.Errorf("cause should be the deleted access.tf: %s", describe([]finding.Finding{f}))
		}
	}
	hasPublicACL := false
	for _, f := range got {
		hasPublicACL = hasPublicACL || f.HasID("AWS-0086")
	}
	if !hasPublicACL {
		t.Errorf("AWS-0086 (block public ACLs) not introduced:\n%s", describe(got))
	}
}

func TestModuleInputAndTFVarsCauses(t *testing.T) {
	r := newRepo(t, map[string]string{
		"main.tf": `variable "logs_acl" {
  type = string
}

module "logs" {
  source = "./modules/bucket"
  name   = "logs"
  acl    = var.logs_acl
}

module "site" {
  source = "./modules/bucket"
  name   = "site"
  acl    = "private"
}
`,
		"terraform.tfvars": "logs_acl = \"private\"\n",
		"modules/bucket/main.tf": `variable "acl" {
  type = string
}

variable "name" {
  type = string
}

resource "aws_s3_bucket" "this" {
  bucket = var.name
}

resource "aws_s3_bucket_acl" "this" {
  bucket = aws_s3_bucket.this.id
  acl    = var.acl
}
`,
	})
	r.branch()
	r.write(map[string]string{
		"terraform.tfvars": "logs_acl = \"public-read\"\n",
		"main.tf": strings.Replace(`variable "logs_acl" {
  type = string
}

module "logs" {
  source = "./modules/bucket"
  name   = "logs"
  acl    = var.logs_acl
}

module "site" {
  source = "./modules/bucket"
  name   = "site"
  acl    = "private"
}
`, `acl    = "private"`, `acl    = "public-read"`, 1),
	})
	r.commit("open both buckets")
	rep := mustCompare(t, r.dir, "main")
	got := introduced(rep)
	want := map[string]string{
		"module.logs.aws_s3_bucket_acl.this": "tfvars terraform.tfvars:1",
		"module.site.aws_s3_bucket_acl.this": "module-input main.tf:14",
	}
	seen := map[string]bool{}
	for _, f := range got {
		if f.RuleID != "AWS-0092" {
			continue
		}
		seen[f.Resource] = true
		w, ok := want[f.Resource]
		if !ok {
			t.Errorf("unexpected: %s", describe([]finding.Finding{f}))
			continue
		}
		if f.Cause == nil {
			t.Errorf("%s: no cause", f.Resource)
			continue
		}
		if g := f.Cause.Kind + " " + f.Cause.Range.File + ":" + strconv.Itoa(f.Cause.Range.Start.Line); g != w {
			t.Errorf("%s: cause %s, want %s", f.Resource, g, w)
		}
	}
	if len(seen) != 2 {
		t.Errorf("want AWS-0092 on both buckets, got:\n%s\nall:\n%s", describe(got), describe(rep.Findings))
	}
}

func TestOnlyAffectedRootModulesScannedAtBase(t *testing.T) {
	files := map[string]string{"modules/q/main.tf": queueOnly}
	for _, env := range []string{"dev", "prod", "stage"} {
		files["envs/"+env+"/main.tf"] = "module \"q\" {\n  source = \"../../modules/q\"\n}\n"
	}
	files["envs/solo/main.tf"] = groupOnly
	files["docs/README.md"] = "docs\n"
	r := newRepo(t, files)
	r.branch()

	r.write(map[string]string{"envs/solo/main.tf": groupOnly + "\n" + queueOnly})
	r.commit("one root")
	rep := mustCompare(t, r.dir, "main")
	if c := rep.Comparison; c.HeadRootModules != 4 || c.BaseRootModules != 1 {
		t.Errorf("root modules: head %d, base %d; want 4 and 1", c.HeadRootModules, c.BaseRootModules)
	}
	for _, f := range introduced(rep) {
		if f.Range.File != "envs/solo/main.tf" {
			t.Errorf("introduced elsewhere: %s", describe([]finding.Finding{f}))
		}
	}
	if len(introduced(rep)) == 0 {
		t.Error("the new queue was not introduced")
	}

	r.write(map[string]string{"modules/q/main.tf": queueOnly + "\n# shared module touched\n"})
	r.commit("shared module")
	rep = mustCompare(t, r.dir, "main")
	if c := rep.Comparison; c.BaseRootModules != 4 {
		t.Errorf("a change to the shared module affects dev, prod, stage (and solo changed): base scanned %d", c.BaseRootModules)
	}

	r.git("reset", "-q", "--hard", "main")
	r.write(map[string]string{"docs/README.md": "more docs\n"})
	r.commit("docs only")
	rep = mustCompare(t, r.dir, "main")
	if c := rep.Comparison; c.BaseRootModules != 0 || c.Introduced != 0 || c.Unchanged == 0 {
		t.Errorf("docs-only change: base scanned %d, introduced %d, unchanged %d", c.BaseRootModules, c.Introduced, c.Unchanged)
	}
}

func TestUntrackedFileIsPartOfTheChange(t *testing.T) {
	r := newRepo(t, map[string]string{"main.tf": groupOnly})
	r.write(map[string]string{"queue.tf": queueOnly})
	rep := mustCompare(t, r.dir, "HEAD")
	got := introduced(rep)
	if len(got) == 0 {
		t.Fatal("the untracked queue's findings were not introduced")
	}
	for _, f := range got {
		if f.Range.File != "queue.tf" || f.Cause != nil {
			t.Errorf("unexpected: %s", describe([]finding.Finding{f}))
		}
	}
}

func TestBaseDoesNotParse(t *testing.T) {
	r := newRepo(t, map[string]string{"main.tf": "resource \"aws_sqs_queue\" \"q\" {\n  name = \n}\n"})
	r.branch()
	r.write(map[string]string{"main.tf": queueOnly})
	r.commit("fix syntax")

	_, err := compareAt(t, r.dir, "main", nil)
	var e *Error
	if !errors.As(err, &e) || e.Kind != ErrBaseUnparsable {
		t.Fatalf("want a base-does-not-parse error, got %v", err)
	}
	if !strings.Contains(e.Msg, "does not parse") || !strings.Contains(e.Msg, "main.tf:2") {
		t.Errorf("message does not say where: %s", e.Msg)
	}

	rep, err := compareAt(t, r.dir, "main", func(o *Options) { o.FallbackAll = true })
	if err != nil {
		t.Fatalf("fallback: %v", err)
	}
	if rep.Comparison == nil || rep.Comparison.Skipped == "" {
		t.Fatalf("fallback comparison = %+v", rep.Comparison)
	}
	if len(rep.Active()) == 0 {
		t.Error("fallback should report every head finding")
	}
	noted := false
	for _, n := range rep.Notes {
		noted = noted || n.Kind == finding.NoteComparison
	}
	if !noted {
		t.Error("no note says the comparison was skipped")
	}
	if len(r.worktrees()) != 1 {
		t.Errorf("worktree left behind: %v", r.worktrees())
	}
}

func TestMissingRef(t *testing.T) {
	r := newRepo(t, map[string]string{"main.tf": queueOnly})
	for _, ref := range []string{"no-such-branch", "origin/nope", "0123456789abcdef0123456789abcdef01234567", "--output=/tmp/x"} {
		_, err := compareAt(t, r.dir, ref, nil)
		var e *Error
		if !errors.As(err, &e) || e.Kind != ErrRefNotFound {
			t.Errorf("%s: want ref-not-found, got %v", ref, err)
			continue
		}
		if !strings.Contains(e.Msg, ref) {
			t.Errorf("%s: message does not name the ref: %s", ref, e.Msg)
		}
	}
}

func TestShallowClone(t *testing.T) {
	origin := newRepo(t, map[string]string{"main.tf": queueOnly})
	for i := range 3 {
		origin.write(map[string]string{"main.tf": queueOnly + strings.Repeat("\n", i+1)})
		origin.commit("main work")
	}
	origin.branch()
	origin.write(map[string]string{"main.tf": twoResources})
	origin.commit("feature")
	origin.git("checkout", "-q", "main")
	origin.write(map[string]string{"other.tf": "# more\n"})
	mainSHA := origin.commit("main moves on")

	dir := filepath.Join(t.TempDir(), "clone")
	runGit(t, filepath.Dir(dir), "clone", "-q", "--depth=1", "--no-single-branch", "--branch", "feature", "file://"+origin.dir, dir)
	clone := &repo{t: t, dir: dir}

	for _, ref := range []string{"origin/main", mainSHA[:12]} {
		_, err := compareAt(t, clone.dir, ref, nil)
		var e *Error
		if !errors.As(err, &e) || e.Kind != ErrShallow {
			t.Fatalf("%s: want a shallow-clone error, got %v", ref, err)
		}
		if !strings.Contains(e.Msg, "fetch-depth: 0") || !strings.Contains(e.Msg, "git fetch") {
			t.Errorf("%s: message does not say how to fetch: %s", ref, e.Msg)
		}
	}
	// Once the history is there, it works.
	runGit(t, dir, "fetch", "-q", "--unshallow")
	rep := mustCompare(t, dir, "origin/main")
	if rep.Comparison.Introduced == 0 {
		t.Error("the feature's security group was not introduced")
	}
}

func TestAutoUsesThePullRequestBase(t *testing.T) {
	r := newRepo(t, map[string]string{"main.tf": queueOnly})
	baseSHA := r.git("rev-parse", "HEAD")
	r.branch()
	r.write(map[string]string{"main.tf": twoResources})
	r.commit("feature")
	event := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(event, []byte(`{"pull_request":{"base":{"sha":"`+baseSHA+`","ref":"main"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"GITHUB_EVENT_PATH": event, "GITHUB_BASE_REF": "main"}
	rep, err := compareAt(t, r.dir, Auto, func(o *Options) { o.Getenv = func(k string) string { return env[k] } })
	if err != nil {
		t.Fatal(err)
	}
	if rep.Comparison.BaseCommit != baseSHA || rep.Comparison.Introduced == 0 {
		t.Errorf("comparison = %+v", rep.Comparison)
	}
	_, err = compareAt(t, r.dir, Auto, func(o *Options) { o.Getenv = func(string) string { return "" } })
	var e *Error
	if !errors.As(err, &e) || e.Kind != ErrRefNotFound || !strings.Contains(e.Msg, "auto") {
		t.Errorf("outside Actions: want a clear error, got %v", err)
	}
}

func TestCancelRemovesWorktree(t *testing.T) {
	r := newRepo(t, map[string]string{"main.tf": queueOnly})
	r.branch()
	r.write(map[string]string{"main.tf": twoResources})
	r.commit("feature")
	opts := Options{Ref: "main", Scan: scanOpts(r.dir)}
	head, err := scanner.Scan(context.Background(), opts.Scan)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var checkedOut string
	opts.afterCheckout = func(dir string) {
		checkedOut = dir
		if _, err := os.Stat(filepath.Join(dir, "main.tf")); err != nil {
			t.Errorf("base not checked out: %v", err)
		}
		cancel() // as Ctrl-C would
	}
	_, err = Compare(ctx, head, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	if checkedOut == "" {
		t.Fatal("the base was never checked out")
	}
	if _, err := os.Stat(filepath.Dir(checkedOut)); !os.IsNotExist(err) {
		t.Errorf("temporary directory %s still exists", filepath.Dir(checkedOut))
	}
	if wts := r.worktrees(); len(wts) != 1 {
		t.Errorf("worktree still registered: %v", wts)
	}
}

func TestHooksAreNotRun(t *testing.T) {
	r := newRepo(t, map[string]string{"main.tf": queueOnly})
	r.branch()
	r.write(map[string]string{"main.tf": twoResources})
	r.commit("feature")
	marker := filepath.Join(t.TempDir(), "hook-ran")
	hook := filepath.Join(r.dir, ".git", "hooks", "post-checkout")
	if err := os.WriteFile(hook, []byte("#!/bin/sh\ntouch "+marker+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	mustCompare(t, r.dir, "main")
	if _, err := os.Stat(marker); err == nil {
		t.Error("the repository's post-checkout hook ran")
	}
}

func TestScanOfASubdirectory(t *testing.T) {
	r := newRepo(t, map[string]string{
		"infra/variables.tf": bucketVars,
		"infra/main.tf":      bucketMain,
		"other/main.tf":      queueOnly,
	})
	r.branch()
	r.write(map[string]string{"infra/variables.tf": strings.Replace(bucketVars, `"private"`, `"public-read"`, 1)})
	r.commit("make the bucket public")
	infra := filepath.Join(r.dir, "infra")
	for _, c := range []struct {
		baseDir, main, vars string
	}{
		{infra, "main.tf", "variables.tf"},
		{r.dir, "infra/main.tf", "infra/variables.tf"},
		{t.TempDir(), "", ""}, // outside the repository: paths start with ../
	} {
		rep, err := compareAt(t, infra, "main", func(o *Options) { o.Scan.BaseDir = c.baseDir })
		if err != nil {
			t.Fatal(err)
		}
		if c.main == "" {
			rel, _ := filepath.Rel(c.baseDir, infra)
			c.main, c.vars = filepath.ToSlash(filepath.Join(rel, "main.tf")), filepath.ToSlash(filepath.Join(rel, "variables.tf"))
		}
		got := introduced(rep)
		if len(got) != 1 || got[0].Range.File != c.main || got[0].Cause == nil || got[0].Cause.Range.File != c.vars {
			t.Errorf("base dir %s: want one finding in %s caused in %s, got:\n%s", c.baseDir, c.main, c.vars, describe(got))
		}
		if rep.Comparison.HeadRootModules != 1 || rep.Comparison.BaseRootModules != 1 {
			t.Errorf("base dir %s: root modules %d/%d", c.baseDir, rep.Comparison.HeadRootModules, rep.Comparison.BaseRootModules)
		}
	}
}

func TestNewModuleCallIsTheCause(t *testing.T) {
	module := `variable "name" {
  type = string
}

resource "aws_sqs_queue" "this" {
  name = var.name
}
`
	r := newRepo(t, map[string]string{
		"main.tf":           "module \"a\" {\n  source = \"./modules/q\"\n  name   = \"a\"\n}\n",
		"modules/q/main.tf": module,
	})
	r.branch()
	r.write(map[string]string{"main.tf": "module \"a\" {\n  source = \"./modules/q\"\n  name   = \"a\"\n}\n\nmodule \"b\" {\n  source = \"./modules/q\"\n  name   = \"b\"\n}\n"})
	r.commit("second queue")
	rep := mustCompare(t, r.dir, "main")
	got := introduced(rep)
	if len(got) == 0 {
		t.Fatal("nothing introduced")
	}
	for _, f := range got {
		if !strings.HasPrefix(f.Resource, "module.b.") || f.Cause == nil || f.Cause.Kind != finding.CauseModuleCall ||
			f.Cause.Range.File != "main.tf" || f.Cause.Range.Start.Line != 6 {
			t.Errorf("want the new module call main.tf:6 as cause: %s", describe([]finding.Finding{f}))
		}
	}
}

func TestNotARepositoryOrNoGit(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(queueOnly), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(dir))
	_, err := compareAt(t, dir, "main", nil)
	var e *Error
	if !errors.As(err, &e) || e.Kind != ErrNotRepository || !strings.Contains(e.Msg, "not in a git repository") {
		t.Errorf("outside a repository: %v", err)
	}
	t.Setenv("PATH", t.TempDir())
	_, err = compareAt(t, dir, "main", nil)
	if !errors.As(err, &e) || e.Kind != ErrGit || !strings.Contains(e.Msg, "needs git") {
		t.Errorf("without git: %v", err)
	}
}
