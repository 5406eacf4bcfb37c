package scanner

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math/big"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/tfmodel"
)

// nestingDepth is how deep the HCL parser, the evaluator and any AST walk
// recurse for these tokens. Go cannot recover from a stack overflow, so
// files over the limit are rejected before they are parsed. Brackets,
// braces, parentheses, strings, heredocs, interpolations and %{if}/%{for}
// blocks nest; so do chains that need no brackets: unary operators (!!!x is
// parsed by one call per "!"), conditionals (a ? b : a ? b : …), binary
// operators (1+1+1… is a left-deep tree that Value walks recursively),
// splats and index chains (a[b][b]…). Chain tokens count until the next
// element separator (a comma, or a newline in a body or object), so a long
// list of short expressions is not deep.
func nestingDepth(tokens hclsyntax.Tokens) int {
	type frame struct {
		kind  hclsyntax.TokenType // the opening token; TokenNil at the top
		chain int                 // chain tokens since the last separator
	}
	stack := []frame{{kind: hclsyntax.TokenNil}}
	chains, blocks, most := 0, 0, 0
	var prev hclsyntax.TokenType
	for i, t := range tokens {
		top := &stack[len(stack)-1]
		switch t.Type {
		case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen,
			hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl,
			hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc:
			if t.Type == hclsyntax.TokenOBrack && postfixable(prev) {
				top.chain++ // an index or a splat applied to what precedes
				chains++
			}
			if t.Type == hclsyntax.TokenTemplateControl && i+1 < len(tokens) && tokens[i+1].Type == hclsyntax.TokenIdent {
				switch string(tokens[i+1].Bytes) {
				case "if", "for":
					blocks++
				case "endif", "endfor":
					blocks = max(blocks-1, 0)
				}
			}
			stack = append(stack, frame{kind: t.Type})
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen,
			hclsyntax.TokenTemplateSeqEnd, hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc:
			if len(stack) > 1 {
				chains -= top.chain
				stack = stack[:len(stack)-1]
			}
		case hclsyntax.TokenComma:
			chains -= top.chain
			top.chain = 0
		case hclsyntax.TokenNewline:
			if top.kind == hclsyntax.TokenNil || top.kind == hclsyntax.TokenOBrace {
				chains -= top.chain
				top.chain = 0
			}
		case hclsyntax.TokenBang, hclsyntax.TokenMinus, hclsyntax.TokenPlus, hclsyntax.TokenStar,
			hclsyntax.TokenSlash, hclsyntax.TokenPercent, hclsyntax.TokenAnd, hclsyntax.TokenOr,
			hclsyntax.TokenEqualOp, hclsyntax.TokenNotEqual, hclsyntax.TokenLessThan,
			hclsyntax.TokenLessThanEq, hclsyntax.TokenGreaterThan, hclsyntax.TokenGreaterThanEq,
			hclsyntax.TokenQuestion:
			top.chain++
			chains++
		}
		if t.Type != hclsyntax.TokenNewline {
			prev = t.Type
		}
		most = max(most, len(stack)-1+chains+blocks)
	}
	return most
}

// postfixable tells whether a "[" after a token of this type indexes or
// splats the expression before it (rather than opening a tuple).
func postfixable(prev hclsyntax.TokenType) bool {
	switch prev {
	case hclsyntax.TokenIdent, hclsyntax.TokenCBrack, hclsyntax.TokenCParen, hclsyntax.TokenCBrace,
		hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc, hclsyntax.TokenNumberLit, hclsyntax.TokenStar:
		return true
	}
	return false
}

// bytesPerToken sets the token limit of a file from the size limit: HCL's
// lexer and parser hold a few hundred bytes per token, so a file of the
// largest size made of one-byte tokens ("1,1,1,…") took 5 GiB and 20 s to
// parse. Terraform as written has about one token per four bytes (the
// testdata: 4.2), so files up to the size limit still parse.
const bytesPerToken = 3

// maxTokens is the most tokens a file may hold; 0 = no limit.
func maxTokens(lim Limits) int { return int(lim.MaxFileSize / bytesPerToken) }

// tokenBound estimates, in one pass over the bytes, the tokens the HCL
// (or JSON) parser makes of src, from above: every punctuation byte and
// every run of word bytes could be one.
func tokenBound(src []byte, json bool) int {
	n := 0
	if json {
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
				n++
			case c == '[' || c == ']' || c == '{' || c == '}' || c == ',' || c == ':':
				n++
			}
		}
		return n
	}
	word := false
	for _, c := range src {
		isWord := c == '_' || c == '-' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
		switch {
		case isWord && !word:
			n++
		case !isWord && c != ' ' && c != '\t' && c != '\r':
			n++
		}
		word = isWord
	}
	return n
}

