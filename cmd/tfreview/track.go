package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/fixes"
	"github.com/tfreview/tfreview/ledger"
	"github.com/tfreview/tfreview/lifecycle"
	"github.com/tfreview/tfreview/reporters/review"
	"github.com/tfreview/tfreview/scanner"
	ghtracker "github.com/tfreview/tfreview/trackers/github"
	jiratracker "github.com/tfreview/tfreview/trackers/jira"
)

// trackFlags are the flags of `tfreview track` besides the scan flags.
type trackFlags struct {
	scan    scanFlags
	tracker string
	dryRun  bool
	ledger  string
	notify  string
	report  string
	commit  string
	secHub  bool
	// now is the clock; tests set it.
	now func() time.Time
}

func newTrackCmd(stdout, stderr io.Writer, code *int) *cobra.Command {
	f := trackFlags{now: time.Now}
	cmd := &cobra.Command{
		Use:   "track [PATH...]",
		Short: "Keep findings as tickets, a ledger and notifications, run after each push to the default branch",
		Long: `track scans, then reconciles the findings with the tracker's tickets: one
ticket per check and resource (instances and module calls grouped), created,
updated, closed when fixed, reopened when back, closed as an accepted risk
when suppressed with a reason. The ledger, the notification and the weekly
report are written from the same plan. --dry-run prints the plan and writes
nothing. If the tracker fails, the other outputs are still written and the
exit code is 3.`,
		Example: `  tfreview track --dry-run
  tfreview track --tracker github --ledger security/ledger.csv --report weekly.md
  tfreview track --tracker jira --notify "$SLACK_WEBHOOK_URL" --securityhub`,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := runTrack(cmd, args, f, stdout, stderr)
			*code = c
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.tracker, "tracker", "none", "where tickets live: github, jira, none (the ledger alone)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "print the plan (create, update, close, reopen, accept) and write nothing")
	fl.StringVar(&f.ledger, "ledger", "", "the tracking sheet, .csv or .xlsx; people's columns are kept")
	fl.StringVar(&f.notify, "notify", "", "post new, reopened and fixed findings to this Slack (or JSON) webhook, once per run (default $TFREVIEW_NOTIFY_URL, which keeps the URL off the command line)")
	fl.StringVar(&f.report, "report", "", "write the weekly review page (Markdown) here; also appended to $GITHUB_STEP_SUMMARY")
	fl.StringVar(&f.commit, "commit", "", "the commit scanned, for permalinks and \"fixed in\" (default $GITHUB_SHA)")
	fl.BoolVar(&f.secHub, "securityhub", false, "import the findings into AWS Security Hub (standard credential chain and region) and archive the gone ones")
	s := &f.scan
	fl.StringArrayVarP(&s.formats, "format", "f", nil, "also write this output format (repeatable, paired with --output)")
	fl.StringArrayVarP(&s.outputs, "output", "o", nil, "write the matching --format to this file")
	addOptionFlags(fl, &s.optionFlags)
	return cmd
}

func runTrack(cmd *cobra.Command, args []string, f trackFlags, stdout, stderr io.Writer) (int, error) {
	ctx := cmd.Context()
	if f.notify == "" {
		f.notify = os.Getenv("TFREVIEW_NOTIFY_URL")
	}
	fail := func(err error) (int, error) { return exitError, withCode(exitError, err) }
	set, err := setupScan(cmd, args, f.scan.optionFlags, nil, stderr)
	if err != nil {
		return exitError, err
	}
	cfg, opts := set.cfg, set.opts
	args = opts.Paths
	settings, err := lifecycle.ParseSettings(&cfg.Track)
	if err != nil {
		return fail(err)
	}
	owners, err := ownerRules(cfg.Owners)
	if err != nil {
		return fail(err)
	}
	co, _, err := review.LoadCodeOwners(args[0])
	if err != nil {
		return fail(err)
	}
	commit := f.commit
	if commit == "" {
		commit = os.Getenv("GITHUB_SHA")
	}
	tracker, err := newLifecycleTracker(f.tracker, args[0], settings, os.Getenv)
	if err != nil {
		return fail(err)
	}
	var outs *outputs
	if !f.dryRun {
		if f.scan.formats == nil {
			f.scan.formats = []string{} // track prints its plan, not the text format
		}
		if outs, err = openOutputs(f.scan, stdout); err != nil {
			return fail(err)
		}
		defer outs.discard()
	}

	rep, err := scanner.Scan(ctx, opts)
	if err != nil {
		return fail(err)
	}
	rep.Tool = finding.Tool{Name: "tfreview", Version: version, URI: "https://github.com/tfreview/tfreview"}
	groups := lifecycle.GroupFindings(rep.Findings)
	lifecycle.Router{Settings: settings, Owners: owners, CodeOwners: co}.Route(groups)
	addFixDiffs(groups, rep.Root)

	var led *ledger.Ledger
	if f.ledger != "" {
		if led, err = ledger.Read(f.ledger); err != nil {
			return fail(err)
		}
	}
	// With no tracker, or when it cannot be listed, the ledger's rows are
	// what the plan compares with, so the ledger and the notifications
	// still say what changed.
	var trackerErr error
	var tickets []lifecycle.Ticket
	if tracker != nil {
		if tickets, err = tracker.List(ctx); err != nil {
			trackerErr = fmt.Errorf("tracker %s: %w", f.tracker, err)
			tracker = nil
		}
	}
	if tracker == nil && led != nil {
		tickets = led.Tickets()
	}
	plan := lifecycle.Reconcile(groups, tickets, commit)
	if why := lifecycle.Incomplete(rep); why != "" {
		if n := plan.HoldCloses(); n > 0 {
			fmt.Fprintf(stderr, "tfreview: the scan was incomplete (%s): %d tickets not closed until a complete scan\n", why, n)
		}
	}
	if f.dryRun {
		if err := plan.Write(stdout); err != nil {
			return exitNotReported, withCode(exitNotReported, err)
		}
		if trackerErr != nil {
			return exitNotReported, withCode(exitNotReported, trackerErr)
		}
		return exitOK, nil
	}

	var errs []error
	if trackerErr != nil {
		errs = append(errs, trackerErr)
	}
	applied := lifecycle.Applied{Tickets: map[string]lifecycle.Ticket{}}
	for _, t := range tickets {
		applied.Tickets[t.Key] = t
	}
	if tracker != nil {
		a, err := lifecycle.Apply(ctx, tracker, plan)
		for k, t := range a.Tickets {
			applied.Tickets[k] = t
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("tracker %s: %w", f.tracker, err))
		}
	}
	if err := plan.Write(stderr); err != nil {
		errs = append(errs, err)
	}
	if outs != nil {
		if err := outs.write(rep); err != nil {
			errs = append(errs, err)
		}
	}
	if led != nil {
		led.Apply(plan, applied.Tickets, f.now())
		if err := led.Write(f.ledger); err != nil {
			errs = append(errs, err)
		}
	}
	errs = append(errs, trackExtras(ctx, f, rep, plan, led, applied)...)
	if err := errors.Join(errs...); err != nil {
		return exitNotReported, withCode(exitNotReported, err)
	}
	return exitOK, nil
}

