package trivyadapter

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/tfreview/tfreview/finding"
)

// ExprIndex finds, for an attribute expression Trivy parsed, the same
// expression in the caller's own parse of the file (same file, same byte
// range). tfmodel attributes keep an expression for the built-in checks and
// fixes; keeping Trivy's would keep Trivy's whole parse of every file, once
// per root module that reaches it (local modules are parsed again for each
// caller), for the rest of the scan. Build it once per scan; it is only read
// afterwards, so root modules can share it.
type ExprIndex struct {
	byFile map[string]map[[2]int]hcl.Expression
}

// IndexExpressions indexes every attribute expression of the given native
// HCL files (JSON files are left out: Trivy's expression is kept for them).
func IndexExpressions(files map[string]*hcl.File) *ExprIndex {
	idx := &ExprIndex{byFile: make(map[string]map[[2]int]hcl.Expression, len(files))}
	for name, f := range files {
		body, ok := f.Body.(*hclsyntax.Body)
		if !ok {
			continue
		}
		m := map[[2]int]hcl.Expression{}
		var walk func(*hclsyntax.Body)
		walk = func(b *hclsyntax.Body) {
			for _, a := range b.Attributes {
				r := a.Expr.Range()
				m[[2]int{r.Start.Byte, r.End.Byte}] = a.Expr
			}
			for _, blk := range b.Blocks {
				walk(blk.Body)
			}
		}
		walk(body)
		idx.byFile[name] = m
	}
	return idx
}

// lookup returns the indexed expression at r, e's range in the original
// file, or e.
func (idx *ExprIndex) lookup(r finding.Range, e hcl.Expression) hcl.Expression {
	if idx == nil {
		return e
	}
	if own, ok := idx.byFile[r.File][[2]int{r.Start.Byte, r.End.Byte}]; ok {
		return own
	}
	return e
}
