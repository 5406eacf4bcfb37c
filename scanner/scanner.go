// Package scanner loads Terraform, runs the engines over the evaluated
// modules, applies ignores and returns one report.
package scanner

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/trivyadapter"
	"github.com/tfreview/tfreview/rules"
	"github.com/tfreview/tfreview/tfmodel"
)

// Engine names for Options.Engines.
const (
	EngineTrivy   = "trivy"
	EngineBuiltin = "builtin"
)

// Limits bound the work a hostile or broken tree can cause.
type Limits struct {
	// MaxFileSize is the largest .tf/.tfvars file read, in bytes; larger
	// ones are reported as TFR-PARSE and skipped. 0 = no limit.
	MaxFileSize int64
	// MaxNesting is the deepest nesting of blocks and expressions parsed;
	// deeper files are TFR-PARSE (parsers recurse per level).
	MaxNesting int
	// MaxInstances caps the instances of one block (count, for_each,
	// dynamic blocks); larger ones are evaluated up to it.
	MaxInstances int
	// MaxEvalTime bounds the evaluation and Trivy checks of one root
	// module: past it the root module is reported as TFR-EVAL and the
	// scan goes on. With Options.WorkerCommand the worker evaluating it is
	// killed (the other root modules it was evaluating are evaluated
	// again); in-process, the abandoned evaluation runs until the process
	// ends.
	MaxEvalTime time.Duration
	// MaxEvalMemory bounds the memory of the evaluation worker, in bytes
	// (with Options.WorkerCommand only): past it the worker is killed, the
	// root modules it was evaluating are evaluated again one at a time,
	// and one that passes it alone is TFR-EVAL.
	MaxEvalMemory int64
}

// DefaultLimits are used for zero fields of Options.Limits. The worker's
// 1 GiB and the scan fit a CI runner of 7 GiB.
var DefaultLimits = Limits{MaxFileSize: 10 << 20, MaxNesting: 256, MaxInstances: 1000, MaxEvalTime: 2 * time.Minute, MaxEvalMemory: 1 << 30}

// Options describe one scan.
type Options struct {
	Paths   []string // directories to scan; "." if empty
	BaseDir string   // reported file paths are relative to it; cwd if empty
	Engines []string // trivy, builtin; both if empty
	// Checks, when set, runs only these checks (IDs or aliases).
	Checks         []string
	DisabledChecks []string
	SkipDirs       []string
	SkipFiles      []string
	VarFiles       []string          // extra .tfvars, applied after the auto-loaded ones
	Vars           map[string]string // --var k=v
	AllowDownloads bool              // --download-modules
	ChecksBundle   string            // --checks-bundle DIR
	CustomChecks   string            // --custom-checks DIR, added to the checks
	// MinSeverity drops findings below it (counted in Stats.Filtered).
	MinSeverity         finding.Severity
	RequireIgnoreReason bool
	RulesConfig         rules.Config
	Limits              Limits
	// OnlyRoots, when not nil, evaluates only these root modules
	// (directories relative to BaseDir, slash-separated, "." for BaseDir
	// itself); parse errors and ignore comments count only in the files of
	// those root modules and the local modules they call. --new-since scans
	// the base this way.
	OnlyRoots []string
	// PlanFile, when set, is a plan in JSON (terraform show -json): its
	// planned values are checked instead of the evaluated source, and the
	// one scanned path is the source tree findings are mapped back to.
	PlanFile string
	// Shard, when active, evaluates only its partition of the root modules
	// (see Shard); merging the shards' reports gives the whole scan's.
	Shard Shard
	// CacheDir, when set, keeps each root module's evaluation there under
	// a key covering everything that can change it (see cacheKey), and a
	// later scan reuses it instead of evaluating again.
	CacheDir string
	// ModuleCache is where --download-modules keeps fetched modules, for
	// every root module of the run and later runs (see internal/modfetch);
	// under the user's cache directory when empty.
	ModuleCache string
	// Now is today's date for ignore expiry; time.Now if zero.
	Now    time.Time
	Logger *slog.Logger
	// WorkerCommand, when set, is the argv of an evaluation worker (see
	// WorkerCommand and RunWorker): root modules are then evaluated in
	// supervised processes that are killed past the time or memory limit
	// or when they crash. Empty: they are evaluated in this process.
	WorkerCommand []string
	// K8sPSS is the Pod Security Standards level of the Kubernetes checks:
	// "restricted" (default) or "baseline".
	K8sPSS string
}

