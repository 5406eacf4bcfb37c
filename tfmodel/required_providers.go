package tfmodel

import "sort"

// RequiredProvider is one entry of a `terraform { required_providers { } }`
// block: `aws = { source = "hashicorp/aws", version = "~> 5.0" }`, or the
// legacy `aws = "~> 5.0"` whose string value is the version constraint.
type RequiredProvider struct {
	Name  string     // the provider's local name, e.g. "aws"
	Attr  *Attribute // the entry; its Value may be unknown or null
	Block *Block     // the required_providers block that holds it
}

// RequiredProviders returns every required_providers entry of every module,
// in module order and by local name within a block, so checks that walk
// them report in a stable order.
func (p *Project) RequiredProviders() []RequiredProvider {
	var out []RequiredProvider
	for _, tf := range p.BlocksOfType("terraform") {
		for _, rp := range tf.Children("required_providers") {
			names := make([]string, 0, len(rp.Attrs))
			for n := range rp.Attrs {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				out = append(out, RequiredProvider{Name: n, Attr: rp.Attrs[n], Block: rp})
			}
		}
	}
	return out
}
