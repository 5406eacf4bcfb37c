package newsince

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// setHostileConfig makes the repository's own configuration name
// programs that create marker files, as a poisoned checkout would: a
// filter for every .tf file (the pull request's .gitattributes asks for
// it), a textconv and an external diff driver, and a post-checkout hook.
func setHostileConfig(t *testing.T, r *repo) (markers string) {
	t.Helper()
	markers = t.TempDir()
	for key, name := range map[string]string{
		"filter.pwn.smudge": "smudge",
		"filter.pwn.clean":  "clean",
		"diff.pwn.textconv": "textconv",
		"diff.pwn.command":  "diffcommand",
		"diff.external":     "external",
	} {
		r.git("config", key, "touch "+filepath.Join(markers, name)+"; cat")
	}
	hook := filepath.Join(r.dir, ".git", "hooks", "post-checkout")
	if err := os.WriteFile(hook, []byte("#!/bin/sh\ntouch "+filepath.Join(markers, "hook")+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return markers
}

func markersIn(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// A smudge filter (and the other drivers) named by .gitattributes and
// defined in .git/config does not run when --new-since reads the base, or
// when it diffs the working tree, which has an uncommitted change too.
func TestHostileFilterDoesNotRunOnBaseRead(t *testing.T) {
	r := newRepo(t, map[string]string{"main.tf": queueOnly, ".gitattributes": "*.tf filter=pwn diff=pwn\n"})
	r.branch()
	r.write(map[string]string{"main.tf": twoResources})
	r.commit("feature")
	markers := setHostileConfig(t, r)
	r.write(map[string]string{"main.tf": twoResources + "\n# uncommitted\n"})

	rep := mustCompare(t, r.dir, "main")
	if got := markersIn(t, markers); len(got) > 0 {
		t.Errorf("the repository's programs ran: %v", got)
	}
	if rep.Comparison.BaseRootModules != 1 || len(introduced(rep)) == 0 {
		t.Errorf("the base was not compared: %+v\n%s", rep.Comparison, describe(introduced(rep)))
	}
}

const insecureBucket = `resource "aws_s3_bucket" "outside" {
  bucket = "outside"
}

resource "aws_s3_bucket_acl" "outside" {
  bucket = aws_s3_bucket.outside.id
  acl    = "public-read"
}
`

// outsideModuleCache is a directory outside the repository laid out as a
// .terraform module cache holding an insecure module "ext", and an
// insecure .tf file.
func outsideModuleCache(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"modules/modules.json": `{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"ext","Source":"registry.terraform.io/acme/ext/aws","Version":"1.0.0","Dir":".terraform/modules/ext"}]}`,
		"modules/ext/main.tf":  insecureBucket,
		"insecure.tf":          insecureBucket,
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// The pull request adds a .terraform symbolic link to a module cache
// outside the repository (the head scan refuses to follow it) and
// removes a .tf file the base had linked to an insecure file outside.
// Neither is scanned as the base: nothing from outside is listed as
// resolved. (The old code copied the linked cache into the base, whose
// findings then showed as fixed by the pull request.)
func TestHostileTerraformLinkIsNotCopiedIntoBase(t *testing.T) {
	outside := outsideModuleCache(t)
	main := queueOnly + "\nmodule \"ext\" {\n  source  = \"acme/ext/aws\"\n  version = \"1.0.0\"\n}\n"
	r := newRepo(t, map[string]string{"main.tf": main})
	if err := os.Symlink(filepath.Join(outside, "insecure.tf"), filepath.Join(r.dir, "evil.tf")); err != nil {
		t.Fatal(err)
	}
	r.commit("a link out of the repository")
	r.branch()
	r.remove("evil.tf")
	if err := os.Symlink(outside, filepath.Join(r.dir, ".terraform")); err != nil {
		t.Fatal(err)
	}
	r.git("add", "-f", ".terraform")
	r.write(map[string]string{"main.tf": strings.Replace(main, "jobs", "jobs2", 1)})
	r.commit("feature")

	rep := mustCompare(t, r.dir, "main")
	for _, f := range rep.Comparison.Resolved {
		if strings.Contains(f.Range.File, ".terraform") || strings.Contains(f.Range.File, "evil.tf") || strings.Contains(f.Resource, "outside") {
			t.Errorf("the base scan read outside the repository:\n%s", describe(rep.Comparison.Resolved))
			break
		}
	}
}

// The working tree's module caches are copied into the base without
// following a link: not a .terraform linked out of the root, not a
// modules directory linked to .., not a file linked outside.
func TestHostileModuleCacheCopyFollowsNoLink(t *testing.T) {
	outside := outsideModuleCache(t)
	head, base := t.TempDir(), t.TempDir()
	mkdir := func(p string) {
		if err := os.MkdirAll(filepath.Join(head, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, p string) {
		if err := os.Symlink(target, filepath.Join(head, p)); err != nil {
			t.Fatal(err)
		}
	}
	mkdir("a")
	link(outside, "a/.terraform")
	mkdir("b/.terraform")
	link("../../..", "b/.terraform/modules")
	mkdir("c/.terraform/modules/ok")
	if err := os.WriteFile(filepath.Join(head, "c/.terraform/modules/ok/main.tf"), []byte(queueOnly), 0o644); err != nil {
		t.Fatal(err)
	}
	link(filepath.Join(outside, "insecure.tf"), "c/.terraform/modules/ok/evil.tf")
	link(filepath.Join(outside, "modules"), "c/.terraform/modules/linked")
	for _, d := range []string{"a", "b", "c"} {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}

	copyModuleCaches(head, base, []string{"a", "b", "c"}, slog.New(slog.NewTextHandler(io.Discard, nil)))

	for _, p := range []string{"a/.terraform", "b/.terraform/modules", "c/.terraform/modules/ok/evil.tf", "c/.terraform/modules/linked"} {
		if _, err := os.Lstat(filepath.Join(base, p)); err == nil {
			t.Errorf("%s was copied", p)
		}
	}
	if b, err := os.ReadFile(filepath.Join(base, "c/.terraform/modules/ok/main.tf")); err != nil || string(b) != queueOnly {
		t.Errorf("the real module cache was not copied: %v", err)
	}
}
