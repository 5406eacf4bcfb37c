package scanner

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/trivyadapter"
	"github.com/tfreview/tfreview/rules"
	"github.com/tfreview/tfreview/tfmodel"
)

// pathScan is the scan of one directory, in named steps that run in
// order (scanPath):
//
//	read → selectRoots → collect → prepareRoots → fetchModules → evaluate → refine → merge → runRules → (Kubernetes)
//
// Each step reads what the ones before it filled in.
type pathScan struct {
	s        *Scanner
	abs      string // the directory, absolute
	prefix   string // the directory relative to the report's root
	opts     Options
	selected []*rules.Rule
	rep      *finding.Report

	// read
	rootDir *os.Root
	set     *fileSet
	ov      *overlayFS
	graph   map[string][]string     // module calls, cycles broken
	wrapped map[instanceSite]string // blocks whose instances were clamped
	// selectRoots
	roots   []string
	inScope func(file string) bool // its ignores and parse errors count (closure of the roots)
	owned   func(file string) bool // this scan reports its parse errors, notes and file count (a shard owns each file once)
	// collect
	out        []finding.Finding
	directives []*ignoreDirective
	proj       *tfmodel.Project
	exprs      *trivyadapter.ExprIndex
	// prepareRoots
	userVarFiles []string
	engine       *trivyadapter.EngineOptions // nil: Trivy's checks do not run
	results      []rootResult                // one per root, in root order
	// evaluate
	miss      cacheLookup // the root modules evaluated (all, without --cache-dir)
	models    *fromModels // what the models give, from the cache or to store there; nil without --cache-dir
	modelsKey string      // models' key in --cache-dir
}

// scanPath scans one directory.
func (s *Scanner) scanPath(ctx context.Context, abs, prefix string, opts Options, selected []*rules.Rule, rep *finding.Report) ([]finding.Finding, []*ignoreDirective, *tfmodel.Project, error) {
	ps := &pathScan{s: s, abs: abs, prefix: prefix, opts: opts, selected: selected, rep: rep}
	if err := ps.read(); err != nil {
		return nil, nil, nil, err
	}
	defer ps.rootDir.Close()
	if s.cache == nil && opts.engineOn(EngineTrivy) && mayScanKubernetes(ps.set) {
		// Compile the Kubernetes checks while the root modules are
		// evaluated rather than after (errors: when scanKubernetes asks).
		// With --cache-dir they may not be needed at all.
		s.ahead.Go(func() { _, _ = s.k8sEngine(opts) })
	}
	ps.selectRoots()
	if err := ps.collect(); err != nil {
		return nil, nil, nil, err
	}
	if err := ps.prepareRoots(); err != nil {
		return nil, nil, nil, err
	}
	ps.fetchModules(ctx)
	if err := ps.evaluate(ctx); err != nil {
		return nil, nil, nil, err
	}
	ps.refine()
	ps.merge()
	ps.runRules()
	var releases []trivyadapter.HelmRelease
	for _, r := range ps.results {
		releases = append(releases, r.helm...)
	}
	out, err := s.scanKubernetes(ctx, ps.rootDir.FS(), ps.proj, releases, opts, ps.out, rep, ps.models)
	if err != nil {
		return nil, nil, nil, err
	}
	ps.storeModels()
	return out, ps.directives, ps.proj, nil
}

// read reads and parses the directory's files through an os.Root, which
// confines every read — Trivy's file(), templatefile() and module sources
// included — to it: symlinks and ".." cannot escape. It then builds the
// overlay the evaluation sees: rejected files hidden, module cycles broken,
// instance counts clamped.
func (ps *pathScan) read() error {
	rootDir, err := os.OpenRoot(ps.abs)
	if err != nil {
		return fmt.Errorf("open %s: %w", ps.abs, err)
	}
	set, err := readFiles(rootDir.FS(), ps.opts.Limits, ps.opts.SkipDirs, ps.opts.SkipFiles)
	if err != nil {
		rootDir.Close()
		return fmt.Errorf("read %s: %w", ps.abs, err)
	}
	ov := newOverlay(rootDir.FS())
	rejected := false
	for p, f := range set.files {
		if f.Rejected {
			ov.hidden[p] = true
			rejected = true
		}
	}
	if rejected {
		// Lexing a file that was then rejected (3 million `!`) can take a
		// gigabyte, garbage now; Go would give it back to the system only
		// slowly, and the evaluation workers are about to take their own
		// share. Give it back before they start.
		debug.FreeOSMemory()
	}
	for p := range set.hidden {
		ov.hidden[p] = true
	}
	graph, cycleNotes := set.breakCycles(ov)
	ps.rep.Notes = append(ps.rep.Notes, cycleNotes...)
	clampNotes, wrapped := set.clampInstances(ov, ps.opts.Limits.MaxInstances)
	ps.rep.Notes = append(ps.rep.Notes, clampNotes...)
	ov.seal()
	ps.rootDir, ps.set, ps.ov, ps.graph, ps.wrapped = rootDir, set, ov, graph, wrapped
	return nil
}

