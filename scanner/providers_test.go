package scanner

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func providersOf(t *testing.T, dir string) []string {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	set, err := readFiles(root.FS(), DefaultLimits, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ov := newOverlay(root.FS())
	graph, _ := set.breakCycles(ov)
	return set.trivyProviders(ov, set.findRoots(graph), false)
}

// Only the checks of providers with resources are compiled; resource types
// Trivy has no adapter for (random_) add none.
func TestTrivyProvidersFromResources(t *testing.T) {
	got := providersOf(t, filepath.Join("..", "testdata", "multicloud"))
	if want := []string{"aws", "azure", "digitalocean", "google"}; !slices.Equal(got, want) {
		t.Fatalf("providers: got %v, want %v", got, want)
	}
}

// Modules cached by `terraform init` are not read by tfreview, so their
// providers are unknown: every check is compiled.
func TestTrivyProvidersAllWithCachedModules(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "testdata", "clean"), dir)
	if err := os.MkdirAll(filepath.Join(dir, ".terraform", "modules"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := providersOf(t, dir); got != nil {
		t.Fatalf("with .terraform present: got %v, want nil (all providers)", got)
	}
}
