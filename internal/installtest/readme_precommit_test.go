package installtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestReadmePreCommitConfig runs the README's .pre-commit-config.yaml,
// verbatim but for the repository URL, with the real pre-commit against a
// local copy of this repository tagged v1.0.0: the hook installs (building
// only tfreview, nothing else from `go install ./...`) and fails on an
// insecure staged file, naming the finding.
func TestReadmePreCommitConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("pre-commit builds tfreview")
	}
	if _, err := exec.LookPath("pre-commit"); err != nil {
		t.Skip("pre-commit is not installed (apt-get install pre-commit); the README's config was not run")
	}
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var config string
	for _, m := range regexp.MustCompile("(?ms)^```ya?ml\n(.*?)^```").FindAllStringSubmatch(string(readme), -1) {
		if strings.Contains(m[1], "repos:") && strings.Contains(m[1], "rev: v1.0.0") {
			config = m[1]
		}
	}
	if config == "" {
		t.Fatal("README.md has no pre-commit config with rev: v1.0.0")
	}

	work := t.TempDir()
	// GOFLAGS: -trimpath, because the hook is built in a new directory each
	// run and without it every package of this module would be compiled
	// again (the build cache keys on the source path); -ldflags=-w, because
	// leaving out the debug information saves a third of linking the
	// 160 MB binary. Neither changes what the hook does.
	env := append(os.Environ(), "PRE_COMMIT_HOME="+filepath.Join(work, "cache"),
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "GOFLAGS=-buildvcs=false -trimpath -ldflags=-w")
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		// pre-commit gives golang hooks their own GOPATH; the module cache
		// we already have keeps the test off the network.
		env = append(env, "GOMODCACHE="+strings.TrimSpace(string(out)))
	}
	run := func(dir string, name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	must := func(dir string, name string, args ...string) {
		t.Helper()
		if out, err := run(dir, name, args...); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}

	// The "upstream": this repository's tracked files as they are now.
	upstream := filepath.Join(work, "tfreview")
	files, err := exec.Command("git", "-C", repoRoot, "ls-files", "-z").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range strings.Split(strings.TrimRight(string(files), "\x00"), "\x00") {
		src := filepath.Join(repoRoot, f)
		info, err := os.Lstat(src)
		if err != nil || !info.Mode().IsRegular() {
			continue // deleted in the working tree, or a link
		}
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(upstream, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	must(upstream, "git", "init", "-q", "-b", "main")
	must(upstream, "git", "add", "-A")
	must(upstream, "git", "commit", "-q", "-m", "release")
	must(upstream, "git", "tag", "v1.0.0")

	user := filepath.Join(work, "user")
	if err := os.MkdirAll(filepath.Join(user, "infra"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(config, "https://github.com/tfreview/tfreview", upstream, 1)
	if cfg == config {
		t.Fatal("the README's config does not name https://github.com/tfreview/tfreview")
	}
	os.WriteFile(filepath.Join(user, ".pre-commit-config.yaml"), []byte(cfg), 0o644)
	os.WriteFile(filepath.Join(user, "infra", "main.tf"), []byte("terraform {\n  required_version = \">= 1.5\"\n}\n"), 0o644)
	must(user, "git", "init", "-q", "-b", "main")
	must(user, "git", "add", "-A")
	must(user, "git", "commit", "-q", "-m", "base")
	os.WriteFile(filepath.Join(user, "infra", "bucket.tf"), []byte(`resource "aws_s3_bucket" "public" {
  bucket = "public-bucket"
}

resource "aws_s3_bucket_acl" "public" {
  bucket = aws_s3_bucket.public.id
  acl    = "public-read"
}
`), 0o644)
	must(user, "git", "add", "infra/bucket.tf")

	start := time.Now()
	out, err := run(user, "pre-commit", "run")
	elapsed := time.Since(start)
	t.Logf("first pre-commit run (hook install + scan, build cache as it is) took %v", elapsed)
	if err == nil {
		t.Fatalf("the hook passed an insecure staged file:\n%s", out)
	}
	if !regexp.MustCompile(`infra/bucket\.tf:\d+: (HIGH|CRITICAL)`).MatchString(out) {
		t.Errorf("the hook output does not name the finding in infra/bucket.tf:\n%s", out)
	}

	// What `go install ./...` put in the hook's environment: tfreview only.
	bins, _ := filepath.Glob(filepath.Join(work, "cache", "*", "golangenv-*", "bin", "*"))
	var names []string
	for _, b := range bins {
		names = append(names, filepath.Base(b))
	}
	if len(names) != 1 || names[0] != "tfreview" {
		t.Errorf("the hook's go install ./... built %v, want only tfreview", names)
	}
}
