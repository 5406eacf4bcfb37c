package newsince

import (
	"bytes"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/tfmodel"
)

// tree reads the Terraform of one side (the working tree or the base)
// syntactically: enough to compare blocks between the sides and follow
// references, with nothing evaluated. Paths are relative to the scan's
// base directory on that side. Reads are confined to it.
type tree struct {
	root    *os.Root
	modules map[string]*moduleSource
	vars    map[string]*srcFile
}

func openTree(dir string) *tree {
	t := &tree{modules: map[string]*moduleSource{}, vars: map[string]*srcFile{}}
	if r, err := os.OpenRoot(dir); err == nil {
		t.root = r
	}
	return t
}

func (t *tree) close() {
	if t.root != nil {
		t.root.Close()
	}
}

// srcFile is one parsed file.
type srcFile struct {
	Path string
	Src  []byte
	Body *hclsyntax.Body
}

// element is a block or attribute with what comparing it needs.
type element struct {
	File  *srcFile
	Range hcl.Range // whole block or attribute
	Def   hcl.Range // the block header or the attribute
	Text  string    // its tokens without comments or layout
	Expr  hcl.Expression
	Body  *hclsyntax.Body
	Attrs map[string]*element // a block's own attributes
}

func (e *element) rangeOf() finding.Range {
	return tfmodel.ConvertRange(e.Range, e.File.Path, e.File.Src)
}
func (e *element) defOf() finding.Range { return tfmodel.ConvertRange(e.Def, e.File.Path, e.File.Src) }

// sameText reports whether two elements are the same code; a missing one
// differs from a present one.
func sameText(a, b *element) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Text == b.Text
}

// moduleSource is the top-level content of one module directory.
type moduleSource struct {
	Vars   map[string]*element // variable blocks
	Locals map[string]*element // locals attributes
	Blocks map[string]*element // "aws_s3_bucket.b", "data.aws_iam_policy_document.p", "module.m"
	Moved  []movedStmt
	Files  []*srcFile
}

// module parses the .tf files directly in dir (HCL native syntax; files
// that do not parse are left out, the scan reports them).
func (t *tree) module(dir string) *moduleSource {
	if m, ok := t.modules[dir]; ok {
		return m
	}
	m := &moduleSource{Vars: map[string]*element{}, Locals: map[string]*element{}, Blocks: map[string]*element{}}
	t.modules[dir] = m
	if t.root == nil {
		return m
	}
	entries, err := fs.ReadDir(t.root.FS(), dir)
	if err != nil {
		return m
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !(strings.HasSuffix(e.Name(), ".tf") || strings.HasSuffix(e.Name(), ".tofu")) {
			continue
		}
		f := t.parse(path.Join(dir, e.Name()))
		if f == nil {
			continue
		}
		m.Files = append(m.Files, f)
		for _, b := range f.Body.Blocks {
			switch {
			case b.Type == "variable" && len(b.Labels) == 1:
				m.Vars[b.Labels[0]] = blockElement(f, b)
			case b.Type == "locals":
				for name, a := range b.Body.Attributes {
					m.Locals[name] = attrElement(f, a)
				}
			case b.Type == "resource" && len(b.Labels) == 2:
				m.Blocks[b.Labels[0]+"."+b.Labels[1]] = blockElement(f, b)
			case b.Type == "data" && len(b.Labels) == 2:
				m.Blocks["data."+b.Labels[0]+"."+b.Labels[1]] = blockElement(f, b)
			case b.Type == "module" && len(b.Labels) == 1:
				m.Blocks["module."+b.Labels[0]] = blockElement(f, b)
			case b.Type == "moved":
				from, okFrom := b.Body.Attributes["from"]
				to, okTo := b.Body.Attributes["to"]
				if !okFrom || !okTo {
					continue
				}
				fa, ok1 := traversalAddress(from.Expr)
				ta, ok2 := traversalAddress(to.Expr)
				if ok1 && ok2 {
					m.Moved = append(m.Moved, movedStmt{From: fa, To: ta})
				}
			}
		}
	}
	return m
}

