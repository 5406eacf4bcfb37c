package scanner

import (
	"context"
	"encoding/gob"
	"os"
	"testing"
	"time"
)

// TestMain lets the test binary serve as its own evaluation worker.
func TestMain(m *testing.M) {
	if IsWorkerInvocation(os.Args) {
		os.Exit(runTestWorker())
	}
	os.Exit(m.Run())
}

// testWorkerFaultEnv, set in a test's environment (which its workers
// inherit), makes the evaluation workers misbehave in one way.
const testWorkerFaultEnv = "TFREVIEW_TEST_WORKER_FAULT"

func runTestWorker() int {
	switch os.Getenv(testWorkerFaultEnv) {
	case "stall":
		// Reads nothing: a worker stuck starting.
		time.Sleep(6 * time.Second)
		return 1
	case "close-input-after-tree":
		// Takes the tree, then its input ends before it reads a job: a
		// worker that ends before any job is sent to it, every time.
		var req evalRequest
		if err := gob.NewDecoder(os.Stdin).Decode(&req); err != nil {
			return 1
		}
		os.Stdin.Close()
		if err := gob.NewEncoder(os.Stdout).Encode(&evalReply{ID: req.ID, Ready: true}); err != nil {
			return 1
		}
		time.Sleep(6 * time.Second)
		return 1
	}
	return RunWorker()
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
