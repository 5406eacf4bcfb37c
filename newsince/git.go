package newsince

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// gitConfig keeps git from running anything the repository could name:
// hooks (post-checkout runs on `worktree add`), an fsmonitor program, and
// external diff or textconv drivers (passed per command). LFS smudging
// would fetch from the network (skipped by the environment), and so would
// checking out submodules. Output settings are pinned for parsing.
var gitConfig = []string{
	"-c", "core.hooksPath=/dev/null",
	"-c", "core.fsmonitor=false",
	"-c", "core.quotePath=false",
	"-c", "diff.noprefix=false",
	"-c", "diff.relative=false",
	"-c", "submodule.recurse=false",
}

// git runs git in one repository.
type git struct {
	dir string
}

func (g git) cmd(ctx context.Context, args ...string) *exec.Cmd {
	c := exec.CommandContext(ctx, "git", append(append([]string{}, gitConfig...), args...)...)
	c.Dir = g.dir
	c.Env = append(os.Environ(),
		"GIT_TERMINAL_PROMPT=0",
		"GIT_LFS_SKIP_SMUDGE=1",
		"GIT_OPTIONAL_LOCKS=0",
		"LC_ALL=C",
	)
	c.WaitDelay = 5 * time.Second
	return c
}

// run returns git's standard output; the error carries its standard error.
func (g git) run(ctx context.Context, args ...string) ([]byte, error) {
	c := g.cmd(ctx, args...)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return stdout.Bytes(), &gitError{args: args, msg: msg, err: err}
	}
	return stdout.Bytes(), nil
}

func (g git) line(ctx context.Context, args ...string) (string, error) {
	out, err := g.run(ctx, args...)
	return strings.TrimSpace(string(out)), err
}

type gitError struct {
	args []string
	msg  string
	err  error
}

func (e *gitError) Error() string { return "git " + strings.Join(e.args, " ") + ": " + e.msg }
func (e *gitError) Unwrap() error { return e.err }

// exitCode is git's exit status, or -1.
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

var shaRE = regexp.MustCompile(`^[0-9a-fA-F]{7,64}$`)

// resolveAuto turns "auto" into a ref: in GitHub Actions, the pull
// request's base commit from the event payload, else GITHUB_BASE_REF on
// origin; for a push, the commit before it.
func resolveAuto(getenv func(string) string) (string, error) {
	if p := getenv("GITHUB_EVENT_PATH"); p != "" {
		data, err := os.ReadFile(p)
		if err == nil {
			var ev struct {
				PullRequest *struct {
					Base struct {
						SHA string `json:"sha"`
					} `json:"base"`
				} `json:"pull_request"`
				MergeGroup *struct {
					BaseSHA string `json:"base_sha"`
				} `json:"merge_group"`
				Before string `json:"before"`
			}
			if json.Unmarshal(data, &ev) == nil {
				switch {
				case ev.PullRequest != nil && shaRE.MatchString(ev.PullRequest.Base.SHA):
					return ev.PullRequest.Base.SHA, nil
				case ev.MergeGroup != nil && shaRE.MatchString(ev.MergeGroup.BaseSHA):
					return ev.MergeGroup.BaseSHA, nil
				case shaRE.MatchString(ev.Before) && strings.Trim(ev.Before, "0") != "":
					return ev.Before, nil
				}
			}
		}
	}
	if b := getenv("GITHUB_BASE_REF"); b != "" {
		return "origin/" + b, nil
	}
	return "", &Error{Kind: ErrRefNotFound, Msg: "--new-since auto: not a GitHub Actions pull request or push (no base in GITHUB_EVENT_PATH, GITHUB_BASE_REF unset); give a ref, e.g. --new-since origin/main"}
}

