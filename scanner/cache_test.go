package scanner

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/testutil/checkstest"
)

// evalRecorder is a slog handler that records which root modules a scan
// evaluated (and which it took from the cache).
type evalRecorder struct {
	mu              *sync.Mutex
	evaluated, hits *[]string
}

func newEvalRecorder() evalRecorder {
	return evalRecorder{mu: &sync.Mutex{}, evaluated: new([]string), hits: new([]string)}
}

func (r evalRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r evalRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r evalRecorder) WithGroup(string) slog.Handler            { return r }
func (r evalRecorder) Handle(_ context.Context, rec slog.Record) error {
	var root string
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "root" {
			root = a.Value.String()
		}
		return true
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	switch rec.Message {
	case "root module evaluated":
		*r.evaluated = append(*r.evaluated, root)
	case "root module from cache":
		*r.hits = append(*r.hits, root)
	case "models from cache":
		*r.hits = append(*r.hits, "(models)")
	}
	return nil
}

// cacheTree writes three root modules: a and b call the local module m,
// c calls nothing; each has a variable set by its terraform.tfvars.
func cacheTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"m/main.tf": `variable "acl" {}
resource "aws_s3_bucket" "b" {
  bucket = "x"
  acl    = var.acl
}
`,
		"c/main.tf": `variable "cidr" {}
resource "aws_security_group" "sg" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }
}
`,
		"c/terraform.tfvars": "cidr = \"10.0.0.0/8\"\n",
	}
	for _, r := range []string{"a", "b"} {
		files[r+"/main.tf"] = `variable "acl" {}
module "m" {
  source = "../m"
  acl    = var.acl
}
resource "aws_s3_bucket" "own" {
  bucket = "` + r + `"
}
`
		files[r+"/terraform.tfvars"] = "acl = \"private\"\n"
	}
	for name, src := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// cachedScan scans dir with the cache and returns the report (as json,
// for comparing) and the root modules evaluated, sorted.
func cachedScan(t *testing.T, dir, cacheDir string, mutate func(*Options)) (string, []string) {
	t.Helper()
	rec := newEvalRecorder()
	opts := Options{Paths: []string{dir}, BaseDir: dir, CacheDir: cacheDir, Logger: slog.New(rec)}
	if mutate != nil {
		mutate(&opts)
	}
	rep, err := Scan(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) == 0 {
		t.Fatal("no findings: the comparison would prove nothing")
	}
	out, _ := json.Marshal(struct {
		F []finding.Finding
		N []finding.Note
		S finding.Stats
		R []finding.RuleInfo
	}{rep.Findings, rep.Notes, rep.Stats, rep.Rules})
	slices.Sort(*rec.evaluated)
	lastHits = *rec.hits
	return string(out), *rec.evaluated
}

// lastHits are the cache hits of the last cachedScan: root modules, and
// "(models)" when what the models give came from the cache too.
var lastHits []string

// TestCacheWarmRescanIdentical: a rescan of an unchanged tree evaluates
// nothing and reports exactly what the cold scan reported, in this
// process and with evaluation workers.
func TestCacheWarmRescanIdentical(t *testing.T) {
	for _, workers := range []bool{false, true} {
		dir, cacheDir := cacheTree(t), t.TempDir()
		mutate := func(o *Options) {
			if workers {
				o.WorkerCommand = testWorkerCommand(t)
			}
		}
		cold, evaluated := cachedScan(t, dir, cacheDir, mutate)
		if strings.Join(evaluated, ",") != "a,b,c" {
			t.Fatalf("cold scan evaluated %v, want a,b,c", evaluated)
		}
		uncached, _ := cachedScan(t, dir, t.TempDir(), mutate)
		warm, evaluated := cachedScan(t, dir, cacheDir, mutate)
		if len(evaluated) != 0 {
			t.Errorf("workers=%v: warm scan evaluated %v, want none", workers, evaluated)
		}
		if warm != cold || warm != uncached {
			t.Errorf("workers=%v: warm report differs from the cold one:\nwarm %s\ncold %s", workers, warm, cold)
		}
	}
}

