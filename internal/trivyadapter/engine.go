package trivyadapter

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strings"

	checks "github.com/aquasecurity/trivy-checks"
	"github.com/aquasecurity/trivy/pkg/iac/rego"
	"github.com/aquasecurity/trivy/pkg/iac/scan"
	"github.com/aquasecurity/trivy/pkg/iac/scanners/options"
	"github.com/aquasecurity/trivy/pkg/iac/severity"

	"github.com/tfreview/tfreview/finding"
)

// Version is the pinned Trivy version, for `tfreview version`.
const Version = "v0.74.0"

// EngineOptions configure Trivy's check engine.
type EngineOptions struct {
	// ChecksBundle is a local directory holding a newer Trivy checks bundle
	// (the extracted bundle, with .rego files). When set, its checks replace
	// the embedded ones. Nothing is ever downloaded.
	ChecksBundle string
	// Providers, when not nil, limits the embedded checks compiled to
	// these Trivy providers (see ProviderOf). A check of another provider
	// cannot apply: Trivy's adapters build a provider's state only from
	// that provider's resources. Ignored with ChecksBundle.
	Providers []string
	// CustomChecks is a local directory of the user's own checks in
	// Trivy's format, run in addition to the embedded (or bundle) checks
	// and held to the same restricted capabilities as a bundle.
	CustomChecks string
}

// Engine runs Trivy's checks over evaluated root modules. Compiling the
// checks is the expensive part, so one Engine serves a whole scan.
type Engine struct {
	rs *rego.Scanner
}

func regoOptions(opts EngineOptions) ([]options.ScannerOption, fs.FS) {
	switch {
	case opts.ChecksBundle != "":
		policyFS := os.DirFS(opts.ChecksBundle)
		return []options.ScannerOption{
			rego.WithEmbeddedLibraries(true),
			rego.WithEmbeddedPolicies(false),
			rego.WithPolicyFilesystem(policyFS), rego.WithPolicyDirs("."),
		}, policyFS
	case opts.Providers != nil:
		// The embedded checks of these providers only, loaded from the
		// embedded filesystem under the same paths as Trivy's own loader
		// gives them.
		// The library metadataLib is loaded again from embeddedChecksFS,
		// which replaces the embedded one (same path) with a faster one.
		dirs := []string{metadataLib}
		for _, p := range slices.Sorted(slices.Values(opts.Providers)) {
			if _, err := fs.Stat(checks.EmbeddedPolicyFileSystem, "checks/cloud/"+p); err == nil {
				dirs = append(dirs, "checks/cloud/"+p)
			}
		}
		return []options.ScannerOption{
			rego.WithEmbeddedLibraries(true),
			rego.WithEmbeddedPolicies(false),
			rego.WithPolicyFilesystem(embeddedChecksFS), rego.WithPolicyDirs(dirs...),
		}, embeddedChecksFS
	}
	return []options.ScannerOption{
		rego.WithEmbeddedLibraries(true),
		rego.WithEmbeddedPolicies(true),
	}, nil
}

// NewEngine compiles the checks.
func NewEngine(opts EngineOptions) (*Engine, error) {
	patchTrivy()
	if opts.ChecksBundle != "" {
		bundle, err := loadDir(opts.ChecksBundle)
		if err != nil {
			return nil, err
		}
		if err := checkBundle(opts.ChecksBundle, bundle); err != nil {
			return nil, err
		}
	}
	ropts, policyFS := regoOptions(opts)
	if opts.CustomChecks != "" {
		custom, err := loadCustom(opts.CustomChecks)
		if err != nil {
			return nil, err
		}
		// Readers, not a policy filesystem: the embedded or bundle checks
		// already use that slot.
		ropts = append(ropts, rego.WithPolicyReader(custom.readers()...), rego.WithPolicyNamespaces(custom.namespaces...))
	}
	rs := rego.NewScanner(ropts...)
	if err := rs.LoadPolicies(policyFS); err != nil {
		return nil, fmt.Errorf("load Trivy checks: %w", err)
	}
	return &Engine{rs: rs}, nil
}

// Scan runs the checks over one evaluated root module and returns its
// failed and Trivy-ignored results as findings; tfreview applies ignores
// itself, for both engines alike.
func (e *Engine) Scan(ctx context.Context, root *Root) ([]finding.Finding, error) {
	results, err := runChecks(ctx, e.rs, root.modules, root.Dir)
	if err != nil {
		return nil, fmt.Errorf("trivy checks on %s: %w", root.Dir, err)
	}
	var out []finding.Finding
	for _, r := range results {
		if r.Status() == scan.StatusPassed {
			continue
		}
		out = append(out, toFinding(r))
	}
	return out, nil
}

