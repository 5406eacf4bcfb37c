package formatters

import (
	"bytes"
	"strings"
	"testing"
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