// TestCacheInvalidatesExactly: each change re-evaluates the root modules
// it can change, and no others.
func TestCacheInvalidatesExactly(t *testing.T) {
	bundleSrc, _ := filepath.Abs(filepath.Join("..", "testdata", "bundles", "small"))
	cases := []struct {
		name   string
		change func(t *testing.T, dir, bundle string, o *Options)
		want   string
	}{
		{"tfvars value of a", func(t *testing.T, dir, _ string, _ *Options) {
			os.WriteFile(filepath.Join(dir, "a", "terraform.tfvars"), []byte("acl = \"public-read\"\n"), 0o644)
		}, "a"},
		{"file of module m", func(t *testing.T, dir, _ string, _ *Options) {
			os.WriteFile(filepath.Join(dir, "m", "extra.tf"), []byte("resource \"aws_s3_bucket\" \"x\" {\n  bucket = \"y\"\n}\n"), 0o644)
		}, "a,b"},
		{"file of c", func(t *testing.T, dir, _ string, _ *Options) {
			os.WriteFile(filepath.Join(dir, "c", "main.tf"), []byte("variable \"cidr\" {}\n"), 0o644)
		}, "c"},
		{"--var cidr", func(t *testing.T, _, _ string, o *Options) { o.Vars = map[string]string{"cidr": "0.0.0.0/0"} }, "c"},
		{"--var acl", func(t *testing.T, _, _ string, o *Options) { o.Vars = map[string]string{"acl": "public-read"} }, "a,b"},
		{"--var nobody declares", func(t *testing.T, _, _ string, o *Options) { o.Vars = map[string]string{"zzz": "1"} }, ""},
		{"TF_VAR_cidr", func(t *testing.T, _, _ string, _ *Options) { t.Setenv("TF_VAR_cidr", "0.0.0.0/0") }, "c"},
		{"--var-file", func(t *testing.T, _, _ string, o *Options) {
			f := filepath.Join(t.TempDir(), "x.tfvars")
			os.WriteFile(f, []byte("cidr = \"1.2.3.4/32\"\n"), 0o644)
			o.VarFiles = []string{f}
		}, "a,b,c"},
		{"checks disabled", func(t *testing.T, _, _ string, o *Options) { o.DisabledChecks = []string{"AWS-0086"} }, "a,b,c"},
		{"checks bundle edited", func(t *testing.T, _, bundle string, _ *Options) {
			appendFile(t, firstFileWithExt(t, bundle, ".rego"), "\n# edited\n")
		}, "a,b,c"},
		{"non-Terraform file (file() could read it)", func(t *testing.T, dir, _ string, _ *Options) {
			os.WriteFile(filepath.Join(dir, "policy.json"), []byte("{}"), 0o644)
		}, "a,b,c"},
		{"nothing", func(*testing.T, string, string, *Options) {}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, cacheDir, bundle := cacheTree(t), t.TempDir(), t.TempDir()
			copyTree(t, bundleSrc, bundle)
			// The bundle only where it is what changes: compiled from
			// disk, it would be compiled twice in every case.
			base := func(*Options) {}
			if strings.Contains(c.name, "bundle") {
				base = func(o *Options) { o.ChecksBundle = bundle }
			}
			cachedScan(t, dir, cacheDir, base)
			var opts Options
			c.change(t, dir, bundle, &opts)
			_, evaluated := cachedScan(t, dir, cacheDir, func(o *Options) {
				base(o)
				o.Vars, o.VarFiles, o.DisabledChecks = opts.Vars, opts.VarFiles, opts.DisabledChecks
			})
			if got := strings.Join(evaluated, ","); got != c.want {
				t.Errorf("evaluated %q, want %q", got, c.want)
			}
		})
	}
}

