package scanner

import (
	"path"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// topBlocks returns the top-level blocks of a parsed file, HCL or JSON.
func topBlocks(f *hcl.File) []*hcl.Block {
	content, _, _ := f.Body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "module", LabelNames: []string{"name"}},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "resource", LabelNames: []string{"type", "name"}},
	}})
	if content == nil {
		return nil
	}
	return content.Blocks
}

// literalString returns the attribute's value when it is a constant string.
func literalString(body hcl.Body, name string) (string, hcl.Range, bool) {
	attrs, _ := body.JustAttributes()
	a, ok := attrs[name]
	if !ok {
		return "", hcl.Range{}, false
	}
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return "", a.Range, false
	}
	return v.AsString(), a.Range, true
}

func isLocalSource(s string) bool {
	return strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../")
}

// findRoots returns the root modules: directories with Terraform files that
// no other directory calls as a local module, as Trivy decides them, over
// the call graph with cycle-closing calls removed.
func (s *fileSet) findRoots(graph map[string][]string) []string {
	called := map[string]bool{}
	for from, tos := range graph {
		for _, to := range tos {
			if to != from {
				called[to] = true
			}
		}
	}
	var roots []string
	for d := range s.tfDirs {
		if !called[d] {
			roots = append(roots, d)
		}
	}
	sort.Strings(roots)
	return roots
}

// moduleDirs returns dir and every local module directory it reaches.
func (s *fileSet) moduleDirs(dir string) []string {
	seen := map[string]bool{}
	var walk func(d string)
	walk = func(d string) {
		if seen[d] {
			return
		}
		seen[d] = true
		for _, f := range s.filesIn(d) {
			if f.Vars || f.Syntax == nil {
				continue
			}
			for _, b := range topBlocks(f.Syntax) {
				if b.Type != "module" {
					continue
				}
				if src, _, ok := literalString(b.Body, "source"); ok && isLocalSource(src) {
					walk(path.Join(d, src))
				}
			}
		}
	}
	walk(dir)
	out := make([]string, 0, len(seen))
	for d := range seen {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// filesIn returns the files directly in dir, in lexical order (WalkDir's).
func (s *fileSet) filesIn(dir string) []*sourceFile { return s.byDir[dir] }

// onlyRoots keeps the roots named in want (BaseDir-relative; prefix is the
// scan path's place under BaseDir) and returns which files belong to them:
// those in the directories of the kept roots and the modules they call.
func (s *fileSet) onlyRoots(roots []string, prefix string, want []string) ([]string, func(file string) bool) {
	wanted := map[string]bool{}
	for _, w := range want {
		wanted[path.Clean(w)] = true
	}
	var kept []string
	dirs := map[string]bool{}
	for _, r := range roots {
		if !wanted[path.Join(prefix, r)] {
			continue
		}
		kept = append(kept, r)
		for _, d := range s.moduleDirs(r) {
			dirs[d] = true
		}
	}
	return kept, func(file string) bool { return dirs[path.Dir(file)] }
}
