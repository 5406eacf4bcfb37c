package newsince

import (
	"path"
	"sort"
	"strings"

	"github.com/tfreview/tfreview/scanner"
)

// layout is the root modules of one side, with lookups.
type layout struct {
	roots map[string]scanner.RootModule
	dirs  map[string]bool // every module directory of every root
}

func newLayout(rms []scanner.RootModule) *layout {
	l := &layout{roots: map[string]scanner.RootModule{}, dirs: map[string]bool{}}
	for _, r := range rms {
		l.roots[r.Dir] = r
		for _, d := range r.ModuleDirs {
			l.dirs[d] = true
		}
	}
	return l
}

// owner is the module directory a changed file belongs to: a Terraform or
// tfvars file belongs to its directory; any other file (a policy document
// read with file(), a template) to the nearest enclosing module directory.
// "" when none.
func (l *layout) owner(p string) string {
	d := path.Dir(p)
	if isTerraformFile(p) {
		return d
	}
	for {
		if l.dirs[d] {
			return d
		}
		if d == "." || d == "/" || d == ".." || strings.HasSuffix(d, "/..") {
			return ""
		}
		d = path.Dir(d)
	}
}

func isTerraformFile(p string) bool {
	for _, ext := range []string{".tf", ".tf.json", ".tofu", ".tofu.json", ".tfvars", ".tfvars.json"} {
		if strings.HasSuffix(p, ext) {
			return true
		}
	}
	return false
}

// affectedRoots returns the root module directories whose result can
// differ between base and head: those whose own files, local modules
// (transitively) or auto-loaded tfvars changed on either side, and those
// that are a root module on one side only. When a --var-file changed,
// every root module is affected. Paths are relative to the base directory.
func affectedRoots(head, base *layout, changed []string, allChanged bool) []string {
	out := map[string]bool{}
	mark := func(l, other *layout) {
		owners := map[string]bool{}
		for _, p := range changed {
			if o := l.owner(p); o != "" {
				owners[o] = true
			}
		}
		for dir, r := range l.roots {
			if _, ok := other.roots[dir]; !ok || allChanged {
				out[dir] = true
				continue
			}
			for _, d := range r.ModuleDirs {
				if owners[d] {
					out[dir] = true
					break
				}
			}
		}
	}
	mark(head, base)
	mark(base, head)
	dirs := make([]string, 0, len(out))
	for d := range out {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	return dirs
}

// closure is every module directory of the given roots on one side.
func (l *layout) closure(roots []string) map[string]bool {
	out := map[string]bool{}
	for _, r := range roots {
		if rm, ok := l.roots[r]; ok {
			for _, d := range rm.ModuleDirs {
				out[d] = true
			}
		}
	}
	return out
}

// rootsIn keeps the roots of this side.
func (l *layout) rootsIn(dirs []string) []string {
	var out []string
	for _, d := range dirs {
		if _, ok := l.roots[d]; ok {
			out = append(out, d)
		}
	}
	return out
}

// others is every root of this side not in dirs.
func (l *layout) others(dirs []string) []string {
	in := map[string]bool{}
	for _, d := range dirs {
		in[d] = true
	}
	var out []string
	for d := range l.roots {
		if !in[d] {
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out
}
