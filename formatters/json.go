package formatters

import (
	"encoding/json"
	"io"

	"github.com/tfreview/tfreview/finding"
)

// JSONSchemaVersion is the version of the json format, documented in
// docs/json-format.md. Adding a field keeps it; renaming, removing or
// changing the meaning of one bumps it.
const JSONSchemaVersion = "1"

// jsonFormatter writes tfreview's own schema. Its types are declared here,
// not taken from the finding model's tags, so a change to the model cannot
// change the documented output by accident. The absolute scan root is left
// out: output stays portable between machines and does not leak local
// paths; every file is relative to the root.
type jsonFormatter struct{ opts Options }

type jsonReport struct {
	SchemaVersion string        `json:"schema_version"`
	Tool          jsonTool      `json:"tool"`
	Summary       jsonSummary   `json:"summary"`
	Findings      []jsonFinding `json:"findings"`
	Notes         []jsonNote    `json:"notes"`
	Stats         jsonStats     `json:"stats"`
	Rules         []jsonRule    `json:"rules"`
	// Comparison and Baseline are present with --new-since, --baseline.
	Comparison *jsonComparison `json:"comparison,omitempty"`
	Baseline   *jsonBaseline   `json:"baseline,omitempty"`
	// Gate is present with --new-since: what the change did to the
	// settings that judge it.
	Gate *jsonGate `json:"gate,omitempty"`
}

type jsonTool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	URI     string `json:"uri,omitempty"`
}

type jsonSummary struct {
	Total      int `json:"total"`
	Critical   int `json:"critical"`
	High       int `json:"high"`
	Medium     int `json:"medium"`
	Low        int `json:"low"`
	Unknown    int `json:"unknown"`
	Suppressed int `json:"suppressed"`
}

type jsonPosition struct {
	Line   int `json:"line"`
	Column int `json:"column,omitempty"`
}

type jsonRange struct {
	File  string       `json:"file"`
	Start jsonPosition `json:"start"`
	End   jsonPosition `json:"end"`
}

type jsonCallSite struct {
	Module string    `json:"module"`
	Range  jsonRange `json:"range"`
}

type jsonEdit struct {
	Range   jsonRange `json:"range"`
	NewText string    `json:"new_text"`
}

type jsonFix struct {
	Description string     `json:"description"`
	Edits       []jsonEdit `json:"edits"`
}

type jsonSuppression struct {
	Kind    string     `json:"kind"`
	Reason  string     `json:"reason,omitempty"`
	Expires string     `json:"expires,omitempty"`
	Range   *jsonRange `json:"range,omitempty"`
}

type jsonFinding struct {
	RuleID        string           `json:"rule_id"`
	Aliases       []string         `json:"aliases"`
	Engine        string           `json:"engine"`
	Severity      string           `json:"severity"`
	Title         string           `json:"title"`
	Message       string           `json:"message"`
	Resolution    string           `json:"resolution,omitempty"`
	DocURL        string           `json:"doc_url,omitempty"`
	References    []string         `json:"references"`
	Provider      string           `json:"provider,omitempty"`
	Service       string           `json:"service,omitempty"`
	Range         jsonRange        `json:"range"`
	Resource      string           `json:"resource,omitempty"`
	AttributePath string           `json:"attribute_path,omitempty"`
	CallSites     []jsonCallSite   `json:"call_sites"`
	Fingerprint   string           `json:"fingerprint"`
	Fix           *jsonFix         `json:"fix,omitempty"`
	NoFixReason   string           `json:"no_fix_reason,omitempty"`
	Sensitive     bool             `json:"sensitive,omitempty"`
	Suppressed    bool             `json:"suppressed"`
	Suppression   *jsonSuppression `json:"suppression,omitempty"`
	ExpiredIgnore *jsonSuppression `json:"expired_ignore,omitempty"`
	Cause         *jsonCause       `json:"cause,omitempty"`
}

type jsonNote struct {
	Kind    string     `json:"kind"`
	Message string     `json:"message"`
	Range   *jsonRange `json:"range,omitempty"`
}

type jsonStats struct {
	Files       int      `json:"files"`
	RootModules int      `json:"root_modules"`
	Resources   int      `json:"resources"`
	ChecksRun   int      `json:"checks_run"`
	Engines     []string `json:"engines"`
	Filtered    int      `json:"filtered_below_severity"`
}

