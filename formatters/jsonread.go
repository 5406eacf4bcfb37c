package formatters

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/tfreview/tfreview/finding"
)

// maxJSONReport bounds a report ReadJSON accepts: reports come from CI
// artifacts, which another job wrote.
const maxJSONReport = 1 << 30

// ReadJSON reads a report written by the json format (docs/json-format.md)
// back into a finding.Report, so that `tfreview merge` can give the shards'
// reports to every format and reporter as one scan's. Formatting the result
// as json gives the same document again. Byte offsets are not in the
// format: ranges come back with lines and columns only. Reports of
// --new-since or --baseline are refused, and so are reports written
// without --show-ignored that had suppressed findings: their comparison is not
// something two shards can be merged into.
func ReadJSON(r io.Reader) (finding.Report, error) {
	dec := json.NewDecoder(io.LimitReader(r, maxJSONReport))
	dec.DisallowUnknownFields()
	var in jsonReport
	if err := dec.Decode(&in); err != nil {
		return finding.Report{}, fmt.Errorf("read json report: %w", err)
	}
	if in.SchemaVersion != JSONSchemaVersion {
		return finding.Report{}, fmt.Errorf("read json report: schema_version %q, want %q", in.SchemaVersion, JSONSchemaVersion)
	}
	if in.Comparison != nil || in.Baseline != nil || in.Gate != nil {
		return finding.Report{}, fmt.Errorf("read json report: reports of --new-since or --baseline cannot be read back")
	}
	rep := finding.Report{
		Tool:     finding.Tool{Name: in.Tool.Name, Version: in.Tool.Version, URI: in.Tool.URI},
		Findings: make([]finding.Finding, 0, len(in.Findings)),
		Notes:    make([]finding.Note, 0, len(in.Notes)),
		Stats: finding.Stats{Files: in.Stats.Files, RootModules: in.Stats.RootModules, Resources: in.Stats.Resources,
			ChecksRun: in.Stats.ChecksRun, Engines: in.Stats.Engines, Filtered: in.Stats.Filtered},
	}
	for i, jf := range in.Findings {
		f, err := findingOfJSON(jf)
		if err != nil {
			return finding.Report{}, fmt.Errorf("read json report: finding %d: %w", i, err)
		}
		rep.Findings = append(rep.Findings, f)
	}
	if n := suppressedCount(rep); n != in.Summary.Suppressed {
		// Without --show-ignored the suppressed findings are left out;
		// a report made from it would lose them (and their audit trail).
		return finding.Report{}, fmt.Errorf("read json report: it counts %d suppressed findings but holds %d: write it with --show-ignored", in.Summary.Suppressed, n)
	}
	for _, jn := range in.Notes {
		n := finding.Note{Kind: finding.NoteKind(jn.Kind), Message: jn.Message}
		if jn.Range != nil {
			n.Range = rangeOfJSON(*jn.Range)
		}
		rep.Notes = append(rep.Notes, n)
	}
	for _, jr := range in.Rules {
		sev, err := severityOfJSON(jr.Severity)
		if err != nil {
			return finding.Report{}, fmt.Errorf("read json report: rule %s: %w", jr.ID, err)
		}
		rep.Rules = append(rep.Rules, finding.RuleInfo{ID: jr.ID, Aliases: emptyNil(jr.Aliases), Engine: finding.Engine(jr.Engine),
			Severity: sev, Title: jr.Title, Description: jr.Description, Resolution: jr.Resolution,
			References: emptyNil(jr.References), Provider: jr.Provider, Service: jr.Service, Fixable: jr.Fixable})
	}
	return rep, nil
}

func findingOfJSON(jf jsonFinding) (finding.Finding, error) {
	sev, err := severityOfJSON(jf.Severity)
	if err != nil {
		return finding.Finding{}, err
	}
	refs := emptyNil(jf.References)
	if jf.DocURL != "" && (len(refs) == 0 || refs[0] != jf.DocURL) {
		return finding.Finding{}, fmt.Errorf("doc_url %q is not the first reference", jf.DocURL)
	}
	f := finding.Finding{
		RuleID: jf.RuleID, Aliases: emptyNil(jf.Aliases), Engine: finding.Engine(jf.Engine), Severity: sev,
		Title: jf.Title, Message: jf.Message, Resolution: jf.Resolution, References: refs,
		Provider: jf.Provider, Service: jf.Service, Range: rangeOfJSON(jf.Range), Resource: jf.Resource,
		AttributePath: jf.AttributePath, Fingerprint: jf.Fingerprint, NoFixReason: jf.NoFixReason,
		Sensitive: jf.Sensitive, Suppressed: suppressionOfJSON(jf.Suppression), ExpiredIgnore: suppressionOfJSON(jf.ExpiredIgnore),
	}
	if jf.Suppressed != (f.Suppressed != nil) {
		return finding.Finding{}, fmt.Errorf("suppressed is %v but suppression is %v", jf.Suppressed, jf.Suppression != nil)
	}
	for _, cs := range jf.CallSites {
		f.CallSites = append(f.CallSites, finding.CallSite{Module: cs.Module, Range: rangeOfJSON(cs.Range)})
	}
	if jf.Fix != nil {
		f.Fix = &finding.Fix{Description: jf.Fix.Description}
		for _, e := range jf.Fix.Edits {
			f.Fix.Edits = append(f.Fix.Edits, finding.TextEdit{Range: rangeOfJSON(e.Range), NewText: e.NewText})
		}
	}
	if jf.Cause != nil {
		f.Cause = &finding.Cause{Kind: jf.Cause.Kind, Message: jf.Cause.Message, Range: rangeOfJSON(jf.Cause.Range), Deleted: jf.Cause.Deleted}
	}
	return f, nil
}

func severityOfJSON(s string) (finding.Severity, error) {
	if strings.EqualFold(s, finding.SeverityUnknown.String()) {
		return finding.SeverityUnknown, nil
	}
	return finding.ParseSeverity(s)
}

func rangeOfJSON(r jsonRange) finding.Range {
	return finding.Range{File: r.File,
		Start: finding.Position{Line: r.Start.Line, Column: r.Start.Column},
		End:   finding.Position{Line: r.End.Line, Column: r.End.Column}}
}

func suppressionOfJSON(s *jsonSuppression) *finding.Suppression {
	if s == nil {
		return nil
	}
	out := &finding.Suppression{Kind: s.Kind, Reason: s.Reason, Expires: s.Expires}
	if s.Range != nil {
		out.Range = rangeOfJSON(*s.Range)
	}
	return out
}

// emptyNil undoes nonNil: an empty list reads back as nil, as the scanner
// leaves it.
func emptyNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
