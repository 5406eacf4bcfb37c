package scanner

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
)

// RootModule is a root module as a scan would find it, before evaluation:
// what it is made of, so a caller can tell which root modules a change of
// files affects.
type RootModule struct {
	// Dir is the root module's directory, relative to BaseDir,
	// slash-separated ("." for BaseDir itself).
	Dir string
	// ModuleDirs are Dir and every local module directory it calls,
	// transitively, relative to BaseDir, sorted.
	ModuleDirs []string
	// VarFiles are the .tfvars files Terraform loads by itself for it
	// (terraform.tfvars, *.auto.tfvars), relative to BaseDir.
	VarFiles []string
}

// FindRootModules reads and parses the files below opts.Paths the way Scan
// does (same skips and limits) and returns the root modules, sorted by Dir,
// without evaluating anything.
func FindRootModules(ctx context.Context, opts Options) ([]RootModule, error) {
	if opts.Limits.MaxFileSize == 0 {
		opts.Limits.MaxFileSize = DefaultLimits.MaxFileSize
	}
	if opts.Limits.MaxNesting == 0 {
		opts.Limits.MaxNesting = DefaultLimits.MaxNesting
	}
	base := opts.BaseDir
	if base == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		base = wd
	}
	base, _ = filepath.Abs(base)
	paths := opts.Paths
	if len(paths) == 0 {
		paths = []string{"."}
	}
	var out []RootModule
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		prefix, err := filepath.Rel(base, abs)
		if err != nil {
			prefix = abs
		}
		prefix = filepath.ToSlash(prefix)
		rootDir, err := os.OpenRoot(abs)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", abs, err)
		}
		set, err := readFiles(rootDir.FS(), opts.Limits, opts.SkipDirs, opts.SkipFiles)
		if err != nil {
			rootDir.Close()
			return nil, fmt.Errorf("read %s: %w", abs, err)
		}
		graph, _ := set.breakCycles(newOverlay(rootDir.FS()))
		rootDir.Close()
		for _, r := range set.findRoots(graph) {
			rm := RootModule{Dir: path.Join(prefix, r)}
			for _, d := range set.moduleDirs(r) {
				rm.ModuleDirs = append(rm.ModuleDirs, path.Join(prefix, d))
			}
			for _, v := range set.autoVarFiles(r) {
				rm.VarFiles = append(rm.VarFiles, path.Join(prefix, v))
			}
			sort.Strings(rm.ModuleDirs)
			out = append(out, rm)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	return out, nil
}
