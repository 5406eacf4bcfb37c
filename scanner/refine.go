package scanner

import (
	"strings"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/rules"
	"github.com/tfreview/tfreview/tfmodel"
)

// blockIndex finds evaluated blocks by file and address.
type blockIndex map[string]*tfmodel.Block

func indexBlocks(rm *tfmodel.RootModule) blockIndex {
	idx := blockIndex{}
	for _, m := range rm.Modules {
		for _, b := range m.Blocks {
			idx[b.Range.File+"\x00"+b.Address] = b
		}
	}
	return idx
}

// locate returns the block a Trivy finding is about and, when the finding
// names an attribute, that attribute.
func (idx blockIndex) locate(f *finding.Finding) (*tfmodel.Block, *tfmodel.Attribute) {
	top := idx[f.Range.File+"\x00"+f.Resource]
	if top == nil || f.AttributePath == "" {
		return top, nil
	}
	segs := strings.Split(f.AttributePath, ".")
	b := top
	for i, seg := range segs {
		last := i == len(segs)-1
		if last {
			if a := b.Attr(seg); a != nil {
				return b, a
			}
		}
		var next *tfmodel.Block
		for _, c := range b.Children(seg) {
			if c.Range.Start.Line <= f.Range.Start.Line && f.Range.End.Line <= c.Range.End.Line {
				next = c
				break
			}
		}
		if next == nil {
			// "content" of a dynamic block, a missing attribute, or a
			// path Trivy names differently: the resource is all we know.
			if last {
				return b, nil
			}
			return top, nil
		}
		b = next
	}
	return b, nil
}

// refineTrivy gives line-only Trivy findings byte columns where the
// offending attribute is known and spans exactly the reported lines, so a
// reviewer is pointed at the value, not the line; and attaches the fix when
// the check has a fixer.
func refineTrivy(fs []finding.Finding, idx blockIndex, proj *tfmodel.Project) {
	for i := range fs {
		f := &fs[i]
		if f.Engine != finding.EngineTrivy {
			continue
		}
		b, a := idx.locate(f)
		if rules.TrivyFixable(f.RuleID) {
			f.Fix, f.NoFixReason = rules.TrivyFix(f.RuleID, proj, b, a)
		}
		if a == nil {
			continue
		}
		r := a.ExprRange
		if r.Start.Line == f.Range.Start.Line && r.End.Line == f.Range.End.Line {
			f.Range.Start, f.Range.End = r.Start, r.End
		}
	}
}
