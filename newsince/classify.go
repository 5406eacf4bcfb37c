package newsince

import (
	"path"
	"slices"

	"github.com/tfreview/tfreview/finding"
)

// pathMap carries the renames git detected between base and head, in
// paths relative to the scan's base directory.
type pathMap struct {
	toHead map[string]string // base path -> head path
	toBase map[string]string // head path -> base path
	added  map[string]bool   // head paths new in head
}

func (m pathMap) head(p string) string {
	if h, ok := m.toHead[p]; ok {
		return h
	}
	return p
}

// base is the base path of a head file, or "" when it is new.
func (m pathMap) base(p string) string {
	if b, ok := m.toBase[p]; ok {
		return b
	}
	if m.added[p] {
		return ""
	}
	return p
}

// baseDir is the base directory of a head module directory: where most of
// its renamed files came from, else the same directory.
func (m pathMap) baseDir(dir string) string {
	votes := map[string]int{}
	for h, b := range m.toBase {
		if path.Dir(h) == dir {
			votes[path.Dir(b)]++
		}
	}
	best, n := dir, 0
	for d, v := range votes {
		if v > n || v == n && d < best {
			best, n = d, v
		}
	}
	return best
}

// toHeadFinding rewrites a base finding as the head would name it: files
// through git's renames, the address through the head's moved blocks.
func toHeadFinding(f finding.Finding, m pathMap, moved func(dir string) []movedStmt) finding.Finding {
	f.Range.File = m.head(f.Range.File)
	f.CallSites = slices.Clone(f.CallSites)
	for i := range f.CallSites {
		f.CallSites[i].Range.File = m.head(f.CallSites[i].Range.File)
	}
	if f.Resource != "" {
		f.Resource = renameMoved(f.Resource, chainDirs(f), moved)
	}
	return f
}

// chainDirs is the directory of each module of the finding's address, the
// root module first.
func chainDirs(f finding.Finding) []string {
	dirs := []string{finding.RootModuleOf(f)}
	for k := 1; k < len(f.CallSites); k++ {
		dirs = append(dirs, path.Dir(f.CallSites[k].Range.File))
	}
	if len(f.CallSites) > 0 {
		dirs = append(dirs, path.Dir(f.Range.File))
	}
	return dirs
}

// classification is the outcome of matching head and base findings.
type classification struct {
	introduced []int // indexes into the head findings
	unchanged  []int
	resolved   []finding.Finding // base findings, base paths
	// newIgnores are head findings suppressed by an ignore comment that
	// did not suppress them at the base: the change added it (or moved the
	// finding under it). Those in newFindings were not at the base at all.
	newIgnores  []int
	newFindings map[int]bool
}

// classify matches head findings (fingerprints assigned by the scan) with
// base findings already renamed to head names (mapped, same order as
// base). Suppressed head findings are left alone, except that one an
// ignore comment hides in the head but not at the base is listed in
// newIgnores. A head finding out of scope (its root module not affected by
// the change) is unchanged without looking. A base finding counts when it
// was active.
func classify(head []finding.Finding, inScope func(finding.Finding) bool, base, mapped []finding.Finding) classification {
	baseFP := finding.Fingerprints(mapped)
	active := map[string]bool{}
	ignoredAtBase := map[string]bool{}
	for i, fp := range baseFP {
		switch {
		case base[i].Suppressed == nil:
			active[fp] = true
		case isIgnoreComment(base[i].Suppressed):
			ignoredAtBase[fp] = true
		}
	}
	headFP := map[string]bool{}
	c := classification{newFindings: map[int]bool{}}
	for i, f := range head {
		headFP[f.Fingerprint] = true
		if f.Suppressed != nil {
			if isIgnoreComment(f.Suppressed) && inScope(f) && !ignoredAtBase[f.Fingerprint] {
				c.newIgnores = append(c.newIgnores, i)
				if !active[f.Fingerprint] {
					c.newFindings[i] = true
				}
			}
			continue
		}
		if !inScope(f) || active[f.Fingerprint] {
			c.unchanged = append(c.unchanged, i)
		} else {
			c.introduced = append(c.introduced, i)
		}
	}
	for i, fp := range baseFP {
		if base[i].Suppressed == nil && !headFP[fp] {
			c.resolved = append(c.resolved, base[i])
		}
	}
	return c
}

// isIgnoreComment reports whether a suppression comes from an ignore
// comment in the code (not the baseline file or the comparison itself).
func isIgnoreComment(s *finding.Suppression) bool {
	return s != nil && s.Kind != SuppressionKind && s.Kind != "baseline"
}
