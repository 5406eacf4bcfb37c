// Package trivyadapter is the only place tfreview imports Trivy. It loads and
// evaluates Terraform with Trivy's parser (variables, locals, count,
// for_each, dynamic blocks, local modules), converts the evaluated modules
// into tfmodel for the built-in checks, and runs Trivy's embedded checks on
// the same evaluated modules, so each root module is parsed and evaluated
// once for both engines. Trivy's maintainers are moving these packages to
// internal/ in later releases; the version is pinned in go.mod and this
// package is what a move would cost.
package trivyadapter

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strings"
	"testing/fstest"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/aquasecurity/trivy/pkg/iac/scanners/terraform/parser"
	"github.com/aquasecurity/trivy/pkg/iac/terraform"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/tfmodel"
)

// LoadOptions control loading and evaluation.
type LoadOptions struct {
	// TFVarsPaths are .tfvars files, as paths inside ConfigFS, applied in
	// order (later wins).
	TFVarsPaths []string
	// ConfigFS is where TFVarsPaths are read from; the scanned FS if nil.
	ConfigFS fs.FS
	// WorkingDir is what path.cwd evaluates to.
	WorkingDir string
	// Logger receives Trivy's logs; discarded if nil.
	Logger *slog.Logger
	// Exprs, when set, supplies the expressions of tfmodel attributes from
	// the caller's parse instead of Trivy's (see ExprIndex).
	Exprs *ExprIndex
	// Vars are --var values, applied after TFVarsPaths (and TF_VAR_
	// variables of the environment, which Trivy reads as Terraform does).
	// They are data: the process environment is never written.
	Vars map[string]string
	// OriginalOffset, when fsys is an edited view of the files, maps a
	// byte offset in a file as fsys serves it to the same place in the
	// file as sources hold it. Edits must not add line breaks.
	OriginalOffset func(file string, offset int) int
}

// Root is one evaluated root module, ready for both engines.
type Root struct {
	Dir     string
	modules terraform.Modules
	Model   *tfmodel.RootModule
	// ExtraSources are the files read that were not in LoadRoot's sources
	// (modules cached under .terraform), for the caller to merge.
	ExtraSources map[string][]byte
}

// LoadRoot parses and evaluates the root module in dir (a slash path inside
// fsys) with every local module it calls. sources maps file paths to their
// bytes and is used to compute byte columns; files missing from it are read
// from fsys. LoadRoot only reads sources, so root modules of one scan can be
// loaded concurrently.
func LoadRoot(ctx context.Context, fsys fs.FS, dir string, sources map[string][]byte, opts LoadOptions) (*Root, error) {
	patchTrivy()
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	configFS, varsPaths := opts.ConfigFS, opts.TFVarsPaths
	if len(opts.Vars) > 0 {
		// Served as one more tfvars file, the last: Trivy's own loader
		// then applies the environment, the files and --var in
		// Terraform's order, and still gives variables with no value an
		// unknown one of their type (it does not when given the values
		// with parser.OptionsWithTfVars).
		if configFS == nil {
			configFS = fsys
		}
		vfs, err := withVarsFile(configFS, opts.Vars)
		if err != nil {
			return nil, err
		}
		configFS, varsPaths = vfs, append(slices.Clip(varsPaths), cliVarsFile)
	}
	popts := []parser.Option{
		parser.OptionStopOnHCLError(false),
		// Trivy never downloads (--download-modules is tfreview's own,
		// presented as .terraform/modules) nor reads its shared cache
		// under the system temporary directory, outside the scanned tree.
		parser.OptionWithDownloads(false),
		parser.OptionWithSkipCachedModules(true),
		parser.OptionWithLogger(logger),
		parser.OptionWithTFVarsPaths(varsPaths...),
	}
	if configFS != nil {
		popts = append(popts, parser.OptionWithConfigsFS(configFS))
	}
	if opts.WorkingDir != "" {
		popts = append(popts, parser.OptionWithWorkingDirectoryPath(opts.WorkingDir))
	}
	key := opts.WorkingDir
	if key == "" {
		key = "."
	}
	p := parser.New(newKeyedFS(fsys, key), "", popts...)
	if err := p.ParseFS(ctx, dir); err != nil {
		return nil, fmt.Errorf("parse %s: %w", dir, err)
	}
	modules, err := evaluate(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("evaluate %s: %w", dir, err)
	}
	conv := converter{fsys: fsys, sources: sources, read: map[string][]byte{}, exprs: opts.Exprs, offset: opts.OriginalOffset}
	return &Root{Dir: dir, modules: modules, Model: conv.rootModule(dir, modules), ExtraSources: conv.read}, nil
}

// Lookup returns the indexed expression at r (a range in the original
// file), or nil.
func (idx *ExprIndex) Lookup(r finding.Range) hcl.Expression { return idx.lookup(r, nil) }

// cliVarsFile is the name --var values are served under. It is not a
// real file: varsFS answers for it before the wrapped filesystem.
const cliVarsFile = "tfreview-command-line-vars.tfvars.json"

// varsFS is a filesystem with one more file at its root, cliVarsFile.
type varsFS struct {
	fs.FS
	data []byte
}

func withVarsFile(base fs.FS, vars map[string]string) (fs.FS, error) {
	data, err := json.Marshal(vars)
	if err != nil {
		return nil, fmt.Errorf("encode --var values: %w", err)
	}
	return varsFS{FS: base, data: data}, nil
}

func (v varsFS) Open(name string) (fs.File, error) {
	if name == cliVarsFile {
		return fstest.MapFS{name: &fstest.MapFile{Data: v.data, Mode: 0o444}}.Open(name)
	}
	return v.FS.Open(name)
}