func (o Options) engineOn(name string) bool {
	return len(o.Engines) == 0 || slices.Contains(o.Engines, name)
}

// ScanResult is a report plus the evaluated project, which `fix` needs.
type ScanResult struct {
	Report   finding.Report
	Projects []*tfmodel.Project
}

// engineCache compiles Trivy's checks once per set of options.
type engineCache struct {
	mu      sync.Mutex
	results map[string]*engineResult
}

type engineResult struct {
	once sync.Once
	e    *trivyadapter.Engine
	err  error
}

func (c *engineCache) get(opts trivyadapter.EngineOptions) (*trivyadapter.Engine, error) {
	key := "bundle:" + opts.ChecksBundle
	if opts.ChecksBundle == "" && opts.Providers != nil {
		key = "providers:" + strings.Join(opts.Providers, ",")
	}
	key += "\x00custom:" + opts.CustomChecks
	c.mu.Lock()
	if c.results == nil {
		c.results = map[string]*engineResult{}
	}
	r, ok := c.results[key]
	if !ok {
		r = &engineResult{}
		c.results[key] = r
	}
	c.mu.Unlock()
	r.once.Do(func() { r.e, r.err = embeddedEngine(opts) })
	return r.e, r.err
}

// embeddedEngines memoises the compiled embedded checks for the last few
// provider sets. They are a pure function of data compiled into the
// binary and are never changed after compiling, so sharing them between
// Scanners is safe; it keeps a process that scans many times (newsince
// scans twice, fix rescans, the test suites scan hundreds of times) from
// compiling the same checks again each time. Checks from the user's disk
// (a bundle, custom checks) are compiled per Scanner and never kept here.
var embeddedEngines = struct {
	sync.Mutex
	keys  []string // most recent last
	byKey map[string]*engineResult
}{byKey: map[string]*engineResult{}}

// maxEmbeddedEngines bounds the memo: a compiled set of checks holds tens
// of megabytes.
const maxEmbeddedEngines = 4

func embeddedEngine(opts trivyadapter.EngineOptions) (*trivyadapter.Engine, error) {
	if !reflect.DeepEqual(opts, trivyadapter.EngineOptions{Providers: opts.Providers}) {
		return trivyadapter.NewEngine(opts) // not only the embedded checks
	}
	key := "all"
	if opts.Providers != nil {
		key = "providers:" + strings.Join(opts.Providers, ",")
	}
	m := &embeddedEngines
	m.Lock()
	r, ok := m.byKey[key]
	if !ok {
		r = &engineResult{}
		m.byKey[key] = r
	}
	m.keys = append(slices.DeleteFunc(m.keys, func(k string) bool { return k == key }), key)
	if len(m.keys) > maxEmbeddedEngines {
		delete(m.byKey, m.keys[0])
		m.keys = m.keys[1:]
	}
	m.Unlock()
	r.once.Do(func() { r.e, r.err = trivyadapter.NewEngine(opts) })
	return r.e, r.err
}

// Scanner runs scans with one set of options. It owns what scans share:
// the compiled Trivy checks and the evaluation workers. After Close none
// of its workers runs, nor any compilation it started ahead of need.
type Scanner struct {
	opts    Options
	engines *engineCache
	pool    *evalPool  // nil: root modules are evaluated in this process
	cache   *evalCache // nil without Options.CacheDir
	k8s     k8sEngines
	modules *moduleFetcher // nil without Options.AllowDownloads
	ahead   sync.WaitGroup // checks compiled ahead of need (Close waits)
}

