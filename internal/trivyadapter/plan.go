package trivyadapter

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing/fstest"

	planparser "github.com/aquasecurity/trivy/pkg/iac/scanners/terraformplan/tfjson/parser"
)

// Plan is a Terraform plan (`terraform show -json`) turned into Trivy's
// input: each planned resource instance is rendered by Trivy's own plan
// converter into a generated file of its own, so a finding's file names the
// instance it is about.
type Plan struct {
	Root *Root
	// Address is the resource instance address of each generated file.
	Address map[string]string
	// calls is the configuration's module call tree, for mapping addresses
	// back to source directories.
	calls planConfigModule
	raw   []byte
	// Rejected are the resource instances left unchecked (see
	// quotePlanValues and checkGenerated).
	Rejected []RejectedResource
}

// planJSON is the part of the plan format tfreview reads beyond Trivy's
// own types: the planned actions and the module call sources.
type planJSON struct {
	FormatVersion   string `json:"format_version"`
	ResourceChanges []struct {
		Address string `json:"address"`
		Change  struct {
			Actions []string `json:"actions"`
		} `json:"change"`
	} `json:"resource_changes"`
	Configuration struct {
		RootModule planConfigModule `json:"root_module"`
	} `json:"configuration"`
}

type planConfigModule struct {
	ModuleCalls map[string]struct {
		Source string           `json:"source"`
		Module planConfigModule `json:"module"`
	} `json:"module_calls"`
}

// LoadPlan converts and evaluates a plan file's planned values.
func LoadPlan(ctx context.Context, data []byte, opts LoadOptions) (*Plan, error) {
	var pf planparser.PlanFile
	if err := json.Unmarshal(data, &pf); err != nil {
		return nil, planDecodeError(data, err)
	}
	var extra planJSON
	if err := json.Unmarshal(data, &extra); err != nil {
		return nil, planDecodeError(data, err)
	}
	if extra.FormatVersion == "" || (!strings.HasPrefix(extra.FormatVersion, "1.") && !strings.HasPrefix(extra.FormatVersion, "0.")) {
		return nil, &PlanError{Message: fmt.Sprintf("read plan JSON: format_version %q is not one tfreview reads (1.x, from terraform show -json)", extra.FormatVersion)}
	}
	if err := checkReferences(pf.Configuration.RootModule, data); err != nil {
		return nil, err
	}
	deleted := map[string]bool{}
	for _, rc := range extra.ResourceChanges {
		// A resource the plan only destroys has no planned values: it is
		// not part of what will be deployed.
		if len(rc.Change.Actions) == 1 && rc.Change.Actions[0] == "delete" {
			deleted[rc.Address] = true
		}
	}
	changes := map[string]planparser.ResourceChange{}
	for _, rc := range pf.ResourceChanges {
		changes[rc.Address] = rc
	}

	files := fstest.MapFS{}
	sources := map[string][]byte{}
	p := &Plan{Address: map[string]string{}, calls: extra.Configuration.RootModule, raw: data}
	var walk func(m planparser.Module, chain []planparser.Module, cfg []planparser.ConfigurationModule) error
	walk = func(m planparser.Module, chain []planparser.Module, cfg []planparser.ConfigurationModule) error {
		chain = append(chain, m)
		for _, r := range m.Resources {
			rc, ok := changes[r.Address]
			if !ok || deleted[r.Address] {
				continue
			}
			after, err := quotePlanValues(rc.After)
			var src []byte
			if err == nil {
				rc.After, _ = after.(map[string]any)
				src, err = renderPlanResource(single(chain, cfg, r, rc))
			}
			if err == nil {
				err = checkGenerated(src, r.Type)
			}
			if err != nil {
				p.Rejected = append(p.Rejected, RejectedResource{Address: r.Address, Line: p.addressLine(r.Address),
					Message: fmt.Sprintf("planned values of %q not checked: %v", r.Address, err)})
				continue
			}
			name := fmt.Sprintf("plan-%05d.tf", len(p.Address))
			files[name] = &fstest.MapFile{Data: src, Mode: 0o444}
			sources[name] = src
			p.Address[name] = r.Address
		}
		for _, child := range m.ChildModules {
			call, ok := cfg[len(cfg)-1].ModuleCalls[callName(child.Address)]
			if !ok {
				call.Module = planparser.ConfigurationModule{}
			}
			if err := walk(child, chain, append(cfg[:len(cfg):len(cfg)], call.Module)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(pf.PlannedValues.RootModule, nil, []planparser.ConfigurationModule{pf.Configuration.RootModule}); err != nil {
		return nil, err
	}
	root, err := LoadRoot(ctx, files, ".", sources, LoadOptions{Logger: opts.Logger})
	if err != nil {
		return nil, err
	}
	p.Root = root
	return p, nil
}

// callName is the module call name of a module instance address's last
// step: module.a.module.b["k"] -> b.
func callName(address string) string {
	last := address[strings.LastIndex(address, "module.")+len("module."):]
	if i := strings.IndexByte(last, '['); i >= 0 {
		last = last[:i]
	}
	return last
}

// single is a plan holding one resource instance, with its module chain.
// Trivy's converter looks a child module's configuration up under the last
// part of its address, index included ("b[0]"), which no module_calls key
// has: each level here is keyed that way, so resources in count and
// for_each modules keep their configuration (references among them).
func single(chain []planparser.Module, cfg []planparser.ConfigurationModule, r planparser.Resource, rc planparser.ResourceChange) planparser.PlanFile {
	mod := planparser.Module{Address: chain[len(chain)-1].Address, Resources: []planparser.Resource{r}}
	conf := planparser.ConfigurationModule{Resources: cfg[len(cfg)-1].Resources}
	for i := len(chain) - 2; i >= 0; i-- {
		// The key exactly as Trivy's converter derives it.
		parts := strings.Split(mod.Address, ".")
		key := parts[len(parts)-1]
		mod = planparser.Module{Address: chain[i].Address, ChildModules: []planparser.Module{mod}}
		conf = planparser.ConfigurationModule{
			Resources:   cfg[i].Resources,
			ModuleCalls: map[string]planparser.CallModule{key: {Module: conf}},
		}
	}
	var pf planparser.PlanFile
	pf.PlannedValues.RootModule = mod
	pf.Configuration.RootModule = conf
	pf.ResourceChanges = []planparser.ResourceChange{rc}
	return pf
}

// addressLine is the line of the plan file where address's resource
// change starts, or 1.
func (p *Plan) addressLine(address string) int {
	quoted, _ := json.Marshal(address)
	re := regexp.MustCompile(`"address"\s*:\s*` + regexp.QuoteMeta(string(quoted)))
	// Prefer resource_changes, which holds the planned values checked.
	start := 0
	if i := strings.Index(string(p.raw), `"resource_changes"`); i >= 0 {
		start = i
	}
	loc := re.FindIndex(p.raw[start:])
	if loc == nil {
		return 1
	}
	return 1 + strings.Count(string(p.raw[:start+loc[0]]), "\n")
}
