package newsince

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tfreview/tfreview/internal/gitexec"
)

// Base is the revision a change is judged against: the merge-base of a ref
// and HEAD. The settings that judge a pull request (config file, baseline)
// are read from it, from git's object database, so that the change cannot
// loosen its own gate and nothing of the working tree is followed.
type Base struct {
	Ref    string // as given (auto resolved)
	Commit string // full SHA
	top    string // repository top level, real path
	g      git
}

// ResolveBase finds the repository of dir and the merge-base of ref (or
// Auto) and HEAD. Errors are *Error, like Compare's. It is the first step
// of Compare too, so a gate and a comparison judge against the same commit.
func ResolveBase(ctx context.Context, dir, ref string, getenv func(string) string) (*Base, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	top, g, err := openRepository(ctx, dir)
	if err != nil {
		return nil, err
	}
	if ref == Auto {
		if ref, err = resolveAuto(getenv); err != nil {
			return nil, err
		}
	}
	commit, err := g.mergeBase(ctx, ref)
	if err != nil {
		return nil, err
	}
	return &Base{Ref: ref, Commit: commit, top: top, g: g}, nil
}

// openRepository finds the top level of the repository that holds dir (its
// real path) and a git runner there, which knows the repository's filter
// drivers to disable them.
func openRepository(ctx context.Context, dir string) (top string, g git, err error) {
	abs, err := realAbs(dir)
	if err != nil {
		return "", g, err
	}
	g = git{&gitexec.Runner{Dir: abs}}
	top, err = g.line(ctx, "rev-parse", "--show-toplevel")
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return "", g, ctx.Err()
		case errors.Is(err, exec.ErrNotFound):
			return "", g, &Error{Kind: ErrGit, Err: err, Msg: "--new-since needs git, which is not installed (or not on PATH)"}
		}
		var ee *gitexec.Error
		if errors.As(err, &ee) {
			return "", g, &Error{Kind: ErrNotRepository, Err: err, Msg: fmt.Sprintf("--new-since: %s is not in a git repository (%s)", dir, ee.Msg)}
		}
		return "", g, &Error{Kind: ErrGit, Err: err, Msg: fmt.Sprintf("--new-since needs git: %v", err)}
	}
	if top, err = realAbs(top); err != nil {
		return "", g, err
	}
	if g.Runner, err = gitexec.New(ctx, top); err != nil {
		return "", g, wrapGit(ctx, err)
	}
	return top, g, nil
}

// MaxBaseFile is the largest file ReadFile returns: config and baseline
// files are small, and a base revision is no more trusted to be than the
// working tree.
const MaxBaseFile = 64 << 20

// ReadFile returns the content at the base revision of the file that is
// at path in the working tree (absolute, or relative to the current
// directory). found is false when the path is outside the repository or
// the base has no such file. Only a regular file is read (a symbolic link
// or a submodule at the base is an error), straight from the object
// database: no checkout, so no filter or attribute of the repository runs.
func (b *Base) ReadFile(ctx context.Context, path string) (data []byte, found bool, err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, false, err
	}
	if real, err := realAbs(filepath.Dir(abs)); err == nil {
		abs = filepath.Join(real, filepath.Base(abs))
	}
	rel, err := filepath.Rel(b.top, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, false, nil
	}
	rel = filepath.ToSlash(rel)
	// ls-tree names the entry's type and size without reading it.
	out, err := b.g.run(ctx, "ls-tree", "-z", "--long", "--full-tree", b.Commit, "--", rel)
	if err != nil {
		return nil, false, wrapGit(ctx, err)
	}
	entry := strings.TrimSuffix(string(out), "\x00")
	if entry == "" {
		return nil, false, nil
	}
	meta, name, _ := strings.Cut(entry, "\t")
	fields := strings.Fields(meta)
	if name != rel || len(fields) != 4 {
		return nil, false, nil
	}
	mode, typ, sha, size := fields[0], fields[1], fields[2], fields[3]
	if typ != "blob" || (mode != "100644" && mode != "100755") {
		return nil, false, fmt.Errorf("%s at %s is not a regular file (git mode %s)", rel, short(b.Commit), mode)
	}
	if n, err := strconv.ParseInt(size, 10, 64); err != nil || n > MaxBaseFile {
		return nil, false, fmt.Errorf("%s at %s is larger than %d bytes", rel, short(b.Commit), MaxBaseFile)
	}
	data, err = b.g.run(ctx, "cat-file", "blob", sha)
	if err != nil {
		return nil, false, wrapGit(ctx, err)
	}
	return data, true, nil
}

// IsError reports whether err is a comparison that could not be made (an
// *Error), which --new-since-fallback decides about.
func IsError(err error) bool {
	var e *Error
	return errors.As(err, &e)
}
