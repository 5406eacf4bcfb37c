package review

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/reviewdog/reviewdog/diff"

	"github.com/tfreview/tfreview/internal/gitexec"
)

// FindRepoRoot walks up from dir to the directory holding .git (a directory,
// or a file for worktrees and submodules). It returns "" when there is none.
func FindRepoRoot(dir string) string {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Locate returns the repository root and the scanned root relative to it
// (slash-separated, "" when the same). repoRoot "" means found from
// scanRoot, then fallback (e.g. $GITHUB_WORKSPACE), then scanRoot itself.
func Locate(repoRoot, scanRoot, fallback string) (root, prefix string) {
	if scanRoot == "" {
		scanRoot, _ = os.Getwd()
	}
	root = repoRoot
	if root == "" {
		root = FindRepoRoot(scanRoot)
	}
	if root == "" {
		root = fallback
	}
	if root == "" {
		root = scanRoot
	}
	rel, err := filepath.Rel(realPath(root), realPath(scanRoot))
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return root, ""
	}
	return root, filepath.ToSlash(rel)
}

func realPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

// git runs git in dir through gitexec's hardened runner (no hooks,
// filters, fsmonitor, external diff or textconv; no pager or color;
// a/ and b/ prefixes, raw paths).
func git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	r, err := gitexec.New(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return r.Run(ctx, args...)
}

// DefaultDiffBase is the merge-base of HEAD and its upstream; without an
// upstream, of HEAD and origin/HEAD; without that, HEAD (only uncommitted
// changes are reviewed); in a repository without commits, the empty tree
// (everything is new).
func DefaultDiffBase(ctx context.Context, dir string) (string, error) {
	for _, other := range []string{"@{upstream}", "origin/HEAD"} {
		if out, err := git(ctx, dir, "merge-base", "HEAD", other); err == nil {
			return strings.TrimSpace(string(out)), nil
		}
	}
	if _, err := git(ctx, dir, "rev-parse", "--verify", "--quiet", "HEAD"); err == nil {
		return "HEAD", nil
	}
	// The empty tree's ID depends on the hash (SHA-1 or SHA-256).
	out, err := git(ctx, dir, "hash-object", "-t", "tree", "--stdin")
	if err != nil {
		return "", fmt.Errorf("no commit to diff against in %s: %w", dir, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// GitDiff parses `git diff <base>` in the repository at dir (with reviewdog's
// parser): the work tree, staged or not, against base. When head is not
// empty the diff is base...head (what a pull request shows) instead.
// With untracked, files git neither tracks nor ignores count as wholly
// added, so a new file is reviewed before `git add`. Paths have a/ and b/
// prefixes (strip 1).
func GitDiff(ctx context.Context, dir, base, head string, untracked bool) ([]*diff.FileDiff, error) {
	args := []string{"diff", "--no-ext-diff", "--no-textconv", "--find-renames", "--src-prefix=a/", "--dst-prefix=b/", "-U3"}
	if head != "" {
		args = append(args, base+"..."+head)
	} else {
		args = append(args, base)
	}
	out, err := git(ctx, dir, append(args, "--")...)
	if err != nil {
		return nil, err
	}
	fds, err := diff.ParseMultiFile(bytes.NewReader(out))
	if err != nil {
		return nil, fmt.Errorf("parse git diff: %w", err)
	}
	if head != "" || !untracked {
		return fds, nil
	}
	names, err := git(ctx, dir, "ls-files", "--others", "--exclude-standard", "-z")
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("untracked files: %w", err)
	}
	defer root.Close()
	for _, name := range strings.Split(string(names), "\x00") {
		if name == "" {
			continue
		}
		if fd, err := addedFile(root, name); err == nil {
			fds = append(fds, fd)
		}
	}
	return fds, nil
}

// addedFile is the diff of a new file: every line added. A symbolic link
// is not followed (it could name any file on the machine).
func addedFile(root *os.Root, name string) (*diff.FileDiff, error) {
	if st, err := root.Lstat(name); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", name)
	}
	b, err := root.ReadFile(name)
	if err != nil {
		return nil, err
	}
	if bytes.IndexByte(b, 0) >= 0 {
		return nil, fmt.Errorf("binary")
	}
	text := strings.TrimSuffix(string(b), "\n")
	lines := strings.Split(text, "\n")
	h := &diff.Hunk{StartLineOld: 0, LineLengthOld: 0, StartLineNew: 1, LineLengthNew: len(lines)}
	for i, l := range lines {
		h.Lines = append(h.Lines, &diff.Line{Type: diff.LineAdded, Content: l, LnumNew: i + 1, LnumDiff: i + 1})
	}
	return &diff.FileDiff{PathOld: "/dev/null", PathNew: "b/" + name, Hunks: []*diff.Hunk{h}}, nil
}
