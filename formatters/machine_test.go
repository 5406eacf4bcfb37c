package formatters

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/owenrumney/go-sarif/v2/sarif"
	"github.com/reviewdog/reviewdog/parser"
	"github.com/reviewdog/reviewdog/proto/rdf"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/tfreview/tfreview/finding"
)

// wantDiagnostics is what reviewdog must read back from the test report
// (suppressed finding left out): byte columns, exclusive ends, line-only
// Trivy ranges without columns, fixes as suggestions.
func wantDiagnostics() []*rdf.Diagnostic {
	src := &rdf.Source{Name: "tfreview", Url: "https://github.com/tfreview/tfreview"}
	lineRange := func(a, b int32) *rdf.Range {
		return &rdf.Range{Start: &rdf.Position{Line: a}, End: &rdf.Position{Line: b}}
	}
	colRange := func(l, a, b int32) *rdf.Range {
		return &rdf.Range{Start: &rdf.Position{Line: l, Column: a}, End: &rdf.Position{Line: l, Column: b}}
	}
	viaStorage := []*rdf.RelatedLocation{{Message: "via module.storage", Location: &rdf.Location{Path: "main.tf", Range: lineRange(2, 2)}}}
	return []*rdf.Diagnostic{
		{
			Message:  "Security group does not have a description.",
			Location: &rdf.Location{Path: "main.tf", Range: lineRange(8, 11)},
			Severity: rdf.Severity_INFO, Source: src,
			Code: &rdf.Code{Value: "AWS-0099", Url: "https://avd.aquasec.com/misconfig/avd-aws-0099"},
		},
		{
			Message:  `Ingress "SSH — café" allows 0.0.0.0/0 on port 22.`,
			Location: &rdf.Location{Path: "main.tf", Range: colRange(10, 109, 122)},
			Severity: rdf.Severity_ERROR, Source: src,
			Code:        &rdf.Code{Value: "TFR-NET-001", Url: "https://github.com/tfreview/tfreview/blob/main/docs/checks/TFR-NET-001.md"},
			Suggestions: []*rdf.Suggestion{{Range: colRange(10, 110, 121), Text: `"10.0.0.0/8"`}},
		},
		{
			Message:  `Bucket "café-menu-日本" does not have encryption enabled`,
			Location: &rdf.Location{Path: "modules/storage/main.tf", Range: lineRange(5, 7)},
			Severity: rdf.Severity_ERROR, Source: src,
			Code:             &rdf.Code{Value: "AWS-0088", Url: "https://avd.aquasec.com/misconfig/avd-aws-0088"},
			RelatedLocations: viaStorage,
		},
		{
			Message:  "block_public_acls is false, so objects can be made public with an ACL.",
			Location: &rdf.Location{Path: "modules/storage/main.tf", Range: colRange(11, 25, 30)},
			Severity: rdf.Severity_WARNING, Source: src,
			Code:             &rdf.Code{Value: "TFR-S3-001", Url: "https://github.com/tfreview/tfreview/blob/main/docs/checks/TFR-S3-001.md"},
			Suggestions:      []*rdf.Suggestion{{Range: colRange(11, 25, 30), Text: "true"}},
			RelatedLocations: viaStorage,
		},
	}
}

