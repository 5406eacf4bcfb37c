package newsince

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/scanner"
)

// compare is the --new-since pipeline, one named step after another:
//
//	resolve the base → changed paths → head layout (→ nothing relevant: done)
//	→ extract the base → base layout and affected roots → scan the head
//	and the base → classify → causes
//
// Each step is a function of what the earlier ones produced, so it can be
// read and tested alone.
func compare(ctx context.Context, head finding.Report, opts Options) (finding.Report, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	scanPaths := absAll(cmpOrSlice(opts.Scan.Paths, []string{"."}))
	base, paths, err := resolve(ctx, opts, scanPaths)
	if err != nil {
		return head, err
	}
	if opts.Ref == Auto {
		log.Debug("new-since: auto", "ref", base.Ref)
	}
	cs, err := base.g.changes(ctx, base.Commit)
	if err != nil {
		return head, wrapGit(ctx, err)
	}
	ch := summarizeChanges(cs)

	headOpts := opts.Scan
	headOpts.BaseDir, headOpts.Paths = paths.top, scanPaths
	headRoots, err := scanner.FindRootModules(ctx, headOpts)
	if err != nil {
		return head, err
	}
	headLayout := newLayout(headRoots)
	varFiles := paths.repoVarFiles(opts.Scan.VarFiles)
	varFilesChanged := slices.ContainsFunc(ch.changed, func(p string) bool { return slices.Contains(varFiles, p) })

	out := &finding.Comparison{Ref: opts.Ref, BaseCommit: base.Commit, HeadRootModules: head.Stats.RootModules}
	hs := headScan{opts: opts, layout: headLayout, paths: paths, out: out}
	if !relevant(ch.changed, headLayout) {
		// Nothing Terraform reads changed: every finding was there before.
		if head, err = hs.scan(ctx, head, nil); err != nil {
			return head, err
		}
		log.Debug("new-since: no Terraform changes", "base", short(base.Commit), "head_root_modules", head.Stats.RootModules, "base_root_modules", 0)
		return finish(head, classification{unchanged: activeIndexes(head.Findings)}, out, nil, base.Ref, opts.HonourNewIgnores), nil
	}

	wt, err := base.g.extractBase(ctx, base.Commit, log)
	defer func() {
		if rerr := wt.remove(); rerr != nil {
			log.Warn("new-since: " + rerr.Error())
		}
	}()
	if err != nil {
		return head, err
	}
	if opts.afterCheckout != nil {
		opts.afterCheckout(wt.Path)
	}
	baseOpts := baseScanOptions(opts.Scan, scanPaths, paths, wt.Path)
	baseLayout := newLayout(nil)
	if len(baseOpts.Paths) > 0 {
		baseRoots, err := scanner.FindRootModules(ctx, baseOpts)
		if err != nil {
			return head, err
		}
		baseLayout = newLayout(baseRoots)
	}
	affected := affectedRoots(headLayout, baseLayout, ch.changed, varFilesChanged)
	if head, err = hs.scan(ctx, head, affected); err != nil {
		return head, err
	}
	baseFindings, err := scanBase(ctx, opts.Ref, base.Commit, baseOpts, baseLayout.rootsIn(affected), paths, out, log)
	if err != nil {
		return head, err
	}
	if err := ctx.Err(); err != nil {
		return head, err
	}
	baseFindings = dropSharedUnusedIgnores(baseFindings, baseLayout, affected)

	headTree, baseTree := openTree(paths.top), openTree(wt.Path)
	defer headTree.close()
	defer baseTree.close()
	c := classifyAgainstBase(head.Findings, baseFindings, ch, headLayout, affected, paths,
		func(dir string) []movedStmt { return headTree.module(dir).Moved })

	hunks := map[string][]lineSpan{}
	if len(c.introduced) > 0 {
		if hunks, err = base.g.hunks(ctx, base.Commit, ch.all, paths.top); err != nil {
			return head, wrapGit(ctx, err)
		}
	}
	cf := &causeFinder{
		head: headTree, base: baseTree, hunks: hunks,
		baseDir:  ch.pm.baseDir,
		basePath: ch.pm.base,
		deleted:  ch.deleted,
		varFiles: func(root string) []string {
			return append(append([]string(nil), headLayout.roots[root].VarFiles...), varFiles...)
		},
		fromReport: paths.fromReport,
		toReport:   paths.toReport,
	}
	log.Debug("new-since: compared",
		"ref", opts.Ref, "base", short(base.Commit),
		"changed_files", len(ch.all), "affected_root_modules", len(affected),
		"head_root_modules", head.Stats.RootModules, "unaffected_root_modules", out.UnaffectedRootModules, "base_root_modules", out.BaseRootModules,
		"introduced", len(c.introduced), "unchanged", len(c.unchanged), "resolved", len(c.resolved))
	return finish(head, c, out, cf, base.Ref, opts.HonourNewIgnores), nil
}

