package scanner

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"debug/elf"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"log/slog"
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

// cacheEntry is one root module's evaluation, as a worker replies it, its
// Trivy findings refined. Model is the gob of its wireRootModule, decoded
// only when the scan needs the model (not when fromModels is cached).
type cacheEntry struct {
	Notes        []finding.Note
	Model        []byte
	ExtraSources map[string][]byte
	Resources    int
	Findings     []finding.Finding
	Helm         []wireHelmRelease
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
		if eopts.CustomChecks != "" {
			ch, err := c.bundle(eopts.CustomChecks)
			if err != nil {
				return k, err
			}
			k.field("custom", ch)
		}
	}
	// Everything else in the tree, by content.
	// What is read through links to directories is bounded (linkBudget):
	// each link walks its directory again, so a tree of many links to "."
	// would be hashed once per link. Past the budget the key is new each
	// run: no hit, never a stale one.
	var linkEntries int
	var linkBytes int64
	over := false
	overBudget := func() bool {
		if !over && (linkEntries > linkBudget.entries || linkBytes > linkBudget.bytes) {
			over = true
			k.field("links-past-budget", rand.Text())
		}
		return over
	}
	var walk func(dir string, follow bool) error
	walk = func(dir string, follow bool) error {
		return fs.WalkDir(rootDir.FS(), dir, func(p string, d fs.DirEntry, err error) error {
			if !follow {
				if linkEntries++; overBudget() {
					return fs.SkipAll
				}
			}
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
				// A link to a directory of the tree: the evaluation
				// reads through it (a local module's source may name
				// it), under paths no parsed file has. Its files, by
				// content, once: the links in it are walked on their
				// own.
				if st, err := rootDir.Stat(p); follow && !over && err == nil && st.IsDir() {
					k.field("link-dir", p)
					return walk(p, false)
				}
				return nil
			}
			f, err := rootDir.Open(p)
			if err != nil {
				k.field("unreadable", p)
				return nil
			}
			defer f.Close()
			fh := sha256.New()
			var r io.Reader = f
			if !follow {
				r = io.LimitReader(f, linkBudget.bytes-linkBytes+1)
			}
			n, err := io.Copy(fh, r)
			if err != nil {
				// A file that cannot be read whole keys differently from
				// one that can: the next scan misses rather than trusts it.
				_, _ = io.WriteString(fh, "\x00unread: "+err.Error())
			}
			if !follow {
				if linkBytes += n; overBudget() {
					return fs.SkipAll
				}
			}
			k.field("file", p, string(fh.Sum(nil)))
			return nil
		})
	}
	err = walk(".", true)
	return k, err
}

// linkBudget bounds what treeKey reads through links to directories, in
// entries walked and bytes hashed: far above a tree's symlinked module
// directories, far below a tree hashed once per link.
var linkBudget = struct {
	entries int
	bytes   int64
}{entries: 100_000, bytes: 256 << 20}

