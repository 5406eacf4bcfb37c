package scanner

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/testutil/tripwire"
)

func scanFixture(t *testing.T, name string, mutate func(*Options)) finding.Report {
	t.Helper()
	dir := filepath.Join("..", "testdata", name)
	opts := Options{Paths: []string{dir}, BaseDir: dir, Now: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)}
	if mutate != nil {
		mutate(&opts)
	}
	rep, err := Scan(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// find returns the findings with the rule ID at file:line.
func find(rep finding.Report, id, file string, line int) []finding.Finding {
	var out []finding.Finding
	for _, f := range rep.Findings {
		if f.RuleID == id && f.Range.File == file && f.Range.Start.Line == line {
			out = append(out, f)
		}
	}
	return out
}

func TestBrokenFileDoesNotHideOthers(t *testing.T) {
	rep := scanFixture(t, "broken", nil)
	parse := find(rep, ParseRuleID, "broken.tf", 1)
	if len(parse) != 1 {
		t.Fatalf("want one TFR-PARSE at broken.tf:1, got %+v", rep.Findings)
	}
	p := parse[0]
	if p.Severity != finding.SeverityHigh || !strings.Contains(p.Message, "Unclosed configuration block") {
		t.Errorf("parse finding: %+v", p)
	}
	// HCL points at the unclosed brace: line 1, byte column 33.
	if p.Range.Start.Column != 33 || p.Range.End.Column != 34 {
		t.Errorf("parse range: got %+v, want 1:33-1:34", p.Range)
	}
	if len(find(rep, ParseRuleID, "broken.auto.tfvars", 1)) == 0 {
		t.Errorf("invalid tfvars not reported: %+v", rep.Findings)
	}
	if len(find(rep, "AWS-0026", "good.tf", 4)) != 1 {
		t.Errorf("the good file next to the broken one was not scanned: %+v", rep.Findings)
	}
}

func TestParseErrorColumnsCountBytes(t *testing.T) {
	dir := t.TempDir()
	// "é" and "日本" are multibyte; the error is at the stray "}" after them.
	src := "locals {\n  x = \"é日本\" }\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Scan(context.Background(), Options{Paths: []string{dir}, BaseDir: dir, Engines: []string{EngineBuiltin}})
	if err != nil {
		t.Fatal(err)
	}
	ps := find(rep, ParseRuleID, "main.tf", 2)
	if len(ps) == 0 {
		t.Fatalf("no parse error at line 2: %+v", rep.Findings)
	}
	want := strings.Index("  x = \"é日本\" }", "}") + 1
	if ps[0].Range.Start.Column != want {
		t.Errorf("column: got %d, want byte column %d", ps[0].Range.Start.Column, want)
	}
}

func TestInsecureExample(t *testing.T) {
	rep := scanFixture(t, "insecure", nil)
	cases := []struct {
		id, file string
		line     int
		n        int
		resource string
	}{
		{"AWS-0026", "main.tf", 61, 2, `aws_ebs_volume.data["cache"]`},   // for_each: one per instance
		{"AWS-0131", "main.tf", 53, 2, `aws_instance.web[0]`},            // count from terraform.tfvars (2)
		{"AWS-0107", "main.tf", 33, 1, `aws_security_group.web`},         // dynamic block with locals
		{"AWS-0016", "cloudtrail.tf.json", 7, 1, `aws_cloudtrail.audit`}, // .tf.json
		{"AWS-0096", "messaging.tf", 1, 1, `aws_sqs_queue.jobs`},         // CRLF file
		{"AWS-0092", "modules/bucket/main.tf", 11, 2, ""},                // local module called twice
		{"AWS-0180", "database.tf", 9, 1, "aws_db_instance.main"},
	}
	for _, c := range cases {
		got := find(rep, c.id, c.file, c.line)
		if len(got) != c.n {
			t.Errorf("%s at %s:%d: got %d findings, want %d", c.id, c.file, c.line, len(got), c.n)
			continue
		}
		if c.resource != "" && got[0].Resource != c.resource {
			t.Errorf("%s: resource %q, want %q", c.id, got[0].Resource, c.resource)
		}
	}
	// Trivy's line-only range is refined to the offending expression.
	if pa := find(rep, "AWS-0180", "database.tf", 9); len(pa) == 1 {
		if r := pa[0].Range; r.Start.Column != 25 || r.End.Column != 29 {
			t.Errorf("AWS-0180 range not refined to `true`: %+v", r)
		}
	}
	acl := find(rep, "AWS-0092", "modules/bucket/main.tf", 11)
	if len(acl) == 2 {
		var calls []string
		for _, f := range acl {
			if len(f.CallSites) != 1 || f.CallSites[0].Range.File != "main.tf" {
				t.Errorf("call sites: %+v", f.CallSites)
				continue
			}
			calls = append(calls, f.CallSites[0].Module)
		}
		if strings.Join(calls, ",") != "module.assets_bucket,module.logs_bucket" {
			t.Errorf("call sites: %v", calls)
		}
		if acl[0].Fingerprint == acl[1].Fingerprint {
			t.Error("two module calls share a fingerprint")
		}
	}
	if rep.Stats.RootModules != 1 || rep.Stats.Files != 6 || rep.Stats.Resources < 10 {
		t.Errorf("stats: %+v", rep.Stats)
	}
}

func TestNotesSayWhatWasNotChecked(t *testing.T) {
	rep := scanFixture(t, "insecure", nil)
	var module, vars []string
	for _, n := range rep.Notes {
		switch n.Kind {
		case finding.NoteModuleNotLoaded:
			module = append(module, n.Range.File+":"+strconv.Itoa(n.Range.Start.Line)+" "+n.Message)
		case finding.NoteVariableUnset:
			vars = append(vars, n.Message)
		}
	}
	if len(module) != 1 || !strings.HasPrefix(module[0], "main.tf:75 module \"vpc\"") {
		t.Errorf("module notes: %v", module)
	}
	if len(vars) != 2 || !strings.Contains(strings.Join(vars, ""), `"db_password"`) {
		t.Errorf("variable notes: %v", vars)
	}
	rep = scanFixture(t, "insecure", func(o *Options) { o.Vars = map[string]string{"db_password": "x", "vpc_id": "vpc-1"} })
	for _, n := range rep.Notes {
		if n.Kind == finding.NoteVariableUnset {
			t.Errorf("--var did not count as a value: %v", n)
		}
	}
}

func TestIgnores(t *testing.T) {
	rep := scanFixture(t, "ignores", nil)
	one := func(id string, line int) finding.Finding {
		t.Helper()
		fs := find(rep, id, "main.tf", line)
		if len(fs) != 1 {
			t.Fatalf("want one %s at line %d, got %d", id, line, len(fs))
		}
		return fs[0]
	}
	if s := one("AWS-0026", 8).Suppressed; s == nil || s.Kind != "tfreview" || s.Reason != "scratch volume, holds no data" {
		t.Errorf("block-level ignore: %+v", s)
	}
	if one("AWS-0027", 5).Suppressed != nil {
		t.Error("ignore for AWS-0026 suppressed AWS-0027")
	}
	if s := one("AWS-0026", 14).Suppressed; s == nil {
		t.Error("end-of-line ignore not applied")
	}
	exp := one("AWS-0026", 21)
	if exp.Suppressed != nil || exp.ExpiredIgnore == nil || exp.ExpiredIgnore.Expires != "2020-01-01" {
		t.Errorf("expired ignore: suppressed=%+v expired=%+v", exp.Suppressed, exp.ExpiredIgnore)
	}
	if s := one("AWS-0026", 28).Suppressed; s == nil || s.Kind != "trivy" || s.Expires != "2999-12-31" {
		t.Errorf("trivy ignore with future expiry: %+v", s)
	}
	if s := one("AWS-0027", 32).Suppressed; s == nil || s.Kind != "tfsec" {
		t.Errorf("tfsec ignore by long ID: %+v", s)
	}
	unused := 0
	for _, f := range rep.Findings {
		if f.RuleID == IgnoreUnusedRuleID {
			unused++
			if f.Range.Start.Line != 38 {
				t.Errorf("unexpected unused-ignore finding at line %d (a directive in a string is not a comment)", f.Range.Start.Line)
			}
		}
	}
	if unused != 1 {
		t.Errorf("want 1 TFR-IGNORE-UNUSED, got %d", unused)
	}
	expiredNote := false
	for _, n := range rep.Notes {
		expiredNote = expiredNote || n.Kind == finding.NoteIgnoreExpired && n.Range.Start.Line == 20
	}
	if !expiredNote {
		t.Errorf("no note for the expired ignore: %+v", rep.Notes)
	}

	rep = scanFixture(t, "ignores", func(o *Options) { o.RequireIgnoreReason = true })
	var lines []int
	for _, f := range rep.Findings {
		if f.RuleID == IgnoreNoReasonRuleID {
			lines = append(lines, f.Range.Start.Line)
		}
	}
	if len(lines) != 2 || lines[0] != 14 || lines[1] != 31 {
		t.Errorf("ignores without reason: got lines %v, want [14 31]", lines)
	}
}

func TestSeverityAndEngineSelection(t *testing.T) {
	rep := scanFixture(t, "insecure", func(o *Options) { o.MinSeverity = finding.SeverityHigh })
	for _, f := range rep.Findings {
		if f.Severity < finding.SeverityHigh {
			t.Errorf("%s %s below --severity HIGH reported", f.RuleID, f.Severity)
		}
	}
	if rep.Stats.Filtered == 0 {
		t.Error("filtered findings not counted")
	}
	rep = scanFixture(t, "insecure", func(o *Options) { o.Engines = []string{EngineBuiltin} })
	for _, f := range rep.Findings {
		if f.Engine == finding.EngineTrivy {
			t.Fatalf("trivy finding with --engines builtin: %s", f.RuleID)
		}
	}
	if _, err := Scan(context.Background(), Options{Engines: []string{"nope"}}); err == nil {
		t.Error("unknown engine accepted")
	}
}

// TestNoNetwork scans a project with a remote module while every proxy
// variable points at a listener that fails the test if anything connects.
func TestNoNetwork(t *testing.T) {
	wire := tripwire.Listen(t)
	proxy := wire.URL
	for _, k := range []string{"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "GOPROXY"} {
		t.Setenv(k, proxy)
	}
	t.Setenv("NO_PROXY", "")
	rep := scanFixture(t, "insecure", nil)
	if len(rep.Findings) == 0 {
		t.Fatal("scan found nothing")
	}
	if n := wire.Connects(); n != 0 {
		t.Fatalf("the scan made %d network connection(s)", n)
	}
}

// TestChecksBundle: --checks-bundle replaces the embedded checks with a
// local directory's, for air-gapped updates.
func TestChecksBundle(t *testing.T) {
	bundle, _ := filepath.Abs(filepath.Join("..", "testdata", "bundles", "small"))
	rep := scanFixture(t, "broken", func(o *Options) { o.ChecksBundle = bundle; o.Engines = []string{EngineTrivy} })
	var ids []string
	for _, f := range rep.Findings {
		if f.Engine == finding.EngineTrivy {
			ids = append(ids, f.RuleID+"@"+f.Range.File+":"+strconv.Itoa(f.Range.Start.Line))
		}
	}
	if strings.Join(ids, ",") != "AWS-9901@good.tf:4" {
		t.Errorf("with the bundle: got %v, want only the bundle check AWS-9901 at good.tf:4", ids)
	}
	checks, err := TrivyChecks(bundle)
	if err != nil || len(checks) != 1 || checks[0].ID != "AWS-9901" {
		t.Errorf("bundle checks: %v %+v", err, checks)
	}
}

// TestTrivyFindingWithoutLocation: Trivy reports AZU-0068 on a network
// interface known only by its ID with no location at all; the finding is
// put at line 1 of the root module's first file, and says why, instead
// of on an empty file name at line 0 that no format can place.
func TestTrivyFindingWithoutLocation(t *testing.T) {
	dir := filepath.Join("testdata", "unlocated")
	rep, err := Scan(context.Background(), Options{Paths: []string{dir}, BaseDir: dir, Checks: []string{"AZU-0068"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 1 {
		t.Fatalf("%d findings, want 1 (AZU-0068): %v", len(rep.Findings), rep.Findings)
	}
	f := rep.Findings[0]
	if f.RuleID != "AZU-0068" || f.Range.File != "main.tf" || f.Range.Start.Line != 1 || f.Range.Start.Column != 1 {
		t.Errorf("finding %s at %s:%d:%d, want AZU-0068 at main.tf:1:1", f.RuleID, f.Range.File, f.Range.Start.Line, f.Range.Start.Column)
	}
	if !strings.HasSuffix(f.Message, unlocatedNote) {
		t.Errorf("message %q does not say why it is at line 1", f.Message)
	}
}
