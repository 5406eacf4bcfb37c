package scanner

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/trivyadapter"
	"github.com/tfreview/tfreview/scanner/cache"
)

// evalCache is the Scanner's --cache-dir: each root module's evaluation
// (what a worker returns) under a key covering everything that can change
// it (rootKey).
type evalCache struct {
	dir *cache.Dir
	// binary is the hash of this executable: tfreview's version, Trivy's
	// and the embedded checks, whatever the version string says.
	binary     func() (string, error)
	bundleHash sync.Map // checks bundle dir -> hash of its files
}

func newEvalCache(dir string) (*evalCache, error) {
	d, err := cache.Open(dir)
	if err != nil {
		return nil, err
	}
	return &evalCache{dir: d, binary: sync.OnceValues(executableHash)}, nil
}

// executableHash names this executable's contents: the Go build ID when
// the linker recorded one (its last part is a hash of the binary's
// contents; reading it costs nothing), else the SHA-256 of the file.
func executableHash() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cache key: %w", err)
	}
	if ef, err := elf.Open(exe); err == nil {
		sec := ef.Section(".note.go.buildid")
		var id []byte
		if sec != nil {
			id, err = sec.Data()
		}
		_ = ef.Close()
		// A note of the ELF header, then the ID: "action/…/content".
		if err == nil && bytes.Count(id, []byte("/")) >= 1 {
			return "go-build-id:" + string(id), nil
		}
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", fmt.Errorf("cache key: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("cache key: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// cacheEntry is one root module's evaluation, as a worker replies it.
type cacheEntry struct {
	Notes        []finding.Note
	Model        *wireRootModule
	ExtraSources map[string][]byte
	Resources    int
	Findings     []finding.Finding
}

// keyWriter writes length-prefixed fields, so that no two different
// inputs hash alike by shifting bytes between fields.
type keyWriter struct{ h hash.Hash }

func (k keyWriter) field(parts ...string) {
	for _, p := range parts {
		fmt.Fprintf(k.h, "%d:", len(p))
		_, _ = io.WriteString(k.h, p) // a hash takes every write
	}
	k.h.Write([]byte{0})
}

// treeKey hashes what every root module of one scan path depends on: the
// executable, the options that change evaluation, variable inputs given
// outside the tree, the checks, and every file of the tree that is not a
// Terraform file tfreview parsed — modules below .terraform, files read by
// file() or templatefile() — so that any change there invalidates every
// root module rather than none.
func (c *evalCache) treeKey(rootDir *os.Root, set *fileSet, opts Options, userVarFiles []string, eopts *trivyadapter.EngineOptions) (keyWriter, error) {
	k := keyWriter{h: sha256.New()}
	bin, err := c.binary()
	if err != nil {
		return k, err
	}
	// The scanned directory's path is left out: the --new-since base is
	// checked out in a new temporary directory every time, and its root
	// modules are those the previous scan of the base branch cached.
	k.field("tfreview-eval-cache", cache.Version, bin)
	engines := slices.Clone(opts.Engines)
	slices.Sort(engines)
	k.field(engines...)
	k.field(opts.Checks...)
	k.field(opts.DisabledChecks...)
	k.field(fmt.Sprint(opts.AllowDownloads, opts.Limits.MaxFileSize, opts.Limits.MaxNesting, opts.Limits.MaxInstances))
	for _, v := range userVarFiles {
		src, err := os.ReadFile("/" + v)
		if err != nil {
			return k, fmt.Errorf("cache key: %w", err)
		}
		k.field("var-file", string(src)) // by content: --new-since reads the base's copy
	}
	if eopts != nil {
		k.field(eopts.Providers...)
		if eopts.ChecksBundle != "" {
			bh, err := c.bundle(eopts.ChecksBundle)
			if err != nil {
				return k, err
			}
			k.field("bundle", bh)
		}
	}
	// Everything else in the tree, by content.
	err = fs.WalkDir(rootDir.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			k.field("unreadable", p)
			return nil
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return fs.SkipDir
			}
			return nil
		}
		if _, parsed := set.files[p]; parsed {
			return nil
		}
		if !d.Type().IsRegular() {
			target, _ := rootDir.Readlink(p)
			k.field("other", p, d.Type().String(), target)
			return nil
		}
		f, err := rootDir.Open(p)
		if err != nil {
			k.field("unreadable", p)
			return nil
		}
		defer f.Close()
		fh := sha256.New()
		if _, err := io.Copy(fh, f); err != nil {
			// A file that cannot be read whole keys differently from
			// one that can: the next scan misses rather than trusts it.
			_, _ = io.WriteString(fh, "\x00unread: "+err.Error())
		}
		k.field("file", p, string(fh.Sum(nil)))
		return nil
	})
	return k, err
}

// bundle hashes the files of a checks bundle directory.
func (c *evalCache) bundle(dir string) (string, error) {
	if h, ok := c.bundleHash.Load(dir); ok {
		return h.(string), nil
	}
	k := keyWriter{h: sha256.New()}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		k.field(filepath.ToSlash(rel), string(src))
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("cache key: checks bundle: %w", err)
	}
	h := hex.EncodeToString(k.h.Sum(nil))
	c.bundleHash.Store(dir, h)
	return h, nil
}

