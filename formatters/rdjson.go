package formatters

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/reviewdog/reviewdog/proto/rdf"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/tfreview/tfreview/finding"
)

// rdjsonFormatter writes reviewdog's DiagnosticResult
// (proto/rdf/reviewdog.proto) as JSON. Columns stay UTF-8 byte counts from
// 1 and ends stay exclusive, exactly the rdjson contract; line-only ranges
// carry no columns, which reviewdog reads as whole lines.
type rdjsonFormatter struct{ opts Options }

func (f rdjsonFormatter) Format(w io.Writer, r finding.Report) error {
	res := &rdf.DiagnosticResult{Source: rdSource(r)}
	for _, fd := range shown(r, f.opts) {
		res.Diagnostics = append(res.Diagnostics, rdDiagnostic(fd))
	}
	b, err := rdMarshal(res)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	// protojson varies its whitespace on purpose; re-indenting makes the
	// output stable.
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return fmt.Errorf("rdjson: %w", err)
	}
	out.WriteByte('\n')
	_, err = w.Write(out.Bytes())
	return err
}

func rdMarshal(m proto.Message) ([]byte, error) {
	b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("rdjson: %w", err)
	}
	return b, nil
}

func rdSource(r finding.Report) *rdf.Source {
	return &rdf.Source{Name: rdString(orDefault(r.Tool.Name, "tfreview")), Url: rdString(r.Tool.URI)}
}

// rdSeverity maps a severity to reviewdog's.
func rdSeverity(s finding.Severity) rdf.Severity {
	switch s {
	case finding.SeverityCritical, finding.SeverityHigh:
		return rdf.Severity_ERROR
	case finding.SeverityMedium:
		return rdf.Severity_WARNING
	case finding.SeverityLow:
		return rdf.Severity_INFO
	}
	return rdf.Severity_UNKNOWN_SEVERITY
}

func rdDiagnostic(f finding.Finding) *rdf.Diagnostic {
	msg := orDefault(f.Message, f.Title)
	sev := rdSeverity(f.Severity)
	if s := f.Suppressed; s != nil {
		// rdjson has no suppression state: say so in the message and keep
		// it out of the error level.
		msg = "[suppressed by " + s.Kind + " ignore" + prefixed(": ", s.Reason) + "] " + msg
		sev = rdf.Severity_INFO
	}
	d := &rdf.Diagnostic{
		Message:  rdString(msg),
		Location: rdLocation(f.Range),
		Severity: sev,
		Code:     &rdf.Code{Value: rdString(f.RuleID), Url: rdString(f.DocURL())},
	}
	for _, cs := range f.CallSites {
		d.RelatedLocations = append(d.RelatedLocations, &rdf.RelatedLocation{
			Message:  rdString("via " + cs.Module),
			Location: rdLocation(lineOnly(normalized(cs.Range))),
		})
	}
	if f.Fix != nil {
		for _, e := range f.Fix.Edits {
			// A suggestion applies to the diagnostic's own file.
			if e.Range.File != "" && e.Range.File != f.Range.File {
				continue
			}
			d.Suggestions = append(d.Suggestions, &rdf.Suggestion{
				Range: rdRange(normalized(e.Range)),
				Text:  rdString(e.NewText),
			})
		}
	}
	return d
}

func rdLocation(r finding.Range) *rdf.Location {
	return &rdf.Location{Path: rdString(r.File), Range: rdRange(r)}
}

// rdRange converts a normalized range; nil when it has no line.
func rdRange(r finding.Range) *rdf.Range {
	if r.Start.Line < 1 {
		return nil
	}
	return &rdf.Range{
		Start: &rdf.Position{Line: rdInt(r.Start.Line), Column: rdInt(r.Start.Column)},
		End:   &rdf.Position{Line: rdInt(max(r.End.Line, r.Start.Line)), Column: rdInt(r.End.Column)},
	}
}

func rdInt(n int) int32 { return int32(min(max(n, 0), math.MaxInt32)) }

// rdString makes s valid UTF-8, which protobuf strings must be.
func rdString(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}
