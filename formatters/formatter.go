// Package formatters writes a finding.Report in the formats tfreview
// supports: one file per format behind the one-method Formatter interface.
// Formatters only write; they never decide exit codes. They depend on the
// finding model alone.
//
// Columns: the model counts UTF-8 bytes from 1 with exclusive ends, and
// text, json, rdjson, rdjsonl and checkstyle keep that. SARIF and GitHub
// annotations count UTF-16 code units, so those formats take each line from
// Report.Sources to convert, and give lines only when they cannot.
// Formatters never read the disk.
// Line-only ranges (Trivy) never get columns anywhere.
//
// Every string in a finding may come from a crafted Terraform file. Each
// format escapes it for its consumer: safetext.Visible for the text format,
// markdownText for markdown, the @actions/core rules for github commands,
// and the JSON and XML encoders elsewhere. Any format may be printed into
// a CI job log, so New wraps each one in safetext.NeutralizeRunnerCommands
// with an escape its consumer decodes (the github format, whose lines are
// commands by design, escapes its values itself).
package formatters

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/safetext"
)

// Formatter writes a report in one output format.
type Formatter interface {
	Format(w io.Writer, r finding.Report) error
}

// Options tune every formatter; a format ignores what it cannot use.
type Options struct {
	// Color enables ANSI colour in the text format. The caller decides
	// (a terminal, NO_COLOR unset); formatters never look at the
	// environment.
	Color bool
	// ShowSuppressed includes findings an ignore or the baseline
	// suppressed, marked as such. Without it they are left out of the
	// listing and only counted.
	ShowSuppressed bool
	// ASFF is where the asff format's findings belong (account, region).
	ASFF ASFFTarget
}

// formats is the registry, in the order Names reports it. escape spells a
// character so the format's reader still sees it but a CI runner does not
// (nil: the format escapes its values itself).
var formats = []struct {
	name   string
	make   func(Options) Formatter
	escape safetext.Escape
}{
	{"text", func(o Options) Formatter { return textFormatter{o} }, safetext.TextEscape},            // human-readable, grouped by file, with source snippets
	{"json", func(o Options) Formatter { return jsonFormatter{o} }, safetext.JSONEscape},            // tfreview's versioned JSON schema (docs/json-format.md)
	{"sarif", func(o Options) Formatter { return sarifFormatter{o} }, safetext.JSONEscape},          // SARIF 2.1.0 for GitHub code scanning
	{"rdjson", func(o Options) Formatter { return rdjsonFormatter{o} }, safetext.JSONEscape},        // reviewdog DiagnosticResult JSON
	{"rdjsonl", func(o Options) Formatter { return rdjsonlFormatter{o} }, safetext.JSONEscape},      // reviewdog Diagnostic JSON lines
	{"checkstyle", func(o Options) Formatter { return checkstyleFormatter{o} }, safetext.XMLEscape}, // Checkstyle XML
	{"junit", func(o Options) Formatter { return junitFormatter{o} }, safetext.XMLEscape},           // JUnit XML, one test suite per file
	{"github", func(o Options) Formatter { return githubFormatter{o} }, nil},                        // GitHub Actions workflow commands (annotations)
	{"markdown", func(o Options) Formatter { return markdownFormatter{o} }, safetext.XMLEscape},     // Markdown summary for a pull-request comment or job summary
	{"asff", func(o Options) Formatter { return asffFormatter{o} }, safetext.JSONEscape},            // AWS Security Finding Format, the body of Security Hub's BatchImportFindings
}

// Names lists the format names New accepts.
func Names() []string {
	out := make([]string, len(formats))
	for i, f := range formats {
		out[i] = f.name
	}
	return out
}

// New returns the formatter for name (case-insensitive).
func New(name string, opts Options) (Formatter, error) {
	for _, f := range formats {
		if strings.EqualFold(f.name, name) {
			if f.escape == nil {
				return f.make(opts), nil
			}
			return runnerSafe{f.make(opts), f.escape}, nil
		}
	}
	return nil, fmt.Errorf("unknown output format %q (want one of %s)", name, strings.Join(Names(), ", "))
}

// runnerSafe writes a format's output with every runner command in it
// neutralised: a report is printed to a job log as often as to a file.
type runnerSafe struct {
	f      Formatter
	escape safetext.Escape
}

func (rs runnerSafe) Format(w io.Writer, r finding.Report) error {
	var buf bytes.Buffer
	if err := rs.f.Format(&buf, r); err != nil {
		return err
	}
	_, err := w.Write(safetext.NeutralizeRunnerCommands(buf.Bytes(), rs.escape))
	return err
}

// shown returns the findings a formatter lists: all of them with
// ShowSuppressed, otherwise only the active ones, in report order, with
// their ranges normalized.
func shown(r finding.Report, o Options) []finding.Finding {
	out := make([]finding.Finding, 0, len(r.Findings))
	for _, f := range r.Findings {
		if f.Suppressed == nil || o.ShowSuppressed {
			f.Range = normalized(f.Range)
			out = append(out, f)
		}
	}
	return out
}

// normalized repairs ranges an engine left partial, so every format can
// trust them: an end before the start becomes the start, and columns are
// kept only when both ends have one (otherwise the range is line-only).
func normalized(r finding.Range) finding.Range {
	if r.Start.Column <= 0 || r.End.Column <= 0 {
		r.Start.Column, r.End.Column = 0, 0
	}
	if r.End.Line < r.Start.Line || (r.End.Line == r.Start.Line && r.End.Column < r.Start.Column) {
		r.End = r.Start
	}
	return r
}

// suppressedCount counts the suppressed findings in r.
func suppressedCount(r finding.Report) int {
	n := 0
	for _, f := range r.Findings {
		if f.Suppressed != nil {
			n++
		}
	}
	return n
}

// severitiesDesc lists the known severities, most severe first.
var severitiesDesc = []finding.Severity{
	finding.SeverityCritical, finding.SeverityHigh, finding.SeverityMedium, finding.SeverityLow,
}

// ruleInfo returns the rule metadata for f: the report's entry if there is
// one, otherwise what the finding itself carries.
func ruleInfo(r finding.Report, f finding.Finding) finding.RuleInfo {
	if ri, ok := r.Rule(f.RuleID); ok {
		return ri
	}
	return finding.RuleInfo{
		ID:         f.RuleID,
		Aliases:    f.Aliases,
		Engine:     f.Engine,
		Severity:   f.Severity,
		Title:      f.Title,
		Resolution: f.Resolution,
		References: f.References,
		Provider:   f.Provider,
		Service:    f.Service,
		Fixable:    f.Fix != nil,
	}
}

// rulesFor returns the metadata of every rule in the report, in report
// order, followed by rules that only findings mention, sorted by ID.
func rulesFor(r finding.Report, fs []finding.Finding) []finding.RuleInfo {
	out := slices.Clone(r.Rules)
	seen := map[string]bool{}
	for _, ri := range out {
		seen[ri.ID] = true
	}
	var extra []finding.RuleInfo
	for _, f := range fs {
		if !seen[f.RuleID] {
			seen[f.RuleID] = true
			extra = append(extra, ruleInfo(r, f))
		}
	}
	slices.SortFunc(extra, func(a, b finding.RuleInfo) int { return strings.Compare(a.ID, b.ID) })
	return append(out, extra...)
}
