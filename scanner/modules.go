package scanner

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"testing/fstest"
	"time"

	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/modfetch"
	"github.com/tfreview/tfreview/tfmodel"
)

// Bounds of the module calls followed into fetched modules, per root
// module: registry modules call each other, and a package may call itself.
const (
	maxModuleDepth    = 10
	maxFetchedPerRoot = 200
)

// moduleFetcher is the Scanner's --download-modules: the fetcher and the
// packages it opened, shared by every root module and scan path of the
// Scanner and closed with it.
type moduleFetcher struct {
	fetcher *modfetch.Fetcher
	lim     Limits
	mu      sync.Mutex
	pkgs    map[string]*modulePackage // by package directory
}

// modulePackage is a fetched package as the scan reads it: confined to its
// directory, its Terraform files checked against the same limits as the
// scanned tree's (those over one are hidden from Trivy).
type modulePackage struct {
	key  string
	dir  string // in the module cache
	root *os.Root
	set  *fileSet
	err  error
	// contents names what the package holds, for --cache-dir: key names
	// what was fetched, and an archive URL's contents can change (a
	// fresh module cache fetches the new ones).
	contents string
}

func newModuleFetcher(opts Options) (*moduleFetcher, error) {
	dir := opts.ModuleCache
	if dir == "" {
		var err error
		if dir, err = modfetch.DefaultCacheDir(); err != nil {
			return nil, err
		}
	}
	f, err := modfetch.New(modfetch.Options{CacheDir: dir, Logger: opts.Logger})
	if err != nil {
		return nil, err
	}
	return &moduleFetcher{fetcher: f, lim: opts.Limits, pkgs: map[string]*modulePackage{}}, nil
}

func (m *moduleFetcher) close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.pkgs {
		if p.root != nil {
			p.root.Close()
		}
	}
	m.pkgs = map[string]*modulePackage{}
}

// open reads a fetched package once per Scanner.
func (m *moduleFetcher) open(mod modfetch.Module) *modulePackage {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p, ok := m.pkgs[mod.Dir]; ok {
		return p
	}
	p := &modulePackage{key: mod.Key, dir: mod.Dir}
	m.pkgs[mod.Dir] = p
	if p.root, p.err = os.OpenRoot(mod.Dir); p.err != nil {
		return p
	}
	p.set, p.err = readFiles(p.root.FS(), m.lim, nil, nil)
	p.contents = packageContents(p.root.FS())
	return p
}

// packageContents hashes every file of a package, by path and content.
func packageContents(fsys fs.FS) string {
	k := keyWriter{h: sha256.New()}
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			k.field("unreadable", p)
		case d.Type().IsRegular():
			fh := sha256.New()
			f, err := fsys.Open(p)
			if err == nil {
				_, err = io.Copy(fh, f)
				_ = f.Close()
			}
			k.field("file", p, string(fh.Sum(nil)), fmt.Sprint(err))
		case !d.IsDir():
			k.field("other", p, d.Type().String())
		}
		return nil
	})
	return hex.EncodeToString(k.h.Sum(nil))
}

// hidden tells the package's files Trivy must not read.
func (p *modulePackage) hidden(name string) bool {
	if p.set.hidden[name] {
		return true
	}
	f, ok := p.set.files[name]
	return ok && f.Rejected
}

// moduleView presents fetched modules to Trivy's parser as `terraform
// init` leaves them: each root module gets a .terraform/modules/modules.json
// (the tree's own entries, and one per fetched call) and each fetched call
// a directory .terraform/modules/<key> serving its package, read-only.
type moduleView struct {
	files   map[string][]byte         // modules.json, by path in the scanned FS
	mounts  map[string]*modulePackage // by .terraform/modules/<key> path
	digests map[string]string         // by root: what the view gives it, for --cache-dir
}

// active tells whether any root module has a fetched module.
func (v *moduleView) active() bool { return v != nil && len(v.mounts) > 0 }