// repoPaths converts between the three kinds of path a comparison meets:
// absolute paths, repository paths (relative to the top level, which the
// base's extracted tree mirrors) and report paths (relative to the scan's
// base directory, by default the working directory, which need not be in
// the repository).
type repoPaths struct {
	top     string // repository top level, real path
	baseDir string // the scan's BaseDir, real path
}

// inRepo returns the repository path of an absolute path; false outside.
func (p repoPaths) inRepo(abs string) (string, bool) {
	r, err := filepath.Rel(p.top, abs)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(r), true
}

// fromReport turns a report path into a repository path.
func (p repoPaths) fromReport(rel string) string {
	r, err := filepath.Rel(p.top, filepath.Join(p.baseDir, filepath.FromSlash(rel)))
	if err != nil {
		return rel
	}
	return filepath.ToSlash(r)
}

// toReport turns a repository path into a report path.
func (p repoPaths) toReport(rel string) string {
	r, err := filepath.Rel(p.baseDir, filepath.Join(p.top, filepath.FromSlash(rel)))
	if err != nil {
		return rel
	}
	return filepath.ToSlash(r)
}

// repoVarFiles returns the --var-file files inside the repository, as
// repository paths.
func (p repoPaths) repoVarFiles(varFiles []string) []string {
	var out []string
	for _, v := range varFiles {
		if a, err := realAbs(v); err == nil {
			if r, ok := p.inRepo(a); ok {
				out = append(out, r)
			}
		}
	}
	return out
}

// resolve is the first step: the base commit (ResolveBase, from the first
// scanned path) and the path conversions; every scanned path must be in
// the repository.
func resolve(ctx context.Context, opts Options, scanPaths []string) (*Base, repoPaths, error) {
	baseDir, err := realAbs(cmp.Or(opts.Scan.BaseDir, "."))
	if err != nil {
		return nil, repoPaths{}, err
	}
	base, err := ResolveBase(ctx, scanPaths[0], opts.Ref, opts.Getenv)
	if err != nil {
		return nil, repoPaths{}, err
	}
	paths := repoPaths{top: base.top, baseDir: baseDir}
	for _, p := range scanPaths {
		if _, ok := paths.inRepo(p); !ok {
			return nil, repoPaths{}, &Error{Kind: ErrNotRepository, Msg: fmt.Sprintf("--new-since: %s is outside the repository %s", p, base.top)}
		}
	}
	return base, paths, nil
}

// changeSet is what changed between the base and the working tree, in
// repository paths.
type changeSet struct {
	all     []change        // as git reported them, without hidden directories
	changed []string        // every old and new path
	pm      pathMap         // renames and additions
	deleted map[string]bool // removed files
}

// summarizeChanges indexes git's changes. Hidden directories (.terraform,
// .git) are not scanned, so their changes are left out; the working tree's
// module cache is given to the base as it is.
func summarizeChanges(cs []change) changeSet {
	ch := changeSet{
		all:     slices.DeleteFunc(cs, func(c change) bool { return hidden(c.OldPath) || hidden(c.NewPath) }),
		pm:      pathMap{toHead: map[string]string{}, toBase: map[string]string{}, added: map[string]bool{}},
		deleted: map[string]bool{},
	}
	for _, c := range ch.all {
		if c.OldPath != "" {
			ch.changed = append(ch.changed, c.OldPath)
		}
		if c.NewPath != "" {
			ch.changed = append(ch.changed, c.NewPath)
		}
		switch c.Status {
		case 'R':
			ch.pm.toHead[c.OldPath], ch.pm.toBase[c.NewPath] = c.NewPath, c.OldPath
		case 'A':
			ch.pm.added[c.NewPath] = true
		case 'D':
			ch.deleted[c.OldPath] = true
		}
	}
	return ch
}

// headScan scans the affected root modules of the working tree when the
// caller left the head scan to Compare (Options.ScanHead), and records
// what it scanned in the comparison.
type headScan struct {
	opts   Options
	layout *layout
	paths  repoPaths
	out    *finding.Comparison
}