// selectRoots finds the root modules, keeps those of --new-since's base
// (OnlyRoots) and of this shard, and says which files are in scope and
// which this scan owns.
func (ps *pathScan) selectRoots() {
	roots := ps.set.findRoots(ps.graph)
	inScope := func(string) bool { return true }
	if ps.opts.OnlyRoots != nil {
		roots, inScope = ps.set.onlyRoots(roots, ps.prefix, ps.opts.OnlyRoots)
	}
	owned := inScope
	if ps.opts.Shard.active() {
		var inClosure, ownedByShard func(string) bool
		roots, inClosure, ownedByShard = ps.set.shardRoots(roots, ps.opts.Shard)
		scope := inScope
		inScope = func(f string) bool { return scope(f) && inClosure(f) }
		owned = func(f string) bool { return scope(f) && ownedByShard(f) }
	}
	ps.roots, ps.inScope, ps.owned = roots, inScope, owned
}

// collect gathers what reading found — parse errors, notes, the file
// count, ignore directives (comments and .trivyignore) — and the project
// the engines fill.
func (ps *pathScan) collect() error {
	set := ps.set
	for _, f := range set.parseErr {
		if ps.owned(f.Range.File) {
			ps.out = append(ps.out, f)
		}
	}
	for _, n := range set.notes {
		if n.Range.File == "" || ps.owned(n.Range.File) {
			ps.rep.Notes = append(ps.rep.Notes, n)
		}
	}
	ps.proj = &tfmodel.Project{Root: ps.abs, Sources: set.sources()}
	for _, p := range set.sortedPaths() {
		f := set.files[p]
		if ps.owned(p) && !f.Vars {
			ps.rep.Stats.Files++
		}
		if ps.inScope(p) {
			ps.directives = append(ps.directives, findIgnores(f)...)
		}
	}
	trivyIgnores, err := readTrivyIgnores(ps.abs)
	if err != nil {
		return fmt.Errorf("scan %s: %w", ps.abs, err)
	}
	ps.directives = append(ps.directives, trivyIgnores...)
	ps.proj.Syntax = map[string]*hclFile{}
	for p, f := range set.files {
		if f.Syntax != nil {
			ps.proj.Syntax[p] = f.Syntax
		}
	}
	ps.exprs = trivyadapter.IndexExpressions(ps.proj.Syntax)
	return nil
}

// prepareRoots gives each root module its tfvars files (Terraform's own,
// then --var-file) and its notes (remote modules, unset variables), and
// says which providers' checks to compile.
func (ps *pathScan) prepareRoots() error {
	userVarFiles, err := absPaths(ps.opts.VarFiles)
	if err != nil {
		return err
	}
	ps.userVarFiles = userVarFiles
	if ps.opts.engineOn(EngineTrivy) && len(ps.roots) > 0 {
		ps.engine = &trivyadapter.EngineOptions{ChecksBundle: ps.opts.ChecksBundle, CustomChecks: ps.opts.CustomChecks,
			Providers: ps.set.trivyProviders(ps.ov, ps.roots, ps.opts.AllowDownloads)}
	}
	ps.results = make([]rootResult, len(ps.roots))
	for i, root := range ps.roots {
		tfvars := ps.set.autoVarFiles(root)
		cfgPaths := make([]string, 0, len(tfvars)+len(userVarFiles))
		for _, v := range tfvars {
			cfgPaths = append(cfgPaths, strings.TrimPrefix(filepath.ToSlash(filepath.Join(ps.abs, v)), "/"))
		}
		cfgPaths = append(cfgPaths, userVarFiles...)
		ps.results[i].notes = append(ps.set.moduleNotes(ps.ov, root, ps.opts.AllowDownloads), ps.set.variableNotes(root, tfvars, ps.opts.Vars)...)
		ps.results[i].varFiles = cfgPaths
	}
	return nil
}

// evaluate evaluates the root modules that --cache-dir does not already
// hold, in the evaluation workers or in this process.
func (ps *pathScan) evaluate(ctx context.Context) error {
	s, opts := ps.s, ps.opts
	miss, err := s.fromCache(ps.rootDir, ps.set, ps.ov, ps.roots, ps.results, ps.userVarFiles, opts, ps.engine)
	if err != nil {
		return err
	}
	ps.miss = miss
	if s.cache != nil {
		ps.models = &fromModels{}
		ps.modelsKey = projectKey(miss, ps.set, ps.ov, opts, ruleIDs(ps.selected))
		if e := (fromModels{}); len(miss.idx) == 0 && s.cache.load(ps.modelsKey, &e) {
			opts.Logger.Debug("models from cache", "path", ps.prefix)
			e.cached = true
			ps.models = &e
		}
		if !ps.models.cached {
			decodeCached(ps.results, ps.exprs, ps.proj.Sources)
		}
	}
	pending := make([]string, len(miss.idx))
	pendingResults := make([]rootResult, len(miss.idx))
	for j, i := range miss.idx {
		pending[j], pendingResults[j] = ps.roots[i], ps.results[i]
	}
	switch {
	case len(pending) == 0:
		// Every root module came from the cache.
	case s.pool != nil:
		err = s.evaluateInWorkers(ctx, ps.abs, pending, ps.ov, ps.proj.Sources, ps.exprs, opts, ps.engine, pendingResults)
	default:
		var engine func() (*trivyadapter.Engine, error)
		if eopts := ps.engine; eopts != nil {
			// Compiling Trivy's checks is the fixed cost of a scan (most
			// of a small one): it runs on its own goroutine while root
			// modules are evaluated, and the first root module to need it
			// waits.
			s.ahead.Go(func() { _, _ = s.engines.get(*eopts) }) // errors: on first use
			engine = func() (*trivyadapter.Engine, error) { return s.engines.get(*eopts) }
		}
		err = forEachRoot(ctx, len(pending), func(ctx context.Context, i int) error {
			return scanRootWithin(ctx, ps.ov, ps.abs, pending[i], ps.proj.Sources, ps.exprs, opts, engine, &pendingResults[i])
		})
	}
	if err != nil {
		return err
	}
	for j, i := range miss.idx {
		ps.results[i] = pendingResults[j]
	}
	return nil
}

