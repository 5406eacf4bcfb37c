package formatters

import (
	"fmt"
	"io"
	"testing"

	"github.com/tfreview/tfreview/finding"
)

// benchReport is the golden report with its findings repeated n times
// (distinct fingerprints), about the size of a large repository's report.
func benchReport(b *testing.B, n int) finding.Report {
	r := testReport(b)
	base := r.Findings
	r.Findings = make([]finding.Finding, 0, n*len(base))
	for i := range n {
		for _, f := range base {
			f.Fingerprint = fmt.Sprintf("%s-%d", f.Fingerprint, i)
			r.Findings = append(r.Findings, f)
		}
	}
	return r
}

// BenchmarkFormat writes a report of about 3,000 findings in every format.
func BenchmarkFormat(b *testing.B) {
	r := benchReport(b, 3000/max(len(testReport(b).Findings), 1))
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			f, err := New(name, Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := f.Format(io.Discard, r); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(r.Findings)), "findings")
		})
	}
}