// mergeBase resolves ref and returns the merge-base of it and HEAD, with
// errors that say how to fix a shallow clone.
func (g git) mergeBase(ctx context.Context, ref string) (string, error) {
	if ref == "" || strings.HasPrefix(ref, "-") {
		return "", &Error{Kind: ErrRefNotFound, Msg: fmt.Sprintf("--new-since %q: not a git revision", ref)}
	}
	shallow := false
	if s, err := g.line(ctx, "rev-parse", "--is-shallow-repository"); err == nil {
		shallow = s == "true"
	}
	if _, err := g.line(ctx, "rev-parse", "--verify", "--quiet", "HEAD^{commit}"); err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", &Error{Kind: ErrRefNotFound, Msg: "--new-since: HEAD has no commit yet; commit first", Err: err}
	}
	refSHA, err := g.line(ctx, "rev-parse", "--verify", "--quiet", "--end-of-options", ref+"^{commit}")
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if shallow {
			return "", &Error{Kind: ErrShallow, Err: err, Msg: fmt.Sprintf(
				"--new-since %s: not in this shallow clone; fetch the history: set `fetch-depth: 0` on actions/checkout, or run `git fetch --unshallow origin%s`", ref, fetchHint(ref))}
		}
		hint := ""
		if strings.HasPrefix(ref, "origin/") {
			hint = fmt.Sprintf(" (fetch it: `git fetch origin %s`)", strings.TrimPrefix(ref, "origin/"))
		}
		return "", &Error{Kind: ErrRefNotFound, Err: err, Msg: fmt.Sprintf("--new-since %s: no such branch, tag or commit in this repository%s", ref, hint)}
	}
	base, err := g.line(ctx, "merge-base", refSHA, "HEAD")
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if shallow {
			return "", &Error{Kind: ErrShallow, Err: err, Msg: fmt.Sprintf(
				"--new-since %s: the merge-base of %s and HEAD is not in this shallow clone; fetch the history: set `fetch-depth: 0` on actions/checkout (`fetch-depth: 2` is enough for a pull request's merge commit against its base), or run `git fetch --unshallow`", ref, ref)}
		}
		if exitCode(err) == 1 {
			return "", &Error{Kind: ErrRefNotFound, Err: err, Msg: fmt.Sprintf("--new-since %s: it shares no history with HEAD", ref)}
		}
		return "", &Error{Kind: ErrGit, Err: err, Msg: fmt.Sprintf("--new-since %s: %v", ref, err)}
	}
	return base, nil
}

// fetchHint names the branch to fetch with the history, when ref is a
// remote-tracking branch.
func fetchHint(ref string) string {
	if b, ok := strings.CutPrefix(ref, "origin/"); ok {
		return " " + b
	}
	return ""
}

// worktree is the base checked out in a temporary directory.
type worktree struct {
	g    git
	tmp  string
	Path string
}

// addWorktree checks out commit, detached, in a new temporary directory.
// The caller must call remove, also when this returns an error.
func (g git) addWorktree(ctx context.Context, commit string) (*worktree, error) {
	tmp, err := os.MkdirTemp("", "tfreview-base-")
	if err != nil {
		return nil, fmt.Errorf("--new-since: temporary directory: %w", err)
	}
	w := &worktree{g: g, tmp: tmp, Path: filepath.Join(tmp, "tree")}
	if _, err := g.run(ctx, "worktree", "add", "--detach", "--quiet", w.Path, commit); err != nil {
		if ctx.Err() != nil {
			return w, ctx.Err()
		}
		return w, &Error{Kind: ErrGit, Err: err, Msg: fmt.Sprintf("--new-since: check out %s: %v", short(commit), err)}
	}
	return w, nil
}

// remove deletes the worktree and its registration. It runs on its own
// context: it must also work after the scan's was cancelled (Ctrl-C).
func (w *worktree) remove() error {
	if w == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, errRemove := w.g.run(ctx, "worktree", "remove", "--force", w.Path)
	errRemoveAll := os.RemoveAll(w.tmp)
	// Whatever `worktree remove` left registered, with its directory now
	// gone, prune clears.
	_, errPrune := w.g.run(ctx, "worktree", "prune")
	if errRemoveAll != nil {
		return fmt.Errorf("remove base worktree %s: %w", w.tmp, errRemoveAll)
	}
	if errPrune != nil && errRemove != nil {
		return errPrune
	}
	return nil
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
