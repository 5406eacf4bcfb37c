package scanner

import (
	"context"
	"encoding/gob"
	"os"
	"os/exec"
	"regexp"
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

// ownProcessEnv, in a test binary's environment, names the one test it
// runs in a process of its own (see inOwnProcess).
const ownProcessEnv = "TFREVIEW_TEST_OWN_PROCESS"

// inOwnProcess reports whether the calling test runs in a test binary of
// its own; if not, it runs the test in one, fails t if that run fails, and
// returns false. For a test that leaves behind work nothing can stop,
// which then ends with that process instead of slowing the tests after it.
func inOwnProcess(t *testing.T) bool {
	t.Helper()
	if os.Getenv(ownProcessEnv) == t.Name() {
		return true
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.v")
	cmd.Env = append(os.Environ(), ownProcessEnv+"="+t.Name())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s in its own process: %v\n%s", t.Name(), err, out)
	}
	return false
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
