package formatters

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/finding"
)

var update = flag.Bool("update", false, "rewrite testdata/golden files")

// goldenCases are the golden files: one per format from testReport, plus
// the text format with colour and with suppressed findings shown.
var goldenCases = []struct {
	file   string
	format string
	opts   Options
}{
	{"text.golden", "text", Options{}},
	{"text-color.golden", "text", Options{Color: true}},
	{"text-suppressed.golden", "text", Options{ShowSuppressed: true}},
	{"json.golden", "json", Options{ShowSuppressed: true}},
	{"sarif.golden", "sarif", Options{ShowSuppressed: true}},
	{"rdjson.golden", "rdjson", Options{}},
	{"rdjsonl.golden", "rdjsonl", Options{}},
	{"checkstyle.golden", "checkstyle", Options{}},
	{"junit.golden", "junit", Options{ShowSuppressed: true}},
	{"github.golden", "github", Options{}},
	{"markdown.golden", "markdown", Options{}},
	{"asff.golden", "asff", Options{ShowSuppressed: true}},
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.file, func(t *testing.T) {
			got := format(t, tc.format, tc.opts, testReport(t))
			path := filepath.Join("testdata", "golden", tc.file)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./formatters -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file (run go test ./formatters -update and review the diff)\n%s", path, firstDiff(string(want), string(got)))
			}
		})
	}
}

// TestEveryFormatHasGolden keeps the golden list in step with Names.
func TestEveryFormatHasGolden(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range goldenCases {
		covered[tc.format] = true
	}
	for _, n := range Names() {
		if !covered[n] {
			t.Errorf("format %q has no golden file", n)
		}
	}
}

// TestFixtureColumns checks that the fixture's byte columns and offsets
// point at the text they are meant to, so the goldens test real ranges.
func TestFixtureColumns(t *testing.T) {
	r := testReport(t)
	check := func(rg finding.Range, want string) {
		t.Helper()
		src, ok := r.Sources[rg.File]
		if !ok {
			t.Fatalf("no source for %s", rg.File)
		}
		line := strings.Split(string(src), "\n")[rg.Start.Line-1]
		if got := line[rg.Start.Column-1 : rg.End.Column-1]; got != want {
			t.Errorf("%s:%d columns %d-%d = %q, want %q", rg.File, rg.Start.Line, rg.Start.Column, rg.End.Column, got, want)
		}
		if got := string(src[rg.Start.Byte:rg.End.Byte]); got != want {
			t.Errorf("%s bytes %d-%d = %q, want %q", rg.File, rg.Start.Byte, rg.End.Byte, got, want)
		}
	}
	for _, f := range r.Findings {
		if f.Range.HasColumns() {
			check(f.Range, map[string]string{"TFR-NET-001": `["0.0.0.0/0"]`, "TFR-S3-001": "false"}[f.RuleID])
		}
		if f.Fix != nil {
			for _, e := range f.Fix.Edits {
				check(e.Range, map[string]string{"TFR-NET-001": `"0.0.0.0/0"`, "TFR-S3-001": "false"}[f.RuleID])
			}
		}
	}
}

func TestNewUnknown(t *testing.T) {
	if _, err := New("yaml", Options{}); err == nil {
		t.Fatal("New(yaml) succeeded")
	}
	if _, err := New("SARIF", Options{}); err != nil {
		t.Fatalf("New is case-insensitive: %v", err)
	}
}

// format runs the named formatter.
func format(t testing.TB, name string, opts Options, r finding.Report) []byte {
	t.Helper()
	f, err := New(name, opts)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Format(&buf, r); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return buf.Bytes()
}

// firstDiff shows the first line that differs.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + itoa(i+1) + ":\n  want: " + quote(w) + "\n  got:  " + quote(g)
		}
	}
	return ""
}

func itoa(n int) string     { return strconv.Itoa(n) }
func quote(s string) string { return strconv.Quote(s) }
