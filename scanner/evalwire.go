package scanner

import (
	"context"
	"encoding/gob"
	"log/slog"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
	"github.com/zclconf/go-cty/cty"
	ctymsgpack "github.com/zclconf/go-cty/cty/msgpack"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/trivyadapter"
	"github.com/tfreview/tfreview/tfmodel"
)

// The messages between the scan and its evaluation workers (encoding/gob
// over the worker's stdin and stdout). One request gets one reply.

// evalRequest is either a tree (the files of one scan path, sent once per
// worker before its first job there, while no job runs) or a job (one
// root module of it). Jobs run concurrently in the worker; ID pairs each
// reply with its request.
type evalRequest struct {
	ID   int
	Tree *evalTree
	Job  *evalJob
}

// evalTree is what a worker needs to evaluate root modules of one scan
// path as scanPath would in this process.
type evalTree struct {
	Gen     int // tells trees apart within one pool
	Abs     string
	Hidden  []string              // files the overlay hides
	Edits   map[string][]wireEdit // the overlay's edits, in original coordinates
	Sources map[string][]byte
	// Modules are the fetched remote modules (--download-modules), nil
	// when none.
	Modules *wireModules
	// Engine is nil when Trivy's checks do not run.
	Engine         *trivyadapter.EngineOptions
	Checks         []string
	DisabledChecks []string
	Vars           map[string]string
	// MaxFileSize bounds each chart file a helm_release renders.
	MaxFileSize int64
	// LogLevel is the lowest level of the scan's logger: the worker's
	// records (Trivy's) at or above it come back with each reply.
	LogLevel slog.Level
}

// evalJob is one root module to evaluate.
type evalJob struct {
	Root     string
	VarFiles []string
}

// evalReply answers a tree (Ready) or a job (the rest). Before its reply
// a job may get interim ones: WaitStart when the worker starts waiting for
// the compiled checks, WaitEnd when they are ready.
type evalReply struct {
	ID        int
	Ready     bool
	WaitStart bool
	WaitEnd   bool
	// Err fails the scan (Trivy's checks did not compile), as it does
	// in-process.
	Err          string
	Notes        []finding.Note
	Model        *wireRootModule // nil when the root module did not load
	ExtraSources map[string][]byte
	Resources    int
	Findings     []finding.Finding
	Helm         []wireHelmRelease
	Logs         []wireLog
}

// wireLog is one log record of the worker, for the scan's logger.
type wireLog struct {
	Level slog.Level
	Msg   string
	Attrs []string // key, value, key, value…
}

// maxWorkerLogs bounds the records one job sends back.
const maxWorkerLogs = 1000

// logCollector is a slog handler that keeps records for the reply.
type logCollector struct {
	level   slog.Level
	records *[]wireLog
	attrs   []string
}

func (c logCollector) Enabled(_ context.Context, l slog.Level) bool { return l >= c.level }

func (c logCollector) Handle(_ context.Context, r slog.Record) error {
	if len(*c.records) >= maxWorkerLogs {
		return nil
	}
	w := wireLog{Level: r.Level, Msg: r.Message, Attrs: slices.Clone(c.attrs)}
	r.Attrs(func(a slog.Attr) bool {
		w.Attrs = append(w.Attrs, a.Key, a.Value.String())
		return true
	})
	*c.records = append(*c.records, w)
	return nil
}

func (c logCollector) WithAttrs(as []slog.Attr) slog.Handler {
	c.attrs = slices.Clone(c.attrs)
	for _, a := range as {
		c.attrs = append(c.attrs, a.Key, a.Value.String())
	}
	return c
}

func (c logCollector) WithGroup(string) slog.Handler { return c }

// replayLogs gives the worker's records to the scan's logger.
func replayLogs(ctx context.Context, logger *slog.Logger, logs []wireLog) {
	for _, l := range logs {
		args := make([]any, len(l.Attrs))
		for i, a := range l.Attrs {
			args[i] = a
		}
		logger.Log(ctx, l.Level, l.Msg, args...)
	}
}

// The edit type crosses the wire: gob needs exported fields.
func (e edit) wire() wireEdit { return wireEdit{Start: e.start, End: e.end, Text: e.text} }

