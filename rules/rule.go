// Package rules holds tfreview's built-in checks. A check is a value: its
// metadata and a Check function that reports issues over the evaluated
// modules. Checks never print or choose exit codes; fixes are plain text
// edits attached to the issue.
package rules

import (
	"fmt"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/tfmodel"
)

// DocBase is where generated check docs are published.
const DocBase = "https://github.com/tfreview/tfreview/blob/main/docs/checks/"

// Rule is one built-in check.
type Rule struct {
	ID          string // TFR-<AREA>-<NNN>, stable forever
	Slug        string // kebab-case alias usable in ignores
	Severity    finding.Severity
	Title       string
	Explanation string
	Resolution  string
	Provider    string // aws, kubernetes, terraform, ...
	Service     string
	// References are extra links; the generated doc page comes first.
	References []string
	// Fixable says the check attaches fixes where it safely can.
	Fixable bool
	// Configured, when set, says whether cfg turns the rule on: an
	// organisation-policy rule (required tags, allowed regions) runs only
	// when its own setting is present. Nil means the rule always runs.
	Configured func(cfg Config) bool
	// Configuration is the .tfreview.yaml that sets the rule up, for its
	// documentation; empty when it has no settings.
	Configuration string
	Check         func(*Pass)
}

// Enabled reports whether the rule runs under cfg when no --checks list
// names it: always, unless it is a policy rule whose setting is absent.
func (r *Rule) Enabled(cfg Config) bool {
	return r.Configured == nil || r.Configured(cfg)
}

// IsPolicy reports whether the rule is opt-in (runs only when configured).
func (r *Rule) IsPolicy() bool { return r.Configured != nil }

// DocURL is the rule's generated documentation page.
func (r *Rule) DocURL() string { return DocBase + r.ID + ".md" }

// Info returns the rule's metadata in the shared model.
func (r *Rule) Info() finding.RuleInfo {
	return finding.RuleInfo{
		ID:          r.ID,
		Aliases:     []string{r.Slug},
		Engine:      finding.EngineBuiltin,
		Severity:    r.Severity,
		Title:       r.Title,
		Description: r.Explanation,
		Resolution:  r.Resolution,
		References:  append([]string{r.DocURL()}, r.References...),
		Provider:    r.Provider,
		Service:     r.Service,
		Fixable:     r.Fixable,
	}
}

// Config carries the settings that policy and configurable checks read.
type Config struct {
	RequiredTags       []string `yaml:"required_tags"`
	AllowedRegions     []string `yaml:"allowed_regions"`
	RequireImageDigest bool     `yaml:"require_image_digest"`
}

// Issue is what a check reports.
type Issue struct {
	// Block is the offending block (nested or top-level); its top-level
	// block gives the resource address and its module the call sites.
	Block *tfmodel.Block
	// Range is the exact place: the attribute's expression, a nested block,
	// or the block header when the attribute is missing.
	Range         finding.Range
	AttributePath string
	Message       string
	Fix           *finding.Fix
	NoFixReason   string
	// Severity overrides the rule's default when non-zero.
	Severity finding.Severity
	// Sensitive marks a range that holds a secret, so outputs never show
	// its source text.
	Sensitive bool
}

// Pass is what a Check receives.
type Pass struct {
	Rule    *Rule
	Project *tfmodel.Project
	Config  Config
	issues  []Issue
}

// Report records an issue.
func (p *Pass) Report(i Issue) { p.issues = append(p.issues, i) }

// ReportAttr records an issue at the attribute's expression.
func (p *Pass) ReportAttr(a *tfmodel.Attribute, msg string, fix *finding.Fix, noFix string) {
	p.Report(Issue{Block: a.Block, Range: a.ExprRange, AttributePath: a.Path(), Message: msg, Fix: fix, NoFixReason: noFix})
}

// ReportMissing records an issue at the block header for a missing
// attribute or nested block.
func (p *Pass) ReportMissing(b *tfmodel.Block, path, msg string, fix *finding.Fix, noFix string) {
	attrPath := path
	if bp := b.Path(); bp != "" {
		attrPath = bp + "." + path
	}
	p.Report(Issue{Block: b, Range: b.DefRange, AttributePath: attrPath, Message: msg, Fix: fix, NoFixReason: noFix})
}

// Run runs the rules over the project. A rule that panics is reported as an
// error for that rule while the others still run.
func Run(p *tfmodel.Project, cfg Config, rs []*Rule) ([]finding.Finding, []error) {
	var out []finding.Finding
	var errs []error
	for _, r := range rs {
		issues, err := runOne(p, cfg, r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, i := range issues {
			out = append(out, r.toFinding(i))
		}
	}
	return out, errs
}

func runOne(p *tfmodel.Project, cfg Config, r *Rule) (issues []Issue, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("check %s panicked: %v", r.ID, v)
		}
	}()
	pass := &Pass{Rule: r, Project: p, Config: cfg}
	r.Check(pass)
	return pass.issues, nil
}

func (r *Rule) toFinding(i Issue) finding.Finding {
	sev := r.Severity
	if i.Severity != 0 {
		sev = i.Severity
	}
	f := finding.Finding{
		RuleID:        r.ID,
		Aliases:       []string{r.Slug},
		Engine:        finding.EngineBuiltin,
		Severity:      sev,
		Title:         r.Title,
		Message:       i.Message,
		Resolution:    r.Resolution,
		References:    append([]string{r.DocURL()}, r.References...),
		Provider:      r.Provider,
		Service:       r.Service,
		Range:         i.Range,
		AttributePath: i.AttributePath,
		Fix:           i.Fix,
		NoFixReason:   i.NoFixReason,
		Sensitive:     i.Sensitive,
	}
	if i.Block != nil {
		top := i.Block.Top()
		f.Resource = top.Address
		if top.Module != nil {
			f.CallSites = top.Module.CallSites
		}
	}
	return f
}
