// Package newsince implements `scan --new-since REF`: it scans the merge-base
// of REF and HEAD, read from the object database into a temporary
// directory (no checkout), and compares its findings with the working tree's by
// fingerprint, so that only what the change introduced decides the exit
// code, wherever it is located, and what it fixed is listed.
//
// Only the root modules the change can affect are scanned at the base:
// those whose files, local modules (transitively) or loaded tfvars differ.
// Findings move with git's rename detection and with the working tree's
// `moved {}` blocks before they are compared. An introduced finding
// outside the diff gets the change that caused it when one is found: a
// variable default, a tfvars line, a module input, a removed companion
// resource.
//
// git runs through internal/gitexec and nothing from the repository is
// executed; the base's files are written without filters, its symbolic
// links and submodules are left out, and the temporary directory is
// removed on every return, also on error or cancellation (Ctrl-C).
package newsince

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/scanner"
)

// SuppressionKind marks head findings that were already present at the
// base (unchanged): kept in the report, not counted.
const SuppressionKind = "new-since"

// Auto is the ref that means the pull request's base in GitHub Actions.
const Auto = "auto"

// ErrorKind classifies why no comparison could be made.
type ErrorKind int

const (
	ErrGit            ErrorKind = iota + 1 // git failed or is missing
	ErrNotRepository                       // the scanned directory is not in a git work tree
	ErrRefNotFound                         // the ref does not name a commit (or auto found none)
	ErrShallow                             // the base commit is not in a shallow clone
	ErrBaseUnparsable                      // Terraform at the base does not parse
)

