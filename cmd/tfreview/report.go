package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/tfreview/tfreview/config"
	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/reporters"
)

// reportFlags are the flags that deliver findings where reviewers work.
type reportFlags struct {
	reporter    string
	filterMode  string
	diffBase    string
	outdated    string
	maxComments int
	prComment   bool
	timeout     time.Duration
	toolName    string
}

func addReportFlags(fl *pflag.FlagSet, f *reportFlags) {
	fl.StringVar(&f.reporter, "reporter", "", "also report to: "+strings.Join(reporters.Names, ", ")+" (GitHub reporters read GITHUB_TOKEN and the Actions environment)")
	fl.StringVar(&f.filterMode, "filter-mode", "", "which findings a reporter shows: added, diff_context, file, nofilter (default added on a diff, nofilter otherwise)")
	fl.StringVar(&f.diffBase, "diff-base", "", "git revision the local reporter diffs against (default the merge-base with the upstream branch)")
	fl.StringVar(&f.outdated, "outdated", "", "review comments of earlier runs that no longer apply: resolve (default), delete, keep")
	fl.IntVar(&f.maxComments, "max-comments", 0, fmt.Sprintf("most review comments per run, most severe kept (default %d)", reporters.DefaultMaxComments))
	fl.BoolVar(&f.prComment, "pr-comment", false, "keep one summary comment on the pull request, edited in place")
	fl.StringVar(&f.toolName, "tool-name", "", "name of this tfreview job on the pull request: keys its review comments, check run and summary comment, so several jobs (one per directory) do not resolve or overwrite each other's (default tfreview)")
	fl.DurationVar(&f.timeout, "github-timeout", 30*time.Second, "time allowed for each GitHub API request; a read that takes longer is retried (up to 3 times), a write is not")
}

// newReporter returns nil when --reporter is not set.
func newReporter(f reportFlags, cfg *config.Config, failOn finding.Severity, stdout, stderr io.Writer) (reporters.Reporter, error) {
	if f.reporter == "" {
		return nil, nil
	}
	owners, err := ownerRules(cfg.Owners)
	if err != nil {
		return nil, err
	}
	return reporters.New(f.reporter, reporters.Options{
		FilterMode:  f.filterMode,
		FailOn:      failOn,
		MaxComments: f.maxComments,
		PRComment:   f.prComment,
		Outdated:    f.outdated,
		Timeout:     f.timeout,
		ToolName:    f.toolName,
		DiffBase:    f.diffBase,
		Owners:      owners,
		Stdout:      stdout,
		Stderr:      stderr,
	})
}

func ownerRules(in []config.OwnerRule) ([]reporters.OwnerRule, error) {
	var out []reporters.OwnerRule
	for i, r := range in {
		rule := reporters.OwnerRule{Paths: r.Paths, Mention: r.Mention, Labels: r.Labels}
		if r.Severity != "" {
			lo, hi, err := parseSeverityRange(r.Severity)
			if err != nil {
				return nil, fmt.Errorf("owners[%d]: %w", i, err)
			}
			rule.Severity, rule.MaxSeverity = lo, hi
		}
		if err := rule.Validate(); err != nil {
			return nil, fmt.Errorf("owners[%d]: %w", i, err)
		}
		out = append(out, rule)
	}
	return out, nil
}

// parseSeverityRange reads an owners rule's severity: "HIGH" is a floor
// (HIGH and above, as it always was), "HIGH..HIGH" exactly HIGH, and
// "MEDIUM..HIGH" an inclusive range. The ceiling is SeverityUnknown for a
// floor.
func parseSeverityRange(s string) (lo, hi finding.Severity, err error) {
	from, to, isRange := strings.Cut(s, "..")
	lo, err = finding.ParseSeverity(strings.TrimSpace(from))
	if err != nil || !isRange {
		return lo, finding.SeverityUnknown, err
	}
	hi, err = finding.ParseSeverity(strings.TrimSpace(to))
	if err != nil {
		return lo, hi, err
	}
	if hi < lo {
		return lo, hi, fmt.Errorf("severity range %q is empty (write the lower severity first)", s)
	}
	return lo, hi, nil
}

// runReporter delivers rep and returns the exit code: 3 when it could not,
// else 1 when a finding in the reporter's scope (on a pull request, the
// changed code) is at or above --fail-on, else 0.
func runReporter(ctx context.Context, r reporters.Reporter, rep finding.Report, stderr io.Writer) (int, error) {
	res, err := r.Report(ctx, rep)
	for _, n := range res.Notes {
		fmt.Fprintln(stderr, "tfreview:", n)
	}
	if err != nil {
		var re *reporters.Error
		if !errors.As(err, &re) {
			err = &reporters.Error{Op: "report", Msg: err.Error()}
		}
		return exitNotReported, withCode(exitNotReported, err)
	}
	if res.Failed {
		return exitFindings, nil
	}
	return exitOK, nil
}

// dirsOfFiles maps Terraform file arguments to their directories, once
// each: pre-commit passes the staged files, tfreview scans directories.
func dirsOfFiles(args []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range args {
		p := a
		if st, err := os.Stat(a); err == nil && !st.IsDir() && isTerraformFile(a) {
			p = filepath.Dir(a)
		}
		if !seen[filepath.Clean(p)] {
			seen[filepath.Clean(p)] = true
			out = append(out, p)
		}
	}
	return out
}

func isTerraformFile(p string) bool {
	for _, ext := range []string{".tf", ".tf.json", ".tfvars", ".tfvars.json"} {
		if strings.HasSuffix(p, ext) {
			return true
		}
	}
	return false
}
