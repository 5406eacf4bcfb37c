package rules_test

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/fixes"
	"github.com/tfreview/tfreview/rules"
	"github.com/tfreview/tfreview/scanner"
)

var update = flag.Bool("update", false, "rewrite the .golden files of fixable rules")

func TestRegistryIsValid(t *testing.T) {
	if err := rules.Validate(rules.All()); err != nil {
		t.Fatal(err)
	}
	if n := len(rules.All()); n < 25 {
		t.Errorf("%d built-in checks, want at least 25", n)
	}
}

// A `want` comment in a fixture names the findings that must start on its
// line, in the style of go/analysis's `// want`, with the exact range as
// TFLint asserts it:
//
//	privileged = true # want "TFR-K8S-001: container "app" .* runs privileged" @23:26-23:30
//
// Each expectation is "<rule ID>: <regexp>" followed by @<start line>:<col>-<end line>:<col>.
// The regexp (RE2, unanchored) must match the finding's message; it ends at
// the `" @` before the range, so it may contain quotes. Columns count UTF-8
// bytes from 1 and the end is exclusive, as in finding.Range. The start line
// must be the comment's own line. One comment may hold several expectations.
var (
	wantComment = regexp.MustCompile(`(?:#|//)\s*want\s(.*)$`)
	expectation = regexp.MustCompile(`^\s*"(TFR-[A-Z0-9]+-[0-9]{3}): (.*?)" @(\d+):(\d+)-(\d+):(\d+)`)
)

// want is one expectation read from a fixture.
type want struct {
	at      string // file:line of the comment
	id      string
	message *regexp.Regexp
	rng     string // file:L:C-L:C
}

// rangeString is how ranges are compared and printed.
func rangeString(r finding.Range) string {
	return fmt.Sprintf("%s:%d:%d-%d:%d", r.File, r.Start.Line, r.Start.Column, r.End.Line, r.End.Column)
}

// parseWants reads the expectations of one fixture file; a malformed want
// comment is an error, so a typo cannot silently expect nothing.
func parseWants(file string, data []byte) ([]want, error) {
	var out []want
	for i, line := range strings.Split(string(data), "\n") {
		m := wantComment.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		at := fmt.Sprintf("%s:%d", file, i+1)
		rest := m[1]
		for strings.TrimSpace(rest) != "" {
			e := expectation.FindStringSubmatch(rest)
			if e == nil {
				return nil, fmt.Errorf(`%s: malformed want %q, expected "<ID>: <regexp>" @L:C-L:C`, at, rest)
			}
			rest = rest[len(e[0]):]
			re, err := regexp.Compile(e[2])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", at, err)
			}
			if e[3] != strconv.Itoa(i+1) {
				return nil, fmt.Errorf("%s: want range starts on line %s, not the comment's line", at, e[3])
			}
			out = append(out, want{at: at, id: e[1], message: re,
				rng: fmt.Sprintf("%s:%s:%s-%s:%s", file, e[3], e[4], e[5], e[6])})
		}
	}
	return out, nil
}

// sourceFile reports whether a fixture file is Terraform the scanner reads.
func sourceFile(name string) bool {
	return strings.HasSuffix(name, ".tf") || strings.HasSuffix(name, ".tfvars") || strings.HasSuffix(name, ".tf.json")
}