// refine adds the files the evaluation read (file(), templatefile()) to
// the sources, gives the new evaluations' Trivy findings their columns
// and fixes (refineTrivy), and stores those evaluations in
// --cache-dir, refined, so that a cached root module skips this too.
func (ps *pathScan) refine() {
	proj := ps.proj
	for _, r := range ps.results {
		if r.abandoned {
			// The abandoned evaluation still reads the sources map.
			proj.Sources = maps.Clone(proj.Sources)
			break
		}
	}
	for _, r := range ps.results {
		for p, src := range r.extraSources {
			if _, ok := proj.Sources[p]; !ok {
				proj.Sources[p] = src
			}
		}
	}
	// On one goroutine: refining is cheap, and two goroutines allocating
	// while the collector marks made the main process's peak on the
	// roots-1000 corpus 15% higher (1.65 against 1.43 GB).
	for _, i := range ps.miss.idx {
		if r := &ps.results[i]; r.model != nil {
			refineTrivy(r.findings, indexBlocks(r.model), proj)
		}
	}
	evalNotes := make([]int, len(ps.miss.idx))
	for j, i := range ps.miss.idx {
		evalNotes[j] = len(ps.results[i].notes)
	}
	ps.s.storeCache(ps.miss, ps.roots, ps.results, evalNotes, ps.opts)
}

// storeModels puts what the models gave into --cache-dir, when every
// root module was evaluated (or came from the cache) without a problem.
func (ps *pathScan) storeModels() {
	m := ps.models
	if m == nil || m.cached || m.failed || slices.ContainsFunc(ps.results, func(r rootResult) bool { return r.abandoned }) {
		return
	}
	ps.s.cache.store(ps.modelsKey, m, ps.opts.Logger, "scan path not cached")
}

// merge adds each root module's notes, model and findings to the scan,
// in root order so that the report does not depend on scheduling.
func (ps *pathScan) merge() {
	proj, rep, models := ps.proj, ps.rep, ps.models
	if models != nil && !models.cached {
		models.Clamped = make([][]finding.Note, len(ps.results))
	}
	for i := range ps.results {
		switch m := ps.results[i].model; {
		case models != nil && models.cached:
			ps.results[i].notes = append(ps.results[i].notes, models.Clamped[i]...)
		case m != nil:
			clamped := clampedNotes(m, ps.wrapped, ps.opts.Limits.MaxInstances)
			ps.results[i].notes = append(ps.results[i].notes, clamped...)
			if models != nil {
				models.Clamped[i] = clamped
			}
		}
	}
	for _, r := range ps.results {
		rep.Notes = append(rep.Notes, r.notes...)
		if r.model == nil && r.wireModel == nil {
			ps.out = append(ps.out, r.findings...) // TFR-EVAL
			if models != nil {
				models.failed = true
			}
			continue
		}
		rep.Stats.RootModules++
		rep.Stats.Resources += r.resources
		if r.model != nil {
			proj.RootModules = append(proj.RootModules, r.model)
		}
		ps.out = append(ps.out, r.findings...)
	}
}

// runRules runs the selected built-in checks over the evaluated project.
func (ps *pathScan) runRules() {
	if !ps.opts.engineOn(EngineBuiltin) || len(ps.selected) == 0 {
		return
	}
	if m := ps.models; m != nil && m.cached {
		ps.rep.Notes = append(ps.rep.Notes, m.BuiltinNotes...)
		ps.out = append(ps.out, m.Builtin...)
		return
	}
	fs, errs := rules.Run(ps.proj, ps.opts.RulesConfig, ps.selected)
	var notes []finding.Note
	for _, err := range errs {
		notes = append(notes, finding.Note{Kind: finding.NoteEngineError, Message: err.Error()})
	}
	ps.rep.Notes = append(ps.rep.Notes, notes...)
	ps.out = append(ps.out, fs...)
	if m := ps.models; m != nil {
		m.Builtin, m.BuiltinNotes = slices.Clone(fs), notes
		m.failed = m.failed || len(errs) > 0
	}
}

func ruleIDs(rs []*rules.Rule) []string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids
}
