package main

import (
	"os"
	"testing"

	"github.com/tfreview/tfreview/scanner"
)

// TestMain lets the test binary serve as the evaluation worker the
// commands under test start (os.Executable is the test binary).
func TestMain(m *testing.M) {
	if scanner.IsWorkerInvocation(os.Args) {
		os.Exit(scanner.RunWorker())
	}
	os.Exit(m.Run())
}