// varFile parses a .tfvars file into its attributes, or nil.
func (t *tree) varFile(p string) map[string]*element {
	f, ok := t.vars[p]
	if !ok {
		f = t.parse(p)
		t.vars[p] = f
	}
	if f == nil {
		return nil
	}
	out := map[string]*element{}
	for name, a := range f.Body.Attributes {
		out[name] = attrElement(f, a)
	}
	return out
}

func (t *tree) parse(p string) *srcFile {
	if t.root == nil {
		return nil
	}
	src, err := fs.ReadFile(t.root.FS(), p)
	if err != nil {
		return nil
	}
	file, diags := hclsyntax.ParseConfig(src, p, hcl.InitialPos)
	if diags.HasErrors() || file == nil {
		return nil
	}
	body, ok := file.Body.(*hclsyntax.Body)
	if !ok {
		return nil
	}
	return &srcFile{Path: p, Src: src, Body: body}
}

func blockElement(f *srcFile, b *hclsyntax.Block) *element {
	r := hcl.RangeBetween(b.TypeRange, b.Body.SrcRange)
	e := &element{File: f, Range: r, Def: b.DefRange(), Text: normalized(f.Src, r), Body: b.Body, Attrs: map[string]*element{}}
	for name, a := range b.Body.Attributes {
		e.Attrs[name] = attrElement(f, a)
	}
	return e
}

func attrElement(f *srcFile, a *hclsyntax.Attribute) *element {
	return &element{File: f, Range: a.SrcRange, Def: a.SrcRange, Text: normalized(f.Src, a.SrcRange), Expr: a.Expr}
}

// normalized is the code in r as its tokens, without comments, newlines
// or spacing: reformatting or re-commenting does not change it.
func normalized(src []byte, r hcl.Range) string {
	if r.Start.Byte < 0 || r.End.Byte > len(src) || r.Start.Byte > r.End.Byte {
		return ""
	}
	toks, _ := hclsyntax.LexConfig(src[r.Start.Byte:r.End.Byte], "", hcl.InitialPos)
	var b strings.Builder
	for _, t := range toks {
		switch t.Type {
		case hclsyntax.TokenComment, hclsyntax.TokenNewline, hclsyntax.TokenEOF:
			continue
		}
		b.Write(t.Bytes)
		b.WriteByte(' ')
	}
	return b.String()
}

// references returns the traversals of every expression in a body, nested
// blocks included, in source order.
func references(body *hclsyntax.Body) []hcl.Traversal {
	var out []hcl.Traversal
	var walk func(b *hclsyntax.Body)
	walk = func(b *hclsyntax.Body) {
		names := make([]string, 0, len(b.Attributes))
		for n := range b.Attributes {
			names = append(names, n)
		}
		slices.SortFunc(names, func(x, y string) int {
			return b.Attributes[x].SrcRange.Start.Byte - b.Attributes[y].SrcRange.Start.Byte
		})
		for _, n := range names {
			out = append(out, b.Attributes[n].Expr.Variables()...)
		}
		for _, blk := range b.Blocks {
			walk(blk.Body)
		}
	}
	if body != nil {
		walk(body)
	}
	return out
}

// refKey names what a traversal refers to in its module: var.x, local.x,
// module.m, data.t.n, t.n; "" for each/count/path/self/terraform.
func refKey(tr hcl.Traversal) string {
	if len(tr) == 0 {
		return ""
	}
	root := tr.RootName()
	attr := func(i int) string {
		if i < len(tr) {
			if a, ok := tr[i].(hcl.TraverseAttr); ok {
				return a.Name
			}
		}
		return ""
	}
	switch root {
	case "each", "count", "path", "self", "terraform":
		return ""
	case "var", "local", "module":
		if n := attr(1); n != "" {
			return root + "." + n
		}
	case "data":
		if t, n := attr(1), attr(2); t != "" && n != "" {
			return "data." + t + "." + n
		}
	default:
		if n := attr(1); n != "" {
			return root + "." + n
		}
	}
	return ""
}

// countLines counts the lines of a file on disk.
func countLines(p string) (int, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return 0, err
	}
	n := bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n, nil
}