// newLifecycleTracker builds the --tracker adapter from the environment
// the GitHub reporters read; nil for none.
func newLifecycleTracker(name, root string, settings lifecycle.Settings, env func(string) string) (lifecycle.Tracker, error) {
	switch name {
	case "", "none":
		return nil, nil
	case "github":
		prefix, err := repoPrefix(root, env("GITHUB_WORKSPACE"))
		if err != nil {
			return nil, err
		}
		return ghtracker.New(ghtracker.Options{
			Token: env("GITHUB_TOKEN"), APIURL: env("GITHUB_API_URL"), ServerURL: env("GITHUB_SERVER_URL"),
			Repository: env("GITHUB_REPOSITORY"), PathPrefix: prefix,
		})
	case "jira":
		return jiratracker.New(jiratracker.Options{
			BaseURL: env("JIRA_URL"), User: env("JIRA_USER"), APIToken: env("JIRA_API_TOKEN"), PAT: env("JIRA_PAT"),
			DoneStatus: settings.Jira.DoneStatus, ReopenStatus: settings.Jira.ReopenStatus, AcceptedStatus: settings.Jira.AcceptedStatus,
			Defaults: settings.Jira.Defaults,
		})
	}
	return nil, fmt.Errorf("--tracker %q: want github, jira or none", name)
}

// repoPrefix is the scanned root relative to the repository (the
// workspace in Actions, else the current directory), for permalinks.
func repoPrefix(root, workspace string) (string, error) {
	base := workspace
	if base == "" {
		base = "."
	}
	absBase, err := filepath.Abs(base)
	if err != nil {
		return "", err
	}
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(absBase, absRoot)
	if err != nil || !filepath.IsLocal(rel) && rel != "." {
		return "", nil
	}
	if rel == "." {
		return "", nil
	}
	return filepath.ToSlash(rel), nil
}

// addFixDiffs renders each group's fix as a unified diff from the scanned
// files. Only files inside the scanned root are read.
func addFixDiffs(groups []lifecycle.Group, root string) {
	for i := range groups {
		fx := groups[i].Fix
		if fx == nil || root == "" {
			continue
		}
		src := map[string][]byte{}
		ok := true
		for _, e := range fx.Edits {
			file := e.Range.File
			if !filepath.IsLocal(filepath.FromSlash(file)) {
				ok = false
				break
			}
			if _, seen := src[file]; seen {
				continue
			}
			b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(file)))
			if err != nil {
				ok = false
				break
			}
			src[file] = b
		}
		if !ok {
			continue
		}
		res, err := fixes.ApplyFixes(src, []*finding.Fix{fx})
		if err != nil {
			continue
		}
		var b strings.Builder
		for file, after := range res.Files {
			d, err := fixes.UnifiedDiff(path.Clean(file), src[file], after)
			if err == nil {
				b.WriteString(d)
			}
		}
		groups[i].FixDiff = b.String()
	}
}
