package newsince

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/tfreview/tfreview/finding"
)

// causeFinder explains introduced findings that lie outside the diff: it
// follows the resource's references (variables, locals, module inputs,
// tfvars, other blocks) and the blocks that refer to it, comparing each
// between the base and the working tree, and names the first that changed.
type causeFinder struct {
	head, base *tree
	hunks      map[string][]lineSpan // working-tree file -> changed lines
	// baseDir maps a working-tree module directory to the base's
	// (different when its files were renamed there).
	baseDir func(dir string) string
	// varFiles lists the .tfvars files a root module loads, in order.
	varFiles func(root string) []string
	// basePath maps a working-tree file to its base path ("" if new).
	basePath func(file string) string
	deleted  map[string]bool // base files deleted
	// fromReport and toReport convert between the report's paths and the
	// repository-relative ones used here.
	fromReport, toReport func(string) string
}

// level is one module of the chain from the root module to the finding.
type level struct {
	dir  string // working-tree directory
	call string // the module block's name in the level above; "" for the root
}

// inDiff reports whether the finding's own lines changed.
func (c *causeFinder) inDiff(f finding.Finding) bool {
	return overlaps(c.hunks[f.Range.File], f.Range.Start.Line, f.Range.End.Line)
}

// find returns the cause of f (in report paths), or nil when it is in the
// diff or no cause was identified.
func (c *causeFinder) find(f finding.Finding) *finding.Cause {
	cause := c.findIn(relocate(f, c.fromReport))
	if cause != nil {
		cause.Range.File = c.toReport(cause.Range.File)
	}
	return cause
}

func (c *causeFinder) findIn(f finding.Finding) *finding.Cause {
	if c.inDiff(f) {
		return nil
	}
	chain, key := c.chain(f)
	n := len(chain) - 1
	var target *element
	if key != "" {
		target = c.head.module(chain[n].dir).Blocks[key]
	}
	if target != nil {
		if cause := c.changedWithin(target, finding.CauseResource, "the block of "+key+" changed"); cause != nil {
			return cause
		}
		s := &search{c: c, chain: chain, seen: map[string]bool{}}
		if cause := s.body(n, target.Body); cause != nil {
			return cause
		}
		if cause := s.referencedBlocks(); cause != nil {
			return cause
		}
		if cause := c.companions(chain[n].dir, key); cause != nil {
			return cause
		}
	}
	for _, cs := range f.CallSites {
		if overlaps(c.hunks[cs.Range.File], cs.Range.Start.Line, cs.Range.End.Line) {
			return &finding.Cause{Kind: finding.CauseModuleCall, Range: cs.Range,
				Message: fmt.Sprintf("%s was added or changed", cs.Module)}
		}
	}
	return nil
}

// chain returns the modules from the root module to the finding's block
// and that block's key in its module ("aws_s3_bucket.b", "module.m").
func (c *causeFinder) chain(f finding.Finding) ([]level, string) {
	mods, rest := splitAddress(f.Resource)
	out := []level{{dir: finding.RootModuleOf(f)}}
	if len(f.CallSites) == len(mods) {
		for k := 1; k < len(mods); k++ {
			out = append(out, level{dir: path.Dir(f.CallSites[k].Range.File), call: moduleName(mods[k-1])})
		}
		if len(mods) > 0 {
			out = append(out, level{dir: path.Dir(f.Range.File), call: moduleName(mods[len(mods)-1])})
		}
	} else if len(mods) > 0 {
		// Call sites unknown: only the finding's own module is followed.
		out = []level{{dir: path.Dir(f.Range.File)}}
	}
	switch {
	case f.Resource == "":
		return out, ""
	case rest == "" && len(mods) > 0 && len(out) > 1:
		// The finding is on a module block: it lives in the caller.
		return out[:len(out)-1], "module." + moduleName(mods[len(mods)-1])
	case rest == "":
		return out, ""
	}
	return out, resourceName(rest)
}

// moduleName is NAME of module.NAME["key"].
func moduleName(step string) string {
	return resourceName(strings.TrimPrefix(step, "module."))
}

