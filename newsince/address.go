package newsince

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// splitAddress splits a Terraform address into its module steps (each
// "module.NAME" with its instance key, if any) and the rest:
// module.a["x"].module.b.aws_s3_bucket.c[0] → [module.a["x"], module.b],
// aws_s3_bucket.c[0].
func splitAddress(addr string) (modules []string, rest string) {
	for strings.HasPrefix(addr, "module.") {
		i := len("module.")
		for i < len(addr) && addr[i] != '.' && addr[i] != '[' {
			i++
		}
		if i < len(addr) && addr[i] == '[' {
			end := closingBracket(addr, i)
			if end < 0 {
				break
			}
			i = end + 1
		}
		modules = append(modules, addr[:i])
		if i >= len(addr) {
			return modules, ""
		}
		addr = addr[i+1:]
	}
	return modules, addr
}

// closingBracket returns the index of the "]" closing the "[" at open,
// skipping quoted strings, or -1.
func closingBracket(s string, open int) int {
	inStr, esc := false, false
	for i := open + 1; i < len(s); i++ {
		c := s[i]
		switch {
		case inStr && esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case !inStr && c == ']':
			return i
		}
	}
	return -1
}

// resourceName drops the instance key: aws_instance.web[0] → aws_instance.web.
func resourceName(rest string) string {
	if i := strings.IndexByte(rest, '['); i >= 0 {
		return rest[:i]
	}
	return rest
}

// hasKey reports whether the last step of an address has an instance key.
func hasKey(addr string) bool { return strings.HasSuffix(addr, "]") }

// movedStmt is a `moved { from = …, to = … }` of one module.
type movedStmt struct{ From, To string }

// apply renames rel (an address relative to the module holding the
// statement) when it is, or lies inside, From. A From without an instance
// key covers all instances and the contents of a module call; with a key,
// or when To adds one, only the exact address.
func (m movedStmt) apply(rel string) (string, bool) {
	if rel == m.From {
		return m.To, true
	}
	if hasKey(m.From) || hasKey(m.To) {
		if strings.HasPrefix(rel, m.From+".") {
			return m.To + rel[len(m.From):], true
		}
		return "", false
	}
	if strings.HasPrefix(rel, m.From+".") || strings.HasPrefix(rel, m.From+"[") {
		return m.To + rel[len(m.From):], true
	}
	return "", false
}

// renameMoved maps an address of the base to the head through the head's
// moved blocks. dirs[k] is the directory of the module at depth k of the
// address (dirs[0] the root module); moved gives a directory's statements.
// Chained moves (a → b, b → c) are followed.
func renameMoved(addr string, dirs []string, moved func(dir string) []movedStmt) string {
	for range 16 {
		changed := false
		mods, _ := splitAddress(addr)
		for k := 0; k <= len(mods) && k < len(dirs) && !changed; k++ {
			prefix := strings.Join(mods[:k], ".")
			rel := addr
			if prefix != "" {
				rel = strings.TrimPrefix(addr, prefix+".")
			}
			for _, m := range moved(dirs[k]) {
				if to, ok := m.apply(rel); ok && to != rel {
					if prefix != "" {
						to = prefix + "." + to
					}
					addr, changed = to, true
					break
				}
			}
		}
		if !changed {
			break
		}
	}
	return addr
}

// traversalAddress renders a moved block's from/to the way Trivy writes
// addresses: aws_instance.web[0], module.m["k"].
func traversalAddress(expr hcl.Expression) (string, bool) {
	tr, diags := hcl.AbsTraversalForExpr(expr)
	if diags.HasErrors() {
		return "", false
	}
	var b strings.Builder
	for _, step := range tr {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			switch {
			case s.Key.Type() == cty.String:
				fmt.Fprintf(&b, "[%q]", s.Key.AsString())
			case s.Key.Type() == cty.Number:
				b.WriteString("[" + s.Key.AsBigFloat().Text('f', -1) + "]")
			default:
				return "", false
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}