// resolve returns the filesystem serving name and its name there, when
// name is part of the view.
func (v *moduleView) resolve(name string) (fs.FS, string, bool) {
	if v == nil {
		return nil, "", false
	}
	if data, ok := v.files[name]; ok {
		return fstest.MapFS{"modules.json": &fstest.MapFile{Data: data, Mode: 0o444, ModTime: time.Time{}}}, "modules.json", true
	}
	for p := name; p != "." && p != "/" && p != ""; p = path.Dir(p) {
		if pkg, ok := v.mounts[p]; ok {
			rel := strings.TrimPrefix(strings.TrimPrefix(name, p), "/")
			if rel == "" {
				rel = "."
			}
			return packageFS{pkg}, rel, true
		}
		if !strings.Contains(p, ".terraform/modules/") {
			break
		}
	}
	return nil, "", false
}

// digest says what the view gives root, for the evaluation cache's key.
func (v *moduleView) digest(root string) string {
	if v == nil {
		return ""
	}
	return v.digests[root]
}

// packageFS serves a package, without its hidden files.
type packageFS struct{ p *modulePackage }

func (f packageFS) Open(name string) (fs.File, error) {
	if f.p.hidden(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return f.p.root.FS().Open(name)
}

func (f packageFS) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(f.p.root.FS(), name)
	return slices.DeleteFunc(entries, func(e fs.DirEntry) bool { return f.p.hidden(path.Join(name, e.Name())) }), err
}

