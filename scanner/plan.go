package scanner

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

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
	data, err := readPlan(opts.PlanFile)
	if err != nil {
		return nil, nil, nil, err
	}
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
	plan, err := trivyadapter.LoadPlan(ctx, data, trivyadapter.LoadOptions{Logger: opts.Logger})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("plan %s: %w", opts.PlanFile, err)
	}
	var out []finding.Finding
	if opts.engineOn(EngineTrivy) {
		e, err := s.engines.get(trivyadapter.EngineOptions{ChecksBundle: opts.ChecksBundle})
		if err != nil {
			return nil, nil, nil, err
		}
		found, err := e.Scan(ctx, plan.Root)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("plan %s: %w", opts.PlanFile, err)
		}
		out = append(out, filterChecks(found, opts)...)
	}
	if opts.engineOn(EngineBuiltin) && len(selected) > 0 {
		generated := &tfmodel.Project{Root: abs, Sources: map[string][]byte{}, RootModules: []*tfmodel.RootModule{plan.Root.Model}}
		found, errs := rules.Run(generated, opts.RulesConfig, selected)
		for _, err := range errs {
			rep.Notes = append(rep.Notes, finding.Note{Kind: finding.NoteEngineError, Message: err.Error()})
		}
		out = append(out, found...)
	}
	planAbs, err := filepath.Abs(opts.PlanFile)
	if err != nil {
		return nil, nil, nil, err
	}
	planName, err := filepath.Rel(abs, planAbs)
	if err != nil {
		planName = planAbs
	}
	plan.Locate(out, filepath.ToSlash(planName), syntax, proj.Sources)
	rep.Stats.RootModules++
	rep.Stats.Resources += len(plan.Address)
	return out, directives, proj, nil
}

// readPlan reads the plan file named on the command line, up to
// maxPlanSize.
func readPlan(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPlanSize+1))
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", name, err)
	}
	if len(data) > maxPlanSize {
		return nil, fmt.Errorf("plan %s: larger than %d MiB", name, maxPlanSize>>20)
	}
	return data, nil
}
