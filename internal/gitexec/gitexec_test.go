package gitexec

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// testEnv keeps the tests' own git commands independent of the machine's
// configuration.
var testEnv = []string{
	"GIT_CONFIG_GLOBAL=/dev/null",
	"GIT_CONFIG_NOSYSTEM=1",
	"GIT_AUTHOR_NAME=test", "GIT_AUTHOR_EMAIL=test@example.com",
	"GIT_COMMITTER_NAME=test", "GIT_COMMITTER_EMAIL=test@example.com",
}

func rawGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	c := exec.Command("git", args...)
	c.Dir = dir
	c.Env = append(os.Environ(), testEnv...)
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func write(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// hostileRepo is a repository whose .gitattributes sends every .tf file
// through a filter and a diff driver that its .git/config defines as
// programs creating marker files, as a checkout of a pull request with a
// poisoned configuration would be. It returns the repository, its first
// commit and the marker directory.
func hostileRepo(t *testing.T) (dir, commit, markers string) {
	t.Helper()
	dir, markers = t.TempDir(), t.TempDir()
	rawGit(t, dir, "init", "-q", "-b", "main")
	write(t, filepath.Join(dir, ".gitattributes"), "*.tf filter=pwn diff=pwn\n")
	write(t, filepath.Join(dir, "main.tf"), "resource \"aws_s3_bucket\" \"b\" {}\n")
	rawGit(t, dir, "add", "-A")
	rawGit(t, dir, "commit", "-q", "-m", "base")
	commit = rawGit(t, dir, "rev-parse", "HEAD")
	// Configured after the commit, so that setting up runs nothing.
	for key, marker := range map[string]string{
		"filter.pwn.clean":    "clean",
		"filter.pwn.smudge":   "smudge",
		"diff.pwn.textconv":   "textconv",
		"diff.pwn.command":    "diffcommand",
		"core.fsmonitor":      "fsmonitor",
		"diff.external":       "external",
		"core.pager":          "pager",
		"filter.pwn.required": "",
	} {
		val := "touch " + filepath.Join(markers, marker) + "; cat"
		if marker == "" {
			val = "true"
		}
		rawGit(t, dir, "config", key, val)
	}
	hook := filepath.Join(dir, ".git", "hooks", "post-checkout")
	write(t, hook, "#!/bin/sh\ntouch "+filepath.Join(markers, "hook")+"\n")
	if err := os.Chmod(hook, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, commit, markers
}

func ran(t *testing.T, markers string) []string {
	t.Helper()
	ents, err := os.ReadDir(markers)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// The repository's filter, textconv, external diff and fsmonitor
// programs run under plain git (the control) and not under the runner.
func TestHostileConfigRunsNothingOnDiff(t *testing.T) {
	dir, commit, markers := hostileRepo(t)
	write(t, filepath.Join(dir, "main.tf"), "resource \"aws_s3_bucket\" \"b\" {\n  acl = \"public-read\"\n}\n")

	// Control: plain git runs the repository's programs, so the test can
	// fail.
	c := exec.Command("git", "diff", commit, "--")
	c.Dir = dir
	c.Env = append(os.Environ(), testEnv...)
	_, _ = c.CombinedOutput()
	if got := ran(t, markers); len(got) == 0 {
		t.Fatal("control: plain git ran none of the repository's programs; the test proves nothing")
	}
	for _, m := range ran(t, markers) {
		os.Remove(filepath.Join(markers, m))
	}

	r, err := New(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"diff", commit, "--"},
		{"diff", "--no-ext-diff", "--no-textconv", "-U0", commit, "--"},
		{"diff", "--name-status", "-M", commit, "--"},
		{"status", "--porcelain"},
		{"ls-files", "-z", "--others", "--exclude-standard"},
	} {
		out, err := r.Run(context.Background(), args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if args[0] == "diff" && len(args) == 3 && !strings.Contains(string(out), "+  acl") {
			t.Errorf("%v: the diff lost the change:\n%s", args, out)
		}
	}
	if got := ran(t, markers); len(got) > 0 {
		t.Errorf("the repository's programs ran: %v", got)
	}
}

// GIT_* variables from the environment (an external diff, another
// repository) do not reach git.
func TestHostileEnvironmentIsNotPassed(t *testing.T) {
	dir, commit, markers := hostileRepo(t)
	write(t, filepath.Join(dir, "main.tf"), "# changed\n")
	t.Setenv("GIT_EXTERNAL_DIFF", filepath.Join(markers, "nonexistent-program"))
	t.Setenv("GIT_DIR", filepath.Join(markers, "elsewhere"))
	r, err := New(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.Run(context.Background(), "diff", commit, "--")
	if err != nil || !strings.Contains(string(out), "+# changed") {
		t.Fatalf("diff = %q, %v", out, err)
	}
	env := Env([]string{"GIT_SSH_COMMAND=x", "GIT_CONFIG_PARAMETERS='core.pager=x'", "GIT_CEILING_DIRECTORIES=/a", "HOME=/h"})
	for _, kv := range env {
		if strings.HasPrefix(kv, "GIT_SSH_COMMAND=") || strings.HasPrefix(kv, "GIT_CONFIG_PARAMETERS=") {
			t.Errorf("passed through: %s", kv)
		}
	}
	if !slices.Contains(env, "GIT_CEILING_DIRECTORIES=/a") || !slices.Contains(env, "HOME=/h") || !slices.Contains(env, "GIT_CONFIG_NOSYSTEM=1") {
		t.Errorf("env = %v", env)
	}
}

// The base is read from the object database: the smudge filter and the
// post-checkout hook do not run, the files are the committed bytes,
// symbolic links (out of the tree, or to ..) and submodules are left out.
func TestHostileExtractTree(t *testing.T) {
	dir, _, markers := hostileRepo(t)
	outside := t.TempDir()
	write(t, filepath.Join(outside, "modules", "evil", "main.tf"), "resource \"aws_s3_bucket\" \"evil\" {}\n")
	for link, target := range map[string]string{".terraform": outside, "up": "..", "evil.tf": filepath.Join(outside, "modules", "evil", "main.tf")} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(dir, "nested", "dir", "vars.tf"), "variable \"x\" {}\n")
	rawGit(t, dir, "-c", "filter.pwn.clean=cat", "-c", "filter.pwn.smudge=cat", "add", "-A")
	head := rawGit(t, dir, "rev-parse", "HEAD")
	rawGit(t, dir, "update-index", "--add", "--cacheinfo", "160000,"+head+",sub")
	rawGit(t, dir, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "links")
	commit := rawGit(t, dir, "rev-parse", "HEAD")
	for _, m := range ran(t, markers) { // setting up ran some
		os.Remove(filepath.Join(markers, m))
	}

	r, err := New(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	ex, err := r.ExtractTree(context.Background(), commit, dst, ExtractLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ran(t, markers); len(got) > 0 {
		t.Errorf("the repository's programs ran: %v", got)
	}
	b, err := os.ReadFile(filepath.Join(dst, "main.tf"))
	if err != nil || string(b) != "resource \"aws_s3_bucket\" \"b\" {}\n" {
		t.Errorf("main.tf = %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(dst, "nested", "dir", "vars.tf")); err != nil {
		t.Error(err)
	}
	for _, p := range []string{".terraform", "up", "evil.tf", "sub"} {
		if _, err := os.Lstat(filepath.Join(dst, p)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s was written: %v", p, err)
		}
	}
	var skipped []string
	for _, s := range ex.Skipped {
		skipped = append(skipped, s.Path+":"+s.Reason)
	}
	slices.Sort(skipped)
	want := []string{".terraform:symlink", "evil.tf:symlink", "sub:submodule", "up:symlink"}
	if !slices.Equal(skipped, want) {
		t.Errorf("skipped %v, want %v", skipped, want)
	}
	if ex.Files != 3 {
		t.Errorf("files = %d, want 3", ex.Files)
	}

	if _, err := r.ExtractTree(context.Background(), commit, t.TempDir(), ExtractLimits{MaxFiles: 2}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("file limit: %v", err)
	}
	if _, err := r.ExtractTree(context.Background(), commit, t.TempDir(), ExtractLimits{MaxBytes: 10}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("byte limit: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.ExtractTree(ctx, commit, t.TempDir(), ExtractLimits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestFilterName(t *testing.T) {
	for key, want := range map[string]string{
		"filter.lfs.smudge":    "lfs",
		"filter.a.b.clean":     "a.b",
		"filter.Mixed.process": "Mixed",
		"diff.x.textconv":      "",
		"filter.clean":         "",
		"filter.x=y.clean":     "",
		"\nfilter.nl.required": "nl",
	} {
		got, ok := filterName(key)
		if got != want || ok != (want != "") {
			t.Errorf("filterName(%q) = %q, %v", key, got, ok)
		}
	}
}

// TestFetcherTransportAndCredentials: a fetching runner may use the
// protocols its Transport allows and no other, and keeps the user's
// credential helpers (a plain Runner empties them), with hooks still off.
func TestFetcherTransportAndCredentials(t *testing.T) {
	src, _, _ := hostileRepo(t)
	global := filepath.Join(t.TempDir(), "gitconfig")
	write(t, global, "[credential]\n\thelper = store\n")
	t.Setenv("GIT_CONFIG_GLOBAL", global)
	ctx := context.Background()
	newRepo := func() string {
		dir := t.TempDir()
		rawGit(t, dir, "init", "-q", "--bare")
		return dir
	}

	closed, err := NewFetcher(ctx, newRepo(), Transport{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := closed.Run(ctx, "fetch", "-q", "file://"+src, "main"); err == nil || !strings.Contains(err.Error(), "not allowed") {
		t.Errorf("file:// without Transport.File: err = %v", err)
	}
	open, err := NewFetcher(ctx, newRepo(), Transport{File: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := open.Run(ctx, "fetch", "-q", "file://"+src, "main"); err != nil {
		t.Errorf("file:// with Transport.File: %v", err)
	}

	helpers := func(r *Runner) []string {
		out, _ := r.Run(ctx, "config", "--get-all", "credential.helper")
		return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	}
	if got := helpers(open); !slices.Equal(got, []string{"store"}) {
		t.Errorf("fetcher's credential helpers = %q, want the user's", got)
	}
	plain, err := New(ctx, newRepo())
	if err != nil {
		t.Fatal(err)
	}
	if got := helpers(plain); got[len(got)-1] != "" {
		t.Errorf("plain runner's credential helpers = %q, want them emptied", got)
	}
	if got, _ := open.Line(ctx, "config", "core.hooksPath"); got != "/dev/null" {
		t.Errorf("fetcher's core.hooksPath = %q", got)
	}
}
