package main

import (
	"os/exec"
	"testing"
)

// TestPreCommitHook runs scripts/test-pre-commit.sh: .pre-commit-hooks.yaml
// installed and run by the real pre-commit (Debian's package in CI).
func TestPreCommitHook(t *testing.T) {
	// Slow and independent: runs beside the other slow tests.
	t.Parallel()
	if testing.Short() {
		t.Skip("installs the hook with go install")
	}
	if _, err := exec.LookPath("pre-commit"); err != nil {
		t.Skip("pre-commit is not installed (apt-get install pre-commit); .pre-commit-hooks.yaml was not tested")
	}
	out, err := exec.Command("../../scripts/test-pre-commit.sh").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Logf("%s", out)
}
