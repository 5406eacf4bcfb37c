package scanner

import (
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/trivyadapter"
	"github.com/tfreview/tfreview/rules"
)

type hclFile = hcl.File

// selectRules returns the built-in rules to run.
func selectRules(opts Options) ([]*rules.Rule, error) {
	all := rules.All()
	if err := rules.Validate(all); err != nil {
		return nil, err
	}
	var out []*rules.Rule
	for _, r := range all {
		// A finding of the rule answers HasID the same way for IDs and
		// aliases as the findings filterChecks sees.
		probe := finding.Finding{RuleID: r.ID, Aliases: []string{r.Slug}}
		if slices.ContainsFunc(opts.DisabledChecks, probe.HasID) {
			continue
		}
		// A rule named in --checks runs even when its settings are absent.
		if len(opts.Checks) > 0 {
			if !slices.ContainsFunc(opts.Checks, probe.HasID) {
				continue
			}
		} else if !r.Enabled(opts.RulesConfig) {
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

// filterChecks applies --checks and disabled checks to Trivy findings.
func filterChecks(fs []finding.Finding, opts Options) []finding.Finding {
	if len(opts.Checks) == 0 && len(opts.DisabledChecks) == 0 {
		return fs
	}
	out := fs[:0]
	for _, f := range fs {
		if slices.ContainsFunc(opts.DisabledChecks, f.HasID) {
			continue
		}
		if len(opts.Checks) > 0 && !slices.ContainsFunc(opts.Checks, f.HasID) {
			continue
		}
		out = append(out, f)
	}
	return out
}

var trivyChecks = sync.OnceValues(func() ([]finding.RuleInfo, error) {
	return trivyadapter.ListChecks(trivyadapter.EngineOptions{})
})

// TrivyChecks lists Trivy's checks that run on Terraform (embedded, or from
// a local bundle), marking those tfreview can fix.
func TrivyChecks(bundle string) ([]finding.RuleInfo, error) {
	var list []finding.RuleInfo
	var err error
	if bundle != "" {
		list, err = trivyadapter.ListChecks(trivyadapter.EngineOptions{ChecksBundle: bundle})
	} else {
		list, err = trivyChecks()
	}
	if err != nil {
		return nil, err
	}
	out := make([]finding.RuleInfo, len(list))
	for i, info := range list {
		info.Fixable = info.Fixable || rules.TrivyFixable(info.ID)
		out[i] = info
	}
	return out, nil
}

var kubernetesChecks = sync.OnceValues(func() ([]finding.RuleInfo, error) {
	return trivyadapter.ListKubernetesChecks("")
})

// KubernetesChecks lists Trivy's checks that run on Kubernetes objects
// (embedded, or from a local bundle).
func KubernetesChecks(bundle string) ([]finding.RuleInfo, error) {
	if bundle != "" {
		return trivyadapter.ListKubernetesChecks(bundle)
	}
	return kubernetesChecks()
}

// KubernetesPSSLevel is the Pod Security Standards level (baseline,
// restricted) whose Trivy spec names a Kubernetes check, "" for none.
func KubernetesPSSLevel(id string) string { return trivyadapter.KubernetesPSSLevel(id) }

// CoreRules are the checks tfreview itself reports.
func CoreRules() []finding.RuleInfo {
	return []finding.RuleInfo{
		{ID: ParseRuleID, Engine: finding.EngineCore, Severity: finding.SeverityHigh, Title: "File could not be parsed",
			Description: "A Terraform or tfvars file has a syntax error or could not be read; nothing in it was checked.",
			Resolution:  "Fix the syntax error reported at the range."},
		{ID: EvalRuleID, Engine: finding.EngineCore, Severity: finding.SeverityHigh, Title: "Root module could not be evaluated",
			Description: "Evaluating the root module (variables, locals, count, for_each, modules) and running Trivy's checks on it took longer than --max-eval-time or more memory than --max-eval-memory, or crashed, so it was stopped and none of its findings are known. Terraform code can build very large values in a few characters; this keeps a scan bounded without letting such code pass.",
			Resolution:  "Simplify expressions that build very large values (nested for expressions, setproduct, range) or nest very deep, or raise --max-eval-time / --max-eval-memory."},
		{ID: IgnoreUnusedRuleID, Engine: finding.EngineCore, Severity: finding.SeverityLow, Title: "Ignore comment suppresses nothing",
			Description: "An ignore comment matched no finding, so it would silently hide a future problem.",
			Resolution:  "Delete the comment or move it above the block it should cover."},
		{ID: IgnoreUnknownRuleID, Engine: finding.EngineCore, Severity: finding.SeverityMedium, Title: "Ignore comment names an unknown check",
			Description: "An ignore comment (or .trivyignore entry) names a check ID that no engine knows, usually a typo: it suppresses nothing and hides the intent of the line it is on.",
			Resolution:  "Correct the ID (`tfreview checks` lists them) or delete the ignore."},
		{ID: IgnoreNoReasonRuleID, Engine: finding.EngineCore, Severity: finding.SeverityMedium, Title: "Ignore comment without a reason",
			Description: "With require_ignore_reason on, every ignore must say why.",
			Resolution:  "Add a reason after the ID."},
	}
}

// AllChecksWith lists every check of every engine, the custom checks of
// customDir (if set) included.
func AllChecksWith(bundle, customDir string) ([]finding.RuleInfo, error) {
	out := CoreRules()
	for _, r := range rules.All() {
		out = append(out, r.Info())
	}
	tc, err := TrivyChecks(bundle)
	if err != nil {
		return nil, err
	}
	out = append(out, tc...)
	kc, err := KubernetesChecks(bundle)
	if err != nil {
		return nil, err
	}
	out = append(out, kc...)
	if customDir != "" {
		custom, err := trivyadapter.ListChecks(trivyadapter.EngineOptions{ChecksBundle: bundle, CustomChecks: customDir})
		if err != nil {
			return nil, err
		}
		// ListChecks returns the bundle's (or embedded) checks too; keep
		// only those not listed yet.
		have := map[string]bool{}
		for _, c := range out {
			have[c.ID] = true
		}
		for _, c := range custom {
			if !have[c.ID] {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// knownCheckID tells whether id names a core rule, a built-in rule or an
// embedded Trivy check, by ID or alias. It cannot know the checks of a
// bundle or custom directory, so callers use it only where a match would
// have shown the ID to be real.
func knownCheckID(id string) bool {
	probe := func(info finding.RuleInfo) bool {
		return finding.Finding{RuleID: info.ID, Aliases: info.Aliases}.HasID(id)
	}
	if slices.ContainsFunc(CoreRules(), probe) {
		return true
	}
	for _, r := range rules.All() {
		if (finding.Finding{RuleID: r.ID, Aliases: []string{r.Slug}}).HasID(id) {
			return true
		}
	}
	tc, err := trivyChecks()
	if err != nil || slices.ContainsFunc(tc, probe) {
		return true
	}
	kc, err := kubernetesChecks()
	return err != nil || slices.ContainsFunc(kc, probe)
}

// rulesOf returns metadata for the rules that have findings.
func rulesOf(fs []finding.Finding, selected []*rules.Rule, trivy bool, bundle string) []finding.RuleInfo {
	need := map[string]bool{}
	for _, f := range fs {
		need[f.RuleID] = true
	}
	var out []finding.RuleInfo
	for _, r := range CoreRules() {
		if need[r.ID] {
			out = append(out, r)
		}
	}
	for _, r := range selected {
		if need[r.ID] {
			out = append(out, r.Info())
		}
	}
	if trivy {
		tc, _ := TrivyChecks(bundle)
		kc, _ := KubernetesChecks(bundle)
		for _, r := range slices.Concat(tc, kc) {
			if need[r.ID] {
				out = append(out, r)
				delete(need, r.ID)
			}
		}
		// A finding whose rule is missing from the listing still gets
		// metadata from the finding itself.
		for _, f := range fs {
			if f.Engine == finding.EngineTrivy && need[f.RuleID] {
				out = append(out, finding.RuleInfo{ID: f.RuleID, Aliases: f.Aliases, Engine: f.Engine, Severity: f.Severity,
					Title: f.Title, Resolution: f.Resolution, References: f.References, Provider: f.Provider, Service: f.Service})
				delete(need, f.RuleID)
			}
		}
	}
	slices.SortFunc(out, func(a, b finding.RuleInfo) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func countChecks(ran map[finding.Engine]bool, selected []*rules.Rule, bundle string) int {
	n := 0
	if ran[finding.EngineBuiltin] {
		n += len(selected)
	}
	if ran[finding.EngineTrivy] {
		tc, _ := TrivyChecks(bundle)
		n += len(tc)
	}
	return n
}