// jsonDepth is nestingDepth for JSON. Strings holding "${" or "%{" are
// templates HCL parses and evaluates like native expressions: they are
// lexed as templates and their depth counts from where they are.
func jsonDepth(src []byte) int {
	depth, most := 0, 0
	inString, escaped, start := false, false, 0
	for i, c := range src {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
				most = max(most, depth+templateDepth(src[start:i+1]))
			}
		case c == '"':
			inString, start = true, i
		case c == '{' || c == '[':
			depth++
			most = max(most, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return most
}

// templateDepth is the nesting depth of a JSON string literal (quotes
// included) as an HCL template; 0 for one that holds no template sequence.
func templateDepth(lit []byte) int {
	// Escapes can spell the sequence start ("\u0024{").
	if !bytes.Contains(lit, []byte("${")) && !bytes.Contains(lit, []byte("%{")) && !bytes.Contains(lit, []byte(`\u`)) {
		return 0
	}
	var s string
	if json.Unmarshal(lit, &s) != nil || !strings.Contains(s, "${") && !strings.Contains(s, "%{") {
		return 0
	}
	tokens, _ := hclsyntax.LexTemplate([]byte(s), "", hcl.InitialPos)
	return nestingDepth(tokens)
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

// clampInstances bounds the instances Trivy's evaluator builds for one
// block (it builds every one, in memory, before any check runs). A literal
// count over the limit becomes the limit, with a note. Any other count, and
// every for_each of a resource, data source, module or dynamic block, is
// wrapped in an expression that keeps the value as it is up to the limit and
// otherwise keeps its first limit elements (in the order Terraform and Trivy
// iterate them); clampedNotes reports those that reached it after
// evaluation. It returns the literal notes and the wrapped definitions
// (file and byte offset of the block's header).
func (s *fileSet) clampInstances(ov *overlayFS, limit int) ([]finding.Note, map[instanceSite]string) {
	if limit <= 0 {
		return nil, nil
	}
	c := &clamper{ov: ov, limit: limit, n: strconv.Itoa(limit), wrapped: map[instanceSite]string{}}
	for _, p := range s.sortedPaths() {
		f := s.files[p]
		if f.Vars || f.Syntax == nil {
			continue
		}
		if body, ok := f.Syntax.Body.(*hclsyntax.Body); ok {
			c.nativeFile(f, body)
		} else {
			c.jsonFile(f)
		}
	}
	return c.notes, c.wrapped
}

// clamper is the state of one clampInstances.
type clamper struct {
	ov      *overlayFS
	limit   int
	n       string // limit, as written into the wrappers
	notes   []finding.Note
	wrapped map[instanceSite]string
}

// wrap wraps src[r] of f, the value of a count or a for_each ("for_each",
// "dynamic for_each") of the block at site, in the limiting expression.
// Each wrapper evaluates the expression once, as the collection of a
// one-element for expression, so references, errors, unknown and null
// values behave as in the original; it adds no line breaks.
func (c *clamper) wrap(f *sourceFile, site instanceSite, what string, r hcl.Range) {
	n := c.n
	suffix := "] : x == null ? x : x > " + n + " ? " + n + " : x][0]"
	if what != "count" {
		// Maps and objects keep their first keys in lexical order, lists
		// and tuples their first elements, sets their first members: each
		// kind keeps its type, so each.key is what it was. keys() fails on
		// all but maps and objects, and indexing fails on sets, hence the
		// try. Up to the limit the first alternative is the value itself,
		// unconverted.
		suffix = "] : try([x][length(x) <= " + n + " ? 0 : 1], " +
			"[for ks in [{for k in slice(sort(keys(x)), 0, min(" + n + ", length(x))) : k => true}] : {for k, v in x : k => v if lookup(ks, k, false)}][0], " +
			"[for i, v in [x][can(x[0]) ? 0 : 1] : v if i < " + n + "], " +
			"toset(slice(tolist(x), 0, min(" + n + ", length(x)))))][0]"
	}
	c.ov.insert(f.Path, f.Src, r.Start.Byte, "[for x in [")
	c.ov.insert(f.Path, f.Src, r.End.Byte, suffix)
	c.wrapped[site] = what
}

// literal clamps a count that is a number over the limit; it reports
// whether count was a literal number.
func (c *clamper) literal(f *sourceFile, expr hcl.Expression) bool {
	v, diags := expr.Value(nil)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.Number {
		return false
	}
	r := expr.Range()
	if v.AsBigFloat().Cmp(new(big.Float).SetInt64(int64(c.limit))) > 0 && r.End.Byte-r.Start.Byte >= len(c.n) {
		c.ov.patch(f.Path, f.Src, r.Start.Byte, r.End.Byte, c.n)
		c.notes = append(c.notes, finding.Note{Kind: finding.NoteLimit, Range: tfmodel.ConvertRange(r, f.Path, f.Src),
			Message: fmt.Sprintf("count = %s is over the instance limit (--max-instances %d); only the first %d instances were evaluated", v.AsBigFloat().Text('f', -1), c.limit, c.limit)})
	}
	return true
}

// nativeFile clamps the blocks of a .tf file.
func (c *clamper) nativeFile(f *sourceFile, body *hclsyntax.Body) {
	for _, b := range body.Blocks {
		if b.Type != "resource" && b.Type != "module" && b.Type != "data" {
			continue
		}
		c.dynamic(f, b)
		site := instanceSite{f.Path, b.TypeRange.Start.Byte}
		if a, ok := b.Body.Attributes["for_each"]; ok {
			c.wrap(f, site, "for_each", a.Expr.Range())
		}
		if a, ok := b.Body.Attributes["count"]; ok && !c.literal(f, a.Expr) {
			c.wrap(f, site, "count", a.Expr.Range())
		}
	}
}

// dynamic clamps the dynamic blocks nested in b, at any depth.
func (c *clamper) dynamic(f *sourceFile, b *hclsyntax.Block) {
	for _, d := range b.Body.Blocks {
		if a, ok := d.Body.Attributes["for_each"]; ok && d.Type == "dynamic" {
			// The instances are copies of its content block.
			for _, content := range d.Body.Blocks {
				if content.Type == "content" {
					c.wrap(f, instanceSite{f.Path, content.TypeRange.Start.Byte}, "dynamic for_each", a.Expr.Range())
					break
				}
			}
		}
		c.dynamic(f, d)
	}
}

// jsonFile clamps the blocks of a .tf.json file: a literal count is clamped; a
// count or for_each written as one interpolation, "${...}", is wrapped
// inside it. Literal for_each objects and arrays are bounded by the file
// size limit.
func (c *clamper) jsonFile(f *sourceFile) {
	content, _, _ := f.Syntax.Body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "resource", LabelNames: []string{"type", "name"}},
		{Type: "data", LabelNames: []string{"type", "name"}},
		{Type: "module", LabelNames: []string{"name"}},
	}})
	if content == nil {
		return
	}
	for _, b := range content.Blocks {
		attrs, _, _ := b.Body.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "count"}, {Name: "for_each"}}})
		if attrs == nil {
			continue
		}
		site := instanceSite{f.Path, b.DefRange.Start.Byte}
		for name, a := range attrs.Attributes {
			if name == "count" && c.literal(f, a.Expr) {
				continue
			}
			r := a.Expr.Range()
			raw := f.Src[r.Start.Byte:r.End.Byte]
			if !bytes.HasPrefix(raw, []byte(`"${`)) || !bytes.HasSuffix(raw, []byte(`}"`)) {
				continue
			}
			var str string
			if json.Unmarshal(raw, &str) != nil {
				continue
			}
			tmpl, diags := hclsyntax.ParseTemplate([]byte(str), f.Path, hcl.InitialPos)
			if _, ok := tmpl.(*hclsyntax.TemplateWrapExpr); !ok || diags.HasErrors() {
				continue
			}
			c.wrap(f, site, name, hcl.Range{Start: hcl.Pos{Byte: r.Start.Byte + 3}, End: hcl.Pos{Byte: r.End.Byte - 2}})
		}
	}
}

