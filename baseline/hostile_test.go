package baseline

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tfreview/tfreview/internal/rootfile"
)

const secretText = "TOPSECRET-do-not-print"

// readWithin runs Read and fails the test if it blocks (a FIFO would).
func readWithin(t *testing.T, path string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, _, err := Read(path)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatalf("Read(%s) still blocked after 5 s", path)
		return nil
	}
}

// TestHostileBaselineSymlink: a baseline file that is a symbolic link
// (planted in the tree, pointing at a secret) is refused, and the error
// quotes nothing of the target.
func TestHostileBaselineSymlink(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(outside, []byte(secretText), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), ".tfreview-baseline.json")
	if err := os.Symlink(outside, file); err != nil {
		t.Fatal(err)
	}
	err := readWithin(t, file)
	if err == nil || strings.Contains(err.Error(), "TOPSECRET") {
		t.Fatalf("error %v: want the link refused, its target unquoted", err)
	}
	if !errors.Is(err, rootfile.ErrNotRegular) {
		t.Errorf("error %v, want ErrNotRegular", err)
	}
}

// TestHostileBaselineFIFO: a baseline that is a FIFO is refused instead of
// blocking.
func TestHostileBaselineFIFO(t *testing.T) {
	file := filepath.Join(t.TempDir(), ".tfreview-baseline.json")
	if err := syscall.Mkfifo(file, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if err := readWithin(t, file); !errors.Is(err, rootfile.ErrNotRegular) {
		t.Fatalf("error %v, want ErrNotRegular", err)
	}
}

// TestHostileBaselineErrorsQuoteNoContent: JSON errors name the line, not
// the text (encoding/json quotes the offending character or field).
func TestHostileBaselineErrorsQuoteNoContent(t *testing.T) {
	for _, src := range []string{
		"{\n\"version\": 1,\n" + secretText + "\n}",
		"{\"version\": 1, \"" + secretText + "\": 1}",
		"{\"version\": \"" + secretText + "\"}",
	} {
		file := filepath.Join(t.TempDir(), "b.json")
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		err := readWithin(t, file)
		if err == nil || strings.Contains(err.Error(), "TOPSECRET") || strings.Contains(err.Error(), "'T'") {
			t.Errorf("%q: error %v: want an error quoting nothing", src, err)
		}
	}
}
