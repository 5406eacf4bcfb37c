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

func resolveProvider(rm *tfmodel.RootModule, m *tfmodel.Module, name, alias string, depth int) (*tfmodel.Block, bool) {
	if m == nil || depth > 64 {
		return nil, false
	}
	for _, b := range m.Blocks {
		if b.Type != "provider" || b.TypeLabel() != name {
			continue
		}
		a := b.Attr("alias")
		switch {
		case a == nil && alias == "":
			return b, true
		case a != nil && knownString(a.Value) && a.Value.AsString() == alias:
			return b, true
		}
	}
	if m.Address == "" {
		if alias != "" {
			return nil, false // an undeclared alias is Terraform's error to report
		}
		return nil, true
	}
	segs := moduleSegment.FindAllString(m.Address, -1)
	if len(segs) == 0 {
		return nil, false
	}
	parentAddr := strings.Join(segs[:len(segs)-1], ".")
	callName := strings.TrimPrefix(segs[len(segs)-1], "module.")
	if i := strings.Index(callName, "["); i >= 0 {
		callName = callName[:i]
	}
	var parent *tfmodel.Module
	for _, pm := range rm.Modules {
		if pm.Address == parentAddr {
			parent = pm
		}
	}
	if parent == nil {
		return nil, false
	}
	var call *tfmodel.Block
	for _, b := range parent.Blocks {
		if b.Type == "module" && b.TypeLabel() == callName {
			call = b
			break
		}
	}
	if call == nil {
		return nil, false
	}
	pa := call.Attr("providers")
	if pa == nil {
		if alias != "" {
			return nil, false
		}
		return resolveProvider(rm, parent, name, "", depth+1)
	}
	oc, isObj := pa.Expr.(*hclsyntax.ObjectConsExpr)
	if !isObj {
		return nil, false
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
		pAlias := ""
		if len(vt) > 1 {
			if at, isAttr := vt[1].(hcl.TraverseAttr); isAttr {
				pAlias = at.Name
			}
		}
		return resolveProvider(rm, parent, vt.RootName(), pAlias, depth+1)
	}
	return nil, false
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
