package formatters

import (
	"fmt"
	"io"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/tfreview/tfreview/finding"
)

// sarifFormatter writes SARIF 2.1.0 as GitHub code scanning accepts it
// (https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning).
//
// Columns: SARIF counts columns in UTF-16 code units (the run says so with
// columnKind), the model counts UTF-8 bytes, so each column is converted
// using the line's text from Report.Sources. When the report has no source
// for the file, results carry lines only and fixes are left out rather than
// pointing at the wrong characters.
type sarifFormatter struct{ opts Options }

// sarifSrcRoot is the uriBaseId every location is relative to; GitHub
// resolves it to the repository checkout.
const sarifSrcRoot = "%SRCROOT%"

// sarifFingerprintKey names tfreview's partial fingerprint; bump the
// version if finding.Fingerprint's inputs change.
// v2: fingerprints by root module, address and attribute path (docs/fingerprints.md).
const sarifFingerprintKey = "tfreview/v2"

// securitySeverity is the score GitHub code scanning ranks security alerts
// by: over 9.0 is critical, 7.0 to 8.9 high, 4.0 to 6.9 medium, 0.1 to 3.9
// low. Each severity maps to a score inside its band.
var securitySeverity = map[finding.Severity]string{
	finding.SeverityCritical: "9.5",
	finding.SeverityHigh:     "8.0",
	finding.SeverityMedium:   "5.5",
	finding.SeverityLow:      "2.0",
}

// sarifLevel maps a severity to a SARIF result level.
func sarifLevel(s finding.Severity) string {
	switch s {
	case finding.SeverityCritical, finding.SeverityHigh:
		return "error"
	case finding.SeverityLow:
		return "note"
	}
	return "warning"
}

// suppressionNamespace seeds the name-based UUIDs given to suppressions,
// so the same suppression gets the same guid in every run.
var suppressionNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/tfreview/tfreview#sarif-suppression"))

func (s sarifFormatter) Format(w io.Writer, r finding.Report) error {
	report, err := sarif.New(sarif.Version210)
	if err != nil {
		return fmt.Errorf("sarif: %w", err)
	}
	src := newSourceFiles(r.Sources)
	fs := shown(r, s.opts)
	if r.Comparison != nil && !s.opts.ShowSuppressed {
		// Every result, with its baselineState: code scanning closes the
		// alerts missing from an upload, so the findings the change did
		// not introduce must stay in it.
		fs = shown(r, Options{ShowSuppressed: true})
		fs = slices.DeleteFunc(fs, func(f finding.Finding) bool { return f.Suppressed != nil && f.Suppressed.Kind != newSinceKind })
	}
	var resolved []finding.Finding
	if r.Comparison != nil {
		for _, f := range r.Comparison.Resolved {
			f.Range = normalized(f.Range)
			resolved = append(resolved, f)
		}
	}

	driver := sarif.NewDriver(orDefault(r.Tool.Name, "tfreview"))
	if r.Tool.Version != "" {
		driver.WithVersion(r.Tool.Version)
	}
	if r.Tool.URI != "" {
		driver.WithInformationURI(r.Tool.URI)
	}
	run := sarif.NewRun(*sarif.NewTool(driver))
	run.WithColumnKind("utf16CodeUnits")

	ruleIndex := map[string]int{}
	for i, ri := range rulesFor(r, append(slices.Clone(fs), resolved...)) {
		ruleIndex[ri.ID] = i
		driver.AddRule(sarifRule(ri))
	}

	for _, f := range fs {
		res := sarifResult(f, ruleIndex[f.RuleID], src)
		if r.Comparison != nil {
			if state := baselineState(f); state != "" {
				res.WithBaselineState(state)
			}
		}
		run.AddResult(res)
	}
	for _, f := range resolved {
		// Gone in this change: located in the base's files, with no fix,
		// and kind pass (level none) so a reader that ignores baselineState
		// does not count it as a problem.
		f.Fix = nil
		res := sarifResult(f, ruleIndex[f.RuleID], newSourceFiles(nil)).WithKind("pass").WithLevel("none").WithBaselineState("absent")
		run.AddResult(res)
	}

	inv := run.AddInvocation(true)
	for _, n := range r.Notes {
		level := "warning"
		if n.Kind == finding.NoteEngineError {
			level = "error"
		}
		note := sarif.NewNotification().
			WithLevel(level).
			WithTextMessage("could not check: " + n.Message).
			WithDescriptor(sarif.NewReportingDescriptorReference().WithId(string(n.Kind)))
		if loc := sarifLocation(normalized(n.Range), src); loc != nil {
			note.WithLocations([]*sarif.Location{loc})
		}
		inv.AddTToolExecutionNotification(note)
	}

	report.AddRun(run)
	if err := report.PrettyWrite(w); err != nil {
		return fmt.Errorf("sarif: %w", err)
	}
	_, err = io.WriteString(w, "\n")
	return err
}

