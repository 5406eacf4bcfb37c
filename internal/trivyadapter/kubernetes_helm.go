package trivyadapter

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/loader/archive"
	loaderv2 "helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	"helm.sh/helm/v4/pkg/strvals"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/tfmodel"
)

// maxChartSize bounds the files of one chart read for rendering.
const maxChartSize = 32 << 20

// HelmRelease is a helm_release whose chart is in the scanned tree,
// rendered offline with Helm's template engine twice: with the release's
// values and with the chart's own defaults, so that a finding can be put
// on what causes it (the release's values, or the chart).
type HelmRelease struct {
	Resource *tfmodel.Block
	Chart    string // the chart directory, relative to the scan root
	Objects  []KubernetesObject
	Defaults []KubernetesObject
	// ValueSources are the attributes and blocks that set values
	// (values, set, set_list, set_sensitive), in the order applied.
	ValueSources []finding.Range
	ValuePaths   []string
}

// HelmReleasesOf renders the charts of the project's helm_release
// resources that are local directories in fsys (the scanned tree); each
// release that cannot be rendered is a note saying why: a chart from a
// repository (never downloaded), values not known before apply, a chart
// that does not load or render. Nothing in the chart runs but Helm's
// templates, without DNS or cluster lookups.
func HelmReleasesOf(p *tfmodel.Project, fsys fs.FS, maxFileSize int64) ([]HelmRelease, []finding.Note) {
	var out []HelmRelease
	var notes []finding.Note
	for _, rm := range p.RootModules {
		for _, m := range rm.Modules {
			for _, res := range m.Blocks {
				if res.Type != "resource" || res.TypeLabel() != "helm_release" {
					continue
				}
				rel, err := renderRelease(res, rm.Dir, fsys, maxFileSize)
				if err != nil {
					notes = append(notes, finding.Note{Kind: finding.NoteFileSkipped, Range: res.Range,
						Message: fmt.Sprintf("%s: Kubernetes checks not run on the release: %v", res.Address, err)})
					continue
				}
				out = append(out, *rel)
			}
		}
	}
	return out, notes
}

func knownString(b *tfmodel.Block, name string) (string, bool) {
	a := b.Attr(name)
	if a == nil || !a.Value.IsWhollyKnown() || a.Value.IsNull() || a.Value.Type() != cty.String {
		return "", false
	}
	return a.Value.AsString(), true
}

func renderRelease(res *tfmodel.Block, rootDir string, fsys fs.FS, maxFileSize int64) (*HelmRelease, error) {
	chart, ok := knownString(res, "chart")
	if !ok {
		return nil, fmt.Errorf("chart not known before apply")
	}
	if repo, ok := knownString(res, "repository"); ok && repo != "" {
		return nil, fmt.Errorf("chart %q from repository %q is not downloaded", chart, repo)
	}
	if strings.Contains(chart, "://") {
		return nil, fmt.Errorf("chart %q is not downloaded", chart)
	}
	dir, err := chartDir(fsys, rootDir, chart)
	if err != nil {
		return nil, err
	}
	vals, sources, paths, err := releaseValues(res)
	if err != nil {
		return nil, err
	}
	files, err := chartFiles(fsys, dir, maxFileSize)
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", dir, err)
	}
	name, _ := knownString(res, "name")
	ns, ok := knownString(res, "namespace")
	if !ok {
		ns = "default"
	}
	rel := &HelmRelease{Resource: res, Chart: dir, ValueSources: sources, ValuePaths: paths}
	if rel.Objects, err = renderChart(files, dir, name, ns, vals); err != nil {
		return nil, err
	}
	if rel.Defaults, err = renderChart(files, dir, name, ns, map[string]any{}); err != nil {
		rel.Defaults = nil // a chart that needs values to render
	}
	return rel, nil
}

// chartDir is the chart's directory in fsys: Terraform reads a local
// chart path from its working directory, the root module's; a path built
// from path.module is tried from the scan root too.
func chartDir(fsys fs.FS, rootDir, chart string) (string, error) {
	for _, p := range []string{path.Join(rootDir, chart), path.Clean(chart)} {
		if !fs.ValidPath(p) {
			continue
		}
		if _, err := fs.Stat(fsys, path.Join(p, "Chart.yaml")); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("chart %q is not a chart directory in the scanned tree (not downloaded)", chart)
}

func chartFiles(fsys fs.FS, dir string, maxFileSize int64) ([]*archive.BufferedFile, error) {
	var files []*archive.BufferedFile
	total := int64(0)
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if maxFileSize > 0 && info.Size() > maxFileSize {
			return fmt.Errorf("%s is over the %d-byte limit (--max-file-size)", p, maxFileSize)
		}
		if total += info.Size(); total > maxChartSize {
			return fmt.Errorf("over %d MiB of files", maxChartSize>>20)
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files = append(files, &archive.BufferedFile{Name: strings.TrimPrefix(p, dir+"/"), Data: data})
		return nil
	})
	return files, err
}