// TestCacheCorruptEntryIsMiss: damaged entries (truncated, altered,
// replaced by garbage) are evaluated again, giving the same report.
func TestCacheCorruptEntryIsMiss(t *testing.T) {
	dir, cacheDir := cacheTree(t), t.TempDir()
	cold, _ := cachedScan(t, dir, cacheDir, nil)
	var entries []string
	filepath.WalkDir(cacheDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			entries = append(entries, p)
		}
		return nil
	})
	if len(entries) != 4 { // three root modules, and what their models gave
		t.Fatalf("%d cache entries, want 4: %v", len(entries), entries)
	}
	data, _ := os.ReadFile(entries[0])
	os.WriteFile(entries[0], data[:len(data)/2], 0o600)
	data, _ = os.ReadFile(entries[1])
	data[len(data)-1] ^= 1
	os.WriteFile(entries[1], data, 0o600)
	os.WriteFile(entries[2], []byte("garbage"), 0o600)
	os.WriteFile(entries[3], nil, 0o600)
	again, evaluated := cachedScan(t, dir, cacheDir, nil)
	if strings.Join(evaluated, ",") != "a,b,c" {
		t.Errorf("evaluated %v after damaging every entry, want a,b,c", evaluated)
	}
	if again != cold {
		t.Errorf("report after damaged cache differs")
	}
}

func firstFileWithExt(t *testing.T, dir, ext string) string {
	t.Helper()
	var found string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && found == "" && strings.HasSuffix(p, ext) {
			found = p
		}
		return nil
	})
	if found == "" {
		t.Fatalf("no %s file in %s", ext, dir)
	}
	return found
}

func appendFile(t *testing.T, name, text string) {
	t.Helper()
	f, err := os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(text)
	f.Close()
}

// TestCacheModelsEntry: when every root module comes from the cache, so
// does what their models give — the built-in checks' findings, the
// Kubernetes findings on Terraform-declared objects and helm_release
// charts — and no model is decoded; the report is the uncached one. A
// change that no root module's key covers (the built-in checks'
// configuration, a YAML manifest) still changes the report.
func TestCacheModelsEntry(t *testing.T) {
	dir, cacheDir := t.TempDir(), t.TempDir()
	copyTree(t, filepath.Join("..", "testdata", "kubernetes"), filepath.Join(dir, "k8s"))
	copyTree(t, filepath.Join("..", "testdata", "helm"), filepath.Join(dir, "helm"))
	os.MkdirAll(filepath.Join(dir, "aws"), 0o755)
	os.WriteFile(filepath.Join(dir, "aws", "main.tf"), []byte("resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n  tags   = { owner = \"me\" }\n}\n"), 0o644)
	cold, evaluated := cachedScan(t, dir, cacheDir, nil)
	if len(evaluated) == 0 || slices.Contains(lastHits, "(models)") {
		t.Fatalf("cold scan: evaluated %v, hits %v", evaluated, lastHits)
	}
	for _, want := range []string{"KSV", "TFR-"} {
		if !strings.Contains(cold, `":"`+want) {
			t.Fatalf("no %s finding in the fixture's report: the comparison would prove little", want)
		}
	}
	warm, evaluated := cachedScan(t, dir, cacheDir, nil)
	if len(evaluated) != 0 || !slices.Contains(lastHits, "(models)") {
		t.Errorf("warm scan: evaluated %v, hits %v; want nothing evaluated and the models entry used", evaluated, lastHits)
	}
	if warm != cold {
		t.Errorf("warm report differs from the cold one:\nwarm %s\ncold %s", warm, cold)
	}

	// The built-in checks' configuration (the same checks selected, set
	// differently): every root module is a hit, the models entry is not.
	tags := func(tags ...string) func(o *Options) {
		return func(o *Options) { o.RulesConfig.RequiredTags = tags }
	}
	owner, _ := cachedScan(t, dir, cacheDir, tags("owner"))
	team, evaluated := cachedScan(t, dir, cacheDir, tags("team"))
	if len(evaluated) != 0 || slices.Contains(lastHits, "(models)") {
		t.Errorf("with required_tags changed: evaluated %v, hits %v; want every root module from the cache, not the models entry", evaluated, lastHits)
	}
	if uncached, _ := cachedScan(t, dir, t.TempDir(), tags("team")); team != uncached || team == owner {
		t.Errorf("with required_tags changed the cached report is not the uncached one (or did not change)")
	}

	// One root module changed: the others come from the cache, their
	// models decoded (the helm_release charts rendered with them linked
	// back to their blocks), not the models entry.
	appendFile(t, filepath.Join(dir, "aws", "main.tf"), "resource \"aws_s3_bucket\" \"c\" {\n  bucket = \"c\"\n}\n")
	partial, evaluated := cachedScan(t, dir, cacheDir, nil)
	if strings.Join(evaluated, ",") != "aws" || slices.Contains(lastHits, "(models)") {
		t.Errorf("after changing aws/main.tf: evaluated %v, hits %v; want only aws evaluated, not the models entry", evaluated, lastHits)
	}
	if uncached, _ := cachedScan(t, dir, t.TempDir(), nil); partial != uncached || partial == cold {
		t.Errorf("after changing aws/main.tf the cached report is not the uncached one (or did not change)")
	}

	// A YAML manifest is in no root module's key.
	appendFile(t, filepath.Join(dir, "k8s", "manifests", "web.yaml"), "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: added\nspec:\n  containers:\n    - name: c\n      image: nginx\n")
	changed, _ := cachedScan(t, dir, cacheDir, nil)
	uncached, _ := cachedScan(t, dir, t.TempDir(), nil)
	if changed != uncached || changed == cold {
		t.Errorf("after a YAML change the cached report is not the uncached one (or did not change)")
	}
}

