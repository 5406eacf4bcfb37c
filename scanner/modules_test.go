package scanner

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/testutil/registrytest"
)

// volumeModule is a module whose only resource is an unencrypted EBS
// volume: Trivy's AWS-0026.
const volumeModule = `variable "zone" {
  type = string
}

resource "aws_ebs_volume" "this" {
  availability_zone = var.zone
  encrypted         = false
}
`

const encryptedModule = `variable "zone" {
  type = string
}

resource "aws_ebs_volume" "this" {
  availability_zone = var.zone
  encrypted         = true
}
`

func callBlock(name, source, version string) string {
	v := ""
	if version != "" {
		v = fmt.Sprintf("  version = %q\n", version)
	}
	return fmt.Sprintf("module %q {\n  source  = %q\n%s  zone    = \"eu-west-1a\"\n}\n", name, source, v)
}

func scanModules(t *testing.T, dir string, mutate func(*Options)) finding.Report {
	t.Helper()
	opts := Options{Paths: []string{dir}, BaseDir: dir, Engines: []string{EngineTrivy}}
	if mutate != nil {
		mutate(&opts)
	}
	rep, err := Scan(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func downloads(cache string) func(*Options) {
	return func(o *Options) { o.AllowDownloads, o.ModuleCache = true, cache }
}

// inModule returns the findings of id whose outermost call is module.
func inModule(rep finding.Report, id, module string) []finding.Finding {
	var out []finding.Finding
	for _, f := range rep.Findings {
		if f.RuleID == id && len(f.CallSites) > 0 && f.CallSites[0].Module == module {
			out = append(out, f)
		}
	}
	return out
}

func notesOf(rep finding.Report, kind finding.NoteKind) []string {
	var out []string
	for _, n := range rep.Notes {
		if n.Kind == kind {
			out = append(out, n.Range.File+": "+n.Message)
		}
	}
	return out
}

// TestDownloadedRegistryModule: with --download-modules, a registry module
// is fetched by the registry protocol (the version constraint picks
// 1.2.0, not 2.0.0), Trivy's finding in it is reported at its file and
// attributed to the call, and a second run with the same cache asks the
// registry nothing. Without the flag nothing is asked and the call is a
// note.
func TestDownloadedRegistryModule(t *testing.T) {
	reg := registrytest.New(t, registrytest.Modules{"acme/volume/aws": {
		"1.0.0": registrytest.TarGz(t, map[string]string{"main.tf": encryptedModule}),
		"1.2.0": registrytest.TarGz(t, map[string]string{"main.tf": volumeModule}),
		"2.0.0": registrytest.TarGz(t, map[string]string{"main.tf": encryptedModule}),
	}})
	dir := writeTree(t, map[string]string{"main.tf": callBlock("data", reg.Host()+"/acme/volume/aws", "~> 1.0")})

	off := scanModules(t, dir, nil)
	if n := len(reg.Requests()) + len(reg.Files.Requests()); n != 0 {
		t.Fatalf("without --download-modules, %d requests", n)
	}
	if got := notesOf(off, finding.NoteModuleNotLoaded); len(got) != 1 || !strings.Contains(got[0], "was not downloaded") {
		t.Errorf("without --download-modules, notes %q", got)
	}

	cache := t.TempDir()
	rep := scanModules(t, dir, downloads(cache))
	fs := inModule(rep, "AWS-0026", "module.data")
	if len(fs) != 1 {
		t.Fatalf("want AWS-0026 in module.data, got %+v\nnotes %q", rep.Findings, notesOf(rep, finding.NoteModuleNotLoaded))
	}
	if f := fs[0]; f.Range.File != ".terraform/modules/data/main.tf" || f.Range.Start.Line != 7 || f.CallSites[0].Range.File != "main.tf" || f.CallSites[0].Range.Start.Line != 1 {
		t.Errorf("finding at %+v, call site %+v", f.Range, f.CallSites)
	}
	if got := notesOf(rep, finding.NoteModuleNotLoaded); len(got) != 0 {
		t.Errorf("notes %q", got)
	}
	want := []string{"/.well-known/terraform.json", "/api/modules/v1/acme/volume/aws/versions", "/api/modules/v1/acme/volume/aws/1.2.0/download"}
	if got := reg.Paths(); !slices.Equal(got, want) {
		t.Errorf("registry requests %q, want %q", got, want)
	}
	if got := reg.Files.Paths(); !slices.Equal(got, []string{"/archives/acme/volume/aws/1.2.0.tar.gz"}) {
		t.Errorf("archive requests %q", got)
	}

	reg.Reset()
	reg.Files.Reset()
	again := scanModules(t, dir, downloads(cache))
	if n := len(reg.Requests()) + len(reg.Files.Requests()); n != 0 {
		t.Errorf("second run: %d requests: %q %q", n, reg.Paths(), reg.Files.Paths())
	}
	if len(inModule(again, "AWS-0026", "module.data")) != 1 {
		t.Errorf("second run lost the finding: %+v", again.Findings)
	}
}

// TestTreeModulesJSONPreferred: a call `terraform init` already fetched
// (in the tree's .terraform/modules/modules.json) is read from the tree
// and not fetched; the others still are.
func TestTreeModulesJSONPreferred(t *testing.T) {
	reg := registrytest.New(t, registrytest.Modules{
		"acme/volume/aws": {"1.0.0": registrytest.TarGz(t, map[string]string{"main.tf": encryptedModule})},
		"acme/other/aws":  {"1.0.0": registrytest.TarGz(t, map[string]string{"main.tf": volumeModule})},
	})
	dir := writeTree(t, map[string]string{
		"main.tf": callBlock("data", reg.Host()+"/acme/volume/aws", "1.0.0") + callBlock("other", reg.Host()+"/acme/other/aws", ""),
		".terraform/modules/modules.json": `{"Modules":[{"Key":"","Source":"","Dir":"."},` +
			`{"Key":"data","Source":"` + reg.Host() + `/acme/volume/aws","Version":"1.0.0","Dir":".terraform/modules/data"}]}`,
		// The tree's copy differs from the registry's: it is the one read.
		".terraform/modules/data/main.tf": volumeModule,
	})
	rep := scanModules(t, dir, downloads(t.TempDir()))
	if len(inModule(rep, "AWS-0026", "module.data")) != 1 {
		t.Errorf("the tree's copy of module.data was not read: %+v", rep.Findings)
	}
	if len(inModule(rep, "AWS-0026", "module.other")) != 1 {
		t.Errorf("module.other was not fetched: %+v", rep.Findings)
	}
	for _, p := range append(reg.Paths(), reg.Files.Paths()...) {
		if strings.Contains(p, "volume") {
			t.Errorf("module.data was fetched although modules.json has it: %s", p)
		}
	}
}

// TestHostileModuleArchive: a module whose archive would write outside
// its package, holds a link or is too large is a note naming the call,
// its source and the reason, and the other module and the root module
// are still scanned.
func TestHostileModuleArchive(t *testing.T) {
	big := strings.Repeat("# padding\n", 30<<20/10)
	for name, archive := range map[string][]byte{
		"dotdot":   registrytest.TarGzEntries(t, []registrytest.Entry{{Name: "main.tf", Body: volumeModule}, {Name: "../../../escaped.tf", Body: volumeModule}}),
		"symlink":  registrytest.TarGzEntries(t, []registrytest.Entry{{Name: "main.tf", Body: volumeModule}, {Name: "keys.tf", Link: "/root/.ssh/id_rsa", Type: '2'}}),
		"oversize": registrytest.TarGzEntries(t, []registrytest.Entry{{Name: "main.tf", Body: volumeModule}, {Name: "a.tf", Body: big}, {Name: "b.tf", Body: big}, {Name: "c.tf", Body: big}, {Name: "d.tf", Body: big}, {Name: "e.tf", Body: big}, {Name: "f.tf", Body: big}, {Name: "g.tf", Body: big}, {Name: "h.tf", Body: big}, {Name: "i.tf", Body: big}}),
	} {
		t.Run(name, func(t *testing.T) {
			reg := registrytest.New(t, registrytest.Modules{
				"acme/evil/aws":   {"1.0.0": archive},
				"acme/volume/aws": {"1.0.0": registrytest.TarGz(t, map[string]string{"main.tf": volumeModule})},
			})
			dir := writeTree(t, map[string]string{
				"main.tf": callBlock("evil", reg.Host()+"/acme/evil/aws", "1.0.0") + callBlock("good", reg.Host()+"/acme/volume/aws", "1.0.0") + unencrypted,
			})
			rep := scanModules(t, dir, downloads(t.TempDir()))
			notes := notesOf(rep, finding.NoteModuleNotLoaded)
			if len(notes) != 1 || !strings.Contains(notes[0], `main.tf: module.evil: remote source "`+reg.Host()+`/acme/evil/aws" could not be downloaded`) || !strings.Contains(notes[0], "archive refused") {
				t.Errorf("notes %q", notes)
			}
			if len(inModule(rep, "AWS-0026", "module.evil")) != 0 {
				t.Errorf("the refused module was scanned")
			}
			if len(inModule(rep, "AWS-0026", "module.good")) != 1 || len(find(rep, "AWS-0026", "main.tf", 13)) != 1 {
				t.Errorf("the rest was not scanned: %+v", rep.Findings)
			}
		})
	}
}

// TestNestedDownloadedModules: a fetched module's own calls resolve: its
// local submodule, and a registry module it calls, whose finding carries
// the whole call chain. Two root modules calling the same module fetch it
// once.
func TestNestedDownloadedModules(t *testing.T) {
	var reg *registrytest.Server
	reg = registrytest.New(t, registrytest.Modules{
		"acme/volume/aws": {"1.0.0": registrytest.TarGz(t, map[string]string{"main.tf": volumeModule})},
	})
	outer := registrytest.TarGz(t, map[string]string{
		"main.tf":             "variable \"zone\" {}\n" + callBlock("inner", reg.Host()+"/acme/volume/aws", "1.0.0") + "module \"sub\" {\n  source = \"./modules/sub\"\n  zone   = var.zone\n}\n",
		"modules/sub/main.tf": volumeModule,
	})
	reg2 := registrytest.New(t, registrytest.Modules{"acme/stack/aws": {"2.0.0": outer}})
	dir := writeTree(t, map[string]string{
		"a/main.tf": callBlock("stack", reg2.Host()+"/acme/stack/aws", ""),
		"b/main.tf": callBlock("stack", reg2.Host()+"/acme/stack/aws", ""),
	})
	rep := scanModules(t, dir, downloads(t.TempDir()))
	var chains []string
	for _, f := range rep.Findings {
		if f.RuleID != "AWS-0026" {
			continue
		}
		var mods []string
		for _, c := range f.CallSites {
			mods = append(mods, c.Module)
		}
		chains = append(chains, f.Range.File+" via "+strings.Join(mods, " > "))
	}
	slices.Sort(chains)
	want := []string{
		"a/.terraform/modules/stack.inner/main.tf via module.stack > module.inner",
		"a/.terraform/modules/stack/modules/sub/main.tf via module.stack > module.sub",
		"b/.terraform/modules/stack.inner/main.tf via module.stack > module.inner",
		"b/.terraform/modules/stack/modules/sub/main.tf via module.stack > module.sub",
	}
	if !slices.Equal(chains, want) {
		t.Errorf("findings:\n%s\nwant:\n%s\nnotes %q", strings.Join(chains, "\n"), strings.Join(want, "\n"), notesOf(rep, finding.NoteModuleNotLoaded))
	}
	if got := reg2.Files.Paths(); len(got) != 1 {
		t.Errorf("the shared module was downloaded %d times: %q", len(got), got)
	}
	if got := reg.Files.Paths(); len(got) != 1 {
		t.Errorf("the nested module was downloaded %d times: %q", len(got), got)
	}
}

// TestDownloadedModulesWithWorkers: with evaluation workers (the CLI's
// default), fetched modules are evaluated too.
func TestDownloadedModulesWithWorkers(t *testing.T) {
	reg := registrytest.New(t, registrytest.Modules{"acme/volume/aws": {"1.0.0": registrytest.TarGz(t, map[string]string{"main.tf": volumeModule})}})
	dir := writeTree(t, map[string]string{"main.tf": callBlock("data", reg.Host()+"/acme/volume/aws", "")})
	cache := t.TempDir()
	rep := scanModules(t, dir, func(o *Options) {
		downloads(cache)(o)
		o.WorkerCommand = testWorkerCommand(t)
	})
	if len(inModule(rep, "AWS-0026", "module.data")) != 1 {
		t.Errorf("with workers: %+v", rep.Findings)
	}
}

// TestFileGitSourceRefused: a git::file:// source, which would read a
// repository of the scanning machine outside the scanned tree, is a note,
// not a fetch.
func TestFileGitSourceRefused(t *testing.T) {
	other := writeTree(t, map[string]string{"main.tf": volumeModule})
	dir := writeTree(t, map[string]string{"main.tf": callBlock("local", "git::file://"+other+"?ref=main", "")})
	rep := scanModules(t, dir, downloads(t.TempDir()))
	notes := notesOf(rep, finding.NoteModuleNotLoaded)
	if len(notes) != 1 || !strings.Contains(notes[0], "module.local") || !strings.Contains(notes[0], "file:// sources read this machine's files") {
		t.Errorf("notes %q", notes)
	}
}

// TestEvalCacheKeyCoversFetchedModules: with --cache-dir, a root module
// whose fetched module changed (a new version meets the constraint, picked
// up with a fresh module cache) is evaluated again, not served from the
// evaluation cache.
func TestEvalCacheKeyCoversFetchedModules(t *testing.T) {
	mods := registrytest.Modules{"acme/volume/aws": {"1.0.0": registrytest.TarGz(t, map[string]string{"main.tf": volumeModule})}}
	reg := registrytest.New(t, mods)
	dir := writeTree(t, map[string]string{"main.tf": callBlock("data", reg.Host()+"/acme/volume/aws", "~> 1.0")})
	evalCache := t.TempDir()
	scan := func(moduleCache string) finding.Report {
		return scanModules(t, dir, func(o *Options) { downloads(moduleCache)(o); o.CacheDir = evalCache })
	}
	if rep := scan(t.TempDir()); len(inModule(rep, "AWS-0026", "module.data")) != 1 {
		t.Fatalf("1.0.0: %+v", rep.Findings)
	}
	mods["acme/volume/aws"]["1.1.0"] = registrytest.TarGz(t, map[string]string{"main.tf": encryptedModule})
	if rep := scan(t.TempDir()); len(inModule(rep, "AWS-0026", "module.data")) != 0 {
		t.Errorf("1.1.0 is encrypted, but the finding of 1.0.0 came back from the evaluation cache")
	}
}

// TestModuleNameIsNotAPath: a module label that is not an identifier
// ("../../main.tf") is never used as a path under .terraform/modules: the
// root module's own file is still read, not replaced by the package.
func TestModuleNameIsNotAPath(t *testing.T) {
	reg := registrytest.New(t, registrytest.Modules{"acme/volume/aws": {"1.0.0": registrytest.TarGz(t, map[string]string{"main.tf": encryptedModule})}})
	dir := writeTree(t, map[string]string{"main.tf": callBlock("../../main.tf", reg.Host()+"/acme/volume/aws", "1.0.0") + unencrypted})
	rep := scanModules(t, dir, downloads(t.TempDir()))
	if len(find(rep, "AWS-0026", "main.tf", 8)) != 1 {
		t.Errorf("the root module's file was not read as written: %+v", rep.Findings)
	}
	if n := len(reg.Requests()); n != 0 {
		t.Errorf("a call Terraform refuses was fetched: %q", reg.Paths())
	}
}

// TestEvalCacheKeyCoversArchiveContents: with --cache-dir, a root module
// calling an archive URL (no checksum) whose contents changed since the
// evaluation cache was filled, picked up with a fresh module cache, is
// evaluated again: the package's key names the URL, not its contents.
func TestEvalCacheKeyCoversArchiveContents(t *testing.T) {
	mods := registrytest.Modules{"acme/volume/aws": {"1.0.0": registrytest.TarGz(t, map[string]string{"main.tf": volumeModule})}}
	reg := registrytest.New(t, mods)
	dir := writeTree(t, map[string]string{"main.tf": callBlock("data", reg.Files.URL+"/archives/acme/volume/aws/1.0.0.tar.gz", "")})
	evalCache := t.TempDir()
	scan := func(moduleCache string) finding.Report {
		return scanModules(t, dir, func(o *Options) { downloads(moduleCache)(o); o.CacheDir = evalCache })
	}
	if rep := scan(t.TempDir()); len(inModule(rep, "AWS-0026", "module.data")) != 1 {
		t.Fatalf("unencrypted: %+v\nnotes %q", rep.Findings, notesOf(rep, finding.NoteModuleNotLoaded))
	}
	mods["acme/volume/aws"]["1.0.0"] = registrytest.TarGz(t, map[string]string{"main.tf": encryptedModule})
	if rep := scan(t.TempDir()); len(inModule(rep, "AWS-0026", "module.data")) != 0 {
		t.Errorf("the archive is now encrypted, but the finding of its old contents came back from the evaluation cache")
	}
}
