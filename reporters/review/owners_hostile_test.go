package review

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestHostileCodeOwnersNotRegular: a CODEOWNERS that is a symbolic link
// (to a file outside the repository) or a FIFO is not read: no owners come
// from outside the tree, and nothing blocks.
func TestHostileCodeOwnersNotRegular(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "elsewhere")
	if err := os.WriteFile(outside, []byte("* @outside/team\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(link, "CODEOWNERS")); err != nil {
		t.Fatal(err)
	}
	fifo := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(fifo, "CODEOWNERS"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, repo := range []string{link, fifo} {
		done := make(chan *CodeOwners, 1)
		go func() {
			co, _, err := LoadCodeOwners(repo)
			if err == nil && co != nil {
				done <- co
				return
			}
			done <- nil
		}()
		select {
		case co := <-done:
			if co != nil {
				t.Errorf("%s: CODEOWNERS read through a link or FIFO: owners of main.tf %v", repo, co.Owners("main.tf"))
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: LoadCodeOwners blocked on a FIFO", repo)
		}
	}
}