// TestCacheCustomChecks: --custom-checks, and the checks in it, are in
// the key: adding the directory or editing a check in it gives the
// uncached report, not the one the cache holds.
func TestCacheCustomChecks(t *testing.T) {
	dir := writeTree(t, map[string]string{"main.tf": "resource \"aws_ebs_volume\" \"v\" {\n  availability_zone = \"eu-west-1a\"\n  size = 10\n  encrypted = false\n}\n"})
	checks := writeTree(t, map[string]string{"volume.rego": checkstest.VolumeEncrypted("MEDIUM")})
	cacheDir := t.TempDir()
	custom := func(o *Options) { o.CustomChecks = checks }
	cachedScan(t, dir, cacheDir, nil)
	with, _ := cachedScan(t, dir, cacheDir, custom)
	if uncached, _ := cachedScan(t, dir, t.TempDir(), custom); with != uncached || !strings.Contains(with, "ACME-0001") {
		t.Errorf("with --custom-checks added the cached report is not the uncached one:\ncached   %s\nuncached %s", with, uncached)
	}
	os.WriteFile(filepath.Join(checks, "volume.rego"), []byte(checkstest.VolumeEncrypted("CRITICAL")), 0o644)
	edited, _ := cachedScan(t, dir, cacheDir, custom)
	if uncached, _ := cachedScan(t, dir, t.TempDir(), custom); edited != uncached || edited == with {
		t.Errorf("with a custom check edited the cached report is not the uncached one (or did not change)")
	}
}

// TestCacheSymlinkedModuleDir: a local module reached through a symbolic
// link to a directory of the tree is in the calling root module's key:
// editing the module through its real path re-evaluates the caller.
func TestCacheSymlinkedModuleDir(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"a/main.tf":        "module \"m\" {\n  source = \"./modules/m\"\n}\n",
		"shared/m/main.tf": "resource \"aws_ebs_volume\" \"v\" {\n  availability_zone = \"eu-west-1a\"\n  encrypted         = false\n}\n",
	})
	if err := os.Symlink("../shared", filepath.Join(dir, "a", "modules")); err != nil {
		t.Fatal(err)
	}
	cacheDir := t.TempDir()
	cold, _ := cachedScan(t, dir, cacheDir, nil)
	os.WriteFile(filepath.Join(dir, "shared", "m", "main.tf"), []byte("resource \"aws_ebs_volume\" \"v\" {\n  availability_zone = \"eu-west-1a\"\n  encrypted         = true\n}\n"), 0o644)
	warm, evaluated := cachedScan(t, dir, cacheDir, nil)
	uncached, _ := cachedScan(t, dir, t.TempDir(), nil)
	if warm != uncached || uncached == cold {
		t.Errorf("after the module behind the link changed (evaluated %v) the cached report is not the uncached one (or did not change):\ncached   %s\nuncached %s", evaluated, warm, uncached)
	}
}