// wants returns the expectations of every fixture file below dir.
func wants(t *testing.T, dir string) []want {
	t.Helper()
	var out []want
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !sourceFile(p) {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		ws, err := parseWants(filepath.ToSlash(rel), data)
		out = append(out, ws...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// matchWants pairs findings with expectations: same rule, same range,
// message matched by the regexp. It returns one line per unexpected finding
// (printed as a want that would accept it) and per missing expectation.
func matchWants(ws []want, fs []finding.Finding) []string {
	used := make([]bool, len(ws))
	var problems []string
	for _, f := range fs {
		matched := false
		for i, w := range ws {
			if !used[i] && w.id == f.RuleID && w.rng == rangeString(f.Range) && w.message.MatchString(f.Message) {
				used[i], matched = true, true
				break
			}
		}
		if !matched {
			problems = append(problems, fmt.Sprintf("unexpected: %s %s: %s", rangeString(f.Range), f.RuleID, f.Message))
		}
	}
	for i, w := range ws {
		if !used[i] {
			problems = append(problems, fmt.Sprintf("missing: %s %s: /%s/ @%s", w.at, w.id, w.message, w.rng))
		}
	}
	sort.Strings(problems)
	return problems
}

// fixture copies the rule's testdata into a temporary directory: for the
// bad case everything but good.tf, for the good case good.tf alone. Checks
// that look at a whole root module (TFR-TF-004) need them apart.
func fixture(t *testing.T, src string, good bool) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.HasSuffix(rel, ".golden") || (good != (rel == "good.tf")) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// testConfig turns on every configurable check for the fixtures.
var testConfig = rules.Config{RequiredTags: []string{"owner", "cost-center"}, AllowedRegions: []string{"eu-west-1", "eu-central-1"}, RequireImageDigest: true}

func scanRule(t *testing.T, dir, id string) finding.Report {
	t.Helper()
	rep, err := scanner.Scan(context.Background(), scanner.Options{
		Paths: []string{dir}, BaseDir: dir, Engines: []string{scanner.EngineBuiltin},
		Checks: []string{id}, RulesConfig: testConfig,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Engine == finding.EngineCore {
			t.Errorf("%s:%d: %s %s", f.Range.File, f.Range.Start.Line, f.RuleID, f.Message)
		}
	}
	return rep
}

// TestRules runs every registered rule over testdata/rules/<ID>: bad.tf
// (with any other fixture files) must produce exactly the findings its
// `# want "<ID>: <regexp>" @L:C-L:C` comments describe (see wantComment):
// rule, message and exact range. Unexpected and missing findings both fail.
// good.tf must produce none. Fixable rules also apply their fixes and
// compare the result with <file>.golden.
func TestRules(t *testing.T) {
	for _, r := range rules.All() {
		t.Run(r.ID, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join("..", "testdata", "rules", r.ID)
			for _, name := range []string{"bad.tf", "good.tf"} {
				if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
					t.Fatalf("every rule needs testdata: %v", err)
				}
			}
			bad := fixture(t, dir, false)
			rep := scanRule(t, bad, r.ID)
			want := wants(t, bad)
			var got []finding.Finding
			for _, f := range rep.Findings {
				if f.Engine == finding.EngineCore {
					continue
				}
				got = append(got, f)
				checkFinding(t, r, f)
			}
			for _, p := range matchWants(want, got) {
				t.Error(p)
			}
			if len(want) == 0 {
				t.Error("bad.tf has no `# want` markers")
			}

			good := fixture(t, dir, true)
			for _, f := range scanRule(t, good, r.ID).Findings {
				t.Errorf("good.tf:%d: unexpected %s: %s", f.Range.Start.Line, f.RuleID, f.Message)
			}

			checkFixes(t, r, dir, bad, rep)
		})
	}
}

// checkFinding asserts what every built-in finding must carry.
func checkFinding(t *testing.T, r *rules.Rule, f finding.Finding) {
	t.Helper()
	at := fmt.Sprintf("%s:%d", f.Range.File, f.Range.Start.Line)
	if f.Range.Start.Column == 0 {
		t.Errorf("%s: built-in finding without a column", at)
	}
	if f.Fingerprint == "" || f.Message == "" {
		t.Errorf("%s: finding lacks fingerprint or message: %+v", at, f)
	}
	// Only file-level findings (tfvars, a root module with no terraform
	// block) have no resource address.
	if f.Resource == "" && !strings.HasSuffix(f.Range.File, ".tfvars") && f.RuleID != "TFR-TF-004" {
		t.Errorf("%s: finding has no resource address", at)
	}
	if f.Fix != nil && !r.Fixable {
		t.Errorf("%s: rule is not marked Fixable but attached a fix", at)
	}
	if f.Fix == nil && r.Fixable && f.NoFixReason == "" {
		t.Errorf("%s: fixable rule offered no fix and no NoFixReason", at)
	}
	if f.Fix != nil {
		for _, e := range f.Fix.Edits {
			if e.Range.File != f.Range.File {
				t.Errorf("%s: fix edits another file, %s", at, e.Range.File)
			}
		}
	}
}

// checkFixes applies the rule's fixes to the bad fixture until none is
// left (fixes of one block can overlap and need a rescan), then compares
// every changed file with its .golden and checks the fixed findings are
// gone.
func checkFixes(t *testing.T, r *rules.Rule, dir, work string, rep finding.Report) {
	t.Helper()
	changed := map[string]bool{}
	for pass := 0; ; pass++ {
		var fs []*finding.Fix
		for _, f := range rep.Findings {
			if f.Fix != nil {
				fs = append(fs, f.Fix)
			}
		}
		if len(fs) == 0 {
			break
		}
		if pass == 10 {
			t.Fatalf("fixes still offered after %d passes: the fixes do not converge", pass)
		}
		src := map[string][]byte{}
		for _, fix := range fs {
			for _, e := range fix.Edits {
				data, err := os.ReadFile(filepath.Join(work, e.Range.File))
				if err != nil {
					t.Fatal(err)
				}
				src[e.Range.File] = data
			}
		}
		res, err := fixes.ApplyFixes(src, fs)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Applied) == 0 {
			t.Fatal("no fix could be applied")
		}
		for file, data := range res.Files {
			changed[file] = true
			if err := os.WriteFile(filepath.Join(work, file), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		rep = scanRule(t, work, r.ID)
	}
	var goldens []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".golden") {
			rel, _ := filepath.Rel(dir, strings.TrimSuffix(p, ".golden"))
			goldens = append(goldens, filepath.ToSlash(rel))
		}
		return nil
	})
	if r.Fixable && len(changed) == 0 {
		t.Error("rule is Fixable but no fix was applied to the bad fixture")
	}
	for file := range changed {
		got, _ := os.ReadFile(filepath.Join(work, file))
		golden := filepath.Join(dir, file+".golden")
		if *update {
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Errorf("%s was fixed but has no golden file (run go test ./rules -run TestRules -update): %v", file, err)
			continue
		}
		if string(got) != string(want) {
			t.Errorf("%s after fixes differs from %s.golden:\n--- got\n%s\n--- want\n%s", file, file, got, want)
		}
	}
	for _, g := range goldens {
		if !changed[g] && !*update {
			t.Errorf("%s.golden exists but no fix changed %s", g, g)
		}
	}
}