// New checks opts, fills in the default limits and returns a Scanner.
func New(opts Options) (*Scanner, error) {
	for _, e := range opts.Engines {
		if e != EngineTrivy && e != EngineBuiltin {
			return nil, fmt.Errorf("unknown engine %q (want trivy, builtin)", e)
		}
	}
	opts.Limits = withDefaults(opts.Limits)
	// The evaluation workers do not run in this process's directory.
	for _, p := range []*string{&opts.ChecksBundle, &opts.CustomChecks} {
		if *p != "" {
			abs, err := filepath.Abs(*p)
			if err != nil {
				return nil, err
			}
			*p = abs
		}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Scanner{opts: opts, engines: &engineCache{}}
	if opts.CacheDir != "" {
		c, err := newEvalCache(opts.CacheDir)
		if err != nil {
			return nil, err
		}
		s.cache = c
	}
	if opts.AllowDownloads && opts.PlanFile == "" {
		m, err := newModuleFetcher(opts)
		if err != nil {
			return nil, err
		}
		s.modules = m
	}
	if len(opts.WorkerCommand) > 0 {
		s.pool = newEvalPool(opts.WorkerCommand, opts.Limits, opts.Logger)
		if opts.PlanFile == "" {
			// (A plan is checked in this process: no worker to warm.)
			s.pool.warm()
		}
	}
	return s, nil
}

// Close stops the evaluation workers. Scans must have returned.
func (s *Scanner) Close() error {
	s.ahead.Wait()
	if s.pool != nil {
		s.pool.close()
	}
	if s.modules != nil {
		s.modules.close()
	}
	if s.cache != nil {
		return s.cache.dir.Close()
	}
	return nil
}

func withDefaults(l Limits) Limits {
	if l.MaxFileSize == 0 {
		l.MaxFileSize = DefaultLimits.MaxFileSize
	}
	if l.MaxNesting == 0 {
		l.MaxNesting = DefaultLimits.MaxNesting
	}
	if l.MaxInstances == 0 {
		l.MaxInstances = DefaultLimits.MaxInstances
	}
	if l.MaxEvalTime == 0 {
		l.MaxEvalTime = DefaultLimits.MaxEvalTime
	}
	if l.MaxEvalMemory == 0 {
		l.MaxEvalMemory = DefaultLimits.MaxEvalMemory
	}
	return l
}

// Scan runs one scan with opts and returns its report.
func Scan(ctx context.Context, opts Options) (finding.Report, error) {
	s, err := New(opts)
	if err != nil {
		return finding.Report{}, err
	}
	defer s.Close()
	return s.Scan(ctx)
}

// Scan runs a scan and returns its report.
func (s *Scanner) Scan(ctx context.Context) (finding.Report, error) {
	res, err := s.ScanProject(ctx)
	return res.Report, err
}

// ScanProject runs a scan and also returns the evaluated projects: each
// path is scanned (scanPath, or scanPlan with --plan), its findings moved
// under its prefix, and the findings of all paths go through one chain of
// steps (process) before they are reported.
func (s *Scanner) ScanProject(ctx context.Context) (*ScanResult, error) {
	opts := s.opts
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	base := opts.BaseDir
	if base == "" {
		wd, err := os.Getwd()
		if err != nil {
			return &ScanResult{}, err
		}
		base = wd
	}
	base, _ = filepath.Abs(base)
	paths := opts.Paths
	if len(paths) == 0 {
		paths = []string{"."}
	}
	selected, err := selectRules(opts)
	if err != nil {
		return &ScanResult{}, err
	}
	if opts.engineOn(EngineTrivy) {
		// The checks' metadata, for the report, is prepared on its own
		// goroutine while the scan runs.
		// Its errors come back when rulesOf asks for the metadata.
		go func() { _, _ = TrivyChecks(opts.ChecksBundle) }()
	}
	res := &ScanResult{Report: finding.Report{Root: base}}
	rep := &res.Report
	ran := enginesRun(opts)
	for e := range ran {
		rep.Stats.Engines = append(rep.Stats.Engines, string(e))
	}
	slices.Sort(rep.Stats.Engines)

	if opts.PlanFile != "" && len(paths) > 1 {
		return res, fmt.Errorf("--plan takes one source directory, got %d", len(paths))
	}
	var all []finding.Finding
	var directives []*ignoreDirective
	for _, p := range paths {
		fs, ds, proj, err := s.scanOne(ctx, base, p, opts, selected, rep)
		if err != nil {
			return res, err
		}
		all = append(all, fs...)
		directives = append(directives, ds...)
		res.Projects = append(res.Projects, proj)
	}
	if err := s.checkUserChecks(opts); err != nil {
		return res, err
	}
	rep.Findings = process(all, directives, opts, ran, rep)
	rep.Notes = tidyNotes(rep.Notes)
	rep.Rules = rulesOf(rep.Findings, selected, opts.engineOn(EngineTrivy), opts.ChecksBundle)
	rep.Stats.ChecksRun = countChecks(ran, selected, opts.ChecksBundle)
	res.Report.Sources = reportSources(base, res.Projects)
	return res, nil
}

// enginesRun are the engines opts turns on.
func enginesRun(opts Options) map[finding.Engine]bool {
	ran := map[finding.Engine]bool{}
	if opts.engineOn(EngineTrivy) {
		ran[finding.EngineTrivy] = true
	}
	if opts.engineOn(EngineBuiltin) {
		ran[finding.EngineBuiltin] = true
	}
	return ran
}

// scanOne scans the directory p and moves what it reports under p's path
// relative to base.
func (s *Scanner) scanOne(ctx context.Context, base, p string, opts Options, selected []*rules.Rule, rep *finding.Report) ([]finding.Finding, []*ignoreDirective, *tfmodel.Project, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("scan %s: %w", p, err)
	}
	if !st.IsDir() {
		return nil, nil, nil, fmt.Errorf("scan %s: not a directory (tfreview scans directories of Terraform)", p)
	}
	prefix, err := filepath.Rel(base, abs)
	if err != nil {
		prefix = abs
	}
	prefix = filepath.ToSlash(prefix)
	firstNote := len(rep.Notes)
	var (
		fs   []finding.Finding
		ds   []*ignoreDirective
		proj *tfmodel.Project
	)
	if opts.PlanFile != "" {
		fs, ds, proj, err = s.scanPlan(ctx, abs, opts, selected, rep)
	} else {
		fs, ds, proj, err = s.scanPath(ctx, abs, prefix, opts, selected, rep)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	for i := range fs {
		relocate(&fs[i], prefix)
	}
	for _, d := range ds {
		d.Range.File = path.Join(prefix, d.Range.File)
	}
	for i := firstNote; i < len(rep.Notes); i++ {
		if rep.Notes[i].Range.File != "" {
			rep.Notes[i].Range.File = path.Join(prefix, rep.Notes[i].Range.File)
		}
	}
	return fs, ds, proj, nil
}

// checkUserChecks fails the scan when a checks bundle or custom checks do
// not compile, even when no root module needed them.
func (s *Scanner) checkUserChecks(opts Options) error {
	if !opts.engineOn(EngineTrivy) || (opts.ChecksBundle == "" && opts.CustomChecks == "") {
		return nil
	}
	_, err := s.engines.get(trivyadapter.EngineOptions{ChecksBundle: opts.ChecksBundle, CustomChecks: opts.CustomChecks})
	return err
}

// process is the chain every finding goes through once all paths are
// scanned, in the spirit of golangci-lint's processors:
//
//	dedupe → ignores → fingerprints → severity → sort
//
// Suppressed findings are kept (marked) and fingerprinted like the others,
// so suppressing one does not change another's fingerprint; the severity
// floor comes after the ignores, so that an ignore of a finding below it is
// still used (not TFR-IGNORE-UNUSED, which the floor would not drop).
func process(all []finding.Finding, directives []*ignoreDirective, opts Options, ran map[finding.Engine]bool, rep *finding.Report) []finding.Finding {
	all, notes := applyIgnores(dedupe(all), directives, opts.Now, opts.RequireIgnoreReason, ran)
	rep.Notes = append(rep.Notes, notes...)
	all = uniqueFingerprints(all)
	all = atSeverity(all, opts.MinSeverity, &rep.Stats)
	finding.Sort(all)
	return all
}

// atSeverity drops the findings below min (counting them in
// stats.Filtered), except TFR-PARSE: a file that could not be read is
// never hidden by a severity floor.
func atSeverity(fs []finding.Finding, min finding.Severity, stats *finding.Stats) []finding.Finding {
	var kept []finding.Finding
	for _, f := range fs {
		if f.Severity < min && f.RuleID != ParseRuleID {
			stats.Filtered++
			continue
		}
		kept = append(kept, f)
	}
	return kept
}

// tidyNotes sorts notes by file and line and drops repeats: a module
// reached from several root modules gives its notes once.
func tidyNotes(notes []finding.Note) []finding.Note {
	slices.SortStableFunc(notes, func(a, b finding.Note) int {
		return strings.Compare(a.Range.File+fmt.Sprintf("%08d", a.Range.Start.Line), b.Range.File+fmt.Sprintf("%08d", b.Range.Start.Line))
	})
	seen := map[finding.Note]bool{}
	return slices.DeleteFunc(notes, func(n finding.Note) bool {
		dup := seen[n]
		seen[n] = true
		return dup
	})
}

// rootResult is what scanning one root module produced.
type rootResult struct {
	varFiles     []string // input: tfvars paths inside the config FS
	notes        []finding.Note
	model        *tfmodel.RootModule // nil when it could not be evaluated
	extraSources map[string][]byte
	resources    int
	abandoned    bool   // still being evaluated, reading the scan's sources
	wireModel    []byte // from --cache-dir: the model, not decoded (yet)
	helm         []trivyadapter.HelmRelease
	wireHelm     []wireHelmRelease // from --cache-dir, with wireModel
	findings     []finding.Finding
}

const (
	evalRunning int32 = iota
	evalFinished
	evalAbandoned
)

// scanRootWithin is scanRoot bounded by Limits.MaxEvalTime: Trivy's
// evaluator cannot be interrupted, and an expression can build a value of
// any size (a set of a million strings from two nested for expressions
// fits in one line), so past the limit the root module is given up:
// reported as a TFR-EVAL finding, which fails the run like any finding,
// so that code which cannot be evaluated never passes silently.
func scanRootWithin(ctx context.Context, fsys *overlayFS, abs, root string, sources map[string][]byte, exprs *trivyadapter.ExprIndex, opts Options, engine func() (*trivyadapter.Engine, error), res *rootResult) error {
	var own rootResult
	own.varFiles, own.notes = res.varFiles, slices.Clone(res.notes)
	done := make(chan error, 1)
	// The time waiting for Trivy's checks to compile (shared by the root
	// modules, overlapping the first evaluations) is not counted.
	timing := make(chan bool, 2)
	var state atomic.Int32 // evalRunning, evalFinished or evalAbandoned
	go func() {
		err := scanRoot(ctx, fsys, abs, root, sources, exprs, opts, engine, &own, func(on bool) { timing <- on })
		state.CompareAndSwap(evalRunning, evalFinished)
		done <- err
	}()
	timer := time.NewTimer(opts.Limits.MaxEvalTime)
	defer timer.Stop()
wait:
	for {
		select {
		case err := <-done:
			*res = own
			return err
		case on := <-timing:
			if on {
				timer.Reset(opts.Limits.MaxEvalTime)
			} else {
				timer.Stop()
			}
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			if !state.CompareAndSwap(evalRunning, evalAbandoned) {
				// It finished as the time ran out: use its result.
				err := <-done
				*res = own
				return err
			}
			break wait
		}
	}
	res.findings = append(res.findings, evalFinding(root, sources, evalFailure{kind: "time"}, opts.Limits))
	opts.Logger.Warn("root module evaluation abandoned", "root", root, "after", opts.Limits.MaxEvalTime)
	res.abandoned = true
	return nil
}

// evalFinding is the TFR-EVAL finding of a root module that could not be
// evaluated: it fails the run like any finding, so that code which cannot
// be evaluated never passes silently.
func evalFinding(root string, sources map[string][]byte, f evalFailure, lim Limits) finding.Finding {
	file := root
	if first := firstFile(sources, root); first != "" {
		file = first
	}
	r := finding.Range{File: file, Start: finding.Position{Line: 1, Column: 1, Byte: 0}, End: finding.Position{Line: 1, Column: 1, Byte: 0}}
	title, msg := "Root module not evaluated in time", fmt.Sprintf("root module %s did not finish evaluating within %s (--max-eval-time); none of its findings are known", root, lim.MaxEvalTime)
	switch f.kind {
	case "memory":
		title, msg = "Root module not evaluated within the memory limit", fmt.Sprintf("evaluating root module %s took more than %d MiB of memory (--max-eval-memory); it was stopped and none of its findings are known", root, lim.MaxEvalMemory>>20)
	case "crash":
		title, msg = "Root module evaluation crashed", fmt.Sprintf("evaluating root module %s crashed the evaluation worker (%s); none of its findings are known", root, f.detail)
	}
	return coreFinding(EvalRuleID, finding.SeverityHigh, title, msg,
		"Look for expressions that build very large values (nested for expressions, setproduct, range) or nest very deep, and simplify them, or raise --max-eval-time / --max-eval-memory.", r)
}

// logLevel is the lowest level logger handles (above Error: none).
func logLevel(ctx context.Context, logger *slog.Logger) slog.Level {
	for _, l := range []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError} {
		if logger.Enabled(ctx, l) {
			return l
		}
	}
	return slog.LevelError + 1
}