type wireEdit struct {
	Start, End int
	Text       string
}

// wireRootModule is a tfmodel.RootModule without its pointers and
// expressions; fromWire rebuilds them.
type wireRootModule struct {
	Dir     string
	Modules []wireModule
}

type wireModule struct {
	Dir       string
	Address   string
	CallSites []finding.CallSite
	Blocks    []wireBlock
}

type wireBlock struct {
	Type     string
	Labels   []string
	Address  string
	Range    finding.Range
	DefRange finding.Range
	Attrs    []wireAttr
	Blocks   []wireBlock
}

type wireAttr struct {
	Name string
	// Value is cty's msgpack with its type, which keeps unknown values;
	// empty when it could not be encoded (the value is then unknown).
	Value     []byte
	Range     finding.Range
	ExprRange finding.Range
}

func toWire(rm *tfmodel.RootModule) *wireRootModule {
	out := &wireRootModule{Dir: rm.Dir, Modules: make([]wireModule, len(rm.Modules))}
	for i, m := range rm.Modules {
		wm := wireModule{Dir: m.Dir, Address: m.Address, CallSites: m.CallSites, Blocks: make([]wireBlock, len(m.Blocks))}
		for j, b := range m.Blocks {
			wm.Blocks[j] = blockToWire(b)
		}
		out.Modules[i] = wm
	}
	return out
}

func blockToWire(b *tfmodel.Block) wireBlock {
	wb := wireBlock{Type: b.Type, Labels: b.Labels, Address: b.Address, Range: b.Range, DefRange: b.DefRange,
		Attrs: make([]wireAttr, 0, len(b.Attrs)), Blocks: make([]wireBlock, len(b.Blocks))}
	for _, a := range b.Attrs {
		wb.Attrs = append(wb.Attrs, wireAttr{Name: a.Name, Value: encodeValue(a.Value), Range: a.Range, ExprRange: a.ExprRange})
	}
	for i, c := range b.Blocks {
		wb.Blocks[i] = blockToWire(c)
	}
	return wb
}

func encodeValue(v cty.Value) []byte {
	v, _ = v.UnmarkDeep()
	data, err := ctymsgpack.Marshal(v, cty.DynamicPseudoType)
	if err != nil {
		return nil
	}
	return data
}

func decodeValue(data []byte) cty.Value {
	if len(data) == 0 {
		return cty.DynamicVal
	}
	v, err := ctymsgpack.Unmarshal(data, cty.DynamicPseudoType)
	if err != nil {
		return cty.DynamicVal
	}
	return v
}

// modelDecoder turns wire models back into tfmodel, finding each
// attribute's expression in the scan's own parse (as the in-process load
// does) or parsing it from the source.
type modelDecoder struct {
	exprs   *trivyadapter.ExprIndex
	sources func(file string) []byte
}

// decodeModel rebuilds a root module from the wire (a worker's reply or
// the evaluation cache), its expressions found in the scan's sources or,
// for files only the evaluation read, in extra.
func decodeModel(w *wireRootModule, exprs *trivyadapter.ExprIndex, sources, extra map[string][]byte) *tfmodel.RootModule {
	if w == nil {
		return nil
	}
	dec := modelDecoder{exprs: exprs, sources: func(file string) []byte {
		if src, ok := sources[file]; ok {
			return src
		}
		return extra[file]
	}}
	return dec.fromWire(w)
}

func (d modelDecoder) fromWire(w *wireRootModule) *tfmodel.RootModule {
	rm := &tfmodel.RootModule{Dir: w.Dir, Modules: make([]*tfmodel.Module, len(w.Modules))}
	for i, wm := range w.Modules {
		m := &tfmodel.Module{Dir: wm.Dir, Address: wm.Address, CallSites: wm.CallSites, Blocks: make([]*tfmodel.Block, len(wm.Blocks))}
		for j := range wm.Blocks {
			m.Blocks[j] = d.block(&wm.Blocks[j], nil, m)
		}
		rm.Modules[i] = m
	}
	return rm
}

