package trivyadapter

import (
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"testing"
)

var update = flag.Bool("update", false, "rewrite embedded_checks.json from the pinned checks")

// The listing compiled into the binary must be what parsing the pinned
// checks gives; after a Trivy upgrade, regenerate it with -update.
func TestEmbeddedChecksListing(t *testing.T) {
	modules, err := loadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	want := listModules(modules)
	if *update {
		b, err := json.MarshalIndent(want, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("embedded_checks.json", append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := embeddedChecks()
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 300 {
		t.Fatalf("only %d Terraform checks parsed; embedded checks not found?", len(want))
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("embedded_checks.json is stale (%d checks listed, %d parsed): run go test ./internal/trivyadapter -run TestEmbeddedChecksListing -update", len(got), len(want))
	}
}
