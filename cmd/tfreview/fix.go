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
		rep, err := scanner.Scan(ctx, scanner.Options{Paths: workPaths, BaseDir: work, Engines: engines})
		if err != nil {
			return err
		}
		broken := map[string]bool{}
		for _, f := range rep.Findings {
			if f.RuleID == scanner.ParseRuleID {
				broken[f.Range.File] = true
			}
		}
		n := 0
		for file, edits := range fixes.EditsByFile(rep.Findings, selected) {
			if broken[file] {
				continue
			}
			p := filepath.Join(work, filepath.FromSlash(file))
			src, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			edits = nonOverlapping(edits)
			out, err := fixes.ApplyEdits(src, edits)
			if err != nil {
				return fmt.Errorf("fix %s: %w", file, err)
			}
			if string(out) == string(src) {
				continue
			}
			if err := os.WriteFile(p, out, 0o644); err != nil {
				return err
			}
			n += len(edits)
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

// nonOverlapping keeps edits that do not overlap an earlier one (identical
// edits are kept: ApplyEdits applies them once); the rest wait for the next
// pass, against the re-scanned file.
func nonOverlapping(edits []finding.TextEdit) []finding.TextEdit {
	slices.SortStableFunc(edits, func(a, b finding.TextEdit) int { return a.Range.Start.Byte - b.Range.Start.Byte })
	var out []finding.TextEdit
	end := -1
	for _, e := range edits {
		if len(out) > 0 {
			last := out[len(out)-1]
			if e.Range.Start.Byte == last.Range.Start.Byte && e.Range.End.Byte == last.Range.End.Byte && e.NewText == last.NewText {
				continue
			}
		}
		if e.Range.Start.Byte < end || e.Range.Start.Byte == end && e.Range.Start.Byte == e.Range.End.Byte && len(out) > 0 && out[len(out)-1].Range.End.Byte == end {
			continue
		}
		out = append(out, e)
		end = e.Range.End.Byte
	}
	return out
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