// Error is a comparison that could not be made; --new-since-fallback=all
// turns it into a report of every finding.
type Error struct {
	Kind ErrorKind
	Msg  string
	Err  error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// Options describe one comparison.
type Options struct {
	// Ref is the revision compared against: a branch, tag or SHA, or Auto.
	Ref string
	// Scan is the options the working tree was scanned with; the base is
	// scanned with the same, moved to the base's checkout.
	Scan scanner.Options
	// FallbackAll reports every head finding, with a note, when the
	// comparison cannot be made (*Error), instead of failing.
	FallbackAll bool
	// Getenv reads GITHUB_EVENT_PATH and GITHUB_BASE_REF for Auto;
	// os.Getenv when nil.
	Getenv func(string) string
	Logger *slog.Logger
	// HonourNewIgnores lets an ignore comment the change adds hide a
	// finding the change introduces (the base's allow_new_ignores). By
	// default it does not: the finding counts, and the ignore is listed
	// in Report.Gate either way.
	HonourNewIgnores bool

	// ScanHead, when set, scans the working tree instead of Compare's head
	// argument: with onlyRoots set to the root modules the change can
	// affect (as scanner.Options.OnlyRoots; empty when none), or nil for
	// every root module when the comparison cannot be made and FallbackAll
	// reports everything. Root modules the change cannot affect have the
	// same findings on both sides and are not scanned at all.
	ScanHead func(ctx context.Context, onlyRoots []string) (finding.Report, error)

	// afterCheckout runs once the base is checked out (tests).
	afterCheckout func(dir string)
}

// Compare classifies the findings of head, the report of a scan of the
// working tree made with opts.Scan (or of opts.ScanHead's scan):
// unchanged findings are marked suppressed (Kind "new-since"), introduced
// ones stay active, with a Cause when outside the diff, and rep.Comparison
// lists the resolved ones.
func Compare(ctx context.Context, head finding.Report, opts Options) (finding.Report, error) {
	rep, err := compare(ctx, head, opts)
	if err == nil {
		return rep, nil
	}
	var e *Error
	if opts.FallbackAll && errors.As(err, &e) && ctx.Err() == nil {
		if opts.ScanHead != nil {
			if head, err = opts.ScanHead(ctx, nil); err != nil {
				return head, err
			}
		}
		head.Comparison = &finding.Comparison{Ref: opts.Ref, Skipped: e.Msg, HeadRootModules: head.Stats.RootModules}
		head.Notes = append(head.Notes, finding.Note{Kind: finding.NoteComparison,
			Message: e.Msg + "; every finding is reported (--new-since-fallback=all)"})
		return head, nil
	}
	return head, err
}

// hidden reports whether a repository path is inside a hidden directory.
func hidden(p string) bool {
	dir := path.Dir(p)
	for dir != "." && dir != "/" {
		if strings.HasPrefix(path.Base(dir), ".") {
			return true
		}
		dir = path.Dir(dir)
	}
	return false
}

// relocate rewrites the paths of a finding that compare and fingerprints
// read: its range and its call sites.
func relocate(f finding.Finding, conv func(string) string) finding.Finding {
	f.Range.File = conv(f.Range.File)
	f.CallSites = slices.Clone(f.CallSites)
	for i := range f.CallSites {
		f.CallSites[i].Range.File = conv(f.CallSites[i].Range.File)
	}
	return f
}

// finish marks the head report with the classification.
func finish(head finding.Report, c classification, cmp *finding.Comparison, cf *causeFinder, ref string, honourNewIgnores bool) finding.Report {
	fs := append([]finding.Finding(nil), head.Findings...)
	reason := fmt.Sprintf("present at %s (%s)", ref, short(cmp.BaseCommit))
	for _, i := range c.unchanged {
		fs[i].Suppressed = &finding.Suppression{Kind: SuppressionKind, Reason: reason}
	}
	if len(c.newIgnores) > 0 && head.Gate == nil {
		head.Gate = &finding.Gate{}
	}
	for _, i := range c.newIgnores {
		// An ignore the change adds is listed for the reviewers. It does
		// not excuse a finding the change introduces: that one stays
		// active (and counts) unless the base's settings allow new
		// ignores.
		sp := fs[i].Suppressed
		applied := honourNewIgnores || !c.newFindings[i]
		head.Gate.Changes = append(head.Gate.Changes, finding.GateChange{
			Kind: finding.GateSuppression, Subject: fs[i].RuleID, Detail: sp.Reason, Range: sp.Range, Applied: applied})
		if !applied {
			fs[i].Suppressed = nil
			c.introduced = append(c.introduced, i)
		}
	}
	slices.Sort(c.introduced)
	for _, i := range c.introduced {
		if cf != nil {
			fs[i].Cause = cf.find(fs[i])
		}
	}
	head.Findings = fs
	cmp.Introduced = len(c.introduced)
	cmp.Unchanged = len(c.unchanged)
	cmp.Resolved = c.resolved
	if cmp.Resolved == nil {
		cmp.Resolved = []finding.Finding{}
	}
	finding.Sort(cmp.Resolved)
	head.Comparison = cmp
	return head
}

// relevant reports whether a change touches anything a scan reads:
// Terraform or tfvars files anywhere, or other files inside a module
// directory (templates, policy documents).
func relevant(changed []string, l *layout) bool {
	for _, p := range changed {
		if isTerraformFile(p) || l.owner(p) != "" {
			return true
		}
	}
	return false
}

func activeIndexes(fs []finding.Finding) []int {
	var out []int
	for i, f := range fs {
		if f.Suppressed == nil {
			out = append(out, i)
		}
	}
	return out
}

// copyModuleCaches gives the base the remote modules the working tree has
// under .terraform/modules (never committed, so absent from the base):
// without them the base would miss the findings in those modules and they
// would all look introduced. The working tree's versions are used. A
// pull request can commit .terraform as a symbolic link (to the runner's
// home, or ..): nothing on the way to or under .terraform/modules is
// followed, and every read and write stays inside its root.
func copyModuleCaches(headBase, baseBase string, roots []string, log *slog.Logger) {
	headRoot, err := os.OpenRoot(headBase)
	if err != nil {
		log.Debug("new-since: module caches not copied", "err", err)
		return
	}
	defer headRoot.Close()
	baseRoot, err := os.OpenRoot(baseBase)
	if err != nil {
		log.Debug("new-since: module caches not copied", "err", err)
		return
	}
	defer baseRoot.Close()
	for _, r := range roots {
		rel := path.Join(r, ".terraform", "modules")
		if !realDir(headRoot, rel) {
			continue
		}
		if _, err := baseRoot.Lstat(rel); err == nil {
			continue
		}
		if err := copyTree(headRoot, baseRoot, rel); err != nil {
			log.Debug("new-since: module cache not copied", "dir", rel, "err", err)
		}
	}
}

// realDir reports whether rel is a directory in root reached without a
// symbolic link: every element is checked with Lstat.
func realDir(root *os.Root, rel string) bool {
	p := ""
	for _, el := range strings.Split(rel, "/") {
		if el == "." {
			continue
		}
		p = path.Join(p, el)
		st, err := root.Lstat(p)
		if err != nil || !st.IsDir() {
			return false
		}
	}
	return p != ""
}

// copyTree copies the regular files and directories under rel from src
// to the same place in dst; symbolic links and other files are skipped,
// never followed.
func copyTree(src, dst *os.Root, rel string) error {
	return fs.WalkDir(src.FS(), rel, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return dst.MkdirAll(p, 0o755)
		case d.Type().IsRegular():
			return copyFile(src, dst, p)
		}
		return nil
	})
}

func copyFile(src, dst *os.Root, p string) error {
	in, err := src.Open(p)
	if err != nil {
		return err
	}
	defer in.Close()
	// The entry was a regular file when listed; what was opened must be
	// one too (not a link swapped in since).
	if st, err := in.Stat(); err != nil || !st.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", p)
	}
	out, err := dst.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

func wrapGit(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return &Error{Kind: ErrGit, Err: err, Msg: "--new-since: " + err.Error()}
}

func realAbs(p string) (string, error) {
	a, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	if r, err := filepath.EvalSymlinks(a); err == nil {
		return r, nil
	}
	return a, nil
}

func absAll(ps []string) []string {
	var out []string
	for _, p := range ps {
		if a, err := realAbs(p); err == nil {
			out = append(out, a)
		} else {
			out = append(out, p)
		}
	}
	return out
}

func cmpOrSlice(s, def []string) []string {
	if len(s) == 0 {
		return def
	}
	return s
}