func TestRegistryIsInIDOrder(t *testing.T) {
	all := rules.All()
	for i := 1; i < len(all); i++ {
		if all[i-1].ID >= all[i].ID {
			t.Errorf("All() is not in ID order: %s before %s", all[i-1].ID, all[i].ID)
		}
	}
}

// TestWantsRejectWrongMessageOrRange: the fixture matcher fails on a wrong
// message, a wrong column, a wrong end line, a missing finding and a
// malformed or old-style (`# want "<ID>"`) comment.
func TestWantsRejectWrongMessageOrRange(t *testing.T) {
	f := finding.Finding{RuleID: "TFR-K8S-001", Message: `container "app" of kubernetes_pod.x runs privileged`,
		Range: finding.Range{File: "bad.tf", Start: finding.Position{Line: 2, Column: 16}, End: finding.Position{Line: 2, Column: 20}}}
	src := func(marker string) []byte {
		return []byte("resource \"kubernetes_pod\" \"x\" {\n  privileged = true " + marker + "\n}\n")
	}
	cases := []struct {
		name, marker string
		ok           bool
	}{
		{"exact", `# want "TFR-K8S-001: container "app" .* runs privileged" @2:16-2:20`, true},
		{"wrong message", `# want "TFR-K8S-001: container "web"" @2:16-2:20`, false},
		{"wrong start column", `# want "TFR-K8S-001: privileged" @2:15-2:20`, false},
		{"wrong end", `# want "TFR-K8S-001: privileged" @2:16-3:1`, false},
		{"wrong rule", `# want "TFR-K8S-002: privileged" @2:16-2:20`, false},
		{"no want", ``, false},
		{"two wants, one finding", `# want "TFR-K8S-001: privileged" @2:16-2:20 "TFR-K8S-001: privileged" @2:16-2:20`, false},
	}
	for _, c := range cases {
		ws, err := parseWants("bad.tf", src(c.marker))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if problems := matchWants(ws, []finding.Finding{f}); (len(problems) == 0) != c.ok {
			t.Errorf("%s: problems %q, want ok=%v", c.name, problems, c.ok)
		}
	}
	for _, bad := range []string{
		`# want "TFR-K8S-001"`,                             // the old form: no message, no range
		`# want "TFR-K8S-001: privileged"`,                 // no range
		`# want "TFR-K8S-001: privileged" @3:16-3:20`,      // range not on the comment's line
		`# want "TFR-K8S-001: privileged(" @2:16-2:20`,     // bad regexp
		`# want "TFR-K8S-001: privileged" @2:16-2:20 junk`, // trailing text
	} {
		if _, err := parseWants("bad.tf", src(bad)); err == nil {
			t.Errorf("%s: parsed without error", bad)
		}
	}
}