// evaluateInWorkers evaluates the root modules in the worker processes
// and fills results as scanRootWithin does.
func (s *Scanner) evaluateInWorkers(ctx context.Context, abs string, roots []string, ov *overlayFS, sources map[string][]byte, exprs *trivyadapter.ExprIndex, opts Options, eopts *trivyadapter.EngineOptions, results []rootResult) error {
	tree := &evalTree{Abs: abs, Hidden: slices.Sorted(maps.Keys(ov.hidden)), Edits: map[string][]wireEdit{}, Sources: sources,
		Modules: ov.modules.wire(), Engine: eopts, Checks: opts.Checks, DisabledChecks: opts.DisabledChecks, Vars: opts.Vars, MaxFileSize: opts.Limits.MaxFileSize,
		LogLevel: logLevel(ctx, opts.Logger)}
	for file, edits := range ov.edits {
		for _, e := range edits {
			tree.Edits[file] = append(tree.Edits[file], e.wire())
		}
	}
	jobs := make([]evalJob, len(roots))
	for i, root := range roots {
		jobs[i] = evalJob{Root: root, VarFiles: results[i].varFiles}
	}
	return s.pool.evaluate(ctx, tree, jobs, func(i int, r evalReply, f *evalFailure) {
		res := &results[i]
		replayLogs(ctx, opts.Logger, r.Logs)
		if f != nil {
			res.findings = append(res.findings, evalFinding(roots[i], sources, *f, opts.Limits))
			opts.Logger.Warn("root module evaluation stopped", "root", roots[i], "reason", f.kind, "detail", f.detail)
			return
		}
		res.notes = append(res.notes, r.Notes...)
		res.extraSources, res.resources, res.findings = r.ExtraSources, r.Resources, r.Findings
		res.model = decodeModel(r.Model, exprs, sources, r.ExtraSources)
		res.helm = helmFromWire(r.Helm, res.model)
	})
}