// evaluate runs Trivy's evaluator, turning a panic in it into an error so
// one odd root module cannot take the scan down.
func evaluate(ctx context.Context, p *parser.Parser) (mods terraform.Modules, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("terraform evaluator panicked: %v", v)
		}
	}()
	return p.EvaluateAll(ctx)
}

type converter struct {
	fsys fs.FS
	// sources is shared by the root modules of a scan, which are loaded
	// concurrently: it is only read. Files missing from it (modules cached
	// under .terraform) are read once per root module into read.
	sources map[string][]byte
	read    map[string][]byte
	exprs   *ExprIndex
	offset  func(file string, offset int) int
}

func (c converter) source(file string) []byte {
	if src, ok := c.sources[file]; ok {
		return src
	}
	if src, ok := c.read[file]; ok {
		return src
	}
	src, err := fs.ReadFile(c.fsys, file)
	if err != nil {
		return nil
	}
	c.read[file] = src
	return src
}

func (c converter) rng(r hcl.Range) finding.Range {
	file := path.Clean(strings.ReplaceAll(r.Filename, "\\", "/"))
	if c.offset != nil {
		r.Start.Byte = c.offset(file, r.Start.Byte)
		r.End.Byte = c.offset(file, r.End.Byte)
	}
	return tfmodel.ConvertRange(r, file, c.source(file))
}

func (c converter) rootModule(dir string, modules terraform.Modules) *tfmodel.RootModule {
	rm := &tfmodel.RootModule{Dir: dir}
	byCall := map[*terraform.Block]*tfmodel.Module{}
	moduleFor := func(call *terraform.Block, file string) *tfmodel.Module {
		if m, ok := byCall[call]; ok {
			return m
		}
		m := &tfmodel.Module{Dir: path.Dir(file)}
		if call != nil {
			m.Address = call.FullName()
			m.CallSites = c.callSites(call)
		}
		byCall[call] = m
		rm.Modules = append(rm.Modules, m)
		return m
	}
	for _, mod := range modules {
		for _, b := range mod.GetBlocks() {
			file := c.rng(blockRange(b.HCLBlock())).File
			m := moduleFor(b.ModuleBlock(), file)
			m.Blocks = append(m.Blocks, c.block(b, nil, m))
		}
	}
	// Root module first, then child modules in address order.
	for i, m := range rm.Modules {
		if m.Address == "" && i > 0 {
			rm.Modules[0], rm.Modules[i] = rm.Modules[i], rm.Modules[0]
		}
	}
	return rm
}

// callSites returns the module blocks leading to call, outermost first.
func (c converter) callSites(call *terraform.Block) []finding.CallSite {
	var out []finding.CallSite
	for b := call; b != nil; b = b.ModuleBlock() {
		out = append([]finding.CallSite{{Module: b.FullName(), Range: c.rng(b.HCLBlock().DefRange)}}, out...)
	}
	return out
}

func blockRange(hb *hcl.Block) hcl.Range {
	if body, ok := hb.Body.(*hclsyntax.Body); ok {
		r := body.SrcRange
		r.Start = hb.DefRange.Start
		return r
	}
	r := hb.DefRange
	r.End = hb.Body.MissingItemRange().End
	return r
}

func (c converter) block(b *terraform.Block, parent *tfmodel.Block, m *tfmodel.Module) *tfmodel.Block {
	hb := b.HCLBlock()
	out := &tfmodel.Block{
		Type: b.Type(),
		// Labels as written; Trivy appends the instance key to the name
		// label of count/for_each instances, which Address carries.
		Labels:   sourceLabels(b),
		Range:    c.rng(blockRange(hb)),
		DefRange: c.rng(hb.DefRange),
		Attrs:    map[string]*tfmodel.Attribute{},
		Parent:   parent,
		Module:   m,
	}
	if parent == nil {
		out.Address = b.FullName()
	} else {
		out.Address = parent.Address
	}
	for _, a := range b.GetAttributes() {
		ha := a.HCLAttribute()
		if ha == nil {
			continue
		}
		exprRange := c.rng(ha.Expr.Range())
		// count and for_each are already expanded into the instances; each
		// instance would evaluate the whole collection again, which is
		// costly for large ones (and with tfreview's instance limit
		// wrapper), so their value is left unknown.
		value := cty.DynamicVal
		if name := a.Name(); name != "count" && name != "for_each" {
			value = safeValue(a)
		}
		out.Attrs[a.Name()] = &tfmodel.Attribute{
			Name:      a.Name(),
			Value:     value,
			Range:     c.rng(ha.Range),
			ExprRange: exprRange,
			Expr:      c.exprs.lookup(exprRange, ha.Expr),
			Block:     out,
		}
	}
	for _, child := range b.AllBlocks() {
		out.Blocks = append(out.Blocks, c.block(child, out, m))
	}
	return out
}

func safeValue(a *terraform.Attribute) (v cty.Value) {
	defer func() {
		if recover() != nil {
			v = cty.DynamicVal
		}
	}()
	v = a.Value()
	if v == cty.NilVal {
		return cty.DynamicVal
	}
	return v
}

// sourceLabels returns the labels as written: Trivy appends the instance
// key ([0], ["a"]) to the name label of count/for_each instances.
func sourceLabels(b *terraform.Block) []string {
	labels := append([]string(nil), b.Labels()...)
	if b.IsExpanded() && len(labels) > 0 {
		last := labels[len(labels)-1]
		if i := strings.Index(last, "["); i > 0 {
			labels[len(labels)-1] = last[:i]
		}
	}
	return labels
}
