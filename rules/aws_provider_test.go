package rules

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/tfreview/tfreview/tfmodel"
)

func providerBlock(name, alias string) *tfmodel.Block {
	b := &tfmodel.Block{Type: "provider", Labels: []string{name}, Attrs: map[string]*tfmodel.Attribute{}}
	if alias != "" {
		b.Attrs["alias"] = &tfmodel.Attribute{Name: "alias", Value: cty.StringVal(alias), Block: b}
	}
	return b
}

// moduleBlock is `module "<name>" { providers = <providers> }`; no map when
// providers is empty.
func moduleBlock(t *testing.T, name, providers string) *tfmodel.Block {
	t.Helper()
	b := &tfmodel.Block{Type: "module", Labels: []string{name}, Attrs: map[string]*tfmodel.Attribute{}}
	if providers != "" {
		expr, diags := hclsyntax.ParseExpression([]byte(providers), "main.tf", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		b.Attrs["providers"] = &tfmodel.Attribute{Name: "providers", Expr: expr, Block: b}
	}
	return b
}

func TestDeclaredProviderMatchesNameAndAlias(t *testing.T) {
	def, eu := providerBlock("aws", ""), providerBlock("aws", "eu")
	m := &tfmodel.Module{Blocks: []*tfmodel.Block{providerBlock("google", ""), eu, def}}
	if got := declaredProvider(m, "aws", ""); got != def {
		t.Errorf("default aws = %v, want the block without alias", got)
	}
	if got := declaredProvider(m, "aws", "eu"); got != eu {
		t.Errorf("aws.eu = %v, want the aliased block", got)
	}
	if got := declaredProvider(m, "aws", "us"); got != nil {
		t.Errorf("undeclared alias found %v", got)
	}
}

func TestModuleCallFindsParentAndModuleBlock(t *testing.T) {
	call := moduleBlock(t, "net", "")
	root := &tfmodel.Module{Blocks: []*tfmodel.Block{moduleBlock(t, "other", ""), call}}
	child := &tfmodel.Module{Address: `module.net["a"]`}
	rm := &tfmodel.RootModule{Modules: []*tfmodel.Module{root, child}}
	if parent, got := moduleCall(rm, child); parent != root || got != call {
		t.Errorf("moduleCall = %v, %v; want the root module and module.net", parent, got)
	}
	if parent, got := moduleCall(rm, &tfmodel.Module{Address: "module.gone.module.x"}); parent != nil || got != nil {
		t.Errorf("a module whose parent is not evaluated resolved to %v, %v", parent, got)
	}
}

func TestProviderFromCallerFollowsProvidersMap(t *testing.T) {
	cases := []struct {
		providers, name, alias string
		wantName, wantAlias    string
		ok                     bool
	}{
		{"", "aws", "", "aws", "", true},                       // inherits the default
		{"", "aws", "eu", "", "", false},                       // aliases are never inherited
		{"{ aws = aws.eu }", "aws", "", "aws", "eu", true},     // default mapped to an alias
		{"{ aws.west = aws }", "aws", "west", "aws", "", true}, // alias mapped to the default
		{"{ google = google }", "aws", "", "", "", false},      // map without aws: not passed
		{"local.providers", "aws", "", "", "", false},          // not a literal map
	}
	for _, c := range cases {
		n, a, ok := providerFromCaller(moduleBlock(t, "m", c.providers), c.name, c.alias)
		if n != c.wantName || a != c.wantAlias || ok != c.ok {
			t.Errorf("providers %q, asking %s.%s: got %q %q %v, want %q %q %v", c.providers, c.name, c.alias, n, a, ok, c.wantName, c.wantAlias, c.ok)
		}
	}
}

func TestResolveProviderThroughModules(t *testing.T) {
	eu := providerBlock("aws", "eu")
	root := &tfmodel.Module{Blocks: []*tfmodel.Block{providerBlock("aws", ""), eu, moduleBlock(t, "a", "{ aws = aws.eu }")}}
	a := &tfmodel.Module{Address: "module.a", Blocks: []*tfmodel.Block{moduleBlock(t, "b", "")}}
	b := &tfmodel.Module{Address: "module.a.module.b"}
	rm := &tfmodel.RootModule{Modules: []*tfmodel.Module{root, a, b}}
	if got, ok := resolveProvider(rm, b, "aws", "", 0); !ok || got != eu {
		t.Errorf("module.a.module.b's aws = %v, %v; want aws.eu passed to module.a and inherited", got, ok)
	}
	if got, ok := resolveProvider(rm, root, "google", "", 0); !ok || got != nil {
		t.Errorf("an unconfigured default provider in the root = %v, %v; want nil, true", got, ok)
	}
	if _, ok := resolveProvider(rm, root, "aws", "us", 0); ok {
		t.Error("an undeclared alias in the root resolved")
	}
}
