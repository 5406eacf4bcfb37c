package rules

import (
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/tfreview/tfreview/tfmodel"
)

// Provider configuration lookup, as Terraform resolves it: a resource uses
// the provider block of its module named by its `provider` argument (or the
// default one); a child module gets its parent's configurations through the
// module block's `providers` map, or inherits the default ones when there
// is no map.

var moduleSegment = regexp.MustCompile(`module\.[^.\[]+(\[[^\]]*\])?`)

// providerConfig returns the provider block a resource uses. ok is false
// when it cannot be resolved statically (then callers must not guess).
// A nil block with ok means the provider is configured with no block.
func providerConfig(rm *tfmodel.RootModule, res *tfmodel.Block) (b *tfmodel.Block, ok bool) {
	name, _, _ := strings.Cut(res.TypeLabel(), "_")
	alias := ""
	if a := res.Attr("provider"); a != nil {
		tr, diags := hcl.AbsTraversalForExpr(a.Expr)
		if diags.HasErrors() || len(tr) == 0 {
			return nil, false
		}
		name = tr.RootName()
		if len(tr) > 1 {
			at, isAttr := tr[1].(hcl.TraverseAttr)
			if !isAttr {
				return nil, false
			}
			alias = at.Name
		}
	}
	return resolveProvider(rm, res.Module, name, alias, 0)
}

// maxModuleDepth bounds the walk up the module tree; Terraform's own
// nesting is far shallower, so deeper means a cycle or a hostile tree.
const maxModuleDepth = 64

// resolveProvider finds the provider block that name (and alias) means in
// module m: declared in m itself, or passed down (or inherited) from the
// module that called m, recursively up to the root module.
func resolveProvider(rm *tfmodel.RootModule, m *tfmodel.Module, name, alias string, depth int) (*tfmodel.Block, bool) {
	if m == nil || depth > maxModuleDepth {
		return nil, false
	}
	if b := declaredProvider(m, name, alias); b != nil {
		return b, true
	}
	if m.Address == "" {
		// A default provider needs no block; an undeclared alias is
		// Terraform's error to report, not ours to guess.
		return nil, alias == ""
	}
	parent, call := moduleCall(rm, m)
	if call == nil {
		return nil, false
	}
	pName, pAlias, ok := providerFromCaller(call, name, alias)
	if !ok {
		return nil, false
	}
	return resolveProvider(rm, parent, pName, pAlias, depth+1)
}

// declaredProvider returns m's own `provider "<name>"` block with the alias
// (none for the default configuration), or nil.
func declaredProvider(m *tfmodel.Module, name, alias string) *tfmodel.Block {
	for _, b := range m.Blocks {
		if b.Type != "provider" || b.TypeLabel() != name {
			continue
		}
		a := b.Attr("alias")
		switch {
		case a == nil && alias == "":
			return b
		case a != nil && knownString(a.Value) && a.Value.AsString() == alias:
			return b
		}
	}
	return nil
}

// moduleCall returns the parent of child module m and the `module` block in
// it that called m, found from m's address (module.a[0].module.b); nil
// when either is not in the root module's evaluation.
func moduleCall(rm *tfmodel.RootModule, m *tfmodel.Module) (parent *tfmodel.Module, call *tfmodel.Block) {
	segs := moduleSegment.FindAllString(m.Address, -1)
	if len(segs) == 0 {
		return nil, nil
	}
	parentAddr := strings.Join(segs[:len(segs)-1], ".")
	callName := strings.TrimPrefix(segs[len(segs)-1], "module.")
	if i := strings.Index(callName, "["); i >= 0 {
		callName = callName[:i]
	}
	for _, pm := range rm.Modules {
		if pm.Address == parentAddr {
			parent = pm
		}
	}
	if parent == nil {
		return nil, nil
	}
	for _, b := range parent.Blocks {
		if b.Type == "module" && b.TypeLabel() == callName {
			return parent, b
		}
	}
	return nil, nil
}

// providerFromCaller maps the provider a child module asks for (name,
// alias) to the one its caller gives it: through the module block's
// `providers` map, or, without a map, the caller's default configuration
// (aliases are never inherited). ok is false when it cannot be read
// statically.
func providerFromCaller(call *tfmodel.Block, name, alias string) (pName, pAlias string, ok bool) {
	pa := call.Attr("providers")
	if pa == nil {
		if alias != "" {
			return "", "", false
		}
		return name, "", true
	}
	oc, isObj := pa.Expr.(*hclsyntax.ObjectConsExpr)
	if !isObj {
		return "", "", false
	}
	want := name
	if alias != "" {
		want += "." + alias
	}
	for _, item := range oc.Items {
		key := item.KeyExpr
		if k, isKey := key.(*hclsyntax.ObjectConsKeyExpr); isKey {
			key = k.Wrapped
		}
		kt, d1 := hcl.AbsTraversalForExpr(key)
		vt, d2 := hcl.AbsTraversalForExpr(item.ValueExpr)
		if d1.HasErrors() || d2.HasErrors() || traversalString(kt) != want {
			continue
		}
		if len(vt) > 1 {
			if at, isAttr := vt[1].(hcl.TraverseAttr); isAttr {
				pAlias = at.Name
			}
		}
		return vt.RootName(), pAlias, true
	}
	return "", "", false
}

// rootModuleOf returns the root module whose evaluation produced b.
func rootModuleOf(p *tfmodel.Project, b *tfmodel.Block) *tfmodel.RootModule {
	for _, rm := range p.RootModules {
		for _, m := range rm.Modules {
			if m == b.Module {
				return rm
			}
		}
	}
	return nil
}