// bundle hashes the files of a checks bundle (or custom checks)
// directory.
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
	for _, d := range keyedDirs(set, ov, root) {
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

// keyedDirs are the directories of the tree whose files root's
// evaluation reads: those of its local module calls and, as Trivy loads
// each call that root's .terraform/modules/modules.json names from the
// directory it gives there (whatever the call's source says), those
// directories and their own calls.
func keyedDirs(set *fileSet, fsys fs.FS, root string) []string {
	dirs := set.moduleDirs(root)
	entries, ok := modulesManifest(fsys, root)
	if !ok {
		return dirs
	}
	for _, m := range entries {
		dirs = append(dirs, set.moduleDirs(path.Join(root, m.Dir))...)
	}
	slices.Sort(dirs)
	return slices.Compact(dirs)
}

// load decodes the entry under key into v. It is false when there is
// none (or no cache, or no key) or it does not decode: a miss.
func (c *evalCache) load(key string, v any) bool {
	if c == nil || key == "" {
		return false
	}
	data, ok := c.dir.Get(key)
	return ok && decodeGob(data, v) == nil
}

// store puts v under key. An entry that cannot be stored costs only the
// next scan's time: it is logged (msg, with attrs), not an error.
func (c *evalCache) store(key string, v any, logger *slog.Logger, msg string, attrs ...any) {
	if c == nil || key == "" {
		return
	}
	data, err := encodeGob(v)
	if err == nil {
		err = c.dir.Put(key, data)
	}
	if err != nil {
		logger.Warn(msg, append(attrs, "error", err)...)
	}
}

func encodeGob(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	return buf.Bytes(), nil
}

func decodeGob(data []byte, v any) error {
	return gob.NewDecoder(bytes.NewReader(data)).Decode(v)
}

// cacheLookup is what --cache-dir gave one path scan: every root
// module's key, and the indexes of those it did not hold — to evaluate —
// with how many notes each had before evaluation (those are not the
// evaluation's). Without --cache-dir every root module is missed.
type cacheLookup struct {
	tree   []byte   // treeKey's hash
	keys   []string // by root module
	idx    []int
	before []int
}

// fromCache fills the results of the root modules found in the cache
// (their findings already refined; their models still encoded, in
// wireModel) and returns which are missing, to evaluate, refine and then
// store.
func (s *Scanner) fromCache(rootDir *os.Root, set *fileSet, ov *overlayFS, roots []string, results []rootResult,
	userVarFiles []string, opts Options, eopts *trivyadapter.EngineOptions,
) (cacheLookup, error) {
	var miss cacheLookup
	if s.cache == nil {
		miss.idx = make([]int, len(roots))
		for i := range roots {
			miss.idx[i] = i
		}
		return miss, nil
	}
	tk, err := s.cache.treeKey(rootDir, set, opts, userVarFiles, eopts)
	if err != nil {
		return miss, err
	}
	miss.tree = tk.h.Sum(nil)
	hidden := slices.Sorted(maps.Keys(ov.hidden))
	env := tfVarEnv()
	miss.keys = make([]string, len(roots))
	for i, root := range roots {
		miss.keys[i] = rootKey(miss.tree, set, ov, hidden, root, set.autoVarFiles(root), opts.Vars, env)
	}
	hit := make([]bool, len(roots))
	inParallel(len(roots), func(i int) {
		var e cacheEntry
		if !s.cache.load(miss.keys[i], &e) {
			return
		}
		r := &results[i]
		r.notes = append(r.notes, e.Notes...)
		r.extraSources, r.resources, r.findings, r.wireModel, r.wireHelm = e.ExtraSources, e.Resources, e.Findings, e.Model, e.Helm
		hit[i] = true
	})
	for i, root := range roots {
		if hit[i] {
			opts.Logger.Debug("root module from cache", "root", root)
			continue
		}
		opts.Logger.Debug("root module evaluated", "root", root)
		miss.idx = append(miss.idx, i)
		miss.before = append(miss.before, len(results[i].notes))
	}
	return miss, nil
}

// decodeCached decodes the models of the root modules that came from the
// cache, on every core: with the model's values, most of a warm scan that
// needs them.
func decodeCached(results []rootResult, exprs *trivyadapter.ExprIndex, sources map[string][]byte) {
	inParallel(len(results), func(i int) {
		r := &results[i]
		if r.wireModel == nil {
			return
		}
		var w wireRootModule
		if err := decodeGob(r.wireModel, &w); err == nil {
			r.model = decodeModel(&w, exprs, sources, r.extraSources)
			r.helm = helmFromWire(r.wireHelm, r.model)
		}
		r.wireModel, r.wireHelm = nil, nil
	})
}

// storeCache puts the evaluated (and refined) root modules into the
// cache; evalNotes[j] is how many notes the j-th had after evaluation,
// before the scan added its own.
func (s *Scanner) storeCache(miss cacheLookup, roots []string, results []rootResult, evalNotes []int, opts Options) {
	if s.cache == nil {
		return
	}
	for j, i := range miss.idx {
		r := results[i]
		if r.abandoned || slices.ContainsFunc(r.findings, func(f finding.Finding) bool { return f.RuleID == EvalRuleID }) {
			continue // stopped by a limit or a crash: not an evaluation to keep
		}
		e := &cacheEntry{Notes: r.notes[miss.before[j]:evalNotes[j]], ExtraSources: r.extraSources, Resources: r.resources, Findings: r.findings,
			Helm: helmToWire(r.helm)}
		if r.model != nil {
			var err error
			if e.Model, err = encodeGob(toWire(r.model)); err != nil {
				opts.Logger.Warn("root module not cached", "root", roots[i], "error", err)
				continue
			}
		}
		s.cache.store(miss.keys[i], e, opts.Logger, "root module not cached", "root", roots[i])
	}
}

// k8sEntry is the findings of one unit of Kubernetes objects (a YAML
// file's, or one Terraform-declared object's) as Trivy's checks gave them,
// and how many objects the unit has (a YAML file without any is not a
// manifest: not a source of the report, not counted).
type k8sEntry struct {
	Objects  int
	Findings []finding.Finding
}

// k8sKey is the key of a unit of Kubernetes objects: this executable,
// the options that change Trivy's Kubernetes checks, and the unit's
// parts (its kind, file and contents). It is "" — nothing cached — without
// --cache-dir or when the checks bundle cannot be read.
func (c *evalCache) k8sKey(opts Options, parts ...string) string {
	if c == nil {
		return ""
	}
	bin, err := c.binary()
	if err != nil {
		return ""
	}
	k := keyWriter{h: sha256.New()}
	k.field("tfreview-k8s-cache", cache.Version, bin, opts.K8sPSS)
	if opts.ChecksBundle != "" {
		bh, err := c.bundle(opts.ChecksBundle)
		if err != nil {
			return ""
		}
		k.field("bundle", bh)
	}
	k.field(parts...)
	return hex.EncodeToString(k.h.Sum(nil))
}

// fromModels is what one scan path got from its evaluated models, beyond
// each root module's own evaluation: the built-in checks' findings, the
// instance-clamp notes, and the Kubernetes findings on what Terraform
// declares. --cache-dir keeps it under projectKey, so that a rescan in
// which every root module comes from the cache decodes no model at all.
type fromModels struct {
	Clamped      [][]finding.Note // by root module
	Builtin      []finding.Finding
	BuiltinNotes []finding.Note
	K8s          []finding.Finding // Terraform-declared objects, then helm_release charts

	cached bool // from the cache: the models were not decoded
	failed bool // an engine error: not an answer to keep
}

// projectKey is the key of a scan path's fromModels: every root module's
// key, in order, and everything else the built-in checks and the
// Kubernetes checks read — every parsed file (the checks read tfvars and
// sources directly), the files hidden, the checks selected and their
// configuration.
func projectKey(miss cacheLookup, set *fileSet, ov *overlayFS, opts Options, selected []string) string {
	k := keyWriter{h: sha256.New()}
	k.field("tfreview-project-cache", string(miss.tree))
	k.field(miss.keys...)
	for _, p := range set.sortedPaths() {
		f := set.files[p]
		sum := sha256.Sum256(f.Src)
		k.field("file", p, string(sum[:]), fmt.Sprint(f.Rejected, f.Vars, ov.hidden[p]))
	}
	k.field(slices.Sorted(maps.Keys(ov.hidden))...)
	k.field(selected...)
	k.field(fmt.Sprintf("%#v", opts.RulesConfig), opts.K8sPSS, opts.ChecksBundle)
	return hex.EncodeToString(k.h.Sum(nil))
}