// TestCacheManyLinkedDirsNotCached: treeKey walks each link to a
// directory again, so what it reads through links is bounded
// (linkBudget); a tree past it (here links to "." that would each hash
// the tree) is not cached rather than hashed without bound, and one
// within it (16 links) still hits.
func TestCacheManyLinkedDirsNotCached(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"a/main.tf": "resource \"aws_ebs_volume\" \"v\" {\n  availability_zone = \"eu-west-1a\"\n  encrypted         = false\n}\n",
	})
	for i := range 16 {
		if err := os.Symlink(".", filepath.Join(dir, fmt.Sprintf("l%02d", i))); err != nil {
			t.Fatal(err)
		}
	}
	cacheDir := t.TempDir()
	cachedScan(t, dir, cacheDir, nil)
	if _, evaluated := cachedScan(t, dir, cacheDir, nil); len(evaluated) != 0 {
		t.Fatalf("with 16 links the warm scan evaluated %v, want a hit", evaluated)
	}
	saved := linkBudget
	t.Cleanup(func() { linkBudget = saved })
	for _, budget := range []struct {
		entries int
		bytes   int64
	}{{entries: 40, bytes: saved.bytes}, {entries: saved.entries, bytes: 200}} {
		linkBudget = budget
		cold, _ := cachedScan(t, dir, cacheDir, nil)
		warm, evaluated := cachedScan(t, dir, cacheDir, nil)
		if len(evaluated) != 1 || warm != cold {
			t.Errorf("past a budget of %+v the rescan evaluated %v, want [a] and the same report", budget, evaluated)
		}
	}
}

// TestCacheLinkOutOfTheRootIsNotRead: the cache key reads through links
// to directories of the tree, never through one that leaves it (here to a
// directory outside, and by "..": editing what is there changes nothing,
// as it was never read).
func TestCacheLinkOutOfTheRootIsNotRead(t *testing.T) {
	dir := writeTree(t, map[string]string{"a/main.tf": unencrypted})
	outside := filepath.Join(filepath.Dir(dir), "outside-"+filepath.Base(dir)) // removed with the test's temporary directories
	if err := os.Mkdir(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(outside, "main.tf"), []byte("# one\n"), 0o644)
	for name, target := range map[string]string{"a/abs": outside, "a/rel": "../../" + filepath.Base(outside)} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	cacheDir := t.TempDir()
	cachedScan(t, dir, cacheDir, nil)
	os.WriteFile(filepath.Join(outside, "main.tf"), []byte("# two\n"), 0o644)
	if _, evaluated := cachedScan(t, dir, cacheDir, nil); len(evaluated) != 0 {
		t.Errorf("a file outside the root, behind a link, changed the key: evaluated %v", evaluated)
	}
}

// TestCacheModulesJSONDir: Trivy loads a root module's calls from the
// directories its .terraform/modules/modules.json names (here a stale
// entry: the call's source moved from ../old to ../m without `terraform
// init`), so those directories' files are in the root module's key.
func TestCacheModulesJSONDir(t *testing.T) {
	volume := func(encrypted bool) string {
		return fmt.Sprintf("resource \"aws_ebs_volume\" \"v\" {\n  availability_zone = \"eu-west-1a\"\n  encrypted         = %v\n}\n", encrypted)
	}
	dir := writeTree(t, map[string]string{
		"a/main.tf":                         "module \"m\" {\n  source = \"../m\"\n}\n",
		"a/.terraform/modules/modules.json": `{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"m","Source":"../old","Dir":"../old"}]}`,
		"m/main.tf":                         volume(true),
		"old/main.tf":                       volume(true),
		"b/main.tf":                         "module \"old\" {\n  source = \"../old\"\n}\n",
	})
	cacheDir := t.TempDir()
	cold, _ := cachedScan(t, dir, cacheDir, nil)
	os.WriteFile(filepath.Join(dir, "old", "main.tf"), []byte(volume(false)), 0o644)
	warm, evaluated := cachedScan(t, dir, cacheDir, nil)
	uncached, _ := cachedScan(t, dir, t.TempDir(), nil)
	if warm != uncached || uncached == cold {
		t.Errorf("after the module modules.json names changed (evaluated %v) the cached report is not the uncached one (or did not change):\ncached   %s\nuncached %s", evaluated, warm, uncached)
	}
}
