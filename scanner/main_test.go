package scanner

import (
	"context"
	"os"
	"testing"
)

// TestMain lets the test binary serve as its own evaluation worker.
func TestMain(m *testing.M) {
	if IsWorkerInvocation(os.Args) {
		os.Exit(RunWorker())
	}
	os.Exit(m.Run())
}

// testWorkerCommand starts evaluation workers from this test binary.
func testWorkerCommand(t testing.TB) []string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return WorkerCommand(exe)
}

// ScanProject runs one scan with opts and also returns the evaluated
// projects (the tests' shorthand for New, ScanProject, Close).
func ScanProject(ctx context.Context, opts Options) (*ScanResult, error) {
	s, err := New(opts)
	if err != nil {
		return &ScanResult{}, err
	}
	defer s.Close()
	return s.ScanProject(ctx)
}
