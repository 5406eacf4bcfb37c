package trivyadapter

import (
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/tfmodel"
)

// Locate points findings made on p's generated files at the HCL that
// declares their resource in src (the root module directory the plan was
// made from), module call chain included, or, without src or a
// declaration in it, at the resource's change in the plan file (planName).
// Resources of modules that are not in src (registry, git) point at the
// last module call that is. syntax holds the parsed files of the source
// tree by slash path (nil: no source), sources their bytes.
func (p *Plan) Locate(found []finding.Finding, planName string, syntax map[string]*hcl.File, sources map[string][]byte) {
	l := &planLocator{syntax: syntax, sources: sources, files: map[string][]parsedFile{}}
	for i := range found {
		f := &found[i]
		address, ok := p.Address[f.Range.File]
		if !ok {
			continue
		}
		f.Resource = address
		f.CallSites = nil
		// Fixes were computed on the generated text, which no one edits.
		f.Fix = nil
		if rng, calls, ok := l.locate(p.calls, address, f.AttributePath); ok {
			f.Range, f.CallSites = rng, calls
			continue
		}
		line := p.addressLine(address)
		f.Range = finding.Range{File: planName, Start: finding.Position{Line: line, Byte: -1}, End: finding.Position{Line: line, Byte: -1}}
	}
}

type parsedFile struct {
	name string
	body *hclsyntax.Body
}

type planLocator struct {
	syntax  map[string]*hcl.File
	sources map[string][]byte
	files   map[string][]parsedFile // by directory
}

// addressStep is one step of a resource instance address.
type addressStep struct {
	kind, name string // kind: "module" or the resource mode ("resource", "data") with name "type.name"
	key        string // the instance key as written, "" for none
}

// parseAddress splits module.a["k"].module.b.aws_s3_bucket.x[0] into its
// steps, with HCL's traversal parser (an address is a traversal).
func parseAddress(address string) ([]addressStep, bool) {
	tr, diags := hclsyntax.ParseTraversalAbs([]byte(address), "", hcl.InitialPos)
	if diags.HasErrors() {
		return nil, false
	}
	var names []string
	keys := map[int]string{}
	for _, t := range tr {
		switch t := t.(type) {
		case hcl.TraverseRoot:
			names = append(names, t.Name)
		case hcl.TraverseAttr:
			names = append(names, t.Name)
		case hcl.TraverseIndex:
			keys[len(names)-1] = t.Key.GoString()
		}
	}
	var steps []addressStep
	for i := 0; i < len(names); {
		switch {
		case names[i] == "module" && i+1 < len(names):
			steps = append(steps, addressStep{kind: "module", name: names[i+1], key: keys[i+1]})
			i += 2
		case names[i] == "data" && i+2 == len(names)-1:
			steps = append(steps, addressStep{kind: "data", name: names[i+1] + "." + names[i+2], key: keys[i+2]})
			i += 3
		case i+1 == len(names)-1:
			steps = append(steps, addressStep{kind: "resource", name: names[i] + "." + names[i+1], key: keys[i+1]})
			i += 2
		default:
			return nil, false
		}
	}
	if len(steps) == 0 || steps[len(steps)-1].kind == "module" {
		return nil, false
	}
	return steps, true
}

func (l *planLocator) locate(cfg planConfigModule, address, attrPath string) (finding.Range, []finding.CallSite, bool) {
	if l.syntax == nil {
		return finding.Range{}, nil, false
	}
	steps, ok := parseAddress(address)
	if !ok {
		return finding.Range{}, nil, false
	}
	dir := "."
	var calls []finding.CallSite
	prefix := ""
	for _, s := range steps[:len(steps)-1] {
		block, file := l.find(dir, "module", s.name)
		if block == nil {
			break
		}
		call := prefix + "module." + s.name
		calls = append(calls, finding.CallSite{Module: call, Range: l.rng(block.DefRange(), file)})
		prefix = call + "." // the call site, not the instance: keys are not in the source
		source := cfg.ModuleCalls[s.name].Source
		cfg = cfg.ModuleCalls[s.name].Module
		if !strings.HasPrefix(source, "./") && !strings.HasPrefix(source, "../") {
			// Not in the source tree: the call is what can be reviewed.
			return calls[len(calls)-1].Range, calls[:len(calls)-1], true
		}
		next := path.Join(dir, source)
		if !fs.ValidPath(next) {
			return calls[len(calls)-1].Range, calls[:len(calls)-1], true
		}
		dir = next
	}
	if len(calls) < len(steps)-1 {
		if len(calls) == 0 {
			return finding.Range{}, nil, false
		}
		return calls[len(calls)-1].Range, calls[:len(calls)-1], true
	}
	last := steps[len(steps)-1]
	typ, name, _ := strings.Cut(last.name, ".")
	block, file := l.find(dir, last.kind, typ, name)
	if block == nil {
		if len(calls) == 0 {
			return finding.Range{}, nil, false
		}
		return calls[len(calls)-1].Range, calls[:len(calls)-1], true
	}
	return l.rng(attributeRange(block, attrPath), file), calls, true
}

// attributeRange is the range of the attribute or nested block attrPath
// names (ingress[0].cidr_blocks) in block, as deep as the source has it,
// or the block's header.
func attributeRange(block *hclsyntax.Block, attrPath string) hcl.Range {
	rng := block.DefRange()
	body := block.Body
	for part := range strings.SplitSeq(attrPath, ".") {
		if i := strings.IndexByte(part, '['); i >= 0 {
			part = part[:i]
		}
		if part == "" || body == nil {
			break
		}
		if a, ok := body.Attributes[part]; ok {
			return a.SrcRange
		}
		var next *hclsyntax.Block
		for _, b := range body.Blocks {
			if b.Type == part {
				next = b
				break
			}
		}
		if next == nil {
			break
		}
		rng, body = next.DefRange(), next.Body
	}
	return rng
}

func (l *planLocator) rng(r hcl.Range, file string) finding.Range {
	return tfmodel.ConvertRange(r, file, l.sources[file])
}

// find returns the first top-level block of typ with these labels in dir's
// .tf files, and its file.
func (l *planLocator) find(dir, typ string, labels ...string) (*hclsyntax.Block, string) {
	for _, f := range l.parse(dir) {
		for _, b := range f.body.Blocks {
			if b.Type == typ && slices.Equal(b.Labels, labels) {
				return b, f.name
			}
		}
	}
	return nil, ""
}

func (l *planLocator) parse(dir string) []parsedFile {
	if files, ok := l.files[dir]; ok {
		return files
	}
	var out []parsedFile
	for _, name := range slices.Sorted(maps.Keys(l.syntax)) {
		body, ok := l.syntax[name].Body.(*hclsyntax.Body)
		if !ok || path.Dir(name) != dir {
			continue
		}
		out = append(out, parsedFile{name: name, body: body})
	}
	l.files[dir] = out
	return out
}
