package review

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"slices"
	"strings"

	"github.com/tfreview/tfreview/finding"
)

// Group is one check at one source range, with every instance that hit it:
// count/for_each instances and several calls of one module produce the same
// finding at the same lines, and reviewers want one comment for them.
type Group struct {
	Items []Item // sorted; the most severe first
}

// Primary is the item the group is shown as.
func (g Group) Primary() Item { return g.Items[0] }

// Severity is the highest severity in the group.
func (g Group) Severity() finding.Severity { return g.Items[0].Finding.Severity }

// InScope reports whether any instance is in scope.
func (g Group) InScope() bool {
	for _, it := range g.Items {
		if it.InScope {
			return true
		}
	}
	return false
}

// Anchor is the first anchor of an in-scope instance.
func (g Group) Anchor() Lines {
	for _, it := range g.Items {
		if it.InScope && !it.Anchor.IsZero() {
			return it.Anchor
		}
	}
	return Lines{}
}

// Instances lists the distinct resource addresses, in order.
func (g Group) Instances() []string {
	var out []string
	for _, it := range g.Items {
		if a := it.Finding.Resource; a != "" && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

var (
	moduleStep  = regexp.MustCompile(`^module\.[^.\[]+(\[[^\]]*\])?\.`)
	instanceKey = regexp.MustCompile(`\[[^\]]*\]`)
)

// GenericAddress drops module calls and instance keys from an address:
// module.a.aws_s3_bucket.b["x"] → aws_s3_bucket.b.
func GenericAddress(addr string) string {
	for {
		loc := moduleStep.FindStringIndex(addr)
		if loc == nil {
			break
		}
		addr = addr[loc[1]:]
	}
	return instanceKey.ReplaceAllString(addr, "")
}

// Fingerprint identifies the group across runs: the check, the file and the
// generic address and attribute, so that adding an instance or moving lines
// does not look like a new problem. Findings without an address use their
// own fingerprint.
func (g Group) Fingerprint() string {
	p := g.Primary()
	if p.Finding.Resource == "" {
		if p.Finding.Fingerprint != "" {
			return p.Finding.Fingerprint
		}
		return finding.FingerprintOf(p.Finding)
	}
	key := strings.Join([]string{p.Finding.RuleID, p.Path, GenericAddress(p.Finding.Resource), p.Finding.AttributePath}, "\x00")
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

// GroupItems groups items by rule and exact source range. Groups come out
// in the report's order (file, line, column, rule).
func GroupItems(items []Item) []Group {
	type key struct {
		rule string
		path string
		r    finding.Range
	}
	index := map[key]int{}
	var groups []Group
	for _, it := range items {
		r := it.Finding.Range
		r.File = ""
		r.Start.Byte, r.End.Byte = 0, 0
		k := key{it.Finding.RuleID, it.Path, r}
		if i, ok := index[k]; ok {
			groups[i].Items = append(groups[i].Items, it)
			continue
		}
		index[k] = len(groups)
		groups = append(groups, Group{Items: []Item{it}})
	}
	for _, g := range groups {
		// One source range, one verdict: when the lines are in scope for
		// one instance they are for all of them.
		if g.InScope() {
			for i := range g.Items {
				g.Items[i].InScope = true
			}
		}
		slices.SortStableFunc(g.Items, func(a, b Item) int {
			return cmp.Or(
				cmp.Compare(b.Finding.Severity, a.Finding.Severity),
				boolOrder(!a.Anchor.IsZero(), !b.Anchor.IsZero()),
				cmp.Compare(a.Finding.Resource, b.Finding.Resource),
			)
		})
	}
	return groups
}

func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

// BySeverity orders groups most severe first, then by place; stable.
func BySeverity(gs []Group) []Group {
	out := slices.Clone(gs)
	slices.SortStableFunc(out, func(a, b Group) int {
		return cmp.Compare(b.Severity(), a.Severity())
	})
	return out
}

// AtOrAbove reports whether s reaches the fail threshold. SeverityUnknown as
// threshold means nothing fails.
func AtOrAbove(s, failOn finding.Severity) bool {
	return failOn != finding.SeverityUnknown && s >= failOn
}

// Split partitions groups into those in scope and those out of scope.
func Split(gs []Group) (in, out []Group) {
	for _, g := range gs {
		if g.InScope() {
			in = append(in, g)
		} else {
			out = append(out, g)
		}
	}
	return in, out
}

// CountItems counts the findings in groups.
func CountItems(gs []Group) int {
	n := 0
	for _, g := range gs {
		n += len(g.Items)
	}
	return n
}

// CountBySeverity counts findings per severity.
func CountBySeverity(gs []Group) map[finding.Severity]int {
	m := map[finding.Severity]int{}
	for _, g := range gs {
		for _, it := range g.Items {
			m[it.Finding.Severity]++
		}
	}
	return m
}

// Failing reports whether any finding in gs is at or above failOn.
func Failing(gs []Group, failOn finding.Severity) bool {
	for _, g := range gs {
		if AtOrAbove(g.Severity(), failOn) {
			return true
		}
	}
	return false
}
