package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tfreview/tfreview/baseline"
	"github.com/tfreview/tfreview/scanner"
)

// defaultBaseline is the file `tfreview baseline` writes unless -o says.
const defaultBaseline = ".tfreview-baseline.json"

func newBaselineCmd(stdout, stderr io.Writer) *cobra.Command {
	var f scanFlags
	var output string
	var update bool
	cmd := &cobra.Command{
		Use:   "baseline [PATH...]",
		Short: "Record the current findings so that scans report only new ones",
		Long: `baseline scans like ` + "`tfreview scan`" + ` and records every active finding by
fingerprint (with its rule, file, address and message for humans), one per
line, sorted, so the file diffs well. ` + "`tfreview scan --baseline FILE`" + ` then
reports only findings absent from it and counts stale entries (fixed since);
` + "`tfreview baseline --update`" + ` drops those, adding nothing.

Fingerprints do not depend on line numbers or on the file a resource is in
(docs/fingerprints.md), so moving code does not break the record.`,
		Example: `  tfreview baseline -o .tfreview-baseline.json
  tfreview scan --baseline .tfreview-baseline.json
  tfreview baseline --update -o .tfreview-baseline.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBaseline(cmd, args, f, output, update, stdout, stderr)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&output, "output", "o", defaultBaseline, "baseline file to write (and, with --update, to read)")
	fl.BoolVar(&update, "update", false, "keep only the entries that still match a finding (nothing is added)")
	fl.StringVar(&f.severity, "severity", "", "minimum severity recorded: LOW, MEDIUM, HIGH, CRITICAL (default LOW)")
	fl.StringSliceVar(&f.engines, "engines", nil, "engines to run: trivy,builtin (default both)")
	fl.StringVar(&f.configPath, "config", "", "config file (default .tfreview.yaml in the first scanned path, then the current directory)")
	fl.StringArrayVar(&f.varFiles, "var-file", nil, "extra .tfvars file applied to every root module (repeatable)")
	fl.StringArrayVar(&f.vars, "var", nil, "set a variable, k=v, like TF_VAR_k (repeatable)")
	fl.StringSliceVar(&f.checks, "checks", nil, "run only these checks (IDs or aliases)")
	fl.StringSliceVar(&f.skipChecks, "skip-checks", nil, "do not run these checks (IDs or aliases)")
	fl.StringSliceVar(&f.skipDirs, "skip-dirs", nil, "directory globs not to scan")
	fl.StringSliceVar(&f.skipFiles, "skip-files", nil, "file globs not to scan")
	fl.BoolVar(&f.downloadModules, "download-modules", false, "download remote module sources")
	fl.StringVar(&f.checksBundle, "checks-bundle", "", "directory of a newer Trivy checks bundle to use instead of the embedded checks")
	fl.BoolVar(&f.debug, "debug", false, "debug logs on stderr")
	f.maxFileSize = scanner.DefaultLimits.MaxFileSize
	f.maxNesting = scanner.DefaultLimits.MaxNesting
	f.maxInstances = scanner.DefaultLimits.MaxInstances
	f.maxEvalTime = scanner.DefaultLimits.MaxEvalTime
	f.maxEvalMemoryMiB = scanner.DefaultLimits.MaxEvalMemory >> 20
	return cmd
}

func runBaseline(cmd *cobra.Command, args []string, f scanFlags, output string, update bool, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		args = []string{"."}
	}
	args = dirsOfFiles(args)
	cfg, err := loadConfig(f.configPath, args[0])
	if err != nil {
		return withCode(exitError, err)
	}
	opts, _, err := scanOptions(cmd, f, cfg, args)
	if err != nil {
		return withCode(exitError, err)
	}
	opts.Logger = newLogger(stderr, f.debug)
	var old *baseline.File
	if update {
		if old, _, err = baseline.Read(output); err != nil {
			return withCode(exitError, fmt.Errorf("--update: %w", err))
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := scanner.Scan(ctx, opts)
	if err != nil {
		return withCode(exitError, err)
	}
	b := baseline.Build(rep, output)
	if update {
		b = baseline.Update(old, rep, output)
	}
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		return withCode(exitError, err)
	}
	if err := writeFileAtomic(output, buf.Bytes()); err != nil {
		return withCode(exitError, fmt.Errorf("write baseline: %w", err))
	}
	if update {
		fmt.Fprintf(stdout, "Kept %d of %d baseline entries in %s (%d stale removed).\n",
			len(b.Findings), len(old.Findings), output, len(old.Findings)-len(b.Findings))
	} else {
		fmt.Fprintf(stdout, "Recorded %d findings in %s.\n", len(b.Findings), output)
	}
	return nil
}

// writeFileAtomic replaces path with data, so an interrupted write never
// leaves half a baseline.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tfreview-baseline-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
