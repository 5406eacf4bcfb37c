package main

import (
	"maps"
	"math/rand/v2"
	"strings"
	"testing"
)

func generate(c corpus, seed uint64) map[string]string {
	g := &generator{rnd: rand.New(rand.NewPCG(seed, hashName(c.Name))), files: map[string]string{}}
	g.corpus(c)
	return g.files
}

func byName(t *testing.T, name string) corpus {
	for _, c := range corpora() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no corpus %s", name)
	return corpus{}
}

// The benchmark is only reproducible if a seed always writes the same bytes.
func TestDeterministic(t *testing.T) {
	c := byName(t, "roots-10")
	a, b := generate(c, 7), generate(c, 7)
	if !maps.Equal(a, b) {
		t.Fatal("same seed, different corpus")
	}
	if maps.Equal(a, generate(c, 8)) {
		t.Fatal("different seeds, same corpus")
	}
}

// The large corpus must meet the size issue 7 asks for.
func TestLargeCorpusSize(t *testing.T) {
	c := byName(t, "large")
	files := generate(c, 7)
	tf := 0
	for p := range files {
		if strings.HasSuffix(p, ".tf") || strings.HasSuffix(p, ".tf.json") {
			tf++
		}
	}
	if tf < 1000 || len(c.Roots) < 100 {
		t.Fatalf("large corpus has %d .tf files and %d root modules; want >= 1000 and >= 100", tf, len(c.Roots))
	}
	var remote, local, dynamic, forEach, count bool
	for _, s := range files {
		remote = remote || strings.Contains(s, `source  = "terraform-aws-modules/`) || strings.Contains(s, `source = "git::`)
		local = local || strings.Contains(s, `source = "../`)
		dynamic = dynamic || strings.Contains(s, `dynamic "`)
		forEach = forEach || strings.Contains(s, "for_each")
		count = count || strings.Contains(s, "count = ")
	}
	if !remote || !local || !dynamic || !forEach || !count {
		t.Fatalf("large corpus lacks a shape: remote=%v local=%v dynamic=%v for_each=%v count=%v", remote, local, dynamic, forEach, count)
	}
}

// The shaped corpora must keep the shapes they are named after, and the
// same seed must write the same bytes.
func TestShapedCorpora(t *testing.T) {
	for _, name := range []string{"eks-shaped", "terragoat-shaped"} {
		c := byName(t, name)
		if a, b := generate(c, 7), generate(c, 7); !maps.Equal(a, b) {
			t.Fatalf("%s: same seed, different corpus", name)
		}
	}

	eks := generate(byName(t, "eks-shaped"), 7)
	has := func(files map[string]string, pathPrefix, text string) bool {
		for p, s := range files {
			if strings.HasPrefix(p, pathPrefix) && strings.Contains(s, text) {
				return true
			}
		}
		return false
	}
	for _, want := range []struct{ prefix, text string }{
		{"main.tf", `dynamic "encryption_config"`},
		{"node_groups.tf", `source = "./modules/eks-managed-node-group"`},
		{"modules/eks-managed-node-group/main.tf", `dynamic "block_device_mappings"`},
		{"modules/eks-managed-node-group/main.tf", `source = "../_user_data"`},
		{"modules/karpenter/main.tf", `data "aws_iam_policy_document"`},
		{"examples/", `source = "../.."`},
		{"examples/", "kind: DaemonSet"},
		{"tests/", `source  = "terraform-aws-modules/vpc/aws"`},
	} {
		if !has(eks, want.prefix, want.text) {
			t.Errorf("eks-shaped: no %q under %s", want.text, want.prefix)
		}
	}
	// Its roots are exactly the directories no other directory calls: the
	// top module is called by every example.
	for _, r := range eksRoots {
		if _, ok := eks[r+"/main.tf"]; !ok {
			t.Errorf("eks-shaped: root %s has no main.tf", r)
		}
	}

	goat := generate(byName(t, "terragoat-shaped"), 7)
	for _, provider := range []string{`resource "aws_`, `resource "azurerm_`, `resource "google_`} {
		if !has(goat, "terraform/", provider) {
			t.Errorf("terragoat-shaped: no %s resources", provider)
		}
	}
	for p, s := range goat {
		if strings.Contains(s, "module \"") || strings.Contains(s, "for_each") {
			t.Errorf("terragoat-shaped: %s has modules or for_each; TerraGoat's roots are flat", p)
		}
	}
}
