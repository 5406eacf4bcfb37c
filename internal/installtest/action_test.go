package installtest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const repoRoot = "../.."

// actionStep returns the run script and env of one step of action.yml.
func actionStep(t *testing.T, name string) (run string, env map[string]string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		Runs struct {
			Steps []struct {
				Name string            `yaml:"name"`
				Run  string            `yaml:"run"`
				Env  map[string]string `yaml:"env"`
				Uses string            `yaml:"uses"`
				If   string            `yaml:"if"`
			} `yaml:"steps"`
		} `yaml:"runs"`
	}
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	for _, s := range a.Runs.Steps {
		if s.Name == name {
			return s.Run, s.Env
		}
	}
	t.Fatalf("action.yml has no step %q", name)
	return "", nil
}

// tagRepo makes a repository with the tags a release leaves: v1.2.2 on an
// older commit, and v1.2.3 with the moving v1 (annotated, as the release
// workflow makes it) on the next, v2.0.0 after it and main ahead of all.
func tagRepo(t *testing.T) (dir, head string) {
	t.Helper()
	dir = t.TempDir()
	git := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q", "-b", "main")
	git("commit", "-q", "--allow-empty", "-m", "one")
	git("tag", "v1.2.2")
	git("commit", "-q", "--allow-empty", "-m", "two")
	git("tag", "-a", "-m", "v1.2.3", "v1.2.3")
	git("tag", "-a", "-m", "v1 -> v1.2.3", "v1", "v1.2.3^{commit}")
	git("commit", "-q", "--allow-empty", "-m", "three")
	// A newer major elsewhere: @v1 must still mean v1's commit.
	git("tag", "v2.0.0")
	git("commit", "-q", "--allow-empty", "-m", "four, on main only")
	return dir, git("rev-parse", "v1.2.3^{commit}")
}

type actionInstall struct {
	code           int
	log            string
	outputs        string
	toolCache      string
	marker         string
	requestsBefore int32
}

// runInstallStep runs action.yml's install step as the runner would: its
// script under bash -e, its env with the expressions filled in.
func runInstallStep(t *testing.T, srv *releaseServer, toolCache, ref, tagsRemote string) actionInstall {
	t.Helper()
	run, env := actionStep(t, "Install tfreview")
	for k, v := range env {
		if !strings.HasPrefix(v, "${{") {
			t.Fatalf("env %s = %q: want an expression", k, v)
		}
	}
	actionPath, _ := filepath.Abs(repoRoot)
	tmp := t.TempDir()
	r := actionInstall{toolCache: toolCache, marker: filepath.Join(tmp, "ran"), requestsBefore: srv.requests.Load()}
	output := filepath.Join(tmp, "output")
	cmd := exec.Command("bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", run)
	cmd.Env = append(os.Environ(),
		"ACTION_PATH="+actionPath,
		"ACTION_REF="+ref,
		"ACTION_REPOSITORY=tfreview/tfreview",
		"INPUT_TFREVIEW_VERSION=",
		"RUNNER_OS=Linux", "RUNNER_ARCH=X64",
		"RUNNER_TOOL_CACHE="+toolCache,
		"RUNNER_TEMP="+tmp,
		"GITHUB_OUTPUT="+output,
		"GITHUB_SERVER_URL=http://127.0.0.1:1", // nothing listens: every URL must come from the overrides
		"TFREVIEW_DOWNLOAD_URL="+srv.URL,
		"TFREVIEW_REPOSITORY_URL="+tagsRemote,
		"TFREVIEW_COSIGN=0",
		"TFREVIEW_RAN_MARKER="+r.marker,
	)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	out, _ := os.ReadFile(output)
	r.log, r.outputs = log.String(), string(out)
	return r
}

func (r actionInstall) requests(srv *releaseServer) int32 {
	return srv.requests.Load() - r.requestsBefore
}