func (h headScan) scan(ctx context.Context, head finding.Report, affected []string) (finding.Report, error) {
	if h.opts.ScanHead == nil {
		return head, nil
	}
	only := []string{}
	for _, d := range h.layout.rootsIn(affected) {
		only = append(only, h.paths.toReport(d))
	}
	rep, err := h.opts.ScanHead(ctx, only)
	if err != nil {
		return rep, err
	}
	h.out.HeadRootModules = rep.Stats.RootModules
	h.out.UnaffectedRootModules = len(h.layout.roots) - len(only)
	return rep, nil
}

// baseScanOptions moves the head's scan options to the base's extracted
// tree at baseRoot: scanned paths and --var-file files inside the
// repository point into it (a scanned path the base lacks is dropped; a
// var file it lacks, new in this change, is read from the working tree);
// files outside the repository are the same on both sides.
func baseScanOptions(scan scanner.Options, scanPaths []string, paths repoPaths, baseRoot string) scanner.Options {
	atBase := func(abs string) (string, bool) {
		r, ok := paths.inRepo(abs)
		if !ok {
			return abs, true
		}
		b := filepath.Join(baseRoot, filepath.FromSlash(r))
		_, err := os.Stat(b)
		return b, err == nil
	}
	out := scan
	out.BaseDir = baseRoot
	out.Paths = nil
	for _, p := range scanPaths {
		if b, ok := atBase(p); ok {
			out.Paths = append(out.Paths, b)
		}
	}
	out.VarFiles = nil
	for _, v := range scan.VarFiles {
		a, err := realAbs(v)
		if err != nil {
			a = v
		}
		if b, ok := atBase(a); ok {
			out.VarFiles = append(out.VarFiles, b)
		} else {
			out.VarFiles = append(out.VarFiles, a)
		}
	}
	return out
}

// scanBase scans the affected root modules of the base with the working
// tree's module caches. A base that does not parse cannot be compared
// with: that is an *Error, like a scan that fails.
func scanBase(ctx context.Context, ref, commit string, baseOpts scanner.Options, roots []string, paths repoPaths, out *finding.Comparison, log *slog.Logger) ([]finding.Finding, error) {
	if len(roots) == 0 {
		return nil, nil
	}
	copyModuleCaches(paths.top, baseOpts.BaseDir, roots, log)
	baseOpts.OnlyRoots = roots
	rep, err := scanner.Scan(ctx, baseOpts)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &Error{Kind: ErrBaseUnparsable, Err: err, Msg: fmt.Sprintf("--new-since %s: scanning the base %s failed: %v", ref, short(commit), err)}
	}
	for _, f := range rep.Findings {
		if f.RuleID == scanner.ParseRuleID {
			return nil, &Error{Kind: ErrBaseUnparsable, Msg: fmt.Sprintf(
				"--new-since %s: the base %s does not parse (%s:%d: %s), so what this change introduced cannot be told",
				ref, short(commit), paths.toReport(f.Range.File), f.Range.Start.Line, f.Message)}
		}
	}
	out.BaseRootModules = rep.Stats.RootModules
	return rep.Findings, nil
}

// dropSharedUnusedIgnores removes the base's "ignore suppresses nothing"
// findings in modules that an unaffected root module also calls: the
// ignore may be used only by that caller, which the base scan did not
// evaluate.
func dropSharedUnusedIgnores(fs []finding.Finding, baseLayout *layout, affected []string) []finding.Finding {
	shared := baseLayout.closure(baseLayout.others(affected))
	return slices.DeleteFunc(fs, func(f finding.Finding) bool {
		return f.RuleID == scanner.IgnoreUnusedRuleID && shared[path.Dir(f.Range.File)]
	})
}

// classifyAgainstBase compares head findings (report paths) with base
// findings (base repository paths): base findings are renamed as the head
// names them (git renames, `moved {}` blocks) and put in report paths so
// fingerprints compare; only head findings in the affected root modules
// or in changed files can be introduced.
func classifyAgainstBase(head, base []finding.Finding, ch changeSet, headLayout *layout, affected []string, paths repoPaths, moved func(dir string) []movedStmt) classification {
	mapped := make([]finding.Finding, len(base))
	inReport := make([]finding.Finding, len(base))
	for i, f := range base {
		mapped[i] = relocate(toHeadFinding(f, ch.pm, moved), paths.toReport)
		inReport[i] = relocate(f, paths.toReport)
	}
	scope := headLayout.closure(headLayout.rootsIn(affected))
	changedHead := map[string]bool{}
	for _, p := range ch.changed {
		changedHead[p] = true
	}
	inScope := func(f finding.Finding) bool {
		f = relocate(f, paths.fromReport)
		return scope[finding.RootModuleOf(f)] || changedHead[f.Range.File]
	}
	return classify(head, inScope, inReport, mapped)
}
