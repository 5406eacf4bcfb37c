package scanner

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// copyTree copies the fixture src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Root modules are scanned concurrently; the report must not depend on
// how many run at once or in which order they finish (run with -race).
func TestParallelRootsSameReport(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"insecure", "clean", "ignores"} {
		for _, copyName := range []string{"a", "b"} {
			copyTree(t, filepath.Join("..", "testdata", name), filepath.Join(dir, name+"-"+copyName))
		}
	}
	scan := func(procs int) []byte {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		rep, err := Scan(context.Background(), Options{Paths: []string{dir}, BaseDir: dir, Now: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Stats.RootModules != 6 {
			t.Fatalf("want 6 root modules, got %d", rep.Stats.RootModules)
		}
		rep.Root = ""
		b, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	one := scan(1)
	for range 3 {
		if many := scan(4); string(many) != string(one) {
			t.Fatalf("report differs between 1 and 4 workers:\n%s\n%s", one, many)
		}
	}
}
