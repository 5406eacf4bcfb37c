package scanner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