// firstFile is the first Terraform file directly in dir, in path order.
func firstFile(sources map[string][]byte, dir string) string {
	best := ""
	for p := range sources {
		if path.Dir(p) == dir && (strings.HasSuffix(p, ".tf") || strings.HasSuffix(p, ".tf.json")) && (best == "" || p < best) {
			best = p
		}
	}
	return best
}

// scanRoot loads and evaluates one root module once, and runs Trivy's
// checks over it. It runs concurrently with other roots: it only reads
// sources and writes res.
// timing(false) and timing(true) bracket the wait for the compiled checks.
func scanRoot(ctx context.Context, fsys *overlayFS, abs, root string, sources map[string][]byte, exprs *trivyadapter.ExprIndex, opts Options, engine func() (*trivyadapter.Engine, error), res *rootResult, timing func(bool)) error {
	loaded, err := trivyadapter.LoadRoot(ctx, fsys, root, sources, trivyadapter.LoadOptions{
		TFVarsPaths:    res.varFiles,
		ConfigFS:       os.DirFS("/"),
		WorkingDir:     abs,
		Logger:         opts.Logger,
		Exprs:          exprs,
		Vars:           opts.Vars,
		OriginalOffset: fsys.originalOffset,
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		res.notes = append(res.notes, finding.Note{Kind: finding.NoteEngineError, Range: finding.Range{File: root},
			Message: fmt.Sprintf("root module %s could not be evaluated: %v", root, err)})
		return nil
	}
	res.model = loaded.Model
	res.extraSources = loaded.ExtraSources
	for _, m := range loaded.Model.Modules {
		for _, b := range m.Blocks {
			if b.Type == "resource" {
				res.resources++
			}
		}
	}
	if engine == nil {
		return nil
	}
	timing(false)
	e, err := engine()
	timing(true)
	if err != nil {
		return err
	}
	found, err := e.Scan(ctx, loaded)
	if err != nil {
		res.notes = append(res.notes, finding.Note{Kind: finding.NoteEngineError, Range: finding.Range{File: root},
			Message: fmt.Sprintf("Trivy checks failed on root module %s: %v", root, err)})
	}
	res.findings = placeUnlocated(filterChecks(found, opts), root, sources)
	// The root module's helm_release charts are rendered here, within its
	// evaluation, so that --max-eval-time and --max-eval-memory bound a
	// chart's templates too; the Kubernetes checks run on them later.
	rels, notes := trivyadapter.HelmReleasesOf(&tfmodel.Project{RootModules: []*tfmodel.RootModule{res.model}}, fsys, opts.Limits.MaxFileSize)
	res.helm = rels
	res.notes = append(res.notes, notes...)
	return nil
}

// unlocatedNote ends the message of a Trivy finding that came without a
// location (AZU-0068 on a network interface known only by its ID: Trivy's
// own report puts it on the scanned directory, line 0).
const unlocatedNote = " (Trivy gave no location for this finding: it is reported at the start of the root module)"

// placeUnlocated puts findings that have no file at line 1 of the root
// module's first file, as TFR-EVAL findings are, so that every format and
// reporter can place them, and says so in the message.
func placeUnlocated(fs []finding.Finding, root string, sources map[string][]byte) []finding.Finding {
	file := ""
	for i := range fs {
		f := &fs[i]
		if f.Range.File != "" {
			continue
		}
		if file == "" {
			if file = firstFile(sources, root); file == "" {
				file = root
			}
		}
		start := finding.Position{Line: 1, Column: 1, Byte: 0}
		f.Range = finding.Range{File: file, Start: start, End: start}
		f.Message += unlocatedNote
	}
	return fs
}

// inParallel calls fn(0..n-1) on up to GOMAXPROCS goroutines and
// returns when all have returned: for work that neither fails nor waits
// (parsing, decoding, refining), which a cancelled scan lets finish.
func inParallel(n int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		})
	}
	wg.Wait()
}

