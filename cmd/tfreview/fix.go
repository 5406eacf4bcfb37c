package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/fixes"
	"github.com/tfreview/tfreview/scanner"
)

// maxFixPasses bounds re-scanning: fixes of one block that overlap are
// applied over successive passes.
const maxFixPasses = 5

func newFixCmd(stdout, stderr io.Writer) *cobra.Command {
	var dryRun bool
	var checks, engines []string
	cmd := &cobra.Command{
		Use:   "fix [PATH...]",
		Short: "Apply the automatic fixes of findings in place (or print them as a diff)",
		Long: `fix scans PATH (default "."), applies every safe automatic fix, re-scans
and repeats until nothing more can be fixed. Files that do not parse are
never touched. With --dry-run nothing is written and a unified diff is
printed instead.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"."}
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			return withCode(exitError, runFix(ctx, args, engines, checks, dryRun, stdout, stderr))
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print a unified diff instead of writing")
	cmd.Flags().StringSliceVar(&checks, "check", nil, "only fix findings of these checks (IDs or aliases)")
	cmd.Flags().StringSliceVar(&engines, "engines", nil, "engines to run: trivy,builtin (default both)")
	return cmd
}

func runFix(ctx context.Context, paths, engines, checks []string, dryRun bool, stdout, stderr io.Writer) error {
	work, err := os.MkdirTemp("", "tfreview-fix-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	// Work on a copy of the Terraform files, so a dry run and a real run
	// take the same path and nothing is written until every pass is done.
	var workPaths []string
	for i, p := range paths {
		dst := filepath.Join(work, fmt.Sprint(i))
		if err := copyTerraform(p, dst); err != nil {
			return fmt.Errorf("fix %s: %w", p, err)
		}
		workPaths = append(workPaths, dst)
	}
	selected := func(f finding.Finding) bool {
		if len(checks) == 0 {
			return true
		}
		return slices.ContainsFunc(checks, f.HasID)
	}
	applied := 0
	for pass := 0; pass < maxFixPasses; pass++ {
		rep, err := scanner.Scan(ctx, scanner.Options{Paths: workPaths, BaseDir: work, Engines: engines, WorkerCommand: workerCommand()})
		if err != nil {
			return err
		}
		broken := map[string]bool{}
		for _, f := range rep.Findings {
			if f.RuleID == scanner.ParseRuleID {
				broken[f.Range.File] = true
			}
		}
		var todo []*finding.Fix
		src := map[string][]byte{}
		for _, f := range rep.Findings {
			if f.Fix == nil || f.Suppressed != nil || !selected(f) {
				continue
			}
			touchesBroken := false
			for _, e := range f.Fix.Edits {
				touchesBroken = touchesBroken || broken[e.Range.File]
			}
			if touchesBroken {
				continue
			}
			for _, e := range f.Fix.Edits {
				if _, ok := src[e.Range.File]; !ok {
					data, err := os.ReadFile(filepath.Join(work, filepath.FromSlash(e.Range.File)))
					if err != nil {
						return err
					}
					src[e.Range.File] = data
				}
			}
			todo = append(todo, f.Fix)
		}
		// Fixes whose edits overlap one already taken wait for the next
		// pass, against the re-scanned file.
		res, err := fixes.ApplyFixes(src, todo)
		if err != nil {
			return err
		}
		for file, out := range res.Files {
			if err := os.WriteFile(filepath.Join(work, filepath.FromSlash(file)), out, 0o644); err != nil {
				return err
			}
		}
		n := 0
		if len(res.Files) > 0 {
			n = len(res.Applied)
		}
		applied += n
		if n == 0 {
			break
		}
	}
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
			return err
		}
	}
	verb := "applied"
	if dryRun {
		verb = "would apply"
	}
	fmt.Fprintf(stderr, "tfreview fix: %s %d fix(es) in %d file(s)\n", verb, applied, changed)
	return nil
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
		if !d.Type().IsRegular() || !(strings.HasSuffix(name, ".tf") || strings.HasSuffix(name, ".tf.json") ||
			strings.HasSuffix(name, ".tfvars") || strings.HasSuffix(name, ".tfvars.json") || name == ".tfreview.yaml") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
}
