package fixes

import (
	"errors"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/finding"
)

func edit(start, end int, text string) finding.TextEdit {
	return finding.TextEdit{
		Range:   finding.Range{File: "main.tf", Start: finding.Position{Byte: start}, End: finding.Position{Byte: end}},
		NewText: text,
	}
}

func TestApplyEdits(t *testing.T) {
	src := []byte("0123456789")
	tests := []struct {
		name  string
		edits []finding.TextEdit
		want  string
		err   bool
	}{
		{"none", nil, "0123456789", false},
		{"unsorted replace and insert", []finding.TextEdit{edit(8, 9, "X"), edit(0, 0, "<"), edit(2, 4, "")}, "<014567X9", false},
		{"insert at end", []finding.TextEdit{edit(10, 10, "!")}, "0123456789!", false},
		{"adjacent", []finding.TextEdit{edit(2, 4, "a"), edit(4, 6, "b")}, "01ab6789", false},
		{"identical edits applied once", []finding.TextEdit{edit(1, 2, "Z"), edit(1, 2, "Z")}, "0Z23456789", false},
		{"two insertions keep order", []finding.TextEdit{edit(3, 3, "a"), edit(3, 3, "b")}, "012ab3456789", false},
		{"multibyte", []finding.TextEdit{edit(0, 1, "é")}, "é123456789", false},
		{"overlap", []finding.TextEdit{edit(2, 5, "a"), edit(4, 6, "b")}, "", true},
		{"insert inside replacement", []finding.TextEdit{edit(2, 5, "a"), edit(3, 3, "b")}, "", true},
		{"out of range", []finding.TextEdit{edit(9, 11, "a")}, "", true},
		{"negative", []finding.TextEdit{edit(-1, 1, "a")}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ApplyEdits(src, tt.edits)
			if tt.err {
				if err == nil {
					t.Fatalf("want error, got %q", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if string(src) != "0123456789" {
		t.Fatalf("src was modified: %q", src)
	}
}

func TestApplyEditsOverlapIsErrOverlap(t *testing.T) {
	_, err := ApplyEdits([]byte("abcdef"), []finding.TextEdit{edit(0, 3, "x"), edit(1, 2, "y")})
	if !errors.Is(err, ErrOverlap) {
		t.Fatalf("err = %v, want ErrOverlap", err)
	}
}

func TestApplyFixesSkipsOverlappingFixWhole(t *testing.T) {
	src := map[string][]byte{"main.tf": []byte("0123456789"), "b.tf": []byte("abc")}
	other := edit(0, 1, "A")
	other.Range.File = "b.tf"
	f1 := &finding.Fix{Description: "one", Edits: []finding.TextEdit{edit(2, 4, "xx")}}
	// f2 overlaps f1 in main.tf; its b.tf edit must not be applied either.
	f2 := &finding.Fix{Description: "two", Edits: []finding.TextEdit{other, edit(3, 5, "yy")}}
	f3 := &finding.Fix{Description: "three", Edits: []finding.TextEdit{edit(8, 8, "!")}}
	// f4 repeats f1 (a second finding on the same resource).
	f4 := &finding.Fix{Description: "one again", Edits: []finding.TextEdit{edit(2, 4, "xx")}}
	res, err := ApplyFixes(src, []*finding.Fix{f1, f2, f3, f4})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(res.Files["main.tf"]); got != "01xx4567!89" {
		t.Errorf("main.tf = %q", got)
	}
	if _, changed := res.Files["b.tf"]; changed {
		t.Errorf("b.tf changed by a skipped fix: %q", res.Files["b.tf"])
	}
	if len(res.Applied) != 3 || len(res.Skipped) != 1 || res.Skipped[0] != f2 {
		t.Errorf("applied %d, skipped %v", len(res.Applied), res.Skipped)
	}
}

func TestApplyFixesUnknownFile(t *testing.T) {
	f := &finding.Fix{Description: "x", Edits: []finding.TextEdit{edit(0, 0, "a")}}
	if _, err := ApplyFixes(map[string][]byte{}, []*finding.Fix{f}); err == nil {
		t.Fatal("want error for a file that was not loaded")
	}
}

func TestUnifiedDiffCountsLines(t *testing.T) {
	d, err := UnifiedDiff("main.tf", []byte("a\nb\n"), []byte("a\nc\n"))
	if err != nil || !strings.Contains(d, "@@ -1,2 +1,2 @@") || !strings.Contains(d, "--- a/main.tf") {
		t.Errorf("diff:\n%s", d)
	}
}
