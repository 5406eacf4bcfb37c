package formatters

import (
	"encoding/xml"
	"fmt"
	"io"

	"github.com/tfreview/tfreview/finding"
)

// checkstyleFormatter writes Checkstyle XML, the format reviewdog's
// checkstyle parser and many CI plugins read. Columns are UTF-8 byte
// columns, as reviewdog takes them; line-only findings have none.
// encoding/xml escapes every value and replaces characters XML cannot
// carry.
type checkstyleFormatter struct{ opts Options }

type checkstyleXML struct {
	XMLName xml.Name         `xml:"checkstyle"`
	Version string           `xml:"version,attr"`
	Files   []checkstyleFile `xml:"file"`
}

type checkstyleFile struct {
	Name   string            `xml:"name,attr"`
	Errors []checkstyleError `xml:"error"`
}

type checkstyleError struct {
	Line     int    `xml:"line,attr"`
	Column   int    `xml:"column,attr,omitempty"`
	Severity string `xml:"severity,attr"`
	Message  string `xml:"message,attr"`
	Source   string `xml:"source,attr"`
}

// checkstyleSeverity maps a severity to Checkstyle's error, warning, info.
func checkstyleSeverity(s finding.Severity) string {
	switch s {
	case finding.SeverityCritical, finding.SeverityHigh:
		return "error"
	case finding.SeverityLow:
		return "info"
	}
	return "warning"
}

func (c checkstyleFormatter) Format(w io.Writer, r finding.Report) error {
	doc := checkstyleXML{Version: "4.3"}
	for _, f := range shown(r, c.opts) {
		// Findings are sorted by file, so one file's errors are adjacent.
		if n := len(doc.Files); n == 0 || doc.Files[n-1].Name != f.Range.File {
			doc.Files = append(doc.Files, checkstyleFile{Name: f.Range.File})
		}
		sev := checkstyleSeverity(f.Severity)
		msg := orDefault(f.Message, f.Title)
		if f.Resource != "" {
			msg += " (" + f.Resource + ")"
		}
		if s := f.Suppressed; s != nil {
			sev = "info"
			msg = "[suppressed by " + s.Kind + " ignore" + prefixed(": ", s.Reason) + "] " + msg
		}
		file := &doc.Files[len(doc.Files)-1]
		file.Errors = append(file.Errors, checkstyleError{
			Line:     f.Range.Start.Line,
			Column:   f.Range.Start.Column,
			Severity: sev,
			Message:  msg,
			Source:   f.RuleID,
		})
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("checkstyle: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}