// forEachRoot calls fn(0..n-1) on up to GOMAXPROCS goroutines and returns
// the first error; the ctx fn gets is cancelled at the first error. Root
// modules are independent, and evaluating one holds only its own modules,
// so memory is bounded by the number of workers.
func forEachRoot(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(ctx, i); err != nil {
				return err
			}
		}
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// autoVarFiles are the tfvars files Terraform loads by itself for a root
// module: terraform.tfvars(.json), then *.auto.tfvars(.json) in lexical
// order. Files that did not parse are left out (they are TFR-PARSE).
func (s *fileSet) autoVarFiles(root string) []string {
	var first, auto []string
	for _, f := range s.filesIn(root) {
		if !f.Vars || f.Syntax == nil {
			continue
		}
		base := path.Base(f.Path)
		switch {
		case base == "terraform.tfvars" || base == "terraform.tfvars.json":
			first = append(first, f.Path)
		case strings.HasSuffix(base, ".auto.tfvars") || strings.HasSuffix(base, ".auto.tfvars.json"):
			auto = append(auto, f.Path)
		}
	}
	return append(first, auto...)
}

func absPaths(ps []string) ([]string, error) {
	var out []string
	for _, p := range ps {
		a, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(a); err != nil {
			return nil, fmt.Errorf("var file: %w", err)
		}
		out = append(out, strings.TrimPrefix(filepath.ToSlash(a), "/"))
	}
	return out, nil
}

