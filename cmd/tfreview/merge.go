package main

import (
	"cmp"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/formatters"
	"github.com/tfreview/tfreview/scanner"
)

type mergeFlags struct {
	scanFlags
	root string
}

func newMergeCmd(stdout, stderr io.Writer, code *int) *cobra.Command {
	var f mergeFlags
	cmd := &cobra.Command{
		Use:   "merge FILE...",
		Short: "Merge the json reports of `scan --shard K/N` jobs into one report",
		Example: `  tfreview merge shard-*.json --format sarif --output tfreview.sarif --reporter github-pr-review
  tfreview merge shard-1.json shard-2.json --fail-on HIGH`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := runMerge(cmd, args, f, stdout, stderr)
			*code = c
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&f.formats, "format", "f", nil, "output format: "+strings.Join(formatters.Names(), ", ")+" (repeatable, paired in order with --output; default text)")
	fl.StringArrayVarP(&f.outputs, "output", "o", nil, "write the matching --format to this file instead of stdout (repeatable)")
	fl.StringVar(&f.failOn, "fail-on", "", "exit 1 when a finding is at or above this severity (default HIGH)")
	fl.BoolVar(&f.showIgnored, "show-ignored", false, "also report suppressed findings, marked as such")
	fl.BoolVar(&f.noColor, "no-color", false, "no colour in text output (also NO_COLOR)")
	fl.StringVar(&f.configPath, "config", "", "config file (default .tfreview.yaml in --root, then the current directory)")
	fl.StringVar(&f.root, "root", ".", "the directory the shards scanned: snippets are read from the files below it")
	addReportFlags(fl, &f.report)
	return cmd
}

func runMerge(cmd *cobra.Command, args []string, f mergeFlags, stdout, stderr io.Writer) (int, error) {
	cfg, err := loadConfig(f.configPath, f.root, false)
	if err != nil {
		return exitError, withCode(exitError, err)
	}
	failOn, err := finding.ParseSeverity(cmp.Or(f.failOn, cfg.FailOn, "HIGH"))
	if err != nil {
		return exitError, withCode(exitError, fmt.Errorf("--fail-on: %w", err))
	}
	var shards []finding.Report
	for _, name := range args {
		rep, err := readReport(name)
		if err != nil {
			return exitError, withCode(exitError, err)
		}
		shards = append(shards, rep)
	}
	rep := mergeReports(shards)
	rep.Tool = finding.Tool{Name: "tfreview", Version: version, URI: "https://github.com/tfreview/tfreview"}
	if rep.Root, err = filepath.Abs(f.root); err != nil {
		return exitError, withCode(exitError, err)
	}
	if rep.Sources, err = readSources(rep.Root, rep); err != nil {
		return exitError, withCode(exitError, err)
	}

	rp, err := newReporter(f.report, cfg, failOn, stdout, stderr)
	if err != nil {
		return exitError, withCode(exitError, err)
	}
	if rp != nil && len(f.formats) == 0 {
		f.formats = []string{}
	}
	outs, err := openOutputs(f.scanFlags, stdout)
	if err != nil {
		return exitError, withCode(exitError, err)
	}
	defer outs.discard()
	return emitReport(cmd.Context(), rep, outs, rp, failOn, stderr)
}

func readReport(name string) (finding.Report, error) {
	file, err := os.Open(name)
	if err != nil {
		return finding.Report{}, err
	}
	defer file.Close()
	rep, err := formatters.ReadJSON(file)
	if err != nil {
		return finding.Report{}, fmt.Errorf("%s: %w", name, err)
	}
	return rep, nil
}

