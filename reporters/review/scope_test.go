package review

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reviewdog/reviewdog/diff"
	"github.com/reviewdog/reviewdog/filter"

	"github.com/tfreview/tfreview/finding"
)

// prDiff changes line 5 of a.tf (context 3..7) and adds b.tf (lines 1-3).
const prDiff = `diff --git a/infra/a.tf b/infra/a.tf
--- a/infra/a.tf
+++ b/infra/a.tf
@@ -3,5 +3,5 @@
 l3
 l4
-old5
+new5
 l6
 l7
diff --git a/infra/b.tf b/infra/b.tf
new file mode 100644
--- /dev/null
+++ b/infra/b.tf
@@ -0,0 +1,3 @@
+b1
+b2
+b3
`

func parse(t *testing.T, s string) []*diff.FileDiff {
	t.Helper()
	fds, err := diff.ParseMultiFile(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return fds
}

func at(file string, start, end int) finding.Finding {
	return finding.Finding{RuleID: "R", Severity: finding.SeverityHigh, Range: finding.Range{
		File: file, Start: finding.Position{Line: start}, End: finding.Position{Line: end}}}
}

// TestFilterModes checks reviewdog's meaning of each mode, with findings
// relative to a scanned root one directory below the repository root.
func TestFilterModes(t *testing.T) {
	fds := parse(t, prDiff)
	fs := []finding.Finding{
		at("a.tf", 5, 5),   // changed line
		at("a.tf", 4, 4),   // context line
		at("a.tf", 20, 20), // same file, outside hunks
		at("c.tf", 1, 1),   // file not in the diff
		at("b.tf", 1, 3),   // new file
		at("a.tf", 1, 6),   // block reaching into the hunk
	}
	for _, tc := range []struct {
		mode filter.Mode
		want []bool
	}{
		{filter.ModeAdded, []bool{true, false, false, false, true, true}},
		{filter.ModeDefault, []bool{true, false, false, false, true, true}},
		{filter.ModeDiffContext, []bool{true, true, false, false, true, true}},
		{filter.ModeFile, []bool{true, true, true, false, true, true}},
		{filter.ModeNoFilter, []bool{true, true, true, true, true, true}},
	} {
		items := NewScope(fds, 1, "infra", tc.mode).Mark(fs)
		for i, it := range items {
			if it.InScope != tc.want[i] {
				t.Errorf("%s: %s:%d InScope = %v, want %v", tc.mode.String(), fs[i].Range.File, fs[i].Range.Start.Line, it.InScope, tc.want[i])
			}
			if it.Path != "infra/"+fs[i].Range.File {
				t.Errorf("Path = %q", it.Path)
			}
		}
	}
	// Anchors: a line-only block range sits on its first changed line.
	items := NewScope(fds, 1, "infra", filter.ModeAdded).Mark(fs)
	if a := items[5].Anchor; a != (Lines{"infra/a.tf", 5, 5}) {
		t.Errorf("block anchor = %+v, want the changed line 5", a)
	}
	if a := items[2].Anchor; !a.IsZero() {
		t.Errorf("out-of-hunk anchor = %+v", a)
	}
	// A precise multi-line range inside a hunk keeps its lines.
	prec := at("b.tf", 1, 3)
	prec.Range.Start.Column, prec.Range.End.Column = 3, 2
	if a := NewScope(fds, 1, "infra", filter.ModeAdded).Mark([]finding.Finding{prec})[0].Anchor; a != (Lines{"infra/b.tf", 1, 3}) {
		t.Errorf("precise anchor = %+v", a)
	}
}

func TestSuppressedAreNotMarked(t *testing.T) {
	f := at("a.tf", 5, 5)
	f.Suppressed = &finding.Suppression{Kind: "tfreview"}
	if items := NewScope(nil, 1, "", filter.ModeNoFilter).Mark([]finding.Finding{f, at("a.tf", 1, 1)}); len(items) != 1 {
		t.Errorf("got %d items, want only the active finding", len(items))
	}
}

func TestModuleCallBringsFindingIntoScope(t *testing.T) {
	fds := parse(t, prDiff)
	f := at("modules/x/main.tf", 1, 3) // unchanged module code
	f.CallSites = []finding.CallSite{{Module: "module.x", Range: finding.Range{File: "b.tf", Start: finding.Position{Line: 2}, End: finding.Position{Line: 3}}}}
	it := NewScope(fds, 1, "infra", filter.ModeAdded).Mark([]finding.Finding{f})[0]
	if !it.InScope || it.Anchor != (Lines{"infra/b.tf", 2, 2}) {
		t.Errorf("item = %+v", it)
	}
}

func TestGroupInstances(t *testing.T) {
	var fs []finding.Finding
	for _, a := range []string{`module.a.aws_s3_bucket.b["x"]`, `module.a.aws_s3_bucket.b["y"]`, `module.c[0].aws_s3_bucket.b["x"]`} {
		f := at("m/main.tf", 1, 3)
		f.Resource = a
		fs = append(fs, f)
	}
	other := at("m/main.tf", 1, 3)
	other.RuleID = "OTHER"
	other.Resource = "aws_s3_bucket.b"
	fs = append(fs, other)
	gs := GroupItems(NewScope(nil, 1, "", filter.ModeNoFilter).Mark(fs))
	if len(gs) != 2 || len(gs[0].Items) != 3 {
		t.Fatalf("groups = %d (first has %d)", len(gs), len(gs[0].Items))
	}
	if got := GenericAddress(`module.c[0].module.d["k"].aws_s3_bucket.b["x"]`); got != "aws_s3_bucket.b" {
		t.Errorf("GenericAddress = %q", got)
	}
	// Adding an instance keeps the fingerprint, so earlier comments match.
	fp := gs[0].Fingerprint()
	gs2 := GroupItems(NewScope(nil, 1, "", filter.ModeNoFilter).Mark(fs[:1]))
	if gs2[0].Fingerprint() != fp {
		t.Error("fingerprint changed with the number of instances")
	}
	if gs[1].Fingerprint() == fp {
		t.Error("different checks share a fingerprint")
	}
}

func TestLineSuggestion(t *testing.T) {
	src := "resource \"x\" \"y\" {\n  acl = \"public-read\"\n  drop = true\n}\n"
	dir := t.TempDir()
	// On disk the file says something else: suggestions use what the
	// scan read, never the disk.
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte("# changed since the scan\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "other.tf"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	sources := map[string][]byte{"main.tf": []byte(src)}
	sc := NewScope(nil, 1, "", filter.ModeNoFilter)
	pos := func(l, c int) finding.Position { return finding.Position{Line: l, Column: c, Byte: -1} }
	edit := func(sl, sc, el, ec int, text string) finding.TextEdit {
		return finding.TextEdit{Range: finding.Range{File: "main.tf", Start: pos(sl, sc), End: pos(el, ec)}, NewText: text}
	}
	for _, tc := range []struct {
		name  string
		edits []finding.TextEdit
		lines Lines
		text  string
	}{
		{"replace", []finding.TextEdit{edit(2, 9, 2, 22, `"private"`)}, Lines{"main.tf", 2, 2}, `  acl = "private"`},
		{"two edits", []finding.TextEdit{edit(3, 10, 3, 14, "false"), edit(2, 9, 2, 22, `"private"`)}, Lines{"main.tf", 2, 3}, "  acl = \"private\"\n  drop = false"},
		{"delete line", []finding.TextEdit{edit(3, 1, 4, 1, "")}, Lines{"main.tf", 3, 3}, ""},
		{"insert line", []finding.TextEdit{edit(4, 1, 4, 1, "  versioning = true\n")}, Lines{"main.tf", 4, 4}, "  versioning = true\n}"},
		{"by byte offset", []finding.TextEdit{{Range: finding.Range{File: "main.tf", Start: finding.Position{Line: 2, Byte: 27}, End: finding.Position{Line: 2, Byte: 40}}, NewText: `"private"`}}, Lines{"main.tf", 2, 2}, `  acl = "private"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := at("main.tf", 2, 2)
			f.Fix = &finding.Fix{Edits: tc.edits}
			sg, err := LineSuggestion(sources, f, sc)
			if err != nil {
				t.Fatal(err)
			}
			if sg.Lines != tc.lines || sg.Text != tc.text {
				t.Errorf("got %+v %q, want %+v %q", sg.Lines, sg.Text, tc.lines, tc.text)
			}
		})
	}
	f := at("main.tf", 2, 2)
	f.Fix = &finding.Fix{Edits: []finding.TextEdit{edit(2, 9, 2, 22, "a"), edit(2, 10, 2, 12, "b")}}
	if _, err := LineSuggestion(sources, f, sc); err == nil {
		t.Error("overlapping edits accepted")
	}
	for _, file := range []string{"../outside.tf", "other.tf"} {
		out := edit(1, 1, 1, 1, "x")
		out.Range.File = file
		f.Fix = &finding.Fix{Edits: []finding.TextEdit{out}}
		if _, err := LineSuggestion(sources, f, sc); err == nil {
			t.Errorf("an edit of %s, which the scan did not read, was suggested", file)
		}
	}
}

func TestSuggestionMustMatchDiff(t *testing.T) {
	fds := parse(t, `--- a/b.tf
+++ b/b.tf
@@ -0,0 +1,2 @@
+acl = "public-read"
+x = 1
`)
	sc := NewScope(fds, 1, "", filter.ModeAdded)
	sg := Suggestion{Lines: Lines{"b.tf", 1, 1}, Old: []string{`acl = "public-read"`}}
	if !sg.MatchesDiff(sc) {
		t.Error("identical lines rejected")
	}
	sg.Old = []string{`acl = "private"`} // the checkout differs from the PR head
	if sg.MatchesDiff(sc) {
		t.Error("stale lines accepted")
	}
	sg.Lines = Lines{"b.tf", 2, 3}
	if sg.MatchesDiff(sc) {
		t.Error("lines outside the hunk accepted")
	}
}
