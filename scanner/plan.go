package scanner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/trivyadapter"
	"github.com/tfreview/tfreview/rules"
	"github.com/tfreview/tfreview/tfmodel"
)

// maxPlanSize bounds the plan file read: plans of large estates run to
// tens of megabytes, far past the .tf file limit.
const maxPlanSize = 512 << 20

// scanPlan runs the checks on the planned values of opts.PlanFile (the
// output of `terraform show -json`) instead of evaluating the source in abs,
// which is read only to map findings back to the HCL that declares each
// resource and for its ignore comments.
func (s *Scanner) scanPlan(ctx context.Context, abs string, opts Options, selected []*rules.Rule, rep *finding.Report) ([]finding.Finding, []*ignoreDirective, *tfmodel.Project, error) {
	planAbs, err := filepath.Abs(opts.PlanFile)
	if err != nil {
		return nil, nil, nil, err
	}
	planName, err := filepath.Rel(abs, planAbs)
	if err != nil {
		planName = planAbs
	}
	planName = filepath.ToSlash(planName)
	rootDir, err := os.OpenRoot(abs)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("open %s: %w", abs, err)
	}
	defer rootDir.Close()
	set, err := readFiles(rootDir.FS(), opts.Limits, opts.SkipDirs, opts.SkipFiles)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read %s: %w", abs, err)
	}
	proj := &tfmodel.Project{Root: abs, Sources: set.sources()}
	syntax := map[string]*hcl.File{}
	var directives []*ignoreDirective
	for _, p := range set.sortedPaths() {
		f := set.files[p]
		if f.Syntax != nil && !f.Vars {
			syntax[p] = f.Syntax
			rep.Stats.Files++
		}
		directives = append(directives, findIgnores(f)...)
	}
	// The source tree's parse errors are reported as without --plan: its
	// ignore comments and the mapping depend on it.
	out := slices.Clone(set.parseErr)
	rep.Notes = append(rep.Notes, set.notes...)
	// A plan that cannot be read or converted is reported on the plan file
	// (at the line and column where the decoder stopped) like a .tf file
	// that does not parse; the Kubernetes manifests of the tree are still
	// checked.
	found, err := s.checkPlan(ctx, abs, planName, opts, selected, syntax, proj, rep)
	pe, isPlanErr := errors.AsType[*trivyadapter.PlanError](err)
	switch {
	case isPlanErr:
		pos := hcl.Pos{Line: max(pe.Line, 1), Column: max(pe.Column, 1)}
		out = append(out, parseFinding(planName, hcl.Range{Filename: planName, Start: pos, End: pos}, nil,
			fmt.Sprintf("plan %s: %s", opts.PlanFile, pe.Message)))
	case err != nil:
		return nil, nil, nil, err
	}
	out = append(out, found...)
	// A plan is checked in this process: its charts are rendered here too.
	planReleases, helmNotes := trivyadapter.HelmReleasesOf(proj, rootDir.FS(), opts.Limits.MaxFileSize)
	rep.Notes = append(rep.Notes, helmNotes...)
	if out, err = s.scanKubernetes(ctx, rootDir.FS(), proj, planReleases, opts, out, rep, nil); err != nil {
		return nil, nil, nil, err
	}
	return out, directives, proj, nil
}

// checkPlan runs the checks on the plan's values and maps the findings to
// the source (syntax, proj.Sources). A plan that cannot be read or decoded
// is a *trivyadapter.PlanError; resource instances that cannot be
// converted safely are TFR-PARSE findings at their change in the plan.
func (s *Scanner) checkPlan(ctx context.Context, abs, planName string, opts Options, selected []*rules.Rule, syntax map[string]*hcl.File, proj *tfmodel.Project, rep *finding.Report) ([]finding.Finding, error) {
	data, err := readPlan(opts.PlanFile, maxPlanSize)
	if err != nil {
		return nil, err
	}
	plan, err := trivyadapter.LoadPlan(ctx, data, trivyadapter.LoadOptions{Logger: opts.Logger})
	if err != nil {
		if _, ok := errors.AsType[*trivyadapter.PlanError](err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("plan %s: %w", opts.PlanFile, err)
	}
	var out []finding.Finding
	for _, r := range plan.Rejected {
		pos := hcl.Pos{Line: r.Line, Column: 1}
		out = append(out, parseFinding(planName, hcl.Range{Filename: planName, Start: pos, End: pos}, nil, r.Message))
	}
	var found []finding.Finding
	if opts.engineOn(EngineTrivy) {
		e, err := s.engines.get(trivyadapter.EngineOptions{ChecksBundle: opts.ChecksBundle})
		if err != nil {
			return nil, err
		}
		fs, err := e.Scan(ctx, plan.Root)
		if err != nil {
			return nil, fmt.Errorf("plan %s: %w", opts.PlanFile, err)
		}
		found = append(found, filterChecks(fs, opts)...)
	}
	if opts.engineOn(EngineBuiltin) && len(selected) > 0 {
		generated := &tfmodel.Project{Root: abs, Sources: map[string][]byte{}, RootModules: []*tfmodel.RootModule{plan.Root.Model}}
		fs, errs := rules.Run(generated, opts.RulesConfig, selected)
		for _, err := range errs {
			rep.Notes = append(rep.Notes, finding.Note{Kind: finding.NoteEngineError, Message: err.Error()})
		}
		found = append(found, fs...)
	}
	plan.Locate(found, planName, syntax, proj.Sources)
	rep.Stats.RootModules++
	rep.Stats.Resources += len(plan.Address)
	return append(out, found...), nil
}

// readPlan reads the plan file named on the command line. One that cannot
// be opened is an error; one over limit bytes is a *trivyadapter.PlanError.
func readPlan(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, &trivyadapter.PlanError{Message: fmt.Sprintf("larger than the %d-byte limit; it was not checked", limit)}
	}
	return data, nil
}