// mergeReports makes one report of the shards' reports, as one scan of
// the whole tree would have made it: findings deduplicated and given their
// fingerprints again (finding.AssignFingerprints over all of them), notes
// deduplicated, statistics summed, rules united.
func mergeReports(shards []finding.Report) finding.Report {
	var out finding.Report
	engines := map[string]bool{}
	rules := map[string]finding.RuleInfo{}
	seenFinding := map[string]bool{}
	seenNote := map[finding.Note]bool{}
	for _, s := range shards {
		out.Stats.Files += s.Stats.Files
		out.Stats.RootModules += s.Stats.RootModules
		out.Stats.Resources += s.Stats.Resources
		out.Stats.Filtered += s.Stats.Filtered
		// Every shard runs the same checks.
		out.Stats.ChecksRun = max(out.Stats.ChecksRun, s.Stats.ChecksRun)
		for _, e := range s.Stats.Engines {
			engines[e] = true
		}
		for _, r := range s.Rules {
			rules[r.ID] = r
		}
		for _, f := range s.Findings {
			// A finding seen by two shards (a file both read) is one
			// finding; the suffix of a repeated fingerprint is assigned
			// again below, over the whole tree.
			f.Fingerprint = ""
			k := fmt.Sprintf("%#v", findingKey(f))
			if seenFinding[k] {
				continue
			}
			seenFinding[k] = true
			out.Findings = append(out.Findings, f)
		}
		for _, n := range s.Notes {
			if !seenNote[n] {
				seenNote[n] = true
				out.Notes = append(out.Notes, n)
			}
		}
	}
	// A single scan meets the root modules in path order, and findings
	// that compare equal (one module's resource reached from several root
	// modules) keep that order, in the report and in the suffixes of
	// repeated fingerprints: so here too.
	slices.SortStableFunc(out.Findings, func(a, b finding.Finding) int {
		return strings.Compare(finding.RootModuleOf(a), finding.RootModuleOf(b))
	})
	finding.AssignFingerprints(out.Findings)
	slices.SortStableFunc(out.Notes, func(a, b finding.Note) int {
		return cmp.Or(strings.Compare(a.Range.File, b.Range.File), cmp.Compare(a.Range.Start.Line, b.Range.Start.Line))
	})
	out.Stats.Engines = slices.Sorted(maps.Keys(engines))
	for _, r := range rules {
		out.Rules = append(out.Rules, r)
	}
	slices.SortFunc(out.Rules, func(a, b finding.RuleInfo) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// findingKey is a finding without its fingerprint and with its pointers
// followed, for comparing.
func findingKey(f finding.Finding) any {
	type key struct {
		F                finding.Finding
		Fix              finding.Fix
		Supp, Exp        finding.Suppression
		Cause            finding.Cause
		HasFix, HasSupp  bool
		HasExp, HasCause bool
	}
	k := key{F: f}
	k.F.Fix, k.F.Suppressed, k.F.ExpiredIgnore, k.F.Cause = nil, nil, nil, nil
	if f.Fix != nil {
		k.Fix, k.HasFix = *f.Fix, true
	}
	if f.Suppressed != nil {
		k.Supp, k.HasSupp = *f.Suppressed, true
	}
	if f.ExpiredIgnore != nil {
		k.Exp, k.HasExp = *f.ExpiredIgnore, true
	}
	if f.Cause != nil {
		k.Cause, k.HasCause = *f.Cause, true
	}
	return k
}

// readSources reads the files the report names, for snippets, through an
// os.Root of root: a report is an artifact another job wrote, and its
// file names must not lead outside the tree (".." and symbolic links are
// refused by os.Root). A missing or unreadable file has no snippet.
func readSources(root string, rep finding.Report) (map[string][]byte, error) {
	dir, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("--root: %w", err)
	}
	defer dir.Close()
	out := map[string][]byte{}
	read := func(name string) {
		if name == "" || out[name] != nil || !fs.ValidPath(name) {
			return
		}
		file, err := dir.Open(name)
		if err != nil {
			return
		}
		defer file.Close()
		st, err := file.Stat()
		if err != nil || !st.Mode().IsRegular() || st.Size() > scanner.DefaultLimits.MaxFileSize {
			return
		}
		if src, err := io.ReadAll(io.LimitReader(file, scanner.DefaultLimits.MaxFileSize)); err == nil {
			out[name] = src
		}
	}
	for _, f := range rep.Findings {
		read(f.Range.File)
		for _, cs := range f.CallSites {
			read(cs.Range.File)
		}
	}
	return out, nil
}