// instanceSite is a block header: file and byte offset of its type.
type instanceSite struct {
	file string
	at   int
}

// clampedNotes reports each wrapped count or for_each that produced the
// limit's number of instances in one parent: later ones, if any, were not
// evaluated.
func clampedNotes(m *tfmodel.RootModule, wrapped map[instanceSite]string, limit int) []finding.Note {
	if len(wrapped) == 0 {
		return nil
	}
	type group struct {
		parent any
		site   instanceSite
	}
	counts := map[group]int{}
	first := map[instanceSite]finding.Range{}
	var walk func(parent any, bs []*tfmodel.Block)
	walk = func(parent any, bs []*tfmodel.Block) {
		for _, b := range bs {
			site := instanceSite{b.DefRange.File, b.DefRange.Start.Byte}
			if _, ok := wrapped[site]; ok {
				counts[group{parent, site}]++
				if _, ok := first[site]; !ok {
					first[site] = b.DefRange
				}
			}
			walk(b, b.Blocks)
		}
	}
	for _, mod := range m.Modules {
		walk(mod, mod.Blocks)
	}
	var full []instanceSite
	for g, c := range counts {
		if c >= limit && !slices.Contains(full, g.site) {
			full = append(full, g.site)
		}
	}
	slices.SortFunc(full, func(a, b instanceSite) int { return cmp.Or(strings.Compare(a.file, b.file), a.at-b.at) })
	var notes []finding.Note
	for _, site := range full {
		notes = append(notes, finding.Note{Kind: finding.NoteLimit, Range: first[site],
			Message: fmt.Sprintf("%s reached the instance limit (--max-instances %d); instances past the first %d, if any, were not evaluated", wrapped[site], limit, limit)})
	}
	return notes
}