func (d modelDecoder) block(w *wireBlock, parent *tfmodel.Block, m *tfmodel.Module) *tfmodel.Block {
	b := &tfmodel.Block{Type: w.Type, Labels: w.Labels, Address: w.Address, Range: w.Range, DefRange: w.DefRange,
		Attrs: make(map[string]*tfmodel.Attribute, len(w.Attrs)), Parent: parent, Module: m}
	for _, wa := range w.Attrs {
		b.Attrs[wa.Name] = &tfmodel.Attribute{Name: wa.Name, Value: decodeValue(wa.Value), Range: wa.Range,
			ExprRange: wa.ExprRange, Expr: d.expr(wa.ExprRange), Block: b}
	}
	for i := range w.Blocks {
		b.Blocks = append(b.Blocks, d.block(&w.Blocks[i], b, m))
	}
	return b
}

// expr returns the expression at r: the scan's own for native files, else
// parsed again from the source at the same place.
func (d modelDecoder) expr(r finding.Range) hcl.Expression {
	if e := d.exprs.Lookup(r); e != nil {
		return e
	}
	src := d.sources(r.File)
	if r.Start.Byte < 0 || r.End.Byte > len(src) || r.Start.Byte > r.End.Byte {
		return nil
	}
	start := hcl.Pos{Line: r.Start.Line, Column: r.Start.Column, Byte: r.Start.Byte}
	text := src[r.Start.Byte:r.End.Byte]
	var (
		e     hcl.Expression
		diags hcl.Diagnostics
	)
	if strings.HasSuffix(r.File, ".json") {
		e, diags = hcljson.ParseExpressionWithStartPos(text, r.File, start)
	} else {
		e, diags = hclsyntax.ParseExpression(text, r.File, start)
	}
	if diags.HasErrors() {
		return nil
	}
	return e
}

// wireHelmRelease is a trivyadapter.HelmRelease without its resource
// pointer: helmFromWire finds the block again in the decoded model.
type wireHelmRelease struct {
	File, Address     string
	Chart             string
	Objects, Defaults []wireK8sObject
	ValueSources      []finding.Range
	ValuePaths        []string
}

type wireK8sObject struct {
	File    string
	Content map[string]any // string, int, float64, bool, nil, []any, map[string]any
	Offset  int
}

func init() {
	// The container types of a rendered Kubernetes object, as gob sends
	// them inside interface values.
	gob.Register(map[string]any{})
	gob.Register([]any{})
}

func helmToWire(rels []trivyadapter.HelmRelease) []wireHelmRelease {
	objs := func(os []trivyadapter.KubernetesObject) []wireK8sObject {
		out := make([]wireK8sObject, len(os))
		for i, o := range os {
			out[i] = wireK8sObject{File: o.File, Content: o.Content, Offset: o.Offset}
		}
		return out
	}
	out := make([]wireHelmRelease, len(rels))
	for i, r := range rels {
		out[i] = wireHelmRelease{File: r.Resource.Range.File, Address: r.Resource.Address, Chart: r.Chart,
			Objects: objs(r.Objects), Defaults: objs(r.Defaults), ValueSources: r.ValueSources, ValuePaths: r.ValuePaths}
	}
	return out
}

// helmFromWire links the releases to their blocks in m; a release whose
// block is not there (it always is: both come from one evaluation) is
// dropped.
func helmFromWire(ws []wireHelmRelease, m *tfmodel.RootModule) []trivyadapter.HelmRelease {
	if len(ws) == 0 || m == nil {
		return nil
	}
	idx := indexBlocks(m)
	objs := func(ws []wireK8sObject) []trivyadapter.KubernetesObject {
		out := make([]trivyadapter.KubernetesObject, len(ws))
		for i, w := range ws {
			out[i] = trivyadapter.KubernetesObject{File: w.File, Content: w.Content, Offset: w.Offset}
		}
		return out
	}
	var out []trivyadapter.HelmRelease
	for _, w := range ws {
		b := idx[w.File+"\x00"+w.Address]
		if b == nil {
			continue
		}
		out = append(out, trivyadapter.HelmRelease{Resource: b, Chart: w.Chart, Objects: objs(w.Objects), Defaults: objs(w.Defaults),
			ValueSources: w.ValueSources, ValuePaths: w.ValuePaths})
	}
	return out
}