func toFinding(r scan.Result) finding.Finding {
	rule := r.Rule()
	rng := r.Range()
	f := finding.Finding{
		RuleID:     rule.ID,
		Aliases:    aliases(rule),
		Engine:     finding.EngineTrivy,
		Severity:   convertSeverity(r.Severity()),
		Title:      rule.Summary,
		Message:    r.Description(),
		Resolution: rule.Resolution,
		References: rule.Links,
		Provider:   string(rule.Provider),
		Service:    rule.Service,
		Range: finding.Range{
			// The file's path in the scanned FS: GetFilename prefixes the
			// files of a module from .terraform/modules with its source
			// (registry.terraform.io/ns/name/aws/.terraform/modules/...),
			// a path that exists nowhere.
			File:  rng.GetLocalFilename(),
			Start: finding.Position{Line: rng.GetStartLine(), Byte: -1},
			End:   finding.Position{Line: rng.GetEndLine(), Byte: -1},
		},
	}
	f.Resource, f.AttributePath, f.CallSites = locate(r)
	return f
}

// locate derives the resource address, the attribute path within it and
// the module call sites from the result's metadata parent chain, which runs
// from the offending value up through nested blocks, the resource, and the
// module blocks that called it.
func locate(r scan.Result) (address, attrPath string, calls []finding.CallSite) {
	meta := r.Metadata()
	ref := meta.Reference()
	top := ref
	var modules []string
	var moduleRanges []finding.Range
	var nested []string
	for p := meta.Parent(); p != nil; p = p.Parent() {
		pref := p.Reference()
		if strings.HasPrefix(pref, "module.") {
			modules = append(modules, pref)
			pr := p.Range()
			moduleRanges = append(moduleRanges, finding.Range{
				File:  pr.GetLocalFilename(),
				Start: finding.Position{Line: pr.GetStartLine(), Byte: -1},
				End:   finding.Position{Line: pr.GetEndLine(), Byte: -1},
			})
			continue
		}
		if len(modules) == 0 {
			nested = append(nested, top)
			top = pref
		}
	}
	// The attribute path: the reference relative to the resource, or the
	// chain of nested block references below it.
	switch {
	case ref == top:
	case strings.HasPrefix(ref, top+"."):
		attrPath = strings.TrimPrefix(ref, top+".")
	default:
		if len(nested) > 0 {
			attrPath = nested[0]
		}
	}
	address = top
	if len(modules) > 0 {
		address = modules[0] + "." + top
	}
	for i := len(modules) - 1; i >= 0; i-- {
		calls = append(calls, finding.CallSite{Module: modules[i], Range: moduleRanges[i]})
	}
	return address, attrPath, calls
}

func aliases(rule scan.Rule) []string {
	seen := map[string]bool{rule.ID: true}
	var out []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	// AVDID is deprecated in Trivy's API, but users' ignores and configs
	// still name checks by it.
	add(rule.AVDID) //nolint:staticcheck // SA1019: kept as an alias on purpose
	add("AVD-" + rule.ID)
	add(rule.LongID)
	for _, a := range rule.Aliases {
		add(a)
	}
	return out
}

func convertSeverity(s severity.Severity) finding.Severity {
	switch s {
	case severity.Critical:
		return finding.SeverityCritical
	case severity.High:
		return finding.SeverityHigh
	case severity.Medium:
		return finding.SeverityMedium
	case severity.Low:
		return finding.SeverityLow
	}
	return finding.SeverityUnknown
}

// ListChecks returns the metadata of every check that runs on Terraform
// (Trivy's cloud checks), sorted by ID: from the bundle when one is given,
// else the embedded checks' listing generated at build time
// (embedded_checks.json).
func ListChecks(opts EngineOptions) ([]finding.RuleInfo, error) {
	var list []finding.RuleInfo
	if opts.ChecksBundle == "" {
		embedded, err := embeddedChecks()
		if err != nil {
			return nil, err
		}
		list = embedded
	} else {
		modules, err := loadDir(opts.ChecksBundle)
		if err != nil {
			return nil, err
		}
		list = listModules(modules, "cloud")
	}
	if opts.CustomChecks == "" {
		return list, nil
	}
	custom, err := loadCustom(opts.CustomChecks)
	if err != nil {
		return nil, err
	}
	list = append(slices.Clip(list), listModules(custom.modules, "cloud")...)
	sort.SliceStable(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	return list, nil
}

// listModules turns parsed checks whose input selectors include selector
// ("cloud": Terraform; "kubernetes": manifests) into their metadata.
func listModules(modules map[string]*regoModule, selector string) []finding.RuleInfo {
	var out []finding.RuleInfo
	for _, m := range modules {
		meta, err := rego.MetadataFromAnnotations(m)
		if err != nil || meta == nil || meta.Library || meta.Deprecated {
			continue
		}
		if !selects(meta, selector) {
			continue
		}
		rule := meta.ToRule()
		out = append(out, finding.RuleInfo{
			ID:          rule.ID,
			Aliases:     aliases(rule),
			Engine:      finding.EngineTrivy,
			Severity:    convertSeverity(rule.Severity),
			Title:       rule.Summary,
			Description: rule.Explanation,
			Resolution:  rule.Resolution,
			References:  rule.Links,
			Provider:    string(rule.Provider),
			Service:     rule.Service,
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func selects(meta *rego.StaticMetadata, selector string) bool {
	for _, s := range meta.InputOptions.Selectors {
		if s.Type == selector {
			return true
		}
	}
	return false
}
