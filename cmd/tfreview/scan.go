package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/tfreview/tfreview/config"
	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/formatters"
	"github.com/tfreview/tfreview/reporters"
	"github.com/tfreview/tfreview/scanner"
)

// scanFlags are the flags of `tfreview scan`: the scan options every
// scanning command shares, plus outputs, reporters and comparisons.
type scanFlags struct {
	optionFlags
	formats, outputs []string
	showIgnored      bool
	noColor          bool
	quiet            bool
	report           reportFlags
	compare          compareFlags
}

// optionFlags are the flags that make scanner.Options, the same for scan,
// baseline and fix (registered by addOptionFlags, turned into options by
// setupScan).
type optionFlags struct {
	severity            string
	failOn              string // registered by scan only
	engines             []string
	configPath          string
	varFiles            []string
	vars                []string
	checks, skipChecks  []string
	skipDirs, skipFiles []string
	downloadModules     bool
	checksBundle        string
	planFile            string
	k8sPSS              string
	customChecks        string
	allowEmpty          bool
	allowOutsideRoot    bool
	requireIgnoreReason bool
	debug               bool
	maxFileSize         int64
	maxNesting          int
	maxInstances        int
	maxEvalTime         time.Duration
	maxEvalMemoryMiB    int64
	shard, cacheDir     string
	moduleCache         string
}

// addOptionFlags registers the flags of optionFlags.
func addOptionFlags(fl *pflag.FlagSet, f *optionFlags) {
	fl.StringVar(&f.severity, "severity", "", "minimum severity reported: LOW, MEDIUM, HIGH, CRITICAL (default LOW); a comma list (HIGH,CRITICAL) reports exactly those, as Trivy's --severity")
	fl.StringSliceVar(&f.engines, "engines", nil, "engines to run: trivy,builtin (default both)")
	fl.StringVar(&f.configPath, "config", "", "config file (default .tfreview.yaml in the first scanned path, then the current directory)")
	fl.StringArrayVar(&f.varFiles, "var-file", nil, "extra .tfvars file applied to every root module (repeatable)")
	fl.StringArrayVar(&f.vars, "var", nil, "set a variable, k=v, like TF_VAR_k (repeatable)")
	fl.StringSliceVar(&f.checks, "checks", nil, "run only these checks (IDs or aliases)")
	fl.StringSliceVar(&f.skipChecks, "skip-checks", nil, "do not run these checks (IDs or aliases)")
	fl.StringSliceVar(&f.skipDirs, "skip-dirs", nil, "directory globs not to scan")
	fl.StringSliceVar(&f.skipFiles, "skip-files", nil, "file globs not to scan")
	fl.BoolVar(&f.downloadModules, "download-modules", false, "download remote module sources (off: nothing is downloaded unless asked)")
	fl.StringVar(&f.moduleCache, "module-cache", "", "where --download-modules keeps fetched modules for later runs (default: tfreview/modules under the user cache directory)")
	fl.StringVar(&f.checksBundle, "checks-bundle", "", "directory of a newer Trivy checks bundle to use instead of the embedded checks")
	fl.StringVar(&f.planFile, "plan", "", "check this plan (terraform show -json output) instead of evaluating the source; PATH is the source its findings are mapped to")
	fl.StringVar(&f.k8sPSS, "k8s-pss", "", "Pod Security Standards level of the Kubernetes (KSV) pod checks: restricted (every check) or baseline (default restricted)")
	fl.StringVar(&f.customChecks, "custom-checks", "", "directory of custom Rego checks in Trivy's format, run in addition to the embedded checks")
	fl.BoolVar(&f.allowEmpty, "allow-empty", false, "succeed when the paths hold no Terraform files (default: exit 2)")
	fl.BoolVar(&f.allowOutsideRoot, "allow-outside-root", false, "let paths in the config file (var_files) lead outside the directory holding it")
	fl.BoolVar(&f.requireIgnoreReason, "require-ignore-reason", false, "report ignore comments that give no reason")
	fl.BoolVar(&f.debug, "debug", false, "debug logs on stderr")
	fl.Int64Var(&f.maxFileSize, "max-file-size", scanner.DefaultLimits.MaxFileSize, "largest .tf/.tfvars file read, in bytes")
	fl.IntVar(&f.maxNesting, "max-nesting", scanner.DefaultLimits.MaxNesting, "deepest nesting of blocks and expressions parsed")
	fl.IntVar(&f.maxInstances, "max-instances", scanner.DefaultLimits.MaxInstances, "most instances evaluated per block (count, for_each, dynamic blocks)")
	fl.DurationVar(&f.maxEvalTime, "max-eval-time", scanner.DefaultLimits.MaxEvalTime, "longest evaluation of one root module; past it the root module is reported as TFR-EVAL")
	fl.StringVar(&f.shard, "shard", "", "scan only the K-th of N partitions of the root modules, K/N (merge the shards' json reports with `tfreview merge`)")
	fl.StringVar(&f.cacheDir, "cache-dir", "", "reuse the evaluation of root modules unchanged since a scan that used this directory")
	fl.Int64Var(&f.maxEvalMemoryMiB, "max-eval-memory", scanner.DefaultLimits.MaxEvalMemory>>20, "most memory of one root module's evaluation, in MiB; past it the root module is reported as TFR-EVAL")
}

