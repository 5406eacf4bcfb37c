package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/fixes"
	"github.com/tfreview/tfreview/rules"
	"github.com/tfreview/tfreview/scanner"
)

func newFixCmd(stdout, stderr io.Writer) *cobra.Command {
	var dryRun bool
	var only, classes []string
	var f optionFlags
	cmd := &cobra.Command{
		Use:   "fix [PATH...]",
		Short: "Apply the automatic fixes of findings in place (or print them as a diff)",
		Long: `fix scans PATH (default "."), applies every safe automatic fix, re-scans
and repeats until nothing more can be fixed. Fixes that add billable resources (a new KMS key), placeholders the author
must edit (description = "TODO: ...") or deletion protection are applied
only when asked for with --fix-class. It scans with the same options
and .tfreview.yaml as scan: a check that scan does not run, or a directory
it skips, is not fixed either. Files that do not parse are never touched.
With --dry-run nothing is written and a unified diff is printed instead;
it exits 1 when fixes are pending and 0 when there are none.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			set, err := setupScan(cmd, args, f, nil, stderr)
			if err != nil {
				return err
			}
			allowed, err := fixClassSet(classes)
			if err != nil {
				return withCode(exitError, err)
			}
			pending, err := runFix(cmd.Context(), set.opts, only, allowed, dryRun, stdout, stderr)
			if err != nil {
				return withCode(exitError, err)
			}
			if dryRun && pending > 0 {
				// Like `terraform fmt -check`: a dry run fails when there is
				// something to fix, so CI can require fixes be applied.
				return withCode(exitFindings, fmt.Errorf("fixes pending in %d file(s)", pending))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&dryRun, "dry-run", false, "print a unified diff instead of writing")
	fl.StringSliceVar(&only, "check", nil, "only fix findings of these checks (IDs or aliases)")
	fl.StringSliceVar(&classes, "fix-class", []string{rules.FixClassSafe}, "classes of fixes to apply: "+strings.Join(rules.FixClasses(), ", ")+", or all (`tfreview checks` shows each check's)")
	addOptionFlags(fl, &f)
	return cmd
}

// runFix fixes the paths of opts on a copy of their Terraform files (so a
// dry run and a real run take the same path and nothing is written until
// every pass is done), then writes back or prints what changed. Its steps:
// stage the copy, run the fix loop over it with the selection of --check
// and --fix-class, write back (or diff), report.
// It returns how many files the fixes change.
func runFix(ctx context.Context, opts scanner.Options, only []string, classes map[string]bool, dryRun bool, stdout, stderr io.Writer) (int, error) {
	work, err := os.MkdirTemp("", "tfreview-fix-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(work)
	workPaths, err := stageTerraform(opts.Paths, work)
	if err != nil {
		return 0, err
	}
	scanOpts := opts
	scanOpts.Paths, scanOpts.BaseDir = workPaths, work
	loop := fixes.Loop{
		Dir:          work,
		Scan:         func(ctx context.Context) (finding.Report, error) { return scanner.Scan(ctx, scanOpts) },
		ParseErrorID: scanner.ParseRuleID,
		Select:       fixSelection(only, classes),
	}
	res, err := loop.Run(ctx)
	if err != nil {
		return 0, err
	}
	changed, err := writeBack(opts.Paths, work, dryRun, stdout)
	if err != nil {
		return changed, err
	}
	verb := "applied"
	if dryRun {
		verb = "would apply"
	}
	fmt.Fprintf(stderr, "tfreview fix: %s %d fix(es) in %d file(s)\n", verb, res.Applied, changed)
	return changed, nil
}

// stageTerraform copies the Terraform files of each path into work/<i>
// (the layout writeBack reads) and returns those copies' paths.
func stageTerraform(paths []string, work string) ([]string, error) {
	var staged []string
	for i, p := range paths {
		dst := filepath.Join(work, fmt.Sprint(i))
		if err := copyTerraform(p, dst); err != nil {
			return nil, fmt.Errorf("fix %s: %w", p, err)
		}
		staged = append(staged, dst)
	}
	return staged, nil
}

// fixSelection is which findings fix applies: a fix class asked for
// (--fix-class) and, with --check, one of those checks by ID or alias.
func fixSelection(only []string, classes map[string]bool) func(finding.Finding) bool {
	return func(f finding.Finding) bool {
		return classes[rules.FixClass(f.RuleID)] && (len(only) == 0 || slices.ContainsFunc(only, f.HasID))
	}
}

// fixClassSet reads --fix-class.
func fixClassSet(names []string) (map[string]bool, error) {
	set := map[string]bool{}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		switch {
		case n == "all":
			for _, c := range rules.FixClasses() {
				set[c] = true
			}
		case slices.Contains(rules.FixClasses(), n):
			set[n] = true
		default:
			return nil, fmt.Errorf("--fix-class %q: want %s or all", n, strings.Join(rules.FixClasses(), ", "))
		}
	}
	return set, nil
}

// writeBack compares each file of the fixed copy with its original and
// writes it back, or prints the diff with dryRun. It returns how many
// files differ.
func writeBack(paths []string, work string, dryRun bool, stdout io.Writer) (int, error) {
	changed := 0
	for i, p := range paths {
		root := filepath.Join(work, fmt.Sprint(i))
		err := filepath.WalkDir(root, func(wp string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, wp)
			orig := filepath.Join(p, rel)
			before, err := os.ReadFile(orig)
			if err != nil {
				return err
			}
			after, err := os.ReadFile(wp)
			if err != nil || string(before) == string(after) {
				return err
			}
			changed++
			if dryRun {
				diff, err := fixes.UnifiedDiff(filepath.ToSlash(orig), before, after)
				if err != nil {
					return err
				}
				_, err = io.WriteString(stdout, diff)
				return err
			}
			info, err := os.Stat(orig)
			if err != nil {
				return err
			}
			return os.WriteFile(orig, after, info.Mode().Perm())
		})
		if err != nil {
			return changed, err
		}
	}
	return changed, nil
}

// copyTerraform copies the Terraform and tfvars files below src to dst,
// skipping hidden directories and symbolic links.
func copyTerraform(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if rel != "." && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		name := d.Name()
		if !d.Type().IsRegular() || !fixCopies(name) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
}

// fixCopies says which files fix works on: Terraform, tfvars and the
// config that decides what scan (and so fix) does.
func fixCopies(name string) bool {
	for _, suffix := range []string{".tf", ".tf.json", ".tfvars", ".tfvars.json"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return name == ".tfreview.yaml"
}
