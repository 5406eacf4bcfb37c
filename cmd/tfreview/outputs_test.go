package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A scan that cannot run (exit 2) leaves yesterday's report as it was, and
// no temporary file behind; a scan that runs replaces it whole.
func TestOutputReplacedOnlyWhenComplete(t *testing.T) {
	dir := t.TempDir()
	sarif := filepath.Join(dir, "tfreview.sarif")
	if err := os.WriteFile(sarif, []byte("yesterday"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "scan", filepath.Join(dir, "does-not-exist"), "--format", "sarif", "--output", sarif)
	if code != exitError {
		t.Fatalf("exit %d, want 2: %s", code, stderr)
	}
	if got, _ := os.ReadFile(sarif); string(got) != "yesterday" {
		t.Errorf("failed scan changed the output: %q", got)
	}
	assertOnlyFiles(t, dir, "tfreview.sarif")

	code, _, stderr = runCLI(t, "scan", "../../testdata/insecure", "--format", "sarif", "--output", sarif)
	if code != exitFindings {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got, _ := os.ReadFile(sarif)
	if !strings.Contains(string(got), `"ruleId"`) {
		t.Errorf("report not written: %.200s", got)
	}
	if st, _ := os.Stat(sarif); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
	assertOnlyFiles(t, dir, "tfreview.sarif")

	if code, _, _ := runCLI(t, "scan", "../../testdata/insecure", "--format", "sarif", "--output", dir); code != exitError {
		t.Errorf("--output naming a directory: exit %d, want 2", code)
	}
}

// A destination that is not a regular file (/dev/null, a FIFO) is written
// in place: the rename would replace the device with a file.
func TestOutputToADeviceIsWrittenInPlace(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	got := make(chan []byte, 1)
	go func() {
		data, _ := os.ReadFile(fifo)
		got <- data
	}()
	code, _, stderr := runCLI(t, "scan", "../../testdata/insecure", "--format", "json", "--output", fifo)
	if code != exitFindings {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if data := <-got; !strings.Contains(string(data), `"rule_id"`) {
		t.Errorf("the FIFO's reader got %.100q", data)
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", st.Mode(), err)
	}
}

func assertOnlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("files in %s: %v, want %v", dir, got, names)
	}
}