func sarifRule(ri finding.RuleInfo) *sarif.ReportingDescriptor {
	title := orDefault(ri.Title, ri.ID)
	rule := sarif.NewRule(ri.ID).
		WithShortDescription(sarif.NewMultiformatMessageString(title)).
		WithFullDescription(sarif.NewMultiformatMessageString(orDefault(ri.Description, title))).
		WithHelp(&sarif.MultiformatMessageString{
			Text:     ptr(ruleHelpText(ri)),
			Markdown: ptr(ruleHelpMarkdown(ri)),
		}).
		WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(sarifLevel(ri.Severity)))
	if len(ri.References) > 0 {
		rule.WithHelpURI(ri.References[0])
	}
	// go-sarif's rule has its own Properties field, which shadows the
	// embedded bag when encoding.
	rule.Properties = sarif.Properties{"tags": ruleTags(ri)}
	// Aliases are other names for the same rule, not retired IDs, so they
	// are not deprecatedIds (GitHub would migrate alerts through those).
	if len(ri.Aliases) > 0 {
		rule.Properties["aliases"] = ri.Aliases
	}
	if score, ok := securitySeverity[ri.Severity]; ok {
		rule.Properties["security-severity"] = score
	}
	return rule
}

// ruleTags are the rule's properties.tags; "security" makes GitHub treat
// the results as security alerts and show security-severity.
func ruleTags(ri finding.RuleInfo) []string {
	tags := []string{"security"}
	for _, t := range []string{string(ri.Engine), ri.Provider, ri.Service} {
		if t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}

func ruleHelpText(ri finding.RuleInfo) string {
	var b strings.Builder
	b.WriteString(orDefault(ri.Description, orDefault(ri.Title, ri.ID)))
	if ri.Resolution != "" {
		b.WriteString("\n\nResolution: " + ri.Resolution)
	}
	if len(ri.References) > 0 {
		b.WriteString("\n\nReferences:")
		for _, u := range ri.References {
			b.WriteString("\n- " + u)
		}
	}
	return b.String()
}

func ruleHelpMarkdown(ri finding.RuleInfo) string {
	var b strings.Builder
	b.WriteString(markdownText(orDefault(ri.Description, orDefault(ri.Title, ri.ID)), 0))
	if ri.Resolution != "" {
		b.WriteString("\n\n**Resolution:** " + markdownText(ri.Resolution, 0))
	}
	if len(ri.References) > 0 {
		b.WriteString("\n\n**References:**\n")
		for _, u := range ri.References {
			b.WriteString("\n- " + markdownLink(u, u))
		}
	}
	return b.String()
}

// newSinceKind is the suppression kind --new-since gives findings the
// change did not introduce.
const newSinceKind = "new-since"

// baselineState is SARIF's name for a finding's place in a --new-since
// comparison: new when the change introduced it, unchanged when it was
// already there. A finding an ignore hides is neither known to be new nor
// old: it gets none.
func baselineState(f finding.Finding) string {
	switch {
	case f.Suppressed == nil:
		return "new"
	case f.Suppressed.Kind == newSinceKind:
		return "unchanged"
	}
	return ""
}

func sarifResult(f finding.Finding, ruleIndex int, src *sourceFiles) *sarif.Result {
	res := sarif.NewRuleResult(f.RuleID).
		WithRuleIndex(ruleIndex).
		WithLevel(sarifLevel(f.Severity)).
		WithMessage(sarif.NewTextMessage(orDefault(f.Message, orDefault(f.Title, f.RuleID))))
	if loc := sarifLocation(f.Range, src); loc != nil {
		res.AddLocation(loc)
	}
	if f.Fingerprint != "" {
		res.WithPartialFingerPrints(map[string]any{sarifFingerprintKey: f.Fingerprint})
	}
	props := sarif.Properties{"severity": f.Severity.String(), "engine": string(f.Engine)}
	if f.Resource != "" {
		props["resource"] = f.Resource
	}
	if f.AttributePath != "" {
		props["attributePath"] = f.AttributePath
	}
	res.Properties = props

	for i, cs := range f.CallSites {
		if loc := sarifLocation(lineOnly(normalized(cs.Range)), src); loc != nil {
			loc.WithId(i + 1).WithMessage(sarif.NewTextMessage("via " + cs.Module))
			res.AddRelatedLocation(loc)
		}
	}

	if s := f.Suppressed; s != nil && s.Kind != newSinceKind {
		kind := "inSource"
		if s.Kind == "baseline" {
			kind = "external"
		}
		where := f.Range
		if s.Range.File != "" {
			where = lineOnly(normalized(s.Range))
		}
		loc := sarifLocation(where, src)
		if loc == nil {
			loc = sarif.NewLocation()
		}
		justification := s.Reason
		if justification == "" {
			justification = "suppressed by a " + s.Kind + " ignore"
		}
		guid := uuid.NewSHA1(suppressionNamespace, []byte(strings.Join([]string{
			f.Fingerprint, f.RuleID, f.Range.File, fmt.Sprint(f.Range.Start.Line), s.Kind, s.Range.File, fmt.Sprint(s.Range.Start.Line),
		}, "\x00")))
		res.AddSuppression(sarif.NewSuppression(kind).
			WithStatus("accepted").
			WithJustifcation(justification).
			WithLocation(loc).
			WithGuid(guid.String()))
	}

	if fix := sarifFix(f, src); fix != nil {
		res.AddFix(fix)
	}
	return res
}

// sarifLocation is the physical location of r, or nil when r names no
// file or line.
func sarifLocation(r finding.Range, src *sourceFiles) *sarif.Location {
	if r.File == "" {
		return nil
	}
	pl := sarif.NewPhysicalLocation().WithArtifactLocation(sarifArtifact(r.File))
	if region := sarifRegion(r, src); region != nil {
		pl.WithRegion(region)
	}
	return sarif.NewLocationWithPhysicalLocation(pl)
}

// sarifRegion gives lines, and columns only when they are known and could
// be converted to UTF-16.
func sarifRegion(r finding.Range, src *sourceFiles) *sarif.Region {
	if r.Start.Line < 1 {
		return nil
	}
	region := sarif.NewSimpleRegion(r.Start.Line, max(r.End.Line, r.Start.Line))
	if start, end, ok := src.utf16Columns(r); ok {
		region.WithStartColumn(start).WithEndColumn(end)
	}
	return region
}

func sarifArtifact(file string) *sarif.ArtifactLocation {
	if path.IsAbs(file) {
		return sarif.NewSimpleArtifactLocation((&url.URL{Scheme: "file", Path: file}).String())
	}
	return sarif.NewSimpleArtifactLocation(relativeURI(file)).WithUriBaseId(sarifSrcRoot)
}

// relativeURI percent-encodes a slash-separated relative path as a URI
// reference: spaces, '%', '#' and '?' are escaped, and ':' too, so a first
// segment cannot read as a scheme.
func relativeURI(file string) string {
	segs := strings.Split(file, "/")
	for i, s := range segs {
		segs[i] = strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
	}
	return strings.Join(segs, "/")
}

// sarifFix turns the finding's fix into artifact changes, one per file. It
// returns nil if any edit's columns cannot be converted: a partial fix
// would be worse than none.
func sarifFix(f finding.Finding, src *sourceFiles) *sarif.Fix {
	if f.Fix == nil || len(f.Fix.Edits) == 0 {
		return nil
	}
	var changes []*sarif.ArtifactChange
	byFile := map[string]*sarif.ArtifactChange{}
	for _, e := range f.Fix.Edits {
		r := e.Range
		if r.File == "" {
			r.File = f.Range.File
		}
		r = normalized(r)
		if r.Start.Line < 1 {
			return nil
		}
		region := sarif.NewSimpleRegion(r.Start.Line, r.End.Line)
		if r.HasColumns() {
			start, end, ok := src.utf16Columns(r)
			if !ok {
				return nil
			}
			region.WithStartColumn(start).WithEndColumn(end)
		}
		ch, ok := byFile[r.File]
		if !ok {
			ch = sarif.NewArtifactChange(sarifArtifact(r.File))
			byFile[r.File] = ch
			changes = append(changes, ch)
		}
		ch.WithReplacement(sarif.NewReplacement(region).WithInsertedContent(sarif.NewArtifactContent().WithText(e.NewText)))
	}
	return sarif.NewFix().
		WithDescriptionText(orDefault(f.Fix.Description, "Apply the suggested change")).
		WithArtifactChanges(changes)
}

func ptr[T any](v T) *T { return &v }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
