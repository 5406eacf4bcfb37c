package scanner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/trivyadapter"
	"github.com/tfreview/tfreview/rules"
	"github.com/tfreview/tfreview/tfmodel"
)

// k8sEngines compiles Trivy's Kubernetes checks once per scanner.
type k8sEngines struct {
	once sync.Once
	e    *trivyadapter.KubernetesEngine
	err  error
}

func (c *k8sEngines) get(opts trivyadapter.KubernetesOptions) (*trivyadapter.KubernetesEngine, error) {
	c.once.Do(func() {
		switch {
		case opts.ChecksBundle != "", !slices.Contains([]string{"", trivyadapter.PSSBaseline, trivyadapter.PSSRestricted}, opts.PSS):
			// From disk, or an error: not kept (the memo stays bounded).
			c.e, c.err = trivyadapter.NewKubernetesEngine(opts)
			return
		}
		compile, _ := embeddedK8s.LoadOrStore(opts.PSS, sync.OnceValues(func() (*trivyadapter.KubernetesEngine, error) {
			return trivyadapter.NewKubernetesEngine(opts)
		}))
		c.e, c.err = compile.(func() (*trivyadapter.KubernetesEngine, error))()
	})
	return c.e, c.err
}

// embeddedK8s memoises the compiled embedded Kubernetes checks by Pod
// Security Standards level (three at most), for the reasons given at
// embeddedEngines; a checks bundle is compiled per Scanner.
var embeddedK8s sync.Map // level -> func() (*trivyadapter.KubernetesEngine, error)

// k8sEngine is the scanner's compiled Kubernetes checks for opts.
func (s *Scanner) k8sEngine(opts Options) (*trivyadapter.KubernetesEngine, error) {
	return s.k8s.get(trivyadapter.KubernetesOptions{ChecksBundle: opts.ChecksBundle, PSS: opts.K8sPSS})
}

// mayScanKubernetes reports whether the tree read may hold Kubernetes
// objects: YAML files, or Terraform resources that declare objects or
// render a chart.
func mayScanKubernetes(set *fileSet) bool {
	if set.yaml {
		return true
	}
	for _, f := range set.files {
		if f.Syntax == nil {
			continue
		}
		for _, b := range topBlocks(f.Syntax) {
			if b.Type == "resource" && len(b.Labels) == 2 && (strings.HasPrefix(b.Labels[0], "kubernetes_") || b.Labels[0] == "helm_release") {
				return true
			}
		}
	}
	return false
}

func isKubernetesYAML(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

// yamlFile is one YAML file of the scanned tree, read through the
// scanner's os.Root.
type yamlFile struct {
	path string
	src  []byte
}

// readYAMLFiles walks fsys (the scan path's os.Root) for YAML files as
// readFiles does for Terraform: hidden and skipped directories are not
// walked, symbolic links not followed, files over --max-file-size are
// TFR-PARSE. Helm charts (a directory with Chart.yaml) are left out:
// their templates are not YAML until rendered.
func readYAMLFiles(fsys fs.FS, opts Options) ([]yamlFile, []finding.Finding, []finding.Note) {
	var files []yamlFile
	var errs []finding.Finding
	var notes []finding.Note
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if d != nil && d.IsDir() && p != "." {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != "." && (strings.HasPrefix(d.Name(), ".") || matchAny(opts.SkipDirs, p)) {
				return fs.SkipDir
			}
			if _, err := fs.Stat(fsys, path.Join(p, "Chart.yaml")); err == nil {
				notes = append(notes, finding.Note{Kind: finding.NoteFileSkipped, Range: finding.Range{File: p},
					Message: "Helm chart not checked on its own: its templates are Kubernetes manifests only once rendered (a helm_release of the scanned Terraform that names it is checked)"})
				return fs.SkipDir
			}
			return nil
		}
		if !isKubernetesYAML(d.Name()) || matchAny(opts.SkipFiles, p) || d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if lim := opts.Limits.MaxFileSize; lim > 0 && info.Size() > lim {
			errs = append(errs, parseFinding(p, hcl.Range{Filename: p, Start: hcl.Pos{Line: 1, Column: 1}, End: hcl.Pos{Line: 1, Column: 1}}, nil,
				fmt.Sprintf("file is %d bytes, over the %d-byte limit (--max-file-size); it was not scanned", info.Size(), lim)))
			return nil
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			notes = append(notes, finding.Note{Kind: finding.NoteFileSkipped, Range: finding.Range{File: p}, Message: "unreadable: " + err.Error()})
			return nil
		}
		files = append(files, yamlFile{path: p, src: src})
		return nil
	})
	return files, errs, notes
}

