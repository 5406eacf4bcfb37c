package newsince

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/scanner"
)

// repo is a real git repository in a temporary directory.
type repo struct {
	t   testing.TB
	dir string
}

// gitEnv keeps the tests' own git commands independent of the machine's
// configuration.
var gitEnv = []string{
	"GIT_CONFIG_GLOBAL=/dev/null",
	"GIT_CONFIG_NOSYSTEM=1",
	"GIT_AUTHOR_NAME=test", "GIT_AUTHOR_EMAIL=test@example.com",
	"GIT_COMMITTER_NAME=test", "GIT_COMMITTER_EMAIL=test@example.com",
	"GIT_AUTHOR_DATE=2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2024-01-01T00:00:00Z",
}

func newRepo(t testing.TB, files map[string]string) *repo {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := &repo{t: t, dir: dir}
	r.git("init", "-q", "-b", "main")
	r.write(files)
	r.commit("base")
	return r
}

func (r *repo) git(args ...string) string {
	r.t.Helper()
	return runGit(r.t, r.dir, args...)
}

func runGit(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), gitEnv...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r *repo) write(files map[string]string) {
	r.t.Helper()
	for name, content := range files {
		p := filepath.Join(r.dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
}

func (r *repo) remove(names ...string) {
	r.t.Helper()
	for _, n := range names {
		if err := os.Remove(filepath.Join(r.dir, filepath.FromSlash(n))); err != nil {
			r.t.Fatal(err)
		}
	}
}

func (r *repo) commit(msg string) string {
	r.t.Helper()
	r.git("add", "-A")
	r.git("commit", "-q", "--allow-empty", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

// branch starts a feature branch, as a pull request would.
func (r *repo) branch() { r.git("checkout", "-q", "-b", "feature") }

func scanOpts(dir string) scanner.Options {
	return scanner.Options{Paths: []string{dir}, BaseDir: dir}
}

// compareAt scans dir's working tree and compares it with ref.
func compareAt(t testing.TB, dir, ref string, edit func(*Options)) (finding.Report, error) {
	t.Helper()
	opts := Options{Ref: ref, Scan: scanOpts(dir)}
	if edit != nil {
		edit(&opts)
	}
	head, err := scanner.Scan(context.Background(), opts.Scan)
	if err != nil {
		t.Fatalf("scan head: %v", err)
	}
	return Compare(context.Background(), head, opts)
}

func mustCompare(t testing.TB, dir, ref string) finding.Report {
	t.Helper()
	rep, err := compareAt(t, dir, ref, nil)
	if err != nil {
		t.Fatalf("compare: %v", err)
	}
	if rep.Comparison == nil {
		t.Fatal("no comparison in the report")
	}
	return rep
}

func introduced(rep finding.Report) []finding.Finding {
	return rep.Active()
}

// describe lists findings one per line, for failure messages.
func describe(fs []finding.Finding) string {
	var lines []string
	for _, f := range fs {
		l := fmt.Sprintf("%s %s:%d %s", f.RuleID, f.Range.File, f.Range.Start.Line, f.Resource)
		if f.AttributePath != "" {
			l += " (" + f.AttributePath + ")"
		}
		if f.Cause != nil {
			l += fmt.Sprintf(" cause=%s %s:%d %q", f.Cause.Kind, f.Cause.Range.File, f.Cause.Range.Start.Line, f.Cause.Message)
		}
		lines = append(lines, l)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// worktrees lists the repository's registered worktrees.
func (r *repo) worktrees() []string {
	var out []string
	for _, l := range strings.Split(r.git("worktree", "list", "--porcelain"), "\n") {
		if p, ok := strings.CutPrefix(l, "worktree "); ok {
			out = append(out, p)
		}
	}
	return out
}
