package scanner

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

var fuzzKinds = []string{"fuzz.tf", "fuzz.tf.json", "terraform.tfvars"}

// FuzzLoad feeds arbitrary bytes to the whole scan as a .tf, .tf.json or
// .tfvars file next to a known-bad good file. A bad file must become a
// finding or a note, never an error or a panic, and must not hide the
// other file's finding; every reported file is inside the root.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		unencrypted,
		`{"resource": {"aws_ebs_volume": {"x": {"encrypted": false}}}}`,
		"region = \"eu-west-1\"\n",
		"resource \"a\" \"b\" {\n  count = 100000000\n}\n",
		"variable \"n\" {\n  default = 9999999\n}\nresource \"a\" \"b\" {\n  count = var.n\n}\n",
		"resource \"a\" \"b\" {\n  for_each = toset([for i in range(1024) : \"${i}\"])\n  dynamic \"d\" {\n    for_each = range(1024)\n    content {}\n  }\n}\n",
		`{"resource": {"a": {"b": {"count": "${length(range(1024)) * 10000}"}}}}`,
		"module \"m\" { source = \"./\" }\n",
		"locals { x = [[[[[[[[[[]]]]]]]]]] }\n",
		"# tfreview:ignore:AWS-0026:exp:2020-01-01 why\n" + unencrypted,
		"resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"\xff\xfe\"\n}\n",
		"variable \"v\" {\n  default = file(\"../../../etc/passwd\")\n}\n",
		"\x00\x01\x02",
	} {
		for k := range fuzzKinds {
			f.Add([]byte(seed), uint8(k))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		dir := t.TempDir()
		name := fuzzKinds[int(kind)%len(fuzzKinds)]
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "good.tf"), []byte(unencrypted), 0o644); err != nil {
			t.Fatal(err)
		}
		// A hang is a failure too: crash the worker so the fuzzer keeps the
		// input.
		// (Before the worker's own 10 s, so that a plain go test run of the
		// seeds says which.) MaxEvalTime is well below both. Root modules
		// are evaluated in killable workers: an evaluation given up on
		// stops, and cannot slow the next input down.
		watchdog := time.AfterFunc(8*time.Second, func() { panic(fmt.Sprintf("scan of %s hangs on %q", name, data)) })
		// Seeds (a plain go test run) are known inputs that finish fast:
		// in-process, they skip starting two workers that each compile
		// the checks. Fuzzing uses the workers.
		var workers []string
		if fuzzing() {
			workers = testWorkerCommand(t)
		}
		rep, err := Scan(context.Background(), Options{Paths: []string{dir}, BaseDir: dir, WorkerCommand: workers,
			Limits: Limits{MaxInstances: 50, MaxEvalTime: 2 * time.Second, MaxEvalMemory: 512 << 20}})
		watchdog.Stop()
		if err != nil {
			t.Fatalf("scan returned an error instead of a finding: %v", err)
		}
		found := false
		for _, fd := range rep.Findings {
			if fd.Range.File == "" || strings.HasPrefix(fd.Range.File, "..") || filepath.IsAbs(fd.Range.File) {
				t.Fatalf("finding outside the root: %+v", fd.Range)
			}
			found = found || fd.RuleID == "AWS-0026" && fd.Range.File == "good.tf"
			// An expression too costly to evaluate in time makes the root
			// module, good.tf included, a TFR-EVAL finding: reported, not
			// lost.
			found = found || fd.RuleID == EvalRuleID
		}
		// The fuzzed file can legitimately redefine the same resource
		// (Terraform would reject the duplicate), which Trivy then sees
		// once; only insist when the names cannot collide (a JSON key can
		// spell the name with escapes).
		collide := strings.Contains(string(data), "aws_ebs_volume") || name == "fuzz.tf.json" && strings.Contains(string(data), `\u`)
		if !found && !collide {
			t.Fatalf("the fuzzed %s hid the finding in good.tf", name)
		}
	})
}

// FuzzIgnores parses arbitrary HCL comments for ignore directives.
func FuzzIgnores(f *testing.F) {
	for _, seed := range []string{
		"# tfreview:ignore:AWS-0026 reason\nresource \"a\" \"b\" {}\n",
		"x = 1 // trivy:ignore:AVD-AWS-0001:exp:2025-01-01\n",
		"/* tfsec:ignore:aws-s3-x tfreview:ignore:* */\n",
		"# tfreview:ignore:\n# tfreview:ignore:A[x=1]:exp:9999-99-99\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		sf := &sourceFile{Path: "f.tf", Src: []byte(src)}
		sf.Tokens, _ = hclsyntax.LexConfig(sf.Src, sf.Path, hcl.InitialPos)
		var diags hcl.Diagnostics
		sf.Syntax, diags = hclsyntax.ParseConfig(sf.Src, sf.Path, hcl.InitialPos)
		if diags.HasErrors() {
			return
		}
		for _, d := range findIgnores(sf) {
			if d.ID == "" || d.Kind == "" {
				t.Fatalf("empty directive: %+v", d)
			}
			if d.From > d.To || d.From < 0 {
				t.Fatalf("bad span %d-%d", d.From, d.To)
			}
			if d.Range.Start.Byte < 0 || d.Range.Start.Byte > len(src) {
				t.Fatalf("comment range outside the file: %+v", d.Range)
			}
			if strings.ContainsAny(d.Reason, "\n") {
				t.Fatalf("reason spans lines: %q", d.Reason)
			}
		}
	})
}

// fuzzing reports whether the test binary runs with -test.fuzz.
func fuzzing() bool {
	f := flag.Lookup("test.fuzz")
	return f != nil && f.Value.String() != ""
}