type jsonRule struct {
	ID          string   `json:"id"`
	Aliases     []string `json:"aliases"`
	Engine      string   `json:"engine"`
	Severity    string   `json:"severity"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Resolution  string   `json:"resolution,omitempty"`
	References  []string `json:"references"`
	Provider    string   `json:"provider,omitempty"`
	Service     string   `json:"service,omitempty"`
	Fixable     bool     `json:"fixable"`
}

func (j jsonFormatter) Format(w io.Writer, r finding.Report) error {
	fs := shown(r, j.opts)
	out := jsonReport{
		SchemaVersion: JSONSchemaVersion,
		Tool:          jsonTool{Name: r.Tool.Name, Version: r.Tool.Version, URI: r.Tool.URI},
		Summary:       jsonSummaryOf(r),
		Findings:      make([]jsonFinding, 0, len(fs)),
		Notes:         make([]jsonNote, 0, len(r.Notes)),
		Stats: jsonStats{
			Files:       r.Stats.Files,
			RootModules: r.Stats.RootModules,
			Resources:   r.Stats.Resources,
			ChecksRun:   r.Stats.ChecksRun,
			Engines:     nonNil(r.Stats.Engines),
			Filtered:    r.Stats.Filtered,
		},
	}
	for _, f := range fs {
		out.Findings = append(out.Findings, jsonFindingOf(f))
	}
	out.Comparison = jsonComparisonOf(r.Comparison)
	out.Baseline = jsonBaselineOf(r.Baseline)
	out.Gate = jsonGateOf(r.Gate)
	for _, n := range r.Notes {
		jn := jsonNote{Kind: string(n.Kind), Message: n.Message}
		if n.Range.File != "" {
			rg := jsonRangeOf(n.Range)
			jn.Range = &rg
		}
		out.Notes = append(out.Notes, jn)
	}
	rules := rulesFor(r, fs)
	out.Rules = make([]jsonRule, 0, len(rules))
	for _, ri := range rules {
		out.Rules = append(out.Rules, jsonRule{
			ID:          ri.ID,
			Aliases:     nonNil(ri.Aliases),
			Engine:      string(ri.Engine),
			Severity:    ri.Severity.String(),
			Title:       ri.Title,
			Description: ri.Description,
			Resolution:  ri.Resolution,
			References:  nonNil(ri.References),
			Provider:    ri.Provider,
			Service:     ri.Service,
			Fixable:     ri.Fixable,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

func jsonSummaryOf(r finding.Report) jsonSummary {
	c := r.CountBySeverity()
	s := jsonSummary{
		Critical:   c[finding.SeverityCritical],
		High:       c[finding.SeverityHigh],
		Medium:     c[finding.SeverityMedium],
		Low:        c[finding.SeverityLow],
		Unknown:    c[finding.SeverityUnknown],
		Suppressed: suppressedCount(r),
	}
	s.Total = s.Critical + s.High + s.Medium + s.Low + s.Unknown
	return s
}

func jsonFindingOf(f finding.Finding) jsonFinding {
	jf := jsonFinding{
		RuleID:        f.RuleID,
		Aliases:       nonNil(f.Aliases),
		Engine:        string(f.Engine),
		Severity:      f.Severity.String(),
		Title:         f.Title,
		Message:       f.Message,
		Resolution:    f.Resolution,
		DocURL:        f.DocURL(),
		References:    nonNil(f.References),
		Provider:      f.Provider,
		Service:       f.Service,
		Range:         jsonRangeOf(f.Range),
		Resource:      f.Resource,
		AttributePath: f.AttributePath,
		CallSites:     make([]jsonCallSite, 0, len(f.CallSites)),
		Fingerprint:   f.Fingerprint,
		NoFixReason:   f.NoFixReason,
		Sensitive:     f.Sensitive,
		Suppressed:    f.Suppressed != nil,
		Suppression:   jsonSuppressionOf(f.Suppressed),
		ExpiredIgnore: jsonSuppressionOf(f.ExpiredIgnore),
		Cause:         jsonCauseOf(f.Cause),
	}
	for _, cs := range f.CallSites {
		jf.CallSites = append(jf.CallSites, jsonCallSite{Module: cs.Module, Range: jsonRangeOf(cs.Range)})
	}
	if f.Fix != nil {
		jf.Fix = &jsonFix{Description: f.Fix.Description, Edits: make([]jsonEdit, 0, len(f.Fix.Edits))}
		for _, e := range f.Fix.Edits {
			jf.Fix.Edits = append(jf.Fix.Edits, jsonEdit{Range: jsonRangeOf(e.Range), NewText: e.NewText})
		}
	}
	return jf
}

func jsonRangeOf(r finding.Range) jsonRange {
	r = normalized(r)
	return jsonRange{
		File:  r.File,
		Start: jsonPosition{Line: r.Start.Line, Column: r.Start.Column},
		End:   jsonPosition{Line: r.End.Line, Column: r.End.Column},
	}
}

func jsonSuppressionOf(s *finding.Suppression) *jsonSuppression {
	if s == nil {
		return nil
	}
	js := &jsonSuppression{Kind: s.Kind, Reason: s.Reason, Expires: s.Expires}
	if s.Range.File != "" {
		rg := jsonRangeOf(s.Range)
		js.Range = &rg
	}
	return js
}

// nonNil makes an absent list encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
