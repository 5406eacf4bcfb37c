package local

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/reporters/review"
)

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

const tenLines = "l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\nl10\nl11\nl12\nl13\nl14\nl15\n"

// repo: main has infra/a.tf and infra/b.tf; branch feature (upstream main)
// commits a change to a.tf line 2, stages a change to b.tf line 10 and
// leaves infra/new.tf untracked.
func repo(t *testing.T) string {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	write(t, dir, "infra/a.tf", tenLines)
	write(t, dir, "infra/b.tf", tenLines)
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-qm", "base")
	git(t, dir, "checkout", "-qb", "feature")
	git(t, dir, "branch", "-q", "--set-upstream-to=main")
	write(t, dir, "infra/a.tf", strings.Replace(tenLines, "l2\n", "changed2\n", 1))
	git(t, dir, "commit", "-qam", "change a")
	write(t, dir, "infra/b.tf", strings.Replace(tenLines, "l10\n", "staged10\n", 1))
	git(t, dir, "add", "infra/b.tf")
	write(t, dir, "infra/new.tf", "n1\nn2\n")
	return dir
}

func f(id string, sev finding.Severity, file string, line int) finding.Finding {
	return finding.Finding{RuleID: id, Severity: sev, Message: "msg " + id, Resource: "r." + id,
		Range: finding.Range{File: file, Start: finding.Position{Line: line}, End: finding.Position{Line: line}}}
}

func report(dir string) finding.Report {
	return finding.Report{Root: filepath.Join(dir, "infra"), Findings: []finding.Finding{
		f("COMMITTED", finding.SeverityHigh, "a.tf", 2),
		f("OLD", finding.SeverityCritical, "a.tf", 14),
		f("STAGED", finding.SeverityMedium, "b.tf", 10),
		f("UNTRACKED", finding.SeverityLow, "new.tf", 1),
		f("ESC\x1b[2J", finding.SeverityLow, "new.tf", 2),
	}}
}

