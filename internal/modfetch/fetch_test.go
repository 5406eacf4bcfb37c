package modfetch

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tfreview/tfreview/internal/testutil/registrytest"
)

const bucketTF = `resource "aws_s3_bucket" "this" {
  bucket = var.name
}
`

func newFetcher(t *testing.T, cache string, env map[string]string) *Fetcher {
	t.Helper()
	f, err := New(Options{CacheDir: cache, Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestRegistryConstraint: the newest version meeting the constraint is
// fetched (not a newer major, not a pre-release), by the registry
// protocol's requests; a second Fetcher on the same cache asks nothing.
func TestRegistryConstraint(t *testing.T) {
	reg := registrytest.New(t, registrytest.Modules{
		"acme/bucket/aws": {
			"1.0.0":      registrytest.TarGz(t, map[string]string{"main.tf": "# 1.0.0\n" + bucketTF}),
			"1.2.0":      registrytest.TarGz(t, map[string]string{"main.tf": "# 1.2.0\n" + bucketTF, "modules/sub/main.tf": "# sub\n"}),
			"1.3.0-beta": registrytest.TarGz(t, map[string]string{"main.tf": "# beta\n"}),
			"2.0.0":      registrytest.TarGz(t, map[string]string{"main.tf": "# 2.0.0\n"}),
		},
	})
	cache := t.TempDir()
	src := reg.Host() + "/acme/bucket/aws//modules/sub"
	m, err := newFetcher(t, cache, nil).Fetch(context.Background(), src, "~> 1.0")
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != "1.2.0" || m.Subdir != "modules/sub" {
		t.Errorf("got version %q subdir %q, want 1.2.0 modules/sub", m.Version, m.Subdir)
	}
	if got := readFile(t, filepath.Join(m.Dir, "main.tf")); !strings.HasPrefix(got, "# 1.2.0") {
		t.Errorf("fetched main.tf = %q", got)
	}
	want := []string{"/.well-known/terraform.json", "/api/modules/v1/acme/bucket/aws/versions", "/api/modules/v1/acme/bucket/aws/1.2.0/download"}
	if got := reg.Paths(); !slices.Equal(got, want) {
		t.Errorf("registry requests = %q, want %q", got, want)
	}
	if got := reg.Files.Paths(); !slices.Equal(got, []string{"/archives/acme/bucket/aws/1.2.0.tar.gz"}) {
		t.Errorf("archive requests = %q", got)
	}

	reg.Reset()
	reg.Files.Reset()
	again, err := newFetcher(t, cache, nil).Fetch(context.Background(), src, "~> 1.0")
	if err != nil {
		t.Fatal(err)
	}
	if again != m {
		t.Errorf("second run got %+v, want %+v", again, m)
	}
	if n := len(reg.Requests()) + len(reg.Files.Requests()); n != 0 {
		t.Errorf("second run made %d requests: %q %q", n, reg.Paths(), reg.Files.Paths())
	}

	// Another constraint is resolved again, and shares nothing it should not.
	m1, err := newFetcher(t, cache, nil).Fetch(context.Background(), src, "< 1.1")
	if err != nil {
		t.Fatal(err)
	}
	if m1.Version != "1.0.0" || m1.Key == m.Key {
		t.Errorf("< 1.1 got %+v", m1)
	}
}

// TestTokenStaysOnRegistry: TF_TOKEN_<host> goes to the registry's
// requests and to no other origin: not to the archive host, whether the
// registry points there or redirects there.
func TestTokenStaysOnRegistry(t *testing.T) {
	for _, redirect := range []bool{false, true} {
		reg := registrytest.New(t, registrytest.Modules{
			"acme/bucket/aws": {"1.0.0": registrytest.TarGz(t, map[string]string{"main.tf": bucketTF})},
		})
		if redirect {
			reg.Location = func(addr, v string) string {
				return reg.URL + "/redirect/archives/" + addr + "/" + v + ".tar.gz"
			}
		}
		env := map[string]string{"TF_TOKEN_127_0_0_1": "s3cret"}
		if _, err := newFetcher(t, t.TempDir(), env).Fetch(context.Background(), reg.Host()+"/acme/bucket/aws", "1.0.0"); err != nil {
			t.Fatal(err)
		}
		for _, r := range reg.Requests() {
			if r.Auth != "Bearer s3cret" {
				t.Errorf("redirect=%v: registry request %s had Authorization %q", redirect, r.Path, r.Auth)
			}
		}
		files := reg.Files.Requests()
		if len(files) != 1 {
			t.Fatalf("redirect=%v: archive requests %+v", redirect, files)
		}
		if files[0].Auth != "" {
			t.Errorf("redirect=%v: the archive host received Authorization %q", redirect, files[0].Auth)
		}
	}
}

// TestHostileArchives: an archive that would write outside its package,
// holds a link or a special file, or is over a limit is refused whole,
// and nothing of it reaches the cache.
func TestHostileArchives(t *testing.T) {
	big := strings.Repeat("x", 4096)
	cases := map[string][]byte{
		"dotdot":      registrytest.TarGzEntries(t, []registrytest.Entry{{Name: "main.tf", Body: bucketTF}, {Name: "../../escaped.tf", Body: "x"}}),
		"absolute":    registrytest.TarGzEntries(t, []registrytest.Entry{{Name: "/tmp/escaped.tf", Body: "x"}}),
		"symlink":     registrytest.TarGzEntries(t, []registrytest.Entry{{Name: "main.tf", Body: bucketTF}, {Name: "passwd.tf", Link: "/etc/passwd", Type: tar.TypeSymlink}}),
		"hardlink":    registrytest.TarGzEntries(t, []registrytest.Entry{{Name: "main.tf", Body: bucketTF}, {Name: "h.tf", Link: "main.tf", Type: tar.TypeLink}}),
		"fifo":        registrytest.TarGzEntries(t, []registrytest.Entry{{Name: "p", Type: tar.TypeFifo}}),
		"oversize":    registrytest.TarGzEntries(t, []registrytest.Entry{{Name: "a.tf", Body: big}, {Name: "b.tf", Body: big}}),
		"many":        registrytest.TarGzEntries(t, []registrytest.Entry{{Name: "1.tf"}, {Name: "2.tf"}, {Name: "3.tf"}, {Name: "4.tf"}, {Name: "5.tf"}}),
		"zip-dotdot":  zipEntries(t, []zipEntry{{name: "../escaped.tf", body: "x"}}),
		"zip-symlink": zipEntries(t, []zipEntry{{name: "main.tf", body: bucketTF}, {name: "l.tf", link: "/etc/passwd"}}),
		"not-archive": []byte("<html>not found</html>"),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			srv := registrytest.NewRecorder(t, httpBytes(data))
			cache := t.TempDir()
			f, err := New(Options{CacheDir: cache, Limits: Limits{MaxBytes: 6000, MaxFiles: 4}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.Fetch(context.Background(), srv.URL+"/m.tar.gz", "")
			if !errors.Is(err, ErrRefused) {
				t.Fatalf("err = %v, want a refusal", err)
			}
			var left []string
			_ = filepath.WalkDir(cache, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					left = append(left, p)
				}
				return nil
			})
			if len(left) > 0 {
				t.Errorf("files left behind: %q", left)
			}
		})
	}
	// The download itself is bounded.
	srv := registrytest.NewRecorder(t, httpBytes(registrytest.TarGz(t, map[string]string{"main.tf": big + big})))
	f, err := New(Options{CacheDir: t.TempDir(), Limits: Limits{MaxDownload: 100}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Fetch(context.Background(), srv.URL+"/m.tar.gz", ""); !errors.Is(err, ErrRefused) {
		t.Errorf("oversize download: err = %v", err)
	}
}

// TestArchiveChecksum: ?checksum= is checked before extracting.
func TestArchiveChecksum(t *testing.T) {
	data := registrytest.TarGz(t, map[string]string{"main.tf": bucketTF})
	srv := registrytest.NewRecorder(t, httpBytes(data))
	sum := sha256.Sum256(data)
	good := hex.EncodeToString(sum[:])
	f := newFetcher(t, t.TempDir(), nil)
	if _, err := f.Fetch(context.Background(), srv.URL+"/m.tar.gz?checksum=sha256:"+good, ""); err != nil {
		t.Errorf("good checksum: %v", err)
	}
	bad := strings.Repeat("0", 64)
	if _, err := f.Fetch(context.Background(), srv.URL+"/m.tar.gz?checksum=sha256:"+bad, ""); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("bad checksum: err = %v", err)
	}
}

var gitEnv = []string{
	"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
	"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	c := exec.Command("git", args...)
	c.Dir = dir
	c.Env = append(os.Environ(), gitEnv...)
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// gitRepo is a repository with tag v1 (modules/bucket at "# v1") and a
// later commit on main ("# main"). Its .gitattributes names a filter
// that the test's global configuration would define as a program.
func gitRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	write := func(p, s string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".gitattributes", "*.tf filter=pwn\n")
	write("modules/bucket/main.tf", "# v1\n"+bucketTF)
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "v1")
	git(t, dir, "tag", "v1")
	write("modules/bucket/main.tf", "# main\n"+bucketTF)
	git(t, dir, "commit", "-q", "-am", "main")
	return dir
}

// TestGitFileSource: git::file:// with ?ref= and //subdir fetches that
// ref's files through the hardened runner; a filter the user's
// configuration defines does not run on them; file:// is refused unless
// allowed.
func TestGitFileSource(t *testing.T) {
	repo := gitRepo(t)
	markers := t.TempDir()
	global := filepath.Join(t.TempDir(), "gitconfig")
	marker := filepath.Join(markers, "smudge")
	if err := os.WriteFile(global, []byte("[filter \"pwn\"]\n\tsmudge = touch "+marker+"; cat\n\tclean = touch "+marker+"; cat\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GIT_CONFIG_GLOBAL", global)
	src := "git::file://" + repo + "//modules/bucket?ref=v1"

	if _, err := newFetcher(t, t.TempDir(), nil).Fetch(context.Background(), src, ""); err == nil || !strings.Contains(err.Error(), "file://") {
		t.Fatalf("file:// without AllowFileGit: err = %v", err)
	}
	f, err := New(Options{CacheDir: t.TempDir(), AllowFileGit: true})
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.Fetch(context.Background(), src, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(m.Dir, m.Subdir, "main.tf")); !strings.HasPrefix(got, "# v1") {
		t.Errorf("fetched %q, want the v1 tag's file", got)
	}
	if want := git(t, repo, "rev-parse", "v1^{commit}"); m.Version != want {
		t.Errorf("version = %q, want commit %s", m.Version, want)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("a filter ran on the fetched files")
	}
	// Without a ref: HEAD, the main branch's commit.
	head, err := f.Fetch(context.Background(), "git::file://"+repo+"//modules/bucket", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(head.Dir, head.Subdir, "main.tf")); !strings.HasPrefix(got, "# main") {
		t.Errorf("HEAD fetched %q", got)
	}
	// A commit by ID.
	id := git(t, repo, "rev-parse", "v1^{commit}")
	byID, err := f.Fetch(context.Background(), "git::file://"+repo+"?ref="+id, "")
	if err != nil {
		t.Fatal(err)
	}
	if byID.Version != id {
		t.Errorf("by ID: version %q", byID.Version)
	}
}

// TestConcurrentRuns: two runs fetching the same package at once both get
// it whole, and the cache holds it once.
func TestConcurrentRuns(t *testing.T) {
	reg := registrytest.New(t, registrytest.Modules{
		"acme/bucket/aws": {"1.0.0": registrytest.TarGz(t, map[string]string{"main.tf": bucketTF, "a/b.tf": "# b\n"})},
	})
	cache := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	mods := make([]Module, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mods[i], errs[i] = newFetcher(t, cache, nil).Fetch(context.Background(), reg.Host()+"/acme/bucket/aws", "1.0.0")
		}()
	}
	wg.Wait()
	for i := range 4 {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if got := readFile(t, filepath.Join(mods[i].Dir, "a/b.tf")); got != "# b\n" {
			t.Errorf("run %d: a/b.tf = %q", i, got)
		}
	}
	pkgs, _ := os.ReadDir(filepath.Join(cache, layout, "pkg"))
	tmp, _ := os.ReadDir(filepath.Join(cache, layout, "tmp"))
	if len(pkgs) != 1 || len(tmp) != 0 {
		t.Errorf("cache holds %d packages and %d temporary entries", len(pkgs), len(tmp))
	}
}

// TestStaleTemporariesRemoved: what a killed run left in the cache's
// temporary directory goes when it is old; a run in progress's does not.
func TestStaleTemporariesRemoved(t *testing.T) {
	cache := t.TempDir()
	newFetcher(t, cache, nil)
	tmp := filepath.Join(cache, layout, "tmp")
	old, recent := filepath.Join(tmp, "old-1"), filepath.Join(tmp, "recent-1")
	for _, d := range []string{old, recent} {
		if err := os.MkdirAll(filepath.Join(d, "files"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	newFetcher(t, cache, nil)
	if _, err := os.Stat(old); err == nil {
		t.Error("a stale temporary directory was kept")
	}
	if _, err := os.Stat(recent); err != nil {
		t.Error("a recent temporary directory was removed")
	}
}