// scanKubernetes checks the Kubernetes manifests of one scan path, YAML
// files and Terraform-declared objects alike, with Trivy's KSV checks,
// folds the built-in TFR-K8S findings a KSV finding covers into it, and
// adds the YAML files to proj.Sources. out is the scan path's findings so
// far (the built-in ones included); the result replaces it.
//
// releases are the helm_release charts rendered with the root modules'
// evaluation. models is the part that comes from proj's evaluated models
// (objects a Terraform resource declares, the releases): when models.cached,
// that part is taken from it and the models are not read; otherwise, when
// models is not nil, it is filled in for --cache-dir.
func (s *Scanner) scanKubernetes(ctx context.Context, fsys fs.FS, proj *tfmodel.Project, releases []trivyadapter.HelmRelease, opts Options, out []finding.Finding, rep *finding.Report, models *fromModels) ([]finding.Finding, error) {
	if !opts.engineOn(EngineTrivy) {
		return out, nil
	}
	files, parseErrs, notes := readYAMLFiles(fsys, opts)
	out = append(out, parseErrs...)
	rep.Notes = append(rep.Notes, notes...)
	// Objects are checked, and their findings cached (--cache-dir), in
	// units: all the objects of a YAML file, or one Terraform-declared
	// object. A unit the cache holds is neither parsed nor checked, and
	// the checks are compiled only if some unit is not held.
	type object struct {
		obj trivyadapter.KubernetesObject
		src []byte
		res *tfmodel.Block
	}
	type unit struct {
		key     string // "" when not cached
		objects []object
		found   []finding.Finding
		cached  bool
	}
	var units []*unit
	for _, f := range files {
		u := &unit{key: s.cache.k8sKey(opts, "yaml", f.path, string(f.src))}
		if e := (k8sEntry{}); s.cache.load(u.key, &e) {
			if e.Objects > 0 {
				proj.Sources[f.path] = f.src
				rep.Stats.Files++
			}
			u.found, u.cached = e.Findings, true
			units = append(units, u)
			continue
		}
		objs, err := trivyadapter.ParseKubernetesYAML(f.path, f.src)
		if err != nil {
			line := 1
			if pe, ok := errors.AsType[*trivyadapter.YAMLParseError](err); ok {
				line = pe.Line
			}
			pos := hcl.Pos{Line: line, Column: 1}
			out = append(out, parseFinding(f.path, hcl.Range{Filename: f.path, Start: pos, End: pos}, nil, err.Error()))
			continue
		}
		if len(objs) > 0 {
			proj.Sources[f.path] = f.src
			rep.Stats.Files++
		}
		for _, o := range objs {
			u.objects = append(u.objects, object{obj: o, src: f.src})
		}
		units = append(units, u)
	}
	var declared []trivyadapter.TerraformKubernetesObject
	if models == nil || !models.cached {
		declared = trivyadapter.KubernetesObjectsOf(proj)
	} else {
		releases = nil // what they gave is in models
	}
	for _, o := range declared {
		u := &unit{objects: []object{{obj: o.KubernetesObject, res: o.Resource}}}
		if content, err := json.Marshal(o.Content); err == nil {
			u.key = s.cache.k8sKey(opts, "terraform", o.File, strconv.Itoa(o.Offset), string(content))
			if e := (k8sEntry{}); s.cache.load(u.key, &e) {
				u.found, u.cached = e.Findings, true
			}
		}
		units = append(units, u)
	}
	if len(units) == 0 && len(releases) == 0 && (models == nil || len(models.K8s) == 0) {
		return out, nil
	}
	engine := func() (*trivyadapter.KubernetesEngine, error) { return s.k8sEngine(opts) }
	// The objects the cache did not hold are checked on every core, and
	// their findings and errors put back in the units' order.
	type job struct {
		u     *unit
		o     object
		found []finding.Finding
		err   error
	}
	var jobs []*job
	for _, u := range units {
		if !u.cached {
			for _, o := range u.objects {
				jobs = append(jobs, &job{u: u, o: o})
			}
		}
	}
	if len(jobs) > 0 {
		e, err := engine()
		if err != nil {
			return nil, err
		}
		_ = forEachRoot(ctx, len(jobs), func(ctx context.Context, i int) error {
			jobs[i].found, jobs[i].err = e.Scan(ctx, jobs[i].o.obj, jobs[i].o.src)
			return nil
		})
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	failed := map[*unit]bool{}
	for _, j := range jobs {
		if j.err != nil {
			rep.Notes = append(rep.Notes, finding.Note{Kind: finding.NoteEngineError, Range: finding.Range{File: j.o.obj.File}, Message: j.err.Error()})
			failed[j.u] = true
			continue
		}
		j.u.found = append(j.u.found, j.found...)
	}
	var found []finding.Finding
	for _, u := range units {
		if !u.cached {
			if !failed[u] {
				s.cache.store(u.key, k8sEntry{Objects: len(u.objects), Findings: u.found}, opts.Logger, "Kubernetes findings not cached")
			} else if models != nil {
				models.failed = true
			}
		}
		for i := range u.found {
			// A Terraform-declared object's findings are cached as
			// Trivy gave them; the resource they are on is this scan's.
			if len(u.objects) == 1 && u.objects[0].res != nil {
				locateInResource(&u.found[i], u.objects[0].res)
			}
		}
		found = append(found, u.found...)
	}
	yamlFound := len(found)
	for _, r := range releases {
		e, err := engine()
		if err != nil {
			return nil, err
		}
		fs, err := scanHelmRelease(ctx, e, r)
		if err != nil {
			rep.Notes = append(rep.Notes, finding.Note{Kind: finding.NoteEngineError, Range: r.Resource.Range, Message: err.Error()})
			if models != nil {
				models.failed = true
			}
			continue
		}
		found = append(found, fs...)
	}
	switch {
	case models == nil:
	case models.cached:
		found = append(found, models.K8s...)
	default:
		// The Terraform-declared objects' units came after the YAML
		// files', then the releases.
		for _, u := range units[len(units)-len(declared):] {
			models.K8s = append(models.K8s, u.found...)
		}
		models.K8s = append(models.K8s, found[yamlFound:]...)
	}
	// --checks / --skip-checks apply to the Kubernetes findings (KSV and
	// KCV) after folding, which foldCovered appends last: the others were
	// filtered where they were made. A folded built-in's ID is an alias.
	out = foldCovered(out, found)
	rest := len(out) - len(found)
	return append(out[:rest:rest], filterChecks(out[rest:], opts)...), nil
}

// locateInResource gives a finding on a Terraform-declared object the
// resource's address and call sites, and the full range (columns and
// bytes) of the block or attribute whose lines Trivy reported.
func locateInResource(f *finding.Finding, res *tfmodel.Block) {
	f.Resource = res.Address
	if res.Module != nil {
		f.CallSites = slices.Clone(res.Module.CallSites)
	}
	var best *finding.Range
	var bestPath string
	var walk func(b *tfmodel.Block)
	walk = func(b *tfmodel.Block) {
		if sameLines(b.Range, f.Range) && best == nil {
			r := b.Range
			best, bestPath = &r, b.Path()
		}
		for _, a := range b.Attrs {
			if sameLines(a.ExprRange, f.Range) && best == nil {
				r := a.ExprRange
				best, bestPath = &r, a.Path()
			}
		}
		for _, c := range b.Blocks {
			walk(c)
		}
	}
	walk(res)
	if best != nil {
		f.Range = *best
		if bestPath != res.Path() {
			f.AttributePath = bestPath
		}
	}
	if f.Range.File == "" {
		f.Range = res.Range
	}
}

func sameLines(a, b finding.Range) bool {
	return a.File == b.File && a.Start.Line == b.Start.Line && a.End.Line == b.End.Line
}

// foldCovered folds each built-in TFR-K8S finding that a KSV finding on
// the same resource covers into it (see rules.KSVCounterparts): the KSV
// finding takes the built-in's precise location and fix, and its ID as an
// alias; the built-in finding goes.
func foldCovered(out, ksv []finding.Finding) []finding.Finding {
	// The KSV finding of the same problem on the same resource: first one
	// whose lines hold the built-in's, then any (a pod-level built-in
	// finding, such as a missing seccomp profile, against Trivy's
	// per-container one). Each KSV finding takes one built-in finding of
	// a rule.
	match := func(f finding.Finding, id string, near bool) *finding.Finding {
		for i := range ksv {
			k := &ksv[i]
			if k.RuleID == id && k.Resource != "" && k.Resource == f.Resource && !slices.Contains(k.Aliases, f.RuleID) && (!near || within(f.Range, k.Range)) {
				return k
			}
		}
		return nil
	}
	kept := out[:0]
	for _, f := range out {
		folded := false
		for _, id := range rules.KSVCounterparts(f) {
			k := match(f, id, true)
			if k == nil {
				k = match(f, id, false)
			}
			if k == nil {
				continue
			}
			k.Range, k.AttributePath = f.Range, f.AttributePath
			if f.Fix != nil {
				k.Fix, k.NoFixReason = f.Fix, ""
			} else if k.Fix == nil {
				k.NoFixReason = f.NoFixReason
			}
			k.Aliases = append(k.Aliases, f.RuleID)
			k.Aliases = append(k.Aliases, f.Aliases...)
			folded = true
		}
		if !folded {
			kept = append(kept, f)
		}
	}
	return append(kept, ksv...)
}

// within reports whether a lies inside b's lines (the built-in points at
// an attribute of the block Trivy reported).
func within(a, b finding.Range) bool {
	return a.File == b.File && a.Start.Line >= b.Start.Line && a.End.Line <= b.End.Line
}

// scanHelmRelease checks the objects a helm_release's chart renders with
// the release's values and puts each finding on the HCL that causes it:
// a finding the chart's defaults also give is the chart's (at the chart
// attribute: the release leaves it as the chart has it); one the
// release's values bring is at the values attribute or set block when one
// sets values, else at the release. The message names the rendered
// template and its line.
func scanHelmRelease(ctx context.Context, engine *trivyadapter.KubernetesEngine, r trivyadapter.HelmRelease) ([]finding.Finding, error) {
	key := func(f finding.Finding) string { return f.RuleID + "\x00" + f.Range.File + "\x00" + f.Message }
	scanAll := func(objs []trivyadapter.KubernetesObject) ([]finding.Finding, error) {
		var out []finding.Finding
		for _, o := range objs {
			fs, err := engine.Scan(ctx, o, nil)
			if err != nil {
				return nil, err
			}
			out = append(out, fs...)
		}
		return out, nil
	}
	defaults, err := scanAll(r.Defaults)
	if err != nil {
		return nil, err
	}
	byDefault := map[string]bool{}
	for _, f := range defaults {
		byDefault[key(f)] = true
	}
	found, err := scanAll(r.Objects)
	if err != nil {
		return nil, err
	}
	res := r.Resource
	for i := range found {
		f := &found[i]
		where := fmt.Sprintf("%s line %d", f.Range.File, f.Range.Start.Line)
		fromChart := byDefault[key(*f)]
		f.Range, f.AttributePath = res.Range, ""
		switch chart := res.Attr("chart"); {
		case fromChart && chart != nil:
			f.Range, f.AttributePath = chart.ExprRange, chart.Path()
			f.Message += fmt.Sprintf(" (chart template %s, from the chart's defaults: the release does not override them)", where)
		case len(r.ValueSources) == 1:
			f.Range, f.AttributePath = r.ValueSources[0], r.ValuePaths[0]
			f.Message += fmt.Sprintf(" (chart template %s, rendered with the release's values)", where)
		default:
			f.Message += fmt.Sprintf(" (chart template %s, rendered with the release's values)", where)
		}
		f.Resource = res.Address
		if res.Module != nil {
			f.CallSites = slices.Clone(res.Module.CallSites)
		}
	}
	return found, nil
}