func newScanCmd(stdout, stderr io.Writer, code *int) *cobra.Command {
	var f scanFlags
	cmd := &cobra.Command{
		Use:   "scan [PATH...]",
		Short: "Scan Terraform directories for security misconfigurations",
		Example: `  tfreview scan .
  tfreview scan infra/ --format sarif --output tfreview.sarif --format text
  tfreview scan --severity MEDIUM --fail-on CRITICAL --engines trivy`,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := runScan(cmd, args, f, stdout, stderr)
			*code = c
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&f.formats, "format", "f", nil, "output format: "+strings.Join(formatters.Names(), ", ")+" (repeatable, paired in order with --output; default text)")
	fl.StringArrayVarP(&f.outputs, "output", "o", nil, "write the matching --format to this file instead of stdout (repeatable)")
	fl.StringVar(&f.failOn, "fail-on", "", "exit 1 when a finding is at or above this severity (default HIGH); none: report only, never exit 1 for findings")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print no text report on stdout (errors still go to stderr; the exit code is unchanged)")
	fl.BoolVar(&f.showIgnored, "show-ignored", false, "also report suppressed findings, marked as such")
	fl.BoolVar(&f.noColor, "no-color", false, "no colour in text output (also NO_COLOR)")
	addOptionFlags(fl, &f.optionFlags)
	addReportFlags(fl, &f.report)
	addCompareFlags(fl, &f.compare)
	return cmd
}

func runScan(cmd *cobra.Command, args []string, f scanFlags, stdout, stderr io.Writer) (int, error) {
	ctx := cmd.Context()
	set, err := setupScan(cmd, args, f.optionFlags, &f.compare, stderr)
	if err != nil {
		return exitError, err
	}
	cfg, opts, failOn, judge := set.cfg, set.opts, set.failOn, set.judge

	rp, err := newReporter(f.report, cfg, failOn, stdout, stderr)
	if err != nil {
		return exitError, withCode(exitError, err)
	}
	// A reporter prints its own view; text is added only when asked for.
	if rp != nil && len(f.formats) == 0 {
		f.formats = []string{}
	}
	outs, err := openOutputs(f, stdout)
	if err != nil {
		return exitError, withCode(exitError, err)
	}
	defer outs.discard()

	rep, err := scanAndCompare(ctx, f.compare, opts, judge, cfg.AllowNewIgnores)
	if err != nil {
		return exitError, withCode(exitError, err)
	}
	if err := set.checkEmpty(rep); err != nil {
		return exitError, err
	}
	set.onlySeverities(&rep)
	judge.attach(&rep)
	rep.Tool = finding.Tool{Name: "tfreview", Version: version, URI: "https://github.com/tfreview/tfreview"}
	return emitReport(ctx, rep, outs, rp, failOn, stderr)
}

