package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes. Documented in README.md and `tfreview --help`.
const (
	exitOK          = 0 // nothing at or above --fail-on
	exitFindings    = 1 // findings at or above --fail-on
	exitError       = 2 // usage or config error, or the scan could not run
	exitNotReported = 3 // findings could not be reported (e.g. GitHub API failed)
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// codeError carries an exit code through cobra to run.
type codeError struct {
	code int
	err  error
}

func (e *codeError) Error() string { return e.err.Error() }
func (e *codeError) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &codeError{code: code, err: err}
}

func run(args []string, stdout, stderr io.Writer) int {
	code := exitOK
	root := &cobra.Command{
		Use:   "tfreview",
		Short: "Find security misconfigurations in Terraform before it is deployed",
		Long: `tfreview scans Terraform (HCL and .tf.json, with variables, tfvars, locals,
count, for_each, dynamic blocks and local modules evaluated) with Trivy's
checks and its own, and reports findings where reviewers work.

Exit codes:
  0  nothing at or above --fail-on
  1  findings at or above --fail-on
  2  usage or configuration error, or a scan that could not run
  3  findings could not be reported (a reporter failed; findings were still
     written to the other outputs)`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newScanCmd(stdout, stderr, &code),
		newMergeCmd(stdout, stderr, &code),
		newChecksCmd(stdout),
		newBaselineCmd(stdout, stderr),
		newFixCmd(stdout, stderr),
		newTrackCmd(stdout, stderr, &code),
		newVersionCmd(stdout),
	)
	// One context for every command: SIGINT and SIGTERM (what CI runners
	// send on cancel) cancel the scan, and the deferred cleanups (the
	// --new-since base tree, temporary outputs, worker processes) run.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "tfreview:", err)
		var ce *codeError
		if errors.As(err, &ce) {
			return ce.code
		}
		return exitError
	}
	return code
}

// newLogger logs to w with --debug and discards otherwise: what Trivy's
// parser would warn about (unloaded modules, unset variables) is reported as
// notes in the output instead.
func newLogger(w io.Writer, debug bool) *slog.Logger {
	if !debug {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