// declaredVariables are the names of the variable blocks of the root
// module's own files, sorted.
func declaredVariables(set *fileSet, root string) []string {
	var out []string
	for _, f := range set.filesIn(root) {
		if f.Vars || f.Syntax == nil {
			continue
		}
		for _, b := range topBlocks(f.Syntax) {
			if b.Type == "variable" && len(b.Labels) == 1 {
				out = append(out, b.Labels[0])
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// tfVarEnv is the TF_VAR_ environment, by variable name.
func tfVarEnv() map[string]string {
	out := map[string]string{}
	for _, e := range os.Environ() {
		if k, v, ok := strings.Cut(e, "="); ok && strings.HasPrefix(k, "TF_VAR_") {
			out[strings.TrimPrefix(k, "TF_VAR_")] = v
		}
	}
	return out
}

// rootKey is tree's key extended with the root module's own inputs: the
// files (contents, and the overlay's edits and hiding of them) of its
// directory and of every local module it calls, and its var files.
func rootKey(tree []byte, set *fileSet, ov *overlayFS, hidden []string, root string, varFiles []string, vars map[string]string, env map[string]string) string {
	k := keyWriter{h: sha256.New()}
	k.field(string(tree), root)
	k.field("modules", ov.modules.digest(root))
	k.field(varFiles...)
	// --var and TF_VAR_ set only the root module's own variables: those it
	// does not declare cannot change it.
	for _, name := range declaredVariables(set, root) {
		if v, ok := vars[name]; ok {
			k.field("var", name, v)
		}
		if v, ok := env[name]; ok {
			k.field("env", name, v)
		}
	}
	for _, d := range set.moduleDirs(root) {
		for _, f := range set.filesIn(d) {
			sum := sha256.Sum256(f.Src)
			k.field("tf", f.Path, string(sum[:]), fmt.Sprint(f.Rejected, ov.hidden[f.Path]))
			for _, e := range ov.edits[f.Path] {
				k.field("edit", fmt.Sprint(e.start, e.end), e.text)
			}
		}
		for _, p := range hidden { // sorted
			if path.Dir(p) == d {
				k.field("hidden", p)
			}
		}
	}
	return hex.EncodeToString(k.h.Sum(nil))
}

func (c *evalCache) get(key string) (*cacheEntry, bool) {
	data, ok := c.dir.Get(key)
	if !ok {
		return nil, false
	}
	var e cacheEntry
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&e); err != nil {
		return nil, false
	}
	return &e, true
}

func (c *evalCache) put(key string, e *cacheEntry) error {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(e); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return c.dir.Put(key, buf.Bytes())
}

// fromCache fills the results of the root modules found in the cache and
// returns the others, to evaluate, with their results (copies, which
// store puts back into results and into the cache).
func (s *Scanner) fromCache(rootDir *os.Root, set *fileSet, ov *overlayFS, roots []string, results []rootResult,
	userVarFiles []string, exprs *trivyadapter.ExprIndex, sources map[string][]byte, opts Options, eopts *trivyadapter.EngineOptions,
) (pending []string, pendingResults []rootResult, store func([]rootResult), err error) {
	if s.cache == nil {
		return roots, results, func([]rootResult) {}, nil
	}
	tk, err := s.cache.treeKey(rootDir, set, opts, userVarFiles, eopts)
	if err != nil {
		return nil, nil, nil, err
	}
	tree := tk.h.Sum(nil)
	hidden := slices.Sorted(maps.Keys(ov.hidden))
	env := tfVarEnv()
	var idx []int
	var keys []string
	var before []int // notes made before evaluation
	for i, root := range roots {
		key := rootKey(tree, set, ov, hidden, root, set.autoVarFiles(root), opts.Vars, env)
		if e, ok := s.cache.get(key); ok {
			opts.Logger.Debug("root module from cache", "root", root)
			r := &results[i]
			r.notes = append(r.notes, e.Notes...)
			r.extraSources, r.resources, r.findings = e.ExtraSources, e.Resources, e.Findings
			r.model = decodeModel(e.Model, exprs, sources, e.ExtraSources)
			continue
		}
		opts.Logger.Debug("root module evaluated", "root", root)
		idx = append(idx, i)
		keys = append(keys, key)
		pending = append(pending, root)
		pendingResults = append(pendingResults, results[i])
		before = append(before, len(results[i].notes))
	}
	store = func(done []rootResult) {
		for j, r := range done {
			results[idx[j]] = r
			if r.abandoned || slices.ContainsFunc(r.findings, func(f finding.Finding) bool { return f.RuleID == EvalRuleID }) {
				continue // stopped by a limit or a crash: not an evaluation to keep
			}
			e := &cacheEntry{Notes: r.notes[before[j]:], ExtraSources: r.extraSources, Resources: r.resources, Findings: r.findings}
			if r.model != nil {
				e.Model = toWire(r.model)
			}
			if err := s.cache.put(keys[j], e); err != nil {
				opts.Logger.Warn("root module not cached", "root", pending[j], "error", err)
			}
		}
	}
	return pending, pendingResults, store, nil
}