// emitReport writes rep to the outputs and the reporter, and returns the
// exit code: the same for a scan and for a merge of shards' reports.
func emitReport(ctx context.Context, rep finding.Report, outs *outputs, rp reporters.Reporter, failOn finding.Severity, stderr io.Writer) (int, error) {
	if err := outs.write(rep); err != nil {
		return exitNotReported, withCode(exitNotReported, err)
	}
	if rp != nil {
		code, err := runReporter(ctx, rp, rep, stderr)
		if err == nil && code == exitOK && rep.Comparison != nil {
			// With --new-since, what the change introduced decides, even
			// outside the diff the reporter filters comments by.
			code = exitCodeFor(rep, failOn)
		}
		return code, err
	}
	return exitCodeFor(rep, failOn), nil
}

// exitCodeFor is 1 when an active finding is at or above failOn.
func exitCodeFor(rep finding.Report, failOn finding.Severity) int {
	for _, fd := range rep.Findings {
		if fd.Suppressed == nil && fd.Severity >= failOn {
			return exitFindings
		}
	}
	return exitOK
}

// loadConfig reads --config, else the first .tfreview.yaml found in
// firstPath or the current directory. The file comes from the scanned tree:
// unless allowOutside, the paths it names must stay inside its directory.
func loadConfig(explicit, firstPath string, allowOutside bool) (*config.Config, error) {
	path := explicit
	if path == "" {
		for _, dir := range []string{firstPath, "."} {
			p := filepath.Join(dir, config.FileName)
			// Lstat: a symbolic link is found here and refused by Load.
			if _, err := os.Lstat(p); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		return &config.Config{}, nil
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	if !allowOutside {
		if err := cfg.ConfineTo(filepath.Dir(path)); err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
	}
	return cfg, nil
}

// scanSetup is what a scanning command derives from its arguments, flags
// and config file: the same way for scan, baseline and fix.
type scanSetup struct {
	cfg    *config.Config // the config that judges the run (the base's with --new-since)
	opts   scanner.Options
	failOn finding.Severity
	judge  *judgement // set with --new-since
	// severities, when set (--severity HIGH,CRITICAL), keeps exactly these;
	// opts.MinSeverity is then the lowest of them.
	severities []finding.Severity
	allowEmpty bool
}

// failNever is the --fail-on of "none": above every severity.
const failNever = finding.SeverityCritical + 1

// checkEmpty fails a scan that read no Terraform at all: a mistyped path
// or a checkout step that did not run must not pass as "no problems".
func (s *scanSetup) checkEmpty(rep finding.Report) error {
	if rep.Stats.Files > 0 || s.allowEmpty {
		return nil
	}
	// --new-since scans only what a change can affect (and the base's
	// settings may skip more): nothing scanned there is not an empty tree.
	if rep.Comparison != nil {
		return nil
	}
	return withCode(exitError, fmt.Errorf("no Terraform files found in %s (pass --allow-empty if that is expected)", strings.Join(s.opts.Paths, ", ")))
}

// onlySeverities drops the findings outside an exact --severity list.
func (s *scanSetup) onlySeverities(rep *finding.Report) {
	if s.severities == nil {
		return
	}
	kept := rep.Findings[:0]
	for _, fd := range rep.Findings {
		if slices.Contains(s.severities, fd.Severity) || fd.RuleID == scanner.ParseRuleID {
			kept = append(kept, fd)
			continue
		}
		rep.Stats.Filtered++
	}
	rep.Findings = kept
}

// setupScan turns PATH arguments, flags and the config file into scan
// options. compare is nil for commands without --new-since.
func setupScan(cmd *cobra.Command, args []string, f optionFlags, compare *compareFlags, stderr io.Writer) (*scanSetup, error) {
	args, err := pathArgs(cmd, args)
	if err != nil {
		return nil, err
	}
	args = dirsOfFiles(args)
	cfg, err := loadConfig(f.configPath, args[0], f.allowOutsideRoot)
	if err != nil {
		return nil, withCode(exitError, err)
	}
	set := &scanSetup{}
	if f.shard != "" && compare != nil && (compare.newSince != "" || compare.baseline != "") {
		return nil, withCode(exitError, errors.New("--shard: not with --new-since or --baseline (a shard's report is merged by `tfreview merge`, which judges the whole tree)"))
	}
	if compare != nil && compare.newSince != "" {
		if set.judge, cfg, err = judgeChange(cmd.Context(), *compare, f.configPath, args[0], f.allowOutsideRoot, cfg); err != nil {
			return nil, withCode(exitError, err)
		}
	}
	set.cfg = cfg
	if set.opts, set.failOn, set.severities, err = scanOptions(cmd, f, cfg, args); err != nil {
		return nil, withCode(exitError, err)
	}
	set.allowEmpty = f.allowEmpty
	if err := validateCheckIDs(set.opts, f, cfg); err != nil {
		return nil, withCode(exitError, err)
	}
	set.opts.Logger = newLogger(stderr, f.debug)
	return set, nil
}

// scanOptions merges the config file and the flags; flags win.
func scanOptions(cmd *cobra.Command, f optionFlags, cfg *config.Config, args []string) (scanner.Options, finding.Severity, []finding.Severity, error) {
	changed := cmd.Flags().Changed
	pick := func(flag, flagVal, cfgVal, def string) string {
		switch {
		case changed(flag):
			return flagVal
		case cfgVal != "":
			return cfgVal
		}
		return def
	}
	minSev, severities, err := parseSeverities(pick("severity", f.severity, cfg.Severity, "LOW"))
	if err != nil {
		return scanner.Options{}, 0, nil, fmt.Errorf("--severity: %w", err)
	}
	failOn := failNever
	if v := pick("fail-on", f.failOn, cfg.FailOn, "HIGH"); !strings.EqualFold(v, "none") {
		if failOn, err = finding.ParseSeverity(v); err != nil {
			return scanner.Options{}, 0, nil, fmt.Errorf("--fail-on: %w (or none)", err)
		}
	}
	pss := pick("k8s-pss", f.k8sPSS, cfg.K8sPSS, "restricted")
	if pss != "restricted" && pss != "baseline" {
		return scanner.Options{}, 0, nil, fmt.Errorf("--k8s-pss %q: want baseline or restricted", pss)
	}
	engines := cfg.Engines
	if changed("engines") {
		engines = f.engines
	}
	vars := map[string]string{}
	for _, kv := range f.vars {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return scanner.Options{}, 0, nil, fmt.Errorf("--var %q: want NAME=VALUE", kv)
		}
		vars[k] = v
	}
	var shard scanner.Shard
	if f.shard != "" {
		if shard, err = scanner.ParseShard(f.shard); err != nil {
			return scanner.Options{}, 0, nil, fmt.Errorf("--shard: %w", err)
		}
	}
	customChecks := pick("custom-checks", f.customChecks, cfg.CustomChecks, "")
	if customChecks != "" {
		// Evaluation workers may run elsewhere than the current directory.
		if customChecks, err = filepath.Abs(customChecks); err != nil {
			return scanner.Options{}, 0, nil, fmt.Errorf("--custom-checks: %w", err)
		}
	}
	opts := scanner.Options{
		Shard:               shard,
		CacheDir:            f.cacheDir,
		Paths:               args,
		Engines:             engines,
		Checks:              f.checks,
		DisabledChecks:      append(append([]string(nil), cfg.DisabledChecks...), f.skipChecks...),
		SkipDirs:            append(append([]string(nil), cfg.SkipDirs...), f.skipDirs...),
		SkipFiles:           append(append([]string(nil), cfg.SkipFiles...), f.skipFiles...),
		VarFiles:            append(append([]string(nil), cfg.VarFiles...), f.varFiles...),
		Vars:                vars,
		AllowDownloads:      f.downloadModules,
		ModuleCache:         f.moduleCache,
		ChecksBundle:        f.checksBundle,
		PlanFile:            f.planFile,
		CustomChecks:        customChecks,
		MinSeverity:         minSev,
		RequireIgnoreReason: f.requireIgnoreReason || cfg.RequireIgnoreReason,
		RulesConfig:         cfg.Rules,
		Limits:              scanner.Limits{MaxFileSize: f.maxFileSize, MaxNesting: f.maxNesting, MaxInstances: f.maxInstances, MaxEvalTime: f.maxEvalTime, MaxEvalMemory: f.maxEvalMemoryMiB << 20},
		WorkerCommand:       workerCommand(),
		K8sPSS:              pss,
	}
	return opts, failOn, severities, nil
}

// parseSeverities reads --severity: one value is a floor (as always); a
// comma list is the exact set reported, as Trivy's --severity is.
func parseSeverities(v string) (floor finding.Severity, exact []finding.Severity, err error) {
	if !strings.Contains(v, ",") {
		floor, err = finding.ParseSeverity(v)
		return floor, nil, err
	}
	floor = failNever
	for _, name := range strings.Split(v, ",") {
		sev, err := finding.ParseSeverity(strings.TrimSpace(name))
		if err != nil {
			return 0, nil, err
		}
		exact = append(exact, sev)
		floor = min(floor, sev)
	}
	return floor, exact, nil
}

type output struct {
	name string
	fmt  formatters.Formatter
	w    io.Writer
	// dest is the --output file; the output is written to tmp beside it
	// and renamed over it only when complete, so a run that fails never
	// empties or truncates yesterday's report.
	dest string
	tmp  *os.File
	// special is a destination that is not a regular file (a device, a
	// pipe), written in place.
	special *os.File
}

type outputs struct{ list []output }

// write formats rep to every output and puts each file output in place.
// An output that fails leaves its destination as it was; the others are
// still written (findings are never lost to one broken output).
func (o *outputs) write(rep finding.Report) error {
	var errs []error
	for i := range o.list {
		out := &o.list[i]
		if err := out.fmt.Format(out.w, rep); err != nil {
			errs = append(errs, fmt.Errorf("write %s output: %w", out.name, err))
			continue
		}
		if out.special != nil {
			if err := out.special.Close(); err != nil {
				errs = append(errs, fmt.Errorf("write %s output: %w", out.name, err))
			}
			out.special = nil
		}
		if out.tmp == nil {
			continue
		}
		tmp := out.tmp
		out.tmp = nil
		err := tmp.Chmod(0o644)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), out.dest)
		}
		if err != nil {
			os.Remove(tmp.Name())
			errs = append(errs, fmt.Errorf("write %s output %s: %w", out.name, out.dest, err))
		}
	}
	return errors.Join(errs...)
}

