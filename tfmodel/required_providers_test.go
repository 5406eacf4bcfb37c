package tfmodel

import (
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// TestRequiredProvidersWalksEveryModuleInNameOrder: entries of every
// terraform block of every module, sorted by name within a block, each
// pointing back at its required_providers block.
func TestRequiredProvidersWalksEveryModuleInNameOrder(t *testing.T) {
	entries := func(names ...string) *Block {
		rp := &Block{Type: "required_providers", Attrs: map[string]*Attribute{}}
		for _, n := range names {
			rp.Attrs[n] = &Attribute{Name: n, Value: cty.StringVal(">= 1"), Block: rp}
		}
		return rp
	}
	rootRP, childRP := entries("random", "aws"), entries("google")
	p := &Project{RootModules: []*RootModule{{Dir: ".", Modules: []*Module{
		{Blocks: []*Block{{Type: "resource", Labels: []string{"aws_s3_bucket", "b"}}, {Type: "terraform", Blocks: []*Block{rootRP}}}},
		{Address: "module.child", Blocks: []*Block{{Type: "terraform", Blocks: []*Block{childRP, {Type: "backend"}}}}},
	}}}}
	got := p.RequiredProviders()
	want := []struct {
		name  string
		block *Block
	}{{"aws", rootRP}, {"random", rootRP}, {"google", childRP}}
	if len(got) != len(want) {
		t.Fatalf("got %d entries, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].Name != w.name || got[i].Block != w.block || got[i].Attr != w.block.Attrs[w.name] {
			t.Errorf("entry %d = %s, want %s in its block", i, got[i].Name, w.name)
		}
	}
}