// changedWithin returns a cause at the first changed lines inside e.
func (c *causeFinder) changedWithin(e *element, kind, msg string) *finding.Cause {
	for _, s := range c.hunks[e.File.Path] {
		end := s.Start + max(s.Count, 1) - 1
		if s.Count == 0 {
			if s.Start < e.Range.Start.Line || s.Start >= e.Range.End.Line {
				continue
			}
		} else if s.Start > e.Range.End.Line || end < e.Range.Start.Line {
			continue
		}
		return &finding.Cause{Kind: kind, Message: msg, Range: finding.Range{File: e.File.Path,
			Start: finding.Position{Line: s.Start, Byte: -1}, End: finding.Position{Line: end, Byte: -1}}}
	}
	return nil
}

// search follows references through one chain of modules.
type search struct {
	c     *causeFinder
	chain []level
	seen  map[string]bool
	refs  []struct {
		k   int
		key string
	}
}

// body follows every reference of a block body at level k.
func (s *search) body(k int, b *hclsyntax.Body) *finding.Cause {
	for _, tr := range references(b) {
		if cause := s.ref(k, refKey(tr)); cause != nil {
			return cause
		}
	}
	return nil
}

func (s *search) expr(k int, e hcl.Expression) *finding.Cause {
	if e == nil {
		return nil
	}
	for _, tr := range e.Variables() {
		if cause := s.ref(k, refKey(tr)); cause != nil {
			return cause
		}
	}
	return nil
}

// ref follows one reference at level k. Variables and locals are followed
// now; other blocks are kept for referencedBlocks, a weaker explanation.
func (s *search) ref(k int, key string) *finding.Cause {
	id := fmt.Sprint(k, "\x00", key)
	if key == "" || s.seen[id] {
		return nil
	}
	s.seen[id] = true
	kind, name, _ := strings.Cut(key, ".")
	switch kind {
	case "var":
		return s.variable(k, name)
	case "local":
		return s.local(k, name)
	case "module":
		return nil
	}
	s.refs = append(s.refs, struct {
		k   int
		key string
	}{k, key})
	return nil
}

func (s *search) variable(k int, name string) *finding.Cause {
	c := s.c
	dir := s.chain[k].dir
	if k == 0 {
		files := c.varFiles(dir)
		for i := len(files) - 1; i >= 0; i-- {
			file := files[i]
			ha := c.head.varFile(file)[name]
			bp := c.basePath(file)
			var ba *element
			if bp != "" {
				ba = c.base.varFile(bp)[name]
			}
			switch {
			case sameText(ha, ba):
			case ha != nil:
				return &finding.Cause{Kind: finding.CauseTFVars, Range: ha.rangeOf(),
					Message: fmt.Sprintf("%s changed in %s", name, c.toReport(file))}
			default:
				return &finding.Cause{Kind: finding.CauseTFVars, Range: ba.rangeOf(), Deleted: true,
					Message: fmt.Sprintf("%s was removed from %s", name, c.toReport(file))}
			}
		}
	}
	hv := c.head.module(dir).Vars[name]
	bv := c.base.module(c.baseDir(dir)).Vars[name]
	if hv != nil && !sameText(hv, bv) {
		if d := hv.Attrs["default"]; d != nil && (bv == nil || !sameText(d, bv.Attrs["default"])) {
			return &finding.Cause{Kind: finding.CauseVariable, Range: d.rangeOf(),
				Message: fmt.Sprintf("the default of variable %q changed", name)}
		}
		return &finding.Cause{Kind: finding.CauseVariable, Range: hv.defOf(),
			Message: fmt.Sprintf("variable %q changed", name)}
	}
	if k == 0 {
		return nil
	}
	call := "module." + s.chain[k].call
	parent := s.chain[k-1].dir
	hb := c.head.module(parent).Blocks[call]
	bb := c.base.module(c.baseDir(parent)).Blocks[call]
	if hb != nil && bb == nil {
		// A new module call: everything in it is new, not one input.
		return &finding.Cause{Kind: finding.CauseModuleCall, Range: hb.defOf(),
			Message: fmt.Sprintf("%s was added", call)}
	}
	var ha, ba *element
	if hb != nil {
		ha = hb.Attrs[name]
	}
	if bb != nil {
		ba = bb.Attrs[name]
	}
	switch {
	case !sameText(ha, ba) && ha != nil:
		return &finding.Cause{Kind: finding.CauseModuleInput, Range: ha.rangeOf(),
			Message: fmt.Sprintf("input %q of %s changed", name, call)}
	case !sameText(ha, ba):
		return &finding.Cause{Kind: finding.CauseModuleInput, Range: ba.rangeOf(), Deleted: true,
			Message: fmt.Sprintf("input %q of %s was removed", name, call)}
	case ha != nil:
		return s.expr(k-1, ha.Expr)
	}
	return nil
}

