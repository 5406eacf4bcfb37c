package main

import (
	"strings"
	"testing"
)

// TestVersionTextNamesTagCommitAndDate: a release's ldflags (main.version,
// main.commit, main.date) are what `tfreview version` prints, tag first.
func TestVersionTextNamesTagCommitAndDate(t *testing.T) {
	got := versionText(buildStamp{Version: "v1.2.3", Commit: "0123456789abcdef0123456789abcdef01234567", Date: "2026-12-01T10:00:00Z"})
	lines := strings.Split(got, "\n")
	if lines[0] != "tfreview v1.2.3" {
		t.Errorf("first line %q, want the tag", lines[0])
	}
	for _, want := range []string{"commit 0123456789abcdef0123456789abcdef01234567\n", "built 2026-12-01T10:00:00Z\n", "trivy v0.74.0 (embedded checks)\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if got := versionText(buildStamp{Version: "dev"}); !strings.Contains(got, "commit unknown\n") {
		t.Errorf("unstamped build:\n%s", got)
	}
}
