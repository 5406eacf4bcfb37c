package scanner

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
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

// Shard selects the Index-th (1-based) of Count partitions of the root
// modules: `--shard K/N`. The zero value scans every root module.
type Shard struct {
	Index, Count int
}

// ParseShard reads "K/N" with 1 <= K <= N.
func ParseShard(s string) (Shard, error) {
	var sh Shard
	k, n, ok := strings.Cut(s, "/")
	if ok {
		var errK, errN error
		sh.Index, errK = strconv.Atoi(k)
		sh.Count, errN = strconv.Atoi(n)
		ok = errK == nil && errN == nil
	}
	if !ok || sh.Count < 1 || sh.Index < 1 || sh.Index > sh.Count {
		return Shard{}, fmt.Errorf("shard %q: want K/N with 1 <= K <= N", s)
	}
	return sh, nil
}

func (sh Shard) active() bool { return sh.Count > 1 }

// partitionRoots assigns each root module to one of n shards (0-based),
// balanced by the bytes of its closure (its files and those of every local
// module it calls): largest first, each to the lightest shard, ties broken
// by path and then by shard number. It depends only on the tree, so every
// job of a matrix computes the same partition without talking.
func (s *fileSet) partitionRoots(roots []string, n int) map[string]int {
	type sized struct {
		root string
		size int64
	}
	items := make([]sized, len(roots))
	for i, r := range roots {
		items[i].root = r
		for _, d := range s.moduleDirs(r) {
			for _, f := range s.filesIn(d) {
				items[i].size += int64(len(f.Src))
			}
		}
	}
	slices.SortFunc(items, func(a, b sized) int {
		if a.size != b.size {
			return cmp.Compare(b.size, a.size)
		}
		return strings.Compare(a.root, b.root)
	})
	load := make([]int64, n)
	out := make(map[string]int, len(roots))
	for _, it := range items {
		best := 0
		for i := 1; i < n; i++ {
			if load[i] < load[best] {
				best = i
			}
		}
		load[best] += it.size
		out[it.root] = best
	}
	return out
}

// shardRoots keeps the roots of shard sh and returns two views of the
// files: inClosure (in the directories of the kept roots and the modules
// they call: their ignore comments apply) and owned (files this shard
// reports parse errors, notes and counts for). Every file is owned by
// exactly one shard, that of the first root module, in path order, whose
// closure holds it, else shard 1, so the shards' merged reports count each
// file once.
func (s *fileSet) shardRoots(roots []string, sh Shard) (kept []string, inClosure, owned func(file string) bool) {
	part := s.partitionRoots(roots, sh.Count)
	mine := sh.Index - 1
	closure := map[string]bool{}
	owner := map[string]int{}
	for _, r := range roots { // sorted: the first root to reach a dir owns it
		dirs := s.moduleDirs(r)
		for _, d := range dirs {
			if _, ok := owner[d]; !ok {
				owner[d] = part[r]
			}
		}
		if part[r] != mine {
			continue
		}
		kept = append(kept, r)
		for _, d := range dirs {
			closure[d] = true
		}
	}
	inClosure = func(file string) bool { return closure[path.Dir(file)] }
	owned = func(file string) bool {
		o, ok := owner[path.Dir(file)]
		if !ok {
			o = 0
		}
		return o == mine
	}
	return kept, inClosure, owned
}
