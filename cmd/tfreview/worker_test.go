package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tfreview/tfreview/scanner"
)

// TestMain lets the test binary serve as the evaluation worker the
// commands under test start (os.Executable is the test binary).
func TestMain(m *testing.M) {
	if scanner.IsWorkerInvocation(os.Args) {
		os.Exit(scanner.RunWorker())
	}
	code := m.Run()
	// The binary the end-to-end tests built (about 100 MB) goes with them.
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}
