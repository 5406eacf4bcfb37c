package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/tfreview/tfreview/baseline"
	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/newsince"
	"github.com/tfreview/tfreview/scanner"
)

// compareFlags are the flags that report only what is new: against a git
// ref (--new-since) or a recorded baseline (--baseline).
type compareFlags struct {
	newSince string
	fallback choiceFlag
	scope    choiceFlag
	baseline string
	// configFrom says whose settings judge the change with --new-since.
	configFrom choiceFlag
}

func addCompareFlags(fl *pflag.FlagSet, f *compareFlags) {
	fl.StringVar(&f.newSince, "new-since", "", "report only findings this change introduced: compare with the merge-base of this git ref and HEAD (branch, tag, SHA, or auto: the pull request's base in GitHub Actions)")
	f.fallback = newChoice("fail", "all")
	fl.Var(&f.fallback, "new-since-fallback", "when --new-since cannot compare (unknown ref, shallow clone, base that does not parse): fail (exit 2, default) or all (report every finding)")
	f.scope = newChoice("affected", "all")
	fl.Var(&f.scope, "new-since-scan", "with --new-since, which root modules of the working tree to scan: affected (those the change can affect; the others' findings are unchanged by construction) or all (every finding in the output, e.g. for a SARIF upload to code scanning)")
	f.configFrom = newChoice("base", "head")
	fl.Var(&f.configFrom, "config-from", "with --new-since, which revision's config file and --baseline judge the change: base (default; what the change does to them is listed, not applied) or head")
	fl.StringVar(&f.baseline, "baseline", "", "report only findings absent from this baseline file (see `tfreview baseline`); its findings are suppressed and stale entries counted")
}

// choiceFlag is a flag with a fixed set of values, checked when the flags
// are parsed, not after a scan. The first choice is the default.
type choiceFlag struct {
	value   string
	choices []string
}

func newChoice(choices ...string) choiceFlag { return choiceFlag{value: choices[0], choices: choices} }

func (f *choiceFlag) String() string { return f.value }
func (f *choiceFlag) Type() string   { return strings.Join(f.choices, "|") }
func (f *choiceFlag) Set(s string) error {
	if !slices.Contains(f.choices, s) {
		return fmt.Errorf("want %s or %s, not %q", strings.Join(f.choices[:len(f.choices)-1], ", "), f.choices[len(f.choices)-1], s)
	}
	f.value = s
	return nil
}

// scanAndCompare scans with opts and applies --baseline, then
// --new-since. With --new-since (and --new-since-scan=affected) the
// comparison decides which root modules of the working tree are scanned.
//
// j, set with --new-since, says which revision's settings judge the change
// (see judgeChange); honourNewIgnores is the judging config's
// allow_new_ignores.
func scanAndCompare(ctx context.Context, f compareFlags, opts scanner.Options, j *judgement, honourNewIgnores bool) (finding.Report, error) {
	var b *baseline.File
	var src []byte
	if f.baseline != "" {
		var err error
		if b, src, err = j.readBaseline(ctx, f.baseline); err != nil {
			return finding.Report{}, err
		}
	}
	scan := func(ctx context.Context, onlyRoots []string) (finding.Report, error) {
		o := opts
		o.OnlyRoots = onlyRoots
		rep, err := scanner.Scan(ctx, o)
		if err == nil && b != nil {
			baseline.Apply(&rep, b, f.baseline, src)
		}
		return rep, err
	}
	nopts := newsince.Options{Ref: f.newSince, Scan: opts, FallbackAll: f.fallback.value == "all", Logger: opts.Logger, HonourNewIgnores: honourNewIgnores}
	if f.newSince != "" && f.scope.value != "all" {
		nopts.ScanHead = scan
		return newsince.Compare(ctx, finding.Report{}, nopts)
	}
	rep, err := scan(ctx, nil)
	if err != nil || f.newSince == "" {
		return rep, err
	}
	return newsince.Compare(ctx, rep, nopts)
}