// renderChart renders the chart's templates and parses the Kubernetes
// objects in them; each object's File is the template's path in the tree.
func renderChart(files []*archive.BufferedFile, dir, name, ns string, vals map[string]any) (objs []KubernetesObject, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("rendering chart %s panicked: %v", dir, v)
		}
	}()
	chrt, err := loaderv2.LoadFiles(files)
	if err != nil {
		return nil, fmt.Errorf("load chart %s: %w", dir, err)
	}
	rv, err := chartutil.ToRenderValues(chrt, vals, common.ReleaseOptions{Name: name, Namespace: ns, Revision: 1, IsInstall: true}, common.DefaultCapabilities)
	if err != nil {
		return nil, fmt.Errorf("values for chart %s: %w", dir, err)
	}
	rendered, err := engine.Engine{}.Render(chrt, rv)
	if err != nil {
		return nil, fmt.Errorf("render chart %s: %w", dir, err)
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range rendered {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range keys {
		base := path.Base(k)
		if strings.HasPrefix(base, "_") || !(strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml")) {
			continue
		}
		// k is "<chart name>/templates/x.yaml".
		file := path.Join(dir, k[strings.IndexByte(k, '/')+1:])
		o, err := ParseKubernetesYAML(file, []byte(rendered[k]))
		if err != nil {
			return nil, fmt.Errorf("rendered %s: %w", file, err)
		}
		objs = append(objs, o...)
	}
	return objs, nil
}

// releaseValues merges the release's values as the helm provider does:
// each YAML document of values in order (maps merged, later wins), then
// set, set_list and set_sensitive entries in Helm's --set syntax.
func releaseValues(res *tfmodel.Block) (map[string]any, []finding.Range, []string, error) {
	base := map[string]any{}
	var sources []finding.Range
	var paths []string
	if a := res.Attr("values"); a != nil && !a.Value.IsNull() {
		if !a.Value.IsWhollyKnown() {
			return nil, nil, nil, fmt.Errorf("values not known before apply")
		}
		if !a.Value.CanIterateElements() {
			return nil, nil, nil, fmt.Errorf("values is not a list")
		}
		for it := a.Value.ElementIterator(); it.Next(); {
			_, v := it.Element()
			if v.IsNull() || v.Type() != cty.String {
				continue
			}
			doc, err := common.ReadValues([]byte(v.AsString()))
			if err != nil {
				return nil, nil, nil, fmt.Errorf("values: %w", err)
			}
			base = loaderv2.MergeMaps(base, doc)
		}
		sources, paths = append(sources, a.ExprRange), append(paths, a.Path())
	}
	for _, kind := range []string{"set", "set_list", "set_sensitive"} {
		entries, where, wherePaths, err := setEntries(res, kind)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, e := range entries {
			if err := applySet(kind, e, base); err != nil {
				return nil, nil, nil, fmt.Errorf("%s %q: %w", kind, e["name"].AsString(), err)
			}
		}
		sources, paths = append(sources, where...), append(paths, wherePaths...)
	}
	return base, sources, paths, nil
}

// setEntries are the entries of set-like blocks (provider 2.x) or of the
// list attribute of that name (3.x).
func setEntries(res *tfmodel.Block, kind string) ([]map[string]cty.Value, []finding.Range, []string, error) {
	var out []map[string]cty.Value
	var where []finding.Range
	var paths []string
	for _, b := range res.Children(kind) {
		e := map[string]cty.Value{}
		for n, a := range b.Attrs {
			e[n] = a.Value
		}
		out, where, paths = append(out, e), append(where, b.Range), append(paths, b.Path())
	}
	if a := res.Attr(kind); a != nil && !a.Value.IsNull() {
		if !a.Value.IsWhollyKnown() || !a.Value.CanIterateElements() {
			return nil, nil, nil, fmt.Errorf("%s not known before apply", kind)
		}
		for it := a.Value.ElementIterator(); it.Next(); {
			_, v := it.Element()
			if !v.Type().IsObjectType() && !v.Type().IsMapType() {
				continue
			}
			out = append(out, v.AsValueMap())
		}
		where, paths = append(where, a.ExprRange), append(paths, a.Path())
	}
	for _, e := range out {
		for _, v := range e {
			if !v.IsWhollyKnown() {
				return nil, nil, nil, fmt.Errorf("%s not known before apply", kind)
			}
		}
		if n, ok := e["name"]; !ok || n.IsNull() || n.Type() != cty.String {
			return nil, nil, nil, fmt.Errorf("%s without a name", kind)
		}
	}
	return out, where, paths, nil
}

func ctyString(v cty.Value) string {
	if v.IsNull() {
		return ""
	}
	switch v.Type() {
	case cty.String:
		return v.AsString()
	case cty.Bool:
		return fmt.Sprint(v.True())
	case cty.Number:
		return v.AsBigFloat().Text('f', -1)
	}
	return ""
}

// applySet applies one entry as the helm provider does: name=value in
// Helm's --set syntax, --set-string for type "string", literally for type
// "literal"; set_list as name={a,b}.
func applySet(kind string, e map[string]cty.Value, base map[string]any) error {
	name := e["name"].AsString()
	if kind == "set_list" {
		var items []string
		if v, ok := e["value"]; ok && !v.IsNull() && v.CanIterateElements() {
			for it := v.ElementIterator(); it.Next(); {
				_, x := it.Element()
				items = append(items, ctyString(x))
			}
		}
		return strvals.ParseInto(fmt.Sprintf("%s={%s}", name, strings.Join(items, ",")), base)
	}
	value := ctyString(e["value"])
	typ := ""
	if t, ok := e["type"]; ok {
		typ = ctyString(t)
	}
	switch typ {
	case "string":
		return strvals.ParseIntoString(name+"="+value, base)
	case "literal":
		return strvals.ParseLiteralInto(name+"="+value, base)
	}
	return strvals.ParseInto(name+"="+value, base)
}
