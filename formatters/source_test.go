package formatters

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/finding"
)

// TestSourcesComeFromTheReport: snippets and UTF-16 columns come from
// Report.Sources, what the scan read, never from the files under Root,
// which may have changed since (or been swapped for a FIFO or a device).
func TestSourcesComeFromTheReport(t *testing.T) {
	r := testReport(t)
	onDisk := r.Sources["main.tf"]
	// Line 10 with its multibyte text swapped for ASCII of the same byte
	// length: on disk the finding starts at UTF-16 column 106, here at
	// 109, its byte column.
	swapped := bytes.Replace(onDisk, []byte("SSH — café"), []byte("SSH --- cafe!"), 1)
	if bytes.Equal(swapped, onDisk) {
		t.Fatal("fixture changed: line 10 no longer holds the multibyte description")
	}
	r.Sources["main.tf"] = swapped

	if text := string(format(t, "text", Options{}, r)); !strings.Contains(text, `10 |   ingress = [{ description = "SSH --- cafe!"`) {
		t.Errorf("text snippet is not from Report.Sources:\n%s", text)
	}
	gh := string(format(t, "github", Options{}, r))
	if !strings.Contains(gh, "line=10,endLine=10,col=109") {
		t.Errorf("github columns are not computed from Report.Sources:\n%s", gh)
	}
}

// TestHostileFindingPathReadsNothing: a finding's file name comes from the
// scanned tree (a module call, a crafted JSON report for merge). Naming an
// absolute path, or a symbolic link in the root that leads out of it, must
// not put that file's text into any output: only Report.Sources is shown.
func TestHostileFindingPathReadsNothing(t *testing.T) {
	const secret = "AKIAHOSTILESECRET0001"
	outside := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(outside, []byte("aws_secret = \""+secret+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(root, "link.tf")); err != nil {
		t.Skip("symbolic links not available:", err)
	}
	for _, file := range []string{filepath.ToSlash(outside), "link.tf"} {
		at := finding.Range{File: file, Start: finding.Position{Line: 1, Column: 1}, End: finding.Position{Line: 1, Column: 5}}
		r := finding.Report{Root: root, Sources: map[string][]byte{"main.tf": []byte("x = 1\n")}, Findings: []finding.Finding{{
			RuleID: "TFR-X-001", Severity: finding.SeverityHigh, Message: "m", Range: at,
			Fix: &finding.Fix{Description: "d", Edits: []finding.TextEdit{{Range: at, NewText: "y"}}},
		}}}
		for _, name := range Names() {
			if out := format(t, name, Options{}, r); bytes.Contains(out, []byte(secret)) {
				t.Errorf("%s shows the text of %s:\n%s", name, file, out)
			}
		}
	}
}