func (f packageFS) Stat(name string) (fs.FileInfo, error) {
	if f.p.hidden(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return fs.Stat(f.p.root.FS(), name)
}

// fetchModules, with --download-modules, fetches the remote modules of
// the root modules and presents them in the overlay; a module that could
// not be fetched is a note of the root modules calling it.
func (ps *pathScan) fetchModules(ctx context.Context) {
	if ps.s.modules == nil {
		return
	}
	view, notes := ps.s.modules.fetchModules(ctx, ps.rootDir.FS(), ps.set, ps.roots)
	ps.ov.modules = view
	for i, root := range ps.roots {
		ps.results[i].notes = append(ps.results[i].notes, notes[root]...)
	}
}

// moduleEntry is one entry of modules.json, as Terraform writes it.
type moduleEntry struct {
	Key     string `json:"Key"`
	Source  string `json:"Source"`
	Version string `json:"Version,omitempty"`
	Dir     string `json:"Dir"`
}

// moduleWalk follows the module calls of one root module.
type moduleWalk struct {
	ctx     context.Context
	m       *moduleFetcher
	set     *fileSet
	root    string
	tree    map[string]bool // keys the tree's own modules.json has
	entries []moduleEntry
	mounts  map[string]*modulePackage
	notes   []finding.Note
	fetched int
}

// fetchModules fetches, for each root module, the remote modules it calls
// (through its local modules, and within fetched modules, recursively)
// that the tree's own .terraform/modules/modules.json does not have. A
// failure is a note naming the call, its source and why; the rest of the
// scan goes on.
func (m *moduleFetcher) fetchModules(ctx context.Context, base fs.FS, set *fileSet, roots []string) (*moduleView, map[string][]finding.Note) {
	v := &moduleView{files: map[string][]byte{}, mounts: map[string]*modulePackage{}, digests: map[string]string{}}
	notes := map[string][]finding.Note{}
	for _, root := range roots {
		w := &moduleWalk{ctx: ctx, m: m, set: set, root: root, tree: cachedModules(base, root), mounts: map[string]*modulePackage{}}
		w.walkTree(root, "", 0)
		notes[root] = w.notes
		if len(w.entries) == 0 {
			continue
		}
		manifest := path.Join(root, ".terraform/modules/modules.json")
		var doc struct {
			Modules []moduleEntry `json:"Modules"`
		}
		doc.Modules, _ = modulesManifest(base, root) // undecodable: Trivy would have ignored it too
		doc.Modules = append(doc.Modules, w.entries...)
		data, err := json.Marshal(doc)
		if err != nil {
			continue
		}
		v.files[manifest] = data
		h := sha256.New()
		h.Write(data)
		for _, p := range slices.Sorted(maps.Keys(w.mounts)) {
			fmt.Fprintf(h, "\x00%s=%s:%s", p, w.mounts[p].key, w.mounts[p].contents)
			v.mounts[p] = w.mounts[p]
		}
		v.digests[root] = hex.EncodeToString(h.Sum(nil))
	}
	return v, notes
}

func joinKey(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// address is a modules.json key as Terraform names the call.
func address(key string) string {
	return "module." + strings.ReplaceAll(key, ".", ".module.")
}

// walkTree follows the calls of a module directory of the scanned tree.
func (w *moduleWalk) walkTree(dir, prefix string, depth int) {
	if depth > maxModuleDepth {
		return // a cycle of local calls; breakCycles reports it
	}
	for _, f := range w.set.filesIn(dir) {
		if f.Vars || f.Syntax == nil || f.Rejected {
			continue
		}
		for _, b := range topBlocks(f.Syntax) {
			if b.Type != "module" || len(b.Labels) == 0 {
				continue
			}
			src, rng, ok := literalString(b.Body, "source")
			if !ok || !hclsyntax.ValidIdentifier(b.Labels[0]) {
				continue // Terraform refuses the call; the key would name a path
			}
			key := joinKey(prefix, b.Labels[0])
			if isLocalSource(src) {
				if target := path.Join(dir, src); w.set.tfDirs[target] {
					w.walkTree(target, key, depth+1)
				}
				continue
			}
			if w.tree[key] {
				continue // `terraform init` fetched it: Trivy reads the tree's copy
			}
			version, _, _ := literalString(b.Body, "version")
			w.remote(key, src, version, tfmodel.ConvertRange(rng, f.Path, f.Src), depth)
		}
	}
}

// remote fetches one remote call and follows the calls of its module.
// Notes go at at: the call in the scanned tree that leads to it.
func (w *moduleWalk) remote(key, src, version string, at finding.Range, depth int) {
	note := func(msg string) {
		w.notes = append(w.notes, finding.Note{Kind: finding.NoteModuleNotLoaded, Range: at,
			Message: fmt.Sprintf("%s: remote source %q %s; its resources were not checked", address(key), src, msg)})
	}
	if depth > maxModuleDepth {
		note(fmt.Sprintf("is nested more than %d modules deep and was not downloaded", maxModuleDepth))
		return
	}
	if w.fetched >= maxFetchedPerRoot {
		note(fmt.Sprintf("was not downloaded: the root module already calls %d remote modules", maxFetchedPerRoot))
		return
	}
	w.fetched++
	mod, err := w.m.fetcher.Fetch(w.ctx, src, version)
	if err != nil {
		note("could not be downloaded: " + err.Error())
		return
	}
	pkg := w.m.open(mod)
	if pkg.err != nil {
		note("could not be read from the module cache: " + pkg.err.Error())
		return
	}
	if st, err := fs.Stat(packageFS{pkg}, cmp.Or(mod.Subdir, ".")); err != nil || !st.IsDir() {
		note(fmt.Sprintf("was downloaded but has no directory %q", mod.Subdir))
		return
	}
	mount := path.Join(".terraform/modules", key)
	w.mounts[path.Join(w.root, mount)] = pkg
	w.entries = append(w.entries, moduleEntry{Key: key, Source: src, Version: mod.Version, Dir: path.Join(mount, mod.Subdir)})
	for _, f := range pkg.set.sortedPaths() {
		if pf := pkg.set.files[f]; pf.Rejected {
			w.notes = append(w.notes, finding.Note{Kind: finding.NoteFileSkipped, Range: at,
				Message: fmt.Sprintf("%s: file %s of remote source %q is over a limit (--max-file-size, --max-nesting) and was not checked", address(key), f, src)})
		}
	}
	w.walkPackage(pkg, mount, cmp.Or(mod.Subdir, "."), key, src, at, depth+1)
}

// walkPackage follows the calls of a module directory (dir, within the
// package mounted at mount).
func (w *moduleWalk) walkPackage(pkg *modulePackage, mount, dir, prefix, pkgSource string, at finding.Range, depth int) {
	if depth > maxModuleDepth {
		return
	}
	for _, f := range pkg.set.filesIn(dir) {
		if f.Vars || f.Syntax == nil || f.Rejected {
			continue
		}
		for _, b := range topBlocks(f.Syntax) {
			if b.Type != "module" || len(b.Labels) == 0 {
				continue
			}
			src, _, ok := literalString(b.Body, "source")
			if !ok || !hclsyntax.ValidIdentifier(b.Labels[0]) {
				continue
			}
			key := joinKey(prefix, b.Labels[0])
			if isLocalSource(src) {
				target := path.Join(dir, src)
				if target == ".." || strings.HasPrefix(target, "../") {
					w.notes = append(w.notes, finding.Note{Kind: finding.NoteModuleNotLoaded, Range: at,
						Message: fmt.Sprintf("%s: local source %q leaves the package of %q; its resources were not checked", address(key), src, pkgSource)})
					continue
				}
				if pkg.set.tfDirs[target] {
					w.entries = append(w.entries, moduleEntry{Key: key, Source: src, Dir: path.Join(mount, target)})
					w.walkPackage(pkg, mount, target, key, pkgSource, at, depth+1)
				}
				continue
			}
			version, _, _ := literalString(b.Body, "version")
			w.remote(key, src, version, at, depth)
		}
	}
}

// wireModules is a moduleView for an evaluation worker: the modules.json
// files and, for each mount, the package's directory in the module cache
// and the files of it tfreview did not read.
type wireModules struct {
	Files  map[string][]byte
	Mounts map[string]wirePackage
}

type wirePackage struct {
	Key    string
	Dir    string
	Hidden []string
}

// wire is the view for a worker; nil when no root module has a fetched
// module.
func (v *moduleView) wire() *wireModules {
	if !v.active() {
		return nil
	}
	w := &wireModules{Files: v.files, Mounts: map[string]wirePackage{}}
	for at, pkg := range v.mounts {
		wp := wirePackage{Key: pkg.key, Dir: pkg.dir}
		for name := range pkg.set.hidden {
			wp.Hidden = append(wp.Hidden, name)
		}
		for name, f := range pkg.set.files {
			if f.Rejected {
				wp.Hidden = append(wp.Hidden, name)
			}
		}
		slices.Sort(wp.Hidden)
		w.Mounts[at] = wp
	}
	return w
}

// moduleViewFromWire opens the packages of w (in the worker); close
// closes them.
func moduleViewFromWire(w *wireModules) (v *moduleView, close func(), err error) {
	v = &moduleView{files: w.Files, mounts: map[string]*modulePackage{}}
	opened := map[string]*modulePackage{}
	close = func() {
		for _, p := range opened {
			p.root.Close()
		}
	}
	for at, wp := range w.Mounts {
		p, ok := opened[wp.Dir]
		if !ok {
			root, err := os.OpenRoot(wp.Dir)
			if err != nil {
				close()
				return nil, nil, fmt.Errorf("open fetched module %s: %w", wp.Key, err)
			}
			p = &modulePackage{key: wp.Key, dir: wp.Dir, root: root, set: &fileSet{hidden: map[string]bool{}, files: map[string]*sourceFile{}}}
			for _, name := range wp.Hidden {
				p.set.hidden[name] = true
			}
			opened[wp.Dir] = p
		}
		v.mounts[at] = p
	}
	return v, close, nil
}