func TestRDJSONWithReviewdogParser(t *testing.T) {
	for _, tc := range []struct {
		format string
		parser parser.Parser
	}{
		{"rdjson", parser.NewRDJSONParser()},
		{"rdjsonl", parser.NewRDJSONLParser()},
	} {
		t.Run(tc.format, func(t *testing.T) {
			out := format(t, tc.format, Options{}, testReport(t))
			got, err := tc.parser.Parse(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("reviewdog cannot parse %s: %v\n%s", tc.format, err, out)
			}
			if diff := cmp.Diff(wantDiagnostics(), got, protocmp.Transform(),
				protocmp.IgnoreFields(&rdf.Diagnostic{}, "original_output")); diff != "" {
				t.Errorf("parsed diagnostics (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRDJSONLOneDiagnosticPerLine(t *testing.T) {
	out := format(t, "rdjsonl", Options{ShowSuppressed: true}, testReport(t))
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("got %d lines, want 5 (one per finding, suppressed included)", len(lines))
	}
	ds, err := parser.NewRDJSONLParser().Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	sup := ds[2]
	if sup.GetCode().GetValue() != "AWS-0089" || sup.GetSeverity() != rdf.Severity_INFO ||
		!strings.HasPrefix(sup.GetMessage(), "[suppressed by trivy ignore: logging is centralised") {
		t.Errorf("suppressed finding: got %v", sup)
	}
}

func TestCheckstyleWithReviewdogParser(t *testing.T) {
	out := format(t, "checkstyle", Options{}, testReport(t))
	ds, err := parser.NewCheckStyleParser().Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("reviewdog cannot parse checkstyle: %v\n%s", err, out)
	}
	type diag struct {
		Path      string
		Line, Col int32
		Severity  rdf.Severity
		Code      string
	}
	var got []diag
	for _, d := range ds {
		got = append(got, diag{d.GetLocation().GetPath(), d.GetLocation().GetRange().GetStart().GetLine(),
			d.GetLocation().GetRange().GetStart().GetColumn(), d.GetSeverity(), d.GetCode().GetValue()})
	}
	want := []diag{
		{"main.tf", 8, 0, rdf.Severity_INFO, "AWS-0099"},
		{"main.tf", 10, 109, rdf.Severity_ERROR, "TFR-NET-001"},
		{"modules/storage/main.tf", 5, 0, rdf.Severity_ERROR, "AWS-0088"},
		{"modules/storage/main.tf", 11, 25, rdf.Severity_WARNING, "TFR-S3-001"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parsed checkstyle (-want +got):\n%s", diff)
	}
	if !strings.Contains(ds[2].GetMessage(), "café-menu-日本") {
		t.Errorf("multibyte message lost: %q", ds[2].GetMessage())
	}
}

func TestJUnitParses(t *testing.T) {
	out := format(t, "junit", Options{ShowSuppressed: true}, testReport(t))
	var doc junitTestSuites
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("junit does not parse: %v\n%s", err, out)
	}
	if doc.Tests != 7 || doc.Failures != 4 || doc.Skipped != 3 {
		t.Errorf("totals: tests=%d failures=%d skipped=%d, want 7/4/3", doc.Tests, doc.Failures, doc.Skipped)
	}
	var names []string
	for _, s := range doc.Suites {
		names = append(names, s.Name)
	}
	if diff := cmp.Diff([]string{"main.tf", "modules/storage/main.tf", "could not check"}, names); diff != "" {
		t.Errorf("suites (-want +got):\n%s", diff)
	}
	f := doc.Suites[1].Cases[0].Failure
	if f == nil || f.Type != "HIGH" || !strings.Contains(f.Text, "via module.storage at main.tf:2\n") {
		t.Errorf("AWS-0088 failure: %+v", f)
	}
	if s := doc.Suites[0].Cases[2].Skipped; s == nil || !strings.Contains(s.Message, "logging is centralised") {
		t.Errorf("suppressed finding is not a skipped case: %+v", doc.Suites[0].Cases[2])
	}
}

func TestJSONSchema(t *testing.T) {
	out := format(t, "json", Options{}, testReport(t))
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["schema_version"] != JSONSchemaVersion {
		t.Errorf("schema_version = %v", doc["schema_version"])
	}
	if _, ok := doc["root"]; ok {
		t.Error("json output contains the absolute root")
	}
	if strings.Contains(string(out), testReport(t).Root) {
		t.Error("json output leaks the absolute root path")
	}
	if n := len(doc["findings"].([]any)); n != 4 {
		t.Errorf("%d findings without ShowSuppressed, want 4", n)
	}
	var back jsonReport
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if back.Summary != (jsonSummary{Total: 4, Critical: 1, High: 1, Medium: 1, Low: 1, Suppressed: 1}) {
		t.Errorf("summary = %+v", back.Summary)
	}
}

func TestSARIFStructure(t *testing.T) {
	out := format(t, "sarif", Options{ShowSuppressed: true}, testReport(t))
	var doc struct {
		Version string `json:"version"`
		Schema  string `json:"$schema"`
		Runs    []struct {
			ColumnKind string `json:"columnKind"`
			Tool       struct {
				Driver struct {
					Name  string           `json:"name"`
					Rules []map[string]any `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results     []map[string]any `json:"results"`
			Invocations []struct {
				ExecutionSuccessful bool             `json:"executionSuccessful"`
				Notifications       []map[string]any `json:"toolExecutionNotifications"`
			} `json:"invocations"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("sarif is not JSON: %v", err)
	}
	if doc.Version != "2.1.0" || !strings.Contains(doc.Schema, "sarif-schema-2.1.0.json") {
		t.Errorf("version %q schema %q", doc.Version, doc.Schema)
	}
	if len(doc.Runs) != 1 {
		t.Fatalf("%d runs", len(doc.Runs))
	}
	run := doc.Runs[0]
	if run.ColumnKind != "utf16CodeUnits" || run.Tool.Driver.Name != "tfreview" {
		t.Errorf("columnKind %q driver %q", run.ColumnKind, run.Tool.Driver.Name)
	}
	rules := run.Tool.Driver.Rules
	for _, r := range rules {
		for _, k := range []string{"id", "shortDescription", "fullDescription", "help", "helpUri", "defaultConfiguration", "properties"} {
			if r[k] == nil {
				t.Errorf("rule %v has no %s", r["id"], k)
			}
		}
		help := r["help"].(map[string]any)
		if help["text"] == "" || help["markdown"] == "" {
			t.Errorf("rule %v help lacks text or markdown", r["id"])
		}
		props := r["properties"].(map[string]any)
		if props["security-severity"] == nil || props["tags"] == nil {
			t.Errorf("rule %v properties %v", r["id"], props)
		}
	}
	if len(run.Results) != 5 {
		t.Fatalf("%d results, want 5", len(run.Results))
	}
	for _, res := range run.Results {
		idx := int(res["ruleIndex"].(float64))
		if rules[idx]["id"] != res["ruleId"] {
			t.Errorf("result %v points at rule %v", res["ruleId"], rules[idx]["id"])
		}
		loc := res["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
		art := loc["artifactLocation"].(map[string]any)
		if art["uriBaseId"] != "%SRCROOT%" || strings.HasPrefix(art["uri"].(string), "/") {
			t.Errorf("artifact location %v is not relative to %%SRCROOT%%", art)
		}
		region := loc["region"].(map[string]any)
		_, hasCol := region["startColumn"]
		if builtin := strings.HasPrefix(res["ruleId"].(string), "TFR-"); hasCol != builtin {
			t.Errorf("%v: startColumn present=%v, want %v (Trivy ranges are line-only)", res["ruleId"], hasCol, builtin)
		}
		if res["partialFingerprints"].(map[string]any)["tfreview/v2"] == "" {
			t.Errorf("%v has no partial fingerprint", res["ruleId"])
		}
		_, hasFix := res["fixes"]
		if fixable := strings.HasPrefix(res["ruleId"].(string), "TFR-"); hasFix != fixable {
			t.Errorf("%v: fixes present=%v", res["ruleId"], hasFix)
		}
	}
	// The built-in finding after "—" and "é": byte column 109 is UTF-16
	// column 106.
	region := run.Results[1]["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)["region"].(map[string]any)
	if region["startColumn"] != 106.0 || region["endColumn"] != 119.0 {
		t.Errorf("UTF-16 columns = %v-%v, want 106-119", region["startColumn"], region["endColumn"])
	}
	sup, ok := run.Results[2]["suppressions"].([]any)
	if !ok || len(sup) != 1 {
		t.Fatalf("suppressed result has suppressions %v", run.Results[2]["suppressions"])
	}
	s := sup[0].(map[string]any)
	if s["kind"] != "inSource" || s["justification"] != "logging is centralised in the audit account" || s["status"] != "accepted" {
		t.Errorf("suppression %v", s)
	}
	for k, v := range s {
		if v == nil {
			t.Errorf("suppression.%s is null, which the SARIF schema rejects", k)
		}
	}
	if len(run.Invocations) != 1 || !run.Invocations[0].ExecutionSuccessful || len(run.Invocations[0].Notifications) != 2 {
		t.Fatalf("invocations %+v", run.Invocations)
	}
	if run.Invocations[0].Notifications[0]["locations"] == nil {
		t.Error("note with a file has no location")
	}

	// Typed readers accept it too: go-sarif and reviewdog's SARIF parser.
	if _, err := sarif.FromBytes(out); err != nil {
		t.Errorf("go-sarif cannot read it back: %v", err)
	}
	ds, err := parser.NewSarifParser().Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("reviewdog cannot parse the sarif: %v", err)
	}
	// reviewdog drops results it sees as suppressed: 5 minus the one.
	if len(ds) != 4 {
		t.Errorf("reviewdog read %d results, want 4", len(ds))
	}
}

func TestSARIFHidesSuppressedByDefault(t *testing.T) {
	out := format(t, "sarif", Options{}, testReport(t))
	if bytes.Contains(out, []byte(`"suppressions"`)) || bytes.Contains(out, []byte("AWS-0089\",\n          \"ruleIndex")) {
		t.Errorf("suppressed finding shown without ShowSuppressed")
	}
}

// TestWithoutSource: when the report holds no source for a file, the text
// format drops the snippet and SARIF and GitHub fall back to lines only
// instead of guessing UTF-16 columns. The files are still on disk under
// Root: formatters must not read them.
func TestWithoutSource(t *testing.T) {
	r := testReport(t)
	r.Sources = nil
	text := string(format(t, "text", Options{}, r))
	if strings.Contains(text, " | ") {
		t.Errorf("text shows a snippet without source:\n%s", text)
	}
	if !strings.Contains(text, "at main.tf:10:109") {
		t.Errorf("text lost the location:\n%s", text)
	}
	if s := string(format(t, "sarif", Options{}, r)); strings.Contains(s, "startColumn") || strings.Contains(s, `"fixes"`) {
		t.Errorf("sarif has columns or fixes it could not convert")
	}
	if g := string(format(t, "github", Options{}, r)); strings.Contains(g, "col=") {
		t.Errorf("github has columns it could not convert:\n%s", g)
	}
}

func TestEmptyReport(t *testing.T) {
	r := finding.Report{Tool: finding.Tool{Name: "tfreview", Version: "dev"}}
	for _, name := range Names() {
		out := format(t, name, Options{}, r)
		switch name {
		case "json", "sarif", "rdjson", "asff":
			if !json.Valid(out) {
				t.Errorf("%s: invalid JSON for an empty report:\n%s", name, out)
			}
		case "rdjsonl", "github":
			if len(out) != 0 {
				t.Errorf("%s: output for an empty report: %q", name, out)
			}
		case "checkstyle", "junit":
			if err := xml.Unmarshal(out, new(struct{})); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		case "text", "markdown":
			if !strings.Contains(string(out), "no problems") && !strings.Contains(string(out), "No problems") {
				t.Errorf("%s: %s", name, out)
			}
		default:
			// A new format must say what its empty report looks like.
			t.Errorf("%s: no empty-report check for this format: add a case to TestEmptyReport", name)
		}
	}
	if out := format(t, "sarif", Options{}, r); !bytes.Contains(out, []byte(`"results": []`)) {
		t.Errorf("sarif without findings must still have an empty results array")
	}
}

func TestMarkdownTruncated(t *testing.T) {
	r := testReport(t)
	base := r.Findings[1]
	r.Findings = nil
	for i := range 3000 {
		f := base
		f.Message = strings.Repeat("x", 300) + strings.Repeat("é", 100)
		f.Range.Start.Line = i + 1
		r.Findings = append(r.Findings, f)
	}
	for range 500 {
		r.Notes = append(r.Notes, finding.Note{Kind: finding.NoteEngineError, Message: strings.Repeat("n", 300)})
	}
	out := format(t, "markdown", Options{}, r)
	if len(out) > maxMarkdownBytes {
		t.Errorf("markdown is %d bytes, over %d", len(out), maxMarkdownBytes)
	}
	if !bytes.Contains(out, []byte("The list was truncated")) {
		t.Error("no truncation notice")
	}
	if !bytes.Contains(out, []byte("_Scanned ")) {
		t.Error("stats line lost to truncation")
	}
}

// TestJSONDocCoversEveryField keeps docs/json-format.md in step with the
// json format's types: every field name must appear in a table row.
func TestJSONDocCoversEveryField(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "json-format.md"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] {
			return
		}
		seen[typ] = true
		for i := range typ.NumField() {
			fld := typ.Field(i)
			name, _, _ := strings.Cut(fld.Tag.Get("json"), ",")
			if name != "" && !bytes.Contains(doc, []byte("| `"+name+"` |")) {
				t.Errorf("docs/json-format.md does not document %s.%s (%q)", typ.Name(), fld.Name, name)
			}
			walk(fld.Type)
		}
	}
	walk(reflect.TypeOf(jsonReport{}))
}
