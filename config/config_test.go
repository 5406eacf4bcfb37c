package config

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

// loadWithin runs Load and fails the test if it does not return within a
// few seconds (a FIFO blocks a plain read forever).
func loadWithin(t *testing.T, path string) (*Config, error) {
	t.Helper()
	type result struct {
		c   *Config
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := Load(path)
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		return r.c, r.err
	case <-time.After(5 * time.Second):
		t.Fatalf("Load(%s) still blocked after 5 s", path)
		return nil, nil
	}
}

// TestHostileConfigSymlink: a .tfreview.yaml that is a symbolic link (to
// a file outside the tree) is refused, and the error quotes nothing of the
// target.
func TestHostileConfigSymlink(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(outside, []byte(secretText+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	cfg := filepath.Join(root, FileName)
	if err := os.Symlink(outside, cfg); err != nil {
		t.Fatal(err)
	}
	_, err := loadWithin(t, cfg)
	if err == nil {
		t.Fatal("a symlinked config was read")
	}
	if strings.Contains(err.Error(), "TOPSECR") { // yaml.v3 quotes 7 characters
		t.Fatalf("the error quotes the link's target: %v", err)
	}
	if !errors.Is(err, rootfile.ErrNotRegular) {
		t.Errorf("error %v, want ErrNotRegular", err)
	}
}

// TestHostileConfigSymlinkToDevZero: a link to /dev/zero is refused before
// any read (it would grow without bound).
func TestHostileConfigSymlinkToDevZero(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), FileName)
	if err := os.Symlink("/dev/zero", cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := loadWithin(t, cfg); !errors.Is(err, rootfile.ErrNotRegular) {
		t.Fatalf("error %v, want ErrNotRegular", err)
	}
}

// TestHostileConfigFIFO: a .tfreview.yaml that is a FIFO is refused
// instead of blocking the scan.
func TestHostileConfigFIFO(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), FileName)
	if err := syscall.Mkfifo(cfg, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if _, err := loadWithin(t, cfg); !errors.Is(err, rootfile.ErrNotRegular) {
		t.Fatalf("error %v, want ErrNotRegular", err)
	}
}

// TestHostileConfigTooLarge: a config over MaxFileSize is refused.
func TestHostileConfigTooLarge(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), FileName)
	big := strings.Repeat("# padding padding padding padding padding padding\n", MaxFileSize/50+1000)
	if err := os.WriteFile(cfg, []byte("severity: LOW\n"+big), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadWithin(t, cfg); !errors.Is(err, rootfile.ErrTooLarge) {
		t.Fatalf("error %v, want ErrTooLarge", err)
	}
}

// TestHostileConfigErrorsQuoteNoContent: YAML errors name the line, not
// the text (yaml.v3 quotes the offending value).
func TestHostileConfigErrorsQuoteNoContent(t *testing.T) {
	for _, src := range []string{
		secretText + "\n", // a scalar where a mapping belongs
		"severity: LOW\nengines: " + secretText + "\n",    // a scalar where a list belongs
		"severity: LOW\nengines: [\"" + secretText + "\n", // unterminated
		"severity: *" + secretText + "\n",                 // unknown anchor
	} {
		_, err := Parse([]byte(src))
		if err == nil {
			t.Errorf("Parse(%q) succeeded", src)
			continue
		}
		if strings.Contains(err.Error(), secretText) || strings.Contains(err.Error(), "TOPSECRET") {
			t.Errorf("Parse(%q) error quotes the content: %v", src, err)
		}
		if !strings.Contains(err.Error(), "line ") && !strings.Contains(src, "*") { // yaml.v3 gives no line for an unknown anchor
			t.Errorf("Parse(%q) error names no line: %v", src, err)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHostileConfigVarFilesOutsideRoot: var_files may not lead out of the
// directory holding the config: not by "..", not by an absolute path, not
// through a symbolic link inside it. Files inside stay allowed.
func TestHostileConfigVarFilesOutsideRoot(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "repo")
	writeFile(t, filepath.Join(root, "env", "prod.tfvars"), "a = 1\n")
	writeFile(t, filepath.Join(base, "home", "config.json"), `{"auths":{}}`)
	if err := os.Symlink(filepath.Join(base, "home", "config.json"), filepath.Join(root, "env", "link.tfvars")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(root, "env", "fifo.tfvars"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(root) // var_files are relative to the current directory
	for _, p := range []string{
		"../home/config.json",
		filepath.Join(base, "home", "config.json"),
		"env/link.tfvars",
		"env/fifo.tfvars",
	} {
		c := &Config{VarFiles: []string{"env/prod.tfvars", p}}
		if err := c.ConfineTo("."); err == nil || !strings.Contains(err.Error(), "var_files[1]") {
			t.Errorf("var_files %q: error %v, want var_files[1] refused", p, err)
		}
	}
	ok := &Config{VarFiles: []string{"env/prod.tfvars", filepath.Join(root, "env", "prod.tfvars")}}
	if err := ok.ConfineTo("."); err != nil {
		t.Errorf("files inside the root: %v", err)
	}
}
