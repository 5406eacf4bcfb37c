package main

import (
	"context"
	"fmt"

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
	fallback fallbackFlag
	baseline string
}

func addCompareFlags(fl *pflag.FlagSet, f *compareFlags) {
	fl.StringVar(&f.newSince, "new-since", "", "report only findings this change introduced: compare with the merge-base of this git ref and HEAD (branch, tag, SHA, or auto: the pull request's base in GitHub Actions)")
	fl.Var(&f.fallback, "new-since-fallback", "when --new-since cannot compare (unknown ref, shallow clone, base that does not parse): fail (exit 2, default) or all (report every finding)")
	fl.StringVar(&f.baseline, "baseline", "", "report only findings absent from this baseline file (see `tfreview baseline`); its findings are suppressed and stale entries counted")
}

// fallbackFlag checks --new-since-fallback when the flags are parsed, not
// after a scan.
type fallbackFlag string

func (f *fallbackFlag) String() string { return string(*f) }
func (f *fallbackFlag) Type() string   { return "fail|all" }
func (f *fallbackFlag) Set(s string) error {
	if s != "fail" && s != "all" {
		return fmt.Errorf("want fail or all, not %q", s)
	}
	*f = fallbackFlag(s)
	return nil
}

// compareReport applies --baseline, then --new-since, to the report of a
// scan made with opts.
func compareReport(ctx context.Context, f compareFlags, opts scanner.Options, rep finding.Report) (finding.Report, error) {
	if f.baseline != "" {
		b, src, err := baseline.Read(f.baseline)
		if err != nil {
			return rep, err
		}
		baseline.Apply(&rep, b, f.baseline, src)
	}
	if f.newSince == "" {
		return rep, nil
	}
	return newsince.Compare(ctx, rep, newsince.Options{
		Ref:         f.newSince,
		Scan:        opts,
		FallbackAll: f.fallback == "all",
		Logger:      opts.Logger,
	})
}
