package scanner

import (
	"fmt"
	"math/big"
	"path"
	"sort"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/tfmodel"
)

// nestingDepth is the deepest bracket, brace, parenthesis, template or
// string nesting in the tokens. The HCL parser and Trivy's evaluator recurse
// once per level, and Go cannot recover from a stack overflow, so files over
// the limit are rejected before they are parsed.
func nestingDepth(tokens hclsyntax.Tokens) int {
	depth, most := 0, 0
	for _, t := range tokens {
		switch t.Type {
		case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen,
			hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl,
			hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc:
			depth++
			most = max(most, depth)
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen,
			hclsyntax.TokenTemplateSeqEnd, hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc:
			depth--
		}
	}
	return most
}

// jsonDepth is nestingDepth for JSON, skipping strings.
func jsonDepth(src []byte) int {
	depth, most := 0, 0
	inString, escaped := false, false
	for _, c := range src {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			most = max(most, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return most
}

type moduleCall struct {
	from, to string // directories
	file     *sourceFile
	name     string
	source   hcl.Expression
}

// moduleCalls returns every local module call, in file order.
func (s *fileSet) moduleCalls() []moduleCall {
	var out []moduleCall
	for _, p := range s.sortedPaths() {
		f := s.files[p]
		if f.Vars || f.Syntax == nil {
			continue
		}
		for _, b := range topBlocks(f.Syntax) {
			if b.Type != "module" || len(b.Labels) == 0 {
				continue
			}
			attrs, _ := b.Body.JustAttributes()
			a, ok := attrs["source"]
			if !ok {
				continue
			}
			src, _, ok := literalString(b.Body, "source")
			if !ok || !isLocalSource(src) {
				continue
			}
			dir := path.Dir(p)
			out = append(out, moduleCall{from: dir, to: path.Join(dir, src), file: f, name: b.Labels[0], source: a.Expr})
		}
	}
	return out
}

// breakCycles finds module calls that close a cycle (a module calling
// itself, directly or through others), which Trivy's evaluator would follow
// forever, and hides them from it: the call's source becomes blank in the
// overlay and a note names the cycle. It returns the remaining call graph.
func (s *fileSet) breakCycles(ov *overlayFS) (map[string][]string, []finding.Note) {
	calls := s.moduleCalls()
	byFrom := map[string][]int{}
	for i, c := range calls {
		byFrom[c.from] = append(byFrom[c.from], i)
	}
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	broken := map[int]bool{}
	var notes []finding.Note
	var visit func(d string)
	visit = func(d string) {
		color[d] = grey
		stack = append(stack, d)
		for _, i := range byFrom[d] {
			c := calls[i]
			switch color[c.to] {
			case grey:
				broken[i] = true
				cycle := ""
				for j := len(stack) - 1; j >= 0; j-- {
					cycle = stack[j] + " → " + cycle
					if stack[j] == c.to {
						break
					}
				}
				r := c.source.Range()
				ov.patch(c.file.Path, c.file.Src, r.Start.Byte+1, r.End.Byte-1, "")
				notes = append(notes, finding.Note{Kind: finding.NoteModuleNotLoaded, Range: tfmodel.ConvertRange(r, c.file.Path, c.file.Src),
					Message: fmt.Sprintf("module %q closes a cycle of module calls (%s%s); the call was not followed", c.name, cycle, c.to)})
			case white:
				visit(c.to)
			}
		}
		stack = stack[:len(stack)-1]
		color[d] = black
	}
	dirs := make([]string, 0, len(s.tfDirs))
	for d := range s.tfDirs {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		if color[d] == white {
			visit(d)
		}
	}
	graph := map[string][]string{}
	for i, c := range calls {
		if !broken[i] {
			graph[c.from] = append(graph[c.from], c.to)
		}
	}
	return graph, notes
}

// clampCounts rewrites literal `count` values over the limit to the limit
// in the overlay: Trivy's evaluator would otherwise build every instance.
func (s *fileSet) clampCounts(ov *overlayFS, limit int) []finding.Note {
	if limit <= 0 {
		return nil
	}
	var notes []finding.Note
	for _, p := range s.sortedPaths() {
		f := s.files[p]
		if f.Vars || f.Syntax == nil {
			continue
		}
		for _, b := range topBlocks(f.Syntax) {
			if b.Type != "resource" && b.Type != "module" && b.Type != "data" {
				continue
			}
			content, _, _ := b.Body.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "count"}}})
			if content == nil {
				continue
			}
			a, ok := content.Attributes["count"]
			if !ok {
				continue
			}
			v, diags := a.Expr.Value(nil)
			if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.Number {
				continue
			}
			if v.AsBigFloat().Cmp(new(big.Float).SetInt64(int64(limit))) <= 0 {
				continue
			}
			r := a.Expr.Range()
			lit := strconv.Itoa(limit)
			if r.End.Byte-r.Start.Byte < len(lit) {
				continue
			}
			ov.patch(f.Path, f.Src, r.Start.Byte, r.End.Byte, lit)
			notes = append(notes, finding.Note{Kind: finding.NoteLimit, Range: tfmodel.ConvertRange(r, f.Path, f.Src),
				Message: fmt.Sprintf("count = %s is over the instance limit (--max-instances %d); only the first %d instances were evaluated", v.AsBigFloat().Text('f', -1), limit, limit)})
		}
	}
	return notes
}
