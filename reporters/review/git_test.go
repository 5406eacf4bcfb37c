package review

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func testGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	c := exec.Command("git", args...)
	c.Dir = dir
	c.Env = append(os.Environ(),
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=test", "GIT_COMMITTER_EMAIL=test@example.com")
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// The local reporter's diff runs none of the programs a poisoned
// repository names (a clean/smudge filter for .tf files in
// .gitattributes, a textconv and external diff driver, fsmonitor, a
// hook), and an untracked symbolic link to a file outside the repository
// is not read as a new file.
func TestHostileGitDiffRunsNothingFromTheRepository(t *testing.T) {
	dir, markers, outside := t.TempDir(), t.TempDir(), t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	testGit(t, dir, "init", "-q", "-b", "main")
	write(".gitattributes", "*.tf filter=pwn diff=pwn\n")
	write("main.tf", "resource \"aws_s3_bucket\" \"b\" {}\n")
	testGit(t, dir, "add", "-A")
	testGit(t, dir, "commit", "-q", "-m", "base")
	for key, name := range map[string]string{
		"filter.pwn.clean":  "clean",
		"filter.pwn.smudge": "smudge",
		"diff.pwn.textconv": "textconv",
		"diff.pwn.command":  "diffcommand",
		"diff.external":     "external",
		"core.fsmonitor":    "fsmonitor",
	} {
		testGit(t, dir, "config", key, "touch "+filepath.Join(markers, name)+"; cat")
	}
	write("main.tf", "resource \"aws_s3_bucket\" \"b\" {\n  acl = \"public-read\"\n}\n")
	secret := filepath.Join(outside, "secret.tf")
	if err := os.WriteFile(secret, []byte("outside = true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, "evil.tf")); err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	base, err := DefaultDiffBase(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	fds, err := GitDiff(ctx, dir, base, "", true)
	if err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(markers)
	for _, e := range ents {
		t.Errorf("the repository's %s program ran", e.Name())
	}
	var files []string
	for _, fd := range fds {
		files = append(files, fd.PathNew)
	}
	if len(fds) != 1 || fds[0].PathNew != "b/main.tf" || len(fds[0].Hunks) == 0 {
		t.Errorf("diff files = %v, want only b/main.tf with its change", files)
	}
}
