package fixes

import (
	"strings"
	"testing"

	"github.com/tfreview/tfreview/finding"
)

func edit(start, end int, text string) finding.TextEdit {
	return finding.TextEdit{Range: finding.Range{Start: finding.Position{Byte: start}, End: finding.Position{Byte: end}}, NewText: text}
}

func TestApplyEdits(t *testing.T) {
	src := []byte("encrypted = false\nsize = 10\n")
	out, err := ApplyEdits(src, []finding.TextEdit{edit(12, 17, "true"), edit(12, 17, "true"), edit(28, 28, "iops = 3000\n")})
	if err != nil || string(out) != "encrypted = true\nsize = 10\niops = 3000\n" {
		t.Errorf("got %q, %v", out, err)
	}
	if _, err := ApplyEdits(src, []finding.TextEdit{edit(0, 17, "a"), edit(12, 20, "b")}); err == nil || !strings.Contains(err.Error(), "overlap") {
		t.Errorf("overlapping edits accepted: %v", err)
	}
	if _, err := ApplyEdits(src, []finding.TextEdit{edit(20, 99, "x")}); err == nil {
		t.Error("edit past the end accepted")
	}
}

func TestUnifiedDiffCountsLines(t *testing.T) {
	d, err := UnifiedDiff("main.tf", []byte("a\nb\n"), []byte("a\nc\n"))
	if err != nil || !strings.Contains(d, "@@ -1,2 +1,2 @@") || !strings.Contains(d, "--- a/main.tf") {
		t.Errorf("diff:\n%s", d)
	}
}
