// Package tfmodel is the evaluated Terraform that built-in checks read: one
// value per block and attribute after variables, locals, count, for_each,
// dynamic blocks and local modules are resolved. It is built once per scan
// by the Trivy adapter and shared by both engines, and keeps source ranges
// with byte columns so checks can point at the exact expression.
package tfmodel

import (
	"bytes"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/tfreview/tfreview/finding"
)

// Project is everything loaded for one scan.
type Project struct {
	Root        string               // absolute path of the scanned root
	RootModules []*RootModule        // sorted by Dir
	Sources     map[string][]byte    // file (relative, slash) -> bytes, every file read
	Syntax      map[string]*hcl.File // parsed files, HCL and JSON
}

// RootModule is one root module and every module it reaches.
type RootModule struct {
	Dir     string    // relative, slash; "." for the scan root
	Modules []*Module // the root first, then child modules
}

// Module is one evaluated module instance.
type Module struct {
	Dir string // directory of its files, relative to the scan root
	// Address is "" for a root module, else e.g. module.vpc or module.a.module.b.
	Address string
	// CallSites are the module blocks that led here, outermost first.
	CallSites []finding.CallSite
	Blocks    []*Block
}

// Block is one evaluated block (a resource instance after count/for_each).
type Block struct {
	Type     string
	Labels   []string
	Address  string        // full address, e.g. module.vpc.aws_security_group.this[0]
	Range    finding.Range // the whole block
	DefRange finding.Range // the header: type and labels
	Attrs    map[string]*Attribute
	Blocks   []*Block
	Parent   *Block // enclosing block for nested blocks
	Module   *Module
}

// Attribute is one evaluated attribute.
type Attribute struct {
	Name      string
	Value     cty.Value     // may be unknown or null
	Range     finding.Range // name = expr
	ExprRange finding.Range
	Expr      hcl.Expression
	Block     *Block
}

// Attr returns the named attribute, or nil.
func (b *Block) Attr(name string) *Attribute {
	if b == nil {
		return nil
	}
	return b.Attrs[name]
}

// Children returns the nested blocks of the given type.
func (b *Block) Children(typ string) []*Block {
	if b == nil {
		return nil
	}
	var out []*Block
	for _, c := range b.Blocks {
		if c.Type == typ {
			out = append(out, c)
		}
	}
	return out
}

// Child returns the first nested block of the given type, or nil. Like
// Attr it accepts a nil receiver, so lookups can be chained.
func (b *Block) Child(typ string) *Block {
	if b == nil {
		return nil
	}
	for _, c := range b.Blocks {
		if c.Type == typ {
			return c
		}
	}
	return nil
}

// TypeLabel is the first label (the resource type for resources).
func (b *Block) TypeLabel() string {
	if len(b.Labels) > 0 {
		return b.Labels[0]
	}
	return ""
}

// Path returns the attribute path of a nested block relative to its
// top-level block, e.g. "spec.template.spec.container".
func (b *Block) Path() string {
	var parts []string
	for x := b; x != nil && x.Parent != nil; x = x.Parent {
		parts = append(parts, x.Type)
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, ".")
}

// Top returns the top-level block enclosing b.
func (b *Block) Top() *Block {
	for b.Parent != nil {
		b = b.Parent
	}
	return b
}

// Path is the attribute path relative to its top-level block.
func (a *Attribute) Path() string {
	if p := a.Block.Path(); p != "" {
		return p + "." + a.Name
	}
	return a.Name
}

// IsLiteral reports whether the expression is a constant written in place
// (no variable, local, reference or function call), so that editing it
// changes only this resource.
func (a *Attribute) IsLiteral() bool {
	if a.Expr == nil {
		return false
	}
	return len(a.Expr.Variables()) == 0 && !hasFunctionCall(a.Expr)
}

func hasFunctionCall(e hcl.Expression) bool {
	se, ok := e.(hclsyntax.Expression)
	if !ok {
		return false
	}
	found := false
	_ = hclsyntax.VisitAll(se, func(n hclsyntax.Node) hcl.Diagnostics {
		switch n.(type) {
		case *hclsyntax.FunctionCallExpr, *hclsyntax.ConditionalExpr, *hclsyntax.ForExpr:
			found = true
		}
		return nil
	})
	return found
}

// Resources returns every top-level block of type "resource" across all
// modules of all root modules.
func (p *Project) Resources() []*Block {
	return p.BlocksOfType("resource")
}

// BlocksOfType returns every top-level block of the type across all modules.
func (p *Project) BlocksOfType(typ string) []*Block {
	var out []*Block
	for _, rm := range p.RootModules {
		for _, m := range rm.Modules {
			for _, b := range m.Blocks {
				if b.Type == typ {
					out = append(out, b)
				}
			}
		}
	}
	return out
}

// ConvertRange turns an HCL range into a finding range with UTF-8 byte
// columns, reading src (the file's bytes) to count them; HCL's own columns
// count characters.
func ConvertRange(r hcl.Range, file string, src []byte) finding.Range {
	return finding.Range{
		File:  file,
		Start: convertPos(r.Start, src),
		End:   convertPos(r.End, src),
	}
}

func convertPos(p hcl.Pos, src []byte) finding.Position {
	col := p.Column
	if src != nil && p.Byte >= 0 && p.Byte <= len(src) {
		lineStart := bytes.LastIndexByte(src[:p.Byte], '\n') + 1
		col = p.Byte - lineStart + 1
	}
	return finding.Position{Line: p.Line, Column: col, Byte: p.Byte}
}

// ObjectKey is the key of an object constructor item as Terraform reads
// it: a bare word (`privileged = true`) or a literal string
// (`"privileged" = true`); "" when the key is computed.
func ObjectKey(e hclsyntax.Expression) string {
	if k, ok := e.(*hclsyntax.ObjectConsKeyExpr); ok {
		if name := hcl.ExprAsKeyword(k.Wrapped); name != "" {
			return name
		}
		e = k.Wrapped
	}
	v, diags := e.Value(nil)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}