func relocate(f *finding.Finding, prefix string) {
	if prefix == "." {
		return
	}
	f.Range.File = path.Join(prefix, f.Range.File)
	for i := range f.CallSites {
		f.CallSites[i].Range.File = path.Join(prefix, f.CallSites[i].Range.File)
	}
	if f.Fix != nil {
		for i := range f.Fix.Edits {
			f.Fix.Edits[i].Range.File = path.Join(prefix, f.Fix.Edits[i].Range.File)
		}
	}
}

// dedupe drops exact repeats: a local module called by several root modules
// with the same inputs yields the same finding once per caller.
func dedupe(fs []finding.Finding) []finding.Finding {
	seen := map[string]bool{}
	out := fs[:0]
	for _, f := range fs {
		k := fmt.Sprint(f.RuleID, "\x00", f.Range, "\x00", f.Resource, "\x00", f.AttributePath, "\x00", f.Message, "\x00", f.CallSites)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, f)
	}
	return out
}

// uniqueFingerprints gives every finding its fingerprint
// (finding.FingerprintOf), telling apart findings that share one (two egress
// blocks of one security group have the same attribute path) by order of
// appearance, which is stable while the blocks keep their order. It runs
// after relocation: the root module directory is part of the fingerprint.
func uniqueFingerprints(fs []finding.Finding) []finding.Finding {
	finding.AssignFingerprints(fs)
	return fs
}

// reportSources gathers the files every scanned project read, keyed as
// findings name them (relative to the report's root), so that formatters
// and reporters show what the scan saw without reading the disk again.
func reportSources(root string, projects []*tfmodel.Project) map[string][]byte {
	out := map[string][]byte{}
	for _, p := range projects {
		prefix, err := filepath.Rel(root, p.Root)
		if err != nil {
			prefix = p.Root
		}
		for file, src := range p.Sources {
			out[path.Join(filepath.ToSlash(prefix), file)] = src
		}
	}
	return out
}