// discard removes the temporary files of outputs not put in place.
func (o *outputs) discard() {
	for i := range o.list {
		if f := o.list[i].special; f != nil {
			f.Close()
			o.list[i].special = nil
		}
		if t := o.list[i].tmp; t != nil {
			t.Close()
			os.Remove(t.Name())
			o.list[i].tmp = nil
		}
	}
}

// openOutputs pairs each --format with the --output at the same position;
// formats without one go to stdout.
func openOutputs(f scanFlags, stdout io.Writer) (*outputs, error) {
	formats := f.formats
	if formats == nil { // empty but not nil: a reporter is the only output
		formats = []string{"text"}
	}
	if len(f.outputs) > len(formats) {
		return nil, fmt.Errorf("%d --output given for %d --format; pair each --output with a --format", len(f.outputs), len(formats))
	}
	outs := &outputs{}
	for i, name := range formats {
		dest := "-"
		if i < len(f.outputs) {
			dest = f.outputs[i]
		}
		if f.quiet && dest == "-" && name == "text" {
			continue
		}
		o := output{name: name, w: stdout}
		color := false
		if dest != "-" {
			st, err := os.Stat(dest)
			switch {
			case err == nil && st.IsDir():
				outs.discard()
				return nil, fmt.Errorf("--output %s: is a directory", dest)
			case err == nil && !st.Mode().IsRegular():
				// A device or a pipe (/dev/null, /dev/stdout, a FIFO):
				// written in place, never replaced by a rename.
				file, err := os.OpenFile(dest, os.O_WRONLY, 0)
				if err != nil {
					outs.discard()
					return nil, fmt.Errorf("--output %s: %w", dest, err)
				}
				o.w, o.special = file, file
			default:
				// Beside the destination, so that the rename is atomic.
				file, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp-*")
				if err != nil {
					outs.discard()
					return nil, fmt.Errorf("--output %s: %w", dest, err)
				}
				o.w, o.tmp, o.dest = file, file, dest
			}
		} else {
			color = isTerminal(stdout) && os.Getenv("NO_COLOR") == "" && !f.noColor
		}
		fm, err := formatters.New(name, formatters.Options{Color: color, ShowSuppressed: f.showIgnored})
		if err != nil {
			outs.discard()
			return nil, err
		}
		o.fmt = fm
		outs.list = append(outs.list, o)
	}
	return outs, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
