// Command tfreview finds security misconfigurations in Terraform before it
// is deployed.
package main

import (
	"os"

	"github.com/tfreview/tfreview/scanner"
)

func main() {
	// Before any flag is parsed: an evaluation worker speaks only to the
	// scan that started it, over stdin and stdout.
	if scanner.IsWorkerInvocation(os.Args) {
		os.Exit(scanner.RunWorker())
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// workerCommand starts evaluation workers from this executable; none (root
// modules evaluated in this process) if it cannot be found. A variable so
// that the tests calling run in the test process can evaluate there (see
// TestMain).
var workerCommand = func() []string {
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	return scanner.WorkerCommand(exe)
}