func (s *search) local(k int, name string) *finding.Cause {
	c := s.c
	dir := s.chain[k].dir
	hl := c.head.module(dir).Locals[name]
	bl := c.base.module(c.baseDir(dir)).Locals[name]
	if hl == nil {
		return nil
	}
	if !sameText(hl, bl) {
		return &finding.Cause{Kind: finding.CauseLocal, Range: hl.rangeOf(),
			Message: fmt.Sprintf("local.%s changed", name)}
	}
	return s.expr(k, hl.Expr)
}

// referencedBlocks names a block the resource refers to that changed.
func (s *search) referencedBlocks() *finding.Cause {
	c := s.c
	for _, r := range s.refs {
		dir := s.chain[r.k].dir
		hb := c.head.module(dir).Blocks[r.key]
		bb := c.base.module(c.baseDir(dir)).Blocks[r.key]
		if hb == nil || sameText(hb, bb) {
			continue
		}
		msg := fmt.Sprintf("%s, which the resource refers to, changed", r.key)
		if cause := c.changedWithin(hb, finding.CauseReference, msg); cause != nil {
			return cause
		}
		return &finding.Cause{Kind: finding.CauseReference, Range: hb.defOf(), Message: msg}
	}
	return nil
}

// companions names a block of the base that referred to key and was
// removed or changed: the public access block of a bucket, the encryption
// configuration of a bucket, a security group rule of a group.
func (c *causeFinder) companions(dir, key string) *finding.Cause {
	bm := c.base.module(c.baseDir(dir))
	hm := c.head.module(dir)
	var names []string
	for name := range bm.Blocks {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		ea, eb := bm.Blocks[a], bm.Blocks[b]
		return cmp.Or(cmp.Compare(ea.File.Path, eb.File.Path), cmp.Compare(ea.Range.Start.Byte, eb.Range.Start.Byte))
	})
	for _, name := range names {
		if name == key {
			continue
		}
		be := bm.Blocks[name]
		if !refersTo(be.Body, key) {
			continue
		}
		he := hm.Blocks[name]
		switch {
		case he == nil && c.deleted[be.File.Path]:
			return &finding.Cause{Kind: finding.CauseDeletedFile, Range: be.defOf(), Deleted: true,
				Message: fmt.Sprintf("%s was deleted with %s, which referred to %s", c.toReport(be.File.Path), name, key)}
		case he == nil:
			return &finding.Cause{Kind: finding.CauseDeletedResource, Range: be.defOf(), Deleted: true,
				Message: fmt.Sprintf("%s, which referred to %s, was removed", name, key)}
		case !sameText(he, be):
			msg := fmt.Sprintf("%s, which refers to %s, changed", name, key)
			if cause := c.changedWithin(he, finding.CauseCompanion, msg); cause != nil {
				return cause
			}
			return &finding.Cause{Kind: finding.CauseCompanion, Range: he.defOf(), Message: msg}
		}
	}
	return nil
}

func refersTo(b *hclsyntax.Body, key string) bool {
	for _, tr := range references(b) {
		if refKey(tr) == key {
			return true
		}
	}
	return false
}
