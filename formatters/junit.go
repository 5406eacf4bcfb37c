package formatters

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/tfreview/tfreview/finding"
)

// junitFormatter writes JUnit XML for CI test-report views: one test suite
// per file, one test case per finding, failing unless suppressed (then
// skipped). Notes become skipped cases in a "could not check" suite, so a
// gap in coverage shows up next to the results.
type junitFormatter struct{ opts Options }

type junitTestSuites struct {
	XMLName  xml.Name         `xml:"testsuites"`
	Name     string           `xml:"name,attr"`
	Tests    int              `xml:"tests,attr"`
	Failures int              `xml:"failures,attr"`
	Skipped  int              `xml:"skipped,attr"`
	Suites   []junitTestSuite `xml:"testsuite"`
}

type junitTestSuite struct {
	Name     string          `xml:"name,attr"`
	Tests    int             `xml:"tests,attr"`
	Failures int             `xml:"failures,attr"`
	Skipped  int             `xml:"skipped,attr"`
	Cases    []junitTestCase `xml:"testcase"`
}

type junitTestCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitFailure `xml:"failure"`
	Skipped   *junitSkipped `xml:"skipped"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

func (j junitFormatter) Format(w io.Writer, r finding.Report) error {
	doc := junitTestSuites{Name: orDefault(r.Tool.Name, "tfreview")}
	for _, f := range shown(r, j.opts) {
		if n := len(doc.Suites); n == 0 || doc.Suites[n-1].Name != f.Range.File {
			doc.Suites = append(doc.Suites, junitTestSuite{Name: f.Range.File})
		}
		suite := &doc.Suites[len(doc.Suites)-1]
		name := f.RuleID
		if f.Resource != "" {
			name += " " + f.Resource
		}
		tc := junitTestCase{
			Name:      name,
			Classname: f.Range.File,
			File:      f.Range.File,
			Line:      f.Range.Start.Line,
		}
		suite.Tests++
		if s := f.Suppressed; s != nil {
			tc.Skipped = &junitSkipped{Message: "suppressed by " + s.Kind + " ignore" + prefixed(": ", s.Reason)}
			suite.Skipped++
		} else {
			tc.Failure = &junitFailure{
				Message: orDefault(f.Message, f.Title),
				Type:    f.Severity.String(),
				Text:    junitDetail(f),
			}
			suite.Failures++
		}
		suite.Cases = append(suite.Cases, tc)
	}
	if len(r.Notes) > 0 {
		suite := junitTestSuite{Name: "could not check"}
		for _, n := range r.Notes {
			suite.Cases = append(suite.Cases, junitTestCase{
				Name:      string(n.Kind),
				Classname: "could not check",
				File:      n.Range.File,
				Line:      n.Range.Start.Line,
				Skipped:   &junitSkipped{Message: n.Message},
			})
			suite.Tests++
			suite.Skipped++
		}
		doc.Suites = append(doc.Suites, suite)
	}
	if len(doc.Suites) == 0 {
		// A run with nothing to report still shows as one passing test.
		doc.Suites = append(doc.Suites, junitTestSuite{
			Name:  doc.Name,
			Tests: 1,
			Cases: []junitTestCase{{Name: "no problems found", Classname: doc.Name}},
		})
	}
	for _, s := range doc.Suites {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// junitDetail is the failure body: where, what, and how to fix it.
func junitDetail(f finding.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s\n", f.Severity, f.RuleID, f.Title)
	fmt.Fprintf(&b, "at %s\n", location(f.Range))
	if f.Resource != "" {
		fmt.Fprintf(&b, "resource: %s\n", f.Resource)
	}
	for _, cs := range f.CallSites {
		fmt.Fprintf(&b, "via %s at %s\n", cs.Module, location(lineOnly(cs.Range)))
	}
	if f.Resolution != "" {
		fmt.Fprintf(&b, "resolution: %s\n", f.Resolution)
	}
	if f.Fix != nil {
		fmt.Fprintf(&b, "fix available: %s\n", f.Fix.Description)
	}
	if u := f.DocURL(); u != "" {
		fmt.Fprintf(&b, "docs: %s\n", u)
	}
	return b.String()
}