// TestActionInstallsTheReleaseOfItsRef: @v1 (a moving, annotated tag)
// installs the release on v1's commit, v1.2.3, not v1.2.2 and not a build;
// the binary lands in the tool cache, and a second job takes it from there
// without downloading anything.
func TestActionInstallsTheReleaseOfItsRef(t *testing.T) {
	files, _ := goodRelease(t)
	files["checksums.txt"] = checksums(files)
	srv := serveRelease(t, tag, files)
	tags, head := tagRepo(t)
	toolCache := t.TempDir()
	bin := filepath.Join(toolCache, "tfreview", "1.2.3", "x64", "tfreview")

	for _, ref := range []string{"v1", "v1.2.3", head} {
		t.Run(ref, func(t *testing.T) {
			os.RemoveAll(filepath.Join(toolCache, "tfreview"))
			r := runInstallStep(t, srv, toolCache, ref, tags)
			if r.code != 0 {
				t.Fatalf("exit %d:\n%s", r.code, r.log)
			}
			if r.outputs != "bin="+bin+"\n" {
				t.Errorf("outputs %q, want bin=%s", r.outputs, bin)
			}
			if strings.Contains(r.log, "built from source") || strings.Contains(r.outputs, "build=true") {
				t.Errorf("a release ref was built from source:\n%s", r.log)
			}
			if _, err := os.Stat(bin); err != nil {
				t.Errorf("not in the tool cache: %v", err)
			}
			if _, err := os.Stat(filepath.Dir(bin) + ".complete"); err != nil {
				t.Errorf("tool cache entry not marked complete: %v", err)
			}
		})
	}

	again := runInstallStep(t, srv, toolCache, "v1", tags)
	if again.code != 0 || !strings.Contains(again.log, "tfreview v1.2.3 from the tool cache") || again.requests(srv) != 0 {
		t.Errorf("second run: exit %d, %d requests:\n%s", again.code, again.requests(srv), again.log)
	}
}

// TestActionBuildsOnlyRefsThatAreNotReleases: a branch, or a commit no
// release tag points at, is built from source, and the log says so.
func TestActionBuildsOnlyRefsThatAreNotReleases(t *testing.T) {
	srv := serveRelease(t, tag, map[string][]byte{})
	tags, _ := tagRepo(t)
	mainHead := strings.TrimSpace(func() string {
		out, _ := exec.Command("git", "-C", tags, "rev-parse", "main").Output()
		return string(out)
	}())
	for _, ref := range []string{"main", mainHead, "v3", ""} {
		r := runInstallStep(t, srv, t.TempDir(), ref, tags)
		if r.code != 0 || r.outputs != "build=true\n" || !strings.Contains(r.log, "is not a release, so tfreview is built from source") {
			t.Errorf("ref %q: exit %d, outputs %q:\n%s", ref, r.code, r.outputs, r.log)
		}
		if n := r.requests(srv); n != 0 {
			t.Errorf("ref %q: %d downloads for a source build", ref, n)
		}
	}
}

// TestActionRefusesATamperedRelease: the action's install step fails on an
// archive that does not match checksums.txt, leaves nothing in the tool
// cache (so the next job does not pick it up) and runs nothing.
func TestActionRefusesATamperedRelease(t *testing.T) {
	files, _ := goodRelease(t)
	files["checksums.txt"] = checksums(files)
	files[archiveName(tag)] = targz(t, tarEntry{name: "tfreview", body: stubBinary("echo pwned\n")})
	srv := serveRelease(t, tag, files)
	tags, _ := tagRepo(t)
	toolCache := t.TempDir()
	r := runInstallStep(t, srv, toolCache, "v1", tags)
	if r.code == 0 || !strings.Contains(r.log, "checksum mismatch for "+archiveName(tag)) {
		t.Fatalf("exit %d, want a checksum refusal:\n%s", r.code, r.log)
	}
	if strings.Contains(r.outputs, "bin=") || strings.Contains(r.outputs, "build=true") {
		t.Errorf("outputs after a refusal: %q", r.outputs)
	}
	var left []string
	filepath.Walk(toolCache, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			left = append(left, p)
		}
		return nil
	})
	if len(left) > 0 {
		t.Errorf("tool cache holds %v after a refusal", left)
	}
	if _, err := os.Stat(r.marker); err == nil {
		t.Error("the tampered binary was run")
	}
}
