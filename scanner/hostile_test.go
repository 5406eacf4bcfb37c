package scanner

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/tfreview/tfreview/finding"
)

func scanFiles(t *testing.T, files map[string]string) finding.Report {
	t.Helper()
	return scanFilesWith(t, files, Limits{})
}

func scanFilesWith(t *testing.T, files map[string]string, lim Limits) finding.Report {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := Scan(context.Background(), Options{Paths: []string{dir}, BaseDir: dir, Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func hasNote(rep finding.Report, kind finding.NoteKind, substr string) bool {
	for _, n := range rep.Notes {
		if n.Kind == kind && strings.Contains(n.Message, substr) {
			return true
		}
	}
	return false
}

const unencrypted = `resource "aws_ebs_volume" "v" {
  availability_zone = "eu-west-1a"
  encrypted         = false
}
`

func TestModuleCycles(t *testing.T) {
	t.Run("self", func(t *testing.T) {
		rep := scanFiles(t, map[string]string{"main.tf": "module \"self\" {\n  source = \"./\"\n}\n" + unencrypted})
		if len(find(rep, "AWS-0026", "main.tf", 6)) != 1 {
			t.Errorf("a module calling itself hid the findings of its directory: %+v", rep.Findings)
		}
		if !hasNote(rep, finding.NoteModuleNotLoaded, "cycle") {
			t.Errorf("no cycle note: %+v", rep.Notes)
		}
	})
	t.Run("mutual", func(t *testing.T) {
		rep := scanFiles(t, map[string]string{
			"main.tf":   "module \"a\" {\n  source = \"./a\"\n}\n",
			"a/main.tf": "module \"b\" {\n  source = \"../b\"\n}\n" + unencrypted,
			"b/main.tf": "module \"a\" {\n  source = \"../a\"\n}\n",
		})
		if len(find(rep, "AWS-0026", "a/main.tf", 6)) == 0 {
			t.Errorf("findings in a module cycle lost: %+v", rep.Findings)
		}
		if !hasNote(rep, finding.NoteModuleNotLoaded, "a → b → a") {
			t.Errorf("no cycle note naming the cycle: %+v", rep.Notes)
		}
	})
}

func TestDeepNestingIsRejectedNotFatal(t *testing.T) {
	n := 200000
	rep := scanFiles(t, map[string]string{
		"deep.tf":      "locals {\n  x = " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n}\n",
		"deep.tf.json": `{"locals": {"x": ` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}}`,
		"main.tf":      unencrypted,
	})
	for _, file := range []string{"deep.tf", "deep.tf.json"} {
		ps := find(rep, ParseRuleID, file, 1)
		if len(ps) != 1 || !strings.Contains(ps[0].Message, "nest") {
			t.Errorf("%s: want a TFR-PARSE about nesting, got %+v", file, ps)
		}
	}
	if len(find(rep, "AWS-0026", "main.tf", 3)) != 1 {
		t.Error("the good file next to the deep one was not scanned")
	}
}

func TestHugeCountIsClamped(t *testing.T) {
	rep := scanFilesWith(t, map[string]string{"main.tf": `resource "aws_ebs_volume" "v" {
  count             = 10000000
  availability_zone = "eu-west-1a"
  encrypted         = false
}
`}, Limits{MaxInstances: 150})
	if got := len(find(rep, "AWS-0026", "main.tf", 4)); got != 150 {
		t.Errorf("want 150 instances evaluated, got %d", got)
	}
	if !hasNote(rep, finding.NoteLimit, "count = 10000000") {
		t.Errorf("no limit note: %+v", rep.Notes)
	}
}

func TestBinaryAndInvalidUTF8(t *testing.T) {
	rep := scanFiles(t, map[string]string{
		"binary.tf": "\x00\x01\x02\xff\xfe resource \x00",
		"latin1.tf": "resource \"aws_ebs_volume\" \"caf\xe9\" {\n  encrypted = false\n}\n",
		"main.tf":   unencrypted,
	})
	if len(find(rep, ParseRuleID, "binary.tf", 1)) == 0 {
		t.Errorf("binary file not reported: %+v", rep.Findings)
	}
	if len(find(rep, ParseRuleID, "latin1.tf", 1)) == 0 {
		t.Errorf("invalid UTF-8 not reported: %+v", rep.Findings)
	}
	if len(find(rep, "AWS-0026", "main.tf", 3)) != 1 {
		t.Error("good file not scanned")
	}
}

func TestModuleSourceOutsideRoot(t *testing.T) {
	rep := scanFiles(t, map[string]string{"main.tf": "module \"etc\" {\n  source = \"../../../../../../etc\"\n}\n" + unencrypted})
	if !hasNote(rep, finding.NoteModuleNotLoaded, `"etc"`) {
		t.Errorf("module escaping the root not reported: %+v", rep.Notes)
	}
	if len(find(rep, "AWS-0026", "main.tf", 6)) != 1 {
		t.Error("root module not scanned")
	}
}

// TestSkippedFilesAreHiddenFromTrivy: a file tfreview does not read (over
// the size limit, or matched by skip_files) must not be read by Trivy's
// evaluator either, or its findings and its cost come back through it.
func TestSkippedFilesAreHiddenFromTrivy(t *testing.T) {
	big := unencrypted + "# " + strings.Repeat("x", 300) + "\n"
	rep := scanFilesWith(t, map[string]string{"big.tf": big}, Limits{MaxFileSize: 200})
	if len(find(rep, ParseRuleID, "big.tf", 1)) != 1 {
		t.Errorf("oversized file not reported: %+v", rep.Findings)
	}
	for _, f := range rep.Findings {
		if f.RuleID == "AWS-0026" {
			t.Errorf("Trivy read the oversized file: %+v", f)
		}
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "skip_me.tf"), []byte(unencrypted), 0o644)
	rep, err := Scan(context.Background(), Options{Paths: []string{dir}, BaseDir: dir, SkipFiles: []string{"skip_*.tf"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 0 {
		t.Errorf("a skipped file was scanned: %+v", rep.Findings)
	}
}

func TestParseErrorsPerFileAreCapped(t *testing.T) {
	rep := scanFiles(t, map[string]string{"bad.tf": strings.Repeat("x = \"\xff\"\n", 50) + strings.Repeat("\x80\x81 \x01", 500), "main.tf": unencrypted})
	if n := len(find(rep, ParseRuleID, "bad.tf", 1)) + countParse(rep, "bad.tf"); n > 2*maxParseErrorsPerFile {
		t.Errorf("%d parse findings for one file", n)
	}
	if !hasNote(rep, finding.NoteFileSkipped, "more syntax errors") {
		t.Errorf("no note for the errors not listed: %+v", rep.Notes)
	}
}

func countParse(rep finding.Report, file string) int {
	n := 0
	for _, f := range rep.Findings {
		if f.RuleID == ParseRuleID && f.Range.File == file {
			n++
		}
	}
	return n
}

// A count or for_each that is not a literal is only known after evaluation;
// it is still bounded, each kind of collection keeps its first elements, and
// ranges stay those of the file as written.
func TestComputedInstancesAreClamped(t *testing.T) {
	rep := scanFilesWith(t, map[string]string{"main.tf": `variable "n" {
  default = 9999999
}
locals {
  names = [for i in range(1000) : "v${i}"]
  byname = { for n in local.names : n => n }
}
resource "aws_ebs_volume" "counted" {
  count = var.n
  availability_zone = "eu-west-1a"
  encrypted         = false
}
resource "aws_ebs_volume" "listed" {
  for_each = toset(local.names)
  availability_zone = "eu-west-1a"
  encrypted         = false
}
resource "aws_ebs_volume" "mapped" {
  for_each = local.byname
  availability_zone = each.value
  encrypted         = false
}
resource "aws_security_group" "g" {
  description = "x"
  dynamic "ingress" {
    for_each = local.names
    content {
      description = ingress.value
      from_port   = 22
      to_port     = 22
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}
`, "small.tf": `resource "aws_ebs_volume" "small" {
  for_each = { a = "eu-west-1a", b = "eu-west-1b" }
  availability_zone = each.value
  encrypted = false
}
resource "aws_ebs_volume" "few" {
  count = length(["a", "b", "c"])
  availability_zone = "eu-west-1a"
  encrypted         = false
}
`}, Limits{MaxInstances: 40})
	for _, c := range []struct {
		file string
		line int
		want int
	}{{"main.tf", 11, 40}, {"main.tf", 16, 40}, {"main.tf", 21, 40}, {"small.tf", 4, 2}, {"small.tf", 9, 3}} {
		if got := len(find(rep, "AWS-0026", c.file, c.line)); got != c.want {
			t.Errorf("%s:%d: want %d instances, got %d", c.file, c.line, c.want, got)
		}
	}
	// Only the first 40 ingress rules of the dynamic block exist.
	if got := len(find(rep, "AWS-0107", "main.tf", 32)); got != 1 {
		t.Errorf("dynamic ingress: want one finding on the cidr line, got %d: %+v", got, find(rep, "AWS-0107", "main.tf", 32))
	}
	var limits []string
	for _, n := range rep.Notes {
		if n.Kind == finding.NoteLimit {
			limits = append(limits, fmt.Sprintf("%s:%d %s", n.Range.File, n.Range.Start.Line, n.Message))
		}
	}
	want := []string{"main.tf:8 count", "main.tf:13 for_each", "main.tf:18 for_each", "main.tf:27 dynamic for_each"}
	if len(limits) != len(want) {
		t.Fatalf("limit notes: want %d, got %q", len(want), limits)
	}
	for i, w := range want {
		if !strings.HasPrefix(limits[i], w+" reached the instance limit") {
			t.Errorf("note %d: want %q…, got %q", i, w, limits[i])
		}
	}
	// The built-in checks see the expressions as written, at their own
	// columns, although Trivy evaluated an edited copy.
	for _, f := range rep.Findings {
		if f.Range.File == "main.tf" && f.Range.Start.Line == 11 && f.RuleID == "AWS-0026" && f.Range.Start.Column != 23 {
			t.Errorf("encrypted column: want 23, got %+v", f.Range)
		}
	}
}

// An expression can build a huge value in one line; evaluation is bounded
// in time, and the root module that did not finish fails the run instead
// of passing with no findings. Other root modules are still scanned.
func TestEvaluationTimeLimit(t *testing.T) {
	// The bomb's evaluation, given up on, goes on until its process ends
	// (nothing stops an evaluation in this process): in a process of its
	// own, it ends with the test instead of taking a CPU from the tests
	// after it for most of a minute.
	if !inOwnProcess(t) {
		return
	}
	dir := t.TempDir()
	for name, src := range map[string]string{
		"bomb/main.tf": `locals {
  ids = toset(flatten([for a in range(20) : [for b in range(1000) : "${a}-${b}"]]))
}
resource "aws_ebs_volume" "many" {
  for_each  = local.ids
  encrypted = false
}
`,
		"good/main.tf": unencrypted,
	} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := Scan(context.Background(), Options{Paths: []string{dir}, BaseDir: dir, Limits: Limits{MaxEvalTime: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	evals := find(rep, EvalRuleID, "bomb/main.tf", 1)
	if len(evals) != 1 || evals[0].Severity != finding.SeverityHigh || !strings.Contains(evals[0].Message, "bomb") {
		t.Errorf("want one TFR-EVAL on bomb/main.tf:1, got %+v", evals)
	}
	if len(find(rep, "AWS-0026", "good/main.tf", 3)) != 1 {
		t.Errorf("the other root module was not scanned: %+v", rep.Findings)
	}
}

// stackBombs are constructs the HCL parser, the evaluator or an AST walk
// recurse on once per repetition, each at a size that overflowed the Go
// stack (a fatal error: the process died and every finding was lost).
func stackBombs() map[string]string {
	r := strings.Repeat
	const n = 1000000
	return map[string]string{
		"bang.tf":          "locals {\n  x = " + r("!", 3*n) + "true\n}\n",
		"minus.tf":         "locals {\n  x = " + r("-", 3*n) + "1\n}\n",
		"conditional.tf":   "locals {\n  x = " + r("a ? b : ", n) + "c\n}\n",
		"plus.tf":          "locals {\n  x = 1" + r("+1", n) + "\n}\n",
		"count.tf":         "resource \"a\" \"b\" {\n  count = 1" + r("+1", n) + "\n}\n",
		"for.tf":           "locals {\n  x = " + r("[for a in b : ", n/5) + "1" + r("]", n/5) + "\n}\n",
		"call.tf":          "locals {\n  x = " + r("f(", n/3) + "1" + r(")", n/3) + "\n}\n",
		"index.tf":         "locals {\n  x = a" + r("[b]", n) + "\n}\n",
		"splat.tf":         "locals {\n  x = a" + r("[*].b", n) + "\n}\n",
		"heredoc.tf":       "locals {\n  x = <<EOT\n" + r("${", n/3) + "1" + r("}", n/3) + "\nEOT\n}\n",
		"if.tf":            "locals {\n  x = \"" + r("%{if true}", n/3) + "x" + r("%{endif}", n/3) + "\"\n}\n",
		"paren.tf.json":    `{"locals": {"x": "${` + r("(", n/2) + "1" + r(")", n/2) + `}"}}`,
		"escaped.tf.json":  `{"locals": {"x": "\u0024{` + r("(", n/2) + "1" + r(")", n/2) + `}"}}`,
		"cond.tf.json":     `{"locals": {"x": "${` + r("a ? b : ", n) + `c}"}}`,
		"bang.tf.json":     `{"locals": {"x": "${` + r("!", 3*n) + `true}"}}`,
		"count.tf.json":    `{"resource": {"a": {"b": {"count": "${` + r("(", n/2) + "1" + r(")", n/2) + `}"}}}}`,
		"terraform.tfvars": "x = " + r("!", 3*n) + "true\n",
	}
}

// issueStackBombs are the two reproductions of the security issue; the
// other bombs are variants, each a few seconds to lex at full size.
var issueStackBombs = []string{"bang.tf", "paren.tf.json"}

// TestHostileStackBombs: every stack bomb is a TFR-PARSE about nesting, and
// the insecure file beside them is still reported. `go test ./...` runs
// the issue's two reproductions; .ci/run runs all seventeen at full size
// (TFREVIEW_SLOW_TESTS=1), which takes minutes on two cores.
func TestHostileStackBombs(t *testing.T) {
	bombs := stackBombs()
	if os.Getenv("TFREVIEW_SLOW_TESTS") == "" {
		all := bombs
		bombs = map[string]string{}
		for _, name := range issueStackBombs {
			bombs[name] = all[name]
		}
	}
	files := maps.Clone(bombs)
	files["main.tf"] = unencrypted
	files["vars.tf"] = "variable \"x\" {}\n"
	rep := scanFilesWith(t, files, Limits{MaxFileSize: 20 << 20})
	for name := range bombs {
		ps := find(rep, ParseRuleID, name, 1)
		if len(ps) != 1 || !strings.Contains(ps[0].Message, "nest") {
			t.Errorf("%s: want a TFR-PARSE about nesting, got %+v", name, ps)
		}
	}
	if len(find(rep, "AWS-0026", "main.tf", 3)) != 1 {
		t.Errorf("the insecure file beside the bombs was not reported: %+v", rep.Findings)
	}
}

// TestHostileNestingDepthCountsChains: each recursive construct counts one
// level per repetition (so 300 of them are over the default limit of 256),
// and ordinary code stays shallow.
func TestHostileNestingDepthCountsChains(t *testing.T) {
	r := strings.Repeat
	const n = 300
	deep := map[string]string{
		"unary not":          "x = " + r("!", n) + "true\n",
		"unary minus":        "x = " + r("-", n) + "1\n",
		"conditional chain":  "x = " + r("a ? b : ", n) + "c\n",
		"binary chain":       "x = 1" + r(" + 1", n) + "\n",
		"logical chain":      "x = a" + r(" && a", n) + "\n",
		"nested for":         "x = " + r("[for a in b : ", n) + "1" + r("]", n) + "\n",
		"function calls":     "x = " + r("f(", n) + "1" + r(")", n) + "\n",
		"index chain":        "x = a" + r("[b]", n) + "\n",
		"splat chain":        "x = a" + r("[*].b", n) + "\n",
		"attribute splats":   "x = a" + r(".*.b", n) + "\n",
		"heredoc template":   "x = <<EOT\n" + r("${", n) + "1" + r("}", n) + "\nEOT\n",
		"if directives":      "x = \"" + r("%{if true}", n) + "x" + r("%{endif}", n) + "\"\n",
		"for directives":     "x = \"" + r("%{for a in b}", n) + "x" + r("%{endfor}", n) + "\"\n",
		"multiline chain":    "x = (a\n" + r("  + a\n", n) + ")\n",
		"chain in an object": "x = {\n  a = 1" + r(" + 1", n) + "\n}\n",
	}
	for name, src := range deep {
		tokens, _ := hclsyntax.LexConfig([]byte(src), "x.tf", hcl.InitialPos)
		if d := nestingDepth(tokens); d < n {
			t.Errorf("%s: depth %d, want at least %d", name, d, n)
		}
	}
	jsonDeep := map[string]string{
		"template in a string":      `{"x": "${` + r("(", n) + "1" + r(")", n) + `}"}`,
		"escaped template":          `{"x": "\u0024{` + r("(", n) + "1" + r(")", n) + `}"}`,
		"unary in a string":         `{"x": "${` + r("!", n) + `true}"}`,
		"template in an object key": `{"x": {"${` + r("(", n) + "1" + r(")", n) + `}": 1}}`,
	}
	for name, src := range jsonDeep {
		if d := jsonDepth([]byte(src)); d < n {
			t.Errorf("JSON %s: depth %d, want at least %d", name, d, n)
		}
	}
	shallow := map[string]string{
		"long list":         "x = [" + r("-1, a ? b : c, 1 + 2, a[0], ", n) + "]\n",
		"many attributes":   r("x = a + b - c\n", n),
		"long object":       "x = {\n" + r("  a = b ? 1 + 2 : -3\n", n) + "}\n",
		"template sequence": "x = \"" + r("${a}%{if b}c%{endif}", n) + "\"\n",
	}
	for name, src := range shallow {
		tokens, _ := hclsyntax.LexConfig([]byte(src), "x.tf", hcl.InitialPos)
		if d := nestingDepth(tokens); d > 10 {
			t.Errorf("%s: depth %d, want it shallow", name, d)
		}
	}
}

// TestHostileTooManyTokens: a file of one-byte tokens ("1,1,1,…") under the
// size limit would still take gigabytes to lex and parse; over one token
// per three bytes of the size limit it is TFR-PARSE, and the insecure file
// beside it is reported.
func TestHostileTooManyTokens(t *testing.T) {
	list := strings.Repeat("1,", 1000)
	rep := scanFilesWith(t, map[string]string{
		"list.tf":      "locals {\n  x = [" + list + "]\n}\n",
		"list.tf.json": `{"locals": {"x": [` + list + `1]}}`,
		"main.tf":      unencrypted,
	}, Limits{MaxFileSize: 3000})
	for _, name := range []string{"list.tf", "list.tf.json"} {
		ps := find(rep, ParseRuleID, name, 1)
		if len(ps) != 1 || !strings.Contains(ps[0].Message, "tokens") {
			t.Errorf("%s: want a TFR-PARSE about tokens, got %+v", name, ps)
		}
	}
	if len(find(rep, "AWS-0026", "main.tf", 3)) != 1 {
		t.Errorf("the insecure file beside it was not reported: %+v", rep.Findings)
	}
}

// TestVarsAreDataNotEnvironment: --var reaches the evaluator (over
// terraform.tfvars, as in Terraform), in process and in workers, and the
// process environment is not written.
func TestVarsAreDataNotEnvironment(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{
		"main.tf": "variable \"tfrvartest_enc\" {}\n" + strings.Replace(unencrypted, "encrypted         = false", "encrypted         = var.tfrvartest_enc", 1),
		// Terraform applies -var after the tfvars files.
		"terraform.tfvars": "tfrvartest_enc = true\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, workers := range []bool{false, true} {
		opts := Options{Paths: []string{dir}, BaseDir: dir, Engines: []string{EngineTrivy}, Vars: map[string]string{"tfrvartest_enc": "false"}}
		if workers {
			opts.WorkerCommand = testWorkerCommand(t)
		}
		rep, err := Scan(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(find(rep, "AWS-0026", "main.tf", 4)) != 1 {
			t.Errorf("workers=%v: --var did not reach the evaluator over terraform.tfvars: %+v", workers, rep.Findings)
		}
	}
	if v, ok := os.LookupEnv("TF_VAR_tfrvartest_enc"); ok {
		t.Errorf("the scan wrote TF_VAR_tfrvartest_enc=%q into the environment", v)
	}
}

// TestHelmChartTimeLimit: a helm_release's chart whose template loops
// 10^10 times is rendered within its root module's evaluation, so
// --max-eval-time stops it: that root module is TFR-EVAL and the other's
// findings are reported, in this process and in a worker (which is
// killed, so the render does not go on).
func TestHelmChartTimeLimit(t *testing.T) {
	// In this process the render given up on goes on until the process
	// ends (see TestEvaluationTimeLimit).
	if !inOwnProcess(t) {
		return
	}
	for _, workers := range []bool{false, true} {
		dir := t.TempDir()
		for name, src := range map[string]string{
			"bomb/main.tf": `resource "helm_release" "slow" {
  name  = "slow"
  chart = "./chart"
}
`,
			"bomb/chart/Chart.yaml":         "apiVersion: v2\nname: slow\nversion: 0.1.0\n",
			"bomb/chart/templates/pod.yaml": "{{- range until 100000 }}{{- range until 100000 }}{{- end }}{{- end }}\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx\n",
			"good/main.tf":                  unencrypted,
		} {
			if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		opts := Options{Paths: []string{dir}, BaseDir: dir, Limits: Limits{MaxEvalTime: 2 * time.Second}}
		if workers {
			opts.WorkerCommand = testWorkerCommand(t)
		}
		start := time.Now()
		rep, err := Scan(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took > time.Minute {
			t.Errorf("workers=%v: the scan took %s", workers, took)
		}
		if evals := find(rep, EvalRuleID, "bomb/main.tf", 1); len(evals) != 1 {
			t.Errorf("workers=%v: want one TFR-EVAL on bomb/main.tf:1, got %+v", workers, rep.Findings)
		}
		if len(find(rep, "AWS-0026", "good/main.tf", 3)) != 1 {
			t.Errorf("workers=%v: the other root module was not scanned: %+v", workers, rep.Findings)
		}
	}
}