func TestLocalDiffAgainstUpstreamMergeBase(t *testing.T) {
	dir := repo(t)
	var out bytes.Buffer
	r, err := New(Options{FailOn: finding.SeverityHigh, Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Report(context.Background(), report(dir))
	if err != nil {
		t.Fatal(err)
	}
	if res.InScope != 4 || res.OutOfScope != 1 || !res.Failed {
		t.Errorf("result = %+v\n%s", res, out.String())
	}
	text := out.String()
	for _, want := range []string{"infra/a.tf:2: HIGH COMMITTED: msg COMMITTED", "infra/b.tf:10: MEDIUM STAGED", "infra/new.tf:1: LOW UNTRACKED",
		"4 findings in the changed lines (git diff ", "1 more outside the changed lines (not failing):", "infra/a.tf:14: CRITICAL OLD"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "\x1b") {
		t.Error("control characters from findings reached the terminal")
	}
	// Most severe first.
	if strings.Index(text, "COMMITTED") > strings.Index(text, "STAGED") {
		t.Errorf("not ordered by severity:\n%s", text)
	}
}

func TestLocalExplicitBaseAndModes(t *testing.T) {
	dir := repo(t)
	for _, tc := range []struct {
		base, mode string
		in, out    int
		failed     bool
	}{
		{"HEAD", "added", 3, 2, false},       // only uncommitted: staged + untracked
		{"main", "file", 5, 0, true},         // a.tf:14 is outside the hunk but in a changed file
		{"main", "nofilter", 5, 0, true},     // everything
		{"main", "diff_context", 4, 1, true}, // a.tf:14 is beyond the 3 lines of context
	} {
		var out bytes.Buffer
		r, err := New(Options{DiffBase: tc.base, FilterMode: tc.mode, FailOn: finding.SeverityHigh, Stdout: &out})
		if err != nil {
			t.Fatal(err)
		}
		res, err := r.Report(context.Background(), report(dir))
		if err != nil {
			t.Fatal(err)
		}
		if res.InScope != tc.in || res.OutOfScope != tc.out || res.Failed != tc.failed {
			t.Errorf("%s/%s: result = %+v\n%s", tc.base, tc.mode, res, out.String())
		}
	}
}

func TestLocalUnderPreCommitIgnoresUntracked(t *testing.T) {
	dir := repo(t)
	env := func(k string) string {
		if k == "PRE_COMMIT" {
			return "1"
		}
		return ""
	}
	r, _ := New(Options{DiffBase: "HEAD", Env: env, Stdout: &bytes.Buffer{}})
	res, err := r.Report(context.Background(), report(dir))
	if err != nil {
		t.Fatal(err)
	}
	if res.InScope != 1 { // only the staged change
		t.Errorf("result = %+v", res)
	}
}

func TestLocalRepositoryWithoutCommits(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	git(t, dir, "init", "-q")
	write(t, dir, "infra/a.tf", tenLines)
	git(t, dir, "add", "-A")
	r, _ := New(Options{Stdout: &bytes.Buffer{}})
	res, err := r.Report(context.Background(), finding.Report{Root: filepath.Join(dir, "infra"), Findings: []finding.Finding{f("X", finding.SeverityLow, "a.tf", 3)}})
	if err != nil || res.InScope != 1 {
		t.Errorf("res = %+v, err = %v", res, err)
	}
}

func TestLocalOutsideGit(t *testing.T) {
	r, _ := New(Options{Stdout: &bytes.Buffer{}})
	_, err := r.Report(context.Background(), finding.Report{Root: t.TempDir()})
	var re *review.Error
	if !errors.As(err, &re) {
		t.Errorf("err = %v, want a review.Error", err)
	}
}

// runnerCommands returns the lines of out the GitHub Actions runner would
// act on: split at \n and \r, "::" after its TrimStart (every Unicode
// space) or "##[" anywhere, with ignorable runes skipped as its
// culture-sensitive comparison does.
func runnerCommands(out string) []string {
	skipped := func(r rune) bool {
		return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
	}
	var bad []string
	for _, l := range strings.FieldsFunc(out, func(r rune) bool { return r == '\n' || r == '\r' }) {
		seen := strings.Map(func(r rune) rune {
			if skipped(r) {
				return -1
			}
			return r
		}, l)
		if strings.HasPrefix(strings.TrimLeftFunc(seen, unicode.IsSpace), "::") || strings.Contains(seen, "##[") {
			bad = append(bad, l)
		}
	}
	return bad
}

// TestHostileLocalNames: the pre-commit hook prints file names, rule IDs
// and messages from the scanned tree. None may run a runner command (a
// file name starting with a no-break space or an ideographic space and
// "::error", a name with "##[" inside), move the cursor, or reorder the
// line with bidi controls (Trojan Source): those are shown as escapes.
func TestHostileLocalNames(t *testing.T) {
	dir := repo(t)
	names := []string{"\u00a0::error::nbsp.tf", "\u3000::warning::ideographic.tf", "a##[stop-commands]x.tf", "\u202eexe.tf\u2066", "b#\u200b#[x.tf"}
	var fs []finding.Finding
	for _, n := range names {
		fs = append(fs, finding.Finding{RuleID: "R", Severity: finding.SeverityHigh, Range: finding.Range{File: n, Start: finding.Position{Line: 1}},
			Message: n + "\r\u00a0::error::cr \x1b[2J \u200f\u061c\u202a"})
	}
	var out bytes.Buffer
	r, err := New(Options{FilterMode: "nofilter", Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Report(context.Background(), finding.Report{Root: dir, Findings: fs}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, l := range runnerCommands(text) {
		t.Errorf("line the runner would act on: %q", l)
	}
	if m := regexp.MustCompile("[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]").FindString(text); m != "" {
		t.Errorf("control or bidi character %q printed raw:\n%s", m, text)
	}
	for _, want := range []string{`\u202eexe.tf\u2066`, `\x1b[2J`, `\u200f\u061c\u202a`} {
		if !strings.Contains(text, want) {
			t.Errorf("output does not show %q visibly:\n%s", want, text)
		}
	}
}

// `pre-commit run --from-ref main --to-ref HEAD` sets PRE_COMMIT_FROM_REF
// and PRE_COMMIT_TO_REF: the committed change between them is reviewed,
// not the staged lines, even with no upstream branch.
func TestLocalPreCommitFromToRefs(t *testing.T) {
	dir := repo(t)
	git(t, dir, "branch", "-q", "--unset-upstream")
	env := func(k string) string {
		switch k {
		case "PRE_COMMIT":
			return "1"
		case "PRE_COMMIT_FROM_REF":
			return "main"
		case "PRE_COMMIT_TO_REF":
			return "HEAD"
		}
		return ""
	}
	r, _ := New(Options{Env: env, FailOn: finding.SeverityHigh, Stdout: &bytes.Buffer{}})
	res, err := r.Report(context.Background(), report(dir))
	if err != nil {
		t.Fatal(err)
	}
	if res.InScope != 1 || !res.Failed { // COMMITTED (a.tf:2) only
		t.Errorf("from/to refs: result = %+v", res)
	}
	// Without them and without an upstream: the staged lines, not nothing.
	r, _ = New(Options{Env: func(k string) string {
		if k == "PRE_COMMIT" {
			return "1"
		}
		return ""
	}, Stdout: &bytes.Buffer{}})
	if res, err := r.Report(context.Background(), report(dir)); err != nil || res.InScope != 1 {
		t.Errorf("no upstream: %+v %v (want the staged line)", res, err)
	}
	// A ref that would be an option to git is refused.
	r, _ = New(Options{Env: func(k string) string {
		if k == "PRE_COMMIT_FROM_REF" {
			return "--output=/tmp/x"
		}
		if k == "PRE_COMMIT_TO_REF" {
			return "HEAD"
		}
		return ""
	}, Stdout: &bytes.Buffer{}})
	if _, err := r.Report(context.Background(), report(dir)); err == nil {
		t.Error("a ref starting with - was passed to git")
	}
}
