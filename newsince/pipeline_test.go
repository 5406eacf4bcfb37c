package newsince

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/scanner"
)

// The --new-since pipeline's steps, each alone.

func TestSummarizeChangesIndexesRenamesAdditionsDeletions(t *testing.T) {
	ch := summarizeChanges([]change{
		{Status: 'R', OldPath: "old/main.tf", NewPath: "new/main.tf"},
		{Status: 'A', NewPath: "added.tf"},
		{Status: 'D', OldPath: "gone.tf"},
		{Status: 'M', OldPath: "m.tf", NewPath: "m.tf"},
		{Status: 'M', OldPath: "env/.terraform/modules/x/main.tf", NewPath: "env/.terraform/modules/x/main.tf"},
	})
	if len(ch.all) != 4 {
		t.Errorf("hidden directories kept: %+v", ch.all)
	}
	if want := []string{"old/main.tf", "new/main.tf", "added.tf", "gone.tf", "m.tf", "m.tf"}; !slices.Equal(ch.changed, want) {
		t.Errorf("changed = %v, want %v", ch.changed, want)
	}
	if ch.pm.head("old/main.tf") != "new/main.tf" || ch.pm.base("new/main.tf") != "old/main.tf" {
		t.Errorf("rename not mapped both ways: %+v", ch.pm)
	}
	if !ch.pm.added["added.tf"] || !ch.deleted["gone.tf"] || ch.deleted["m.tf"] {
		t.Errorf("added %v, deleted %v", ch.pm.added, ch.deleted)
	}
}

func TestRepoPathsConvertBetweenReportAndRepository(t *testing.T) {
	top := filepath.FromSlash("/r")
	p := repoPaths{top: top, baseDir: filepath.Join(top, "infra")}
	if got := p.fromReport("app/main.tf"); got != "infra/app/main.tf" {
		t.Errorf("fromReport = %s", got)
	}
	if got := p.toReport("infra/app/main.tf"); got != "app/main.tf" {
		t.Errorf("toReport = %s", got)
	}
	if got := p.toReport("shared/m.tf"); got != "../shared/m.tf" {
		t.Errorf("toReport outside the base directory = %s", got)
	}
	if r, ok := p.inRepo(filepath.Join(top, "a", "b.tf")); !ok || r != "a/b.tf" {
		t.Errorf("inRepo = %q, %v", r, ok)
	}
	for _, outside := range []string{filepath.FromSlash("/"), filepath.FromSlash("/rr/x.tf"), filepath.FromSlash("/other")} {
		if _, ok := p.inRepo(outside); ok {
			t.Errorf("%s is in the repository", outside)
		}
	}
}

func TestBaseScanOptionsPointIntoTheBaseTree(t *testing.T) {
	top, baseRoot, outside := t.TempDir(), t.TempDir(), t.TempDir()
	for _, d := range []string{filepath.Join(baseRoot, "env"), filepath.Join(top, "env"), filepath.Join(top, "new")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{filepath.Join(baseRoot, "env", "prod.tfvars"), filepath.Join(top, "env", "prod.tfvars"), filepath.Join(top, "env", "new.tfvars")} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	paths := repoPaths{top: top, baseDir: top}
	scan := scanner.Options{
		BaseDir:  top,
		VarFiles: []string{filepath.Join(top, "env", "prod.tfvars"), filepath.Join(top, "env", "new.tfvars"), filepath.Join(outside, "x.tfvars")},
	}
	got := baseScanOptions(scan, []string{filepath.Join(top, "env"), filepath.Join(top, "new"), outside}, paths, baseRoot)
	if got.BaseDir != baseRoot {
		t.Errorf("BaseDir = %s", got.BaseDir)
	}
	// new/ is not at the base: dropped; a path outside the repository is
	// the same on both sides.
	if want := []string{filepath.Join(baseRoot, "env"), outside}; !slices.Equal(got.Paths, want) {
		t.Errorf("Paths = %v, want %v", got.Paths, want)
	}
	// A var file new in this change is read from the working tree.
	if want := []string{filepath.Join(baseRoot, "env", "prod.tfvars"), filepath.Join(top, "env", "new.tfvars"), filepath.Join(outside, "x.tfvars")}; !slices.Equal(got.VarFiles, want) {
		t.Errorf("VarFiles = %v, want %v", got.VarFiles, want)
	}
	if len(scan.Paths) != 0 || scan.VarFiles[0] != filepath.Join(top, "env", "prod.tfvars") {
		t.Error("the head's options were changed")
	}
}

func TestDropSharedUnusedIgnoresKeepsOnlyAffectedModules(t *testing.T) {
	l := newLayout([]scanner.RootModule{
		{Dir: "a", ModuleDirs: []string{"a", "modules/shared", "modules/a-only"}},
		{Dir: "b", ModuleDirs: []string{"b", "modules/shared"}},
	})
	fs := []finding.Finding{
		{RuleID: scanner.IgnoreUnusedRuleID, Range: finding.Range{File: "modules/shared/main.tf"}},
		{RuleID: scanner.IgnoreUnusedRuleID, Range: finding.Range{File: "modules/a-only/main.tf"}},
		{RuleID: "TFR-K8S-001", Range: finding.Range{File: "modules/shared/main.tf"}},
	}
	got := dropSharedUnusedIgnores(fs, l, []string{"a"})
	if len(got) != 2 || got[0].Range.File != "modules/a-only/main.tf" || got[1].RuleID != "TFR-K8S-001" {
		t.Errorf("kept %+v", got)
	}
}

func TestResolveRejectsAScanPathOutsideTheRepository(t *testing.T) {
	r := newRepo(t, map[string]string{"main.tf": queueOnly})
	outside, _ := filepath.EvalSymlinks(t.TempDir())
	_, _, err := resolve(context.Background(), Options{Ref: "main", Scan: scanner.Options{BaseDir: r.dir}}, []string{r.dir, outside})
	var e *Error
	if !errors.As(err, &e) || e.Kind != ErrNotRepository {
		t.Fatalf("err = %v, want ErrNotRepository", err)
	}
	base, paths, err := resolve(context.Background(), Options{Ref: "main", Scan: scanner.Options{BaseDir: r.dir}}, []string{r.dir})
	if err != nil {
		t.Fatal(err)
	}
	if base.Commit != r.git("rev-parse", "HEAD") || paths.top != r.dir {
		t.Errorf("base %s at %s, want HEAD at %s", base.Commit, paths.top, r.dir)
	}
}
