package scanner

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/internal/trivyadapter"
)

// TestReadPlanLimit: a plan over the size limit is a PlanError saying so
// (reported on the plan file), read no further than the limit.
func TestReadPlanLimit(t *testing.T) {
	name := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(name, []byte(`{"format_version":"1.2"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readPlan(name, 24); err != nil {
		t.Errorf("plan at the limit: %v", err)
	}
	_, err := readPlan(name, 23)
	if pe, ok := errors.AsType[*trivyadapter.PlanError](err); !ok || !strings.Contains(pe.Message, "23-byte limit") {
		t.Errorf("plan over the limit: %v", err)
	}
}
