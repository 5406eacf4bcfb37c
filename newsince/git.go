package newsince

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/tfreview/tfreview/internal/gitexec"
)

// git runs git in one repository through gitexec's hardened runner.
type git struct {
	*gitexec.Runner
}

func (g git) run(ctx context.Context, args ...string) ([]byte, error) { return g.Run(ctx, args...) }

func (g git) line(ctx context.Context, args ...string) (string, error) { return g.Line(ctx, args...) }

// exitCode is git's exit status, or -1.
func exitCode(err error) int { return gitexec.ExitCode(err) }

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

// baseTree is the base commit's files in a temporary directory.
type baseTree struct {
	tmp  string
	Path string
}

// extractBase writes commit's regular files into a new temporary
// directory from the object database: no checkout, so no filter, hook or
// LFS of the repository runs, and its symbolic links and submodules are
// left out (never followed). The caller must call remove, also when this
// returns an error.
func (g git) extractBase(ctx context.Context, commit string, log *slog.Logger) (*baseTree, error) {
	tmp, err := os.MkdirTemp("", "tfreview-base-")
	if err != nil {
		return nil, fmt.Errorf("--new-since: temporary directory: %w", err)
	}
	w := &baseTree{tmp: tmp, Path: filepath.Join(tmp, "tree")}
	if err := os.Mkdir(w.Path, 0o700); err != nil {
		return w, fmt.Errorf("--new-since: temporary directory: %w", err)
	}
	ex, err := g.ExtractTree(ctx, commit, w.Path, gitexec.ExtractLimits{})
	for _, s := range ex.Skipped {
		log.Debug("new-since: base file not extracted", "path", s.Path, "reason", s.Reason)
	}
	if err != nil {
		if ctx.Err() != nil {
			return w, ctx.Err()
		}
		return w, &Error{Kind: ErrGit, Err: err, Msg: fmt.Sprintf("--new-since: read the base %s: %v", short(commit), err)}
	}
	return w, nil
}

// remove deletes the temporary directory.
func (w *baseTree) remove() error {
	if w == nil {
		return nil
	}
	if err := os.RemoveAll(w.tmp); err != nil {
		return fmt.Errorf("remove the base's temporary directory %s: %w", w.tmp, err)
	}
	return nil
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
