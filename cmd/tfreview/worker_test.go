package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tfreview/tfreview/scanner"
)

// TestMain lets the test binary serve, run by the name tfreview
// (tfreviewBinary's link), as the CLI, and as the evaluation worker that
// CLI starts (os.Executable is the test binary).
//
// Tests that call run in this process (runCLI) evaluate root modules in
// it: each worker process compiles Trivy's checks again (half a second of
// CPU), which over these scans came to 40 s of the package's 110 s of CPU,
// while in this process they are compiled once. What the
// workers add (limits, crash containment, paths that must not depend on
// the working directory) is tested through the CLI as a process
// (runCLIProcess, tfreviewBinary) and in package scanner.
func TestMain(m *testing.M) {
	if scanner.IsWorkerInvocation(os.Args) {
		os.Exit(scanner.RunWorker())
	}
	if filepath.Base(os.Args[0]) == cliName {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	workerCommand = func() []string { return nil }
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}
