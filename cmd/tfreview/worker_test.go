package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tfreview/tfreview/scanner"
)

// TestMain lets the test binary serve as the evaluation worker the
// commands under test start (os.Executable is the test binary), and, run
// by the name tfreview (tfreviewBinary's link), as the CLI.
func TestMain(m *testing.M) {
	if scanner.IsWorkerInvocation(os.Args) {
		os.Exit(scanner.RunWorker())
	}
	if filepath.Base(os.Args[0]) == cliName {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}
